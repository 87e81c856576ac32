// Benchmarks 9b and 9c: versioned models. 9b: rolling back by repointing the published table at a
// version of 1,000 data files (TableOps::publish), until a new reader's snapshot holds them,
// against rolling back by copying that version's rows into the published table. 9c: the row diff
// of two 1-million-row outputs by key (engine::diff_relations) against one hand-written DuckDB
// FULL OUTER JOIN computing the same counts.
#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/row_diff.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

// A version table of `files` data files (one per partition value), `rows` rows in all.
Status write_version(engine::TableOps& ops, const std::string& root, int64_t rows, int64_t files, int salt) {
  engine::Source source;
  source.query = fmt::format(
      "SELECT i AS txn_id, CAST(i % {0} AS INTEGER) AS part, i * {1} + 0.5 AS notional, 'desk' || (i % 17) AS desk "
      "FROM range({2}) AS r(i)",
      files, salt, rows);
  engine::WriteOptions options;
  options.mode = engine::WriteMode::kOverwrite;
  options.overwrite_schema = true;
  options.partition_by = {"part"};
  return ops.write(root, source, options).status();
}

void rollback_benchmark(Bench& bench, engine::Session& session) {
  const int64_t files = 1000;
  const int64_t rows = bench.config().quick ? 200'000 : 2'000'000;
  const int repetitions = bench.config().quick ? 3 : 9;
  engine::TableOps ops(session, bench.fs());
  const std::string published = bench.scratch("versions/published");
  const std::string copy = bench.scratch("versions/copied");
  const std::string v1 = published + "/_versions/schema=v1";
  const std::string v2 = published + "/_versions/schema=v2";
  progress(fmt::format("9b: two versions of {} files ({} rows each)", files, rows));
  Status written = write_version(ops, v1, rows, files, 1);
  if (written.ok()) written = write_version(ops, v2, rows / 10, 10, 2);
  if (!written.ok()) {
    bench.report().add_failure("9b", "version tables", written);
    return;
  }
  auto publish = [&](const std::string& root, const std::string& name) -> Status {
    SILT_TRY_ASSIGN(auto source, ops.load(root));
    engine::PublishOptions options;
    options.prefix = "_versions/schema=" + name;
    options.configuration = {{"silt.published.version", name}};
    return ops.publish(published, *source, options).status();
  };
  int64_t seen_files = 0;
  Case subject{[&](int) -> Status {
                 SILT_TRY(publish(v1, "v1"));
                 // A new reader: its own snapshot of the published table.
                 engine::TableOps reader(session, bench.fs());
                 SILT_TRY_ASSIGN(auto snapshot, reader.load(published));
                 if (snapshot->property("silt.published.version", "") != "v1") {
                   return make_error(ErrorCode::kInternal, "the reader does not see v1");
                 }
                 seen_files = static_cast<int64_t>(snapshot->files().size());
                 return Status();
               },
               [&](int) { return publish(v2, "v2"); }, nullptr};
  Case baseline{[&](int) -> Status {
                  SILT_TRY_ASSIGN(auto source, ops.load(v1));
                  SILT_TRY_ASSIGN(auto scan, session.scan_sql(*source));
                  engine::Source rows_of_v1;
                  rows_of_v1.query = "SELECT * FROM (" + scan + ")";
                  engine::WriteOptions options;
                  options.mode = engine::WriteMode::kOverwrite;
                  options.overwrite_schema = true;
                  options.partition_by = {"part"};
                  return ops.write(copy, rows_of_v1, options).status();
                },
                nullptr, nullptr};
  progress(fmt::format("9b: publish v1 ({} files), {} repetitions", files, repetitions));
  auto samples = measure_paired(repetitions, subject, baseline);
  remove_tree(bench.scratch("versions"));
  if (!samples) {
    bench.report().add_failure("9b", "rollback", samples.status());
    return;
  }
  Entry entry;
  entry.id = "9b";
  entry.title = fmt::format("Roll back: publish a version of {} files ({} rows) and a new reader sees it", files, rows);
  entry.subject_name = "TableOps::publish (one commit naming the version's files by relative path) + a new snapshot";
  entry.baseline_name = "rollback by copy: the version's rows rewritten into a table (TableOps::write overwrite)";
  entry.subject = std::move(samples->subject);
  entry.baseline = std::move(samples->baseline);
  entry.target = Target::seconds_at_most(1.0);
  entry.note = fmt::format("The reader's snapshot held {} files of v1 each time; no data file was read or written.",
                           seen_files);
  bench.report().add(std::move(entry));
}

