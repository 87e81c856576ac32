// Benchmark 4: latency of a small append (five rows) to an existing table, in-process and through
// the binary, against DuckDB's COPY of the same rows to one Parquet file.
#include <fmt/format.h>

#include "base/strings.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

constexpr int kRowsPerCommit = 5;

// Five rows of the benchmark schema; `commit` makes ids and values differ between commits.
std::string rows_query(int commit) {
  std::vector<std::string> rows;
  for (int k = 0; k < kRowsPerCommit; ++k) {
    int64_t id = int64_t{commit} * kRowsPerCommit + k;
    rows.push_back(fmt::format("({}, {}, {}, {}.5, CAST({}.25 AS DECIMAL(18,2)), 'customer_{}', '{}', DATE '2024-05-{:02}', "
                               "TIMESTAMPTZ '2024-05-01 10:{:02}:00+00', 0.{})",
                               id, id % 1000, k + 1, id % 100, id % 500, id % 1000,
                               k % 2 ? "north" : "south", k + 1, commit % 60, k));
  }
  return "SELECT * FROM (VALUES " + join(rows, ", ") +
         ") v(id, customer_id, quantity, price, amount, name, region, order_date, created_at, discount)";
}

std::string copy_sql(int commit, const std::string& output) {
  return "COPY (" + rows_query(commit) + ") TO " + sql_string(output) + " (FORMAT parquet, COMPRESSION zstd)";
}

std::string latency_note(const Samples& subject, const Samples& baseline) {
  return fmt::format("silt p90 {} (max {}; every 10th commit also writes a checkpoint); baseline p90 {}.",
                     format_seconds(subject.percentile(0.9)), format_seconds(subject.max()),
                     format_seconds(baseline.percentile(0.9)));
}

Status run_in_process(Bench& bench) {
  const int commits = bench.config().small_commits;
  SILT_TRY_ASSIGN(auto session, open_session());
  engine::TableOps ops(*session, bench.fs());
  std::string table = bench.scratch("commit_lib");
  engine::CreateOptions create;
  create.schema_sql = kInputSchemaSql;
  SILT_TRY(ops.create(table, create));
  auto copy = [&](int i) { return bench.scratch(fmt::format("commit_lib_copy_{}.parquet", i)); };
  progress(fmt::format("4a: {} small in-process commits", commits));
  Case subject{[&](int i) -> Status {
                 engine::Source source;
                 source.query = rows_query(i);
                 SILT_TRY(ops.write(table, source, engine::WriteOptions{}));
                 return Status();
               },
               nullptr, nullptr};
  Case baseline{[&](int i) { return session->connection().execute(copy_sql(i, copy(i))); }, nullptr,
                [&](int i) { remove_tree(copy(i)); }};
  SILT_TRY_ASSIGN(auto samples, measure_paired(commits, subject, baseline));
  Entry entry;
  entry.id = "4a";
  entry.title = fmt::format("Small append commit ({} rows), median of {} (in-process)", kRowsPerCommit, commits);
  entry.subject_name = "`TableOps::write` append of a 5-row `VALUES` query to an existing table";
  entry.baseline_name = "`COPY (<same VALUES query>) TO 'one.parquet' (FORMAT parquet, COMPRESSION zstd)`";
  entry.note = latency_note(samples.subject, samples.baseline);
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::seconds_at_most(0.1);
  bench.report().add(std::move(entry));
  remove_tree(table);
  return Status();
}

Status run_binary(Bench& bench) {
  const int commits = bench.config().small_commits;
  std::string table = bench.scratch("commit_bin");
  SILT_TRY(run_silt_checked({"table", "create", table, "--schema", kInputSchemaSql}));
  auto copy = [&](int i) { return bench.scratch(fmt::format("commit_bin_copy_{}.parquet", i)); };
  progress(fmt::format("4b: {} small commits through the binary", commits));
  Case subject{[&](int i) { return run_silt_checked({"table", "write", table, "--query", rows_query(i)}); }, nullptr,
               nullptr};
  Case baseline{[&](int i) { return run_silt_checked({"sql", copy_sql(i, copy(i))}); }, nullptr,
                [&](int i) { remove_tree(copy(i)); }};
  SILT_TRY_ASSIGN(auto samples, measure_paired(commits, subject, baseline));
  Entry entry;
  entry.id = "4b";
  entry.title = fmt::format("Small append commit ({} rows), median of {} (binary, process start included)",
                            kRowsPerCommit, commits);
  entry.subject_name = "`silt table write <t> --query \"<5-row VALUES query>\"`";
  entry.baseline_name = "`silt sql \"COPY (<same VALUES query>) TO 'one.parquet' (FORMAT parquet, COMPRESSION zstd)\"`";
  entry.note = latency_note(samples.subject, samples.baseline);
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  bench.report().add(std::move(entry));
  remove_tree(table);
  return Status();
}

}  // namespace

void run_commit_latency_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "4. Small append commit latency",
      fmt::format("{} successive appends of {} rows each to one existing unpartitioned table with the benchmark "
                  "schema, on local disk (commit files are fsynced). The table grows during the run, and the "
                  "default `delta.checkpointInterval` of 10 makes every 10th commit also write a checkpoint. The "
                  "baseline writes the same rows to one new Parquet file with DuckDB. The in-process target is "
                  "\"tens of milliseconds\" (≤ 100 ms).",
                  bench.config().small_commits, kRowsPerCommit));
  if (Status status = run_in_process(bench); !status.ok()) bench.report().add_failure("4a", "in-process commits", status);
  if (Status status = run_binary(bench); !status.ok()) bench.report().add_failure("4b", "binary commits", status);
}

}  // namespace silt::bench
