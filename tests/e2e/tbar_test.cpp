// The TBAR example's transforms at every rule's boundaries, through the binary: amount tiers at
// 1K/5K/50K/500K (and v1's two categories at 5K), settlement on the second business day with
// weekends skipped, business days left to settle, quality-score weights and classes, retirement
// detection, risk levels and the broker and client patterns; and v1's 8 and v2's 25 new columns.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "base/strings.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

std::string example_dir() { return std::string(SILT_SOURCE_DIR) + "/examples/tbar"; }

// transaction_id,account_number,account_type,security_id,transaction_type,quantity,price,amount,
// currency,status,business_date,broker_code,client_id
constexpr const char* kTrades =
    "transaction_id,account_number,account_type,security_id,transaction_type,quantity,price,amount,currency,status,"
    "business_date,broker_code,client_id\n"
    // amount tiers (quantity x price = amount: no discrepancy)
    "T01,A1,CASH,S1,BUY,1,999.99,999.99,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T02,A1,CASH,S1,BUY,1,1000,1000.00,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T03,A1,CASH,S1,BUY,1,4999.99,4999.99,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T04,A1,CASH,S1,BUY,1,5000,5000.00,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T05,A1,CASH,S1,BUY,1,49999.99,49999.99,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T06,A1,CASH,S1,BUY,1,50000,50000.00,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T07,A1,CASH,S1,BUY,1,499999.99,499999.99,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T08,A1,CASH,S1,BUY,1,500000,500000.00,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    // settlement from each weekday (Mon 2025-11-03 .. Sun 2025-11-09)
    "T11,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-04,BRK1,C1\n"
    "T12,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-05,BRK1,C1\n"
    "T13,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-06,BRK1,C1\n"
    "T14,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-07,BRK1,C1\n"
    "T15,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-08,BRK1,C1\n"
    "T16,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-09,BRK1,C1\n"
    "T17,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-10-31,BRK1,C1\n"
    // quality score: a missing field, discrepancies of 1%, 3% and 10%, a record failing everything
    "T21,A1,CASH,S1,BUY,1,10,10,USD,COMPLETE,2025-11-03,BRK1,\n"
    "T22,A1,CASH,S1,BUY,10,100,1010,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T23,A1,CASH,S1,BUY,10,100,1030,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T24,A1,CASH,S1,BUY,10,100,1100,USD,COMPLETE,2025-11-03,BRK1,C1\n"
    "T25,A1,CASH,S1,BUY,10,100,1100,US,CANCELLED,2025-11-08,BRK1,C1\n"
    // messy text, retirement accounts, brokers and clients
    "  t31 ,a1, ira ,s1,buy,1,10, 10 ,usd,complete ,2025-11-03,brk1,c1\n"
    "T32,A1,Roth IRA,S1,BUY,1,10,10,USD,COMPLETE,2025-11-03,PRM1,VIP1\n"
    "T33,A1,401k,S1,BUY,1,20000,20000,USD,COMPLETE,2025-11-03,XOF1,INST1\n"
    "T34,A1,MARGIN,S1,BUY,1,10,10,USD,COMPLETE,2025-11-03,,C1\n"
    "T35,,CASH,S1,BUY,1,150000,150000,USD,PENDING,2025-11-03,BRK1,C1\n";

