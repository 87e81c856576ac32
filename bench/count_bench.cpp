// Benchmark 3: `SELECT count(*)` over a table with many files, through silt's snapshot view
// against the same query on a plain read_parquet of exactly the same files.
#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

std::string file_list_sql(const std::vector<std::string>& paths) {
  std::vector<std::string> quoted;
  quoted.reserve(paths.size());
  for (const auto& path : paths) quoted.push_back(sql_string(path));
  return "[" + join(quoted, ", ") + "]";
}

// An unpartitioned table whose files DuckDB wrote directly (one per bucket of id), committed with
// one silt transaction carrying numRecords for each file.
Status build_unpartitioned(Bench& bench, engine::Session& session, const std::string& input, const std::string& root,
                           int files) {
  engine::TableOps ops(session, bench.fs());
  engine::CreateOptions create;
  create.schema_sql = kInputSchemaSql;
  SILT_TRY(ops.create(root, create));
  std::string data = root + "/data";
  SILT_TRY(session.connection().execute(fmt::format(
      "COPY (SELECT *, id % {} AS bucket FROM read_parquet({})) TO {} (FORMAT parquet, COMPRESSION zstd, "
      "PARTITION_BY (bucket))",
      files, sql_string(input), sql_string(data))));
  SILT_TRY_ASSIGN(auto counts, session.connection().query_varchar(
                                   "SELECT filename, CAST(count(*) AS VARCHAR) FROM read_parquet(" +
                                   sql_string(data + "/*/*.parquet") + ", filename = true) GROUP BY filename"));
  SILT_TRY_ASSIGN(auto snapshot, ops.load(root));
  delta::Transaction txn(bench.fs(), session.parquet_io(), root, snapshot);
  int64_t now = now_ms();
  for (const auto& row : counts.rows) {
    SILT_TRY_ASSIGN(auto info, bench.fs().stat(*row[0]));
    delta::AddFile add;
    add.path = uri_encode_path(row[0]->substr(root.size() + 1));
    add.size = info.size;
    add.modification_time = now;
    add.stats = fmt::format("{{\"numRecords\":{}}}", *row[1]);
    txn.add_file(std::move(add));
  }
  SILT_TRY(txn.commit());
  return Status();
}

// A table partitioned by `bucket`, written by silt itself (one file per partition).
Status build_partitioned(Bench& bench, engine::Session& session, const std::string& input, const std::string& root,
                         int files) {
  engine::TableOps ops(session, bench.fs());
  engine::Source source;
  source.query = fmt::format("SELECT *, CAST(id % {} AS INTEGER) AS bucket FROM read_parquet({})", files,
                             sql_string(input));
  engine::WriteOptions options;
  options.partition_by = {"bucket"};
  SILT_TRY(ops.write(root, source, options));
  return Status();
}

Status measure_count(Bench& bench, engine::Session& session, const std::string& id, const std::string& title,
                     const std::string& root, const std::string& glob, const std::string& note) {
  const int reps = bench.config().count_repetitions;
  SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(bench.fs(), session.parquet_io(), root));
  std::vector<std::string> paths;
  for (const auto& file : snapshot->files()) paths.push_back(snapshot->absolute_path(file.path));
  std::string baseline_sql = "SELECT count(*) FROM read_parquet(" + file_list_sql(paths) + ")";
  SILT_TRY_ASSIGN(auto expected, session.connection().query_value(baseline_sql));

  auto check = [&](const Result<std::optional<std::string>>& value) -> Status {
    if (!value) return value.status();
    if (*value != expected) {
      return make_error(ErrorCode::kInternal, fmt::format("count differs: {} vs {}", value->value_or("NULL"),
                                                          expected.value_or("NULL")));
    }
    return Status();
  };
  progress(fmt::format("{}: count(*) over {} files in-process, {} repetitions", id, paths.size(), reps));
  Case subject{[&](int) -> Status {
                 SILT_TRY(session.register_snapshot("t", *snapshot));
                 return check(session.connection().query_value("SELECT count(*) FROM t"));
               },
               nullptr, nullptr};
  Case baseline{[&](int) { return check(session.connection().query_value(baseline_sql)); }, nullptr, nullptr};
  SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = id + "a";
  entry.title = fmt::format("count(*) over {} files, {} (in-process)", paths.size(), title);
  entry.subject_name = "`Session::register_snapshot` + `SELECT count(*) FROM t`";
  entry.baseline_name = fmt::format("`SELECT count(*) FROM read_parquet([...{} paths...])` on the same session",
                                    paths.size());
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::ratio_at_most(1.5);
  // Planning alone, to tell binding/optimising from scanning.
  SILT_TRY(session.register_snapshot("t", *snapshot));
  SILT_TRY_ASSIGN(auto view_sql, session.scan_sql(*snapshot));
  size_t readers = 0;
  for (size_t at = view_sql.find("read_parquet("); at != std::string::npos; at = view_sql.find("read_parquet(", at + 1)) {
    ++readers;
  }
  SILT_TRY_ASSIGN(auto plan, measure(reps, Case{[&](int) {
                                                  return session.connection().execute("EXPLAIN SELECT count(*) FROM t");
                                                },
                                                nullptr, nullptr}));
  SILT_TRY_ASSIGN(auto baseline_plan, measure(reps, Case{[&](int) {
                                                           return session.connection().execute("EXPLAIN " + baseline_sql);
                                                         },
                                                         nullptr, nullptr}));
  entry.note = fmt::format(
      "count(*) = {}. silt's view has {} `read_parquet` call(s). Planning alone (`EXPLAIN`, median): silt {}, "
      "baseline {}.{}{}",
      expected.value_or("NULL"), readers, format_seconds(plan.median()), format_seconds(baseline_plan.median()),
      note.empty() ? "" : " ", note);
  bench.report().add(std::move(entry));

  progress(fmt::format("{}: count(*) via the binary, {} repetitions", id, reps));
  Case binary{[&](int) { return run_silt_checked({"sql", "--table", "t=" + root, "SELECT count(*) FROM t"}); }, nullptr,
              nullptr};
  Case binary_baseline{
      [&](int) { return run_silt_checked({"sql", "SELECT count(*) FROM read_parquet(" + sql_string(glob) + ")"}); },
      nullptr, nullptr};
  SILT_TRY_ASSIGN(auto binary_samples, measure_paired(reps, binary, binary_baseline));
  Entry binary_entry;
  binary_entry.id = id + "b";
  binary_entry.title = fmt::format("count(*) over {} files, {} (binary, process start included)", paths.size(), title);
  binary_entry.subject_name = "`silt sql --table t=<table> \"SELECT count(*) FROM t\"`";
  binary_entry.baseline_name = "`silt sql \"SELECT count(*) FROM read_parquet('<glob matching the same files>')\"`";
  binary_entry.subject = std::move(binary_samples.subject);
  binary_entry.baseline = std::move(binary_samples.baseline);
  binary_entry.target = Target::ratio_at_most(1.5);
  bench.report().add(std::move(binary_entry));
  return Status();
}

}  // namespace

