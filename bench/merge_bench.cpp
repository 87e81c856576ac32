// Benchmark 5: MERGE of 100,000 changed rows (updates and inserts touching 3 dates) into a
// 10-million-row table partitioned by date, against DuckDB's own MERGE INTO on an in-memory table
// holding the same rows. Each silt run is checked to rewrite only the 3 dates' files.
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

constexpr int kDates = 100;
constexpr int kTouchedDates[] = {10, 50, 90};  // days after 2025-01-01

struct MergeSetup {
  int64_t rows = 0;           // table rows
  int64_t rows_per_date = 0;
  int64_t updates_per_date = 0;
  int64_t inserts = 0;
  int repetitions = 0;
  std::string table;          // Delta table root
  std::string changes;        // Parquet file of the changed rows
  int64_t base_version = 0;   // restored after every silt run
  std::set<std::string> base_files;
  std::set<std::string> touched_dates;
  size_t touched_files = 0;   // files of the touched dates at base_version
};

std::string table_rows_sql(int64_t rows, int64_t rows_per_date) {
  return fmt::format(
      "SELECT range AS id, DATE '2025-01-01' + CAST(range // {} AS INTEGER) AS event_date, "
      "range % 9973 AS customer_id, CAST((range % 100000) / 100 AS DECIMAL(18,2)) AS amount, "
      "['new', 'paid', 'shipped', 'returned'][range % 4 + 1] AS status, 'note ' || (range % 1000) AS note "
      "FROM range({})",
      rows_per_date, rows);
}

// Updates: every other id of the first updates_per_date*2 ids of each touched date (new status
// and amount); inserts: new ids above the table, spread over the touched dates.
std::string changes_sql(const MergeSetup& setup) {
  return fmt::format(
      "SELECT d * {0} + 2 * k AS id, DATE '2025-01-01' + CAST(d AS INTEGER) AS event_date, (d * {0} + 2 * k) % 9973 "
      "AS customer_id, CAST(((2 * k) % 100000) / 100 + 1 AS DECIMAL(18,2)) AS amount, 'updated' AS status, "
      "'note ' || ((d * {0} + 2 * k) % 1000) AS note FROM (SELECT unnest([{1}]) AS d), range({2}) AS r(k) "
      "UNION ALL SELECT {3} + n, DATE '2025-01-01' + CAST([{1}][n % 3 + 1] AS INTEGER), n % 9973, 1.00, 'new', "
      "'inserted' FROM range({4}) AS i(n)",
      setup.rows_per_date, fmt::format("{}, {}, {}", kTouchedDates[0], kTouchedDates[1], kTouchedDates[2]),
      setup.updates_per_date, setup.rows, setup.inserts);
}

constexpr const char* kSchemaSql =
    "id BIGINT NOT NULL, event_date DATE, customer_id BIGINT, amount DECIMAL(18,2), status VARCHAR, note VARCHAR";

Result<MergeSetup> prepare(Bench& bench, engine::Session& session) {
  MergeSetup setup;
  setup.rows = bench.config().quick ? 1'000'000 : 10'000'000;
  setup.rows_per_date = setup.rows / kDates;
  setup.inserts = bench.config().quick ? 4'000 : 40'000;
  setup.updates_per_date = bench.config().quick ? 2'000 : 20'000;
  setup.repetitions = bench.config().quick ? 2 : 5;
  setup.table = bench.scratch("merge_table");
  setup.changes = bench.scratch("merge_changes.parquet");
  remove_tree(setup.table);
  progress(fmt::format("5: writing the {}-row table partitioned by {} dates", setup.rows, kDates));
  engine::TableOps ops(session, bench.fs());
  engine::CreateOptions create;
  create.schema_sql = kSchemaSql;
  create.partition_by = {"event_date"};
  SILT_TRY(ops.create(setup.table, create));
  engine::Source source;
  source.query = table_rows_sql(setup.rows, setup.rows_per_date);
  SILT_TRY_ASSIGN(auto written, ops.write(setup.table, source, engine::WriteOptions{}));
  setup.base_version = written.version;
  SILT_TRY(session.connection().execute("COPY (" + changes_sql(setup) + ") TO " + sql_string(setup.changes) +
                                        " (FORMAT parquet)"));
  SILT_TRY_ASSIGN(auto snapshot, ops.load(setup.table));
  for (int day : kTouchedDates) {
    SILT_TRY_ASSIGN(auto date, session.connection().query_value(fmt::format("SELECT DATE '2025-01-01' + {}", day)));
    setup.touched_dates.insert(date.value_or(""));
  }
  for (const auto& file : snapshot->files()) {
    setup.base_files.insert(file.path);
    auto date = file.partition_values.find("event_date");
    if (date != file.partition_values.end() && date->second && setup.touched_dates.count(*date->second)) {
      ++setup.touched_files;
    }
  }
  return setup;
}

