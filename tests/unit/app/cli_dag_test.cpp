// `silt dag` through the real binary: run order as text, selection, Graphviz dot, JSON, and the exit
// code of an invalid project or an unknown selector.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

class CliDag : public ::testing::Test {
 protected:
  void SetUp() override {
    write("silt.yaml",
          "name: shop\nstorage: ./lake\nsources:\n"
          "  - name: orders\n    format: csv\n    path: landing/*.csv\n"
          "  - name: customers\n    format: csv\n    path: landing/customers.csv\n");
    write("models/bronze/bronze_orders.sql", "/* silt:\nmaterialized: append\n*/\nSELECT * FROM source.orders\n");
    write("models/silver/silver_orders.sql",
          "/* silt:\nmaterialized: incremental\nunique_key: order_id\ntime_column: order_date\ntags: [daily]\n*/\n"
          "SELECT * FROM bronze.orders\n");
    write("models/gold/fact_orders.sql",
          "SELECT * FROM silver.orders JOIN source.customers USING (customer_id)\n");
  }

  void write(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = dir_.file(relative);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  CommandResult dag(std::vector<std::string> args) {
    args.insert(args.begin(), "dag");
    return run_silt(args, dir_.path());
  }

  TempDir dir_;
};

TEST_F(CliDag, TextInRunOrder) {
  auto result = dag({});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "bronze.orders (bronze_orders, append) <- source.orders\n"
            "silver.orders (silver_orders, incremental) <- bronze.orders\n"
            "gold.fact_orders (fact_orders, table) <- silver.orders, source.customers\n");
}

TEST_F(CliDag, Selection) {
  auto descendants = dag({"--select", "silver.orders+"});
  EXPECT_EQ(descendants.exit_code, 0) << descendants.err;
  EXPECT_EQ(descendants.out,
            "silver.orders (silver_orders, incremental) <- bronze.orders\n"
            "gold.fact_orders (fact_orders, table) <- silver.orders, source.customers\n");
  auto tagged = run_silt({"dag", "--project", dir_.path(), "-s", "tag:daily", "-s", "bronze_orders"});
  EXPECT_EQ(tagged.exit_code, 0) << tagged.err;
  EXPECT_EQ(tagged.out,
            "bronze.orders (bronze_orders, append) <- source.orders\n"
            "silver.orders (silver_orders, incremental) <- bronze.orders\n");

  auto unknown = dag({"--select", "fact_ordrs"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.out, "");
  EXPECT_EQ(unknown.err, "error: unknown model 'fact_ordrs' (did you mean 'fact_orders'?)\n");
}

TEST_F(CliDag, Dot) {
  auto result = dag({"--format", "dot", "--select", "+gold.fact_orders"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "digraph silt {\n"
            "  rankdir=LR;\n"
            "  node [shape=box];\n"
            "  \"source.customers\" [shape=cylinder];\n"
            "  \"source.orders\" [shape=cylinder];\n"
            "  \"bronze.orders\" [label=\"bronze.orders\\nappend\"];\n"
            "  \"silver.orders\" [label=\"silver.orders\\nincremental\"];\n"
            "  \"gold.fact_orders\" [label=\"gold.fact_orders\\ntable\"];\n"
            "  \"source.orders\" -> \"bronze.orders\";\n"
            "  \"bronze.orders\" -> \"silver.orders\";\n"
            "  \"silver.orders\" -> \"gold.fact_orders\";\n"
            "  \"source.customers\" -> \"gold.fact_orders\";\n"
            "}\n");
}

TEST_F(CliDag, Json) {
  auto result = dag({"--format", "json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  auto parsed = nlohmann::json::parse(result.out);
  EXPECT_EQ(parsed["project"], "shop");
  ASSERT_EQ(parsed["models"].size(), 3u);
  const auto& silver = parsed["models"][1];
  EXPECT_EQ(silver["name"], "silver_orders");
  EXPECT_EQ(silver["table"], "silver.orders");
  EXPECT_EQ(silver["materialized"], "incremental");
  EXPECT_EQ(silver["depends_on"], nlohmann::json::array({"bronze_orders"}));
  EXPECT_EQ(silver["sources"], nlohmann::json::array());
  EXPECT_EQ(silver["file"], "models/silver/silver_orders.sql");
  EXPECT_EQ(parsed["models"][2]["sources"], nlohmann::json::array({"customers"}));
}

TEST_F(CliDag, InvalidProjectIsAUsageError) {
  write("models/gold/broken.sql", "SELECT * FROM gold.nothing\n");
  auto result = dag({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "models/gold/broken.sql:1:15: unknown table 'gold.nothing' (no model has this table; sources are read "
            "as source.<name>)\n"
            "error: 1 problem in . (see silt validate)\n");
}

}  // namespace
}  // namespace silt::testing
