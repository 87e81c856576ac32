// Schema JSON: primitive, decimal, nested types, round trip, case-insensitive lookup, errors.
#include <gtest/gtest.h>

#include "delta/schema.h"

namespace silt::delta {
namespace {

TEST(SchemaTest, ParsesNestedTypesAndRoundTrips) {
  std::string json = R"j({"type":"struct","fields":[
    {"name":"id","type":"long","nullable":false,"metadata":{}},
    {"name":"amount","type":"decimal(12,2)","nullable":true,"metadata":{}},
    {"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}},
    {"name":"m","type":{"type":"map","keyType":"string","valueType":"integer","valueContainsNull":false},"nullable":true,"metadata":{}},
    {"name":"s","type":{"type":"struct","fields":[{"name":"a","type":"date","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{"comment":"x"}}]})j";
  auto schema = parse_schema(json);
  ASSERT_TRUE(schema) << schema.error().message();
  ASSERT_EQ(schema->fields.size(), 5u);
  EXPECT_FALSE(schema->fields[0].nullable);
  EXPECT_EQ(schema->fields[1].type.to_string(), "decimal(12,2)");
  EXPECT_EQ(schema->fields[2].type.to_string(), "array<string>");
  EXPECT_EQ(schema->fields[3].type.to_string(), "map<string,integer>");
  EXPECT_EQ(schema->fields[4].type.to_string(), "struct<a:date>");
  ASSERT_NE(schema->find("AMOUNT"), nullptr);
  EXPECT_EQ(schema->find("missing"), nullptr);
  auto again = parse_schema(schema_to_json(*schema));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->fields, schema->fields);
}

TEST(SchemaTest, RejectsMalformedAndUnknownTypes) {
  struct Case {
    const char* json;
    ErrorCode code;
  } cases[] = {
      {"not json", ErrorCode::kCorruption},
      {R"({"type":"array"})", ErrorCode::kCorruption},
      {R"({"type":"struct","fields":[{"name":"x"}]})", ErrorCode::kCorruption},
      {R"({"type":"struct","fields":[{"name":"x","type":"quaternion","nullable":true}]})", ErrorCode::kUnsupported},
      {R"j({"type":"struct","fields":[{"name":"x","type":"decimal(a,b)","nullable":true}]})j", ErrorCode::kCorruption},
  };
  for (const auto& c : cases) {
    auto schema = parse_schema(c.json);
    ASSERT_FALSE(schema) << c.json;
    EXPECT_EQ(schema.error().code(), c.code) << c.json << ": " << schema.error().message();
  }
}

TEST(SchemaTest, FindsInvariantsMetadataAtAnyDepth) {
  auto schema = parse_schema(R"({"type":"struct","fields":[{"name":"s","type":{"type":"struct","fields":[
      {"name":"a","type":"integer","nullable":true,"metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"a > 0\"}}"}}]},
      "nullable":true,"metadata":{}}]})");
  ASSERT_TRUE(schema);
  EXPECT_TRUE(schema_has_metadata_key(*schema, "delta.invariants"));
  EXPECT_FALSE(schema_has_metadata_key(*schema, "delta.generationExpression"));
}

}  // namespace
}  // namespace silt::delta
