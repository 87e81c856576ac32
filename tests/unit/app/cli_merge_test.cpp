// End-to-end `silt table merge`, running the real binary over the tour's orders table: exact
// content after upserts and deletes, which files are rewritten, refused inputs (duplicate, NULL
// and unknown keys) that commit nothing, repeated merges, idempotent app ids, append-only tables,
// damaged data files.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;


std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  return values;
}

class CliMerge : public SiltCli {
 protected:
  std::string orders_csv() { return query_csv("orders", "SELECT * FROM o ORDER BY order_id"); }

  int64_t version(const std::string& table = "orders") { return info(table)["version"].get<int64_t>(); }

  // Asserts that `args` fails with exit code 2, naming `expected` on stderr, and commits nothing.
  void expect_refused(const std::vector<std::string>& args, const std::string& expected) {
    int64_t before = version();
    auto files_before = parquet_files_on_disk("orders");
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(version(), before);
    EXPECT_EQ(sorted(parquet_files_on_disk("orders")), sorted(files_before)) << "no data file may be left behind";
  }
};

// The tour's rows: 2025-11-01 {1 new 10.50, 2 paid 20.00}, 2025-11-02 {3 new 5.25}, 2025-11-03 {4 paid 7.00}.
TEST_F(CliMerge, UpsertUpdatesMatchedRowsAndInsertsTheOthers) {
  create_orders_with_rows();
  write_file("in/changes.csv",
             "order_id,amount,status,order_date\n"
             "2,25.00,shipped,2025-11-01\n"  // update
             "3,5.25,new,2025-11-02\n"       // matched, identical
             "5,1.00,new,2025-11-04\n");     // insert
  json report = silt_json({"table", "merge", "orders", "--input", "in/changes.csv", "--key", "order_id", "--json"});
  EXPECT_EQ(report["operation"], "MERGE");
  EXPECT_EQ(report["version"], 2);
  EXPECT_EQ(report["skipped"], false);
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["rows_deleted"], 0);
  EXPECT_EQ(report["rows_copied"], 1);     // order 1 shares the rewritten file of 2025-11-01
  EXPECT_EQ(report["files_removed"], 1);   // 2025-11-02 holds only an identical row: kept
  EXPECT_EQ(report["files_added"], 2);     // rewritten 2025-11-01 and the new 2025-11-04
  EXPECT_EQ(orders_csv(),
            "order_id,amount,status,order_date\n"
            "1,10.50,new,2025-11-01\n"
            "2,25.00,shipped,2025-11-01\n"
            "3,5.25,new,2025-11-02\n"
            "4,7.00,paid,2025-11-03\n"
            "5,1.00,new,2025-11-04\n");

  json history = silt_json({"table", "history", "orders", "--limit", "1", "--json"});
  EXPECT_EQ(history[0]["operation"], "MERGE");
  EXPECT_EQ(history[0]["operation_parameters"]["predicate"], "[\"target.order_id = source.order_id\"]");
  EXPECT_EQ(history[0]["operation_parameters"]["keys"], "[\"order_id\"]");
  json metrics = history[0]["operation_metrics"];
  EXPECT_EQ(metrics["numSourceRows"], "3");
  EXPECT_EQ(metrics["numTargetRowsInserted"], "1");
  EXPECT_EQ(metrics["numTargetRowsUpdated"], "1");
  EXPECT_EQ(metrics["numTargetRowsDeleted"], "0");
  EXPECT_EQ(metrics["numTargetRowsCopied"], "1");
  EXPECT_EQ(metrics["numTargetFilesAdded"], "2");
  EXPECT_EQ(metrics["numTargetFilesRemoved"], "1");
  EXPECT_EQ(history[0]["is_blind_append"], false);
}