class TbarExample : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.file("landing/trades"));
    std::ofstream(dir_.file("landing/trades/trades.csv")) << kTrades;
    setenv("TBAR_LANDING", dir_.file("landing").c_str(), 1);
    setenv("TBAR_LAKE", dir_.file("lake").c_str(), 1);
  }

  CommandResult silt(std::vector<std::string> args) {
    args.insert(args.begin(), SILT_BINARY);
    args.push_back("--project");
    args.push_back(example_dir());
    return run_command(args, dir_.path());
  }

  // column -> value for each txn_id.
  std::map<std::string, std::map<std::string, std::string>> rows(const std::string& columns) {
    CommandResult result = silt({"sql", "--format", "csv", "SELECT txn_id, " + columns + " FROM tbar.hydrated"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::map<std::string, std::map<std::string, std::string>> out;
    std::vector<std::string> lines = split(result.out, '\n');
    std::vector<std::string> names = split(lines.at(0), ',');
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      std::vector<std::string> cells = split(lines[i], ',');
      for (size_t c = 1; c < names.size() && c < cells.size(); ++c) out[cells[0]][names[c]] = cells[c];
    }
    return out;
  }

  int columns() {
    CommandResult result = silt({"sql", "--format", "csv", "SELECT count(*) FROM (DESCRIBE tbar.hydrated)"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return std::stoi(split(result.out, '\n').at(1));
  }

  TempDir dir_;
};

TEST_F(TbarExample, V1RulesAtTheirBoundaries) {
  CommandResult run = silt({"run", "--date", "2025-11-03"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(columns(), 13 + 8);
  auto v1 = rows("amount_category, settlement_days, record_quality, is_valid_status, composite_key, schema_version");
  EXPECT_EQ(v1["T03"]["amount_category"], "SMALL");
  EXPECT_EQ(v1["T04"]["amount_category"], "LARGE");
  EXPECT_EQ(v1["T13"]["settlement_days"], "2025-11-08");  // calendar days: a Saturday
  EXPECT_EQ(v1["T31"]["composite_key"], "A1|S1|2025-11-03");  // trimmed and upper-cased
  EXPECT_EQ(v1["T31"]["is_valid_status"], "true");
  EXPECT_EQ(v1["T25"]["is_valid_status"], "false");
  EXPECT_EQ(v1["T35"]["record_quality"], "INVALID");  // no account
  EXPECT_EQ(v1["T01"]["record_quality"], "VALID");
  EXPECT_EQ(v1["T01"]["schema_version"], "v1");
}

TEST_F(TbarExample, V2RulesAtTheirBoundaries) {
  CommandResult run = silt({"run", "--date", "2025-11-03", "--context", "environment=dev"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(columns(), 13 + 25);
  auto v2 = rows(
      "amount_tier, settlement_date, business_days_to_settle, quality_score, record_quality_classification, "
      "has_value_discrepancy, discrepancy_pct, is_retirement_account, requires_tax_reporting, transaction_risk_level, "
      "broker_risk_category, client_tier, is_high_value, requires_regulatory_reporting, audit_required, schema_version");
  // Tiers: MICRO < 1K <= SMALL < 5K <= MEDIUM < 50K <= LARGE < 500K <= JUMBO.
  const std::map<std::string, std::string> tiers = {{"T01", "MICRO"},  {"T02", "SMALL"}, {"T03", "SMALL"},
                                                    {"T04", "MEDIUM"}, {"T05", "MEDIUM"}, {"T06", "LARGE"},
                                                    {"T07", "LARGE"},  {"T08", "JUMBO"}};
  for (const auto& [txn, tier] : tiers) EXPECT_EQ(v2[txn]["amount_tier"], tier) << txn;
  // T+2 business days: Mon->Wed, Tue->Thu, Wed->Fri, Thu->Mon, Fri->Tue, Sat->Tue, Sun->Tue.
  const std::map<std::string, std::string> settles = {{"T01", "2025-11-05"}, {"T11", "2025-11-06"},
                                                      {"T12", "2025-11-07"}, {"T13", "2025-11-10"},
                                                      {"T14", "2025-11-11"}, {"T15", "2025-11-11"},
                                                      {"T16", "2025-11-11"}, {"T17", "2025-11-04"}};
  for (const auto& [txn, date] : settles) EXPECT_EQ(v2[txn]["settlement_date"], date) << txn;
  // Business days from the run date (Mon 2025-11-03) to settlement, weekends not counted.
  EXPECT_EQ(v2["T01"]["business_days_to_settle"], "2");   // Wed
  EXPECT_EQ(v2["T13"]["business_days_to_settle"], "5");   // next Mon: Tue..Fri, Mon
  EXPECT_EQ(v2["T16"]["business_days_to_settle"], "6");   // next Tue
  EXPECT_EQ(v2["T17"]["business_days_to_settle"], "1");   // Fri 10-31 settles Tue 11-04
  // Quality score: completeness 40 (per field of 13), accuracy 30 (15 up to 5% off), consistency
  // 30 (valid status, weekday, ISO currency).
  EXPECT_EQ(v2["T01"]["quality_score"], "100");
  EXPECT_EQ(v2["T01"]["record_quality_classification"], "EXCELLENT");
  EXPECT_EQ(v2["T21"]["quality_score"], "97");  // 40 * 12/13 = 36.9
  EXPECT_EQ(v2["T22"]["quality_score"], "100");  // exactly 1% off still counts as accurate
  EXPECT_EQ(v2["T22"]["has_value_discrepancy"], "false");
  EXPECT_EQ(v2["T22"]["discrepancy_pct"], "1.0");
  EXPECT_EQ(v2["T23"]["quality_score"], "85");
  EXPECT_EQ(v2["T23"]["record_quality_classification"], "GOOD");
  EXPECT_EQ(v2["T23"]["has_value_discrepancy"], "true");
  EXPECT_EQ(v2["T24"]["quality_score"], "70");
  EXPECT_EQ(v2["T24"]["record_quality_classification"], "FAIR");
  EXPECT_EQ(v2["T25"]["quality_score"], "40");  // weekend, unknown status, bad currency, 10% off
  EXPECT_EQ(v2["T25"]["record_quality_classification"], "POOR");
  EXPECT_EQ(v2["T25"]["audit_required"], "true");
  // Retirement accounts, tax reporting, risk, brokers, clients.
  EXPECT_EQ(v2["T31"]["is_retirement_account"], "true");
  EXPECT_EQ(v2["T32"]["is_retirement_account"], "true");
  EXPECT_EQ(v2["T33"]["is_retirement_account"], "true");
  EXPECT_EQ(v2["T34"]["is_retirement_account"], "false");
  EXPECT_EQ(v2["T31"]["requires_tax_reporting"], "true");  // retirement, although small
  EXPECT_EQ(v2["T05"]["requires_tax_reporting"], "true");  // above 10K
  EXPECT_EQ(v2["T02"]["requires_tax_reporting"], "false");
  EXPECT_EQ(v2["T31"]["transaction_risk_level"], "MEDIUM");  // retirement
  EXPECT_EQ(v2["T01"]["transaction_risk_level"], "LOW");
  EXPECT_EQ(v2["T33"]["transaction_risk_level"], "HIGH");    // offshore broker
  EXPECT_EQ(v2["T35"]["transaction_risk_level"], "HIGH");    // 150K
  EXPECT_EQ(v2["T34"]["transaction_risk_level"], "MEDIUM");  // unknown broker
  EXPECT_EQ(v2["T32"]["broker_risk_category"], "LOW");
  EXPECT_EQ(v2["T33"]["broker_risk_category"], "HIGH");
  EXPECT_EQ(v2["T34"]["broker_risk_category"], "UNKNOWN");
  EXPECT_EQ(v2["T01"]["broker_risk_category"], "MEDIUM");
  EXPECT_EQ(v2["T32"]["client_tier"], "PREMIUM");
  EXPECT_EQ(v2["T33"]["client_tier"], "INSTITUTIONAL");
  EXPECT_EQ(v2["T21"]["client_tier"], "UNKNOWN");
  EXPECT_EQ(v2["T01"]["client_tier"], "RETAIL");
  EXPECT_EQ(v2["T35"]["is_high_value"], "true");
  EXPECT_EQ(v2["T06"]["is_high_value"], "false");
  EXPECT_EQ(v2["T06"]["requires_regulatory_reporting"], "true");  // 50K >= 10K
  EXPECT_EQ(v2["T02"]["requires_regulatory_reporting"], "false");
  EXPECT_EQ(v2["T01"]["schema_version"], "v2");
}

// The demo script runs its whole story (v1, v2 for dev, a rollout, shadow, rollback, replay).
TEST(TbarDemo, RunsToTheEnd) {
  TempDir dir;
  CommandResult result = run_command({example_dir() + "/demo", SILT_BINARY, "--rows", "2000", "--dir", dir.file("demo")});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("tbar demo: done"), std::string::npos);
  EXPECT_NE(result.out.find("published version v1 of tbar_hydrated"), std::string::npos);
  EXPECT_NE(result.out.find("shadow diff (nothing committed)"), std::string::npos);
}

}  // namespace
}  // namespace silt::testing
