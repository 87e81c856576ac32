// Log replay on an in-memory store: versions, time travel, checkpoints (+ fallback), gaps,
// protocol gate, reconciliation rules. Commits and conflicts: transaction_test.cpp.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"
#include "unit/delta/delta_log_fixture.h"

namespace silt::delta {
namespace {

using SnapshotTest = DeltaLogTest;

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
  auto no_protocol = load();
  ASSERT_FALSE(no_protocol);
  EXPECT_EQ(no_protocol.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(no_protocol.error().message().find("no protocol"), std::string::npos) << no_protocol.error().message();
  ASSERT_TRUE(fs_.remove(commit_file_path(kRoot, 0)).ok());

  commit(0, {Protocol{}, add("a", 1)});
  auto no_metadata = load();
  ASSERT_FALSE(no_metadata);
  EXPECT_EQ(no_metadata.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(no_metadata.error().message().find("no metaData action"), std::string::npos) << no_metadata.error().message();
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
    const AddFile& expected = (*full)->files()[i];
    const AddFile& actual = (*from_checkpoint)->files()[i];
    EXPECT_EQ(actual.path, expected.path);
    EXPECT_EQ(actual.stats, expected.stats) << expected.path;
    EXPECT_EQ(actual.partition_values, expected.partition_values) << expected.path;
    EXPECT_EQ(actual.size, expected.size) << expected.path;
  }
  EXPECT_EQ((*from_checkpoint)->num_records(), (*full)->num_records());
  // The real Parquet encoding of the same round trip: tests/conformance/checkpoint_roundtrip_test.cpp.
  auto last = fs_.read(last_checkpoint_path(kRoot));
  ASSERT_TRUE(last);
  EXPECT_NE(last->find("\"version\":10"), std::string::npos);
}

// Records where each listing of the log started.
class ListRecordingFileSystem : public storage::MemoryFileSystem {
 public:
  Result<storage::ListPage> list_page(const std::string& dir, const std::string& start_after,
                                      size_t max_files) override {
    if (dir.find("_delta_log") != std::string::npos) starts.push_back(storage::base_name(start_after));
    return MemoryFileSystem::list_page(dir, start_after, max_files);
  }
  std::vector<std::string> starts;
};

TEST(SnapshotListingTest, LastCheckpointIsTheListingHintAndADamagedOneFallsBack) {
  ListRecordingFileSystem fs;
  testing::FakeParquetIo io(fs);
  auto commit = [&](int64_t version, const std::vector<Action>& actions) {
    std::string text;
    for (const auto& action : actions) text += action_to_json(action) + "\n";
    ASSERT_TRUE(fs.put_if_absent(commit_file_path(kRoot, version), text).ok());
  };
  Metadata m;
  m.id = "id-1";
  m.schema_string = kSchema;
  AddFile first;
  first.path = "f0";
  commit(0, {Protocol{}, m, first});
  for (int v = 1; v <= 12; ++v) {
    AddFile a;
    a.path = fmt::format("f{}", v);
    commit(v, {a});
  }
  auto at10 = Snapshot::load(fs, io, kRoot, VersionSpec{10, std::nullopt});
  ASSERT_TRUE(at10);
  ASSERT_TRUE(write_checkpoint(fs, io, **at10).ok());

  fs.starts.clear();
  auto latest = Snapshot::load(fs, io, kRoot);
  ASSERT_TRUE(latest) << latest.error().message();
  EXPECT_EQ((*latest)->version(), 12);
  EXPECT_EQ((*latest)->checkpoint_version(), 10);
  EXPECT_EQ((*latest)->files().size(), 13u);
  EXPECT_EQ(fs.starts, std::vector<std::string>{"00000000000000000010"}) << "listed from the checkpoint on only";

  // An older version than the checkpoint, or by timestamp: the whole log.
  fs.starts.clear();
  ASSERT_TRUE(Snapshot::load(fs, io, kRoot, VersionSpec{5, std::nullopt}));
  EXPECT_EQ(fs.starts, std::vector<std::string>{""});

  // A damaged checkpoint: listed from the hint, then the whole log, and replayed from the commits.
  ASSERT_TRUE(fs.write(checkpoint_file_path(kRoot, 10), "garbage").ok());
  fs.starts.clear();
  auto fallback = Snapshot::load(fs, io, kRoot);
  ASSERT_TRUE(fallback) << fallback.error().message();
  EXPECT_EQ((*fallback)->files().size(), 13u);
  EXPECT_FALSE((*fallback)->checkpoint_version().has_value());
  EXPECT_EQ(fs.starts, (std::vector<std::string>{"00000000000000000010", ""}));
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

}  // namespace
}  // namespace silt::delta
