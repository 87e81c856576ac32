// `silt table write/merge --schema-mode merge|overwrite` (schema evolution from the table commands)
// and metadata commands (info, files, history) that work from the log alone: a version whose data
// files are gone, and files without statistics.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;
using CliSchemaMode = SiltCli;

TEST_F(CliSchemaMode, AppendWithANewColumnIsRefusedWithTheWayForward) {
  create_orders_with_rows();
  write_file("in/more.csv", "order_id,amount,status,order_date,channel\n5,1.00,new,2025-11-04,web\n");
  CommandResult refused = silt({"table", "write", "orders", "--input", "in/more.csv"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("column 'channel' (VARCHAR) of the input is not in the table schema"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("schema mode 'merge' adds new columns"), std::string::npos) << refused.err;
  EXPECT_EQ(info("orders")["version"], 1);
}

TEST_F(CliSchemaMode, MergeModeAddsTheNewColumnsAndOlderRowsReadNull) {
  create_orders_with_rows();
  write_file("in/more.csv", "order_id,amount,status,order_date,channel\n5,1.00,new,2025-11-04,web\n");
  json report = silt_json({"table", "write", "orders", "--input", "in/more.csv", "--schema-mode", "merge", "--json"});
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["columns_added"], json::array({"channel"}));
  json schema = info("orders")["schema"];
  ASSERT_EQ(schema.size(), 5u);
  EXPECT_EQ(schema[4], json::parse(R"({"name": "channel", "type": "string", "nullable": true})"));
  EXPECT_EQ(query_csv("orders", "SELECT order_id, channel FROM o ORDER BY order_id"),
            "order_id,channel\n1,\n2,\n3,\n4,\n5,web\n");
  // The version before the change still reads with its own schema.
  EXPECT_EQ(query_csv("orders@1", "SELECT count(*) AS n, count(*) FILTER (WHERE true) AS m FROM o"), "n,m\n4,4\n");
  // After a checkpoint, which hides the change from the log replay, older files still read NULL.
  ASSERT_EQ(silt({"table", "checkpoint", "orders"}).exit_code, 0);
  EXPECT_EQ(query_csv("orders", "SELECT order_id, channel FROM o WHERE order_id IN (1, 5) ORDER BY order_id"),
            "order_id,channel\n1,\n5,web\n");
}

TEST_F(CliSchemaMode, MergeCommandWithSchemaModeMergeAddsColumns) {
  create_orders_with_rows();
  write_file("in/fix.csv", "order_id,amount,status,order_date,note\n1,11.00,paid,2025-11-01,fixed\n6,2.00,new,2025-11-05,new\n");
  CommandResult refused = silt({"table", "merge", "orders", "--input", "in/fix.csv", "--key", "order_id"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("column 'note'"), std::string::npos) << refused.err;
  json report = silt_json(
      {"table", "merge", "orders", "--input", "in/fix.csv", "--key", "order_id", "--schema-mode", "merge", "--json"});
  EXPECT_EQ(report["columns_added"], json::array({"note"}));
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(query_csv("orders", "SELECT order_id, amount, note FROM o ORDER BY order_id"),
            "order_id,amount,note\n1,11.00,fixed\n2,20.00,\n3,5.25,\n4,7.00,\n6,2.00,new\n");
}

TEST_F(CliSchemaMode, OverwriteModeReplacesSchemaAndPartitioning) {
  create_orders_with_rows();
  json report = silt_json({"table", "write", "orders", "--mode", "overwrite", "--schema-mode", "overwrite",
                           "--partition-by", "region", "--query",
                           "SELECT 1::INTEGER AS id, 'eu' AS region UNION ALL SELECT 2, 'us'", "--json"});
  EXPECT_EQ(report["version"], 2);
  json table = info("orders");
  EXPECT_EQ(table["partition_columns"], json::array({"region"}));
  EXPECT_EQ(table["schema"], json::parse(R"([{"name": "id", "type": "integer", "nullable": true},
                                              {"name": "region", "type": "string", "nullable": true}])"));
  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY id"), "id,region\n1,eu\n2,us\n");
  EXPECT_EQ(query_csv("orders@1", "SELECT count(*) AS n FROM o"), "n\n4\n");
}

TEST_F(CliSchemaMode, BadCombinationsAreRefusedBeforeAnythingIsWritten) {
  create_orders_with_rows();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"table", "write", "orders", "--schema-mode", "overwrite", "--query", "SELECT 1 AS id"},
       "--schema-mode overwrite replaces the whole table: it needs --mode overwrite"},
      {{"table", "write", "orders", "--mode", "overwrite", "--replace-where", "order_date = DATE '2025-11-01'",
        "--schema-mode", "overwrite", "--query", "SELECT 1 AS id"},
       "--schema-mode overwrite replaces the whole table"},
      {{"table", "write", "orders", "--schema-mode", "merge", "--partition-by", "status", "--query",
        "SELECT 9 AS order_id"},
       "--partition-by cannot change the partitioning with --schema-mode merge"},
      {{"table", "write", "orders", "--schema-mode", "append", "--query", "SELECT 1 AS id"}, "--schema-mode"},
      {{"table", "merge", "orders", "--key", "order_id", "--schema-mode", "overwrite", "--query",
        "SELECT 1 AS order_id"},
       "--schema-mode"},
  };
  for (const auto& test : cases) {
    CommandResult result = silt(test.args);
    EXPECT_EQ(result.exit_code, 2) << test.args[5];
    EXPECT_NE(result.err.find(test.message), std::string::npos) << result.err;
  }
  EXPECT_EQ(info("orders")["version"], 1);
}