void run_count_benchmarks(Bench& bench) {
  const int files = bench.config().count_files;
  const int64_t rows = bench.config().count_rows;
  bench.report().begin_group(
      "3. count(*) over a table with many files",
      fmt::format("{} rows (the input of benchmark 1) split into {} files of about {} rows. The baseline reads "
                  "exactly the live files of the snapshot with one `read_parquet`; both run on the same session "
                  "(Parquet metadata cache on), alternating. Two layouts: an unpartitioned table whose files were "
                  "written by DuckDB and committed by one silt transaction, and a table partitioned by a "
                  "{}-value column written by `TableOps::write`. Both are written with DuckDB's "
                  "`partitioned_write_max_open_files` raised from its default of 100 so that each partition gets "
                  "one file: with the default, DuckDB closes partition files beyond 100 open ones and starts new "
                  "files when rows for them arrive, so one `silt table write` touching more partitions leaves "
                  "several small files per partition.",
                  rows, files, rows / files, files));
  auto input = bench.input_parquet(rows);
  auto session = open_session();
  if (!input || !session) {
    bench.report().add_failure("3", "set-up", input ? session.status() : input.status());
    return;
  }
  // DuckDB keeps at most 100 partition files open by default and starts new files beyond that:
  // a 2,000-value partitioned write would make ~9 files per partition. Allow one file each.
  if (Status status = (*session)->connection().execute("SET partitioned_write_max_open_files = 100000");
      !status.ok()) {
    bench.report().add_failure("3", "set-up", status);
    return;
  }
  std::string flat = bench.scratch("count_flat");
  progress(fmt::format("3.1: writing an unpartitioned table of {} files", files));
  int64_t start = monotonic_ns();
  Status status = build_unpartitioned(bench, **session, *input, flat, files);
  if (status.ok()) {
    progress(fmt::format("  built in {}", format_seconds(seconds_since(start))));
    status = measure_count(bench, **session, "3.1", "unpartitioned", flat, flat + "/data/*/*.parquet", "");
  }
  if (!status.ok()) bench.report().add_failure("3.1", "unpartitioned count(*)", status);
  remove_tree(flat);

  std::string partitioned = bench.scratch("count_partitioned");
  progress(fmt::format("3.2: writing a table partitioned into {} values with TableOps::write", files));
  start = monotonic_ns();
  status = build_partitioned(bench, **session, *input, partitioned, files);
  if (status.ok()) {
    progress(fmt::format("  built in {}", format_seconds(seconds_since(start))));
    status = measure_count(bench, **session, "3.2", fmt::format("{} partitions", files), partitioned,
                           partitioned + "/*/*.parquet",
                           "With this many partition values silt's view is one `read_parquet(..., filename=true)` "
                           "over all files, each partition column looked up by file name in a MAP of the typed "
                           "values from the log (with 32 values or fewer it is one `read_parquet` per value, "
                           "combined with UNION ALL).");
  }
  if (!status.ok()) bench.report().add_failure("3.2", "partitioned count(*)", status);
  remove_tree(partitioned);
}

}  // namespace silt::bench
