// TableOps::merge on key types whose file skipping needs care (timestamps with microseconds,
// strings, doubles) and on sources too large for a skipping IN list: a wrong skip would turn an
// update into a duplicate insert, which these tests would see.
#include <gtest/gtest.h>

#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {

class TableMergeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
    ops_ = std::make_unique<TableOps>(*session_, fs_);
    root_ = dir_.file("t");
  }

  void append(const std::string& query) {
    Source source;
    source.query = query;
    auto written = ops_->write(root_, source, WriteOptions{});
    ASSERT_TRUE(written) << written.error().message();
  }

  OperationReport merge(const std::string& query, const std::vector<std::string>& keys) {
    Source source;
    source.query = query;
    MergeOptions options;
    options.keys = keys;
    auto report = ops_->merge(root_, source, options);
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : OperationReport{};
  }

  std::string query_value(const std::string& sql) {
    auto snapshot = ops_->load(root_);
    EXPECT_TRUE(snapshot);
    EXPECT_TRUE(session_->register_snapshot("t", **snapshot).ok());
    auto value = session_->connection().query_value(sql);
    EXPECT_TRUE(value) << value.error().message();
    return value && *value ? **value : "NULL";
  }

  std::unique_ptr<Session> session_;
  storage::LocalFileSystem fs_;
  testing::TempDir dir_;
  std::unique_ptr<TableOps> ops_;
  std::string root_;
};

TEST_F(TableMergeTest, TimestampStringAndDoubleKeysMatchAcrossFiles) {
  // Three files; the keys to update are each file's extremes, with sub-millisecond precision that
  // the statistics (milliseconds) cannot hold.
  for (int file = 0; file < 3; ++file) {
    append("SELECT TIMESTAMPTZ '2025-01-01 00:00:00' + INTERVAL (range * 1001 + " + std::to_string(file * 100000) +
           ") MICROSECOND AS ts, 'k' || (range + " + std::to_string(file * 10) + ") AS name, range / 10 + " +
           std::to_string(file) + " AS score, 'old' AS v FROM range(10)");
  }
  ASSERT_EQ(query_value("SELECT count(*) FROM t"), "30");
  // Last row of the second file, first row of the third.
  auto report = merge(
      "SELECT ts, name, score, 'new' AS v FROM t WHERE name IN ('k19', 'k20')",
      {"ts", "name", "score"});
  EXPECT_EQ(report.rows_updated, 2);
  EXPECT_EQ(report.rows_inserted, 0);
  EXPECT_EQ(report.files_removed, 2);
  EXPECT_EQ(query_value("SELECT count(*) FROM t"), "30");
  EXPECT_EQ(query_value("SELECT string_agg(name, ',' ORDER BY name) FROM t WHERE v = 'new'"), "k19,k20");
}

TEST_F(TableMergeTest, ManyKeysSkipFilesByRange) {
  // Twenty files of 1000 ids each; 500 updates in ids 3000..3999 and 500 inserts above the table.
  // The keys' [min, max] alone leaves 17 candidate files; summarised as ranges (more distinct keys
  // than ranges), only the file with 3000..3999 is read.
  for (int file = 0; file < 20; ++file) {
    append("SELECT range AS id, 0 AS version FROM range(" + std::to_string(file * 1000) + ", " +
           std::to_string(file * 1000 + 1000) + ")");
  }
  auto report = merge(
      "SELECT id, 1 AS version FROM (SELECT range * 2 + 3000 AS id FROM range(500) UNION ALL "
      "SELECT range + 40000 FROM range(500))",
      {"id"});
  EXPECT_EQ(report.rows_updated, 500);
  EXPECT_EQ(report.rows_inserted, 500);
  EXPECT_EQ(report.rows_copied, 500);
  EXPECT_EQ(report.files_removed, 1);
  EXPECT_EQ(report.files_scanned, 1) << "only the file holding 3000..3999 may be read";
  EXPECT_EQ(query_value("SELECT count(*) || '/' || count(DISTINCT id) || '/' || sum(version) FROM t"),
            "20500/20500/1000");
}

TEST_F(TableMergeTest, MissingTableIsNotFound) {
  Source source;
  source.query = "SELECT 1 AS id";
  MergeOptions options;
  options.keys = {"id"};
  auto report = ops_->merge(root_, source, options);
  ASSERT_FALSE(report);
  EXPECT_EQ(report.error().code(), ErrorCode::kNotFound);
}

