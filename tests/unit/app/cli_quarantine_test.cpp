// Quality gates in `silt run`: a failing gate leaves the table's log untouched; quarantine splits
// the rows between the table and <table>__quarantine in two linked commits, and a crash (SIGKILL)
// at every point between staging and the second commit is completed by the next run or by
// `silt recover`, with no row lost or doubled.
#include <cstdlib>

#include "silt_cli.h"

namespace silt::testing {
namespace {

class SiltGate : public SiltCli {
 protected:
  void SetUp() override {
    write_file("p/silt.yaml",
               "name: shop\nstorage: ./lake\nsources:\n  - name: orders\n    format: csv\n"
               "    path: landing/*.csv\n");
    model("quarantine\nmax_quarantine_pct: 50");
    // Ten rows; 2 and 5 have no customer, 7 has a bad status, 9 a negative amount and a bad status.
    write_file("p/landing/d1.csv",
               "order_id,customer_id,status,amount\n"
               "1,10,PAID,5\n2,,PAID,6\n3,11,NEW,7\n4,12,PAID,8\n5,,NEW,9\n"
               "6,13,PAID,1\n7,14,LOST,2\n8,15,NEW,3\n9,16,GONE,-4\n10,17,PAID,5\n");
  }

  void model(const std::string& on_failure) {
    write_file("p/models/bronze/bronze_orders.sql",
               "/* silt:\n"
               "materialized: append\n"
               "checks:\n"
               "  - not_null: [customer_id]\n"
               "  - accepted_values: {column: status, values: [PAID, NEW]}\n"
               "  - range: {column: amount, min: 0}\n"
               "  - row_count: {min: 1}\n"
               "on_failure: " + on_failure + "\n"
               "*/\n"
               "SELECT order_id, customer_id, status, amount, _source_file FROM source.orders\n");
  }

  CommandResult run() { return silt({"run", "--project", "p", "--date", "2025-11-01"}); }

  std::string sql(const std::string& query) {
    return silt_out({"sql", "--project", "p", "--format", "csv", query});
  }

  // The ids in the table and in its quarantine, as "good|quarantined".
  std::string split() {
    std::string good = sql("SELECT string_agg(order_id, ' ' ORDER BY order_id) AS ids FROM bronze.orders");
    std::string bad = silt_out({"sql", "--table", "q=p/lake/bronze/orders__quarantine", "--format", "csv",
                                "SELECT string_agg(order_id, ' ' ORDER BY order_id) AS ids FROM q"});
    return good.substr(4, good.size() - 5) + "|" + bad.substr(4, bad.size() - 5);
  }

