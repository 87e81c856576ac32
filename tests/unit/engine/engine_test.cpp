// engine/: type mapping both ways, SQL predicate translation, snapshot scans with partitions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "base/strings.h"
#include "engine/session.h"
#include "engine/sql_predicate.h"
#include "engine/table_ops.h"
#include "engine/type_mapping.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {


TEST(TypeMappingTest, DuckDbTypesRoundTrip) {
  const char* types[] = {"BIGINT", "INTEGER", "SMALLINT", "TINYINT", "DOUBLE", "FLOAT", "BOOLEAN", "VARCHAR",
                         "BLOB", "DATE", "TIMESTAMP WITH TIME ZONE", "DECIMAL(12,2)", "VARCHAR[]",
                         "MAP(VARCHAR, BIGINT)", "STRUCT(\"a\" INTEGER, \"b c\" VARCHAR[])"};
  for (const char* type : types) {
    auto parsed = from_duckdb_type(type);
    ASSERT_TRUE(parsed) << type << ": " << parsed.error().message();
    auto back = to_duckdb_type(*parsed);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, type);
  }
  EXPECT_EQ(from_duckdb_type("TIMESTAMP")->name, "timestamp");
  auto unsigned_type = from_duckdb_type("UBIGINT");
  ASSERT_FALSE(unsigned_type);
  EXPECT_EQ(unsigned_type.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(unsigned_type.error().message().find("UBIGINT"), std::string::npos);
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
  }
  std::unique_ptr<Session> session_;
};

TEST_F(EngineTest, TranslatesPredicates) {
  using delta::Predicate;
  auto predicate = predicate_from_sql(session_->connection(),
                                      "a > 5 AND 10 >= b AND c BETWEEN 1.50 AND 2 AND d IN ('x', 'y') AND e IS NULL "
                                      "AND f = DATE '2025-01-02' AND lower(g) = 'z'");
  ASSERT_TRUE(predicate);
  ASSERT_EQ(predicate->kind, Predicate::Kind::kAnd);
  const auto& c = predicate->children;
  ASSERT_EQ(c.size(), 7u);
  EXPECT_EQ(c[0].op, Predicate::Op::kGt);
  EXPECT_EQ(c[0].values[0], "5");
  EXPECT_TRUE(c[0].numeric_literals);
  EXPECT_EQ(c[1].column, "b");
  EXPECT_EQ(c[1].op, Predicate::Op::kLe);  // flipped: b <= 10
  EXPECT_EQ(c[2].kind, Predicate::Kind::kAnd);
  EXPECT_EQ(c[2].children[0].values[0], "1.50");
  EXPECT_EQ(c[3].kind, Predicate::Kind::kIn);
  EXPECT_FALSE(c[3].numeric_literals);
  EXPECT_EQ(c[4].kind, Predicate::Kind::kIsNull);
  EXPECT_EQ(c[5].values[0], "2025-01-02");
  EXPECT_EQ(c[6].kind, Predicate::Kind::kUnknown);  // functions of columns are not used for skipping
}

TEST_F(EngineTest, TableFilterOnlyForSingleDirectReads) {
  auto& connection = session_->connection();
  EXPECT_TRUE(table_filter_from_query(connection, "SELECT count(*) FROM t WHERE x = 1", "t"));
  EXPECT_FALSE(table_filter_from_query(connection, "SELECT * FROM t a JOIN t b USING (x) WHERE a.x = 1", "t"));
  EXPECT_FALSE(table_filter_from_query(connection, "SELECT * FROM t LEFT JOIN u USING (x) WHERE x = 1", "t"));
  EXPECT_FALSE(table_filter_from_query(connection, "SELECT * FROM t", "t"));
  EXPECT_FALSE(table_filter_from_query(connection, "not sql at all", "t"));
}

