// pipeline/quality configuration: the names of its values, the checks a contract declares, contracts
// and checks read from a model's configuration (header or YAML beside) and from contracts/*.yml, and
// a case table of exact file:line:col diagnostics for every kind of problem.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model/model.h"
#include "pipeline/quality/quality.h"
#include "project_fixture.h"
#include "support/temp_dir.h"

namespace silt::pipeline {
namespace {

constexpr const char* kSiltYaml = "name: shop\nstorage: ./lake\n";

using Names = std::vector<std::string>;

// A project with the models the checks below refer to.
Files with_models(Files files) {
  files.emplace("models/silver/silver_orders.sql", "SELECT 1 AS order_id");
  files.emplace("models/silver/silver_customers.sql", "SELECT 1 AS customer_id");
  return files;
}

class QualityConfigTest : public ProjectFixture {
 protected:
  QualityConfigTest() : ProjectFixture(kSiltYaml) {}

  // The quality configuration of silver_orders, configured by `yaml` in a YAML file beside it.
  QualityConfig quality_of(const std::string& yaml) {
    Project project = load_ok(with_models({{"models/silver/silver_orders.yml", yaml}}));
    const Model* model = project.find("silver_orders");
    return model ? model->config.quality : QualityConfig{};
  }

  static Names check_names(const QualityConfig& quality) {
    Names names;
    for (const CheckSpec& check : quality.checks) names.push_back(check.name);
    return names;
  }

};

TEST(QualityNamesTest, NamesOfValues) {
  EXPECT_STREQ(severity_name(Severity::kError), "error");
  EXPECT_STREQ(severity_name(Severity::kWarn), "warn");
  EXPECT_STREQ(on_failure_name(OnFailure::kGate), "gate");
  EXPECT_STREQ(on_failure_name(OnFailure::kQuarantine), "quarantine");
  EXPECT_STREQ(on_failure_name(OnFailure::kWarn), "warn");

  const std::vector<std::pair<CheckKind, std::string>> kinds = {
      {CheckKind::kNotNull, "not_null"},     {CheckKind::kAcceptedValues, "accepted_values"},
      {CheckKind::kRange, "range"},          {CheckKind::kRegex, "regex"},
      {CheckKind::kRelationships, "relationships"}, {CheckKind::kExpression, "expression"},
      {CheckKind::kUnique, "unique"},        {CheckKind::kPrimaryKey, "primary_key"},
      {CheckKind::kRowCount, "row_count"},   {CheckKind::kFreshness, "freshness"},
      {CheckKind::kSql, "sql"}};
  for (const auto& [kind, name] : kinds) EXPECT_EQ(check_kind_name(kind), name);

  for (CheckKind kind : {CheckKind::kNotNull, CheckKind::kAcceptedValues, CheckKind::kRange, CheckKind::kRegex,
                         CheckKind::kRelationships, CheckKind::kExpression}) {
    EXPECT_TRUE(is_row_level(kind)) << check_kind_name(kind);
  }
  for (CheckKind kind :
       {CheckKind::kUnique, CheckKind::kPrimaryKey, CheckKind::kRowCount, CheckKind::kFreshness, CheckKind::kSql}) {
    EXPECT_FALSE(is_row_level(kind)) << check_kind_name(kind);
  }
}

TEST(QualityNamesTest, ThresholdText) {
  EXPECT_EQ(Threshold{}.text(), "none");
  EXPECT_EQ((Threshold{10, std::nullopt}.text()), "10 rows");
  EXPECT_EQ((Threshold{1, std::nullopt}.text()), "1 row");
  EXPECT_EQ((Threshold{0, std::nullopt}.text()), "0 rows");
  EXPECT_EQ((Threshold{std::nullopt, 5.0}.text()), "5%");
  EXPECT_EQ((Threshold{std::nullopt, 0.5}.text()), "0.5%");
  EXPECT_EQ((Threshold{std::nullopt, 1.5}.text()), "1.5%");
}

TEST(QualityNamesTest, ContractChecks) {
  Contract contract;
  contract.columns = {{"order_id", "BIGINT", false}, {"status", "VARCHAR", std::nullopt},
                      {"event_ts", "", false}, {"note", "VARCHAR", true}};
  contract.primary_key = {"order_id", "event_ts"};
  const std::vector<CheckSpec> checks = contract_checks(contract);
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "contract: not_null(order_id)");
  EXPECT_EQ(checks[0].kind, CheckKind::kNotNull);
  EXPECT_EQ(checks[0].columns, (Names{"order_id"}));
  EXPECT_EQ(checks[1].name, "contract: not_null(event_ts)");
  EXPECT_EQ(checks[1].columns, (Names{"event_ts"}));
  EXPECT_EQ(checks[2].name, "contract: primary_key(order_id, event_ts)");
  EXPECT_EQ(checks[2].kind, CheckKind::kPrimaryKey);
  EXPECT_EQ(checks[2].columns, (Names{"order_id", "event_ts"}));
  for (const CheckSpec& check : checks) {
    EXPECT_EQ(check.severity, Severity::kError);
    EXPECT_FALSE(check.threshold.count || check.threshold.percent);
  }
  EXPECT_TRUE(contract_checks(Contract{}).empty());
}

TEST_F(QualityConfigTest, EveryKindInAHeader) {
  Project project = load_ok(with_models({{"models/silver/silver_orders.sql",
                                          "/* silt:\n"                                              // 1
                                          "materialized: table\n"                                   // 2
                                          "contract:\n"                                             // 3
                                          "  columns:\n"                                            // 4
                                          "    order_id:    {type: BIGINT, nullable: false}\n"      // 5
                                          "    status:      {type: VARCHAR}\n"                      // 6
                                          "    amount:      DECIMAL(12, 2)\n"                       // 7
                                          "    event_ts:    {type: TIMESTAMP WITH TIME ZONE, nullable: true}\n"
                                          "    note:\n"                                             // 9
                                          "  primary_key: [order_id, event_ts]\n"                   // 10
                                          "  schema_evolution: additive\n"                          // 11
                                          "checks:\n"                                               // 12
                                          "  - not_null: [order_id, customer_id]\n"                 // 13
                                          "  - unique: [order_id, event_ts]\n"                      // 14
                                          "  - accepted_values: {column: status, values: [PLACED, PAID, 3]}\n"
                                          "  - range: {column: amount, min: 0}\n"                   // 16
                                          "  - regex: {column: currency, pattern: '^[A-Z]{3}$'}\n"  // 17
                                          "  - relationships: {column: customer_id, to: silver_customers, "
                                          "field: customer_id}\n"                                   // 18
                                          "  - row_count: {min: 1, max_change_pct: 50}\n"           // 19
                                          "  - freshness: {column: event_ts, max_age: 2d}\n"        // 20
                                          "  - expression: \"amount * 2 >= amount\"\n"              // 21
                                          "  - sql: \"SELECT * FROM this WHERE amount > 1e9\"\n"    // 22
                                          "    name: no_absurd_amounts\n"                           // 23
                                          "    severity: warn\n"                                    // 24
                                          "  - not_null: [email]\n"                                 // 25
                                          "    severity: warn\n"                                    // 26
                                          "    threshold: 5%\n"                                     // 27
                                          "  - primary_key: [order_id]\n"                           // 28
                                          "    threshold: 10\n"                                     // 29
                                          "on_failure: quarantine\n"                                // 30
                                          "max_quarantine_pct: 5\n"                                 // 31
                                          "*/\n"
                                          "SELECT 1 AS order_id\n"}}));
  const Model* model = project.find("silver_orders");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->config.materialized, Materialization::kTable);
  const QualityConfig& quality = model->config.quality;
  EXPECT_FALSE(quality.empty());
  EXPECT_EQ(quality.on_failure, OnFailure::kQuarantine);
  EXPECT_EQ(quality.max_quarantine_pct, 5);

