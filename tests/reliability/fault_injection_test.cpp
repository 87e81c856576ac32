// Commits are atomic under storage faults: every mutating file-system call (write, put_if_absent,
// remove) of an append, an overwrite, a delete and a checkpointing commit fails in turn, before or
// after it reaches the disk, and the table afterwards is exactly the old or exactly the new version,
// never partial and never unreadable. Data files are stored through the FileSystem too (the faulty
// store is not local disk, so DuckDB's files are staged locally and then written through it): the
// faults hit every data file, the commit, the checkpoint, _last_checkpoint and the clean-up of
// staged files, and no data file of a failed operation is left in the table's directories.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "base/strings.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "storage/testing/fault_injecting_file_system.h"
#include "support/temp_dir.h"

namespace silt {
namespace {


#define SILT_ASSERT_OK_AND_ASSIGN(lhs, expr) SILT_ASSERT_OK_AND_ASSIGN_IMPL_(SILT_CONCAT_(silt_r_, __LINE__), lhs, expr)
#define SILT_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                      \
  auto tmp = (expr);                                                         \
  ASSERT_TRUE(tmp.has_value()) << #expr << ": " << tmp.error().message();    \
  lhs = std::move(tmp).value()

// Guard the loops over n: no operation here makes anywhere near this many calls.
constexpr int kMaxMutatingCalls = 32;
constexpr int kMaxReads = 64;

using Rows = std::vector<std::pair<int64_t, std::string>>;  // (id, value) sorted by id

struct TableState {
  int64_t version = -1;
  Rows rows;
};

std::string rows_query(int64_t first, int64_t count) {
  return fmt::format("SELECT CAST(range AS BIGINT) AS id, 'r' || range AS value FROM range({}, {})", first,
                     first + count);
}

Rows make_rows(int64_t first, int64_t count) {
  Rows rows;
  for (int64_t id = first; id < first + count; ++id) rows.emplace_back(id, "r" + std::to_string(id));
  return rows;
}

const char* mode_name(storage::FaultMode mode) {
  return mode == storage::FaultMode::kFailBefore ? "fail-before" : "fail-after";
}

// The state of the table as a fresh reader sees it, through the undisturbed file system.
Result<TableState> read_state(engine::Session& session, storage::FileSystem& fs, const std::string& root) {
  SILT_TRY_ASSIGN(auto listing, delta::list_log(fs, root));
  SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(fs, session.parquet_io(), root));
  if (listing.commits.empty() || listing.commits.rbegin()->first != snapshot->version()) {
    return make_error(ErrorCode::kCorruption, "the snapshot is not at the newest commit file");
  }
  SILT_TRY_ASSIGN(auto scan, session.scan_sql(*snapshot));
  SILT_TRY_ASSIGN(auto result, session.connection().query_varchar("SELECT CAST(id AS VARCHAR), value FROM (" + scan +
                                                                  ") ORDER BY id"));
  TableState state;
  state.version = snapshot->version();
  for (const auto& row : result.rows) {
    state.rows.emplace_back(parse_int64(row[0].value_or("")).value_or(-1), row[1].value_or("<null>"));
  }
  if (snapshot->num_records() != static_cast<int64_t>(state.rows.size())) {
    return make_error(ErrorCode::kCorruption,
                      fmt::format("log says {} rows, scan read {}", snapshot->num_records(), state.rows.size()));
  }
  return state;
}

// A checkpoint file that exists must be complete and used: loading its version starts from it and
// yields the same rows as replaying the commits. _last_checkpoint must never point to a missing one.
void expect_checkpoints_sound(engine::Session& session, storage::FileSystem& fs, const std::string& root,
                              const TableState& state) {
  auto listing = delta::list_log(fs, root);
  ASSERT_TRUE(listing.has_value()) << listing.error().message();
  for (const auto& [version, files] : listing->checkpoints) {
    auto snapshot = delta::Snapshot::load(fs, session.parquet_io(), root, delta::VersionSpec{version, std::nullopt});
    ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
    ASSERT_TRUE((*snapshot)->checkpoint_version().has_value()) << "checkpoint " << version << " was not usable";
    EXPECT_EQ(*(*snapshot)->checkpoint_version(), version);
    if (version == state.version) {
      EXPECT_EQ((*snapshot)->num_records(), static_cast<int64_t>(state.rows.size()));
    }
  }
  auto last = fs.read(delta::last_checkpoint_path(root));
  if (last) {
    bool points_to_existing = false;
    for (const auto& [version, files] : listing->checkpoints) {
      if (last->find(fmt::format("\"version\":{}", version)) != std::string::npos) points_to_existing = true;
    }
    EXPECT_TRUE(points_to_existing) << "_last_checkpoint names a missing checkpoint: " << *last;
  }
}

// Data files below `root` that no commit of the log adds: what a failed operation left behind.
std::vector<std::string> orphaned_data_files(storage::FileSystem& fs, const std::string& root) {
  std::vector<std::string> orphans;
  auto listing = delta::list_log(fs, root);
  EXPECT_TRUE(listing.has_value()) << listing.error().message();
  if (!listing) return orphans;
  std::set<std::string> added;
  for (const auto& [version, file] : listing->commits) {
    auto actions = delta::read_commit(fs, root, version);
    EXPECT_TRUE(actions.has_value()) << actions.error().message();
    if (!actions) return orphans;
    for (const auto& action : *actions) {
      if (const auto* add = std::get_if<delta::AddFile>(&action)) added.insert(root + "/" + add->path);
    }
  }
  auto files = fs.list_recursive(root);
  EXPECT_TRUE(files.has_value()) << files.error().message();
  if (!files) return orphans;
  for (const auto& file : *files) {
    if (file.path.find("/_delta_log/") != std::string::npos) continue;
    if (!added.count(file.path)) orphans.push_back(file.path);
  }
  return orphans;
}

struct FaultCase {
  std::string name;
  int64_t template_appends;  // appends after the create: the template table is at this version
  TableState before;
  TableState after;
  std::function<Result<engine::OperationReport>(engine::TableOps&, const std::string&)> run;
  int min_mutating_calls;  // mutating calls a clean run makes at least (data files and log files)
  int min_reads = 0;            // reads a clean run makes at least (run_read_faults)
  int min_data_file_reads = 0;  // of which data files
  bool writes_checkpoint = false;
};

// Every case runs with the table on local disk and in a MemoryFileSystem.
class FaultInjectionTest : public ::testing::TestWithParam<std::string> {
 protected:
  storage::FileSystem& store() {
    return GetParam() == "memory" ? static_cast<storage::FileSystem&>(memory_) : local_;
  }