  bool pending_left() {
    std::string dir = path("p/lake/_silt/pending");
    return std::filesystem::exists(dir) && !std::filesystem::is_empty(dir);
  }
};

TEST_F(SiltGate, QuarantineSplitsRowsInLinkedCommits) {
  CommandResult result = run();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("1 pass, 3 fail"), std::string::npos) << result.out;
  EXPECT_EQ(split(), "1 3 4 6 8 10|2 5 7 9");
  EXPECT_EQ(silt_out({"sql", "--table", "q=p/lake/bronze/orders__quarantine", "--format", "csv",
                      "SELECT order_id, _silt_reason, _silt_source_file LIKE '%d1.csv' AS file FROM q ORDER BY 1"}),
            "order_id,_silt_reason,file\n"
            "2,failed not_null(customer_id),true\n"
            "5,failed not_null(customer_id),true\n"
            "7,failed accepted_values(status),true\n"
            "9,\"failed accepted_values(status), range(amount)\",true\n");
  // Both commits name the run.
  auto record = silt_json({"runs", "--project", "p", "--json"})[0];
  std::string run_id = record["run_id"];
  EXPECT_EQ(record["models"][0]["quality"], "quarantined");
  EXPECT_EQ(record["models"][0]["rows_quarantined"], 4);
  EXPECT_NE(read_file("p/lake/bronze/orders/_delta_log/" + log_file(0, ".json")).find(run_id), std::string::npos);
  EXPECT_NE(read_file("p/lake/bronze/orders__quarantine/_delta_log/" + log_file(0, ".json")).find(run_id),
            std::string::npos);
  EXPECT_FALSE(pending_left());
  // Results are stored and listed.
  auto reports = silt_json({"quality", "--project", "p", "--json"});
  ASSERT_FALSE(reports.empty());
}

TEST_F(SiltGate, AGateCommitsNothingAndSkipsDescendants) {
  model("gate");
  write_file("p/models/silver/silver_orders.sql", "SELECT * FROM bronze.orders\n");
  CommandResult result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("not_null(customer_id): 2 of 10 rows"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("order_id=2"), std::string::npos) << result.err;  // an example row
  EXPECT_FALSE(exists("p/lake/bronze/orders/_delta_log"));
  EXPECT_FALSE(exists("p/lake/bronze/orders__quarantine"));
  auto record = silt_json({"runs", "--project", "p", "--json"})[0];
  EXPECT_EQ(record["models"][0]["quality"], "gated");
  EXPECT_EQ(record["models"][1]["status"], "skipped");
  // With clean data the gate opens; a later bad file leaves the table's version as it was.
  write_file("p/landing/d1.csv", "order_id,customer_id,status,amount\n1,10,PAID,5\n");
  ASSERT_EQ(run().exit_code, 0);
  write_file("p/landing/d2.csv", "order_id,customer_id,status,amount\n2,,PAID,5\n");
  EXPECT_EQ(run().exit_code, 1);
  EXPECT_EQ(info("p/lake/bronze/orders")["version"], 0);
  EXPECT_FALSE(exists("p/lake/bronze/orders/_delta_log/" + log_file(1, ".json")));
}

TEST_F(SiltGate, TooManyBadRowsGateEvenInQuarantineMode) {
  model("quarantine\nmax_quarantine_pct: 20");
  CommandResult result = run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("4 of 10 rows (40.00%) fail row-level checks, above max_quarantine_pct 20"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(exists("p/lake/bronze/orders/_delta_log"));
}

TEST_F(SiltGate, WarnCommitsEverything) {
  model("warn");
  CommandResult result = run();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n10\n");
  EXPECT_EQ(silt_json({"runs", "--project", "p", "--json"})[0]["models"][0]["quality"], "warned");
}

class SiltQuarantineCrash : public SiltGate, public ::testing::WithParamInterface<const char*> {};

TEST_P(SiltQuarantineCrash, TheNextRunCompletesTheLinkedCommits) {
  setenv("SILT_CRASH_AT", GetParam(), 1);
  CommandResult crashed = run();
  unsetenv("SILT_CRASH_AT");
  EXPECT_EQ(crashed.exit_code, 128 + 9) << "the process was expected to be killed (SIGKILL) at " << GetParam();
  CommandResult after = run();
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_EQ(split(), "1 3 4 6 8 10|2 5 7 9");
  EXPECT_FALSE(pending_left());
  // And once more: nothing new, nothing doubled.
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(split(), "1 3 4 6 8 10|2 5 7 9");
}

TEST_P(SiltQuarantineCrash, RecoverCompletesTheLinkedCommits) {
  setenv("SILT_CRASH_AT", GetParam(), 1);
  CommandResult crashed = run();
  unsetenv("SILT_CRASH_AT");
  EXPECT_EQ(crashed.exit_code, 128 + 9) << "the process was expected to be killed (SIGKILL) at " << GetParam();
  CommandResult recovered = silt({"recover", "--project", "p"});
  ASSERT_EQ(recovered.exit_code, 0) << recovered.err;
  if (std::string(GetParam()) == "quarantine-staged") {
    // Nothing was recorded yet: nothing to complete, and nothing visible.
    EXPECT_EQ(recovered.out, "nothing to recover\n");
    EXPECT_FALSE(exists("p/lake/bronze/orders/_delta_log"));
  } else {
    EXPECT_EQ(recovered.out, "completed 1 record of linked commits\n");
    EXPECT_EQ(split(), "1 3 4 6 8 10|2 5 7 9");
  }
  EXPECT_FALSE(pending_left());
}

INSTANTIATE_TEST_SUITE_P(AtEachPoint, SiltQuarantineCrash,
                         ::testing::Values("quarantine-staged", "quarantine-recorded", "quarantine-first-commit",
                                           "quarantine-committed"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (auto& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace silt::testing
