// Log replay on an in-memory store: versions, time travel, checkpoints (+ fallback), gaps,
// protocol gate, reconciliation rules.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"

namespace silt::delta {
namespace {

constexpr const char* kRoot = "/lake/t";
constexpr const char* kSchema =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"d","type":"string","nullable":true,"metadata":{}}]})";

class SnapshotTest : public ::testing::Test {
 protected:
  SnapshotTest() : io_(fs_) {}

  void commit(int64_t version, const std::vector<Action>& actions) {
    std::string text;
    for (const auto& action : actions) text += action_to_json(action) + "\n";
    ASSERT_TRUE(fs_.put_if_absent(commit_file_path(kRoot, version), text).ok());
  }
  static Metadata metadata() {
    Metadata m;
    m.id = "id-1";
    m.schema_string = kSchema;
    m.partition_columns = {"d"};
    return m;
  }
  static AddFile add(const std::string& path, int64_t records, std::optional<std::string> d = "x") {
    AddFile a;
    a.path = path;
    a.partition_values = {{"d", d}};
    a.size = 100;
    a.stats = fmt::format(R"({{"numRecords":{}}})", records);
    return a;
  }
  static RemoveFile remove(const std::string& path) {
    RemoveFile r;
    r.path = path;
    r.deletion_timestamp = 1;
    return r;
  }
  Result<std::shared_ptr<const Snapshot>> load(VersionSpec spec = {}) { return Snapshot::load(fs_, io_, kRoot, spec); }

  storage::MemoryFileSystem fs_;
  testing::FakeParquetIo io_;
};

TEST_F(SnapshotTest, NotADeltaTable) {
  auto snapshot = load();
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(snapshot.error().message().find("not a Delta table"), std::string::npos);
}

TEST_F(SnapshotTest, ReplaysAddsRemovesAndTxns) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  commit(1, {add("b", 2), Txn{"app", 1, std::nullopt}});
  commit(2, {remove("a"), add("c", 3), Txn{"app", 2, std::nullopt}});
  auto snapshot = load();
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_EQ((*snapshot)->version(), 2);
  ASSERT_EQ((*snapshot)->files().size(), 2u);
  EXPECT_EQ((*snapshot)->files()[0].path, "b");
  EXPECT_EQ((*snapshot)->num_records(), 5);
  EXPECT_EQ((*snapshot)->tombstones().size(), 1u);
  EXPECT_EQ((*snapshot)->app_version("app"), 2);

  auto v1 = load(VersionSpec{1, std::nullopt});
  ASSERT_TRUE(v1);
  EXPECT_EQ((*v1)->files().size(), 2u);
  EXPECT_EQ((*v1)->num_records(), 3);

  auto missing = load(VersionSpec{3, std::nullopt});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(SnapshotTest, ReAddAfterRemoveResurrectsTheFile) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  commit(1, {remove("file:/lake/t/a")});  // different spelling of a different path: not "a"
  commit(2, {remove("a")});
  commit(3, {add("a", 4)});
  auto snapshot = load();
  ASSERT_TRUE(snapshot);
  ASSERT_EQ((*snapshot)->files().size(), 1u);
  EXPECT_EQ((*snapshot)->files()[0].num_records(), 4);
}

TEST_F(SnapshotTest, MissingCommitIsAGap) {
  commit(0, {Protocol{}, metadata()});
  commit(2, {add("a", 1)});
  auto snapshot = load();
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(snapshot.error().message().find("commit 1 is missing"), std::string::npos) << snapshot.error().message();
}

TEST_F(SnapshotTest, MissingProtocolOrMetadataIsCorruption) {
  commit(0, {metadata(), add("a", 1)});
  auto snapshot = load();
  ASSERT_FALSE(snapshot);
  EXPECT_NE(snapshot.error().message().find("no protocol"), std::string::npos);
}

