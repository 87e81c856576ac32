// Benchmark 10: small-file consolidation (examples/chargebacks). A day of landing files (10,000
// Parquet files of 500 records, 5M records, duplicates and late updates) consolidated by one
// execution of a job -- landing listed, read, de-duplicated by key keeping the latest, partitioned
// by the America/Sao_Paulo date of updated_at, written -- into a new Delta table (10a) and into
// plain Parquet partitions with manifests (10b), against one hand-written DuckDB statement doing
// the same read-dedup-partition-write (COPY ... PARTITION_BY) in the same run.
#include <fmt/format.h>

#include <filesystem>

#include "base/strings.h"
#include "harness.h"
#include "pipeline/catalog/discovery.h"
#include "pipeline/consolidate/consolidator.h"
#include "support/run_command.h"

namespace silt::bench {
namespace {

void consolidation_benchmark(Bench& bench, engine::Session& session, const std::string& id, pipeline::OutputFormat format,
                             const std::string& landing, int64_t files, int64_t records, int repetitions) {
  pipeline::ConsolidationConfig job;
  job.name = "chargebacks";
  job.input.path = landing;
  job.key = {"chargeback_id"};
  job.latest_by = "updated_at";
  job.partition_by.column = "updated_at";
  job.partition_by.timezone = "America/Sao_Paulo";
  job.output.format = format;
  job.output.path = bench.scratch("consolidate/out");
  job.output.compression = "snappy";
  const std::string storage = bench.scratch("consolidate/storage");
  const std::string baseline_dir = bench.scratch("consolidate/baseline");
  pipeline::ConsolidationExecution last;
  Case subject{[&](int) -> Status {
                 pipeline::Consolidator consolidator(session, bench.fs(), storage);
                 pipeline::ConsolidateOptions options;
                 options.deliver_events = false;
                 SILT_TRY_ASSIGN(last, consolidator.execute(job, options));
                 if (last.records_processed != files * records) {
                   return make_error(ErrorCode::kInternal, fmt::format("read {} records", last.records_processed));
                 }
                 return Status();
               },
               [&](int) -> Status {
                 remove_tree(job.output.path);
                 remove_tree(storage);
                 return Status();
               },
               nullptr};
  const std::string statement = fmt::format(
      "COPY (SELECT * EXCLUDE (filename, _local), year(_local) AS year, month(_local) AS month, day(_local) AS day FROM "
      "(SELECT *, timezone('America/Sao_Paulo', CAST(updated_at AS TIMESTAMPTZ)) AS _local FROM "
      "read_parquet('{}/*/*/*/*.parquet', filename=true) "
      "QUALIFY row_number() OVER (PARTITION BY chargeback_id ORDER BY updated_at DESC, filename DESC) = 1)) "
      "TO '{}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (year, month, day))",
      landing, baseline_dir);
  Case baseline{[&](int) -> Status { return session.connection().execute(statement); },
                [&](int) -> Status {
                  remove_tree(baseline_dir);
                  return Status();
                },
                nullptr};
  progress(fmt::format("{}: {} output, {} repetitions", id, pipeline::output_format_name(format), repetitions));
  auto samples = measure_paired(repetitions, subject, baseline);
  remove_tree(job.output.path);
  remove_tree(storage);
  remove_tree(baseline_dir);
  if (!samples) {
    bench.report().add_failure(id, "consolidation", samples.status());
    return;
  }
  Entry entry;
  entry.id = id;
  entry.title = fmt::format("Consolidate {} landing files ({} records) into {}", files, files * records,
                            format == pipeline::OutputFormat::kDelta ? "a new Delta table" : "Parquet partitions");
  entry.subject_name = fmt::format("silt consolidate (Consolidator::execute, {} output: list, read, dedup, partition, write{})",
                                   pipeline::output_format_name(format),
                                   format == pipeline::OutputFormat::kDelta ? ", commit" : ", manifests");
  entry.baseline_name = "one DuckDB statement: COPY (read_parquet + QUALIFY row_number() per key) TO ... PARTITION_BY";
  entry.subject = std::move(samples->subject);
  entry.baseline = std::move(samples->baseline);
  entry.target = Target::ratio_at_most(1.3);
  entry.note = fmt::format("{} duplicates removed, {} records written in {} files. Anchor: the Glue job it replaces runs "
                           "10 workers for 10-15 minutes per execution of 1.25M records.",
                           last.duplicates_removed, last.records_written, last.output_files);
  bench.report().add(std::move(entry));
}

// 10c: a first crawl of every landing file; 10d: the re-crawl after 100 more files landed.
void discovery_benchmarks(Bench& bench, engine::Session& session, const std::string& landing, int64_t files,
                          int repetitions) {
  const std::string storage = bench.scratch("consolidate/discover-storage");
  const std::string fresh_dir = landing + "/2025/11/04";
  pipeline::DiscoverOptions options;
  options.location = landing;
  options.name = "landing_chargebacks";
  pipeline::Discovery last;
  auto crawl = [&]() -> Status {
    pipeline::Catalog catalog(bench.fs(), storage);
    pipeline::Discoverer discoverer(session, bench.fs(), catalog);
    SILT_TRY_ASSIGN(last, discoverer.discover(options));
    return Status();
  };
  std::vector<std::string> sample;  // 100 landing files copied in as new ones
  for (const auto& entry : std::filesystem::recursive_directory_iterator(landing)) {
    if (entry.is_regular_file() && sample.size() < 100) sample.push_back(entry.path().string());
  }
  auto land_new = [&](int) -> Status {
    std::filesystem::create_directories(fresh_dir);
    for (size_t i = 0; i < sample.size(); ++i) {
      std::filesystem::copy_file(sample[i], fmt::format("{}/new_{:03}.parquet", fresh_dir, i),
                                 std::filesystem::copy_options::overwrite_existing);
    }
    return Status();
  };
  auto reset = [&](int) {
    remove_tree(fresh_dir);
    remove_tree(storage);
  };

  Case full{[&](int) { return crawl(); }, [&](int) -> Status { reset(0); return Status(); }, nullptr};
  const std::string footers =
      fmt::format("SELECT count(*) FROM parquet_schema('{}/*/*/*/*.parquet')", landing);
  Case footer_read{[&](int) { return session.connection().execute(footers); }, nullptr, nullptr};
  progress(fmt::format("10c: discovery of {} files, {} repetitions", files, repetitions));
  auto first = measure_paired(repetitions, full, footer_read);
  if (!first) {
    bench.report().add_failure("10c", "discovery", first.status());
  } else {
    Entry entry;
    entry.id = "10c";
    entry.title = fmt::format("Discover {} landing files (first crawl)", files);
    entry.subject_name = "silt discover (list, every footer and row count, schema union, partitions, catalog entry)";
    entry.baseline_name = "DuckDB reading the same footers: SELECT count(*) FROM parquet_schema('<glob>')";
    entry.subject = std::move(first->subject);
    entry.baseline = std::move(first->baseline);
    entry.note = fmt::format("{} files, {} rows, {} partitions, {} columns found.", last.entry.files, last.entry.rows,
                             last.entry.partitions.size(), last.entry.columns.size());
    bench.report().add(std::move(entry));
  }

  Case again{[&](int) { return crawl(); },
             [&](int) -> Status {
               reset(0);
               SILT_TRY(crawl());
               return land_new(0);
             },
             nullptr};
  std::vector<std::string> new_paths;
  for (size_t i = 0; i < sample.size(); ++i) new_paths.push_back(fmt::format("{}/new_{:03}.parquet", fresh_dir, i));
  const std::string new_footers = fmt::format("SELECT count(*) FROM parquet_schema({})", sql_string_list(new_paths));
  Case new_footer_read{[&](int) { return session.connection().execute(new_footers); }, land_new, nullptr};
  progress(fmt::format("10d: re-crawl after {} new files, {} repetitions", sample.size(), repetitions));
  auto incremental = measure_paired(repetitions, again, new_footer_read);
  reset(0);
  if (!incremental) {
    bench.report().add_failure("10d", "incremental discovery", incremental.status());
    return;
  }
  Entry entry;
  entry.id = "10d";
  entry.title = fmt::format("Re-crawl {} landing files after {} new ones landed", files, sample.size());
  entry.subject_name = "silt discover again (list everything, read only the new footers, update the entry)";
  entry.baseline_name = "DuckDB reading the 100 new footers: parquet_schema([...])";
  entry.subject = std::move(incremental->subject);
  entry.baseline = std::move(incremental->baseline);
  entry.target = Target::seconds_at_most(1.0);
  entry.note = fmt::format("{} new files read, {} files in the entry.",
                           last.entry.last_crawl ? last.entry.last_crawl->files_new : 0, last.entry.files);
  bench.report().add(std::move(entry));
}

}  // namespace

void run_consolidate_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "Consolidation",
      "10a/10b: one execution of a consolidation job over a day of chargeback landing files generated by "
      "examples/chargebacks/generate (about 3% re-sends, 2% late updates, 0.5% of the files in the previous day's "
      "folder), against one hand-written DuckDB statement doing the same read, de-duplication and partitioned write. "
      "10c/10d: discovery of the same landing files (silt discover), first crawl and re-crawl after 100 new files.");
  const int64_t files = bench.config().quick ? 1000 : 10000;
  const int64_t records = 500;
  const int repetitions = bench.config().quick ? 2 : 3;
  const std::string landing = bench.scratch("consolidate/landing");
  progress(fmt::format("10: generating {} landing files of {} records", files, records));
  auto generated = testing::run_command({std::string(SILT_SOURCE_DIR) + "/examples/chargebacks/generate", "--out", landing,
                                         "--files", std::to_string(files), "--records", std::to_string(records), "--silt",
                                         silt_binary_path()});
  if (generated.exit_code != 0) {
    bench.report().add_failure("10a", "landing files", make_error(ErrorCode::kInternal, generated.err));
    return;
  }
  auto session = open_session();
  if (!session) {
    bench.report().add_failure("10a", "session", session.status());
    return;
  }
  consolidation_benchmark(bench, **session, "10a", pipeline::OutputFormat::kDelta, landing, files, records, repetitions);
  consolidation_benchmark(bench, **session, "10b", pipeline::OutputFormat::kParquet, landing, files, records, repetitions);
  discovery_benchmarks(bench, **session, landing, files, repetitions + 2);
  remove_tree(bench.scratch("consolidate"));
}

}  // namespace silt::bench
