// `silt optimize` through the real binary: a dry run that writes nothing, bin-packing of a
// partition's small files with the rows unchanged, Z-order with --json, the project's per-table
// defaults (silt.yaml `tables:`), and bad options with exit code 2.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;

class CliOptimize : public SiltCli {
 protected:
  // The orders table, then three more single-row appends into 2025-11-01: four small files there.
  void make_table() {
    create_orders_with_rows();
    for (int i = 0; i < 3; ++i) {
      std::string file = "in/more_" + std::to_string(i) + ".csv";
      write_file(file, "order_id,amount,status,order_date\n" + std::to_string(10 + i) + ",1.00,new,2025-11-01\n");
      CommandResult appended = silt({"table", "write", "orders", "--input", file});
      ASSERT_EQ(appended.exit_code, 0) << appended.err;
    }
  }

  std::string checksum() { return query_csv("orders", "SELECT count(*), sum(order_id), sum(amount) FROM o"); }
};

TEST_F(CliOptimize, ADryRunWritesNothingAndTheRunCompactsTheSmallFiles) {
  make_table();
  const auto files_before = file_paths("orders");
  ASSERT_EQ(in_partition(files_before, "order_date=2025-11-01").size(), 4u);
  const std::string rows = checksum();

  json planned = silt_json({"optimize", "orders", "--dry-run", "--json"});
  EXPECT_EQ(planned["committed"], false);
  EXPECT_EQ(planned["dry_run"], true);
  ASSERT_EQ(planned["partitions"].size(), 1u);
  EXPECT_EQ(planned["partitions"][0]["partition"], "order_date=2025-11-01");
  EXPECT_EQ(planned["partitions"][0]["files_removed"], 4);
  EXPECT_EQ(file_paths("orders"), files_before);

  json done = silt_json({"optimize", "orders", "--json"});
  EXPECT_EQ(done["committed"], true);
  EXPECT_EQ(done["files_removed"], 4);
  EXPECT_EQ(done["files_added"], 1);
  EXPECT_EQ(done["version"], 5);
  const auto files_after = file_paths("orders");
  EXPECT_EQ(in_partition(files_after, "order_date=2025-11-01").size(), 1u);
  EXPECT_EQ(files_after.size(), files_before.size() - 3);
  EXPECT_EQ(checksum(), rows);

  // Nothing left to compact: no commit, exit 0 and a message saying so.
  CommandResult again = silt({"optimize", "orders"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing committed"), std::string::npos) << again.out;
  EXPECT_EQ(info("orders")["version"], 5);
}

TEST_F(CliOptimize, ZOrderWithAPartitionPredicate) {
  make_table();
  const std::string rows = checksum();
  json done = silt_json({"optimize", "orders", "--where", "order_date >= DATE '2025-11-02'", "--zorder",
                         "amount,order_id", "--target-file-size", "64MB", "--json"});
  EXPECT_EQ(done["zorder"], json::array({"amount", "order_id"}));
  EXPECT_EQ(done["target_file_bytes"], 64000000);
  EXPECT_EQ(done["partitions_selected"], 2);
  EXPECT_EQ(done["files_removed"], 2);
  EXPECT_EQ(checksum(), rows);
  EXPECT_EQ(in_partition(file_paths("orders"), "order_date=2025-11-01").size(), 4u);
}

TEST_F(CliOptimize, BadOptionsExitWithTwoAndNameTheProblem) {
  make_table();
  CommandResult column = silt({"optimize", "orders", "--zorder", "amout"});
  EXPECT_EQ(column.exit_code, 2);
  EXPECT_NE(column.err.find("Z-order column 'amout' does not exist"), std::string::npos) << column.err;
  EXPECT_NE(column.err.find("did you mean 'amount'?"), std::string::npos) << column.err;
  CommandResult size = silt({"optimize", "orders", "--target-file-size", "huge"});
  EXPECT_EQ(size.exit_code, 2);
  EXPECT_NE(size.err.find("--target-file-size 'huge'"), std::string::npos) << size.err;
  CommandResult where = silt({"optimize", "orders", "--where", "amount > 1"});
  EXPECT_EQ(where.exit_code, 2);
  EXPECT_NE(where.err.find("--where"), std::string::npos) << where.err;
  CommandResult missing = silt({"optimize", "no_such_table"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("is not a Delta table"), std::string::npos) << missing.err;
}

TEST_F(CliOptimize, TheProjectsTableSettingsAreTheDefaults) {
  write_file("silt.yaml",
             "name: shop\nstorage: ./lake\ntables:\n  silver.orders:\n    zorder: [id, amount]\n    retain: 10d\n");
  write_file("models/silver/orders.sql", "SELECT range AS id, range * 2 AS amount FROM range(100)\n");
  for (int i = 0; i < 2; ++i) {
    CommandResult run = silt({"run"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  json done = silt_json({"optimize", "silver.orders", "--json"});
  EXPECT_EQ(done["name"], "silver.orders");
  EXPECT_EQ(done["zorder"], json::array({"id", "amount"}));
  // --zorder on the command line wins over the project's.
  json override = silt_json({"optimize", "silver.orders", "--zorder", "amount", "--dry-run", "--json"});
  EXPECT_EQ(override["zorder"], json::array({"amount"}));

  json vacuumed = silt_json({"vacuum", "silver.orders", "--dry-run", "--json"});
  EXPECT_EQ(vacuumed["retention_ms"], int64_t{10} * 24 * 3600 * 1000);
}

}  // namespace
}  // namespace silt::testing