// After a silt merge: the files it removed must be exactly the touched dates' files, and its new
// files must lie in those dates. Then the table goes back to the base version.
Status check_and_restore(Bench& bench, engine::Session& session, MergeSetup& setup) {
  engine::TableOps ops(session, bench.fs());
  SILT_TRY_ASSIGN(auto snapshot, ops.load(setup.table));
  std::set<std::string> current;
  size_t added_outside = 0;
  for (const auto& file : snapshot->files()) {
    current.insert(file.path);
    if (setup.base_files.count(file.path)) continue;
    auto date = file.partition_values.find("event_date");
    if (date == file.partition_values.end() || !date->second || !setup.touched_dates.count(*date->second)) {
      ++added_outside;
    }
  }
  size_t removed = 0;
  for (const auto& path : setup.base_files) removed += current.count(path) ? 0 : 1;
  if (removed != setup.touched_files || added_outside != 0 || snapshot->version() != setup.base_version + 1) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("the merge removed {} files (expected the {} files of the 3 touched dates) and "
                                  "added {} files outside them",
                                  removed, setup.touched_files, added_outside));
  }
  // The next merge runs against the base data again, at the restore's new version.
  SILT_TRY_ASSIGN(auto restored, ops.restore(setup.table, setup.base_version));
  setup.base_version = restored.version;
  return Status();
}

// DuckDB's MERGE INTO on an in-memory table of the same rows, rebuilt (untimed) before each run.
Case duckdb_merge(engine::Session& session, const MergeSetup& setup) {
  return Case{
      [&session, &setup](int) {
        return session.connection().execute("MERGE INTO bench_merge USING read_parquet(" + sql_string(setup.changes) +
                                            ") AS s ON (s.id = bench_merge.id) WHEN MATCHED THEN UPDATE "
                                            "WHEN NOT MATCHED THEN INSERT");
      },
      [&session, &setup](int) {
        return session.connection().execute("CREATE OR REPLACE TABLE bench_merge AS " +
                                            table_rows_sql(setup.rows, setup.rows_per_date));
      },
      [&session](int) { (void)session.connection().execute("DROP TABLE IF EXISTS bench_merge"); },
  };
}

std::string baseline_name() {
  return "DuckDB `MERGE INTO t USING read_parquet('changes.parquet') AS s ON (s.id = t.id) WHEN MATCHED THEN UPDATE "
         "WHEN NOT MATCHED THEN INSERT` on an in-memory table of the same rows (rebuilt before each run, untimed)";
}

