// Benchmark 11: a VACUUM dry run over a table of 100,000 files on local disk (half referenced by the
// log, half orphans older than the retention), against a plain recursive listing of the same tree.
// The table is made cheaply: small files written directly, add actions committed with the Delta layer.
#include <fmt/format.h>

#include "base/clock.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/table_features.h"
#include "delta/transaction.h"
#include "delta/vacuum.h"
#include "harness.h"

namespace silt::bench {

namespace {

constexpr int kPartitions = 100;
constexpr int64_t kDayMs = 86'400'000;
constexpr const char* kSchemaJson =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"d","type":"string","nullable":true,"metadata":{}}]})";

std::string relative_file(int64_t index) {
  return fmt::format("d={:03}/part-{:06}-{}.parquet", index % kPartitions, index,
                     index % 2 == 0 ? "committed" : "orphan");
}

// `files` one-byte files, 30 days old; the even ones added by 10 commits, then a checkpoint.
Status make_table(Bench& bench, engine::Session& session, const std::string& root, int64_t files) {
  storage::FileSystem& fs = bench.fs();
  const int64_t old = now_ms() - 30 * kDayMs;
  for (int64_t i = 0; i < files; ++i) {
    std::string path = root + "/" + relative_file(i);
    SILT_TRY(fs.write(path, "x"));
    SILT_TRY(fs.set_modified_ms(path, old));
  }
  delta::Metadata metadata;
  metadata.id = "vacuum-bench";
  metadata.schema_string = kSchemaJson;
  metadata.partition_columns = {"d"};
  delta::Transaction create(fs, session.parquet_io(), root, nullptr);
  create.set_protocol(delta::default_protocol());
  create.set_metadata(metadata);
  delta::CommitOptions no_checkpoints;
  no_checkpoints.write_checkpoints = false;
  SILT_TRY(create.commit(no_checkpoints));
  const int commits = 10;
  for (int c = 0; c < commits; ++c) {
    SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(fs, session.parquet_io(), root));
    delta::Transaction txn(fs, session.parquet_io(), root, snapshot);
    for (int64_t i = c * 2; i < files; i += 2 * commits) {
      delta::AddFile add;
      add.path = relative_file(i);
      add.partition_values["d"] = fmt::format("{:03}", i % kPartitions);
      add.size = 1;
      add.modification_time = old;
      add.stats = R"({"numRecords":1})";
      txn.add_file(std::move(add));
    }
    SILT_TRY(txn.commit(no_checkpoints));
  }
  SILT_TRY_ASSIGN(auto latest, delta::Snapshot::load(fs, session.parquet_io(), root));
  return delta::write_checkpoint(fs, session.parquet_io(), *latest);
}

Status run_dry_run(Bench& bench) {
  const int64_t files = bench.config().vacuum_files;
  const int repetitions = bench.config().quick ? 3 : 5;
  SILT_TRY_ASSIGN(auto session, open_session());
  std::string root = bench.scratch("vacuum_table");
  remove_tree(root);
  progress(fmt::format("11a: writing {} files and the log of half of them", files));
  int64_t started = monotonic_ns();
  SILT_TRY(make_table(bench, *session, root, files));
  double setup_seconds = seconds_since(started);

  int64_t would_delete = 0;
  progress(fmt::format("11a: {} VACUUM dry runs and listings", repetitions));
  Case subject{[&](int) -> Status {
                 delta::VacuumOptions options;
                 options.dry_run = true;
                 SILT_TRY_ASSIGN(auto report, delta::vacuum(bench.fs(), session->parquet_io(), root, options));
                 if (report.num_files != files / 2) {
                   return make_error(ErrorCode::kInternal,
                                     fmt::format("the dry run would delete {} files, not {}", report.num_files, files / 2));
                 }
                 would_delete = report.num_files;
                 return Status();
               },
               nullptr, nullptr};
  Case baseline{[&](int) -> Status {
                  SILT_TRY_ASSIGN(auto listed, bench.fs().list_recursive(root));
                  if (static_cast<int64_t>(listed.size()) < files) {
                    return make_error(ErrorCode::kInternal, "the listing misses files");
                  }
                  return Status();
                },
                nullptr, nullptr};
  SILT_TRY_ASSIGN(auto samples, measure_paired(repetitions, subject, baseline));
  Entry entry;
  entry.id = "11a";
  entry.title = fmt::format("VACUUM dry run over {} files, {} referenced (in-process)", files, files / 2);
  entry.subject_name = "`delta::vacuum` with `dry_run` (snapshot from a checkpoint, listing, selection)";
  entry.baseline_name = "`FileSystem::list_recursive` of the same table root";
  entry.note = fmt::format("Each dry run selects {} orphans to delete; making the table took {}.", would_delete,
                           format_seconds(setup_seconds));
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::ratio_at_most(3.0);
  bench.report().add(std::move(entry));
  if (!bench.config().keep_scratch) remove_tree(root);
  return Status();
}

}  // namespace

void run_vacuum_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "11. VACUUM",
      fmt::format("A dry run of VACUUM over a table of {} one-byte files on local disk in {} partition "
                  "directories, all 30 days old: half are live files of the table (10 commits and a checkpoint), "
                  "half were never committed. The dry run loads the snapshot, lists the tree and selects the "
                  "orphans; the baseline is the listing alone, the part no VACUUM can skip. Target: at most 3x "
                  "the listing.",
                  bench.config().vacuum_files, kPartitions));
  if (Status status = run_dry_run(bench); !status.ok()) bench.report().add_failure("11a", "VACUUM dry run", status);
}

}  // namespace silt::bench