TEST_F(TableMergeTest, NewColumnsAreRefusedUnlessAddedAndThenOldRowsReadNull) {
  append("SELECT range AS id, 'a' AS name FROM range(3)");
  Source source;
  source.query = "SELECT 1 AS id, 'b' AS name, 7 AS score UNION ALL SELECT 5, 'e', 9";
  MergeOptions options;
  options.keys = {"id"};
  auto refused = ops_->merge(root_, source, options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("'score'"), std::string::npos) << refused.error().message();
  EXPECT_EQ(query_value("SELECT count(*) FROM t"), "3");

  options.add_new_columns = true;
  options.commit_info = {{"siltRunId", "\"r1\""}};
  auto merged = ops_->merge(root_, source, options);
  ASSERT_TRUE(merged) << merged.error().message();
  EXPECT_EQ(merged->columns_added, std::vector<std::string>{"score"});
  EXPECT_EQ(merged->rows_source, 2);
  EXPECT_EQ(query_value("SELECT string_agg(id || ':' || name || ':' || coalesce(CAST(score AS VARCHAR), '-'), ',' "
                        "ORDER BY id) FROM t"),
            "0:a:-,1:b:7,2:a:-,5:e:9");
  auto commit = fs_.read(root_ + "/_delta_log/00000000000000000001.json");
  ASSERT_TRUE(commit);
  EXPECT_NE(commit->find("\"siltRunId\":\"r1\""), std::string::npos) << *commit;
  EXPECT_NE(commit->find("\"metaData\""), std::string::npos) << *commit;
}

TEST_F(TableMergeTest, AnEmptyInputWithNewColumnsCommitsTheSchemaAlone) {
  append("SELECT range AS id, 'a' AS name FROM range(3)");
  Source source;
  source.query = "SELECT 1 AS id, 'b' AS name, 7 AS score WHERE false";
  MergeOptions options;
  options.keys = {"id"};
  options.add_new_columns = true;
  auto merged = ops_->merge(root_, source, options);
  ASSERT_TRUE(merged) << merged.error().message();
  EXPECT_FALSE(merged->skipped);
  EXPECT_EQ(merged->version, 1);
  EXPECT_EQ(merged->columns_added, std::vector<std::string>{"score"});
  EXPECT_EQ(query_value("SELECT count(*) FILTER (WHERE score IS NULL) || '/' || count(*) FROM t"), "3/3");
  // Nothing new the second time: nothing committed.
  auto again = ops_->merge(root_, source, options);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->skipped);
  EXPECT_EQ(again->version, 1);
}

TEST_F(TableMergeTest, OverwriteSchemaReplacesColumnsAndPartitioning) {
  append("SELECT range AS id, 'a' AS name FROM range(3)");
  Source source;
  source.query = "SELECT 'x' AS code, DATE '2025-11-01' AS day";
  WriteOptions options;
  options.mode = WriteMode::kOverwrite;
  auto refused = ops_->write(root_, source, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().reason(), "unknown_input_column") << refused.error().message();
  EXPECT_EQ(refused.error().detail("column"), "code");
  EXPECT_EQ(query_value("SELECT count(*) FROM t"), "3") << "a refused overwrite leaves the table as it was";
  options.overwrite_schema = true;
  options.partition_by = {"day"};
  auto written = ops_->write(root_, source, options);
  ASSERT_TRUE(written) << written.error().message();
  auto snapshot = ops_->load(root_);
  ASSERT_TRUE(snapshot);
  EXPECT_EQ((*snapshot)->partition_columns(), std::vector<std::string>{"day"});
  EXPECT_EQ(query_value("SELECT code || '/' || day FROM t"), "x/2025-11-01");
  EXPECT_EQ(query_value("SELECT count(*) FROM t"), "1");
}

TEST_F(TableMergeTest, PreparedCommitsAreMadeOnceAndConflictLikeAnyOther) {
  append("SELECT range AS id, 'a' AS name FROM range(3)");
  Source source;
  source.query = "SELECT 1 AS id, 'b' AS name UNION ALL SELECT 7, 'n'";
  MergeOptions options;
  options.keys = {"id"};
  options.prepare_only = true;
  auto report = ops_->merge(root_, source, options);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->prepared);
  PreparedCommit prepared = report->prepared.value_or(PreparedCommit{});
  EXPECT_EQ(report->version, -1);
  EXPECT_EQ(prepared.read_version, 0);
  EXPECT_EQ(query_value("SELECT string_agg(id || name, ',' ORDER BY id) FROM t"), "0a,1a,2a");  // not visible yet

  auto committed = ops_->commit_prepared(prepared);
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed->version, 1);
  EXPECT_EQ(query_value("SELECT string_agg(id || name, ',' ORDER BY id) FROM t"), "0a,1b,2a,7n");
  // Again (a recovery after a crash that happened after the commit): recognised, not repeated.
  auto again = ops_->commit_prepared(prepared);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->skipped);
  EXPECT_EQ(again->version, 1);
  EXPECT_EQ(query_value("SELECT count(*) FROM t"), "4");

  // A prepared merge whose rewritten file was removed meanwhile conflicts instead of committing.
  source.query = "SELECT 2 AS id, 'c' AS name";
  auto stale_report = ops_->merge(root_, source, options);
  ASSERT_TRUE(stale_report && stale_report->prepared);
  PreparedCommit stale = *stale_report->prepared;
  MergeOptions direct;
  direct.keys = {"id"};
  source.query = "SELECT 2 AS id, 'd' AS name";
  ASSERT_TRUE(ops_->merge(root_, source, direct));
  auto conflicted = ops_->commit_prepared(stale);
  ASSERT_FALSE(conflicted);
  EXPECT_EQ(conflicted.error().code(), ErrorCode::kConflict) << conflicted.error().message();
  EXPECT_EQ(query_value("SELECT name FROM t WHERE id = 2"), "d");
}

}  // namespace
}  // namespace silt::engine
