// engine/sql_references: table references found by DuckDB's parser through joins, subqueries,
// set operations, CTEs and expressions; syntax errors with their offset; non-SELECT statements.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/duckdb/database.h"
#include "engine/sql_references.h"

namespace silt::engine {
namespace {

class SqlReferencesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = duckdb::Database::open(duckdb::DatabaseOptions{1, "", ""});
    ASSERT_TRUE(database) << database.error().message();
    database_ = std::move(*database);
    auto connection = duckdb::Connection::open(*database_);
    ASSERT_TRUE(connection) << connection.error().message();
    connection_ = std::move(*connection);
  }

  SqlReferences parse(const std::string& sql) {
    auto references = find_sql_references(*connection_, sql);
    EXPECT_TRUE(references) << references.error().message();
    return references ? *references : SqlReferences{};
  }

  // "schema.table@offset" for each reference, in text order.
  std::vector<std::string> tables(const std::string& sql) {
    SqlReferences references = parse(sql);
    EXPECT_TRUE(references.ok) << references.error;
    std::vector<std::string> out;
    for (const auto& table : references.tables) {
      std::string name = table.catalog.empty() ? "" : table.catalog + ".";
      name += table.schema.empty() ? "" : table.schema + ".";
      out.push_back(name + table.table + "@" + std::to_string(table.offset));
    }
    return out;
  }

  std::unique_ptr<duckdb::Database> database_;
  std::unique_ptr<duckdb::Connection> connection_;
};

TEST_F(SqlReferencesTest, JoinsReportSchemaTableAndOffset) {
  EXPECT_EQ(tables("SELECT * FROM source.orders o JOIN silver.orders USING (id)"),
            (std::vector<std::string>{"source.orders@14", "silver.orders@35"}));
}

TEST_F(SqlReferencesTest, SubqueriesSetOperationsAndExpressions) {
  EXPECT_EQ(tables("SELECT (SELECT max(x) FROM q) AS m FROM a "
                   "WHERE id IN (SELECT id FROM b) AND EXISTS (SELECT 1 FROM c.d) "
                   "UNION ALL SELECT * FROM (SELECT * FROM e) sub"),
            (std::vector<std::string>{"q@27", "a@40", "b@70", "c.d@99", "e@143"}));
  EXPECT_EQ(tables("SELECT * FROM cat.s.t"), (std::vector<std::string>{"cat.s.t@14"}));
  EXPECT_EQ(tables("SELECT * FROM read_csv('a.csv')"), (std::vector<std::string>{}));
}

TEST_F(SqlReferencesTest, CteNamesAreNotTables) {
  SqlReferences references = parse(
      "WITH recent AS (SELECT * FROM silver.orders), Totals AS (SELECT * FROM recent) "
      "SELECT * FROM totals JOIN main.recent USING (id)");
  ASSERT_TRUE(references.ok);
  ASSERT_EQ(references.tables.size(), 2u);
  EXPECT_EQ(references.tables[0].schema, "silver");
  EXPECT_EQ(references.tables[0].table, "orders");
  // Qualified, so it names a table, not the CTE.
  EXPECT_EQ(references.tables[1].schema, "main");
  EXPECT_EQ(references.tables[1].table, "recent");
  EXPECT_EQ(references.cte_names, (std::vector<std::string>{"Totals", "recent"}));

  // A recursive CTE reads itself; a CTE is in scope only below the query that defines it.
  EXPECT_EQ(tables("WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r"),
            (std::vector<std::string>{}));
  EXPECT_EQ(tables("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) JOIN x USING (id)"),
            (std::vector<std::string>{"x@58"}));
}

TEST_F(SqlReferencesTest, OffsetsCountBytesAndQuotesAreSafe) {
  // 'é' is two bytes in UTF-8; the quote is doubled when the text is passed to DuckDB.
  EXPECT_EQ(tables("SELECT 'é''s' AS x, * FROM s.t"), (std::vector<std::string>{"s.t@28"}));
}

TEST_F(SqlReferencesTest, SyntaxErrorHasMessageAndOffset) {
  SqlReferences references = parse("/* header */\nSELECT * FRM x");
  EXPECT_FALSE(references.ok);
  EXPECT_EQ(references.problem, SqlProblem::kSyntax);
  EXPECT_EQ(references.error, "syntax error at or near \"x\"");
  ASSERT_TRUE(references.has_error_offset);
  EXPECT_EQ(references.error_offset, 26u);
}

TEST_F(SqlReferencesTest, OnlyASingleSelectIsAccepted) {
  EXPECT_EQ(parse("CREATE TABLE x (a INTEGER)").problem, SqlProblem::kNotSelect);
  EXPECT_EQ(parse("INSERT INTO a SELECT 1").problem, SqlProblem::kNotSelect);
  SqlReferences two = parse("SELECT * FROM a; SELECT * FROM b");
  EXPECT_FALSE(two.ok);
  EXPECT_EQ(two.problem, SqlProblem::kMultipleStatements);
  EXPECT_EQ(two.statement_count, 2);
  EXPECT_EQ(two.tables.size(), 2u);
  SqlReferences none = parse("-- nothing here\n");
  EXPECT_FALSE(none.ok);
  EXPECT_EQ(none.problem, SqlProblem::kEmpty);
  EXPECT_EQ(none.statement_count, 0);
}

}  // namespace
}  // namespace silt::engine
