// Action JSON: parsing of every action kind, unknown actions/fields ignored, round trips, errors.
#include <gtest/gtest.h>

#include "delta/actions.h"

namespace silt::delta {
namespace {

TEST(ActionsTest, ParsesEveryKindAndIgnoresUnknown) {
  std::string log =
      R"({"commitInfo":{"timestamp":1,"operation":"WRITE","operationParameters":{"mode":"Append","n":5}}})" "\n"
      R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})" "\n"
      R"({"metaData":{"id":"abc","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":["d"],"configuration":{"delta.appendOnly":"true"},"createdTime":7}})" "\n"
      R"({"add":{"path":"d=1/a%20b.parquet","partitionValues":{"d":"1","e":null,"f":""},"size":10,"modificationTime":2,"dataChange":true,"stats":"{\"numRecords\":3}","unknownField":1}})" "\n"
      R"({"remove":{"path":"x.parquet","deletionTimestamp":9,"dataChange":true}})" "\n"
      R"({"txn":{"appId":"app","version":4,"lastUpdated":5}})" "\n"
      R"({"some_new_action":{"x":1}})" "\n"
      R"({"domainMetadata":{"domain":"d1","configuration":"{}","removed":false}})" "\n";
  auto actions = parse_actions(log);
  ASSERT_TRUE(actions) << actions.error().message();
  ASSERT_EQ(actions->size(), 7u);
  EXPECT_TRUE(std::holds_alternative<CommitInfo>((*actions)[0]));
  const auto& metadata = std::get<Metadata>((*actions)[2]);
  EXPECT_EQ(metadata.id, "abc");
  EXPECT_EQ(metadata.partition_columns, std::vector<std::string>{"d"});
  EXPECT_EQ(metadata.configuration.at("delta.appendOnly"), "true");
  const auto& add = std::get<AddFile>((*actions)[3]);
  EXPECT_EQ(add.path, "d=1/a%20b.parquet");
  EXPECT_EQ(add.partition_values.at("d"), std::optional<std::string>("1"));
  EXPECT_EQ(add.partition_values.at("e"), std::nullopt);  // JSON null
  EXPECT_EQ(add.partition_values.at("f"), std::nullopt);  // "" is NULL too
  EXPECT_EQ(add.num_records(), 3);
  EXPECT_EQ(std::get<RemoveFile>((*actions)[4]).deletion_timestamp, 9);
  EXPECT_EQ(std::get<Txn>((*actions)[5]).version, 4);
  EXPECT_EQ(std::get<DomainMetadata>((*actions)[6]).domain, "d1");
}

TEST(ActionsTest, MalformedLineIsCorruptionNamingTheLine) {
  auto actions = parse_actions("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n{not json\n");
  ASSERT_FALSE(actions);
  EXPECT_EQ(actions.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(actions.error().message().find("line 2"), std::string::npos) << actions.error().message();
}

TEST(ActionsTest, AddWithoutPathIsCorruption) {
  auto actions = parse_actions(R"({"add":{"size":1}})");
  ASSERT_FALSE(actions);
  EXPECT_EQ(actions.error().code(), ErrorCode::kCorruption);
}

TEST(ActionsTest, RoundTripThroughJson) {
  AddFile add;
  add.path = "p=a%2Fb/part-1.parquet";
  add.partition_values = {{"p", "a/b"}, {"q", std::nullopt}};
  add.size = 42;
  add.modification_time = 1000;
  add.stats = R"({"numRecords":7})";
  Txn txn{"app", 3, 99};
  Protocol protocol;
  protocol.min_reader_version = 3;
  protocol.min_writer_version = 7;
  protocol.reader_features = std::vector<std::string>{"vacuumProtocolCheck"};
  protocol.writer_features = std::vector<std::string>{"appendOnly"};
  std::string text = action_to_json(add) + "\n" + action_to_json(txn) + "\n" + action_to_json(protocol) + "\n";
  auto parsed = parse_actions(text);
  ASSERT_TRUE(parsed) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 3u);
  const auto& back = std::get<AddFile>((*parsed)[0]);
  EXPECT_EQ(back.path, add.path);
  EXPECT_EQ(back.partition_values, add.partition_values);
  EXPECT_EQ(back.size, 42);
  EXPECT_EQ(back.stats, add.stats);
  EXPECT_EQ(std::get<Txn>((*parsed)[1]).app_id, "app");
  EXPECT_EQ(std::get<Protocol>((*parsed)[2]).reader_features, protocol.reader_features);
}

TEST(ActionsTest, CanonicalPathsMatchAcrossUriForms) {
  EXPECT_EQ(canonical_path("/some/path"), "/some/path");
  EXPECT_EQ(canonical_path("file:/some/path"), "/some/path");
  EXPECT_EQ(canonical_path("file:///some/path"), "/some/path");
  EXPECT_EQ(canonical_path("with%20space/p@%23h"), "with space/p@#h");
  DeletionVector dv{"u", "abc", 1, 10, 2};
  EXPECT_NE(file_key("a", dv), file_key("a", std::nullopt));
  EXPECT_EQ(dv.unique_id(), "uabc@1");
}

}  // namespace
}  // namespace silt::delta
