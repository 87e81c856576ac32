// Quality checks evaluated by a real DuckDB session over temporary tables: every kind passing and
// failing, thresholds, severities, examples, the single scan, the quarantine annotation, contract
// columns, and reports as JSON and on storage.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/session.h"
#include "obs/metrics.h"
#include "pipeline/quality/quality.h"
#include "pipeline/quality/quality_store.h"
#include "storage/memory/memory_file_system.h"

namespace silt::pipeline {
namespace {

CheckSpec spec(CheckKind kind, std::string name, std::vector<std::string> columns = {}) {
  CheckSpec check;
  check.kind = kind;
  check.name = std::move(name);
  check.columns = std::move(columns);
  check.file = "models/silver/silver_orders.sql";
  check.line = 4;
  return check;
}

CheckSpec not_null(const std::string& column) { return spec(CheckKind::kNotNull, "not_null(" + column + ")", {column}); }

class QualityChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = engine::Session::open(engine::SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
    // 1000 orders: ids 1..1000 except three NULLs (rows 10, 20, 30); status A/B with 5 'X';
    // amount = id % 100 (0..99) with two of 500+; customers 1..50, with 4 orders of customer 99.
    execute(
        "CREATE TEMP TABLE orders AS SELECT CASE WHEN i IN (10, 20, 30) THEN NULL ELSE i END AS order_id, "
        "CASE WHEN i <= 5 THEN 'X' WHEN i % 2 = 0 THEN 'A' ELSE 'B' END AS status, "
        "CASE WHEN i IN (7, 8) THEN 500 + i ELSE i % 100 END AS amount, "
        "CASE WHEN i > 996 THEN 99 ELSE i % 50 + 1 END AS customer_id, "
        "DATE '2025-11-01' + CAST(i % 10 AS INTEGER) AS order_date, "
        "'ORD-' || lpad(CAST(i AS VARCHAR), 5, '0') AS code "
        "FROM range(1, 1001) AS r(i)");
    execute("CREATE TEMP TABLE customers AS SELECT i AS customer_id FROM range(1, 51) AS r(i)");
    environment_.relation = "orders";
    environment_.resolve_table = [](const std::string& table) -> Result<std::string> {
      if (table == "silver_customers") return std::string("customers");
      if (table == "customers_query") return std::string("SELECT customer_id FROM customers WHERE customer_id <= 10");
      return make_error(ErrorCode::kNotFound, "unknown table '" + table + "'");
    };
    environment_.now_timestamp = "2025-11-13 12:00:00.000";
  }

  void execute(const std::string& sql) {
    Status status = session_->connection().execute(sql);
    ASSERT_TRUE(status.ok()) << status.message();
  }

  std::vector<CheckResult> evaluate(const std::vector<CheckSpec>& checks) {
    auto results = evaluate_checks(session_->connection(), checks, environment_);
    EXPECT_TRUE(results) << results.error().message();
    if (!results) return {};
    EXPECT_EQ(results->size(), checks.size());
    return *results;
  }

  CheckResult evaluate_one(const CheckSpec& check) {
    auto results = evaluate({check});
    return results.empty() ? CheckResult{} : results.front();
  }

  // The values of one example column.
  static std::vector<std::string> column_values(const CheckResult& result, const std::string& column) {
    std::vector<std::string> out;
    auto it = std::find(result.example_columns.begin(), result.example_columns.end(), column);
    if (it == result.example_columns.end()) return out;
    size_t index = static_cast<size_t>(it - result.example_columns.begin());
    for (const auto& row : result.examples) out.push_back(row[index].value_or("NULL"));
    std::sort(out.begin(), out.end());
    return out;
  }

