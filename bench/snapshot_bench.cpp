// Benchmark 2: opening a snapshot of a large table, from a checkpoint (100,000 files) and from
// JSON commits only (1,000 commits of 100 adds). The logs are synthetic: commit files written
// directly with realistic add actions; the data files do not exist (opening never reads them).
#include <fmt/format.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/actions.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "engine/table_ops.h"
#include "harness.h"

namespace silt::bench {

namespace {

constexpr int kPartitionDays = 365;

std::string day_text(int64_t day) {
  // 2024-01-01 plus `day` days, within one non-leap-sensitive range: month lengths of 2024.
  static const int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int month = 0;
  int64_t rest = day % 366;
  while (rest >= kMonthDays[month]) rest -= kMonthDays[month++];
  return fmt::format("2024-{:02}-{:02}", month + 1, rest + 1);
}

// The add action of synthetic file `index`: a partition value, a realistic size and full
// statistics (min/max/nullCount for the nine data columns), as Spark or silt would write them.
std::string add_line(int64_t index, int64_t now) {
  std::string day = day_text(index % kPartitionDays);
  int64_t rows = 40'000 + index % 20'000;
  int64_t first_id = index * 60'000;
  std::string stats = fmt::format(
      "{{\"numRecords\":{0},"
      "\"minValues\":{{\"id\":{1},\"customer_id\":{2},\"quantity\":1,\"price\":{3}.25,\"amount\":{4}.5,"
      "\"name\":\"customer_{2}\",\"region\":\"central\",\"created_at\":\"{5}T00:00:0{6}.000Z\",\"discount\":0.0}},"
      "\"maxValues\":{{\"id\":{7},\"customer_id\":{8},\"quantity\":50,\"price\":{9}.75,\"amount\":{10}.99,"
      "\"name\":\"customer_{8}\",\"region\":\"west\",\"created_at\":\"{5}T23:59:5{6}.999Z\",\"discount\":0.99}},"
      "\"nullCount\":{{\"id\":0,\"customer_id\":0,\"quantity\":0,\"price\":0,\"amount\":{11},\"name\":0,"
      "\"region\":0,\"created_at\":0,\"discount\":{12}}}}}",
      rows, first_id, index % 1000, index % 97, index % 89, day, index % 10, first_id + rows - 1,
      99'000 + index % 1000, 9'000 + index % 997, 90'000 + index % 991, index % 3, index % 7);
  delta::AddFile add;
  add.path = fmt::format("order_date={}/part-{:05}-{}.c000.zstd.parquet", day, index % 100'000, new_uuid());
  add.partition_values["order_date"] = day;
  add.size = 1'000'000 + (index * 7919) % 9'000'000;
  add.modification_time = now - 1000 * (100'000 - index % 100'000);
  add.data_change = true;
  add.stats = std::move(stats);
  return delta::action_to_json(add);
}

std::string commit_info_line(int64_t version, int64_t now, int64_t files) {
  return fmt::format(
      "{{\"commitInfo\":{{\"timestamp\":{},\"operation\":\"WRITE\",\"operationParameters\":{{\"mode\":\"Append\","
      "\"partitionBy\":\"[\\\"order_date\\\"]\"}},\"readVersion\":{},\"isolationLevel\":\"WriteSerializable\","
      "\"isBlindAppend\":true,\"operationMetrics\":{{\"numFiles\":\"{}\",\"numOutputRows\":\"{}\"}},"
      "\"engineInfo\":\"silt_bench\",\"txnId\":\"{}\"}}}}",
      now, version - 1, files, files * 50'000, new_uuid());
}

// Creates version 0 with silt (protocol + metaData, partitioned by order_date), then writes
// commits 1..commits directly, each adding `adds_per_commit` of the given add lines.
Status write_log(storage::FileSystem& fs, engine::Session& session, const std::string& root,
                 const std::vector<std::string>& adds, int commits, int adds_per_commit) {
  engine::TableOps ops(session, fs);
  engine::CreateOptions create;
  create.schema_sql = kInputSchemaSql;
  create.partition_by = {"order_date"};
  SILT_TRY(ops.create(root, create));
  int64_t now = now_ms();
  size_t next = 0;
  for (int version = 1; version <= commits; ++version) {
    std::string body = commit_info_line(version, now, adds_per_commit) + "\n";
    for (int i = 0; i < adds_per_commit && next < adds.size(); ++i) {
      body += adds[next++];
      body += '\n';
    }
    SILT_TRY(fs.write(delta::commit_file_path(root, version), body));
  }
  return Status();
}

Status load_and_check(Bench& bench, engine::Session& session, const std::string& root, size_t expected_files) {
  SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(bench.fs(), session.parquet_io(), root));
  if (snapshot->files().size() != expected_files) {
    return make_error(ErrorCode::kInternal, fmt::format("snapshot of {} has {} files, expected {}", root,
                                                        snapshot->files().size(), expected_files));
  }
  return Status();
}

// DuckDB materialising the add actions of the same log into this process, as text.
std::string materialise_sql(const std::string& reader) {
  return "SELECT add.path, add.stats, CAST(add.partitionValues AS VARCHAR), CAST(add.size AS VARCHAR), "
         "CAST(add.modificationTime AS VARCHAR) FROM " +
         reader + " WHERE add IS NOT NULL";
}

std::string json_reader(const std::string& root) {
  return "read_json(" + sql_string(delta::log_dir(root) + "/*.json") +
         ", format = 'newline_delimited', columns = {add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, "
         "VARCHAR), size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR)'})";
}

// For the binary baseline: the same read, aggregated so that printing stays negligible.
std::string aggregate_sql(const std::string& reader) {
  return "SELECT count(add.path), sum(length(add.stats)), count(add.partitionValues), sum(add.size) FROM " + reader;
}

// Where Snapshot::load spends its time: the phases timed separately (medians), the rest being
// replay into the live-file map, sorting and building the snapshot.
Result<std::string> load_breakdown(Bench& bench, engine::Session& session, const std::string& root, double load_median) {
  Samples list, read, parse;
  for (int i = 0; i < bench.config().snapshot_repetitions; ++i) {
    int64_t start = monotonic_ns();
    SILT_TRY_ASSIGN(auto listing, delta::list_log(bench.fs(), root));
    list.seconds.push_back(seconds_since(start));
    start = monotonic_ns();
    std::vector<std::string> texts;
    size_t checkpoint_actions = 0;
    if (!listing.checkpoints.empty()) {
      for (const auto& part : listing.checkpoints.rbegin()->second.paths) {
        SILT_TRY_ASSIGN(auto parsed, session.parquet_io().read_checkpoint(bench.fs(), part));
        checkpoint_actions += parsed.adds.size() + parsed.others.size();
      }
    } else {
      for (const auto& [version, file] : listing.commits) {
        SILT_TRY_ASSIGN(auto text, bench.fs().read(file.path));
        texts.push_back(std::move(text));
      }
    }
    read.seconds.push_back(seconds_since(start));
    start = monotonic_ns();
    size_t actions = checkpoint_actions;
    for (const auto& text : texts) {
      SILT_TRY_ASSIGN(auto parsed, delta::parse_actions(text));
      actions += parsed.size();
    }
    parse.seconds.push_back(seconds_since(start));
  }
  bool from_checkpoint = !delta::list_log(bench.fs(), root)->checkpoints.empty();
  double rest = load_median - list.median() - read.median() - parse.median();
  std::string rest_text =
      rest > 0.05 * load_median
          ? fmt::format("the rest (replay into the live-file map, sorting, building the snapshot) about {}",
                        format_seconds(rest))
          : "the rest (replay, sorting) is within the noise of these separate timings";
  return fmt::format(
      "Breakdown of `Snapshot::load` (phases timed separately, medians): listing `_delta_log` {}, {} {}, "
      "`parse_actions` {}; {}.",
      format_seconds(list.median()),
      from_checkpoint ? "`ParquetIo::read_checkpoint` (DuckDB reads the Parquet checkpoint's columns into actions)"
                      : "reading the commit files",
      format_seconds(read.median()), format_seconds(parse.median()), rest_text);
}

Status measure_open(Bench& bench, engine::Session& session, const std::string& id, const std::string& title,
                    const std::string& root, size_t files, const std::string& reader, double target_seconds,
                    const std::string& note) {
  const int reps = bench.config().snapshot_repetitions;
  progress(fmt::format("{}: Snapshot::load of {} ({} files), {} repetitions", id, root, files, reps));
  Case subject{[&](int) { return load_and_check(bench, session, root, files); }, nullptr, nullptr};
  Case baseline{[&](int) -> Status {
                  SILT_TRY_ASSIGN(auto rows, session.connection().query_varchar(materialise_sql(reader)));
                  if (rows.rows.size() != files) return make_error(ErrorCode::kInternal, "baseline row count differs");
                  return Status();
                },
                nullptr, nullptr};
  SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = id + "a";
  entry.title = title + " (in-process)";
  entry.subject_name = "`Snapshot::load` (list, read, replay, sort live files)";
  entry.baseline_name = "DuckDB materialising path, stats, partitionValues, size, modificationTime of every add "
                        "of the same log as text (`query_varchar`)";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::seconds_at_most(target_seconds);
  entry.note = note;
  auto breakdown = load_breakdown(bench, session, root, entry.subject.median());
  if (breakdown) entry.note += " " + *breakdown;
  bench.report().add(std::move(entry));

  progress(fmt::format("{}: silt table info, {} repetitions", id, reps));
  Case info{[&](int) { return run_silt_checked({"table", "info", root}); }, nullptr, nullptr};
  Case info_baseline{[&](int) { return run_silt_checked({"sql", aggregate_sql(reader)}); }, nullptr, nullptr};
  SILT_TRY_ASSIGN(auto binary, measure_paired(reps, info, info_baseline));
  Entry binary_entry;
  binary_entry.id = id + "b";
  binary_entry.title = title + " (`silt table info`, process start included)";
  binary_entry.subject_name = "`silt table info <t>`";
  binary_entry.baseline_name = "`silt sql \"SELECT count(add.path), sum(length(add.stats)), ... FROM <same log>\"`";
  binary_entry.subject = std::move(binary.subject);
  binary_entry.baseline = std::move(binary.baseline);
  binary_entry.target = Target::seconds_at_most(target_seconds);
  bench.report().add(std::move(binary_entry));
  return Status();
}

Status run_checkpoint_case(Bench& bench, engine::Session& session, const std::vector<std::string>& adds) {
  const int64_t files = static_cast<int64_t>(adds.size());
  const int commits = 100;
  std::string root = bench.scratch("snapshot_checkpoint");
  progress(fmt::format("2a: writing {} commits with {} files in all", commits, files));
  SILT_TRY(write_log(bench.fs(), session, root, adds, commits, static_cast<int>((files + commits - 1) / commits)));
  int64_t start = monotonic_ns();
  SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(bench.fs(), session.parquet_io(), root));
  double replay = seconds_since(start);
  start = monotonic_ns();
  SILT_TRY(delta::write_checkpoint(bench.fs(), session.parquet_io(), *snapshot));
  double checkpoint = seconds_since(start);
  SILT_TRY_ASSIGN(auto checkpoint_file, bench.fs().stat(delta::checkpoint_file_path(root, snapshot->version())));
  progress(fmt::format("  replay without checkpoint {}, write_checkpoint {}", format_seconds(replay),
                       format_seconds(checkpoint)));
  std::string note = fmt::format(
      "Checkpoint at version {} ({} add actions, {} on disk; written by `delta::write_checkpoint` in {}); no "
      "commits after it. For comparison, the first load of the same log from its {} JSON commits took {}.",
      snapshot->version(), files, format_bytes(checkpoint_file.size), format_seconds(checkpoint), commits,
      format_seconds(replay));
  std::string reader = "read_parquet(" + sql_string(checkpoint_file.path) + ")";
  return measure_open(bench, session, "2.1", fmt::format("Open a snapshot with {} files from a checkpoint", files),
                      root, static_cast<size_t>(files), reader, 1.0, note);
}

Status run_json_case(Bench& bench, engine::Session& session, const std::vector<std::string>& adds) {
  const int commits = bench.config().json_commits;
  const int per_commit = bench.config().json_adds_per_commit;
  std::string root = bench.scratch("snapshot_json");
  progress(fmt::format("2b: writing {} commits of {} adds", commits, per_commit));
  SILT_TRY(write_log(bench.fs(), session, root, adds, commits, per_commit));
  size_t files = std::min<size_t>(adds.size(), static_cast<size_t>(commits) * per_commit);
  std::string note = fmt::format("{} JSON commits of {} add actions each after version 0, no checkpoint "
                                 "(`delta.checkpointInterval` never reached because the log was written directly).",
                                 commits, per_commit);
  return measure_open(bench, session, "2.2",
                      fmt::format("Open a snapshot from {} commits × {} adds, no checkpoint", commits, per_commit), root,
                      files, json_reader(root), 3.0, note);
}

std::vector<std::string> synthetic_adds(int64_t count) {
  int64_t now = now_ms();
  std::vector<std::string> adds;
  adds.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) adds.push_back(add_line(i, now));
  return adds;
}

}  // namespace

Result<int64_t> write_checkpointed_log(engine::Session& session, storage::FileSystem& fs, const std::string& root,
                                       int64_t files) {
  const int commits = 100;
  SILT_TRY(write_log(fs, session, root, synthetic_adds(files), commits, static_cast<int>((files + commits - 1) / commits)));
  SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(fs, session.parquet_io(), root));
  SILT_TRY(delta::write_checkpoint(fs, session.parquet_io(), *snapshot));
  SILT_TRY_ASSIGN(auto checkpoint, fs.stat(delta::checkpoint_file_path(root, snapshot->version())));
  return checkpoint.size;
}

