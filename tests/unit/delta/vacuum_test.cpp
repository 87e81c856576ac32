// VACUUM on an in-memory store, on local disk and on S3 (s3rver): the exact files deleted and kept,
// dry runs equal to real runs, the retention check and the table's property, hidden names, the
// VACUUM START/END commits, and log cleanup that keeps every version within retention loadable.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "delta/actions.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "delta/vacuum.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

namespace silt::delta {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr const char* kSchemaJson =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"d","type":"string","nullable":true,"metadata":{}}]})";

using Paths = std::set<std::string>;

// A table on some store whose files and commits get chosen ages (relative to `now`).
class TableOnStore {
 public:
  TableOnStore(storage::FileSystem& fs, std::string root, int64_t now) : fs_(fs), io_(fs), root_(std::move(root)), now_(now) {}

  storage::FileSystem& fs() { return fs_; }
  testing::FakeParquetIo& io() { return io_; }
  const std::string& root() const { return root_; }
  int64_t now() const { return now_; }

  static Metadata metadata(std::vector<std::string> partitions = {"d"}, StringMap configuration = {}) {
    Metadata m;
    m.id = "vacuum-test";
    m.schema_string = kSchemaJson;
    m.partition_columns = std::move(partitions);
    m.configuration = std::move(configuration);
    return m;
  }
  static AddFile add(const std::string& path) {
    AddFile a;
    a.path = path;
    a.size = 5;
    a.stats = R"({"numRecords":1})";
    return a;
  }
  static RemoveFile remove(const std::string& path, std::optional<int64_t> deleted_at) {
    RemoveFile r;
    r.path = path;
    r.deletion_timestamp = deleted_at;
    return r;
  }

  // A commit file whose modification time is `age` before now (where the store can set it).
  void commit(int64_t version, const std::vector<Action>& actions, int64_t age = 0) {
    std::string text;
    for (const auto& action : actions) text += action_to_json(action) + "\n";
    ASSERT_TRUE(fs_.put_if_absent(commit_file_path(root_, version), text).ok());
    if (age) age_file(commit_file_path(root_, version), age);
  }
  // A file of `size` bytes under the root, modified `age` before now.
  void file(const std::string& relative, int64_t age, size_t size = 5) {
    ASSERT_TRUE(fs_.write(root_ + "/" + relative, std::string(size, 'x')).ok());
    if (age) age_file(root_ + "/" + relative, age);
  }
  void age_file(const std::string& path, int64_t age) { ASSERT_TRUE(fs_.set_modified_ms(path, now_ - age).ok()); }

  // Every file under the root, relative to it.
  Paths listing() {
    Paths out;
    auto files = fs_.list_recursive(root_);
    EXPECT_TRUE(files) << files.error().message();
    if (files) {
      for (const auto& file : *files) out.insert(file.path.substr(root_.size() + 1));
    }
    return out;
  }
  Result<VacuumReport> vacuum(VacuumOptions options = {}) {
    if (!options.now_ms) options.now_ms = now_;
    return delta::vacuum(fs_, io_, root_, options);
  }
  Result<std::shared_ptr<const Snapshot>> load(VersionSpec spec = {}) { return Snapshot::load(fs_, io_, root_, spec); }

  // The commitInfo of a version.
  nlohmann::json commit_info(int64_t version) {
    auto actions = read_commit(fs_, root_, version);
    EXPECT_TRUE(actions) << actions.error().message();
    if (actions) {
      for (const auto& action : *actions) {
        if (const auto* info = std::get_if<CommitInfo>(&action)) return nlohmann::json::parse(info->json);
      }
    }
    return nlohmann::json();
  }
  size_t actions_in(int64_t version) {
    auto actions = read_commit(fs_, root_, version);
    return actions ? actions->size() : 0;
  }

 private:
  storage::FileSystem& fs_;
  testing::FakeParquetIo io_;
  std::string root_;
  int64_t now_;
};

Paths relative_paths(const std::vector<VacuumFile>& files) {
  Paths out;
  for (const auto& file : files) out.insert(file.path);
  return out;
}

Paths minus(Paths all, const Paths& gone) {
  for (const auto& path : gone) all.erase(path);
  return all;
}