void diff_benchmark(Bench& bench, engine::Session& session) {
  const int64_t rows = bench.config().quick ? 200'000 : 1'000'000;
  const int repetitions = bench.config().quick ? 3 : 7;
  auto& connection = session.connection();
  progress(fmt::format("9c: two outputs of {} rows", rows));
  // v2 changes every 97th fee, drops every 1000th row, adds 500 rows, and has a column v1 lacks.
  Status generated = connection.execute_script(fmt::format(
      "CREATE OR REPLACE TEMP TABLE diff_v1 AS SELECT i AS txn_id, 'ACC' || (i % 5000) AS account, i % 977 AS qty, "
      "round((i % 10007) * 1.25, 2) AS price, round((i % 313) * 0.1, 2) AS fee, 'desk' || (i % 17) AS desk, "
      "DATE '2025-01-01' + CAST(i % 365 AS INTEGER) AS trade_date FROM range({0}) AS r(i);"
      "CREATE OR REPLACE TEMP TABLE diff_v2 AS SELECT txn_id, account, qty, price, "
      "CASE WHEN txn_id % 97 = 0 THEN fee + 0.01 ELSE fee END AS fee, desk, trade_date, qty * price AS notional "
      "FROM diff_v1 WHERE txn_id % 1000 <> 1 UNION ALL SELECT {0} + i, 'NEW', 1, 1.0, 0.0, 'desk0', DATE '2025-06-01', "
      "1.0 FROM range(500) AS r(i);",
      rows));
  if (!generated.ok()) {
    bench.report().add_failure("9c", "data generation", generated);
    return;
  }
  engine::RowDiff last;
  Case subject{[&](int) -> Status {
                 engine::DiffOptions options;
                 options.key = {"txn_id"};
                 SILT_TRY_ASSIGN(last, engine::diff_relations(connection, "diff_v1", "diff_v2", options));
                 return Status();
               },
               nullptr, nullptr};
  std::vector<std::string> expected;
  const std::string counts_sql =
      "SELECT count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL), "
      "count(*) FILTER (WHERE r.txn_id IS NULL), count(*) FILTER (WHERE l.txn_id IS NULL), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND (l.account IS DISTINCT FROM r.account "
      "OR l.qty IS DISTINCT FROM r.qty OR l.price IS DISTINCT FROM r.price OR l.fee IS DISTINCT FROM r.fee OR l.desk "
      "IS DISTINCT FROM r.desk OR l.trade_date IS DISTINCT FROM r.trade_date)), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.account IS DISTINCT FROM r.account), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.qty IS DISTINCT FROM r.qty), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.price IS DISTINCT FROM r.price), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.fee IS DISTINCT FROM r.fee), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.desk IS DISTINCT FROM r.desk), "
      "count(*) FILTER (WHERE l.txn_id IS NOT NULL AND r.txn_id IS NOT NULL AND l.trade_date IS DISTINCT FROM "
      "r.trade_date) "
      "FROM diff_v1 AS l FULL OUTER JOIN diff_v2 AS r ON l.txn_id = r.txn_id";
  Case baseline{[&](int) -> Status {
                  SILT_TRY_ASSIGN(auto result, connection.query_varchar(
                                                   "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (" + counts_sql + ")"));
                  expected.clear();
                  for (const auto& cell : result.rows.at(0)) expected.push_back(cell.value_or(""));
                  return Status();
                },
                nullptr, nullptr};
  progress(fmt::format("9c: diff by key, {} repetitions", repetitions));
  auto samples = measure_paired(repetitions, subject, baseline);
  (void)connection.execute_script("DROP TABLE IF EXISTS diff_v1; DROP TABLE IF EXISTS diff_v2");
  if (!samples) {
    bench.report().add_failure("9c", "row diff", samples.status());
    return;
  }
  int64_t fee_changed = 0;
  std::vector<std::string> ours = {std::to_string(last.matched), std::to_string(last.only_left),
                                   std::to_string(last.only_right), std::to_string(last.rows_changed)};
  for (const auto& column : last.columns) {
    if (column.column == "fee") fee_changed = column.changed;
    ours.push_back(std::to_string(column.changed));
  }
  if (ours != expected) {
    bench.report().add_failure("9c", "row diff",
                               make_error(ErrorCode::kInternal, fmt::format("counts differ: silt [{}], baseline [{}]",
                                                                            join(ours, ", "), join(expected, ", "))));
    return;
  }
  Entry entry;
  entry.id = "9c";
  entry.title = fmt::format("Shadow diff of two {}-row outputs by key", rows);
  entry.subject_name = "engine::diff_relations (counts per column in one FULL OUTER JOIN, row counts, 10 samples)";
  entry.baseline_name = "one hand-written FULL OUTER JOIN computing the same counts (keys on each side, changed rows, changed values per column)";
  entry.subject = std::move(samples->subject);
  entry.baseline = std::move(samples->baseline);
  entry.target = Target::ratio_at_most(2.0);
  entry.note = fmt::format("Both counted {} matched keys, {} only in v1, {} only in v2, {} changed rows ({} fees); silt "
                           "also compared each of the {} common columns on its own and listed the column v2 added.",
                           last.matched, last.only_left, last.only_right, last.rows_changed, fee_changed,
                           last.columns.size());
  bench.report().add(std::move(entry));
}

}  // namespace

void run_versions_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "Versioned models",
      "9b: a rollback is a commit on the published table naming the chosen version's data files by relative path "
      "(nothing read, copied or rewritten), measured until a new reader's snapshot holds them; the baseline rolls back "
      "by copying the version's rows. 9c: the shadow run's row diff of two outputs by key (rows only on one side, "
      "changed values per common column, columns only on one side, sample rows) against one DuckDB FULL OUTER JOIN "
      "computing the same counts, both on DuckDB temporary tables in one session.");
  auto session = open_session();
  if (!session) {
    bench.report().add_failure("9b", "session", session.status());
    return;
  }
  rollback_benchmark(bench, **session);
  diff_benchmark(bench, **session);
}

}  // namespace silt::bench
