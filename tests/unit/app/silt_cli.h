// A GoogleTest fixture that runs the real `silt` binary in a fresh temporary directory, with the
// orders table of the CLI tour. Only process-level access: no silt library calls, so the tests see
// exactly what a user sees (stdout, stderr, exit code, files on disk).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {

// The partition directory of a relative data file path ("order_date=2025-11-01/part-....parquet").
inline std::string partition_of(const std::string& file_path) { return file_path.substr(0, file_path.find('/')); }

inline std::vector<std::string> in_partition(const std::vector<std::string>& paths, const std::string& partition) {
  std::vector<std::string> out;
  for (const auto& path : paths) {
    if (partition_of(path) == partition) out.push_back(path);
  }
  return out;
}


inline constexpr const char* kOrdersSchema =
    "order_id BIGINT NOT NULL, amount DECIMAL(12,2), status VARCHAR, order_date DATE";

class SiltCli : public ::testing::Test {
 protected:
  // Runs silt with the temporary directory as working directory.
  CommandResult silt(const std::vector<std::string>& args) { return run_silt(args, dir_.path()); }

  // Runs silt, expects exit 0 and returns stdout parsed as JSON.
  nlohmann::json silt_json(const std::vector<std::string>& args) {
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 0) << "silt failed: " << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << result.out;
    return parsed;
  }

  // Runs silt, expects exit 0 and returns stdout.
  std::string silt_out(const std::vector<std::string>& args) {
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 0) << "silt failed: " << result.err;
    return result.out;
  }

  std::string path(const std::string& relative) const { return dir_.file(relative); }

  void write_file(const std::string& relative, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path(relative)).parent_path());
    std::ofstream out(path(relative), std::ios::binary | std::ios::trunc);
    out << content;
  }

  std::string read_file(const std::string& relative) const { return read_file_text(path(relative)); }

  bool exists(const std::string& relative) const { return std::filesystem::exists(path(relative)); }

  // The commit or checkpoint file name of a version, e.g. 00000000000000000003.json.
  static std::string log_file(int64_t version, const std::string& suffix) {
    std::string number = std::to_string(version);
    return std::string(20 - number.size(), '0') + number + suffix;
  }

  // `table info <table> --json`.
  nlohmann::json info(const std::string& table) { return silt_json({"table", "info", table, "--json"}); }

  // Live data file paths (relative to the table root), in the order `table files` lists them.
  std::vector<std::string> file_paths(const std::string& table) {
    std::vector<std::string> paths;
    for (const auto& file : silt_json({"table", "files", table, "--json"})) paths.push_back(file["path"]);
    return paths;
  }

  // Data files on disk (live or not), relative to the table root, excluding the log.
  std::vector<std::string> parquet_files_on_disk(const std::string& table) const {
    std::vector<std::string> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path(table))) {
      std::string relative = std::filesystem::relative(entry.path(), path(table)).string();
      if (entry.is_regular_file() && entry.path().extension() == ".parquet" && relative.rfind("_delta_log", 0) != 0) {
        out.push_back(relative);
      }
    }
    return out;
  }

  // `sql --format csv` over one table registered as `o`.
  std::string query_csv(const std::string& table_spec, const std::string& query) {
    return silt_out({"sql", "--table", "o=" + table_spec, "--format", "csv", query});
  }

  // Creates the tour's orders table (partitioned by order_date) at `table`.
  void create_orders(const std::string& table = "orders") {
    CommandResult result =
        silt({"table", "create", table, "--schema", kOrdersSchema, "--partition-by", "order_date"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // Creates the orders table and appends four rows over three partitions from two CSV files
  // (version 1): 2025-11-01 {1, 2}, 2025-11-02 {3}, 2025-11-03 {4}.
  void create_orders_with_rows(const std::string& table = "orders") {
    create_orders(table);
    write_file("in/orders_1.csv",
               "order_id,amount,status,order_date\n"
               "1,10.50,new,2025-11-01\n"
               "2,20.00,paid,2025-11-01\n"
               "3,5.25,new,2025-11-02\n");
    write_file("in/orders_2.csv",
               "order_id,amount,status,order_date\n"
               "4,7.00,paid,2025-11-03\n");
    CommandResult result = silt({"table", "write", table, "--input", "in/orders_*.csv"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  TempDir dir_;
};

}  // namespace silt::testing
