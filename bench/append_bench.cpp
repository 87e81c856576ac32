// Benchmark 1: append 5M rows x 10 columns from Parquet, against DuckDB's plain COPY of the same
// rows to zstd Parquet (the floor for any writer built on DuckDB).
#include <fmt/format.h>

#include "base/strings.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

std::string copy_sql(const std::string& input, const std::string& output) {
  return "COPY (SELECT * FROM read_parquet(" + sql_string(input) + ")) TO " + sql_string(output) +
         " (FORMAT parquet, COMPRESSION zstd)";
}

Status run_binary(Bench& bench, const std::string& input) {
  const int reps = bench.config().append_repetitions;
  auto table = [&](int i) { return bench.scratch(fmt::format("append_bin_{}", i)); };
  auto copy = [&](int i) { return bench.scratch(fmt::format("append_bin_copy_{}.parquet", i)); };
  Case subject{
      [&](int i) { return run_silt_checked({"table", "write", table(i), "--input", input}); },
      [&](int i) { return run_silt_checked({"table", "create", table(i), "--schema", kInputSchemaSql}); },
      [&](int i) { remove_tree(table(i)); },
  };
  Case baseline{
      [&](int i) { return run_silt_checked({"sql", copy_sql(input, copy(i))}); },
      nullptr,
      [&](int i) { remove_tree(copy(i)); },
  };
  progress(fmt::format("1a: binary append of {} rows, {} repetitions", bench.config().append_rows, reps));
  SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = "1a";
  entry.title = fmt::format("Append {} rows × 10 columns from Parquet (binary, process start included)",
                            bench.config().append_rows);
  entry.subject_name = "`silt table write <t> --input input.parquet` (table created beforehand, untimed)";
  entry.baseline_name = "`silt sql \"COPY (SELECT * FROM read_parquet('input.parquet')) TO 'out.parquet' "
                        "(FORMAT parquet, COMPRESSION zstd)\"`";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::ratio_at_most(1.3);
  bench.report().add(std::move(entry));
  return Status();
}

Status run_in_process(Bench& bench, const std::string& input) {
  const int reps = bench.config().append_repetitions;
  SILT_TRY_ASSIGN(auto session, open_session());
  engine::TableOps ops(*session, bench.fs());
  auto table = [&](int i) { return bench.scratch(fmt::format("append_lib_{}", i)); };
  auto copy = [&](int i) { return bench.scratch(fmt::format("append_lib_copy_{}.parquet", i)); };
  engine::Source source;
  source.input_glob = input;
  engine::OperationReport last;  // of the last silt run, for the note
  int64_t baseline_bytes = 0;
  Case subject{
      [&](int i) -> Status {
        SILT_TRY_ASSIGN(last, ops.write(table(i), source, engine::WriteOptions{}));
        return Status();
      },
      [&](int i) -> Status {
        engine::CreateOptions create;
        create.schema_sql = kInputSchemaSql;
        SILT_TRY(ops.create(table(i), create));
        return Status();
      },
      [&](int i) { remove_tree(table(i)); },
  };
  Case baseline{
      [&](int i) { return session->connection().execute(copy_sql(input, copy(i))); },
      nullptr,
      [&](int i) {
        if (auto info = bench.fs().stat(copy(i))) baseline_bytes = info->size;
        remove_tree(copy(i));
      },
  };
  progress(fmt::format("1b: in-process append of {} rows, {} repetitions", bench.config().append_rows, reps));
  SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = "1b";
  entry.title = fmt::format("Append {} rows × 10 columns from Parquet (in-process)", bench.config().append_rows);
  entry.subject_name = "`TableOps::write` append, `Source{input_glob}`";
  entry.baseline_name = "`COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT parquet, COMPRESSION zstd)` on the same session";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::ratio_at_most(1.3);
  entry.note = fmt::format("silt wrote {} data file(s), {} in all, and committed them with statistics; the baseline "
                           "wrote one file of {}.",
                           last.files_added, format_bytes(last.bytes_added), format_bytes(baseline_bytes));
  bench.report().add(std::move(entry));
  return Status();
}

}  // namespace

void run_append_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "1. Append from Parquet",
      fmt::format("Appends {} rows with ten columns (BIGINT, 2× INTEGER, 2× DOUBLE, DECIMAL(18,2), 2× VARCHAR, DATE, "
                  "TIMESTAMP WITH TIME ZONE) read from one zstd Parquet file generated once with DuckDB. Each "
                  "repetition appends to a freshly created empty table. The baseline is DuckDB rewriting the "
                  "same rows to zstd Parquet, so the ratio is the cost of everything silt adds: schema checks, "
                  "casts to the table schema, per-file statistics (RETURN_STATS) and the commit.",
                  bench.config().append_rows));
  auto input = bench.input_parquet(bench.config().append_rows);
  if (!input) {
    bench.report().add_failure("1", "input generation", input.status());
    return;
  }
  if (Status status = run_binary(bench, *input); !status.ok()) bench.report().add_failure("1a", "binary append", status);
  if (Status status = run_in_process(bench, *input); !status.ok()) {
    bench.report().add_failure("1b", "in-process append", status);
  }
}

}  // namespace silt::bench