  void copy_tree(const std::string& from, const std::string& to) {
    auto files = store().list_recursive(from);
    ASSERT_TRUE(files.has_value()) << files.error().message();
    for (const auto& file : *files) {
      auto data = store().read(file.path);
      ASSERT_TRUE(data.has_value()) << data.error().message();
      ASSERT_TRUE(store().write(to + file.path.substr(from.size()), *data).ok());
    }
  }

  void SetUp() override {
    auto session = engine::Session::open({});
    ASSERT_TRUE(session.has_value()) << session.error().message();
    session_ = std::move(*session);
  }

  // A table with `appends` appends of 10 rows each (ids 0..10*appends-1), at version `appends`.
  std::string build_template(int64_t appends) {
    std::string root = dir_.file(fmt::format("template-{}", appends));
    if (templates_.count(root)) return root;
    templates_.insert(root);
    engine::TableOps ops(*session_, store());
    engine::CreateOptions create;
    create.schema_sql = "id BIGINT NOT NULL, value VARCHAR";
    EXPECT_TRUE(ops.create(root, create).has_value());
    for (int64_t i = 0; i < appends; ++i) {
      auto report = ops.write(root, engine::Source{rows_query(i * 10, 10), std::nullopt, "", "", ""}, {});
      EXPECT_TRUE(report.has_value()) << report.error().message();
    }
    return root;
  }