void run_snapshot_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "2. Open a snapshot of a large table",
      "Synthetic logs of a table partitioned by `order_date` (365 values): version 0 created by silt (protocol + "
      "metaData), then commit files written directly, each add action with a partition value and full "
      "statistics (~600 bytes of stats JSON). Data files do not exist; opening a snapshot never reads them. "
      "The in-process figure is `Snapshot::load`; the binary figure is `silt table info` (process start, DuckDB "
      "start-up, load, row count from stats, printing). Baselines: DuckDB reading the same log files. The "
      "targets are absolute (≤ 1 s from a checkpoint, ≤ 3 s from JSON commits).");
  auto session = open_session();
  if (!session) {
    bench.report().add_failure("2", "session", session.status());
    return;
  }
  int64_t total = std::max<int64_t>(bench.config().checkpoint_files,
                                    int64_t{bench.config().json_commits} * bench.config().json_adds_per_commit);
  progress(fmt::format("2: generating {} add actions", total));
  std::vector<std::string> adds = synthetic_adds(total);

  std::vector<std::string> checkpoint_adds(adds.begin(), adds.begin() + bench.config().checkpoint_files);
  if (Status status = run_checkpoint_case(bench, **session, checkpoint_adds); !status.ok()) {
    bench.report().add_failure("2.1", "snapshot from a checkpoint", status);
  }
  if (Status status = run_json_case(bench, **session, adds); !status.ok()) {
    bench.report().add_failure("2.2", "snapshot from JSON commits", status);
  }
  if (!bench.config().keep_scratch) {
    remove_tree(bench.scratch("snapshot_checkpoint"));
    remove_tree(bench.scratch("snapshot_json"));
  }
}

}  // namespace silt::bench