  ASSERT_TRUE(quality.contract);
  const Contract& contract = *quality.contract;
  ASSERT_EQ(contract.columns.size(), 5u);
  EXPECT_EQ(contract.columns[0].name, "order_id");
  EXPECT_EQ(contract.columns[0].type, "BIGINT");
  EXPECT_EQ(contract.columns[0].nullable, false);
  EXPECT_EQ(contract.columns[1].name, "status");
  EXPECT_EQ(contract.columns[1].type, "VARCHAR");
  EXPECT_EQ(contract.columns[1].nullable, std::nullopt);
  EXPECT_EQ(contract.columns[2].type, "DECIMAL(12, 2)");
  EXPECT_EQ(contract.columns[3].type, "TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(contract.columns[3].nullable, true);
  EXPECT_EQ(contract.columns[4].name, "note");
  EXPECT_EQ(contract.columns[4].type, "");
  EXPECT_EQ(contract.primary_key, (Names{"order_id", "event_ts"}));
  EXPECT_TRUE(contract.allow_additive_evolution);

  EXPECT_EQ(check_names(quality),
            (Names{"not_null(order_id)", "not_null(customer_id)", "unique(order_id, event_ts)",
                   "accepted_values(status)", "range(amount)", "regex(currency)",
                   "relationships(customer_id -> silver_customers.customer_id)", "row_count", "freshness(event_ts)",
                   "expression(amount * 2 >= amount)", "no_absurd_amounts", "not_null(email)",
                   "primary_key(order_id)"}));
  const std::vector<CheckSpec>& checks = quality.checks;
  ASSERT_EQ(checks.size(), 13u);
  for (const CheckSpec& check : checks) EXPECT_EQ(check.file, "models/silver/silver_orders.sql") << check.name;

  EXPECT_EQ(checks[0].kind, CheckKind::kNotNull);
  EXPECT_EQ(checks[0].columns, (Names{"order_id"}));
  EXPECT_EQ(checks[0].line, 13);
  EXPECT_EQ(checks[0].severity, Severity::kError);
  EXPECT_EQ(checks[0].threshold.text(), "none");
  EXPECT_EQ(checks[1].columns, (Names{"customer_id"}));
  EXPECT_EQ(checks[1].line, 13);

  EXPECT_EQ(checks[2].kind, CheckKind::kUnique);
  EXPECT_EQ(checks[2].columns, (Names{"order_id", "event_ts"}));
  EXPECT_EQ(checks[2].line, 14);

  EXPECT_EQ(checks[3].kind, CheckKind::kAcceptedValues);
  EXPECT_EQ(checks[3].columns, (Names{"status"}));
  EXPECT_EQ(checks[3].values, (Names{"PLACED", "PAID", "3"}));

  EXPECT_EQ(checks[4].kind, CheckKind::kRange);
  EXPECT_EQ(checks[4].columns, (Names{"amount"}));
  EXPECT_EQ(checks[4].min, "0");
  EXPECT_EQ(checks[4].max, std::nullopt);

  EXPECT_EQ(checks[5].kind, CheckKind::kRegex);
  EXPECT_EQ(checks[5].pattern, "^[A-Z]{3}$");

  EXPECT_EQ(checks[6].kind, CheckKind::kRelationships);
  EXPECT_EQ(checks[6].columns, (Names{"customer_id"}));
  EXPECT_EQ(checks[6].to, "silver_customers");
  EXPECT_EQ(checks[6].field, "customer_id");
  EXPECT_EQ(checks[6].line, 18);

  EXPECT_EQ(checks[7].kind, CheckKind::kRowCount);
  EXPECT_EQ(checks[7].min_rows, 1);
  EXPECT_EQ(checks[7].max_rows, std::nullopt);
  EXPECT_EQ(checks[7].max_change_pct, 50);
  EXPECT_TRUE(checks[7].columns.empty());

  EXPECT_EQ(checks[8].kind, CheckKind::kFreshness);
  EXPECT_EQ(checks[8].columns, (Names{"event_ts"}));
  EXPECT_EQ(checks[8].max_age_ms, 2 * 24 * 3600 * 1000LL);

  EXPECT_EQ(checks[9].kind, CheckKind::kExpression);
  EXPECT_EQ(checks[9].expression, "amount * 2 >= amount");

  EXPECT_EQ(checks[10].kind, CheckKind::kSql);
  EXPECT_EQ(checks[10].expression, "SELECT * FROM this WHERE amount > 1e9");
  EXPECT_EQ(checks[10].severity, Severity::kWarn);
  EXPECT_EQ(checks[10].line, 22);

  EXPECT_EQ(checks[11].severity, Severity::kWarn);
  EXPECT_EQ(checks[11].threshold.percent, 5);
  EXPECT_EQ(checks[11].threshold.count, std::nullopt);
  EXPECT_EQ(checks[11].threshold.text(), "5%");
  EXPECT_EQ(checks[11].line, 25);

  EXPECT_EQ(checks[12].kind, CheckKind::kPrimaryKey);
  EXPECT_EQ(checks[12].columns, (Names{"order_id"}));
  EXPECT_EQ(checks[12].threshold.count, 10);
  EXPECT_EQ(checks[12].threshold.text(), "10 rows");
}

TEST_F(QualityConfigTest, OtherFormsOfEachKind) {
  QualityConfig quality = quality_of(
      "checks:\n"
      "  - not_null: order_id\n"
      "  - not_null: {column: customer_id}\n"
      "  - not_null: {columns: [a, b]}\n"
      "  - unique: order_id\n"
      "  - unique: {columns: [order_id, line_id]}\n"
      "  - unique: {column: email}\n"
      "  - primary_key: {columns: [order_id, line_id]}\n"
      "  - expression: {expression: amount > 0}\n"
      "  - sql: SELECT 1 FROM this WHERE false\n"
      "  - sql: {sql: SELECT 2 FROM this WHERE false}\n"
      "    name: second\n"
      "  - sql: |\n"
      "      SELECT *\n"
      "      FROM this WHERE false\n"
      "  - expression: |\n"
      "      coalesce(discount, 0)   <=   amount\n"
      "        AND amount < 1000000 AND currency IS NOT NULL\n"
      "  - range: {column: ordered_at, min: '2020-01-01', max: '2030-12-31 23:59:59'}\n"
      "  - row_count: {max: 1000}\n"
      "    name: bounded\n"
      "  - row_count: {min: 0, max: 10, max_change_pct: 12.5%}\n"
      "  - freshness: {column: a, max_age: 30s}\n"
      "  - freshness: {column: b, max_age: 15m}\n"
      "  - freshness: {column: c, max_age: 12h}\n"
      "  - freshness: {column: d, max_age: 1w}\n"
      "  - relationships: {column: customer_id, to: silver.customers, field: id}\n"
      "  - not_null: x\n"
      "    severity: WARN\n"
      "    threshold: 0.5%\n"
      "  - not_null: y\n"
      "    severity: error\n"
      "    threshold: 0\n");
  EXPECT_EQ(check_names(quality),
            (Names{"not_null(order_id)", "not_null(customer_id)", "not_null(a)", "not_null(b)", "unique(order_id)",
                   "unique(order_id, line_id)", "unique(email)", "primary_key(order_id, line_id)",
                   "expression(amount > 0)", "sql_1", "second", "sql_3",
                   "expression(coalesce(discount, 0) <= amount AND amou)", "range(ordered_at)", "bounded",
                   "row_count", "freshness(a)", "freshness(b)", "freshness(c)", "freshness(d)",
                   "relationships(customer_id -> silver.customers.id)", "not_null(x)", "not_null(y)"}));
  const std::vector<CheckSpec>& checks = quality.checks;
  ASSERT_EQ(checks.size(), 23u);
  EXPECT_EQ(checks[2].line, 4);
  EXPECT_EQ(checks[3].line, 4);
  EXPECT_EQ(checks[8].expression, "amount > 0");
  EXPECT_EQ(checks[10].expression, "SELECT 2 FROM this WHERE false");
  EXPECT_EQ(checks[11].expression, "SELECT *\nFROM this WHERE false");
  EXPECT_EQ(checks[11].line, 13);
  EXPECT_EQ(checks[12].expression,
            "coalesce(discount, 0)   <=   amount\n  AND amount < 1000000 AND currency IS NOT NULL");
  EXPECT_EQ(checks[13].min, "2020-01-01");
  EXPECT_EQ(checks[13].max, "2030-12-31 23:59:59");
  EXPECT_EQ(checks[14].min_rows, std::nullopt);
  EXPECT_EQ(checks[14].max_rows, 1000);
  EXPECT_EQ(checks[15].min_rows, 0);
  EXPECT_EQ(checks[15].max_rows, 10);
  EXPECT_EQ(checks[15].max_change_pct, 12.5);
  EXPECT_EQ(checks[16].max_age_ms, 30 * 1000);
  EXPECT_EQ(checks[17].max_age_ms, 15 * 60 * 1000);
  EXPECT_EQ(checks[18].max_age_ms, 12 * 3600 * 1000);
  EXPECT_EQ(checks[19].max_age_ms, 7 * 24 * 3600 * 1000LL);
  EXPECT_EQ(checks[20].to, "silver.customers");
  EXPECT_EQ(checks[21].severity, Severity::kWarn);
  EXPECT_EQ(checks[21].threshold.percent, 0.5);
  EXPECT_EQ(checks[21].threshold.text(), "0.5%");
  EXPECT_EQ(checks[22].severity, Severity::kError);
  EXPECT_EQ(checks[22].threshold.count, 0);
  for (const CheckSpec& check : checks) EXPECT_EQ(check.file, "models/silver/silver_orders.yml");
  EXPECT_FALSE(quality.contract);
  EXPECT_EQ(quality.on_failure, OnFailure::kGate);
  EXPECT_EQ(quality.max_quarantine_pct, 100);
}

TEST_F(QualityConfigTest, DefaultsWithoutQualityKeys) {
  Project project = load_ok(with_models({{"models/silver/silver_orders.yml", "materialized: table\n"}}));
  for (const Model& model : project.models) {
    EXPECT_TRUE(model.config.quality.empty()) << model.name;
    EXPECT_EQ(model.config.quality.on_failure, OnFailure::kGate);
    EXPECT_EQ(model.config.quality.max_quarantine_pct, 100);
  }
  // on_failure alone is configuration without contract or checks.
  QualityConfig quality = quality_of("on_failure: warn\n");
  EXPECT_TRUE(quality.empty());
  EXPECT_EQ(quality.on_failure, OnFailure::kWarn);
  // An empty contract is a contract.
  EXPECT_FALSE(quality_of("contract: {}\n").empty());
}

TEST_F(QualityConfigTest, ContractsFiles) {
  Project project = load_ok(with_models(
      {{"models/gold/fact_orders.sql", "SELECT * FROM silver.orders"},
       {"contracts/silver.yml",
        "# contracts of the silver layer\n"
        "silver_orders:\n"
        "  contract:\n"
        "    columns:\n"
        "      order_id: {type: BIGINT, nullable: false}\n"
        "    primary_key: order_id\n"
        "  checks:\n"
        "    - relationships: {column: customer_id, to: silver.customers, field: customer_id}\n"
        "  on_failure: quarantine\n"
        "  max_quarantine_pct: 2.5%\n"
        "SILVER_CUSTOMERS:\n"
        "  checks:\n"
        "    - unique: customer_id\n"},
       {"contracts/gold.yaml", "fact_orders:\n  on_failure: warn\n  checks: [{row_count: {min: 1}}]\n"},
       {"contracts/notes.txt", "not a contracts file"},
       {"contracts/empty.yml", ""}}));
  const Model* orders = project.find("silver_orders");
  ASSERT_NE(orders, nullptr);
  const QualityConfig& quality = orders->config.quality;
  ASSERT_TRUE(quality.contract);
  ASSERT_EQ(quality.contract->columns.size(), 1u);
  EXPECT_EQ(quality.contract->columns[0].nullable, false);
  EXPECT_EQ(quality.contract->primary_key, (Names{"order_id"}));
  EXPECT_FALSE(quality.contract->allow_additive_evolution);
  EXPECT_EQ(quality.on_failure, OnFailure::kQuarantine);
  EXPECT_EQ(quality.max_quarantine_pct, 2.5);
  ASSERT_EQ(quality.checks.size(), 1u);
  EXPECT_EQ(quality.checks[0].name, "relationships(customer_id -> silver.customers.customer_id)");
  EXPECT_EQ(quality.checks[0].file, "contracts/silver.yml");
  EXPECT_EQ(quality.checks[0].line, 8);

  const Model* customers = project.find("silver_customers");
  ASSERT_NE(customers, nullptr);
  EXPECT_EQ(check_names(customers->config.quality), (Names{"unique(customer_id)"}));
  EXPECT_EQ(customers->config.quality.checks[0].line, 13);

  const Model* facts = project.find("fact_orders");
  ASSERT_NE(facts, nullptr);
  EXPECT_EQ(facts->config.quality.on_failure, OnFailure::kWarn);
  EXPECT_EQ(check_names(facts->config.quality), (Names{"row_count"}));
  EXPECT_EQ(facts->config.quality.checks[0].file, "contracts/gold.yaml");
  EXPECT_EQ(facts->config.quality.checks[0].min_rows, 1);
}

TEST_F(QualityConfigTest, ContractTypesDuckDbAccepts) {
  QualityConfig quality = quality_of(
      "contract:\n"
      "  columns:\n"
      "    a: {type: 'DECIMAL(12,2)'}\n"
      "    b: {type: 'STRUCT(x INTEGER, y VARCHAR)'}\n"
      "    c: {type: 'VARCHAR[]'}\n"
      "    d: {type: 'MAP(VARCHAR, BIGINT)'}\n"
      "    e: {type: \"ENUM('a', 'b)')\"}\n"
      "    f: {type: int}\n"
      "    g: {type: TIMESTAMPTZ}\n");
  ASSERT_TRUE(quality.contract);
  EXPECT_EQ(quality.contract->columns.size(), 7u);
  EXPECT_EQ(quality.contract->columns[5].type, "int");  // as written
}

struct InvalidCase {
  const char* name;
  Files files;
  std::vector<std::string> expected;
};

void PrintTo(const InvalidCase& c, std::ostream* out) { *out << c.name; }

class QualityConfigInvalidTest : public QualityConfigTest, public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(QualityConfigInvalidTest, ReportsExactDiagnostics) {
  const InvalidCase& c = GetParam();
  auto project = load(with_models(c.files));
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(diagnostics_, c.expected);
}

constexpr const char* kYml = "models/silver/silver_orders.yml";

const InvalidCase kInvalidCases[] = {
    // Check kinds and the keys of a check.
    {"unknown_check_kind_with_suggestion",
     {{kYml, "checks:\n  - not_nul: [order_id]\n"}},
     {"models/silver/silver_orders.yml:2:5: unknown check kind 'not_nul' (did you mean 'not_null'?)"}},
    {"unknown_check_kind",
     {{kYml, "checks:\n  - positive: amount\n"}},
     {"models/silver/silver_orders.yml:2:5: unknown check kind 'positive' (expected one of: not_null, unique, "
      "primary_key, accepted_values, range, regex, relationships, row_count, freshness, expression, sql)"}},
    {"unknown_key_of_a_check",
     {{kYml, "checks:\n  - not_null: order_id\n    severty: warn\n"}},
     {"models/silver/silver_orders.yml:3:5: unknown key 'severty' in a check (did you mean 'severity'?)"}},
    {"unknown_key_beside_a_kind",
     {{kYml, "checks:\n  - not_null: order_id\n    description: ids\n"}},
     {"models/silver/silver_orders.yml:3:5: unknown key 'description' in a check (expected one of: name, severity, "
      "threshold)"}},
    {"two_kinds_in_one_item",
     {{kYml, "checks:\n  - not_null: order_id\n    unique: order_id\n"}},
     {"models/silver/silver_orders.yml:3:5: a check has one kind, got 'unique' after 'not_null' (start each check "
      "with its own '-')"}},
    {"item_without_kind",
     {{kYml, "checks:\n  - name: ids\n    severity: warn\n"}},
     {"models/silver/silver_orders.yml:2:5: a check needs a kind: one of not_null, unique, primary_key, "
      "accepted_values, range, regex, relationships, row_count, freshness, expression, sql"}},
    {"item_not_a_mapping",
     {{kYml, "checks:\n  - not_null\n"}},
     {"models/silver/silver_orders.yml:2:5: each check must be a mapping such as 'not_null: [order_id]', got "
      "'not_null'"}},
    {"checks_not_a_list",
     {{kYml, "checks:\n  not_null: order_id\n"}},
     {"models/silver/silver_orders.yml:2:3: 'checks' must be a list of checks such as '- not_null: [order_id]', got "
      "a mapping"}},
    {"duplicate_key_in_a_check",
     {{kYml, "checks:\n  - not_null: a\n    severity: warn\n    severity: error\n"}},
     {"models/silver/silver_orders.yml:4:5: duplicate key 'severity' (first at line 3)"}},

    {"empty_values_are_reported_at_their_key",
     {{kYml, "checks:\n  - not_null: a\n    severity:\n  - not_null:\ncontract:\n  columns:\n    a: {type: }\n"}},
     {"models/silver/silver_orders.yml:3:5: 'severity' must be a single value, got nothing",
      "models/silver/silver_orders.yml:4:5: 'not_null' must be a column, a list of columns or a mapping such as "
      "{columns: [a, b]}, got nothing",
      "models/silver/silver_orders.yml:7:9: 'type' must be a single value, got nothing"}},
    {"empty_checks",
     {{kYml, "checks:\non_failure: warn\n"}},
     {"models/silver/silver_orders.yml:1:1: 'checks' must be a list of checks such as '- not_null: [order_id]', got "
      "nothing"}},

    // Parameters.
    {"unknown_parameter",
     {{kYml, "checks:\n  - range: {colum: amount, min: 0}\n"}},
     {"models/silver/silver_orders.yml:2:13: unknown parameter 'colum' of range (did you mean 'column'?)"}},
    {"accepted_values_without_values",
     {{kYml, "checks:\n  - accepted_values: {column: status}\n"}},
     {"models/silver/silver_orders.yml:2:22: accepted_values needs 'values' (the accepted values, as a list)"}},
    {"accepted_values_with_empty_values",
     {{kYml, "checks:\n  - accepted_values: {column: status, values: []}\n"}},
     {"models/silver/silver_orders.yml:2:47: 'values' must not be empty"}},
    {"accepted_values_as_a_column",
     {{kYml, "checks:\n  - accepted_values: status\n"}},
     {"models/silver/silver_orders.yml:2:22: 'accepted_values' must be a mapping such as {column: status, values: "
      "[PLACED, PAID]}, got 'status'"}},
    {"range_without_bounds",
     {{kYml, "checks:\n  - range: {column: amount}\n"}},
     {"models/silver/silver_orders.yml:2:12: range needs 'min' or 'max' (or both)"}},
    {"range_max_below_min",
     {{kYml, "checks:\n  - range: {column: amount, min: 10, max: 1.5}\n"}},
     {"models/silver/silver_orders.yml:2:43: range 'max' 1.5 is less than 'min' 10"}},
    {"regex_without_pattern",
     {{kYml, "checks:\n  - regex: {column: currency}\n"}},
     {"models/silver/silver_orders.yml:2:12: regex needs 'pattern' (the regular expression values must match)"}},
    {"relationships_without_to_and_field",
     {{kYml, "checks:\n  - relationships:\n      column: customer_id\n"}},
     {"models/silver/silver_orders.yml:3:7: relationships needs 'to' (the model whose column holds the valid values)",
      "models/silver/silver_orders.yml:3:7: relationships needs 'field' (the column of 'to' holding the valid "
      "values)"}},
    {"freshness_without_max_age",
     {{kYml, "checks:\n  - freshness: {column: event_ts}\n"}},
     {"models/silver/silver_orders.yml:2:16: freshness needs 'max_age' (how old the newest row may be, such as 12h or "
      "2d)"}},
    {"freshness_without_column",
     {{kYml, "checks:\n  - freshness: {max_age: 2d}\n"}},
     {"models/silver/silver_orders.yml:2:16: freshness needs 'column' (the column checked)"}},
    {"bad_duration",
     {{kYml, "checks:\n  - freshness: {column: event_ts, max_age: 2 days}\n"}},
     {"models/silver/silver_orders.yml:2:44: 'max_age' must be a duration such as 30s, 15m, 12h, 2d or 1w, got "
      "'2 days'"}},
    {"zero_duration",
     {{kYml, "checks:\n  - freshness: {column: event_ts, max_age: 0h}\n"}},
     {"models/silver/silver_orders.yml:2:44: 'max_age' must be a duration such as 30s, 15m, 12h, 2d or 1w, got "
      "'0h'"}},
    {"row_count_without_bounds",
     {{kYml, "checks:\n  - row_count: {}\n"}},
     {"models/silver/silver_orders.yml:2:16: row_count needs at least one of 'min', 'max', 'max_change_pct'"}},
    {"row_count_bad_bounds",
     {{kYml, "checks:\n  - row_count: {min: -1, max_change_pct: lots}\n  - row_count: {min: 5, max: 2}\n"
             "    name: second\n"}},
     {"models/silver/silver_orders.yml:2:22: 'min' of row_count must be a whole number of rows (0 or more), got '-1'",
      "models/silver/silver_orders.yml:2:42: 'max_change_pct' of row_count must be a percentage (0 or more), got "
      "'lots'",
      "models/silver/silver_orders.yml:3:30: row_count 'max' 2 is less than 'min' 5"}},
    {"not_null_without_columns",
     {{kYml, "checks:\n  - not_null: []\n  - unique: {column: a, columns: [a, b]}\n  - not_null: {}\n"}},
     {"models/silver/silver_orders.yml:2:15: 'not_null' needs at least one column",
      "models/silver/silver_orders.yml:3:13: 'unique' takes 'column' or 'columns', not both",
      "models/silver/silver_orders.yml:4:15: not_null needs 'column' or 'columns'"}},
    {"expression_not_text",
     {{kYml, "checks:\n  - expression: [a > 0]\n  - sql: {query: SELECT 1}\n"}},
     {"models/silver/silver_orders.yml:2:17: 'expression' must be a SQL condition on each row, got a list",
      "models/silver/silver_orders.yml:3:10: sql needs 'sql' (a query over `this` whose rows are failures)",
      "models/silver/silver_orders.yml:3:11: unknown parameter 'query' of sql (expected one of: sql)"}},

    // Name, severity, threshold.
    {"bad_threshold",
     {{kYml, "checks:\n  - not_null: a\n    threshold: 5 rows\n  - not_null: b\n    threshold: -1\n"
             "  - not_null: c\n    threshold: 150%\n  - not_null: d\n    threshold: 0.5\n"}},
     {"models/silver/silver_orders.yml:3:16: 'threshold' must be a number of failing rows such as 10 or a "
      "percentage from 0% to 100% such as 5%, got '5 rows'",
      "models/silver/silver_orders.yml:5:16: 'threshold' must be a number of failing rows such as 10 or a "
      "percentage from 0% to 100% such as 5%, got '-1'",
      "models/silver/silver_orders.yml:7:16: 'threshold' must be a number of failing rows such as 10 or a "
      "percentage from 0% to 100% such as 5%, got '150%'",
      "models/silver/silver_orders.yml:9:16: 'threshold' must be a number of failing rows such as 10 or a "
      "percentage from 0% to 100% such as 5%, got '0.5'"}},
    {"bad_severity",
     {{kYml, "checks:\n  - not_null: a\n    severity: fatal\n"}},
     {"models/silver/silver_orders.yml:3:15: unknown severity 'fatal' (expected one of: error, warn)"}},
    {"duplicate_check_name",
     {{kYml, "checks:\n  - not_null: [a, b]\n  - unique: a\n  - not_null: b\n"}},
     {"models/silver/silver_orders.yml:4:5: duplicate check name 'not_null(b)' (first at line 2; give one of them "
      "another 'name')"}},
    {"duplicate_given_name",
     {{kYml, "checks:\n  - sql: SELECT 1 FROM this\n    name: custom\n  - expression: a > 0\n    name: custom\n"}},
     {"models/silver/silver_orders.yml:4:5: duplicate check name 'custom' (first at line 2; give one of them "
      "another 'name')"}},
    {"name_for_several_not_null_columns",
     {{kYml, "checks:\n  - not_null: [a, b]\n    name: ids_present\n"}},
     {"models/silver/silver_orders.yml:3:11: 'name' cannot be given to a not_null check of several columns (it "
      "becomes one check per column, each named after its column)"}},
    {"reserved_name",
     {{kYml, "checks:\n  - not_null: a\n    name: 'contract: not_null(a)'\n"}},
     {"models/silver/silver_orders.yml:3:11: check names starting with 'contract:' are reserved for the checks the "
      "contract declares"}},

    // on_failure and max_quarantine_pct.
    {"bad_on_failure",
     {{kYml, "on_failure: stop\n"}},
     {"models/silver/silver_orders.yml:1:13: unknown on_failure 'stop' (expected one of: gate, quarantine, warn)"}},
    {"max_quarantine_pct_out_of_range",
     {{kYml, "on_failure: quarantine\nmax_quarantine_pct: 150\n"}},
     {"models/silver/silver_orders.yml:2:21: 'max_quarantine_pct' must be a percentage from 0 to 100, got '150'"}},
    {"max_quarantine_pct_without_quarantine",
     {{kYml, "max_quarantine_pct: 5\non_failure: gate\n"}},
     {"models/silver/silver_orders.yml:1:1: 'max_quarantine_pct' applies only with on_failure: quarantine "
      "(on_failure is 'gate')"}},

    // relationships targets, resolved against every model.
    {"relationships_to_unknown_model",
     {{kYml, "checks:\n  - relationships: {column: customer_id, to: silver_custmers, field: customer_id}\n"
             "  - relationships: {column: customer_id, to: silver.customer, field: customer_id}\n"
             "  - relationships: {column: x, to: elsewhere, field: x}\n"}},
     {"models/silver/silver_orders.yml:2:46: unknown model 'silver_custmers' in relationships 'to' (did you mean "
      "'silver_customers'?)",
      "models/silver/silver_orders.yml:3:46: unknown model 'silver.customer' in relationships 'to' (did you mean "
      "'silver.customers'?)",
      "models/silver/silver_orders.yml:4:36: unknown model 'elsewhere' in relationships 'to' (give a model name or a "
      "table such as silver.customers)"}},

    // Contracts.
    {"unknown_contract_key",
     {{kYml, "contract:\n  primary_keys: [id]\n"}},
     {"models/silver/silver_orders.yml:2:3: unknown key 'primary_keys' in the contract (did you mean "
      "'primary_key'?)"}},
    {"unknown_contract_column_key",
     {{kYml, "contract:\n  columns:\n    id: {type: BIGINT, nulable: false}\n"}},
     {"models/silver/silver_orders.yml:3:24: unknown key 'nulable' of contract column 'id' (did you mean "
      "'nullable'?)"}},
    {"bad_contract_values",
     {{kYml, "contract:\n  columns:\n    id: {nullable: sometimes}\n    name: [VARCHAR]\n    ID: {}\n"
             "  schema_evolution: anything\n"}},
     {"models/silver/silver_orders.yml:3:20: 'nullable' must be true or false, got 'sometimes'",
      "models/silver/silver_orders.yml:4:11: contract column 'name' must be a mapping such as {type: BIGINT, "
      "nullable: false}, got a list",
      "models/silver/silver_orders.yml:5:5: duplicate column 'ID' (first at line 3)",
      "models/silver/silver_orders.yml:6:21: unknown schema_evolution 'anything' (expected one of: none, "
      "additive)"}},
    {"contract_not_a_mapping",
     {{kYml, "contract: [id]\n"}},
     {"models/silver/silver_orders.yml:1:11: 'contract' must be a mapping of columns, primary_key and "
      "schema_evolution, got a list"}},
    {"primary_key_outside_the_columns",
     {{kYml, "contract:\n  columns:\n    order_id: BIGINT\n    event_ts: TIMESTAMP\n"
             "  primary_key: [order_id, event_tz, line]\n"}},
     {"models/silver/silver_orders.yml:5:27: primary_key column 'event_tz' is not among the contract's columns (did "
      "you mean 'event_ts'?)",
      "models/silver/silver_orders.yml:5:37: primary_key column 'line' is not among the contract's columns "
      "(order_id, event_ts)"}},
    {"type_duckdb_does_not_know",
     {{kYml, "contract:\n  columns:\n    order_id: {type: BIGNT}\n    total: {type: 'DECIMAL(12'}\n"
             "    other: {type: BIGNT}\n"}},
     {"models/silver/silver_orders.yml:3:22: invalid type 'BIGNT' for contract column 'order_id': Catalog Error: "
      "Type with name BIGNT does not exist! (did you mean 'BIGINT'?)",
      "models/silver/silver_orders.yml:4:19: invalid type 'DECIMAL(12' for contract column 'total': not a type "
      "(unbalanced parentheses, quotes or a ';')",
      "models/silver/silver_orders.yml:5:19: invalid type 'BIGNT' for contract column 'other': Catalog Error: "
      "Type with name BIGNT does not exist! (did you mean 'BIGINT'?)"}},
    {"type_that_is_not_only_a_type",
     {{kYml, "contract:\n  columns:\n    a: {type: 'INT) FROM (SELECT 1'}\n    b: {type: 'INT; SELECT 1'}\n"}},
     {"models/silver/silver_orders.yml:3:15: invalid type 'INT) FROM (SELECT 1' for contract column 'a': not a type "
      "(unbalanced parentheses, quotes or a ';')",
      "models/silver/silver_orders.yml:4:15: invalid type 'INT; SELECT 1' for contract column 'b': not a type "
      "(unbalanced parentheses, quotes or a ';')"}},
    {"type_in_a_header_and_a_contracts_file",
     {{"models/silver/silver_orders.sql",
       "/* silt:\ncontract:\n  columns:\n    id: {type: NUMBR}\n*/\nSELECT 1 AS id"},
      {"contracts/silver.yml", "silver_customers:\n  contract:\n    columns:\n      id: INTEGR\n"}},
     {"contracts/silver.yml:4:11: invalid type 'INTEGR' for contract column 'id': Catalog Error: Type with name "
      "INTEGR does not exist! (did you mean 'INTEGER'?)",
      "models/silver/silver_orders.sql:4:16: invalid type 'NUMBR' for contract column 'id': Catalog Error: Type "
      "with name NUMBR does not exist!"}},

    // Where the configuration is.
    {"header_diagnostics_name_the_model_file",
     {{"models/silver/silver_orders.sql", "/* silt:\nchecks:\n  - unique: {columns: [a], colums: [b]}\n*/\nSELECT 1"}},
     {"models/silver/silver_orders.sql:3:28: unknown parameter 'colums' of unique (did you mean 'columns'?)"}},
    {"contracts_entry_for_unknown_model",
     {{"contracts/silver.yml", "silver_ordrs:\n  on_failure: warn\nnothing_like_it:\n  on_failure: warn\n"}},
     {"contracts/silver.yml:1:1: unknown model 'silver_ordrs' (did you mean 'silver_orders'?)",
      "contracts/silver.yml:3:1: unknown model 'nothing_like_it' (no model has this name)"}},
    {"configured_in_the_model_and_a_contracts_file",
     {{"models/silver/silver_orders.sql", "/* silt:\nmaterialized: table\non_failure: warn\n*/\nSELECT 1"},
      {"contracts/silver.yml", "\nsilver_orders:\n  checks: [{not_null: id}]\n"}},
     {"contracts/silver.yml:2:1: contract and checks of model 'silver_orders' configured twice: "
      "models/silver/silver_orders.sql:3 and contracts/silver.yml:2 (keep one)"}},
    {"configured_in_two_contracts_files",
     {{"contracts/b.yml", "silver_orders:\n  on_failure: warn\n"},
      {"contracts/a.yaml", "silver_customers: {on_failure: warn}\nsilver_orders:\n  on_failure: gate\n"}},
     {"contracts/b.yml:1:1: contract and checks of model 'silver_orders' configured twice: contracts/a.yaml:2 and "
      "contracts/b.yml:1 (keep one)"}},
    {"contracts_file_problems",
     {{"contracts/silver.yml",
       "silver_orders:\n  materialized: table\n  chekcs: []\n  owner_team: x\nsilver_customers:\nSilver_Orders: {}\n"}},
     {"contracts/silver.yml:2:3: 'materialized' belongs in the model's own configuration (a contracts file holds "
      "only: contract, checks, on_failure, max_quarantine_pct)",
      "contracts/silver.yml:3:3: unknown key 'chekcs' (did you mean 'checks'?)",
      "contracts/silver.yml:4:3: unknown key 'owner_team' (expected one of: contract, checks, on_failure, "
      "max_quarantine_pct)",
      "contracts/silver.yml:5:1: the entry of model 'silver_customers' must be a mapping of contract, checks, "
      "on_failure, max_quarantine_pct, got nothing",
      "contracts/silver.yml:6:1: duplicate model 'Silver_Orders' (first at line 1)"}},
    {"contracts_file_not_a_mapping",
     {{"contracts/silver.yml", "- silver_orders\n"}},
     {"contracts/silver.yml:1:1: a contracts file must be a mapping from model name to its contract and checks, got "
      "a list"}},
    {"contracts_file_invalid_yaml",
     {{"contracts/silver.yml", "silver_orders:\n  checks: [\n"}},
     {"contracts/silver.yml:3:1: invalid YAML: end of sequence flow not found"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, QualityConfigInvalidTest, ::testing::ValuesIn(kInvalidCases),
                         [](const ::testing::TestParamInfo<InvalidCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace silt::pipeline
