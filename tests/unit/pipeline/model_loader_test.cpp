// pipeline/model: model files and their configuration (header or YAML beside), schema and table
// names, references found by DuckDB's parser, dependency order, selection, and a case table of
// exact file:line:col diagnostics for every kind of problem.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model/model.h"
#include "project_fixture.h"
#include "support/temp_dir.h"

namespace silt::pipeline {
namespace {

constexpr const char* kSiltYaml =
    "name: shop\n"
    "storage: ./lake\n"
    "sources:\n"
    "  - name: orders\n"
    "    format: csv\n"
    "    path: landing/orders/*.csv\n"
    "  - name: customers\n"
    "    format: json\n"
    "    path: landing/customers.json\n";


class ModelLoaderTest : public ProjectFixture {
 protected:
  ModelLoaderTest() : ProjectFixture(kSiltYaml) {}

  static std::vector<std::string> names(const Project& project) {
    std::vector<std::string> out;
    for (const Model& model : project.models) out.push_back(model.name);
    return out;
  }

};

TEST_F(ModelLoaderTest, HeaderConfiguration) {
  Project project = load_ok({{"models/silver/silver_orders.sql",
                              "\n"
                              "/* silt:   \n"
                              "  materialized: incremental\n"
                              "  unique_key: [order_id, line_id]\n"
                              "  partition_by: order_date\n"
                              "  time_column: order_date\n"
                              "  lookback: 3d\n"
                              "  on_schema_change: add_columns\n"
                              "  description: Orders, cleaned\n"
                              "  owner: data-team\n"
                              "  tags: [daily, core]\n"
                              "*/\n"
                              "SELECT * FROM source.orders\n"}});
  ASSERT_EQ(project.models.size(), 1u);
  const Model& model = project.models[0];
  EXPECT_EQ(model.name, "silver_orders");
  EXPECT_EQ(model.file, "models/silver/silver_orders.sql");
  EXPECT_EQ(model.path, dir_.file("models/silver/silver_orders.sql"));
  EXPECT_EQ(model.sql.substr(0, 10), "\n/* silt: ");
  const ModelConfig& config = model.config;
  EXPECT_EQ(config.materialized, Materialization::kIncremental);
  EXPECT_EQ(config.unique_key, (std::vector<std::string>{"order_id", "line_id"}));
  EXPECT_EQ(config.partition_by, (std::vector<std::string>{"order_date"}));
  EXPECT_EQ(config.time_column, "order_date");
  EXPECT_EQ(config.lookback_days, 3);
  EXPECT_TRUE(config.allow_schema_evolution);
  EXPECT_EQ(config.description, "Orders, cleaned");
  EXPECT_EQ(config.owner, "data-team");
  EXPECT_EQ(config.tags, (std::vector<std::string>{"daily", "core"}));
  EXPECT_TRUE(config.enabled);
  EXPECT_EQ(model.sources, (std::vector<std::string>{"orders"}));
  // The header is part of the text DuckDB parsed, so positions are file positions.
  ASSERT_EQ(model.references.size(), 1u);
  EXPECT_EQ(model.references[0].schema, "source");
  EXPECT_EQ(model.references[0].name, "orders");
  EXPECT_EQ(model.references[0].line, 13);
  EXPECT_EQ(model.references[0].column, 15);
}

TEST_F(ModelLoaderTest, YamlFileBesideTheModel) {
  Project project = load_ok({{"models/snapshots/customers_history.sql", "SELECT * FROM source.customers\n"},
                             {"models/snapshots/customers_history.yml",
                              "materialized: snapshot\n"
                              "unique_key: customer_id\n"
                              "strategy: check\n"
                              "check_columns: [name, email]\n"
                              "hard_deletes: ignore\n"
                              "enabled: false\n"},
                             {"models/gold/gold_daily.sql", "SELECT 1 AS x\n"},
                             {"models/gold/gold_daily.yaml", "materialized: table\nalias: daily_summary\n"}});
  const Model* history = project.find("customers_history");
  ASSERT_NE(history, nullptr);
  EXPECT_EQ(history->config.materialized, Materialization::kSnapshot);
  EXPECT_EQ(history->config.strategy, SnapshotStrategy::kCheck);
  EXPECT_EQ(history->config.check_columns, (std::vector<std::string>{"name", "email"}));
  EXPECT_EQ(history->config.hard_deletes, HardDeletes::kIgnore);
  EXPECT_FALSE(history->config.enabled);
  EXPECT_EQ(history->qualified_name(), "snapshots.customers_history");
  const Model* daily = project.find("gold.daily_summary");
  ASSERT_NE(daily, nullptr);
  EXPECT_EQ(daily->name, "gold_daily");
}

TEST_F(ModelLoaderTest, VersionedModelFromItsConfigurationFile) {
  Project project = load_ok({{"models/tbar/tbar_hydrated.yml",
                              "versions: {v1: tbar_hydrated_v1.sql, v2: v2/hydrated.sql}\n"
                              "version_flag: tbar.hydration.schema_version\n"
                              "default_version: v2\n"
                              "fallback_on_gate: true\n"
                              "diff_key: id\n"},
                             {"models/tbar/tbar_hydrated_v1.sql", "SELECT * FROM source.orders\n"},
                             {"models/tbar/v2/hydrated.sql", "SELECT o.* FROM source.orders o JOIN silver.customers c USING (id)\n"},
                             {"models/silver/silver_customers.sql", "SELECT * FROM source.customers\n"},
                             {"models/gold/gold_report.sql", "SELECT count(*) FROM tbar.hydrated\n"}});
  // The version files are not models of their own.
  EXPECT_EQ(names(project), (std::vector<std::string>{"silver_customers", "tbar_hydrated", "gold_report"}));
  const Model* model = project.find("tbar.hydrated");
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->versioned());
  EXPECT_EQ(model->file, "models/tbar/tbar_hydrated.yml");
  ASSERT_EQ(model->versions.size(), 2u);
  EXPECT_EQ(model->versions[0].name, "v1");
  EXPECT_EQ(model->versions[0].file, "models/tbar/tbar_hydrated_v1.sql");
  EXPECT_EQ(model->versions[1].file, "models/tbar/v2/hydrated.sql");
  EXPECT_EQ(model->versions[0].sources, (std::vector<std::string>{"orders"}));
  EXPECT_TRUE(model->versions[0].depends_on.empty());
  EXPECT_EQ(model->versions[1].depends_on, (std::vector<std::string>{"silver_customers"}));
  // The model waits for what any version reads.
  EXPECT_EQ(model->depends_on, (std::vector<std::string>{"silver_customers"}));
  EXPECT_EQ(model->config.version_flag, "tbar.hydration.schema_version");
  EXPECT_EQ(model->fallback_version(), "v2");
  EXPECT_TRUE(model->config.published);
  EXPECT_TRUE(model->config.fallback_on_gate);
  EXPECT_EQ(model->config.diff_key, (std::vector<std::string>{"id"}));
  EXPECT_EQ(project.find("gold_report")->depends_on, (std::vector<std::string>{"tbar_hydrated"}));
  // Each version's table lives under the published table, in a directory VACUUM skips.
  const std::string published = project.table_location(*model);
  EXPECT_EQ(project.version_location(*model, "v1"), published + "/_versions/schema=v1");
  Model v2 = model->as_version(model->versions[1]);
  EXPECT_EQ(v2.sql, model->versions[1].sql);
  EXPECT_EQ(project.table_location(v2), published + "/_versions/schema=v2");
  EXPECT_EQ(project.quarantine_location(v2), published + "/_versions/schema=v2__quarantine");
}

TEST_F(ModelLoaderTest, VersionedModelFromItsHeader) {
  Project project = load_ok({{"models/tbar/tbar_hydrated.sql",
                              "/* silt:\nversions: {v1: versions/v1.sql, v2: versions/v2.sql}\n"
                              "version_flag: tbar.version\n*/\n-- the SQL is in the version files\n"},
                             {"models/tbar/versions/v1.sql", "SELECT * FROM source.orders\n"},
                             {"models/tbar/versions/v2.sql", "SELECT * FROM source.customers\n"}});
  EXPECT_EQ(names(project), (std::vector<std::string>{"tbar_hydrated"}));
  const Model* model = project.find("tbar.hydrated");
  ASSERT_NE(model, nullptr);
  ASSERT_TRUE(model->versioned());
  EXPECT_EQ(model->versions[1].file, "models/tbar/versions/v2.sql");
  EXPECT_EQ(model->sources, (std::vector<std::string>{"customers", "orders"}));
}

TEST_F(ModelLoaderTest, DefaultsAndNames) {
  Project project = load_ok({{"models/silver/silver_orders.sql", "SELECT 1 AS x"},
                             {"models/gold/fact_orders.sql", "SELECT 1 AS x"},
                             {"models/top_level.sql", "SELECT 1 AS x"},
                             {"models/nested/deep/deep_thing.sql", "SELECT 1 AS x"},
                             {"models/silver/configured.sql", "/* silt:\nschema: marts\nalias: things\n*/\nSELECT 1"}});
  const Model* silver = project.find("silver_orders");
  ASSERT_NE(silver, nullptr);
  EXPECT_EQ(silver->config.materialized, Materialization::kTable);
  EXPECT_EQ(silver->config.lookback_days, 0);
  EXPECT_EQ(silver->config.hard_deletes, HardDeletes::kInvalidate);
  EXPECT_FALSE(silver->config.allow_schema_evolution);
  EXPECT_TRUE(silver->config.enabled);
  EXPECT_EQ(silver->schema, "silver");
  EXPECT_EQ(silver->table, "orders");
  EXPECT_EQ(project.find("fact_orders")->qualified_name(), "gold.fact_orders");
  EXPECT_EQ(project.find("top_level")->qualified_name(), "main.top_level");
  EXPECT_EQ(project.find("deep_thing")->qualified_name(), "deep.thing");
  EXPECT_EQ(project.find("configured")->qualified_name(), "marts.things");

  // find: model name or qualified name, any case when unambiguous; nullptr otherwise.
  EXPECT_EQ(project.find("silver.orders"), silver);
  EXPECT_EQ(project.find("SILVER.Orders"), silver);
  EXPECT_EQ(project.find("silver.nothing"), nullptr);
  EXPECT_EQ(project.table_location(*silver), dir_.file("lake/silver/orders"));
}

TEST_F(ModelLoaderTest, ReferencesThroughCtesSubqueriesAndSources) {
  Project project = load_ok(
      {{"models/bronze/bronze_orders.sql", "SELECT * FROM source.orders"},
       {"models/bronze/bronze_customers.sql", "SELECT * FROM source.customers"},
       {"models/silver/silver_orders.sql",
        "WITH recent AS (SELECT * FROM bronze.orders WHERE order_date > DATE '2025-01-01'),\n"
        "     dedup AS (SELECT DISTINCT * FROM recent)\n"
        "SELECT * FROM dedup\n"
        "WHERE customer_id IN (SELECT customer_id FROM bronze_customers)\n"
        "  AND EXISTS (SELECT 1 FROM source.orders o2 WHERE o2.id = dedup.id)\n"
        "UNION ALL\n"
        "SELECT * FROM (SELECT * FROM Bronze.Orders) AS again"}});
  const Model* silver = project.find("silver_orders");
  ASSERT_NE(silver, nullptr);
  EXPECT_EQ(silver->depends_on, (std::vector<std::string>{"bronze_customers", "bronze_orders"}));
  EXPECT_EQ(silver->sources, (std::vector<std::string>{"orders"}));
  std::vector<std::string> references;
  for (const auto& reference : silver->references) {
    references.push_back(reference.schema + "|" + reference.name + "@" + std::to_string(reference.line) + ":" +
                         std::to_string(reference.column));
  }
  EXPECT_EQ(references, (std::vector<std::string>{"bronze|orders@1:31", "|bronze_customers@4:47",
                                                  "source|orders@5:29", "Bronze|Orders@7:30"}));
  EXPECT_EQ(project.dependents("bronze_orders"), (std::vector<std::string>{"silver_orders"}));
  EXPECT_EQ(project.dependents("silver_orders"), (std::vector<std::string>{}));
}

TEST_F(ModelLoaderTest, TopologicalOrderWithTiesByName) {
  Project project = load_ok({{"models/gold/z_report.sql", "SELECT * FROM silver.b JOIN silver.a USING (id)"},
                             {"models/silver/b.sql", "SELECT * FROM bronze.c"},
                             {"models/silver/a.sql", "SELECT * FROM bronze.c"},
                             {"models/bronze/c.sql", "SELECT * FROM source.orders"},
                             {"models/bronze/d.sql", "SELECT 1 AS x"}});
  EXPECT_EQ(names(project), (std::vector<std::string>{"c", "a", "b", "d", "z_report"}));
}

TEST_F(ModelLoaderTest, SelectionByNameGraphTagAndSchema) {
  Project project = load_ok({{"models/bronze/bronze_orders.sql", "SELECT * FROM source.orders"},
                             {"models/silver/silver_orders.sql",
                              "/* silt:\ntags: [daily]\n*/\nSELECT * FROM bronze.orders"},
                             {"models/gold/revenue.sql", "/* silt:\ntags: [daily, finance]\n*/\nSELECT * FROM silver.orders"},
                             {"models/gold/other.sql", "SELECT * FROM bronze.orders"},
                             {"models/gold/old_report.sql",
                              "/* silt:\nenabled: false\ntags: [finance]\n*/\nSELECT * FROM silver.orders"}});
  auto select = [&](std::vector<std::string> selectors) {
    auto selected = select_models(project, selectors);
    EXPECT_TRUE(selected) << selected.error().message();
    return selected ? std::vector<std::string>(selected->begin(), selected->end()) : std::vector<std::string>{};
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(select({}), (Names{"bronze_orders", "other", "revenue", "silver_orders"}));
  EXPECT_EQ(select({"silver_orders"}), (Names{"silver_orders"}));
  EXPECT_EQ(select({"silver.orders+"}), (Names{"revenue", "silver_orders"}));  // old_report is disabled
  EXPECT_EQ(select({"+revenue"}), (Names{"bronze_orders", "revenue", "silver_orders"}));
  EXPECT_EQ(select({"+silver_orders+"}), (Names{"bronze_orders", "revenue", "silver_orders"}));
  EXPECT_EQ(select({"bronze_orders+"}), (Names{"bronze_orders", "other", "revenue", "silver_orders"}));
  EXPECT_EQ(select({"tag:finance"}), (Names{"revenue"}));
  EXPECT_EQ(select({"tag:daily"}), (Names{"revenue", "silver_orders"}));
  EXPECT_EQ(select({"schema:gold"}), (Names{"other", "revenue"}));
  EXPECT_EQ(select({"schema:bronze", "other"}), (Names{"bronze_orders", "other"}));
  EXPECT_EQ(select({"bronze_orders other"}), (Names{"bronze_orders", "other"}));

  auto unknown = select_models(project, {"silver_ordrs"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(unknown.error().message(), "unknown model 'silver_ordrs' (did you mean 'silver_orders'?)");
  auto disabled = select_models(project, {"old_report"});
  ASSERT_FALSE(disabled);
  EXPECT_EQ(disabled.error().message(), "model 'old_report' is disabled (enabled: false in models/gold/old_report.sql)");
  auto tag = select_models(project, {"tag:weekly"});
  ASSERT_FALSE(tag);
  EXPECT_EQ(tag.error().message(), "no model has tag 'weekly' (tags: daily, finance)");
  auto schema = select_models(project, {"schema:platinum"});
  ASSERT_FALSE(schema);
  EXPECT_EQ(schema.error().message(), "no model in schema 'platinum' (schemas: bronze, gold, silver)");
}

TEST_F(ModelLoaderTest, ProjectWithoutModelsDirectoryIsValid) {
  Project project = load_ok({});
  EXPECT_TRUE(project.models.empty());
  EXPECT_EQ(project.config.name, "shop");
}

TEST_F(ModelLoaderTest, SiltYamlProblemsStopBeforeModels) {
  auto project = load({{"silt.yaml", "name: shop\n"}, {"models/a.sql", "SELECT * FROM nowhere"}});
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(diagnostics_, (std::vector<std::string>{"silt.yaml:1:1: missing required key 'storage'"}));
}

TEST_F(ModelLoaderTest, PartialProjectIsReturnedWithProblems) {
  write("silt.yaml", kSiltYaml);
  write("models/a.sql", "SELECT * FROM nowhere");
  write("models/b.sql", "SELECT 1");
  std::vector<Diagnostic> diagnostics;
  Project partial;
  auto project = load_full_project(dir_.path(), "", &diagnostics, &partial);
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(project.error().message().find(dir_.path() + ": 1 problem (first: models/a.sql:1:15: unknown table"), 0u)
      << project.error().message();
  EXPECT_EQ(partial.models.size(), 2u);
  EXPECT_EQ(partial.config.sources.size(), 2u);
}

struct InvalidCase {
  const char* name;
  Files files;
  std::vector<std::string> expected;
};

void PrintTo(const InvalidCase& c, std::ostream* out) { *out << c.name; }

class ModelLoaderInvalidTest : public ModelLoaderTest, public ::testing::WithParamInterface<InvalidCase> {};

TEST_P(ModelLoaderInvalidTest, ReportsExactDiagnostics) {
  const InvalidCase& c = GetParam();
  auto project = load(c.files);
  ASSERT_FALSE(project);
  EXPECT_EQ(project.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(diagnostics_, c.expected);
}

const InvalidCase kInvalidCases[] = {
    {"version_file_missing",
     {{"models/tbar/hydrated.yml", "versions: {v1: hydrated_v1.sql}\nversion_flag: f\n"}},
     {"models/tbar/hydrated.yml:1:16: the file of version 'v1' does not exist: models/tbar/hydrated_v1.sql (paths "
      "are relative to models/tbar)"}},
    {"versioned_model_without_flag",
     {{"models/tbar/hydrated.yml", "versions: {v1: a.sql}\n"}, {"models/tbar/a.sql", "SELECT 1"}},
     {"models/tbar/hydrated.yml:1:1: a versioned model needs 'version_flag': the flag whose value names the version "
      "a run computes"}},
    {"version_keys_without_versions",
     {{"models/silver/orders.sql", "/* silt:\nversion_flag: f\npublished: false\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:1: 'version_flag' applies only to a versioned model (set 'versions' too)",
      "models/silver/orders.sql:3:1: 'published' applies only to a versioned model (set 'versions' too)"}},
    {"default_version_not_a_version",
     {{"models/tbar/hydrated.yml", "versions: {v1: a.sql, v2: b.sql}\nversion_flag: f\ndefault_version: v3\n"},
      {"models/tbar/a.sql", "SELECT 1"},
      {"models/tbar/b.sql", "SELECT 2"}},
     {"models/tbar/hydrated.yml:3:18: default_version 'v3' is not one of the versions (v1, v2)"}},
    {"version_name_and_file_invalid",
     {{"models/tbar/hydrated.yml", "versions:\n  v 1: a.sql\n  v2: b.txt\nversion_flag: f\n"}},
     {"models/tbar/hydrated.yml:2:3: invalid version name 'v 1' (use letters, digits, '_' and '-', at most 64 "
      "characters)",
      "models/tbar/hydrated.yml:3:7: the file of version 'v2' must be a .sql file, got 'b.txt'"}},
    {"version_file_with_header",
     {{"models/tbar/hydrated.yml", "versions: {v1: a.sql}\nversion_flag: f\n"},
      {"models/tbar/a.sql", "/* silt:\nmaterialized: table\n*/\nSELECT 1"}},
     {"models/tbar/a.sql:1:1: a version file holds only the version's SQL: configure model 'hydrated' in "
      "models/tbar/hydrated.yml"}},
    {"versioned_header_with_sql",
     {{"models/tbar/hydrated.sql", "/* silt:\nversions: {v1: a.sql}\nversion_flag: f\n*/\nSELECT 1\n"},
      {"models/tbar/a.sql", "SELECT 2"}},
     {"models/tbar/hydrated.sql:5:1: a versioned model's SQL is in its version files: this file may hold only its "
      "configuration header"}},
    {"version_sql_unknown_table",
     {{"models/tbar/hydrated.yml", "versions: {v1: a.sql}\nversion_flag: f\n"},
      {"models/tbar/a.sql", "SELECT * FROM silver.nothing"}},
     {"models/tbar/a.sql:1:15: unknown table 'silver.nothing' (no model has this table; sources are read as "
      "source.<name>)"}},
    {"unknown_key_with_suggestion",
     {{"models/silver/orders.sql", "/* silt:\nmaterialised: table\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:1: unknown key 'materialised' (did you mean 'materialized'?)"}},
    {"unknown_key_without_suggestion",
     {{"models/silver/orders.sql", "/* silt:\ncolour: blue\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:1: unknown key 'colour' (expected one of: materialized, unique_key, "
      "partition_by, time_column, lookback, strategy, updated_at, check_columns, hard_deletes, on_schema_change, "
      "schema, alias, description, owner, tags, enabled, contract, checks, on_failure, max_quarantine_pct, on_input_rewrite, versions, version_flag, default_version, published, fallback_on_gate, diff_key)"}},
    {"duplicate_key",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: table\nmaterialized: append\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:3:1: duplicate key 'materialized' (first at line 2)"}},
    {"bad_materialized_value",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: tabel\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: unknown materialization 'tabel' (expected one of: table, append, merge, "
      "incremental, snapshot)"}},
    {"bad_values",
     {{"models/silver/orders.sql",
       "/* silt:\nmaterialized: incremental\nunique_key: {a: 1}\ntime_column: d\nlookback: -2\n"
       "enabled: maybe\nschema: 9lives\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: materialized: incremental without 'unique_key' replaces whole days, so "
      "'partition_by' must include time_column 'd'",
      "models/silver/orders.sql:3:13: 'unique_key' must be a name or a list of names, got a mapping",
      "models/silver/orders.sql:5:11: 'lookback' must be a whole number of days such as 3 or 3d, got '-2'",
      "models/silver/orders.sql:6:10: 'enabled' must be true or false, got 'maybe'",
      "models/silver/orders.sql:7:9: invalid schema '9lives' (use letters, digits and underscores, not starting "
      "with a digit)"}},
    {"merge_without_unique_key",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: merge\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: materialized: merge needs 'unique_key' (the columns that identify a row)"}},
    {"incremental_without_time_column",
     {{"models/silver/orders.yml", "unique_key: id\nmaterialized: incremental\n"},
      {"models/silver/orders.sql", "SELECT 1"}},
     {"models/silver/orders.yml:2:15: materialized: incremental needs 'time_column' (the date column whose days a "
      "run recomputes)"}},
    {"incremental_partitions_without_time_column",
     {{"models/silver/orders.sql",
       "/* silt:\nmaterialized: incremental\ntime_column: order_date\npartition_by: region\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: materialized: incremental without 'unique_key' replaces whole days, so "
      "'partition_by' must include time_column 'order_date'"}},
    {"snapshot_needs_key_and_updated_at",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: snapshot\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: materialized: snapshot needs 'unique_key' (the columns that identify a row)",
      "models/silver/orders.sql:2:15: materialized: snapshot with strategy timestamp needs 'updated_at' (the "
      "column that changes with a row)"}},
    {"snapshot_check_needs_check_columns",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: snapshot\nunique_key: id\nstrategy: check\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:15: materialized: snapshot with strategy check needs 'check_columns' (the "
      "columns compared for changes)"}},
    {"keys_of_other_materializations",
     {{"models/silver/orders.sql", "/* silt:\nlookback: 2\nupdated_at: ts\n*/\nSELECT 1"}},
     {"models/silver/orders.sql:2:1: 'lookback' applies only to materialized: incremental (this model is 'table')",
      "models/silver/orders.sql:3:1: 'updated_at' applies only to materialized: snapshot (this model is 'table')"}},
    {"sql_syntax_error_position",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: table\n*/\nSELECT *\n  FRM source.orders\n"}},
     {"models/silver/orders.sql:5:7: syntax error at or near \"source\""}},
    {"syntax_error_at_end_of_input",
     {{"models/silver/orders.sql", "SELECT * FROM source.orders WHERE\n\n"}},
     {"models/silver/orders.sql:1:34: syntax error at end of input"}},
    {"unknown_table_with_suggestion",
     {{"models/silver/silver_orders.sql", "SELECT 1 AS id"},
      {"models/gold/totals.sql", "-- totals\nSELECT *\nFROM silver.ordrs"}},
     {"models/gold/totals.sql:3:6: unknown table 'silver.ordrs' (did you mean 'silver.orders'?)"}},
    {"unknown_unqualified_table",
     {{"models/silver/silver_orders.sql", "SELECT 1 AS id"},
      {"models/gold/totals.sql", "SELECT * FROM ordrs, elsewhere"}},
     {"models/gold/totals.sql:1:15: unknown table 'ordrs' (did you mean 'silver.orders'?)",
      "models/gold/totals.sql:1:22: unknown table 'elsewhere' (no model has this table; sources are read as "
      "source.<name>)"}},
    {"ambiguous_unqualified_table",
     {{"models/silver/silver_orders.sql", "SELECT 1 AS id"},
      {"models/bronze/bronze_orders.sql", "SELECT 1 AS id"},
      {"models/gold/totals.sql", "SELECT * FROM orders"}},
     {"models/gold/totals.sql:1:15: ambiguous table 'orders' (qualify it: bronze.orders, silver.orders)"}},
    {"direct_file_read",
     {{"models/gold/totals.sql", "SELECT * FROM 'data/x.csv'"}},
     {"models/gold/totals.sql:1:15: 'data/x.csv' reads a file directly (declare it as a source in silt.yaml and "
      "read source.<name>)"}},
    {"unknown_source",
     {{"models/bronze/bronze_orders.sql", "SELECT *\nFROM source.ordrs JOIN source.payments USING (id)"}},
     {"models/bronze/bronze_orders.sql:2:6: unknown source 'source.ordrs' (did you mean 'source.orders'?)",
      "models/bronze/bronze_orders.sql:2:24: unknown source 'source.payments' (silt.yaml defines: source.orders, "
      "source.customers)"}},
    {"cycle_naming_members",
     {{"models/silver/a.sql", "SELECT * FROM silver.b"},
      {"models/silver/b.sql", "SELECT * FROM silver.c"},
      {"models/silver/c.sql", "SELECT *\nFROM silver.a"},
      {"models/gold/after_cycle.sql", "SELECT * FROM silver.c"},
      {"models/gold/x.sql", "SELECT * FROM gold.y"},
      {"models/gold/y.sql", "SELECT * FROM gold.x"}},
     {"models/gold/x.sql:1:15: cycle between models: x -> y -> x",
      "models/silver/a.sql:1:15: cycle between models: a -> b -> c -> a"}},
    {"self_reference",
     {{"models/silver/silver_orders.sql", "SELECT * FROM silver.orders"}},
     {"models/silver/silver_orders.sql:1:15: a model cannot read its own table ('silver.orders')"}},
    {"reads_disabled_model",
     {{"models/silver/silver_orders.sql", "/* silt:\nenabled: false\n*/\nSELECT 1 AS id"},
      {"models/gold/totals.sql", "SELECT * FROM silver.orders"}},
     {"models/gold/totals.sql:1:15: 'silver.orders' is the table of model 'silver_orders', which is disabled "
      "(enabled: false)"}},
    {"duplicate_model_name",
     {{"models/silver/orders.sql", "SELECT 1"}, {"models/gold/orders.sql", "SELECT 2"}},
     {"models/silver/orders.sql:1:1: duplicate model name 'orders' (also models/gold/orders.sql)"}},
    {"duplicate_table",
     {{"models/silver/silver_orders.sql", "SELECT 1"},
      {"models/gold/other.sql", "/* silt:\nschema: silver\nalias: orders\n*/\nSELECT 2"}},
     {"models/silver/silver_orders.sql:1:1: table 'silver.orders' is also the table of model 'other' "
      "(models/gold/other.sql); set 'alias' or 'schema' to tell them apart"}},
    {"invalid_model_name",
     {{"models/silver/2025-orders.sql", "SELECT 1"}},
     {"models/silver/2025-orders.sql:1:1: invalid model name '2025-orders' (a model is named after its file: use "
      "letters, digits and underscores, not starting with a digit)"}},
    {"reserved_schema",
     {{"models/source/raw.sql", "SELECT 1"}},
     {"models/source/raw.sql:1:1: schema 'source' is reserved for the sources of silt.yaml (rename the directory "
      "or set 'schema')"}},
    {"header_and_yml",
     {{"models/silver/orders.sql", "\n/* silt:\nmaterialized: table\n*/\nSELECT 1"},
      {"models/silver/orders.yml", "materialized: append\n"}},
     {"models/silver/orders.sql:2:1: configuration given twice for model 'orders': in this header and in "
      "models/silver/orders.yml (keep one)"}},
    {"yml_and_yaml",
     {{"models/silver/orders.sql", "SELECT 1"},
      {"models/silver/orders.yml", "materialized: append\n"},
      {"models/silver/orders.yaml", "materialized: append\n"}},
     {"models/silver/orders.yaml:1:1: configuration given twice for model 'orders': models/silver/orders.yml and "
      "models/silver/orders.yaml (keep one)"}},
    {"header_without_end",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: table\nSELECT 1\n"}},
     {"models/silver/orders.sql:1:1: the configuration header has no closing line '*/'"}},
    {"header_with_keys_on_first_line",
     {{"models/silver/orders.sql", "/* silt: materialized: table */\nSELECT 1\n"}},
     {"models/silver/orders.sql:1:1: the configuration header must start with a line '/* silt:' alone, at the "
      "start of the line, with its keys on the following lines"}},
    {"comment_marker_inside_header",
     {{"models/silver/orders.sql", "/* silt:\ndescription: a */ b\n*/\nSELECT 1\n"}},
     {"models/silver/orders.sql:2:16: '*/' inside the configuration header (SQL comments nest, so it would change "
      "where the header ends)"}},
    {"invalid_yaml",
     {{"models/silver/orders.yml", "materialized: [table\n"}, {"models/silver/orders.sql", "SELECT 1"}},
     {"models/silver/orders.yml:2:1: invalid YAML: end of sequence flow not found"}},
    {"non_select_statement",
     {{"models/silver/orders.sql", "/* silt:\nmaterialized: table\n*/\n-- build it\nCREATE TABLE x AS SELECT 1"}},
     {"models/silver/orders.sql:5:1: a model must be a single SELECT statement"}},
    {"two_statements",
     {{"models/silver/orders.sql", "SELECT 1;\nSELECT 2;\n"}},
     {"models/silver/orders.sql:1:1: a model must be a single SELECT statement (found 2 statements)"}},
    {"empty_model",
     {{"models/silver/orders.sql", "-- nothing yet\n"}},
     {"models/silver/orders.sql:1:1: a model must be a single SELECT statement (the file has none)"}},
    {"missing_model_directory",
     {{"silt.yaml", "name: shop\nstorage: ./lake\nmodels: [models, more_models]\n"}, {"models/a.sql", "SELECT 1"}},
     {"silt.yaml: model directory 'more_models' does not exist"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ModelLoaderInvalidTest, ::testing::ValuesIn(kInvalidCases),
                         [](const ::testing::TestParamInfo<InvalidCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace silt::pipeline
