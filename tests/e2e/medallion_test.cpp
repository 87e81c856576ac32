// The medallion example (examples/medallion) end to end through the real binary: four days of
// generated files land one day at a time and each day is run; a hand-made late correction and a
// re-delivered file arrive; days are run again; a backfill rebuilds everything in a second lake.
// After each step gold.fact_orders must equal, to the cent, an independent computation straight
// from the landing files (check_reference.sql), and the corrected order must carry its new amount.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

constexpr const char* kDays[] = {"2025-11-01", "2025-11-02", "2025-11-03", "2025-11-04"};
constexpr int kRowsPerDay = 3000;

std::string example_dir() { return std::string(SILT_SOURCE_DIR) + "/examples/medallion"; }

std::string replace_all_text(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class Medallion : public ::testing::Test {
 protected:
  void SetUp() override {
    landing_ = dir_.file("landing");
    use_lake(dir_.file("lake"));
    setenv("MEDALLION_LANDING", landing_.c_str(), 1);
  }

  void use_lake(const std::string& lake) {
    lake_ = lake;
    setenv("MEDALLION_LAKE", lake_.c_str(), 1);
  }

  void generate(const std::string& day) {
    CommandResult result = run_command({example_dir() + "/generate", "--out", landing_, "--date", day, "--rows",
                                        std::to_string(kRowsPerDay), "--silt", SILT_BINARY});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  nlohmann::json run(const std::vector<std::string>& extra) {
    std::vector<std::string> args{"run", "--project", example_dir(), "--json", "--threads", "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult result = run_silt(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto record = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(record.is_discarded()) << result.out;
    return record;
  }

  static const nlohmann::json& model(const nlohmann::json& record, const std::string& name) {
    for (const auto& item : record["models"]) {
      if (item["model"] == name) return item;
    }
    static const nlohmann::json kNone;
    ADD_FAILURE() << "no model " << name;
    return kNone;
  }

  std::string sql(const std::string& query) {
    CommandResult result = run_silt({"sql", "--project", example_dir(), "--format", "csv", query});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  // Per order date from gold.fact_orders: orders, corrected, cancelled, amount_usd, revenue_usd.
  std::string gold() {
    CommandResult result = run_silt({"sql", "--project", example_dir(), "--format", "csv", "--file",
                                     example_dir() + "/check_gold.sql"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  // The same figures computed from the landing files alone.
  std::string reference() {
    std::string sql = replace_all_text(testing::read_file_text(example_dir() + "/check_reference.sql"), "@LANDING@", landing_);
    std::string path = dir_.file("reference.sql");
    std::ofstream(path, std::ios::binary) << sql;
    CommandResult result = run_silt({"sql", "--format", "csv", "--file", path});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  }

  TempDir dir_;
  std::string landing_;
  std::string lake_;
};

TEST_F(Medallion, LateDataDuplicatesAndReRunsGiveExactGoldNumbers) {
  // Days 1 and 2 land and run one by one.
  for (int day = 0; day < 2; ++day) {
    generate(kDays[day]);
    auto record = run({"--date", kDays[day]});
    ASSERT_EQ(record["status"], "success") << record.dump(2);
    EXPECT_EQ(model(record, "bronze_orders")["files_ingested"], 1);
  }
  std::string expected = reference();
  ASSERT_EQ(std::count(expected.begin(), expected.end(), '\n'), 3) << expected;  // header + 2 dates
  EXPECT_EQ(gold(), expected);

  // A hand-made correction of one order of day 1, arriving on day 2 after its run.
  std::string order = sql("SELECT order_id, customer_id, currency FROM gold.fact_orders WHERE order_date = "
                          "'2025-11-01' AND NOT is_corrected ORDER BY order_id LIMIT 1");
  std::string fields = order.substr(order.find('\n') + 1);
  fields = fields.substr(0, fields.find('\n'));  // order_id,customer_id,currency
  std::string order_id = fields.substr(0, fields.find(','));
  std::string rest = fields.substr(fields.find(',') + 1);
  std::string customer_id = rest.substr(0, rest.find(','));
  std::string currency = rest.substr(rest.find(',') + 1);
  {
    std::ofstream fix(landing_ + "/orders/orders_manual-fix.csv", std::ios::binary);
    fix << "order_id,customer_id,order_date,event_ts,status,currency,amount\n"
        << order_id << "," << customer_id << ",2025-11-01,2025-11-02 23:59:59,PAID," << currency << ",12345.67\n";
  }
  auto fixed = run({"--date", "2025-11-02"});
  ASSERT_EQ(fixed["status"], "success");
  EXPECT_EQ(model(fixed, "bronze_orders")["files_ingested"], 1);
  EXPECT_EQ(model(fixed, "silver_orders")["rows_inserted"], 1);
  EXPECT_EQ(model(fixed, "fact_orders")["rows_updated"], 1);
  EXPECT_EQ(sql("SELECT amount, status, n_events, is_corrected, amount_usd = CAST(12345.67 * rate_to_base AS "
                "DECIMAL(18,2)) AS converted FROM gold.fact_orders WHERE order_id = " + order_id),
            "amount,status,n_events,is_corrected,converted\n12345.67,PAID,2,true,true\n");
  expected = reference();
  EXPECT_EQ(gold(), expected);

  // Day 3 lands; the orders file of day 2 is delivered a second time under another name.
  generate(kDays[2]);
  std::filesystem::copy_file(landing_ + "/orders/orders_2025-11-02.csv", landing_ + "/orders/orders_2025-11-02-resent.csv");
  auto third = run({"--date", kDays[2]});
  ASSERT_EQ(third["status"], "success");
  EXPECT_EQ(model(third, "bronze_orders")["files_ingested"], 2);
  expected = reference();
  EXPECT_EQ(gold(), expected);

  // Re-running day 3 and day 2 changes nothing in silver or gold facts.
  for (const char* day : {kDays[2], kDays[1]}) {
    auto again = run({"--date", day});
    ASSERT_EQ(again["status"], "success");
    EXPECT_EQ(model(again, "bronze_orders")["files_ingested"], 0);
    EXPECT_EQ(model(again, "silver_orders")["version_written"], -1) << model(again, "silver_orders").dump();
    EXPECT_EQ(model(again, "fact_orders")["version_written"], -1) << model(again, "fact_orders").dump();
    EXPECT_EQ(model(again, "silver_customers")["version_written"], -1);
  }
  EXPECT_EQ(gold(), expected);

  // Day 4 brings the generator's own late corrections of day 2.
  generate(kDays[3]);
  auto fourth = run({"--date", kDays[3]});
  ASSERT_EQ(fourth["status"], "success");
  EXPECT_GT(model(fourth, "fact_orders")["rows_updated"].get<int64_t>(), 0);
  expected = reference();
  ASSERT_EQ(std::count(expected.begin(), expected.end(), '\n'), 5) << expected;
  EXPECT_EQ(gold(), expected);
  EXPECT_EQ(sql("SELECT count(*) FILTER (WHERE is_corrected) > 0 AS corrected FROM gold.fact_orders WHERE "
                "order_date = '2025-11-02'"),
            "corrected\ntrue\n");

  // Customers keep an SCD2 history: some changed during the four days, one current version each.
  EXPECT_EQ(sql("SELECT count(*) FILTER (WHERE NOT is_current) > 0 AS has_history, count(*) FILTER (WHERE "
                "is_current) = count(DISTINCT customer_id) AS one_current FROM silver.customers"),
            "has_history,one_current\ntrue,true\n");

  // The run history holds every run, each model's commits name their run.
  CommandResult runs = run_silt({"runs", "--project", example_dir(), "--json", "--limit", "0"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto history = nlohmann::json::parse(runs.out);
  EXPECT_EQ(history.size(), 7u);
  std::string last_run = history[0]["run_id"];
  std::string version = std::to_string(model(fourth, "fact_orders")["version_written"].get<int64_t>());
  std::string commit = testing::read_file_text(lake_ + "/gold/fact_orders/_delta_log/" + std::string(20 - version.size(), '0') +
                                 version + ".json");
  EXPECT_NE(commit.find("\"siltRunId\":\"" + fourth["run_id"].get<std::string>() + "\""), std::string::npos);
  EXPECT_EQ(last_run, fourth["run_id"]);

  // A backfill of the four days into a fresh lake (every file already landed) reaches the same gold.
  use_lake(dir_.file("lake2"));
  CommandResult backfill = run_silt({"backfill", "--project", example_dir(), "--from", kDays[0], "--to", kDays[3],
                                     "--json", "--threads", "2"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
  EXPECT_EQ(nlohmann::json::parse(backfill.out).size(), 4u);
  EXPECT_EQ(gold(), expected);
}

}  // namespace
}  // namespace silt::testing