// `paths` plus the commit files of `versions` (relative to the table root).
Paths with_commits(Paths paths, const std::vector<int64_t>& versions) {
  for (int64_t version : versions) paths.insert("_delta_log/" + storage::base_name(commit_file_path("/", version)));
  return paths;
}

// The table most tests vacuum: what each file is decides whether VACUUM may delete it.
void make_mixed_table(TableOnStore& t) {
  const int64_t now = t.now();
  t.commit(0, {Protocol{}, TableOnStore::metadata(), TableOnStore::add("d=x/live.parquet"),
               TableOnStore::add("d=x/expired.parquet"), TableOnStore::add("d=x/recently_removed.parquet")},
           30 * kDay);
  t.commit(1, {TableOnStore::remove("d=x/expired.parquet", now - 10 * kDay)}, 10 * kDay);
  t.commit(2, {TableOnStore::remove("d=x/recently_removed.parquet", now - 2 * kDay)}, 2 * kDay);
  t.file("d=x/live.parquet", 30 * kDay, 100);
  t.file("d=x/expired.parquet", 30 * kDay, 200);           // tombstone older than 7 days: deleted
  t.file("d=x/recently_removed.parquet", 30 * kDay, 300);  // removed by version 2 (2 days old): kept
  t.file("d=y/orphan_old.parquet", 8 * kDay, 400);         // never committed, older than 7 days: deleted
  t.file("d=x/orphan_young.parquet", 1 * kDay, 500);       // never committed, young (a writer in flight): kept
  t.file("top_level_orphan.parquet", 40 * kDay, 600);      // not in a partition directory: deleted too
  t.file("_silt/runs/r1.json", 100 * kDay);
  t.file("_versions/schema=v1/part-0.parquet", 100 * kDay);
  t.file("_silt_staging_abc/part-9.parquet", 100 * kDay);
  t.file(".hidden.parquet", 100 * kDay);
  t.file("d=x/_temporary/part-1.parquet", 100 * kDay);
  t.file("d=x/.part-0.parquet.crc", 100 * kDay);
}

const Paths kMixedDeleted = {"d=x/expired.parquet", "d=y/orphan_old.parquet", "top_level_orphan.parquet"};

class VacuumTest : public ::testing::Test {
 protected:
  VacuumTest() : table_(fs_, "/lake/t", now_ms()) {}
  storage::MemoryFileSystem fs_;
  TableOnStore table_;
};

TEST_F(VacuumTest, DeletesExactlyTheUnreferencedFilesOlderThanTheRetention) {
  make_mixed_table(table_);
  Paths before = table_.listing();
  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(relative_paths(report->files), kMixedDeleted);
  EXPECT_EQ(table_.listing(), with_commits(minus(before, kMixedDeleted), {3, 4}));  // + VACUUM START and END
  EXPECT_EQ(report->num_files, 3);
  EXPECT_EQ(report->bytes, 200 + 400 + 600);
  EXPECT_EQ(report->directories_removed, 1);  // d=y
  EXPECT_EQ(report->young_unreferenced_files, 1);
  EXPECT_EQ(report->retention_ms, 7 * kDay);
  EXPECT_EQ(report->cutoff_ms, table_.now() - 7 * kDay);
  EXPECT_EQ(report->table_version, 2);
  EXPECT_FALSE(report->dry_run);
  // Every file the current version or a version younger than 7 days references still reads.
  auto snapshot = table_.load(VersionSpec{1, std::nullopt});
  ASSERT_TRUE(snapshot);
  for (const auto& file : (*snapshot)->files()) {
    EXPECT_TRUE(*fs_.exists((*snapshot)->absolute_path(file.path))) << file.path;
  }
}

