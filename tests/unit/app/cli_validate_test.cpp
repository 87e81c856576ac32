// `silt validate` through the real binary: a valid project, every problem of a broken one in
// file:line:col order, JSON output, and a missing project.
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
  EXPECT_EQ(result.out, "ok: project 'shop' (1 source, storage " + dir.file("p/lake") + ")\n");
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
  ASSERT_EQ(parsed["diagnostics"].size(), 3u);
  EXPECT_EQ(parsed["diagnostics"][2]["line"], 5);
  EXPECT_EQ(parsed["diagnostics"][2]["column"], 13);
}

TEST(CliValidate, MissingProjectFileIsAUsageError) {
  TempDir dir;
  auto result = run_silt({"validate", "--project", dir.file("nothing")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("silt.yaml"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace silt::testing
