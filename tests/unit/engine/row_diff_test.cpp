// diff_relations: counts worked out by hand for small relations (keys on one side only, changed
// values including NULLs, columns of different types, columns on one side, composite keys,
// duplicate keys), and the bad keys it refuses.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/row_diff.h"
#include "engine/session.h"

namespace silt::engine {
namespace {

class RowDiffTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{1, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
  }
  void sql(const std::string& text) { ASSERT_TRUE(session_->connection().execute_script(text).ok()) << text; }
  RowDiff diff(std::vector<std::string> key, int samples = 10) {
    DiffOptions options;
    options.key = std::move(key);
    options.sample_rows = samples;
    auto result = diff_relations(session_->connection(), "l", "r", options);
    EXPECT_TRUE(result) << (result ? "" : result.error().message());
    return result ? *result : RowDiff{};
  }
  std::unique_ptr<Session> session_;
};

TEST_F(RowDiffTest, CountsByKey) {
  sql("CREATE TABLE l AS SELECT * FROM (VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', NULL), (4, 'd', 40)) t(id, name, amount);"
      "CREATE TABLE r AS SELECT * FROM (VALUES (1, 'a', '10', true), (2, 'B', '20', true), (3, 'c', '30', false), "
      "(5, 'e', '50', true)) t(id, name, amount, flag);");
  RowDiff result = diff({"id"});
  EXPECT_EQ(result.left_rows, 4);
  EXPECT_EQ(result.right_rows, 4);
  EXPECT_EQ(result.matched, 3);
  EXPECT_EQ(result.only_left, 1);   // 4
  EXPECT_EQ(result.only_right, 1);  // 5
  EXPECT_EQ(result.rows_changed, 2);  // 2 (name), 3 (NULL -> '30')
  ASSERT_EQ(result.columns.size(), 2u);
  EXPECT_EQ(result.columns[0].column, "name");
  EXPECT_EQ(result.columns[0].changed, 1);
  EXPECT_EQ(result.columns[1].column, "amount");
  EXPECT_EQ(result.columns[1].changed, 1);  // 10 vs '10' compare as text: equal; NULL vs '30' differs
  EXPECT_NE(result.columns[1].left_type, result.columns[1].right_type);
  EXPECT_EQ(result.columns_only_right, (std::vector<std::string>{"flag"}));
  EXPECT_TRUE(result.columns_only_left.empty());
  EXPECT_FALSE(result.duplicate_keys);
  EXPECT_FALSE(result.identical());
  auto samples = nlohmann::json::parse(result.samples_json);
  ASSERT_EQ(samples.size(), 4u);  // 2, 3, 4, 5 in key order
  EXPECT_EQ(samples[0]["key"]["id"], "2");
  EXPECT_EQ(samples[0]["changes"]["name"]["left"], "b");
  EXPECT_EQ(samples[0]["changes"]["name"]["right"], "B");
  EXPECT_TRUE(samples[1]["changes"]["amount"]["left"].is_null());
  EXPECT_EQ(samples[2]["in"], "left");
  EXPECT_EQ(samples[3]["in"], "right");
  EXPECT_EQ(nlohmann::json::parse(diff({"id"}, 1).samples_json).size(), 1u);
}

TEST_F(RowDiffTest, IdenticalRelationsAndCompositeAndDuplicateKeys) {
  sql("CREATE TABLE l AS SELECT range AS a, range % 3 AS b, range * 2 AS v FROM range(100);"
      "CREATE TABLE r AS SELECT * FROM l;");
  RowDiff same = diff({"a", "b"});
  EXPECT_TRUE(same.identical());
  EXPECT_EQ(same.matched, 100);
  EXPECT_EQ(nlohmann::json::parse(same.samples_json).size(), 0u);
  sql("INSERT INTO r VALUES (1, 1, 2)");
  RowDiff duplicated = diff({"a", "b"});
  EXPECT_TRUE(duplicated.duplicate_keys);
}

TEST_F(RowDiffTest, RefusesAKeyNotOnBothSides) {
  sql("CREATE TABLE l AS SELECT 1 AS id; CREATE TABLE r AS SELECT 1 AS other;");
  DiffOptions options;
  options.key = {"id"};
  auto result = diff_relations(session_->connection(), "l", "r", options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message().find("'id' is not on both sides"), std::string::npos);
  options.key.clear();
  EXPECT_FALSE(diff_relations(session_->connection(), "l", "r", options));
}

}  // namespace
}  // namespace silt::engine