TEST_F(VacuumTest, WritesVacuumStartAndEndCommitsWithTheMetrics) {
  make_mixed_table(table_);
  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  ASSERT_EQ(report->start_version, 3);
  ASSERT_EQ(report->end_version, 4);
  EXPECT_EQ(table_.actions_in(3), 1u);  // commitInfo only
  EXPECT_EQ(table_.actions_in(4), 1u);
  auto start = table_.commit_info(3);
  EXPECT_EQ(start["operation"], "VACUUM START");
  EXPECT_EQ(start["operationParameters"]["retentionCheckEnabled"], true);
  EXPECT_EQ(start["operationParameters"]["defaultRetentionMillis"], 7 * kDay);
  EXPECT_FALSE(start["operationParameters"].contains("specifiedRetentionMillis"));
  EXPECT_EQ(start["operationMetrics"]["numFilesToDelete"], "3");
  EXPECT_EQ(start["operationMetrics"]["sizeOfDataToDelete"], "1200");
  auto end = table_.commit_info(4);
  EXPECT_EQ(end["operation"], "VACUUM END");
  EXPECT_EQ(end["operationParameters"]["status"], "COMPLETED");
  EXPECT_EQ(end["operationMetrics"]["numDeletedFiles"], "3");
  EXPECT_EQ(end["operationMetrics"]["numVacuumedDirectories"], "1");
  // The table is unchanged by them.
  auto latest = table_.load();
  ASSERT_TRUE(latest);
  EXPECT_EQ((*latest)->version(), 4);
  EXPECT_EQ((*latest)->files().size(), 1u);

  // Nothing left to delete: START and END are still written, with zero metrics.
  VacuumOptions options;
  options.retention_ms = 8 * kDay;
  auto again = table_.vacuum(options);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->num_files, 0);
  EXPECT_EQ(again->start_version, 5);
  EXPECT_EQ(table_.commit_info(5)["operationParameters"]["specifiedRetentionMillis"], 8 * kDay);
  EXPECT_EQ(table_.commit_info(6)["operationMetrics"]["numDeletedFiles"], "0");
}

TEST_F(VacuumTest, DryRunListsExactlyWhatARunDeletesAndChangesNothing) {
  make_mixed_table(table_);
  Paths before = table_.listing();
  VacuumOptions dry;
  dry.dry_run = true;
  auto planned = table_.vacuum(dry);
  ASSERT_TRUE(planned) << planned.error().message();
  EXPECT_TRUE(planned->dry_run);
  EXPECT_EQ(table_.listing(), before);  // nothing deleted, no commit written
  EXPECT_FALSE(planned->start_version);
  std::map<std::string, int64_t> sizes;
  for (const auto& file : planned->files) sizes[file.path] = file.size;
  EXPECT_EQ(sizes, (std::map<std::string, int64_t>{
                       {"d=x/expired.parquet", 200}, {"d=y/orphan_old.parquet", 400}, {"top_level_orphan.parquet", 600}}));
  EXPECT_EQ(planned->directories_removed, 1);

  auto done = table_.vacuum();
  ASSERT_TRUE(done) << done.error().message();
  ASSERT_EQ(done->files.size(), planned->files.size());
  for (size_t i = 0; i < done->files.size(); ++i) {
    EXPECT_EQ(done->files[i].path, planned->files[i].path);
    EXPECT_EQ(done->files[i].size, planned->files[i].size);
  }
  EXPECT_EQ(done->bytes, planned->bytes);
}