TEST_F(CliMerge, PrintsOneLineSummary) {
  create_orders_with_rows();
  CommandResult result = silt({"table", "merge", "orders", "--key", "order_id", "--query",
                               "SELECT 4::BIGINT AS order_id, 8.00 AS amount, 'paid' AS status, "
                               "DATE '2025-11-03' AS order_date"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.rfind("MERGE: committed version 2 (0 inserted, 1 updated, 0 deleted, +1 / -1 files, ", 0), 0u)
      << result.out;
  EXPECT_EQ(result.err, "");
}

TEST_F(CliMerge, DeleteWhenDeletesMatchedRowsAndNeverInsertsThem) {
  create_orders_with_rows();
  // Orders 1 and 4 are cancelled (deleted); 9 is cancelled but unknown (nothing to delete, not
  // inserted); 3 is updated; 6 is inserted.
  write_file("in/changes.csv",
             "order_id,amount,status,order_date\n"
             "1,10.50,cancelled,2025-11-01\n"
             "3,6.00,paid,2025-11-02\n"
             "4,7.00,cancelled,2025-11-03\n"
             "6,2.00,new,2025-11-04\n"
             "9,1.00,cancelled,2025-11-05\n");
  json report = silt_json({"table", "merge", "orders", "--input", "in/changes.csv", "--key", "order_id",
                           "--delete-when", "source.status = 'cancelled'", "--json"});
  EXPECT_EQ(report["rows_deleted"], 2);
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["files_removed"], 3);  // every partition held a changed key
  EXPECT_EQ(orders_csv(),
            "order_id,amount,status,order_date\n"
            "2,20.00,paid,2025-11-01\n"
            "3,6.00,paid,2025-11-02\n"
            "6,2.00,new,2025-11-04\n");
  json history = silt_json({"table", "history", "orders", "--limit", "1", "--json"});
  EXPECT_EQ(history[0]["operation_parameters"]["matchedPredicates"],
            "[{\"actionType\":\"delete\",\"predicate\":\"source.status = 'cancelled'\"},{\"actionType\":\"update\"}]");

  // Delete only: keys and the columns the predicate needs are enough without updates and inserts.
  report = silt_json({"table", "merge", "orders", "--key", "order_id", "--no-update", "--no-insert", "--delete-when",
                      "true", "--json", "--query", "SELECT 2::BIGINT AS order_id UNION ALL SELECT 77"});
  EXPECT_EQ(report["rows_deleted"], 1);
  EXPECT_EQ(report["rows_inserted"], 0);
  EXPECT_EQ(report["files_removed"], 1);
  EXPECT_EQ(report["files_added"], 0);  // 2025-11-01 is now empty
  EXPECT_EQ(orders_csv(),
            "order_id,amount,status,order_date\n"
            "3,6.00,paid,2025-11-02\n"
            "6,2.00,new,2025-11-04\n");
}

TEST_F(CliMerge, RewritesOnlyFilesHoldingChangedKeys) {
  // Unpartitioned, one file per write with disjoint id ranges: statistics skip the files whose
  // range excludes every source key; a file whose range includes a key it lacks is read, not rewritten.
  ASSERT_EQ(silt({"table", "create", "t", "--schema", "id BIGINT NOT NULL, v VARCHAR"}).exit_code, 0);
  for (int batch = 0; batch < 4; ++batch) {
    std::string query = "SELECT range AS id, 'v' || range AS v FROM range(" + std::to_string(batch * 100) + ", " +
                        std::to_string(batch * 100 + 100) + ", 2)";  // even ids only
    ASSERT_EQ(silt({"table", "write", "t", "--query", query}).exit_code, 0);
  }
  auto before = file_paths("t");
  ASSERT_EQ(before.size(), 4u);
  // 102 updates a row of the second file; 301 falls inside the fourth file's range but is new.
  json report = silt_json({"table", "merge", "t", "--key", "id", "--json", "--query",
                           "SELECT * FROM (VALUES (102::BIGINT, 'changed'), (301::BIGINT, 'new')) AS s(id, v)"});
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["rows_copied"], 49);
  EXPECT_EQ(report["files_removed"], 1);
  EXPECT_EQ(report["files_added"], 1);  // unpartitioned: rewritten rows and inserts share a file
  auto after = file_paths("t");
  ASSERT_EQ(after.size(), 4u);
  std::vector<std::string> kept;
  for (const auto& path : before) {
    if (std::find(after.begin(), after.end(), path) != after.end()) kept.push_back(path);
  }
  EXPECT_EQ(kept.size(), 3u);
  EXPECT_EQ(query_csv("t", "SELECT count(*) AS n, sum(id) AS s FROM o"), "n,s\n201,40101\n");
  EXPECT_EQ(query_csv("t", "SELECT * FROM o WHERE id IN (100, 102, 301) ORDER BY id"),
            "id,v\n100,v100\n102,changed\n301,new\n");
}

