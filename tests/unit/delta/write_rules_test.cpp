// The protocol's write rules (delta/write_rules.h) and the stats encoding (delta/file_stats.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "delta/file_stats.h"
#include "delta/write_rules.h"
#include "delta_log_fixture.h"

namespace silt::delta {
namespace {

Schema schema_of(const std::string& json_text) {
  auto schema = parse_schema(json_text);
  EXPECT_TRUE(schema.has_value()) << schema.error().message();
  return schema ? *schema : Schema();
}

const char* kThreeColumns =
    R"({"type":"struct","fields":[{"name":"Id","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"day","type":"date","nullable":true,"metadata":{}},)"
    R"({"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}}]})";

TEST(ResolvePartitionColumns, SpellsAsTheSchemaAndRefusesWhatDeltaCannotPartitionBy) {
  Schema schema = schema_of(kThreeColumns);
  auto resolved = resolve_partition_columns(schema, {"DAY"}, "the input");
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message();
  EXPECT_EQ(*resolved, std::vector<std::string>{"day"});

  auto unknown = resolve_partition_columns(schema, {"month"}, "the input");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().message(), "partition column 'month' is not in the input (columns: Id, day, tags)");
  auto nested = resolve_partition_columns(schema, {"tags"}, "the schema");
  ASSERT_FALSE(nested.has_value());
  EXPECT_NE(nested.error().message().find("must be of a primitive type"), std::string::npos);
  auto twice = resolve_partition_columns(schema, {"day", "Day"}, "the schema");
  ASSERT_FALSE(twice.has_value());
  EXPECT_NE(twice.error().message().find("given twice"), std::string::npos);
  Schema two = schema_of(kSchema);  // id, d
  auto everything = resolve_partition_columns(two, {"id", "d"}, "the schema");
  ASSERT_FALSE(everything.has_value());
  EXPECT_EQ(everything.error().option(), "partition_by");
  EXPECT_TRUE(resolve_partition_columns(two, {}, "the schema").has_value());
}

TEST(CheckAppendOnly, RefusesRemovalsOnlyOnAppendOnlyTables) {
  Metadata metadata;
  EXPECT_TRUE(check_append_only(metadata, "/t", true, "x").ok());
  metadata.configuration["delta.appendOnly"] = "true";
  EXPECT_TRUE(check_append_only(metadata, "/t", false, "x").ok());
  Status refused = check_append_only(metadata, "/t", true, "DELETE would remove data");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.message(), "table /t is append-only (delta.appendOnly=true): DELETE would remove data");
  metadata.configuration["delta.appendOnly"] = "yes";
  EXPECT_FALSE(check_append_only(metadata, "/t", false, "x").ok()) << "an invalid value is refused, not read as false";
}

class AlreadyApplied : public DeltaLogTest {};

TEST_F(AlreadyApplied, SkipsOnlyVersionsTheTableRecords) {
  Protocol protocol;
  protocol.min_reader_version = 1;
  protocol.min_writer_version = 2;
  Txn txn;
  txn.app_id = "loader";
  txn.version = 3;
  commit(0, {protocol, metadata(), txn});
  auto snapshot = load();
  ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
  EXPECT_EQ(already_applied(**snapshot, "loader", 4), std::nullopt);
  EXPECT_EQ(already_applied(**snapshot, "loader", 3),
            std::optional<std::string>("skipped: app 'loader' already committed version 3 (requested 3)"));
  EXPECT_TRUE(already_applied(**snapshot, "loader", 1).has_value());
  EXPECT_EQ(already_applied(**snapshot, "other", 1), std::nullopt);
  EXPECT_EQ(already_applied(**snapshot, std::nullopt, std::nullopt), std::nullopt);
}

TEST(EncodeFileStats, TypedBoundsAndNothingUnsafe) {
  Schema schema = schema_of(
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
      R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"x","type":"double","nullable":true,"metadata":{}},)"
      R"({"name":"p","type":"string","nullable":true,"metadata":{}}]})");
  std::map<std::string, ColumnStatsText> columns;
  columns["id"] = {"-3", "42", 1};
  columns["ts"] = {"2025-01-01 10:00:00.123456+00", "2025-01-02 00:00:00+00", 0};
  columns["s"] = {"a", std::string(65, 'z'), 2};
  columns["x"] = {"nan", "1.5", 0};
  columns["p"] = {"k", "k", 0};
  auto stats = nlohmann::json::parse(encode_file_stats(schema, {"p"}, 10, columns));
  EXPECT_EQ(stats["numRecords"], 10);
  EXPECT_EQ(stats["minValues"]["id"], -3);
  EXPECT_EQ(stats["maxValues"]["id"], 42);
  EXPECT_EQ(stats["minValues"]["ts"], "2025-01-01T10:00:00.123Z");
  EXPECT_EQ(stats["minValues"]["s"], "a");
  EXPECT_FALSE(stats["maxValues"].contains("s")) << "a long string bound could be wrong once truncated";
  EXPECT_FALSE(stats["minValues"].contains("x")) << "NaN has no JSON form";
  EXPECT_EQ(stats["maxValues"]["x"], 1.5);
  EXPECT_EQ(stats["nullCount"]["s"], 2);
  EXPECT_FALSE(stats["nullCount"].contains("p")) << "partition columns carry no statistics";
}

}  // namespace
}  // namespace silt::delta