  std::unique_ptr<engine::Session> session_;
  CheckEnvironment environment_;
};

TEST_F(QualityChecksTest, NotNullCountsFailingRowsWithExamples) {
  CheckResult result = evaluate_one(not_null("order_id"));
  EXPECT_EQ(result.name, "not_null(order_id)");
  EXPECT_EQ(result.status, CheckStatus::kFail);
  EXPECT_EQ(result.failing, 3);
  EXPECT_EQ(result.checked, 1000);
  EXPECT_EQ(result.message, "3 of 1000 rows have order_id NULL");
  ASSERT_EQ(result.examples.size(), 3u);
  EXPECT_EQ(column_values(result, "order_id"), (std::vector<std::string>{"NULL", "NULL", "NULL"}));
  EXPECT_EQ(column_values(result, "code"), (std::vector<std::string>{"ORD-00010", "ORD-00020", "ORD-00030"}));

  CheckResult passing = evaluate_one(not_null("status"));
  EXPECT_EQ(passing.status, CheckStatus::kPass);
  EXPECT_EQ(passing.failing, 0);
  EXPECT_EQ(passing.message, "");
  EXPECT_TRUE(passing.examples.empty());
}

TEST_F(QualityChecksTest, AcceptedValuesComparesTextAndLetsNullPass) {
  CheckSpec status = spec(CheckKind::kAcceptedValues, "accepted_values(status)", {"status"});
  status.values = {"A", "B"};
  CheckResult result = evaluate_one(status);
  EXPECT_EQ(result.status, CheckStatus::kFail);
  EXPECT_EQ(result.failing, 5);
  EXPECT_EQ(result.message, "5 of 1000 rows have status not in (A, B)");
  EXPECT_EQ(column_values(result, "status"), (std::vector<std::string>(5, "X")));

  status.values = {"A", "B", "X"};
  EXPECT_EQ(evaluate_one(status).status, CheckStatus::kPass);

  // Integers compared as text; NULL ids pass.
  CheckSpec ids = spec(CheckKind::kAcceptedValues, "accepted_values(order_id)", {"order_id"});
  for (int i = 1; i <= 998; ++i) ids.values.push_back(std::to_string(i));
  CheckResult id_result = evaluate_one(ids);
  EXPECT_EQ(id_result.failing, 2);  // 999 and 1000
  EXPECT_EQ(column_values(id_result, "order_id"), (std::vector<std::string>{"1000", "999"}));
}

TEST_F(QualityChecksTest, RangeWithNumbersDatesAndOneBound) {
  CheckSpec amount = spec(CheckKind::kRange, "range(amount)", {"amount"});
  amount.min = "0";
  amount.max = "99.5";
  CheckResult result = evaluate_one(amount);
  EXPECT_EQ(result.failing, 2);
  EXPECT_EQ(result.message, "2 of 1000 rows have amount outside [0, 99.5]");
  EXPECT_EQ(column_values(result, "amount"), (std::vector<std::string>{"507", "508"}));

  // NULL passes a range.
  execute("UPDATE orders SET amount = NULL WHERE amount = 507");
  EXPECT_EQ(evaluate_one(amount).failing, 1);

  CheckSpec low = spec(CheckKind::kRange, "range(amount)", {"amount"});
  low.min = "1";
  CheckResult low_result = evaluate_one(low);
  EXPECT_EQ(low_result.failing, 10);  // i % 100 = 0 for i = 100, 200, ..., 1000
  EXPECT_EQ(low_result.message, "10 of 1000 rows have amount below 1");

  CheckSpec date = spec(CheckKind::kRange, "range(order_date)", {"order_date"});
  date.min = "2025-11-02";
  date.max = "2025-11-10";
  CheckResult date_result = evaluate_one(date);
  EXPECT_EQ(date_result.failing, 100);  // i % 10 = 0
  EXPECT_EQ(date_result.examples.size(), 10u);
  for (const auto& value : column_values(date_result, "order_date")) EXPECT_EQ(value, "2025-11-01");
}

TEST_F(QualityChecksTest, RegexMatchesAnywhereUnlessAnchored) {
  CheckSpec code = spec(CheckKind::kRegex, "regex(code)", {"code"});
  code.pattern = "^ORD-0000[0-9]$";
  CheckResult result = evaluate_one(code);
  EXPECT_EQ(result.failing, 991);  // all but ORD-00001 .. ORD-00009
  EXPECT_EQ(result.message, "991 of 1000 rows have code not matching '^ORD-0000[0-9]$'");
  code.pattern = "ORD-";
  EXPECT_EQ(evaluate_one(code).status, CheckStatus::kPass);
  // NULL passes a pattern; numbers are matched as text.
  code.pattern = "^ORD-0";
  execute("UPDATE orders SET code = NULL WHERE order_id > 999");
  EXPECT_EQ(evaluate_one(code).failing, 0);
  CheckSpec digits = spec(CheckKind::kRegex, "regex(amount)", {"amount"});
  digits.pattern = "^[0-9]$";
  EXPECT_EQ(evaluate_one(digits).failing, 1000 - 98);  // 0..9 in every hundred, but rows 7 and 8 hold 507, 508
}

TEST_F(QualityChecksTest, RelationMayBeAQuery) {
  environment_.relation = "  select * FROM orders WHERE customer_id IN (11, 21)";
  CheckResult result = evaluate_one(not_null("order_id"));
  EXPECT_EQ(result.checked, 40);
  EXPECT_EQ(result.failing, 2);
  EXPECT_EQ(column_values(result, "code"), (std::vector<std::string>{"ORD-00010", "ORD-00020"}));
}

TEST_F(QualityChecksTest, ExpressionFailsOnFalseAndNull) {
  CheckSpec positive = spec(CheckKind::kExpression, "expression(order_id > 5)");
  positive.expression = "order_id > 5";
  CheckResult result = evaluate_one(positive);
  EXPECT_EQ(result.failing, 8);  // 1..5 and the three NULL ids
  EXPECT_EQ(result.message, "8 of 1000 rows do not satisfy order_id > 5");
}

TEST_F(QualityChecksTest, RelationshipsLookValuesUpInAnotherRelation) {
  CheckSpec customer = spec(CheckKind::kRelationships, "relationships(customer_id)", {"customer_id"});
  customer.to = "silver_customers";
  customer.field = "customer_id";
  CheckResult result = evaluate_one(customer);
  EXPECT_EQ(result.status, CheckStatus::kFail);
  EXPECT_EQ(result.failing, 4);
  EXPECT_EQ(result.message, "4 of 1000 rows have customer_id not found in silver_customers.customer_id");
  EXPECT_EQ(column_values(result, "order_id"), (std::vector<std::string>{"1000", "997", "998", "999"}));
  // The examples hold the checked relation's columns only.
  EXPECT_EQ(result.example_columns.size(), 6u);

  // A query as the related relation; NULL values pass.
  execute("UPDATE orders SET customer_id = NULL WHERE customer_id > 10");
  customer.to = "customers_query";
  EXPECT_EQ(evaluate_one(customer).status, CheckStatus::kPass);

  customer.to = "nowhere";
  auto missing = evaluate_checks(session_->connection(), {customer}, environment_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("relationships(customer_id)"), std::string::npos);
}

TEST_F(QualityChecksTest, ThresholdsAllowCountsOrPercentages) {
  CheckSpec check = not_null("order_id");
  check.threshold.count = 3;
  CheckResult allowed = evaluate_one(check);
  EXPECT_EQ(allowed.status, CheckStatus::kPass);
  EXPECT_EQ(allowed.failing, 3);
  EXPECT_EQ(allowed.threshold, check.threshold.text());
  EXPECT_EQ(allowed.message, "3 of 1000 rows have order_id NULL (allowed: " + check.threshold.text() + ")");
  EXPECT_TRUE(allowed.examples.empty());

  check.threshold.count = 2;
  EXPECT_EQ(evaluate_one(check).status, CheckStatus::kFail);

  check.threshold.count.reset();
  check.threshold.percent = 0.3;  // 3 of 1000
  EXPECT_EQ(evaluate_one(check).status, CheckStatus::kPass);
  check.threshold.percent = 0.29;
  EXPECT_EQ(evaluate_one(check).status, CheckStatus::kFail);
}

TEST_F(QualityChecksTest, WarnSeverityWarnsInsteadOfFailing) {
  CheckSpec check = not_null("order_id");
  check.severity = Severity::kWarn;
  CheckResult result = evaluate_one(check);
  EXPECT_EQ(result.status, CheckStatus::kWarn);
  EXPECT_EQ(result.severity, Severity::kWarn);
  EXPECT_EQ(result.examples.size(), 3u);  // failing warn checks have examples too
}

TEST_F(QualityChecksTest, ExamplesAreAtMostTenFailingRows) {
  CheckSpec check = spec(CheckKind::kExpression, "expression(amount < 50)");
  check.expression = "amount < 50";
  CheckResult result = evaluate_one(check);
  EXPECT_EQ(result.failing, 502);
  ASSERT_EQ(result.examples.size(), 10u);
  for (const auto& value : column_values(result, "amount")) EXPECT_GE(std::stoi(value), 50);
}

TEST_F(QualityChecksTest, RowLevelChecksShareOneScan) {
  std::vector<CheckSpec> checks = {not_null("status"), not_null("amount"), not_null("customer_id")};
  CheckSpec status = spec(CheckKind::kAcceptedValues, "accepted_values(status)", {"status"});
  status.values = {"A", "B", "X"};
  checks.push_back(status);
  CheckSpec amount = spec(CheckKind::kRange, "range(amount)", {"amount"});
  amount.min = "0";
  checks.push_back(amount);
  CheckSpec date = spec(CheckKind::kRange, "range(order_date)", {"order_date"});
  date.min = "2025-01-01";
  checks.push_back(date);
  CheckSpec code = spec(CheckKind::kRegex, "regex(code)", {"code"});
  code.pattern = "^ORD-";
  checks.push_back(code);
  CheckSpec expression = spec(CheckKind::kExpression, "expression(amount >= 0)");
  expression.expression = "amount >= 0";
  checks.push_back(expression);
  CheckSpec expression2 = spec(CheckKind::kExpression, "expression(len(code) = 9)");
  expression2.expression = "len(code) = 9";
  checks.push_back(expression2);
  CheckSpec customer = spec(CheckKind::kRelationships, "relationships(customer_id)", {"customer_id"});
  customer.to = "silver_customers";
  customer.field = "customer_id";
  execute("INSERT INTO customers VALUES (99)");
  checks.push_back(customer);
  CheckSpec count = spec(CheckKind::kRowCount, "row_count");
  count.min_rows = 1;
  checks.push_back(count);
  ASSERT_EQ(checks.size(), 11u);

  int64_t before = obs::counter_value("quality.queries");
  auto results = evaluate(checks);
  EXPECT_EQ(obs::counter_value("quality.queries") - before, 1);
  for (const auto& result : results) EXPECT_EQ(result.status, CheckStatus::kPass) << result.name << ": " << result.message;
}

TEST_F(QualityChecksTest, RowCountBoundsAndChange) {
  CheckSpec count = spec(CheckKind::kRowCount, "row_count");
  count.min_rows = 1;
  count.max_rows = 2000;
  CheckResult result = evaluate_one(count);
  EXPECT_EQ(result.status, CheckStatus::kPass);
  EXPECT_EQ(result.failing, 0);
  EXPECT_EQ(result.message, "row count 1000");

  count.max_rows = 999;
  EXPECT_EQ(evaluate_one(count).message, "row count 1000 above max 999");

  count.max_rows.reset();
  count.max_change_pct = 20;
  environment_.previous_rows = 800;  // +25%
  CheckResult changed = evaluate_one(count);
  EXPECT_EQ(changed.status, CheckStatus::kFail);
  EXPECT_EQ(changed.failing, 1);
  EXPECT_EQ(changed.message, "row count 1000 changed 25.0% from 800 (max 20%)");
  environment_.previous_rows = 900;
  EXPECT_EQ(evaluate_one(count).status, CheckStatus::kPass);
  environment_.previous_rows = 0;  // no baseline to compare with
  EXPECT_EQ(evaluate_one(count).status, CheckStatus::kPass);
  environment_.previous_rows.reset();
  EXPECT_EQ(evaluate_one(count).status, CheckStatus::kPass);

  execute("DELETE FROM orders");
  CheckResult empty = evaluate_one(count);
  EXPECT_EQ(empty.status, CheckStatus::kFail);
  EXPECT_EQ(empty.message, "row count 0 below min 1");
}

TEST_F(QualityChecksTest, FreshnessMeasuresTheNewestValue) {
  execute("CREATE TEMP TABLE events AS SELECT TIMESTAMP '2025-11-10 10:00:00' - INTERVAL (i) HOUR AS event_ts FROM "
          "range(5) AS r(i)");
  environment_.relation = "events";
  CheckSpec fresh = spec(CheckKind::kFreshness, "freshness(event_ts)", {"event_ts"});
  fresh.max_age_ms = 2 * 86'400'000LL;
  CheckResult stale = evaluate_one(fresh);
  EXPECT_EQ(stale.status, CheckStatus::kFail);
  EXPECT_EQ(stale.failing, 1);
  EXPECT_EQ(stale.checked, 5);
  EXPECT_EQ(stale.message, "newest event_ts 2025-11-10 10:00:00 is 3d 2h old (max 2d)");
  EXPECT_TRUE(stale.examples.empty());

  fresh.max_age_ms = 4 * 86'400'000LL;
  CheckResult ok = evaluate_one(fresh);
  EXPECT_EQ(ok.status, CheckStatus::kPass);
  EXPECT_EQ(ok.message, "newest event_ts 2025-11-10 10:00:00 is 3d 2h old (max 4d)");

  // A DATE column: its days start at midnight.
  environment_.relation = "orders";
  CheckSpec dates = spec(CheckKind::kFreshness, "freshness(order_date)", {"order_date"});
  dates.max_age_ms = 3 * 86'400'000LL;
  EXPECT_EQ(evaluate_one(dates).message, "newest order_date 2025-11-10 is 3d 12h old (max 3d)");

  execute("DELETE FROM events");
  environment_.relation = "events";
  CheckResult empty = evaluate_one(fresh);
  EXPECT_EQ(empty.status, CheckStatus::kFail);
  EXPECT_EQ(empty.message, "no event_ts value to measure freshness by (max age 4d)");
}

TEST_F(QualityChecksTest, UniqueIgnoresNullKeysPrimaryKeyCountsThem) {
  execute("CREATE TEMP TABLE keys AS SELECT * FROM (VALUES (1, 'a'), (1, 'a'), (1, 'a'), (2, 'b'), (2, 'b'), "
          "(3, NULL), (3, NULL), (4, 'd'), (NULL, 'e')) AS t(id, part)");
  environment_.relation = "keys";
  CheckSpec unique = spec(CheckKind::kUnique, "unique(id, part)", {"id", "part"});
  CheckResult result = evaluate_one(unique);
  EXPECT_EQ(result.status, CheckStatus::kFail);
  EXPECT_EQ(result.failing, 5);
  EXPECT_EQ(result.checked, 9);
  EXPECT_EQ(result.message, "2 duplicated keys (5 rows)");
  EXPECT_EQ(result.example_columns, (std::vector<std::string>{"id", "part", "count"}));
  ASSERT_EQ(result.examples.size(), 2u);
  EXPECT_EQ(result.examples[0], (std::vector<std::optional<std::string>>{"1", "a", "3"}));
  EXPECT_EQ(result.examples[1], (std::vector<std::optional<std::string>>{"2", "b", "2"}));

  CheckSpec key = spec(CheckKind::kPrimaryKey, "primary_key(id, part)", {"id", "part"});
  CheckResult pk = evaluate_one(key);
  EXPECT_EQ(pk.failing, 8);  // 5 duplicated + 3 with a NULL
  EXPECT_EQ(pk.message, "2 duplicated keys (5 rows), 3 rows with a NULL key");
  EXPECT_EQ(pk.examples.size(), 4u);  // (1,a), (2,b), (3,NULL), (NULL,e)

  CheckSpec single = spec(CheckKind::kUnique, "unique(id)", {"id"});
  EXPECT_EQ(evaluate_one(single).message, "3 duplicated keys (7 rows)");

  CheckSpec part = spec(CheckKind::kPrimaryKey, "primary_key(part)", {"part"});
  execute("DELETE FROM keys WHERE id < 3");
  EXPECT_EQ(evaluate_one(part).message, "2 rows with a NULL key");

  // Only key checks: their own query counts the rows.
  int64_t before = obs::counter_value("quality.queries");
  execute("DELETE FROM keys WHERE part IS NULL");
  auto results = evaluate({part});
  EXPECT_EQ(results.at(0).status, CheckStatus::kPass);
  EXPECT_EQ(results.at(0).checked, 2);
  EXPECT_EQ(obs::counter_value("quality.queries") - before, 1);
}

TEST_F(QualityChecksTest, SqlChecksCountTheRowsTheirQueryReturns) {
  CheckSpec check = spec(CheckKind::kSql, "sql_1");
  check.expression = "SELECT customer_id, count(*) AS orders FROM this GROUP BY customer_id HAVING count(*) = 20 "
                     "ORDER BY customer_id;";
  CheckResult result = evaluate_one(check);
  EXPECT_EQ(result.status, CheckStatus::kFail);
  EXPECT_EQ(result.failing, 46);  // customers 2..47 have 20 orders; 1 and 48..50 have 19
  EXPECT_EQ(result.checked, 1000);
  EXPECT_EQ(result.message, "the query returned 46 rows");
  EXPECT_EQ(result.example_columns, (std::vector<std::string>{"customer_id", "orders"}));
  ASSERT_EQ(result.examples.size(), 10u);
  EXPECT_EQ(result.examples[0], (std::vector<std::optional<std::string>>{"2", "20"}));

  // A query with its own WITH, returning nothing.
  check.expression = "WITH big AS (SELECT * FROM this WHERE amount > 1000) SELECT * FROM big -- none";
  CheckResult none = evaluate_one(check);
  EXPECT_EQ(none.status, CheckStatus::kPass);
  EXPECT_EQ(none.failing, 0);

  check.threshold.percent = 5;
  check.expression = "SELECT * FROM this WHERE amount > 98";  // 10 rows with 99, 2 with 50x: 1.2%
  EXPECT_EQ(evaluate_one(check).status, CheckStatus::kPass);
}

TEST_F(QualityChecksTest, ChecksThatCannotRunNameTheCheckAndItsLine) {
  CheckSpec good = not_null("order_id");
  CheckSpec bad = spec(CheckKind::kExpression, "expression(amont > 0)");
  bad.expression = "amont > 0";
  bad.line = 9;
  auto results = evaluate_checks(session_->connection(), {good, bad}, environment_);
  ASSERT_FALSE(results);
  EXPECT_EQ(results.error().code(), ErrorCode::kConfig);
  const std::string& message = results.error().message();
  EXPECT_EQ(message.rfind("models/silver/silver_orders.sql:9: check 'expression(amont > 0)' cannot run: ", 0), 0u)
      << message;
  EXPECT_NE(message.find("amont"), std::string::npos);
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;

  CheckSpec missing = spec(CheckKind::kUnique, "unique(nope)", {"nope"});
  auto unique = evaluate_checks(session_->connection(), {missing}, environment_);
  ASSERT_FALSE(unique);
  EXPECT_NE(unique.error().message().find("check 'unique(nope)' cannot run"), std::string::npos);

  CheckSpec sql = spec(CheckKind::kSql, "sql_1");
  sql.expression = "SELEC 1";
  auto bad_sql = evaluate_checks(session_->connection(), {sql}, environment_);
  ASSERT_FALSE(bad_sql);
  EXPECT_NE(bad_sql.error().message().find("check 'sql_1' cannot run: Parser Error"), std::string::npos)
      << bad_sql.error().message();

  // An error that appears only when reading the data.
  CheckSpec cast = spec(CheckKind::kExpression, "expression(cast)");
  cast.expression = "CAST(status AS INTEGER) > 0";
  auto runtime = evaluate_checks(session_->connection(), {good, cast}, environment_);
  ASSERT_FALSE(runtime);
  EXPECT_NE(runtime.error().message().find("check 'expression(cast)' cannot run: Conversion Error"), std::string::npos)
      << runtime.error().message();
}

TEST_F(QualityChecksTest, AnnotationListsTheFailedErrorChecksOfEachRow) {
  CheckSpec warn = not_null("order_id");
  warn.name = "warn_only";
  warn.severity = Severity::kWarn;
  CheckSpec status = spec(CheckKind::kAcceptedValues, "accepted_values(status)", {"status"});
  status.values = {"A", "B"};
  CheckSpec customer = spec(CheckKind::kRelationships, "relationships(customer_id)", {"customer_id"});
  customer.to = "silver_customers";
  customer.field = "customer_id";
  CheckSpec small = spec(CheckKind::kExpression, "expression(amount < 500)");
  small.expression = "amount < 500";
  CheckSpec unique = spec(CheckKind::kUnique, "unique(status)", {"status"});  // table-level: never listed
  auto sql = annotate_failures_sql({warn, status, unique, customer, small}, environment_);
  ASSERT_TRUE(sql) << sql.error().message();
  auto result = session_->connection().query_text(
      "SELECT code, '[' || coalesce(array_to_string(_silt_failed_checks, '|'), '') || ']' FROM (" + *sql +
      ") WHERE len(_silt_failed_checks) > 0 OR code IN ('ORD-00010', 'ORD-00100') ORDER BY code");
  ASSERT_TRUE(result) << result.error().message();
  std::vector<std::string> lines;
  for (const auto& row : result->rows) lines.push_back(*row[0] + " " + *row[1]);
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "ORD-00001 [accepted_values(status)]",
                       "ORD-00002 [accepted_values(status)]",
                       "ORD-00003 [accepted_values(status)]",
                       "ORD-00004 [accepted_values(status)]",
                       "ORD-00005 [accepted_values(status)]",
                       "ORD-00007 [expression(amount < 500)]",
                       "ORD-00008 [expression(amount < 500)]",
                       "ORD-00010 []",
                       "ORD-00100 []",
                       "ORD-00997 [relationships(customer_id)]",
                       "ORD-00998 [relationships(customer_id)]",
                       "ORD-00999 [relationships(customer_id)]",
                       "ORD-01000 [relationships(customer_id)]",
                   }));
  // Every column of the relation, in order, then the list.
  auto columns = session_->connection().query_text("SELECT * FROM (" + *sql + ") LIMIT 0");
  ASSERT_TRUE(columns);
  EXPECT_EQ(columns->column_names, (std::vector<std::string>{"order_id", "status", "amount", "customer_id",
                                                             "order_date", "code", "_silt_failed_checks"}));
  auto type = session_->connection().query_value("SELECT typeof(_silt_failed_checks) FROM (" + *sql + ") LIMIT 1");
  ASSERT_TRUE(type);
  EXPECT_EQ(type->value_or(""), "VARCHAR[]");
  auto count = session_->connection().query_value("SELECT count(*) FROM (" + *sql + ")");
  ASSERT_TRUE(count);
  EXPECT_EQ(count->value_or(""), "1000");

  // Two failures on one row, in the order of the checks.
  execute("UPDATE orders SET amount = 600 WHERE code = 'ORD-00001'");
  auto both = session_->connection().query_value("SELECT array_to_string(_silt_failed_checks, '|') FROM (" + *sql +
                                                 ") WHERE code = 'ORD-00001'");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->value_or(""), "accepted_values(status)|expression(amount < 500)");

  auto none = annotate_failures_sql({warn, unique}, environment_);
  ASSERT_TRUE(none);
  auto empty = session_->connection().query_text("SELECT DISTINCT typeof(_silt_failed_checks), len(_silt_failed_checks) FROM (" +
                                                 *none + ")");
  ASSERT_TRUE(empty) << empty.error().message();
  ASSERT_EQ(empty->rows.size(), 1u);
  EXPECT_EQ(empty->rows[0][0].value_or(""), "VARCHAR[]");
  EXPECT_EQ(empty->rows[0][1].value_or(""), "0");
}

