// A checkpoint written through the real Parquet encoding (DuckDB) and read back gives the same
// state as replaying every commit: files with their stats, partition values (NULL included), tags
// and sizes, tombstones with their extended metadata, app versions, protocol and metadata.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "engine/session.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::delta {
namespace {

constexpr const char* kSchema =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"d","type":"string","nullable":true,"metadata":{}}]})";

std::string describe(const AddFile& file) {
  std::string partitions;
  for (const auto& [key, value] : file.partition_values) partitions += key + "=" + value.value_or("<null>") + ";";
  std::string tags;
  if (file.tags) {
    for (const auto& [key, value] : *file.tags) tags += key + "=" + value + ";";
  }
  // dataChange is not compared: a checkpoint's adds carry false, as Spark writes them.
  return fmt::format("{}|{}|{}|{}|{}|{}", file.path, partitions, file.size, file.modification_time,
                     file.stats.value_or("<none>"), tags);
}

std::string describe(const RemoveFile& file) {
  std::string partitions;
  if (file.partition_values) {
    for (const auto& [key, value] : *file.partition_values) partitions += key + "=" + value.value_or("<null>") + ";";
  }
  return fmt::format("{}|{}|{}|{}|{}|{}", file.path, file.deletion_timestamp.value_or(-1),
                     file.extended_file_metadata.value_or(false), partitions, file.size.value_or(-1),
                     file.data_change);
}

TEST(CheckpointRoundTrip, RealParquetCheckpointEqualsFullReplay) {
  auto session = engine::Session::open(engine::SessionOptions{1, "", ""});
  ASSERT_TRUE(session) << session.error().message();
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  std::string root = dir.file("t");
  auto add = [](int v, std::optional<std::string> d) {
    AddFile a;
    a.path = fmt::format("d={}/part-{:03}.parquet", d.value_or("__HIVE_DEFAULT_PARTITION__"), v);
    a.partition_values = {{"d", d}};
    a.size = 1000 + v;
    a.modification_time = 1700000000000 + v;
    a.stats = fmt::format(R"({{"numRecords":{0},"minValues":{{"id":{0}}},"maxValues":{{"id":{1}}},"nullCount":{{"id":0}}}})",
                          v, v * 10);
    if (v % 3 == 0) a.tags = StringMap{{"INSERTION_TIME", std::to_string(v)}, {"source", "test"}};
    return a;
  };
  auto commit = [&](int64_t version, const std::vector<Action>& actions) {
    std::string text;
    for (const auto& action : actions) text += action_to_json(action) + "\n";
    ASSERT_TRUE(fs.put_if_absent(commit_file_path(root, version), text).ok());
  };
  Metadata metadata;
  metadata.id = "table-1";
  metadata.schema_string = kSchema;
  metadata.partition_columns = {"d"};
  // Tombstones of 2023 are kept only because the retention says so (the default is 7 days).
  metadata.configuration = {{"delta.appendOnly", "false"}, {"delta.deletedFileRetentionDuration", "interval 36500 days"}};
  metadata.created_time = 1700000000000;
  commit(0, {Protocol{}, metadata, add(0, "x")});
  for (int v = 1; v <= 11; ++v) {
    std::vector<Action> actions = {add(v, v % 4 == 0 ? std::nullopt : std::optional<std::string>(v % 2 ? "x" : "y"))};
    if (v % 5 == 0) {
      RemoveFile removed;
      removed.path = add(v - 2, "x").path;
      removed.deletion_timestamp = 1700000100000 + v;
      removed.extended_file_metadata = true;
      removed.partition_values = PartitionValues{{"d", "x"}};
      removed.size = 1000 + v - 2;
      actions.push_back(removed);
    }
    actions.push_back(Txn{"writer", v, std::nullopt});
    commit(v, actions);
  }
  auto full = Snapshot::load(fs, (*session)->parquet_io(), root, {});
  ASSERT_TRUE(full) << full.error().message();
  ASSERT_FALSE((*full)->checkpoint_version());
  ASSERT_TRUE(write_checkpoint(fs, (*session)->parquet_io(), **full).ok());
  auto checkpointed = Snapshot::load(fs, (*session)->parquet_io(), root, {});
  ASSERT_TRUE(checkpointed) << checkpointed.error().message();
  ASSERT_EQ((*checkpointed)->checkpoint_version(), 11);

  auto files = [](const Snapshot& s) {
    std::vector<std::string> out;
    for (const auto& f : s.files()) out.push_back(describe(f));
    std::sort(out.begin(), out.end());
    return out;
  };
  auto tombstones = [](const Snapshot& s) {
    std::vector<std::string> out;
    for (const auto& f : s.tombstones()) out.push_back(describe(f));
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(files(**checkpointed), files(**full));
  EXPECT_EQ(tombstones(**checkpointed), tombstones(**full));
  EXPECT_EQ((*full)->tombstones().size(), 2u);
  EXPECT_EQ((*checkpointed)->tombstones().size(), 2u);
  EXPECT_EQ((*checkpointed)->app_versions(), (*full)->app_versions());
  EXPECT_EQ((*checkpointed)->app_version("writer"), 11);
  EXPECT_EQ((*checkpointed)->metadata().id, "table-1");
  EXPECT_EQ((*checkpointed)->metadata().partition_columns, std::vector<std::string>{"d"});
  EXPECT_EQ((*checkpointed)->metadata().configuration, metadata.configuration);
  EXPECT_EQ((*checkpointed)->protocol().min_reader_version, 1);
  EXPECT_EQ((*checkpointed)->num_records(), (*full)->num_records());
  // A NULL partition value survives the encoding as NULL, not as an empty string.
  bool saw_null = false;
  for (const auto& f : (*checkpointed)->files()) saw_null |= !f.partition_values.at("d").has_value();
  EXPECT_TRUE(saw_null);
}

}  // namespace
}  // namespace silt::delta