TEST_F(SnapshotTest, ProtocolGateRefusesUnknownReaderFeatures) {
  Protocol protocol;
  protocol.min_reader_version = 3;
  protocol.min_writer_version = 7;
  protocol.reader_features = std::vector<std::string>{"deletionVectors"};
  protocol.writer_features = std::vector<std::string>{"deletionVectors"};
  commit(0, {protocol, metadata()});
  auto snapshot = load();
  ASSERT_FALSE(snapshot);
  EXPECT_EQ(snapshot.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(snapshot.error().message().find("deletionVectors"), std::string::npos);
}

TEST_F(SnapshotTest, CheckpointPlusLaterCommitsEqualsFullReplay) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  for (int v = 1; v <= 12; ++v) commit(v, {add(fmt::format("f{}", v), v)});
  auto full = load();
  ASSERT_TRUE(full);
  auto at10 = load(VersionSpec{10, std::nullopt});
  ASSERT_TRUE(at10);
  ASSERT_TRUE(write_checkpoint(fs_, io_, **at10).ok());
  auto from_checkpoint = load();
  ASSERT_TRUE(from_checkpoint);
  EXPECT_EQ((*from_checkpoint)->checkpoint_version(), 10);
  ASSERT_EQ((*from_checkpoint)->files().size(), (*full)->files().size());
  for (size_t i = 0; i < (*full)->files().size(); ++i) {
    EXPECT_EQ((*from_checkpoint)->files()[i].path, (*full)->files()[i].path);
  }
  auto last = fs_.read(last_checkpoint_path(kRoot));
  ASSERT_TRUE(last);
  EXPECT_NE(last->find("\"version\":10"), std::string::npos);
}

TEST_F(SnapshotTest, CorruptCheckpointFallsBackToCommits) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  for (int v = 1; v <= 10; ++v) commit(v, {add(fmt::format("f{}", v), 1)});
  ASSERT_TRUE(fs_.write(checkpoint_file_path(kRoot, 10), "garbage").ok());
  auto snapshot = load();
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  EXPECT_EQ((*snapshot)->files().size(), 11u);
  EXPECT_FALSE((*snapshot)->checkpoint_version().has_value());
}

TEST_F(SnapshotTest, CorruptCheckpointWithoutEarlierCommitsFails) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  for (int v = 1; v <= 10; ++v) commit(v, {add(fmt::format("f{}", v), 1)});
  ASSERT_TRUE(fs_.write(checkpoint_file_path(kRoot, 10), "garbage").ok());
  ASSERT_TRUE(fs_.remove(commit_file_path(kRoot, 0)).ok());
  auto snapshot = load();
  ASSERT_FALSE(snapshot);
  EXPECT_NE(snapshot.error().message().find("checkpoint"), std::string::npos) << snapshot.error().message();
}

TEST_F(SnapshotTest, TimeTravelByTimestampUsesMonotonizedCommitTimes) {
  commit(0, {Protocol{}, metadata()});
  commit(1, {add("a", 1)});
  commit(2, {add("b", 1)});
  ASSERT_TRUE(fs_.set_modified_ms(commit_file_path(kRoot, 0), 1000).ok());
  ASSERT_TRUE(fs_.set_modified_ms(commit_file_path(kRoot, 1), 5000).ok());
  ASSERT_TRUE(fs_.set_modified_ms(commit_file_path(kRoot, 2), 4000).ok());  // clock skew: becomes 5001
  auto at = [&](int64_t ms) { return load(VersionSpec{std::nullopt, ms}); };
  EXPECT_EQ((*at(1000))->version(), 0);
  EXPECT_EQ((*at(4999))->version(), 0);
  EXPECT_EQ((*at(5000))->version(), 1);
  EXPECT_EQ((*at(5001))->version(), 2);
  EXPECT_FALSE(at(999));
}