TEST_F(CliMerge, PartitionedMergeRewritesOnlyTouchedPartitions) {
  create_orders_with_rows();
  // Two more files in 2025-11-01 so the partition holds several files: only the one holding the
  // changed key is rewritten.
  ASSERT_EQ(silt({"table", "write", "orders", "--query",
                  "SELECT 10::BIGINT AS order_id, 1.00 AS amount, 'new' AS status, DATE '2025-11-01' AS order_date"})
                .exit_code,
            0);
  auto before = file_paths("orders");
  ASSERT_EQ(before.size(), 4u);
  // Keys include the partition column: only 2025-11-01 and 2025-11-05 (new) are considered.
  json report = silt_json({"table", "merge", "orders", "--key", "order_date,order_id", "--json", "--query",
                           "SELECT * FROM (VALUES (10::BIGINT, 1.50, 'paid', DATE '2025-11-01'), "
                           "(11::BIGINT, 2.00, 'new', DATE '2025-11-05')) AS s(order_id, amount, status, order_date)"});
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["rows_copied"], 0);
  EXPECT_EQ(report["files_removed"], 1);
  EXPECT_EQ(report["files_added"], 2);
  auto after = file_paths("orders");
  EXPECT_EQ(in_partition(after, "order_date=2025-11-02"), in_partition(before, "order_date=2025-11-02"));
  EXPECT_EQ(in_partition(after, "order_date=2025-11-03"), in_partition(before, "order_date=2025-11-03"));
  auto first_before = in_partition(before, "order_date=2025-11-01");
  auto first_after = in_partition(after, "order_date=2025-11-01");
  ASSERT_EQ(first_after.size(), 2u);
  int kept = 0;
  for (const auto& path : first_after) kept += std::count(first_before.begin(), first_before.end(), path);
  EXPECT_EQ(kept, 1) << "the file with orders 1 and 2 must stay";
  EXPECT_EQ(in_partition(after, "order_date=2025-11-05").size(), 1u);
  EXPECT_EQ(orders_csv(),
            "order_id,amount,status,order_date\n"
            "1,10.50,new,2025-11-01\n"
            "2,20.00,paid,2025-11-01\n"
            "3,5.25,new,2025-11-02\n"
            "4,7.00,paid,2025-11-03\n"
            "10,1.50,paid,2025-11-01\n"
            "11,2.00,new,2025-11-05\n");
}

TEST_F(CliMerge, UpdateMayMoveARowToAnotherPartition) {
  create_orders_with_rows();
  json report = silt_json({"table", "merge", "orders", "--key", "order_id", "--json", "--query",
                           "SELECT 3::BIGINT AS order_id, 5.25 AS amount, 'new' AS status, "
                           "DATE '2025-11-03' AS order_date"});
  EXPECT_EQ(report["rows_updated"], 1);
  EXPECT_EQ(report["files_removed"], 1);
  auto after = file_paths("orders");
  EXPECT_TRUE(in_partition(after, "order_date=2025-11-02").empty());
  EXPECT_EQ(in_partition(after, "order_date=2025-11-03").size(), 2u);
  EXPECT_EQ(query_csv("orders", "SELECT order_id, order_date FROM o WHERE order_id = 3"),
            "order_id,order_date\n3,2025-11-03\n");
}

