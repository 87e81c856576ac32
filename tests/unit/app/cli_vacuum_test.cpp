// `silt vacuum` through the real binary on the tour's orders table: a dry run that lists exactly what
// the run then deletes, old orphans deleted while young ones, tombstoned and hidden files stay,
// the retention check (exit 2 naming --force), --json, and a table named through a project.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;

class CliVacuum : public SiltCli {
 protected:
  // Sets a file's modification time `days` into the past.
  void age(const std::string& relative, int days) {
    std::filesystem::last_write_time(path(relative),
                                     std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * days));
  }

  // The orders table (version 1), then order 4 deleted (version 2: its file becomes a tombstone
  // of now), every data file 30 days old, and files nobody committed.
  void make_table() {
    create_orders_with_rows();
    ASSERT_EQ(silt({"table", "delete", "orders", "--where", "order_id = 4"}).exit_code, 0);
    for (const auto& file : parquet_files_on_disk("orders")) age("orders/" + file, 30);
    write_file("orders/order_date=2025-11-01/orphan_old.parquet", "12345");
    age("orders/order_date=2025-11-01/orphan_old.parquet", 30);
    write_file("orders/order_date=2025-11-09/orphan_crashed_writer.parquet", "1234567890");
    age("orders/order_date=2025-11-09/orphan_crashed_writer.parquet", 8);
    write_file("orders/order_date=2025-11-01/orphan_young.parquet", "young");
    write_file("orders/_silt/state.json", "{}");
    age("orders/_silt/state.json", 100);
  }

  std::set<std::string> files_on_disk() const {
    std::set<std::string> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path("orders"))) {
      if (entry.is_regular_file()) out.insert(std::filesystem::relative(entry.path(), path("orders")).string());
    }
    return out;
  }
};

TEST_F(CliVacuum, DryRunListsExactlyWhatTheRunDeletes) {
  make_table();
  std::set<std::string> before = files_on_disk();
  const std::map<std::string, int64_t> expected = {{"order_date=2025-11-01/orphan_old.parquet", 5},
                                                   {"order_date=2025-11-09/orphan_crashed_writer.parquet", 10}};

  json planned = silt_json({"vacuum", "orders", "--dry-run", "--json"});
  std::map<std::string, int64_t> listed;
  for (const auto& file : planned["files"]) listed[file["path"]] = file["size"];
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(planned["dry_run"], true);
  EXPECT_EQ(planned["table"], path("orders"));
  EXPECT_EQ(planned["version"], 2);
  EXPECT_EQ(planned["num_files"], 2);
  EXPECT_EQ(planned["bytes"], 15);
  EXPECT_EQ(planned["retention"], "7d");
  EXPECT_EQ(planned["directories_removed"], 1);
  EXPECT_EQ(planned["start_version"], nullptr);
  EXPECT_EQ(files_on_disk(), before);
  EXPECT_EQ(info("orders")["version"], 2);

  CommandResult human = silt({"vacuum", "orders", "--dry-run"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("would delete 2 files (15 B)\n"
                           "  order_date=2025-11-01/orphan_old.parquet  5 B\n"
                           "  order_date=2025-11-09/orphan_crashed_writer.parquet  10 B\n"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("would remove 1 empty directory"), std::string::npos) << human.out;
  EXPECT_EQ(files_on_disk(), before);

  CommandResult run = silt({"vacuum", "orders"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("deleted 2 files (15 B)"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("committed version 3 (VACUUM START) and 4 (VACUUM END)"), std::string::npos) << run.out;
  std::set<std::string> after = before;
  for (const auto& [file, size] : expected) after.erase(file);
  after.insert("_delta_log/" + log_file(3, ".json"));
  after.insert("_delta_log/" + log_file(4, ".json"));
  EXPECT_EQ(files_on_disk(), after);  // the deleted order's file (a 0-day-old tombstone) and the young orphan stay
  EXPECT_FALSE(exists("orders/order_date=2025-11-09"));
  EXPECT_EQ(query_csv("orders", "SELECT count(*) AS n FROM o"), "n\n3\n");
  json history = silt_json({"table", "history", "orders", "--json"});
  EXPECT_EQ(history[0]["operation"], "VACUUM END");
  EXPECT_EQ(history[1]["operation"], "VACUUM START");
  // Time travel to the version before the delete still reads: its files were kept.
  EXPECT_EQ(query_csv("orders@1", "SELECT count(*) AS n FROM o"), "n\n4\n");
}

TEST_F(CliVacuum, AShortRetentionNeedsForceAndABadDurationIsAUsageError) {
  make_table();
  std::set<std::string> before = files_on_disk();
  CommandResult refused = silt({"vacuum", "orders", "--retain", "24h"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("retention of 1d"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("the minimum is 7d"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("pass --force"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(files_on_disk(), before);

  json forced = silt_json({"vacuum", "orders", "--retain", "24h", "--force", "--dry-run", "--json"});
  EXPECT_EQ(forced["retention_check_enabled"], false);
  EXPECT_EQ(forced["retention_ms"], 86'400'000);
  EXPECT_EQ(forced["num_files"], 2);  // the tombstone is younger than a day: its file stays even so

  CommandResult bad = silt({"vacuum", "orders", "--retain", "a week"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--retain 'a week' is not a duration"), std::string::npos) << bad.err;
  CommandResult missing = silt({"vacuum", "no_such_table"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("is not a Delta table"), std::string::npos) << missing.err;
}

TEST_F(CliVacuum, ATableOfTheProjectIsNamedByItsQualifiedName) {
  write_file("silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("models/silver/orders.sql", "SELECT 1 AS id\n");
  CommandResult run = silt({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  write_file("lake/silver/orders/orphan.parquet", "1234");
  std::filesystem::last_write_time(path("lake/silver/orders/orphan.parquet"),
                                   std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 10));
  json planned = silt_json({"vacuum", "silver.orders", "--dry-run", "--json"});
  EXPECT_EQ(planned["table"], path("lake/silver/orders"));
  EXPECT_EQ(planned["name"], "silver.orders");
  ASSERT_EQ(planned["files"].size(), 1u);
  EXPECT_EQ(planned["files"][0]["path"], "orphan.parquet");

  CommandResult unknown = silt({"vacuum", "silver.ordres"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no table 'silver.ordres'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("did you mean 'silver.orders'?"), std::string::npos) << unknown.err;
}

}  // namespace
}  // namespace silt::testing