TEST_F(CliSchemaMode, MetadataCommandsWorkWhenAVersionsDataFilesAreGone) {
  create_orders_with_rows();
  ASSERT_EQ(silt({"table", "write", "orders", "--mode", "overwrite", "--query",
                  "SELECT 9::BIGINT AS order_id, 1.00::DECIMAL(12,2) AS amount, 'x' AS status, DATE '2025-12-01' AS order_date"})
                .exit_code,
            0);
  // Version 1's files are no longer live; remove them (as VACUUM would).
  for (const auto& file : parquet_files_on_disk("orders")) {
    if (file.find("2025-12-01") == std::string::npos) std::filesystem::remove(path("orders/" + file));
  }
  json at_one = silt_json({"table", "info", "orders", "--version", "1", "--json"});
  EXPECT_EQ(at_one["num_rows"], 4);
  EXPECT_EQ(at_one["num_files"], 3);
  EXPECT_EQ(silt_json({"table", "files", "orders", "--version", "1", "--json"}).size(), 3u);
  EXPECT_EQ(silt_json({"table", "history", "orders", "--json"}).size(), 3u);
  CommandResult text = silt({"table", "info", "orders", "--version", "1"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("rows       4\n"), std::string::npos) << text.out;
}

TEST_F(CliSchemaMode, InfoSaysUnknownRowsForFilesWithoutStatistics) {
  // A log written by another engine with statistics turned off for one file (which does not exist:
  // info must not read data files).
  std::filesystem::create_directories(path("t/_delta_log"));
  write_file("t/_delta_log/" + log_file(0, ".json"),
             R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})" "\n"
             R"({"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1}})" "\n"
             R"({"add":{"path":"a.parquet","partitionValues":{},"size":100,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":7}"}})" "\n"
             R"({"add":{"path":"b.parquet","partitionValues":{},"size":100,"modificationTime":1,"dataChange":true}})" "\n");
  json table = info("t");
  EXPECT_TRUE(table["num_rows"].is_null()) << table.dump();
  EXPECT_EQ(table["num_rows_in_files_with_stats"], 7);
  EXPECT_EQ(table["files_without_stats"], 1);
  CommandResult text = silt({"table", "info", "t"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("rows       unknown (1 of 2 files have no statistics; 7 rows in the others)"),
            std::string::npos)
      << text.out;
  json files = silt_json({"table", "files", "t", "--json"});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_TRUE(files[1]["num_records"].is_null());
}

}  // namespace
}  // namespace silt::testing
