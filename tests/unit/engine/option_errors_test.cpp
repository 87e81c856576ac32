// Errors about an operation's options are worded in the engine's terms and say which option they
// concern (Error::option, option_term), so each interface names its own flag or setting: no table
// operation message names a command-line flag.
#include <gtest/gtest.h>

#include <string>

#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/memory/memory_file_system.h"

namespace silt::engine {
namespace {

class OptionErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{2, "", ""});
    ASSERT_TRUE(session.has_value()) << session.error().message();
    session_ = std::move(*session);
    ops_ = std::make_unique<TableOps>(*session_, fs_);
    CreateOptions create;
    create.schema_sql = "id BIGINT NOT NULL, day DATE, v VARCHAR";
    create.partition_by = {"day"};
    ASSERT_TRUE(ops_->create(kRoot, create).has_value());
  }

  template <typename T>
  void expect_option(const Result<T>& result, const std::string& option) {
    ASSERT_FALSE(result.has_value());
    const Error& error = result.error();
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument) << error.message();
    EXPECT_EQ(error.option(), option) << error.message();
    EXPECT_EQ(error.message().find("--"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find(error.option_term()), std::string::npos)
        << "'" << error.option_term() << "' not in: " << error.message();
  }

  static Source query(const std::string& sql) { return Source{sql, std::nullopt, "", "", ""}; }

  static constexpr const char* kRoot = "/lake/t";
  static constexpr const char* kRow = "SELECT 1::BIGINT AS id, DATE '2025-11-01' AS day, 'a' AS v";
  storage::MemoryFileSystem fs_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<TableOps> ops_;
};

TEST_F(OptionErrors, WritesNameTheirOptions) {
  expect_option(ops_->write(kRoot, Source{}, {}), "input");
  expect_option(ops_->write(kRoot, Source{std::nullopt, "/in/x.dat", "", "", ""}, {}), "format");
  WriteOptions replace;
  replace.mode = WriteMode::kOverwrite;
  replace.replace_where = "v = 'a'";  // not a partition column
  expect_option(ops_->write(kRoot, query(kRow), replace), "replace_where");
  replace.replace_where = "day = DATE '2025-11-02'";  // the row lies outside
  expect_option(ops_->write(kRoot, query(kRow), replace), "replace_where");
  WriteOptions partitioning;
  partitioning.partition_by = {"v"};
  expect_option(ops_->write(kRoot, query(kRow), partitioning), "partition_by");
  CreateOptions bad_schema;
  bad_schema.schema_sql = "id BIGINT DEFAULT 3";
  expect_option(ops_->create("/lake/u", bad_schema), "schema");
}

TEST_F(OptionErrors, MergesAndDeletesNameTheirOptions) {
  expect_option(ops_->merge(kRoot, query(kRow), MergeOptions{}), "keys");
  MergeOptions nothing;
  nothing.keys = {"id"};
  nothing.update_matched = false;
  nothing.insert_not_matched = false;
  expect_option(ops_->merge(kRoot, query(kRow), nothing), "delete_when");
  MergeOptions app;
  app.keys = {"id"};
  app.app_id = "a";
  expect_option(ops_->merge(kRoot, query(kRow), app), "app_version");
  MergeOptions bad_condition;
  bad_condition.keys = {"id"};
  bad_condition.delete_when = "nope = 1";
  expect_option(ops_->merge(kRoot, query(kRow), bad_condition), "delete_when");
  MergeOptions whole_rows;
  whole_rows.keys = {"id"};
  expect_option(ops_->merge(kRoot, query("SELECT 1::BIGINT AS id"), whole_rows), "update_matched");
  expect_option(ops_->remove_where(kRoot, "nope = 1"), "where");
}

}  // namespace
}  // namespace silt::engine