  // Runs the case once per (mode, n) on a fresh copy of its template until n passes the number of
  // mutating calls the operation makes.
  void run_case(const FaultCase& fault_case) {
    std::string template_root = build_template(fault_case.template_appends);
    ASSERT_FALSE(HasFailure());
    for (auto mode : {storage::FaultMode::kFailBefore, storage::FaultMode::kFailAfter}) {
      int fault_points = 0;
      int clean_calls = -1;
      int failed_operations = 0;
      for (int n = 1; n <= kMaxMutatingCalls && clean_calls < 0; ++n) {
        SCOPED_TRACE(fmt::format("{}, {}, fault on mutating call {}", fault_case.name, mode_name(mode), n));
        std::string root = dir_.file(fmt::format("{}-{}-{}", fault_case.name, mode_name(mode), n));
        copy_tree(template_root, root);
        ASSERT_FALSE(HasFailure());

        storage::FaultInjectingFileSystem faulty(store());
        engine::TableOps ops(*session_, faulty);
        faulty.fail_on_operation(n, mode);
        auto report = fault_case.run(ops, root);
        bool injected = faulty.faults_injected() > 0;
        faulty.disarm();
        if (!injected) {
          // n is past the operation's last mutating call: it ran clean.
          ASSERT_TRUE(report.has_value()) << report.error().message();
          clean_calls = faulty.operation_count();
          EXPECT_EQ(report->checkpoint_written, fault_case.writes_checkpoint);
          auto snapshot = delta::Snapshot::load(store(), session_->parquet_io(), root);
          ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
          EXPECT_EQ((*snapshot)->checkpoint_version().has_value(), fault_case.writes_checkpoint);
        } else {
          ++fault_points;
        }

        auto state = read_state(*session_, store(), root);
        ASSERT_TRUE(state.has_value()) << "unreadable table: " << state.error().message();
        // Staged data files of a failed commit are deleted; those of a successful one are live.
        EXPECT_EQ(orphaned_data_files(store(), root), std::vector<std::string>());
        if (report.has_value()) {
          // Success must mean the new version, whatever the fault.
          EXPECT_EQ(report->version, fault_case.after.version);
          EXPECT_EQ(state->version, fault_case.after.version);
          EXPECT_EQ(state->rows, fault_case.after.rows);
        } else {
          // A failure leaves the table unchanged (table_ops.h), and blocks nothing: the same
          // operation then succeeds at the next version.
          ++failed_operations;
          EXPECT_EQ(report.error().code(), ErrorCode::kIo) << report.error().message();
          EXPECT_EQ(state->version, fault_case.before.version) << report.error().message();
          EXPECT_EQ(state->rows, fault_case.before.rows);
          auto retried = fault_case.run(ops, root);
          ASSERT_TRUE(retried.has_value()) << retried.error().message();
          EXPECT_EQ(retried->version, fault_case.after.version);
          auto after_retry = read_state(*session_, store(), root);
          ASSERT_TRUE(after_retry.has_value()) << after_retry.error().message();
          EXPECT_EQ(after_retry->version, fault_case.after.version);
          EXPECT_EQ(after_retry->rows, fault_case.after.rows);
          state = std::move(after_retry);
        }
        expect_checkpoints_sound(*session_, store(), root, *state);
        if (HasFailure()) return;  // one broken run explains the rest
      }
      SCOPED_TRACE(fmt::format("{}, {}", fault_case.name, mode_name(mode)));
      ASSERT_GE(clean_calls, 0) << "the operation still made mutating calls after " << kMaxMutatingCalls;
      // Each mutating call of a clean run was faulted once, and at least the commit was among them.
      EXPECT_EQ(fault_points, clean_calls);
      EXPECT_GE(clean_calls, fault_case.min_mutating_calls);
      // Failing the commit before it lands must surface as an error.
      if (mode == storage::FaultMode::kFailBefore) {
        EXPECT_GE(failed_operations, 1);
      }
    }
  }

  // Runs the case once per n with the n-th read through the file system failing (log files, data
  // files, checkpoints alike), until n passes the number of reads the operation makes. A run either
  // reports an Io error and leaves the table as it was, or recovers (a failed read of the
  // _last_checkpoint hint falls back to listing the log) and commits exactly the new rows; no data
  // file is left behind either way, and a failed data-file read always fails the operation.
  void run_read_faults(const FaultCase& fault_case) {
    std::string template_root = build_template(fault_case.template_appends);
    ASSERT_FALSE(HasFailure());
    int clean_reads = -1;
    int faulted = 0, failed = 0, data_file_faults = 0;
    for (int n = 1; n <= kMaxReads && clean_reads < 0; ++n) {
      SCOPED_TRACE(fmt::format("{}, fault on read {}", fault_case.name, n));
      std::string root = dir_.file(fmt::format("{}-read-{}", fault_case.name, n));
      copy_tree(template_root, root);
      ASSERT_FALSE(HasFailure());
      storage::FaultInjectingFileSystem faulty(store());
      engine::TableOps ops(*session_, faulty);
      faulty.fail_on_read(n);
      auto report = fault_case.run(ops, root);
      bool injected = faulty.faults_injected() > 0;
      faulty.disarm();
      auto state = read_state(*session_, store(), root);
      ASSERT_TRUE(state.has_value()) << "unreadable table: " << state.error().message();
      EXPECT_EQ(orphaned_data_files(store(), root), std::vector<std::string>());
      if (!injected) {
        ASSERT_TRUE(report.has_value()) << report.error().message();
        clean_reads = faulty.read_count();
        EXPECT_EQ(state->rows, fault_case.after.rows);
        continue;
      }
      ++faulted;
      if (report.has_value()) {
        EXPECT_EQ(state->version, fault_case.after.version);
        EXPECT_EQ(state->rows, fault_case.after.rows);
      } else {
        ++failed;
        EXPECT_EQ(report.error().code(), ErrorCode::kIo) << report.error().message();
        EXPECT_EQ(state->version, fault_case.before.version);
        EXPECT_EQ(state->rows, fault_case.before.rows);
        data_file_faults += report.error().message().find(".parquet") != std::string::npos ? 1 : 0;
      }
      if (HasFailure()) return;
    }
    ASSERT_GE(clean_reads, 0) << "the operation still read after " << kMaxReads << " reads";
    EXPECT_EQ(faulted, clean_reads);
    EXPECT_GE(clean_reads, fault_case.min_reads);
    EXPECT_GE(data_file_faults, fault_case.min_data_file_reads) << failed << " of " << faulted << " runs failed";
  }