Status run_binary(Bench& bench, engine::Session& session, MergeSetup& setup) {
  Status checked;  // the first failed check; cleanups cannot fail the measurement themselves
  Case subject{
      [&](int) { return run_silt_checked({"table", "merge", setup.table, "--input", setup.changes, "--key", "id"}); },
      nullptr,
      [&](int) {
        if (Status status = check_and_restore(bench, session, setup); !status.ok() && checked.ok()) checked = status;
      },
  };
  progress(fmt::format("5a: binary merge of {} changed rows, {} repetitions",
                       setup.inserts + 3 * setup.updates_per_date, setup.repetitions));
  SILT_TRY_ASSIGN(auto samples, measure_paired(setup.repetitions, subject, duckdb_merge(session, setup)));
  SILT_TRY(checked);
  Entry entry;
  entry.id = "5a";
  entry.title = fmt::format("MERGE {} changed rows into {} rows partitioned by date, 3 dates touched (binary, process "
                            "start included)",
                            setup.inserts + 3 * setup.updates_per_date, setup.rows);
  entry.subject_name = "`silt table merge <t> --input changes.parquet --key id`";
  entry.baseline_name = baseline_name();
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.note = fmt::format("Every run was checked to remove exactly the {} files of the 3 touched dates (of {}) and to "
                           "add files only there; the table was restored to its base version after each run (untimed).",
                           setup.touched_files, setup.base_files.size());
  bench.report().add(std::move(entry));
  return Status();
}

Status run_in_process(Bench& bench, engine::Session& session, MergeSetup& setup) {
  engine::TableOps ops(session, bench.fs());
  engine::Source source;
  source.input_glob = setup.changes;
  engine::MergeOptions options;
  options.keys = {"id"};
  engine::OperationReport last;
  Status checked;
  Case subject{
      [&](int) -> Status {
        SILT_TRY_ASSIGN(last, ops.merge(setup.table, source, options));
        return Status();
      },
      nullptr,
      [&](int) {
        if (Status status = check_and_restore(bench, session, setup); !status.ok() && checked.ok()) checked = status;
      },
  };
  progress(fmt::format("5b: in-process merge, {} repetitions", setup.repetitions));
  SILT_TRY_ASSIGN(auto samples, measure_paired(setup.repetitions, subject, duckdb_merge(session, setup)));
  SILT_TRY(checked);
  Entry entry;
  entry.id = "5b";
  entry.title = fmt::format("MERGE {} changed rows into {} rows partitioned by date, 3 dates touched (in-process)",
                            setup.inserts + 3 * setup.updates_per_date, setup.rows);
  entry.subject_name = "`TableOps::merge`, `Source{input_glob}`, keys `{id}`";
  entry.baseline_name = baseline_name() + ", same session";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.note = fmt::format("Last run: {} inserted, {} updated, {} rows copied, +{} / -{} files ({} of {} files "
                           "rewritten); only the touched dates' files were read, found by the key ranges of the input "
                           "against the files' id statistics.",
                           last.rows_inserted, last.rows_updated, last.rows_copied, last.files_added,
                           last.files_removed, last.files_removed, setup.base_files.size());
  bench.report().add(std::move(entry));
  return Status();
}

}  // namespace

void run_merge_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "5. MERGE into a partitioned table",
      "Upserts a Parquet file of changed rows into a Delta table partitioned by date (one file per date): two "
      "thirds update existing rows of 3 dates, one third inserts new ids into those dates. The key is `id`. silt "
      "rewrites the files holding changed keys and commits them with the inserts; DuckDB's MERGE INTO updates an "
      "in-memory table in place, so the ratio is the cost of keeping the data in Parquet files under a Delta log. "
      "Report only: no target.");
  auto session = open_session();
  if (!session) {
    bench.report().add_failure("5", "session", session.status());
    return;
  }
  auto setup = prepare(bench, **session);
  if (!setup) {
    bench.report().add_failure("5", "table and changes generation", setup.status());
    return;
  }
  if (Status status = run_binary(bench, **session, *setup); !status.ok()) {
    bench.report().add_failure("5a", "binary merge", status);
  } else if (Status status = run_in_process(bench, **session, *setup); !status.ok()) {
    bench.report().add_failure("5b", "in-process merge", status);
  }
  remove_tree(setup->table);
  remove_tree(setup->changes);
}

}  // namespace silt::bench
