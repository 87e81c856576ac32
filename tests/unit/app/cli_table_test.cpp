// End-to-end happy paths of `silt table ...` and `silt sql`, running the real binary over the tour's
// orders table: exact outputs for create, writes from files and queries, replaceWhere, delete, history,
// info, files, time travel, restore, checkpoint, output formats, idempotent writes, appendOnly.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;


using CliTable = SiltCli;

TEST_F(CliTable, CreateDescribesTheEmptyTable) {
  CommandResult created =
      silt({"table", "create", "orders", "--schema", kOrdersSchema, "--partition-by", "order_date"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out.rfind("CREATE TABLE: committed version 0 (", 0), 0u) << created.out;
  EXPECT_EQ(created.err, "");
  EXPECT_TRUE(exists("orders/_delta_log/" + log_file(0, ".json")));

  json info = this->info("orders");
  EXPECT_EQ(info["location"], path("orders"));
  EXPECT_EQ(info["version"], 0);
  EXPECT_EQ(info["num_files"], 0);
  EXPECT_EQ(info["num_rows"], 0);
  EXPECT_EQ(info["size_bytes"], 0);
  EXPECT_EQ(info["partition_columns"], json::array({"order_date"}));
  EXPECT_EQ(info["schema"], json::parse(R"json([
    {"name": "order_id", "type": "long", "nullable": false},
    {"name": "amount", "type": "decimal(12,2)", "nullable": true},
    {"name": "status", "type": "string", "nullable": true},
    {"name": "order_date", "type": "date", "nullable": true}
  ])json"));
  EXPECT_EQ(info["protocol"]["min_reader_version"], 1);
  EXPECT_EQ(info["protocol"]["min_writer_version"], 2);
  EXPECT_TRUE(info["protocol"].contains("reader_features"));
  EXPECT_TRUE(info["protocol"].contains("writer_features"));
  EXPECT_EQ(info["properties"], json::object());

  EXPECT_EQ(query_csv("orders", "SELECT count(*) AS n FROM o"), "n\n0\n");
}

TEST_F(CliTable, CreateRefusesAnExistingTable) {
  create_orders();
  CommandResult again = silt({"table", "create", "orders", "--schema", "id BIGINT"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  EXPECT_EQ(info("orders")["schema"].size(), 4u);
}

TEST_F(CliTable, WritesFromCsvGlobJsonAndParquetInputs) {
  create_orders();
  write_file("in/orders_1.csv",
             "order_id,amount,status,order_date\n"
             "1,10.50,new,2025-11-01\n"
             "2,20.00,paid,2025-11-01\n");
  write_file("in/orders_2.csv",
             "order_id,amount,status,order_date\n"
             "3,5.25,new,2025-11-02\n");
  // CSV by extension, two files through one glob.
  json report = silt_json({"table", "write", "orders", "--input", "in/orders_*.csv", "--json"});
  EXPECT_EQ(report["operation"], "WRITE");
  EXPECT_EQ(report["version"], 1);
  EXPECT_EQ(report["skipped"], false);
  EXPECT_EQ(report["rows_written"], 3);
  EXPECT_EQ(report["files_added"], 2);  // one per partition
  EXPECT_EQ(report["files_removed"], 0);

  // JSON by extension; amounts are JSON numbers that must land in DECIMAL(12,2) exactly.
  write_file("in/more.json",
             "{\"order_id\": 4, \"amount\": 7.5, \"status\": \"paid\", \"order_date\": \"2025-11-03\"}\n"
             "{\"order_id\": 5, \"amount\": 1, \"status\": \"new\", \"order_date\": \"2025-11-03\"}\n");
  report = silt_json({"table", "write", "orders", "--input", "in/more.json", "--json"});
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["rows_written"], 2);

  // Parquet by extension, made by silt itself.
  CommandResult copied = silt({"sql", "COPY (SELECT 6::BIGINT AS order_id, 3.30::DECIMAL(12,2) AS amount, "
                                      "'new' AS status, DATE '2025-11-04' AS order_date) TO 'in/six.parquet' "
                                      "(FORMAT parquet)"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  report = silt_json({"table", "write", "orders", "--input", "in/six.parquet", "--json"});
  EXPECT_EQ(report["version"], 3);
  EXPECT_EQ(report["rows_written"], 1);

  // Formats given with --format when the extension does not tell.
  write_file("in/seven.txt", "order_id,amount,status,order_date\n7,0.99,paid,2025-11-04\n");
  report = silt_json({"table", "write", "orders", "--input", "in/seven.txt", "--format", "csv", "--json"});
  EXPECT_EQ(report["version"], 4);
  write_file("in/eight.data", "{\"order_id\": 8, \"amount\": 2.25, \"status\": \"new\", \"order_date\": \"2025-11-04\"}\n");
  report = silt_json({"table", "write", "orders", "--input", "in/eight.data", "--format", "json", "--json"});
  EXPECT_EQ(report["version"], 5);
  CommandResult parquet_copy = silt({"sql", "COPY (SELECT 9::BIGINT AS order_id, NULL::DECIMAL(12,2) AS amount, "
                                            "NULL::VARCHAR AS status, DATE '2025-11-05' AS order_date) TO 'in/nine.bin' "
                                            "(FORMAT parquet)"});
  ASSERT_EQ(parquet_copy.exit_code, 0) << parquet_copy.err;
  report = silt_json({"table", "write", "orders", "--input", "in/nine.bin", "--format", "parquet", "--json"});
  EXPECT_EQ(report["version"], 6);

  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"),
            "order_id,amount,status,order_date\n"
            "1,10.50,new,2025-11-01\n"
            "2,20.00,paid,2025-11-01\n"
            "3,5.25,new,2025-11-02\n"
            "4,7.50,paid,2025-11-03\n"
            "5,1.00,new,2025-11-03\n"
            "6,3.30,new,2025-11-04\n"
            "7,0.99,paid,2025-11-04\n"
            "8,2.25,new,2025-11-04\n"
            "9,,,2025-11-05\n");
  json info = this->info("orders");
  EXPECT_EQ(info["version"], 6);
  EXPECT_EQ(info["num_rows"], 9);
  EXPECT_EQ(info["num_files"], 7);  // 2 + 1 + 1 + 1 + 1 + 1
}

TEST_F(CliTable, WriteWithoutTableCreatesItFromTheInput) {
  json report = silt_json({"table", "write", "fresh", "--query",
                           "SELECT range AS id, 'x' || range AS label FROM range(3)", "--json"});
  EXPECT_EQ(report["version"], 0);
  EXPECT_EQ(report["rows_written"], 3);
  json info = this->info("fresh");
  EXPECT_EQ(info["schema"], json::parse(R"json([
    {"name": "id", "type": "long", "nullable": true},
    {"name": "label", "type": "string", "nullable": true}
  ])json"));
  EXPECT_EQ(query_csv("fresh", "SELECT * FROM o ORDER BY id"), "id,label\n0,x0\n1,x1\n2,x2\n");
}

TEST_F(CliTable, QueryOverwriteReplacesEveryFile) {
  create_orders_with_rows();
  auto before = file_paths("orders");
  ASSERT_EQ(before.size(), 3u);
  json report = silt_json({"table", "write", "orders", "--mode", "overwrite", "--json", "--query",
                           "SELECT 100::BIGINT AS order_id, 1.00 AS amount, 'new' AS status, "
                           "DATE '2025-12-01' AS order_date"});
  EXPECT_EQ(report["operation"], "OVERWRITE");
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["rows_written"], 1);
  EXPECT_EQ(report["rows_deleted"], 4);
  EXPECT_EQ(report["files_added"], 1);
  EXPECT_EQ(report["files_removed"], 3);
  EXPECT_EQ(query_csv("orders", "SELECT * FROM o"), "order_id,amount,status,order_date\n100,1.00,new,2025-12-01\n");
  auto after = file_paths("orders");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(partition_of(after[0]), "order_date=2025-12-01");
}

TEST_F(CliTable, ReplaceWhereReplacesOnlyThatPartition) {
  create_orders_with_rows();
  auto before = file_paths("orders");
  json report = silt_json({"table", "write", "orders", "--mode", "overwrite", "--replace-where",
                           "order_date = DATE '2025-11-03'", "--json", "--query",
                           "SELECT * FROM (VALUES (40::BIGINT, 4.00, 'paid', DATE '2025-11-03'), "
                           "(41::BIGINT, 4.10, 'new', DATE '2025-11-03')) AS t(order_id, amount, status, order_date)"});
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["rows_written"], 2);
  EXPECT_EQ(report["rows_deleted"], 1);
  EXPECT_EQ(report["files_removed"], 1);

  auto after = file_paths("orders");
  // Untouched partitions keep exactly their files; the replaced one has a new file.
  EXPECT_EQ(in_partition(after, "order_date=2025-11-01"), in_partition(before, "order_date=2025-11-01"));
  EXPECT_EQ(in_partition(after, "order_date=2025-11-02"), in_partition(before, "order_date=2025-11-02"));
  auto replaced = in_partition(after, "order_date=2025-11-03");
  ASSERT_EQ(replaced.size(), 1u);
  EXPECT_NE(replaced, in_partition(before, "order_date=2025-11-03"));

  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"),
            "order_id,amount,status,order_date\n"
            "1,10.50,new,2025-11-01\n"
            "2,20.00,paid,2025-11-01\n"
            "3,5.25,new,2025-11-02\n"
            "40,4.00,paid,2025-11-03\n"
            "41,4.10,new,2025-11-03\n");
  json history = silt_json({"table", "history", "orders", "--json"});
  EXPECT_EQ(history[0]["operation_parameters"]["mode"], "Overwrite");
  EXPECT_EQ(history[0]["operation_parameters"]["predicate"], "order_date = DATE '2025-11-03'");
}

