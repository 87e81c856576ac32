// `silt validate` through the real binary: a valid project, every problem of a broken one (silt.yaml
// and models) in file:line:col order, JSON output, and a missing project.
#include <gtest/gtest.h>

#include <fstream>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(CliValidate, ValidProjectIsOk) {
  TempDir dir;
  write(dir.file("p/silt.yaml"),
        "name: shop\nstorage: ./lake\nsources:\n  - name: orders\n    format: csv\n    path: landing/*.csv\n");
  auto result = run_silt({"validate", "--project", dir.file("p")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "project 'shop': 0 models, 1 source: no problems\n");
}

TEST(CliValidate, ReportsEveryProblemInFileOrder) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), "name: shop\nstorgae: ./lake\nsources:\n  - name: orders\n    format: xls\n    path: x\n");
  auto result = run_silt({"validate", "--project", dir.file("p")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "silt.yaml:1:1: missing required key 'storage'\n"
            "silt.yaml:2:1: unknown key 'storgae' (did you mean 'storage'?)\n"
            "silt.yaml:5:13: unknown format 'xls' in source 'orders' (expected one of: csv, json, parquet)\n"
            "error: 3 problems in " + dir.file("p") + "\n");

  auto json = run_silt({"validate", "--project", dir.file("p"), "--json"});
  EXPECT_EQ(json.exit_code, 2);
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_FALSE(parsed["ok"].get<bool>());
  ASSERT_EQ(parsed["problems"].size(), 3u);
  EXPECT_EQ(parsed["problems"][2]["line"], 5);
  EXPECT_EQ(parsed["problems"][2]["column"], 13);
}

constexpr const char* kShopYaml =
    "name: shop\nstorage: ./lake\ndefault_env: dev\nenvironments:\n  dev: {}\n"
    "sources:\n  - name: orders\n    format: csv\n    path: landing/*.csv\n";

TEST(CliValidate, ChecksModelsAndCountsThem) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), kShopYaml);
  write(dir.file("p/models/bronze/bronze_orders.sql"), "/* silt:\nmaterialized: append\n*/\nSELECT * FROM source.orders\n");
  write(dir.file("p/models/silver/silver_orders.sql"), "SELECT * FROM bronze.orders\n");
  // The project directory defaults to the working directory.
  auto result = run_silt({"validate"}, dir.file("p"));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "project 'shop' (env dev): 2 models, 1 source: no problems\n");

  auto json = run_silt({"validate", "--project", dir.file("p"), "--json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_TRUE(parsed["ok"].get<bool>());
  EXPECT_EQ(parsed["models"], 2);
  EXPECT_EQ(parsed["sources"], 1);
  EXPECT_EQ(parsed["environment"], "dev");
  EXPECT_TRUE(parsed["problems"].empty());
}

TEST(CliValidate, ReportsModelProblemsWithPositions) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), kShopYaml);
  write(dir.file("p/models/bronze/bronze_orders.sql"), "/* silt:\nmaterialized: merge\n*/\nSELECT * FROM source.ordrs\n");
  write(dir.file("p/models/silver/silver_orders.sql"), "SELECT *\nFROM bronze.ordres\n");
  write(dir.file("p/models/silver/broken.sql"), "SELECT * FRM x\n");
  auto result = run_silt({"validate", "--project", dir.file("p")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "models/bronze/bronze_orders.sql:2:15: materialized: merge needs 'unique_key' (the columns that identify "
            "a row)\n"
            "models/bronze/bronze_orders.sql:4:15: unknown source 'source.ordrs' (did you mean 'source.orders'?)\n"
            "models/silver/broken.sql:1:14: syntax error at or near \"x\"\n"
            "models/silver/silver_orders.sql:2:6: unknown table 'bronze.ordres' (did you mean 'bronze.orders'?)\n"
            "error: 4 problems in " + dir.file("p") + "\n");

  auto json = run_silt({"validate", "--project", dir.file("p"), "--json"});
  EXPECT_EQ(json.exit_code, 2);
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_FALSE(parsed["ok"].get<bool>());
  EXPECT_EQ(parsed["models"], 3);
  EXPECT_EQ(parsed["sources"], 1);
  ASSERT_EQ(parsed["problems"].size(), 4u);
  EXPECT_EQ(parsed["problems"][3]["file"], "models/silver/silver_orders.sql");
  EXPECT_EQ(parsed["problems"][3]["line"], 2);
  EXPECT_EQ(parsed["problems"][3]["column"], 6);
  EXPECT_EQ(parsed["problems"][3]["message"], "unknown table 'bronze.ordres' (did you mean 'bronze.orders'?)");
}

TEST(CliValidate, ReportsCycles) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), kShopYaml);
  write(dir.file("p/models/silver/a.sql"), "SELECT * FROM silver.b\n");
  write(dir.file("p/models/silver/b.sql"), "SELECT * FROM silver.a\n");
  auto result = run_silt({"validate", "--project", dir.file("p")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "models/silver/a.sql:1:15: cycle between models: a -> b -> a\n"
                        "error: 1 problem in " + dir.file("p") + "\n");
}

TEST(CliValidate, MissingProjectFileIsAUsageError) {
  TempDir dir;
  auto result = run_silt({"validate", "--project", dir.file("nothing")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("silt.yaml"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace silt::testing