TEST_F(CliMerge, SameMergeTwiceLeavesContentUnchanged) {
  create_orders_with_rows();
  write_file("in/changes.csv",
             "order_id,amount,status,order_date\n"
             "1,10.50,cancelled,2025-11-01\n"
             "2,21.00,paid,2025-11-01\n"
             "7,3.00,new,2025-11-03\n");
  std::vector<std::string> merge = {"table", "merge", "orders", "--input", "in/changes.csv", "--key", "order_id",
                                    "--delete-when", "status = 'cancelled'"};
  CommandResult first = silt(merge);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::string content = orders_csv();
  auto files = file_paths("orders");
  EXPECT_EQ(content,
            "order_id,amount,status,order_date\n"
            "2,21.00,paid,2025-11-01\n"
            "3,5.25,new,2025-11-02\n"
            "4,7.00,paid,2025-11-03\n"
            "7,3.00,new,2025-11-03\n");

  CommandResult second = silt(merge);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(second.out,
            "nothing to change: the 2 matched rows already hold the input's values; nothing committed "
            "(table at version 2)\n");
  EXPECT_EQ(orders_csv(), content);
  EXPECT_EQ(file_paths("orders"), files);
  EXPECT_EQ(version(), 2);
}

TEST_F(CliMerge, DuplicateSourceKeysAreRefusedNamingTheKey) {
  create_orders_with_rows();
  write_file("in/dupes.csv",
             "order_id,amount,status,order_date\n"
             "2,1.00,paid,2025-11-01\n"
             "5,1.00,new,2025-11-04\n"
             "2,2.00,paid,2025-11-01\n");
  expect_refused({"table", "merge", "orders", "--input", "in/dupes.csv", "--key", "order_id"},
                 "duplicate key in the input: order_id=2 appears in 2 rows");
  expect_refused({"table", "merge", "orders", "--input", "in/dupes.csv", "--key", "status,order_date"},
                 "duplicate key in the input: status='paid', order_date='2025-11-01' appears in 2 rows");
  EXPECT_EQ(info("orders")["num_rows"], 4);
}

TEST_F(CliMerge, NullKeysAreRefused) {
  create_orders_with_rows();
  write_file("in/nulls.csv",
             "order_id,amount,status,order_date\n"
             "2,1.00,paid,\n"
             "5,1.00,new,\n"
             "6,1.00,new,2025-11-04\n");
  expect_refused({"table", "merge", "orders", "--input", "in/nulls.csv", "--key", "order_id,order_date"},
                 "key column 'order_date' is NULL in 2 input rows");
}

TEST_F(CliMerge, BadKeysAndOptionsAreRefused) {
  create_orders_with_rows();
  std::string row = "SELECT 1::BIGINT AS order_id, 1.00 AS amount, 'x' AS status, DATE '2025-11-01' AS order_date";
  expect_refused({"table", "merge", "orders", "--key", "customer", "--query", row},
                 "key column 'customer' is not in the table (columns: order_id, amount, status, order_date)");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--query", "SELECT 1.00 AS amount"},
                 "key column 'order_id' is not in the input");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--query",
                  "SELECT 1::BIGINT AS order_id, 'x' AS status"},
                 "the input has no columns 'amount', 'order_date': a merge that updates replaces whole rows");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--query", row + ", 1 AS extra"},
                 "column 'extra' (INTEGER) of the input is not in the table schema");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--delete-when", "nope = 1", "--query", row},
                 "invalid --delete-when 'nope = 1'");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--no-update", "--no-insert", "--query", row},
                 "the merge would do nothing");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--query", row, "--app-id", "a"},
                 "--app-id and --app-version go together");
  CommandResult missing = silt({"table", "merge", "orders", "--query", row});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--key"), std::string::npos) << missing.err;
  CommandResult no_table = silt({"table", "merge", "nowhere", "--key", "id", "--query", "SELECT 1 AS id"});
  EXPECT_EQ(no_table.exit_code, 2) << no_table.err;
}

TEST_F(CliMerge, InsertOnlyMergeFillsMissingNullableColumns) {
  create_orders_with_rows();
  json report = silt_json({"table", "merge", "orders", "--key", "order_id", "--no-update", "--json", "--query",
                           "SELECT * FROM (VALUES (1::BIGINT, 'changed'), (8::BIGINT, 'new')) AS s(order_id, status)"});
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["rows_updated"], 0);
  EXPECT_EQ(report["files_removed"], 0);
  EXPECT_EQ(query_csv("orders", "SELECT * FROM o WHERE order_id IN (1, 8) ORDER BY order_id"),
            "order_id,amount,status,order_date\n"
            "1,10.50,new,2025-11-01\n"
            "8,,new,\n");
}