  testing::TempDir dir_;
  storage::LocalFileSystem local_;
  storage::MemoryFileSystem memory_;
  std::set<std::string> templates_;  // built already
  std::unique_ptr<engine::Session> session_;
};

TEST_P(FaultInjectionTest, AppendIsAllOrNothing) {
  FaultCase fault_case;
  fault_case.name = "append";
  fault_case.template_appends = 3;
  fault_case.before = {3, make_rows(0, 30)};
  fault_case.after = {4, make_rows(0, 35)};
  fault_case.run = [](engine::TableOps& ops, const std::string& root) {
    return ops.write(root, engine::Source{rows_query(30, 5), std::nullopt, "", "", ""}, {});
  };
  fault_case.min_mutating_calls = 2;  // a data file, the commit
  run_case(fault_case);
}

TEST_P(FaultInjectionTest, OverwriteIsAllOrNothing) {
  FaultCase fault_case;
  fault_case.name = "overwrite";
  fault_case.template_appends = 3;
  fault_case.before = {3, make_rows(0, 30)};
  fault_case.after = {4, make_rows(200, 7)};
  fault_case.run = [](engine::TableOps& ops, const std::string& root) {
    engine::WriteOptions options;
    options.mode = engine::WriteMode::kOverwrite;
    return ops.write(root, engine::Source{rows_query(200, 7), std::nullopt, "", "", ""}, options);
  };
  fault_case.min_mutating_calls = 2;
  run_case(fault_case);
}

// Deleting the even ids of a table of three appends: half of every file matches, so each file is
// read and rewritten, and staged files exist when the commit fails.
FaultCase delete_even_ids() {
  FaultCase fault_case;
  fault_case.name = "delete";
  fault_case.template_appends = 3;
  fault_case.before = {3, make_rows(0, 30)};
  Rows odd;
  for (const auto& row : make_rows(0, 30)) {
    if (row.first % 2 == 1) odd.push_back(row);
  }
  fault_case.after = {4, odd};
  fault_case.run = [](engine::TableOps& ops, const std::string& root) { return ops.remove_where(root, "id % 2 = 0"); };
  return fault_case;
}

TEST_P(FaultInjectionTest, DeleteWithFileRewritesIsAllOrNothing) {
  FaultCase fault_case = delete_even_ids();
  fault_case.min_mutating_calls = 2;  // the data file of the kept rows, the commit
  run_case(fault_case);
}

TEST_P(FaultInjectionTest, CheckpointingCommitIsAllOrNothing) {
  FaultCase fault_case;
  fault_case.name = "checkpointing-append";
  fault_case.template_appends = 9;  // the append commits version 10, which writes a checkpoint
  fault_case.before = {9, make_rows(0, 90)};
  fault_case.after = {10, make_rows(0, 95)};
  fault_case.run = [](engine::TableOps& ops, const std::string& root) {
    return ops.write(root, engine::Source{rows_query(90, 5), std::nullopt, "", "", ""}, {});
  };
  fault_case.min_mutating_calls = 4;  // a data file, the commit, the checkpoint, _last_checkpoint
  fault_case.writes_checkpoint = true;
  run_case(fault_case);
}

TEST_P(FaultInjectionTest, DeleteFailsCleanlyOnEveryFailedRead) {
  FaultCase fault_case = delete_even_ids();
  fault_case.min_reads = 7;  // four commits, three data files
  fault_case.min_data_file_reads = 3;
  run_read_faults(fault_case);
}

TEST_P(FaultInjectionTest, MergeFailsCleanlyOnEveryFailedRead) {
  FaultCase fault_case;
  fault_case.name = "merge";
  fault_case.template_appends = 3;
  fault_case.before = {3, make_rows(0, 30)};
  Rows merged = make_rows(0, 30);
  merged[4].second = "changed";
  merged.emplace_back(100, "new");
  fault_case.after = {4, merged};
  fault_case.run = [](engine::TableOps& ops, const std::string& root) {
    engine::MergeOptions options;
    options.keys = {"id"};
    return ops.merge(root,
                     engine::Source{"SELECT * FROM (VALUES (4::BIGINT, 'changed'), (100::BIGINT, 'new')) AS t(id, value)",
                                    std::nullopt, "", "", ""},
                     options);
  };
  fault_case.min_reads = 5;  // four commits, the data file holding id 4
  fault_case.min_data_file_reads = 1;
  run_read_faults(fault_case);
}

INSTANTIATE_TEST_SUITE_P(Stores, FaultInjectionTest, ::testing::Values("local", "memory"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace silt