TEST(ContractColumnsTest, NamesEveryProblemWithBothTypes) {
  Contract contract;
  contract.columns = {{"order_id", "BIGINT", false},
                      {"amount", "DECIMAL(12, 2)", std::nullopt},
                      {"status", "text", std::nullopt},
                      {"note", "", std::nullopt},
                      {"shipped_at", "TIMESTAMP WITH TIME ZONE", std::nullopt}};
  std::vector<std::pair<std::string, std::string>> output = {{"order_id", "BIGINT"},
                                                             {"amount", "DOUBLE"},
                                                             {"Status", "VARCHAR"},
                                                             {"note", "INTEGER[]"},
                                                             {"extra", "INTEGER"}};
  Status status = check_contract_columns(contract, output, "models/silver/silver_orders.sql");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kQualityFailed);
  EXPECT_EQ(status.message(),
            "models/silver/silver_orders.sql: contract: column 'amount' is DOUBLE in the model's result but "
            "DECIMAL(12, 2) in the contract; column 'shipped_at' is in the contract but not in the model's result; "
            "column 'extra' (INTEGER) is in the model's result but not in the contract (declare it, or allow new "
            "columns with schema_evolution: additive)");

  contract.allow_additive_evolution = true;
  output[1].second = "DECIMAL(12,2)";
  output.push_back({"shipped_at", "TIMESTAMP WITH TIME ZONE"});
  EXPECT_TRUE(check_contract_columns(contract, output, "m.sql").ok());
}