TEST_F(SnapshotTest, BlindAppendsRetryAndConflictsAreDetected) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  auto base = load();
  ASSERT_TRUE(base);
  // Two blind appends from the same read version: the second retries at version 2.
  Transaction first(fs_, io_, kRoot, *base);
  first.add_file(add("b", 1));
  Transaction second(fs_, io_, kRoot, *base);
  second.add_file(add("c", 1));
  auto r1 = first.commit();
  auto r2 = second.commit();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->version, 1);
  EXPECT_EQ(r2->version, 2);
  EXPECT_EQ(r2->attempts, 2);
  // A delete of a file another commit removed meanwhile conflicts, naming the winner.
  Transaction deleter(fs_, io_, kRoot, *base);
  deleter.remove_file(remove("a"));
  Transaction other(fs_, io_, kRoot, *base);
  other.remove_file(remove("a"));
  ASSERT_TRUE(other.commit());
  auto lost = deleter.commit();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict);
  EXPECT_NE(lost.error().message().find("concurrent commit 3"), std::string::npos) << lost.error().message();
  // Metadata changes conflict with anything.
  auto latest = load();
  Transaction evolve(fs_, io_, kRoot, *latest);
  evolve.set_metadata(metadata());
  Transaction append(fs_, io_, kRoot, *latest);
  append.add_file(add("d", 1));
  ASSERT_TRUE(evolve.commit());
  auto refused = append.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
}

TEST_F(SnapshotTest, ConflictsFollowTheFilesAnOperationRead) {
  commit(0, {Protocol{}, metadata(), add("a", 1), add("b", 1), add("c", 1)});
  auto base = load();
  // This operation read "a" (and removes it); a winner that rewrote only "b" does not conflict.
  Transaction reader(fs_, io_, kRoot, *base);
  reader.mark_file_read("a");
  reader.remove_file(remove("a"));
  Transaction winner(fs_, io_, kRoot, *base);
  winner.remove_file(remove("b"));
  winner.add_file(add("b2", 1));
  ASSERT_TRUE(winner.commit());
  auto committed = reader.commit();
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed->version, 2);
  // One that read "c" conflicts with a winner that removed "c".
  auto latest = load();
  Transaction scanned(fs_, io_, kRoot, *latest);
  scanned.mark_file_read("c");
  scanned.add_file(add("d", 1));
  Transaction remover(fs_, io_, kRoot, *latest);
  remover.remove_file(remove("c"));
  ASSERT_TRUE(remover.commit());
  auto refused = scanned.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("removed file c"), std::string::npos) << refused.error().message();
  // A whole-table reader conflicts with any removal, but not with a blind append.
  latest = load();
  Transaction overwrite(fs_, io_, kRoot, *latest);
  overwrite.mark_read_whole_table();
  overwrite.add_file(add("e", 1));
  Transaction appender(fs_, io_, kRoot, *latest);
  appender.add_file(add("f", 1));
  ASSERT_TRUE(appender.commit());
  EXPECT_TRUE(overwrite.commit());
}

TEST_F(SnapshotTest, SameAppIdConcurrentlyConflicts) {
  commit(0, {Protocol{}, metadata()});
  auto base = load();
  Transaction a(fs_, io_, kRoot, *base);
  a.set_app_transaction("stream", 1);
  a.add_file(add("a", 1));
  Transaction b(fs_, io_, kRoot, *base);
  b.set_app_transaction("stream", 1);
  b.add_file(add("b", 1));
  ASSERT_TRUE(a.commit());
  auto refused = b.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("stream"), std::string::npos);
}

TEST_F(SnapshotTest, AppendOnlyRefusesRemoves) {
  Metadata m = metadata();
  m.configuration["delta.appendOnly"] = "true";
  commit(0, {Protocol{}, m, add("a", 1)});
  auto base = load();
  Transaction txn(fs_, io_, kRoot, *base);
  txn.remove_file(remove("a"));
  auto refused = txn.commit();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("append-only"), std::string::npos);
}

TEST_F(SnapshotTest, CheckpointEveryTenCommits) {
  commit(0, {Protocol{}, metadata()});
  for (int v = 1; v <= 10; ++v) {
    auto base = load();
    Transaction txn(fs_, io_, kRoot, *base);
    txn.add_file(add(fmt::format("f{}", v), 1));
    auto result = txn.commit();
    ASSERT_TRUE(result);
    EXPECT_EQ(result->checkpoint_written, v == 10);
  }
  auto exists = fs_.exists(checkpoint_file_path(kRoot, 10));
  ASSERT_TRUE(exists);
  EXPECT_TRUE(*exists);
}

}  // namespace
}  // namespace silt::delta