TEST_F(CliMerge, AppIdMakesTheMergeIdempotent) {
  create_orders_with_rows();
  std::vector<std::string> merge = {"table", "merge", "orders", "--key", "order_id", "--app-id", "loader",
                                    "--app-version", "7", "--query",
                                    "SELECT 9::BIGINT AS order_id, 9.00 AS amount, 'new' AS status, "
                                    "DATE '2025-11-09' AS order_date"};
  CommandResult first = silt(merge);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out.rfind("MERGE: committed version 2 (1 inserted, ", 0), 0u) << first.out;
  CommandResult again = silt(merge);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "skipped: app 'loader' already committed version 7 (requested 7) (table at version 2)\n");
  EXPECT_EQ(version(), 2);
  EXPECT_EQ(info("orders")["num_rows"], 5);
}

TEST_F(CliMerge, AppendOnlyTableTakesOnlyInserts) {
  ASSERT_EQ(silt({"table", "create", "orders", "--schema", kOrdersSchema, "--property", "delta.appendOnly=true"})
                .exit_code,
            0);
  ASSERT_EQ(silt({"table", "write", "orders", "--query",
                  "SELECT 1::BIGINT AS order_id, 1.00 AS amount, 'new' AS status, DATE '2025-11-01' AS order_date"})
                .exit_code,
            0);
  std::string rows =
      "SELECT * FROM (VALUES (1::BIGINT, 2.00, 'paid', DATE '2025-11-01'), "
      "(2::BIGINT, 3.00, 'new', DATE '2025-11-02')) AS s(order_id, amount, status, order_date)";
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--query", rows},
                 "is append-only (delta.appendOnly=true): this merge would update 1 and delete 0 rows");
  expect_refused({"table", "merge", "orders", "--key", "order_id", "--no-update", "--delete-when", "true", "--query",
                  rows},
                 "is append-only");
  json report = silt_json({"table", "merge", "orders", "--key", "order_id", "--no-update", "--json", "--query", rows});
  EXPECT_EQ(report["rows_inserted"], 1);
  EXPECT_EQ(report["files_removed"], 0);
  EXPECT_EQ(orders_csv(),
            "order_id,amount,status,order_date\n"
            "1,1.00,new,2025-11-01\n"
            "2,3.00,new,2025-11-02\n");
}

TEST_F(CliMerge, DamagedDataFileFailsNamingTheFile) {
  create_orders_with_rows();
  auto files = in_partition(file_paths("orders"), "order_date=2025-11-02");
  ASSERT_EQ(files.size(), 1u);
  write_file("orders/" + files[0], "this is not a parquet file");
  CommandResult result = silt({"table", "merge", "orders", "--key", "order_id", "--query",
                               "SELECT 3::BIGINT AS order_id, 1.00 AS amount, 'x' AS status, "
                               "DATE '2025-11-02' AS order_date"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(path("orders/" + files[0])), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("LINE 1:"), std::string::npos) << "internal SQL excerpt leaked: " << result.err;
}

TEST_F(CliMerge, EmptyInputCommitsNothing) {
  create_orders_with_rows();
  CommandResult result = silt({"table", "merge", "orders", "--key", "order_id", "--query",
                               "SELECT * FROM (SELECT 1::BIGINT AS order_id, 1.00 AS amount, 'x' AS status, "
                               "DATE '2025-11-01' AS order_date) WHERE false"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "the input has no rows; nothing committed (table at version 1)\n");
}

TEST_F(CliMerge, IntoAnEmptyTableInsertsEverything) {
  create_orders();
  json report = silt_json({"table", "merge", "orders", "--key", "order_id", "--json", "--query",
                           "SELECT range AS order_id, 1.00 AS amount, 'new' AS status, DATE '2025-11-01' + "
                           "CAST(range % 2 AS INTEGER) AS order_date FROM range(4)"});
  EXPECT_EQ(report["rows_inserted"], 4);
  EXPECT_EQ(report["files_added"], 2);
  EXPECT_EQ(info("orders")["num_rows"], 4);
}

}  // namespace
}  // namespace silt::testing