TEST_F(EngineTest, DuckDbErrorsAreClassifiedByTheirTypeAndLoseTheSqlExcerpt) {
  auto& connection = session_->connection();
  auto conversion = connection.query_text("SELECT CAST('abc' AS INTEGER)");
  ASSERT_FALSE(conversion);
  EXPECT_EQ(conversion.error().code(), ErrorCode::kInvalidArgument);
  auto binder = connection.query_text("SELECT\n  no_such_column\nFROM range(3)");
  ASSERT_FALSE(binder);
  EXPECT_EQ(binder.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(binder.error().message().find("LINE "), std::string::npos) << binder.error().message();
  EXPECT_EQ(binder.error().sql_line(), 2) << binder.error().message();
  auto missing = connection.query_text("SELECT * FROM read_parquet('/nonexistent/silt/x.parquet')");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kIo) << missing.error().message();
  EXPECT_EQ(duckdb::error_code_for(10), ErrorCode::kConflict);      // TRANSACTION
  EXPECT_EQ(duckdb::error_code_for(33), ErrorCode::kOutOfMemory);   // OUT_OF_MEMORY
  EXPECT_EQ(duckdb::error_code_for(29), ErrorCode::kCancelled);     // INTERRUPT
  EXPECT_EQ(duckdb::error_code_for(31), ErrorCode::kInternal);      // INTERNAL
}

TEST_F(EngineTest, SiblingSessionsShareTheDatabaseButNotTheirViews) {
  auto sibling = session_->open_sibling();
  ASSERT_TRUE(sibling) << sibling.error().message();
  auto other = session_->open_sibling();
  ASSERT_TRUE(other) << other.error().message();
  for (auto* session : {sibling->get(), other->get()}) {
    ASSERT_TRUE(session->connection().execute_script("CREATE SCHEMA IF NOT EXISTS bronze;").ok());
  }
  ASSERT_TRUE((*sibling)->connection().execute("CREATE VIEW bronze.events AS SELECT 1 AS n").ok());
  ASSERT_TRUE((*other)->connection().execute("CREATE VIEW bronze.events AS SELECT 2 AS n").ok());
  EXPECT_EQ(*(*sibling)->connection().query_value("SELECT n FROM bronze.events"), "1");
  EXPECT_EQ(*(*other)->connection().query_value("SELECT n FROM bronze.events"), "2");
  EXPECT_EQ(*(*sibling)->connection().query_value("SELECT current_setting('threads')"),
            *session_->connection().query_value("SELECT current_setting('threads')"));
  // Each in its own thread at once.
  std::string a, b;
  std::thread first([&] { a = (*sibling)->connection().query_value("SELECT sum(range) FROM range(1000000)")->value_or(""); });
  std::thread second([&] { b = (*other)->connection().query_value("SELECT sum(range) FROM range(1000000)")->value_or(""); });
  first.join();
  second.join();
  EXPECT_EQ(a, "499999500000");
  EXPECT_EQ(b, a);
  other->reset();  // its catalog is detached with it
  EXPECT_EQ(*(*sibling)->connection().query_value("SELECT n FROM bronze.events"), "1");
}

TEST_F(EngineTest, ScanInjectsPartitionValuesFromTheLog) {
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  TableOps ops(*session_, fs);
  std::string root = dir.file("t");
  Source source;
  source.query = "SELECT range AS id, CASE WHEN range % 2 = 0 THEN 'even' ELSE NULL END AS kind FROM range(10)";
  WriteOptions options;
  options.partition_by = {"kind"};
  auto written = ops.write(root, source, options);
  ASSERT_TRUE(written) << written.error().message();
  // Directory names that lie: the values come from the log's partitionValues, never from paths.
  std::filesystem::rename(root + "/kind=even", root + "/kind=odd");
  std::filesystem::rename(root + "/kind=NULL", root + "/kind=other");
  for (const auto& entry : std::filesystem::directory_iterator(root + "/_delta_log")) {
    if (entry.path().extension() != ".json") continue;
    std::string text = testing::read_file_text(entry.path().string());
    text = replace_all(replace_all(text, "kind=even/", "kind=odd/"), "kind=NULL/", "kind=other/");
    std::ofstream(entry.path(), std::ios::trunc) << text;
  }
  auto snapshot = ops.load(root);
  ASSERT_TRUE(snapshot);
  ASSERT_EQ((*snapshot)->files().size(), 2u);
  for (const auto& file : (*snapshot)->files()) {
    EXPECT_TRUE(file.path.rfind("kind=odd/", 0) == 0 || file.path.rfind("kind=other/", 0) == 0) << file.path;
  }
  ASSERT_TRUE(session_->register_snapshot("t", **snapshot).ok());
  auto result = session_->connection().query_text(
      "SELECT coalesce(kind, 'null') AS k, count(*), sum(id) FROM t GROUP BY ALL ORDER BY 1");
  ASSERT_TRUE(result) << result.error().message();
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(*result->rows[0][0], "even");
  EXPECT_EQ(*result->rows[0][2], "20");
  EXPECT_EQ(*result->rows[1][0], "null");
  EXPECT_EQ(*result->rows[1][2], "25");
}