TEST(ContractColumnsTest, TypeSynonymsAreEqual) {
  const std::vector<std::pair<std::string, std::string>> same = {
      {"INT", "INTEGER"},        {"int4", "INTEGER"},          {"INT8", "BIGINT"},
      {"STRING", "VARCHAR"},     {"TEXT", "VARCHAR"},          {"varchar(20)", "VARCHAR"},
      {"FLOAT8", "DOUBLE"},      {"DOUBLE PRECISION", "DOUBLE"}, {"BOOL", "BOOLEAN"},
      {"numeric(10,2)", "DECIMAL(10,2)"}, {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"},
      {"INT[]", "INTEGER[]"},    {"STRUCT(a INT, b TEXT)", "STRUCT(a INTEGER, b VARCHAR)"},
      {"DECIMAL", "DECIMAL(18,3)"},
  };
  for (const auto& [declared, actual] : same) {
    Contract contract;
    contract.columns = {{"c", declared, std::nullopt}};
    EXPECT_TRUE(check_contract_columns(contract, {{"c", actual}}, "m.sql").ok()) << declared << " vs " << actual;
  }
  const std::vector<std::pair<std::string, std::string>> different = {
      {"INT", "BIGINT"}, {"DECIMAL(12,2)", "DECIMAL(12,3)"}, {"INTERVAL", "INTEGER"}, {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE"},
  };
  for (const auto& [declared, actual] : different) {
    Contract contract;
    contract.columns = {{"c", declared, std::nullopt}};
    EXPECT_FALSE(check_contract_columns(contract, {{"c", actual}}, "m.sql").ok()) << declared << " vs " << actual;
  }
  // Without declared columns, any output passes.
  EXPECT_TRUE(check_contract_columns(Contract{}, {{"c", "INTEGER"}}, "m.sql").ok());
}

QualityReport sample_report(const std::string& table, const std::string& run_id, int64_t checked_ms) {
  QualityReport report;
  report.table = table;
  report.model = table == "silver.orders" ? "silver_orders" : "gold_daily";
  report.run_id = run_id;
  report.table_version = 7;
  report.outcome = "warned";
  report.rows_checked = 1000;
  report.rows_quarantined = 3;
  report.checked_ms = checked_ms;
  CheckResult result;
  result.name = "unique(order_id)";
  result.kind = CheckKind::kUnique;
  result.severity = Severity::kWarn;
  result.status = CheckStatus::kWarn;
  result.failing = 5;
  result.checked = 1000;
  result.threshold = "none";
  result.message = "2 duplicated keys (5 rows)";
  result.example_columns = {"order_id", "count"};
  result.examples = {{"1", "3"}, {std::nullopt, "2"}};
  report.results.push_back(result);
  CheckResult pass;
  pass.name = "row_count";
  pass.kind = CheckKind::kRowCount;
  pass.status = CheckStatus::kPass;
  pass.checked = 1000;
  pass.threshold = "none";
  pass.message = "row count 1000";
  report.results.push_back(pass);
  return report;
}

TEST(QualityReportTest, JsonRoundTrip) {
  QualityReport report = sample_report("silver.orders", "20251103T101500123Z-3f2a", 1762164900123);
  std::string text = quality_report_to_json(report);
  auto back = quality_report_from_json(text, "r.json");
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(quality_report_to_json(*back), text);
  EXPECT_EQ(back->checked_ms, 1762164900123);
  ASSERT_EQ(back->results.size(), 2u);
  EXPECT_EQ(back->results[0].kind, CheckKind::kUnique);
  EXPECT_EQ(back->results[0].severity, Severity::kWarn);
  EXPECT_EQ(back->results[0].examples[1][0], std::nullopt);
  EXPECT_EQ(back->results[1].kind, CheckKind::kRowCount);
  EXPECT_EQ(back->results[1].severity, Severity::kError);
  EXPECT_NE(text.find("\"checked_at\": \"2025-11-03 10:15:00.123\""), std::string::npos) << text;

  auto broken = quality_report_from_json("{\"results\": 3", "bad.json");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(broken.error().message().find("bad.json"), std::string::npos);
  EXPECT_FALSE(quality_report_from_json("{\"results\": [1]}", "bad.json"));
}

TEST(QualityStoreTest, SavesAndListsNewestFirstAcrossTables) {
  storage::MemoryFileSystem fs;
  QualityStore store(fs, "/lake");
  auto first = store.save(sample_report("silver.orders", "run-a", 1762164900123));  // 2025-11-03 10:15:00.123
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(*first, "/lake/_quality/silver.orders/20251103T101500123Z-run-a.json");
  ASSERT_TRUE(store.save(sample_report("gold.daily", "run-a", 1762164900500)));
  ASSERT_TRUE(store.save(sample_report("silver.orders", "", 1762165000000)));
  ASSERT_TRUE(store.save(sample_report("silver.orders", "run-b", 1762164000000)));
  ASSERT_TRUE(fs.write("/lake/_quality/silver.orders/20251103T999999999Z-broken.json", "not json").ok());
  ASSERT_TRUE(fs.write("/lake/_quality/silver.orders/notes.txt", "x").ok());

  auto all = store.list();
  ASSERT_TRUE(all) << all.error().message();
  std::vector<std::string> seen;
  for (const auto& report : *all) seen.push_back(report.table + "@" + (report.run_id.empty() ? "check" : report.run_id));
  EXPECT_EQ(seen, (std::vector<std::string>{"silver.orders@check", "gold.daily@run-a", "silver.orders@run-a",
                                            "silver.orders@run-b"}));

  auto orders = store.list({"silver.orders", "", 2});
  ASSERT_TRUE(orders);
  ASSERT_EQ(orders->size(), 2u);
  EXPECT_EQ((*orders)[0].run_id, "");
  EXPECT_EQ((*orders)[1].run_id, "run-a");

  auto by_model = store.list({"gold_daily", "", 0});
  ASSERT_TRUE(by_model);
  ASSERT_EQ(by_model->size(), 1u);
  EXPECT_EQ((*by_model)[0].table, "gold.daily");

  auto run = store.list({"", "run-a", 0});
  ASSERT_TRUE(run);
  EXPECT_EQ(run->size(), 2u);
  auto checks = store.list({"", "check", 0});
  ASSERT_TRUE(checks);
  EXPECT_EQ(checks->size(), 1u);

  // An empty store lists nothing.
  storage::MemoryFileSystem empty_fs;
  auto none = QualityStore(empty_fs, "/lake").list();
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace silt::pipeline