TEST_F(VacuumTest, RetentionBelowSevenDaysIsRefusedUnlessForced) {
  make_mixed_table(table_);
  Paths before = table_.listing();
  VacuumOptions short_retention;
  short_retention.retention_ms = 1 * kDay;
  auto refused = table_.vacuum(short_retention);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().reason(), "vacuum_retention_too_short");
  EXPECT_EQ(refused.error().option(), "force");
  EXPECT_NE(refused.error().message().find("/lake/t"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("retention of 1d"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("the minimum is 7d"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("force"), std::string::npos) << refused.error().message();
  EXPECT_EQ(table_.listing(), before);

  short_retention.force = true;
  auto forced = table_.vacuum(short_retention);
  ASSERT_TRUE(forced) << forced.error().message();
  // Removed 2 days ago and the 8-day-old orphan go too now; the 1-day-old orphan is as old as the
  // cutoff allows and stays (its modification time is not before now - 1 day).
  EXPECT_EQ(relative_paths(forced->files),
            (Paths{"d=x/expired.parquet", "d=x/recently_removed.parquet", "d=y/orphan_old.parquet",
                   "top_level_orphan.parquet"}));
  EXPECT_FALSE(forced->retention_check_enabled);
  EXPECT_EQ(table_.commit_info(*forced->start_version)["operationParameters"]["retentionCheckEnabled"], false);

  VacuumOptions negative;
  negative.retention_ms = -1;
  negative.force = true;
  auto bad = table_.vacuum(negative);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(VacuumTest, TheTablesDeletedFileRetentionIsTheDefaultAndTheMinimum) {
  const int64_t now = table_.now();
  table_.commit(0, {Protocol{}, TableOnStore::metadata({"d"}, {{"delta.deletedFileRetentionDuration", "interval 14 days"}}),
                    TableOnStore::add("d=x/a.parquet")},
                30 * kDay);
  table_.commit(1, {TableOnStore::remove("d=x/a.parquet", now - 10 * kDay)}, 10 * kDay);
  table_.file("d=x/a.parquet", 30 * kDay);
  auto kept = table_.vacuum();
  ASSERT_TRUE(kept) << kept.error().message();
  EXPECT_EQ(kept->retention_ms, 14 * kDay);
  EXPECT_EQ(kept->default_retention_ms, 14 * kDay);
  EXPECT_TRUE(kept->files.empty());
  EXPECT_TRUE(table_.listing().count("d=x/a.parquet"));

  VacuumOptions seven_days;
  seven_days.retention_ms = 7 * kDay;
  auto refused = table_.vacuum(seven_days);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("the minimum is 14d"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("deletedFileRetentionDuration"), std::string::npos);

  seven_days.force = true;
  auto forced = table_.vacuum(seven_days);
  ASSERT_TRUE(forced) << forced.error().message();
  EXPECT_EQ(relative_paths(forced->files), Paths{"d=x/a.parquet"});
}

TEST_F(VacuumTest, PartitionDirectoriesAreNotHiddenEvenWhenTheirColumnStartsWithAnUnderscore) {
  table_.commit(0, {Protocol{}, TableOnStore::metadata({"_p"}), TableOnStore::add("_p=1/live.parquet")}, 30 * kDay);
  table_.file("_p=1/live.parquet", 30 * kDay);
  table_.file("_p=1/orphan.parquet", 30 * kDay);
  table_.file("_p=2/orphan.parquet", 30 * kDay);
  table_.file("_q=1/orphan.parquet", 30 * kDay);  // not a partition column: hidden
  table_.file("_p=1/_SUCCESS", 30 * kDay);
  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(relative_paths(report->files), (Paths{"_p=1/orphan.parquet", "_p=2/orphan.parquet"}));
  EXPECT_EQ(report->directories_removed, 1);
  EXPECT_TRUE(is_hidden_from_vacuum("_delta_log", {"_p"}));
  EXPECT_TRUE(is_hidden_from_vacuum("_p", {"_p"}));
  EXPECT_FALSE(is_hidden_from_vacuum("_p=", {"_p"}));
  EXPECT_FALSE(is_hidden_from_vacuum("p=1", {}));
}

TEST_F(VacuumTest, EscapedPathsInTheLogMatchTheFilesTheyName) {
  table_.commit(0, {Protocol{}, TableOnStore::metadata(), TableOnStore::add("d=a%253Ab/part%20one.parquet"),
                    TableOnStore::add("file:/lake/t/d=x/absolute.parquet")},
                30 * kDay);
  table_.file("d=a%3Ab/part one.parquet", 30 * kDay);
  table_.file("d=x/absolute.parquet", 30 * kDay);
  table_.file("d=x/orphan.parquet", 30 * kDay);
  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(relative_paths(report->files), Paths{"d=x/orphan.parquet"});
}

// Checkpoints keep tombstones for delta.deletedFileRetentionDuration only: a longer retention still
// protects a file whose tombstone only its commit holds.
TEST_F(VacuumTest, ALongerRetentionKeepsFilesWhoseTombstonesACheckpointDropped) {
  const int64_t now = table_.now();
  table_.commit(0, {Protocol{}, TableOnStore::metadata(), TableOnStore::add("d=x/a.parquet")}, 30 * kDay);
  table_.commit(1, {TableOnStore::remove("d=x/a.parquet", now - 10 * kDay)}, 10 * kDay);
  auto at1 = table_.load();
  ASSERT_TRUE(at1);
  ASSERT_TRUE(write_checkpoint(fs_, table_.io(), **at1).ok());
  auto from_checkpoint = table_.load();
  ASSERT_TRUE(from_checkpoint);
  ASSERT_EQ((*from_checkpoint)->checkpoint_version(), 1);
  ASSERT_TRUE((*from_checkpoint)->tombstones().empty()) << "the checkpoint should have dropped the expired tombstone";
  table_.file("d=x/a.parquet", 30 * kDay);

  VacuumOptions two_weeks;
  two_weeks.retention_ms = 14 * kDay;
  two_weeks.dry_run = true;
  auto kept = table_.vacuum(two_weeks);
  ASSERT_TRUE(kept) << kept.error().message();
  EXPECT_TRUE(kept->files.empty());

  VacuumOptions nine_days;
  nine_days.retention_ms = 9 * kDay;
  nine_days.dry_run = true;
  auto deleted = table_.vacuum(nine_days);
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_EQ(relative_paths(deleted->files), Paths{"d=x/a.parquet"});
}

TEST_F(VacuumTest, RefusesATableWhoseProtocolSiltCannotWrite) {
  Protocol protocol;
  protocol.min_reader_version = 1;
  protocol.min_writer_version = 7;
  protocol.writer_features = std::vector<std::string>{"rowTracking"};
  table_.commit(0, {protocol, TableOnStore::metadata()}, 30 * kDay);
  table_.file("d=x/orphan.parquet", 30 * kDay);
  auto refused = table_.vacuum();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(refused.error().message().find("rowTracking"), std::string::npos) << refused.error().message();
  EXPECT_TRUE(table_.listing().count("d=x/orphan.parquet"));

  auto missing = delta::vacuum(fs_, table_.io(), "/lake/none");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(VacuumTest, CommitInfoOnlyCommitsConflictWithNothing) {
  table_.commit(0, {Protocol{}, TableOnStore::metadata()});
  auto base = table_.load();
  ASSERT_TRUE(base);
  Transaction marker(fs_, table_.io(), table_.root(), *base);
  marker.set_operation("VACUUM START");
  EXPECT_TRUE(marker.is_commit_info_only());
  // A winner that changed the metadata and another that removed files.
  Transaction metadata_change(fs_, table_.io(), table_.root(), *base);
  metadata_change.set_metadata(TableOnStore::metadata({"d"}, {{"delta.appendOnly", "false"}}));
  ASSERT_TRUE(metadata_change.commit());
  table_.commit(2, {TableOnStore::remove("d=x/a.parquet", 1)});
  auto committed = marker.commit();
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed->version, 3);
  Transaction remover(fs_, table_.io(), table_.root(), *base);
  remover.remove_file(TableOnStore::remove("d=x/b.parquet", 1));
  EXPECT_FALSE(remover.is_commit_info_only());
}

TEST(VacuumProperties, LogRetentionDefaultsToThirtyDaysAndParsesIntervals) {
  EXPECT_EQ(*log_retention_ms({}), 30 * kDay);
  EXPECT_EQ(*log_retention_ms({{"delta.logRetentionDuration", "interval 45 days"}}), 45 * kDay);
  EXPECT_EQ(*log_retention_ms({{"delta.logRetentionDuration", "2 weeks"}}), 14 * kDay);
  auto bad = log_retention_ms({{"delta.logRetentionDuration", "forever"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find("delta.logRetentionDuration='forever'"), std::string::npos);
}

// 25 commits two days apart (version v is 60 - 2v days old), checkpoints at 10 and 20: with the
// default 30-day log retention, checkpoint 10 (40 days) is the newest whose commit is older than the
// cutoff, so commits 0-9 go and every version from 10 on still loads, by version and by time.
class VacuumLogTest : public VacuumTest {
 protected:
  void make_log(StringMap configuration = {}) {
    table_.commit(0, {Protocol{}, TableOnStore::metadata({"d"}, configuration), TableOnStore::add("d=x/f0.parquet")});
    for (int v = 1; v < 25; ++v) {
      auto snapshot = table_.load();
      ASSERT_TRUE(snapshot);
      Transaction txn(fs_, table_.io(), table_.root(), *snapshot);
      txn.add_file(TableOnStore::add(fmt::format("d=x/f{}.parquet", v)));
      auto committed = txn.commit();
      ASSERT_TRUE(committed && committed->version == v);
      ASSERT_EQ(committed->checkpoint_written, v % 10 == 0);
    }
    for (int v = 0; v < 25; ++v) {
      table_.age_file(commit_file_path(table_.root(), v), (60 - 2 * v) * kDay);
      if (v % 10 == 0 && v > 0) table_.age_file(checkpoint_file_path(table_.root(), v), (60 - 2 * v) * kDay);
    }
    for (int v = 0; v < 25; ++v) {
      auto snapshot = table_.load(VersionSpec{v, std::nullopt});
      ASSERT_TRUE(snapshot);
      files_at_[v] = (*snapshot)->files().size();
    }
  }
  std::map<int64_t, size_t> files_at_;
};

TEST_F(VacuumLogTest, ExpiredLogFilesGoAndEveryVersionWithinRetentionStillLoads) {
  make_log();
  VacuumOptions dry;
  dry.dry_run = true;
  auto planned = table_.vacuum(dry);
  ASSERT_TRUE(planned) << planned.error().message();
  Paths expected;
  for (int v = 0; v < 10; ++v) expected.insert("_delta_log/" + storage::base_name(commit_file_path("/", v)));
  EXPECT_EQ(relative_paths(planned->log_files), expected);
  EXPECT_EQ(planned->log_boundary_checkpoint, 10);
  EXPECT_EQ(planned->log_retention_ms, 30 * kDay);
  EXPECT_TRUE(*fs_.exists(commit_file_path(table_.root(), 0)));  // a dry run deletes nothing

  // As of 25 days ago: version 17 (26 days old), before and after the cleanup.
  auto as_of = table_.load(VersionSpec{std::nullopt, table_.now() - 25 * kDay});
  ASSERT_TRUE(as_of);
  ASSERT_EQ((*as_of)->version(), 17);

  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(relative_paths(report->log_files), expected);
  Paths log;
  for (const auto& path : table_.listing()) {
    if (path.rfind("_delta_log/", 0) == 0) log.insert(path.substr(11));
  }
  EXPECT_TRUE(log.count("_last_checkpoint"));
  EXPECT_TRUE(log.count(storage::base_name(checkpoint_file_path("/", 10))));
  EXPECT_TRUE(log.count(storage::base_name(checkpoint_file_path("/", 20))));
  EXPECT_TRUE(log.count(storage::base_name(commit_file_path("/", 10))));
  EXPECT_FALSE(log.count(storage::base_name(commit_file_path("/", 9))));
  for (int64_t v = 10; v < 25; ++v) {
    auto snapshot = table_.load(VersionSpec{v, std::nullopt});
    ASSERT_TRUE(snapshot) << "version " << v << ": " << snapshot.error().message();
    EXPECT_EQ((*snapshot)->files().size(), files_at_[v]) << "version " << v;
  }
  auto after = table_.load(VersionSpec{std::nullopt, table_.now() - 25 * kDay});
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ((*after)->version(), 17);
  auto latest = table_.load();
  ASSERT_TRUE(latest);
  EXPECT_EQ((*latest)->version(), *report->end_version);
  // Versions older than the log retention are gone, as they should be.
  auto old = table_.load(VersionSpec{5, std::nullopt});
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code(), ErrorCode::kNotFound);
}

TEST_F(VacuumLogTest, NothingIsCleanedWithoutACheckpointOlderThanTheLogRetention) {
  // 45 days: checkpoint 10 (40 days old) is too young to be the boundary, so commits 0-9 stay.
  make_log({{"delta.logRetentionDuration", "interval 45 days"}});
  auto report = table_.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->log_files.empty());
  EXPECT_FALSE(report->log_boundary_checkpoint);
  for (int64_t v = 0; v < 25; ++v) EXPECT_TRUE(table_.load(VersionSpec{v, std::nullopt})) << v;

  // clean_log off: the log is left alone whatever its age.
  VacuumOptions no_log;
  no_log.now_ms = table_.now() + 100 * kDay;
  no_log.clean_log = false;
  auto off = table_.vacuum(no_log);
  ASSERT_TRUE(off) << off.error().message();
  EXPECT_TRUE(off->log_files.empty());
  EXPECT_TRUE(*fs_.exists(commit_file_path(table_.root(), 0)));
}

// On local disk the directories a vacuum empties are removed; hidden ones are never entered.
TEST(VacuumLocalTest, DeletesFilesAndTheDirectoriesTheyLeaveEmpty) {
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  TableOnStore table(fs, dir.file("t"), now_ms());
  make_mixed_table(table);
  table.file("d=z/deep/er/orphan.parquet", 30 * kDay);
  ASSERT_TRUE(fs.create_directories(dir.file("t/d=empty_before")).ok());
  Paths before = table.listing();
  auto report = table.vacuum();
  ASSERT_TRUE(report) << report.error().message();
  Paths deleted = kMixedDeleted;
  deleted.insert("d=z/deep/er/orphan.parquet");
  EXPECT_EQ(relative_paths(report->files), deleted);
  EXPECT_EQ(table.listing(), with_commits(minus(before, deleted), {3, 4}));
  EXPECT_EQ(report->directories_removed, 4);  // d=y, d=z/deep/er, d=z/deep, d=z
  EXPECT_FALSE(std::filesystem::exists(dir.file("t/d=y")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("t/d=z")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("t/d=x")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("t/d=empty_before")));  // not emptied by this vacuum
  EXPECT_TRUE(std::filesystem::exists(dir.file("t/_silt/runs/r1.json")));
  EXPECT_EQ(table.commit_info(*report->end_version)["operationMetrics"]["numVacuumedDirectories"], "4");
}

// S3 sets modification times itself, so the clock moves instead: now is 10 days ahead.
TEST(VacuumS3Test, VacuumsATableOnS3InBatches) {
  auto server = testing::S3TestServer::start_s3rver();
  ASSERT_TRUE(server) << server.error().message();
  auto bucket = (*server)->create_bucket("vacuum");
  ASSERT_TRUE(bucket) << bucket.error().message();
  storage::s3::S3FileSystem fs((*server)->client());
  const int64_t real_now = now_ms();
  TableOnStore table(fs, "s3://" + *bucket + "/lake/t", real_now + 10 * kDay);
  table.commit(0, {Protocol{}, TableOnStore::metadata(), TableOnStore::add("d=x/live.parquet"),
                   TableOnStore::add("d=x/removed.parquet"), TableOnStore::add("d=x/removed_later.parquet")});
  table.commit(1, {TableOnStore::remove("d=x/removed.parquet", real_now),
                   TableOnStore::remove("d=x/removed_later.parquet", real_now + 5 * kDay)});
  for (const char* path : {"d=x/live.parquet", "d=x/removed.parquet", "d=x/removed_later.parquet", "d=y/orphan1.parquet",
                           "d=y/orphan2.parquet", "d=y/orphan3.parquet", "_silt/state.json", ".hidden"}) {
    table.file(path, 0);
  }
  Paths before = table.listing();
  const Paths gone = {"d=x/removed.parquet", "d=y/orphan1.parquet", "d=y/orphan2.parquet", "d=y/orphan3.parquet"};

  VacuumOptions dry;
  dry.dry_run = true;
  auto planned = table.vacuum(dry);
  ASSERT_TRUE(planned) << planned.error().message();
  EXPECT_EQ(relative_paths(planned->files), gone);
  EXPECT_EQ(table.listing(), before);

  VacuumOptions run;
  run.delete_batch_size = 2;
  auto report = table.vacuum(run);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(relative_paths(report->files), gone);
  EXPECT_EQ(report->directories_removed, 1);  // d=y: gone with its files
  Paths after = table.listing();
  EXPECT_EQ(after, with_commits(minus(before, gone), {2, 3}));
  EXPECT_EQ(table.commit_info(2)["operation"], "VACUUM START");
  EXPECT_EQ(table.commit_info(3)["operationMetrics"]["numDeletedFiles"], "4");
  auto latest = table.load();
  ASSERT_TRUE(latest) << latest.error().message();
  EXPECT_EQ((*latest)->files().size(), 1u);
}

}  // namespace
}  // namespace silt::delta