TEST_F(EngineTest, ScanWithManyPartitionValuesLooksThemUpByFile) {
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  TableOps ops(*session_, fs);
  std::string root = dir.file("t");
  Source source;
  // 50 dates plus NULL: more partition values than one branch each.
  source.query =
      "SELECT range AS id, CASE WHEN range % 51 = 50 THEN NULL ELSE DATE '2025-01-01' + CAST(range % 51 AS INTEGER) "
      "END AS day FROM range(510)";
  WriteOptions options;
  options.partition_by = {"day"};
  ASSERT_TRUE(ops.write(root, source, options));
  auto snapshot = ops.load(root);
  ASSERT_TRUE(snapshot);
  ASSERT_GT((*snapshot)->files().size(), 32u);
  auto sql = session_->scan_sql(**snapshot);
  ASSERT_TRUE(sql);
  EXPECT_EQ(sql->find("UNION ALL"), std::string::npos);
  ASSERT_TRUE(session_->register_snapshot("t", **snapshot).ok());
  auto result = session_->connection().query_text(
      "SELECT count(*), count(day), min(day), max(day), sum(id) FILTER (WHERE day = DATE '2025-01-05'), "
      "count(*) FILTER (WHERE day IS NULL) FROM t");
  ASSERT_TRUE(result) << result.error().message();
  const auto& row = result->rows[0];
  EXPECT_EQ(*row[0], "510");
  EXPECT_EQ(*row[1], "500");
  EXPECT_EQ(*row[2], "2025-01-01");
  EXPECT_EQ(*row[3], "2025-02-19");
  // ids with id % 51 == 4: 4, 55, ..., 463 (10 values)
  EXPECT_EQ(*row[4], "2335");
  EXPECT_EQ(*row[5], "10");
  EXPECT_EQ(sql->find("hive_partitioning"), std::string::npos);  // a NULL value: looked up by file
}

TEST_F(EngineTest, ScanWithManyPlainPartitionValuesUsesHivePaths) {
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  TableOps ops(*session_, fs);
  std::string root = dir.file("t");
  Source source;
  source.query = "SELECT range AS id, range % 40 AS bucket, 'k' || (range % 3) AS kind FROM range(1200)";
  WriteOptions options;
  options.partition_by = {"bucket", "kind"};
  ASSERT_TRUE(ops.write(root, source, options));
  auto snapshot = ops.load(root);
  ASSERT_TRUE(snapshot);
  auto sql = session_->scan_sql(**snapshot);
  ASSERT_TRUE(sql);
  EXPECT_NE(sql->find("hive_partitioning=true"), std::string::npos);
  ASSERT_TRUE(session_->register_snapshot("t", **snapshot).ok());
  auto result = session_->connection().query_text(
      "SELECT count(*), sum(bucket), count(*) FILTER (WHERE kind = 'k2'), typeof(any_value(bucket)), "
      "sum(id) FILTER (WHERE bucket = 7 AND kind = 'k1') FROM t");
  ASSERT_TRUE(result) << result.error().message();
  const auto& row = result->rows[0];
  EXPECT_EQ(*row[0], "1200");
  EXPECT_EQ(*row[1], "23400");  // 30 rows of each bucket 0..39
  EXPECT_EQ(*row[2], "400");
  EXPECT_EQ(*row[3], "BIGINT");
  // ids with id % 40 == 7 and id % 3 == 1: 7, 127, ..., 1087 (id % 120 == 7)
  EXPECT_EQ(*row[4], "5470");
}

}  // namespace
}  // namespace silt::engine