TEST_F(CliTable, DeleteRewritesOnlyFilesWithMatchingRows) {
  create_orders_with_rows();
  auto before = file_paths("orders");
  // 2025-11-01 holds {1 new, 2 paid}: rewritten. 2025-11-02 holds {3 new}: dropped. 2025-11-03 holds
  // {4 paid}: untouched, so its file must keep its path.
  json report = silt_json({"table", "delete", "orders", "--where", "status = 'new'", "--json"});
  EXPECT_EQ(report["operation"], "DELETE");
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["rows_deleted"], 2);
  EXPECT_EQ(report["rows_copied"], 1);
  EXPECT_EQ(report["files_removed"], 2);
  EXPECT_EQ(report["files_added"], 1);

  auto after = file_paths("orders");
  EXPECT_EQ(in_partition(after, "order_date=2025-11-03"), in_partition(before, "order_date=2025-11-03"));
  EXPECT_TRUE(in_partition(after, "order_date=2025-11-02").empty());
  auto rewritten = in_partition(after, "order_date=2025-11-01");
  ASSERT_EQ(rewritten.size(), 1u);
  EXPECT_NE(rewritten, in_partition(before, "order_date=2025-11-01"));

  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"),
            "order_id,amount,status,order_date\n"
            "2,20.00,paid,2025-11-01\n"
            "4,7.00,paid,2025-11-03\n");
  EXPECT_EQ(info("orders")["num_rows"], 2);

  // Nothing matching: nothing committed.
  CommandResult none = silt({"table", "delete", "orders", "--where", "order_id = 999"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(none.out, "no rows match; nothing committed (table at version 2)\n");
  EXPECT_EQ(info("orders")["version"], 2);
}

TEST_F(CliTable, FilesListsLiveFilesWithStats) {
  create_orders_with_rows();
  json files = silt_json({"table", "files", "orders", "--json"});
  ASSERT_EQ(files.size(), 3u);
  std::set<std::string> dates;
  int64_t rows = 0;
  for (const auto& file : files) {
    std::string date = file["partition_values"]["order_date"];
    dates.insert(date);
    EXPECT_EQ(file["path"].get<std::string>().rfind("order_date=" + date + "/part-", 0), 0u) << file.dump();
    EXPECT_GT(file["size"].get<int64_t>(), 0);
    EXPECT_TRUE(exists("orders/" + file["path"].get<std::string>()));
    rows += file["num_records"].get<int64_t>();
    EXPECT_EQ(file["stats"]["numRecords"], file["num_records"]);
  }
  EXPECT_EQ(dates, (std::set<std::string>{"2025-11-01", "2025-11-02", "2025-11-03"}));
  EXPECT_EQ(rows, 4);
  json first_day = files[0];
  EXPECT_EQ(first_day["partition_values"]["order_date"], "2025-11-01");  // sorted by path
  EXPECT_EQ(first_day["stats"]["minValues"]["order_id"], 1);
  EXPECT_EQ(first_day["stats"]["maxValues"]["order_id"], 2);
  EXPECT_EQ(first_day["stats"]["nullCount"]["status"], 0);
}

TEST_F(CliTable, HistoryListsOperationsNewestFirst) {
  create_orders_with_rows();
  ASSERT_EQ(silt({"table", "write", "orders", "--mode", "overwrite", "--query",
                  "SELECT 9::BIGINT AS order_id, 9.00 AS amount, 'new' AS status, DATE '2025-11-09' AS order_date"})
                .exit_code,
            0);
  ASSERT_EQ(silt({"table", "delete", "orders", "--where", "order_id = 9"}).exit_code, 0);

  json history = silt_json({"table", "history", "orders", "--json"});
  ASSERT_EQ(history.size(), 4u);
  std::vector<int64_t> versions;
  std::vector<std::string> operations;
  for (const auto& entry : history) {
    versions.push_back(entry["version"]);
    operations.push_back(entry["operation"]);
  }
  EXPECT_EQ(versions, (std::vector<int64_t>{3, 2, 1, 0}));
  EXPECT_EQ(operations, (std::vector<std::string>{"DELETE", "WRITE", "WRITE", "CREATE TABLE"}));
  EXPECT_EQ(history[1]["operation_parameters"]["mode"], "Overwrite");
  EXPECT_EQ(history[2]["operation_parameters"]["mode"], "Append");
  EXPECT_EQ(history[2]["operation_metrics"]["numOutputRows"], "4");
  EXPECT_EQ(history[0]["operation_metrics"]["numDeletedRows"], "1");
  EXPECT_EQ(history[0]["read_version"], 2);

  json limited = silt_json({"table", "history", "orders", "--limit", "1", "--json"});
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(limited[0]["version"], 3);
}

TEST_F(CliTable, TimeTravelReadsEarlierVersions) {
  create_orders_with_rows();
  ASSERT_EQ(silt({"table", "delete", "orders", "--where", "order_date = DATE '2025-11-01'"}).exit_code, 0);
  ASSERT_EQ(info("orders")["num_rows"], 2);

  json at_one = silt_json({"table", "info", "orders", "--version", "1", "--json"});
  EXPECT_EQ(at_one["version"], 1);
  EXPECT_EQ(at_one["num_rows"], 4);
  EXPECT_EQ(at_one["num_files"], 3);
  EXPECT_EQ(silt_json({"table", "info", "orders", "--version", "0", "--json"})["num_rows"], 0);
  EXPECT_EQ(silt_json({"table", "files", "orders", "--version", "1", "--json"}).size(), 3u);

  EXPECT_EQ(query_csv("orders@1", "SELECT order_id FROM o ORDER BY order_id"), "order_id\n1\n2\n3\n4\n");
  EXPECT_EQ(query_csv("orders@2", "SELECT order_id FROM o ORDER BY order_id"), "order_id\n3\n4\n");
  EXPECT_EQ(query_csv("orders", "SELECT order_id FROM o ORDER BY order_id"), "order_id\n3\n4\n");

  // --as-of the timestamp history reports for version 1 lands on version 1.
  json history = silt_json({"table", "history", "orders", "--json"});
  std::string version_one_time = history[1]["timestamp"];
  ASSERT_EQ(history[1]["version"], 1);
  EXPECT_EQ(silt_json({"table", "info", "orders", "--as-of", version_one_time, "--json"})["version"], 1);
}

TEST_F(CliTable, RestoreMakesAnEarlierVersionCurrent) {
  create_orders_with_rows();
  std::string original = query_csv("orders", "SELECT * FROM o ORDER BY order_id");
  ASSERT_EQ(silt({"table", "write", "orders", "--mode", "overwrite", "--query",
                  "SELECT 9::BIGINT AS order_id, 9.00 AS amount, 'new' AS status, DATE '2025-11-09' AS order_date"})
                .exit_code,
            0);
  json report = silt_json({"table", "restore", "orders", "--version", "1", "--json"});
  EXPECT_EQ(report["operation"], "RESTORE");
  EXPECT_EQ(report["version"], 3);
  EXPECT_EQ(report["files_added"], 3);
  EXPECT_EQ(report["files_removed"], 1);

  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"), original);
  std::vector<std::string> restored_paths;
  for (const auto& file : silt_json({"table", "files", "orders", "--version", "1", "--json"})) {
    restored_paths.push_back(file["path"]);
  }
  EXPECT_EQ(file_paths("orders"), restored_paths);  // the very same files, not copies
  json history = silt_json({"table", "history", "orders", "--json"});
  EXPECT_EQ(history[0]["operation"], "RESTORE");
  EXPECT_EQ(history[0]["operation_parameters"]["version"], 1);
}

TEST_F(CliTable, CheckpointIsWrittenAndReadsTheSame) {
  create_orders_with_rows();
  ASSERT_EQ(silt({"table", "delete", "orders", "--where", "order_id = 2"}).exit_code, 0);
  std::string before = query_csv("orders", "SELECT * FROM o ORDER BY order_id");
  json info_before = info("orders");

  CommandResult checkpoint = silt({"table", "checkpoint", "orders"});
  ASSERT_EQ(checkpoint.exit_code, 0) << checkpoint.err;
  EXPECT_EQ(checkpoint.out.rfind("CHECKPOINT: wrote checkpoint of version 2 (", 0), 0u) << checkpoint.out;
  EXPECT_TRUE(exists("orders/_delta_log/" + log_file(2, ".checkpoint.parquet")));
  ASSERT_TRUE(exists("orders/_delta_log/_last_checkpoint"));
  json last = json::parse(read_file("orders/_delta_log/_last_checkpoint"), nullptr, false);
  EXPECT_EQ(last["version"], 2);
  EXPECT_FALSE(exists("orders/_delta_log/" + log_file(3, ".json")));  // a checkpoint commits nothing

  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"), before);
  json info_after = info("orders");
  EXPECT_EQ(info_after["version"], 2);
  EXPECT_EQ(info_after["checkpoint_version"], 2);
  EXPECT_EQ(info_after["num_rows"], info_before["num_rows"]);
  EXPECT_EQ(info_after["num_files"], info_before["num_files"]);
  EXPECT_EQ(info_after["schema"], info_before["schema"]);

  // Reading from the checkpoint alone: the commits it covers are not needed any more.
  for (int version = 0; version <= 2; ++version) {
    std::filesystem::remove(path("orders/_delta_log/" + log_file(version, ".json")));
  }
  EXPECT_EQ(query_csv("orders", "SELECT * FROM o ORDER BY order_id"), before);

  // And the table keeps working on top of it.
  ASSERT_EQ(silt({"table", "write", "orders", "--query",
                  "SELECT 5::BIGINT AS order_id, 5.00 AS amount, 'new' AS status, DATE '2025-11-05' AS order_date"})
                .exit_code,
            0);
  EXPECT_EQ(info("orders")["version"], 3);
  EXPECT_EQ(query_csv("orders", "SELECT count(*) AS n FROM o"), "n\n4\n");
}

TEST_F(CliTable, SqlOutputFormats) {
  create_orders_with_rows();
  CommandResult csv = silt({"sql", "--table", "o=orders", "--format", "csv",
                            "SELECT order_id, status, amount FROM o WHERE order_id <= 2 ORDER BY order_id"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "order_id,status,amount\n1,new,10.50\n2,paid,20.00\n");

  CommandResult quoted = silt({"sql", "--format", "csv", "SELECT 'a,b' AS x, 'say \"hi\"' AS y, NULL AS z"});
  ASSERT_EQ(quoted.exit_code, 0) << quoted.err;
  EXPECT_EQ(quoted.out, "x,y,z\n\"a,b\",\"say \"\"hi\"\"\",\n");

  CommandResult as_json = silt({"sql", "--table", "o=orders", "--format", "json",
                                "SELECT order_id, amount, status, order_date FROM o WHERE order_id IN (1, 4) "
                                "ORDER BY order_id"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out), json::parse(R"json([
    {"order_id": 1, "amount": 10.5, "status": "new", "order_date": "2025-11-01"},
    {"order_id": 4, "amount": 7.0, "status": "paid", "order_date": "2025-11-03"}
  ])json"));

  CommandResult table = silt({"sql", "--table", "o=orders",
                              "SELECT order_id, status FROM o WHERE order_id <= 2 ORDER BY order_id"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(table.out,
            "+----------+--------+\n"
            "| order_id | status |\n"
            "+----------+--------+\n"
            "|        1 | new    |\n"
            "|        2 | paid   |\n"
            "+----------+--------+\n"
            "2 rows\n");

  // Two tables, one at an older version.
  ASSERT_EQ(silt({"table", "delete", "orders", "--where", "order_id = 1"}).exit_code, 0);
  CommandResult joined = silt({"sql", "--table", "current=orders", "--table", "earlier=orders@1", "--format", "csv",
                               "SELECT (SELECT count(*) FROM current) AS current_rows, "
                               "(SELECT count(*) FROM earlier) AS earlier_rows"});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  EXPECT_EQ(joined.out, "current_rows,earlier_rows\n3,4\n");
}

TEST_F(CliTable, IdempotentWritesSkipRecordedAppVersions) {
  create_orders();
  const std::string query =
      "SELECT 1::BIGINT AS order_id, 1.00 AS amount, 'new' AS status, DATE '2025-11-01' AS order_date";
  json first = silt_json({"table", "write", "orders", "--query", query, "--app-id", "nightly", "--app-version", "3",
                          "--json"});
  EXPECT_EQ(first["version"], 1);
  EXPECT_EQ(first["skipped"], false);

  CommandResult again =
      silt({"table", "write", "orders", "--query", query, "--app-id", "nightly", "--app-version", "3"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "skipped: app 'nightly' already committed version 3 (requested 3) (table at version 1)\n");

  json older = silt_json({"table", "write", "orders", "--query", query, "--app-id", "nightly", "--app-version", "2",
                          "--json"});
  EXPECT_EQ(older["skipped"], true);
  EXPECT_EQ(older["version"], 1);
  EXPECT_EQ(older["rows_written"], 0);
  EXPECT_EQ(older["message"], "skipped: app 'nightly' already committed version 3 (requested 2)");

  json info = this->info("orders");
  EXPECT_EQ(info["version"], 1);
  EXPECT_EQ(info["num_rows"], 1);
  EXPECT_FALSE(exists("orders/_delta_log/" + log_file(2, ".json")));

  // A newer app version, or another app id, commits.
  EXPECT_EQ(silt_json({"table", "write", "orders", "--query", query, "--app-id", "nightly", "--app-version", "4",
                       "--json"})["version"],
            2);
  EXPECT_EQ(silt_json({"table", "write", "orders", "--query", query, "--app-id", "backfill", "--app-version", "1",
                       "--json"})["version"],
            3);
  EXPECT_EQ(this->info("orders")["num_rows"], 3);
}

TEST_F(CliTable, AppendOnlyTableRefusesDelete) {
  CommandResult created = silt({"table", "create", "events", "--schema", "id BIGINT, kind VARCHAR", "--property",
                                "delta.appendOnly=true"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(info("events")["properties"], json::parse(R"json({"delta.appendOnly": "true"})json"));
  ASSERT_EQ(silt({"table", "write", "events", "--query", "SELECT range AS id, 'click' AS kind FROM range(3)"})
                .exit_code,
            0);

  CommandResult deleted = silt({"table", "delete", "events", "--where", "id = 1"});
  EXPECT_EQ(deleted.exit_code, 2);
  EXPECT_EQ(deleted.out, "");
  EXPECT_NE(deleted.err.find("append-only"), std::string::npos) << deleted.err;
  EXPECT_NE(deleted.err.find("delta.appendOnly=true"), std::string::npos) << deleted.err;
  EXPECT_NE(deleted.err.find("DELETE"), std::string::npos) << deleted.err;
  json info = this->info("events");
  EXPECT_EQ(info["version"], 1);
  EXPECT_EQ(info["num_rows"], 3);

  // Appends still work.
  ASSERT_EQ(silt({"table", "write", "events", "--query", "SELECT 7 AS id, 'view' AS kind"}).exit_code, 0);
  EXPECT_EQ(this->info("events")["num_rows"], 4);
}


TEST_F(SiltCli, SqlRunsAScriptFromAFileAndShowsTheLastResult) {
  write_file("script.sql", "CREATE TABLE t AS SELECT range AS i FROM range(5);\nSELECT sum(i) AS s FROM t;\n");
  EXPECT_EQ(silt_out({"sql", "--format", "csv", "--file", "script.sql"}), "s\n10\n");
  write_file("bad.sql", "SELECT 1;\nSELECT * FROM missing_table;\n");
  CommandResult result = silt({"sql", "--file", "bad.sql"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("statement 2 of 2"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("missing_table"), std::string::npos) << result.err;
  // Semicolons inside quotes and comments do not split; every type prints as DuckDB prints it.
  EXPECT_EQ(silt_out({"sql", "--format", "csv",
                      "SELECT 1; -- a; comment\nSELECT 'a;b' AS s, TIMESTAMPTZ '2025-01-01 10:00:00+00' AS t, "
                      "42.5::DECIMAL(5,2) AS x; /* ; */"}),
            "s,t,x\na;b,2025-01-01 10:00:00+00,42.50\n");
  result = silt({"sql", "--file", "absent.sql"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("absent.sql"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace silt::testing
