// `silt check` and `silt quality` through the real binary: a model's checks on its table (written
// here with the table commands, so no run is involved), exit codes, examples, time travel, the
// stored reports and their listing.
#include <filesystem>

#include "silt_cli.h"

namespace silt::testing {
namespace {

class SiltQuality : public SiltCli {
 protected:
  void SetUp() override {
    write_file("p/silt.yaml",
               "name: shop\n"
               "storage: ./lake\n");
    write_file("p/models/silver/silver_customers.sql", "SELECT 1 AS customer_id\n");
  }

  // silver_orders with the given configuration lines (YAML) in its header.
  void orders_model(const std::string& config) {
    write_file("p/models/silver/silver_orders.sql",
               "/* silt:\n" + config + "*/\nSELECT 1 AS order_id, 'A' AS status, 1 AS customer_id\n");
  }

  // Replaces the rows of a table of the project (creating it on first use).
  void write_table(const std::string& table, const std::string& schema, const std::string& csv) {
    std::string root = "p/lake/" + table;
    if (!exists(root + "/_delta_log")) {
      CommandResult created = silt({"table", "create", root, "--schema", schema});
      ASSERT_EQ(created.exit_code, 0) << created.err;
    }
    write_file("in/data.csv", csv);
    CommandResult written = silt({"table", "write", root, "--input", "in/data.csv", "--mode", "overwrite"});
    ASSERT_EQ(written.exit_code, 0) << written.err;
  }

  void write_orders(const std::string& rows) {
    write_table("silver/orders", "order_id BIGINT, status VARCHAR, customer_id BIGINT",
                "order_id,status,customer_id\n" + rows);
  }

  CommandResult check(std::vector<std::string> args) {
    args.insert(args.begin(), {"check", "--project", "p"});
    return silt(args);
  }

  nlohmann::json check_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"check", "--project", "p", "--json"});
    CommandResult result = silt(args);
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out << result.err;
    parsed["exit_code"] = result.exit_code;
    return parsed;
  }

  static const nlohmann::json& result_named(const nlohmann::json& report, const std::string& name) {
    for (const auto& item : report["results"]) {
      if (item["name"] == name) return item;
    }
    static const nlohmann::json kNone;
    ADD_FAILURE() << "no result " << name << " in " << report.dump();
    return kNone;
  }

  std::vector<std::string> stored_reports(const std::string& table) {
    std::vector<std::string> names;
    std::string dir = path("p/lake/_quality/" + table);
    if (!std::filesystem::exists(dir)) return names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

TEST_F(SiltQuality, FailingErrorChecksExitOneWithExamplesAndAStoredReport) {
  orders_model(
      "checks:\n"
      "  - not_null: [order_id]\n"
      "  - accepted_values: {column: status, values: [A, B]}\n"
      "  - unique: [order_id]\n"
      "    severity: warn\n");
  write_orders("1,A,1\n2,B,1\n,A,2\n3,C,2\n3,A,2\n");

  CommandResult result = check({"silver_orders"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("silver.orders version 1 (5 rows): failed, 0 passed, 1 warned, 2 failed"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("fail not_null(order_id): 1 of 5 rows has order_id NULL"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("fail accepted_values(status): 1 of 5 rows has status not in (A, B)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("warn unique(order_id): 1 duplicated key (2 rows)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("examples (1 of 1 failing rows):"), std::string::npos) << result.out;
  ASSERT_EQ(stored_reports("silver.orders").size(), 1u);
  EXPECT_NE(stored_reports("silver.orders")[0].find("-check.json"), std::string::npos);

  auto report = check_json({"silver.orders"});
  EXPECT_EQ(report["exit_code"], 1);
  EXPECT_EQ(report["table"], "silver.orders");
  EXPECT_EQ(report["model"], "silver_orders");
  EXPECT_EQ(report["run_id"], "");
  EXPECT_EQ(report["table_version"], 1);
  EXPECT_EQ(report["outcome"], "failed");
  EXPECT_EQ(report["rows_checked"], 5);
  const auto& status = result_named(report, "accepted_values(status)");
  EXPECT_EQ(status["status"], "fail");
  EXPECT_EQ(status["failing"], 1);
  EXPECT_EQ(status["examples"], nlohmann::json::parse(R"([["3", "C", "2"]])"));
  EXPECT_EQ(result_named(report, "unique(order_id)")["status"], "warn");
  EXPECT_EQ(stored_reports("silver.orders").size(), 2u);
}

TEST_F(SiltQuality, WarningsAloneExitZero) {
  orders_model(
      "checks:\n"
      "  - not_null: [order_id]\n"
      "    severity: warn\n"
      "  - range: {column: customer_id, min: 1, max: 10}\n");
  write_orders("1,A,1\n,B,2\n");
  CommandResult result = check({"silver_orders"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("warned, 1 passed, 1 warned, 0 failed"), std::string::npos) << result.out;
}

TEST_F(SiltQuality, VersionsAndRowCountChangeAgainstThePreviousVersion) {
  orders_model(
      "checks:\n"
      "  - not_null: [order_id]\n"
      "  - row_count: {min: 1, max_change_pct: 50}\n");
  write_orders("1,A,1\n2,A,1\n");           // version 1
  write_orders("1,A,1\n,A,1\n3,A,1\n4,A,1\n");  // version 2: a NULL id, twice the rows
  auto latest = check_json({"silver_orders"});
  EXPECT_EQ(latest["exit_code"], 1);
  EXPECT_EQ(latest["table_version"], 2);
  EXPECT_EQ(result_named(latest, "row_count")["message"], "row count 4 changed 100.0% from 2 (max 50%)");
  EXPECT_EQ(result_named(latest, "not_null(order_id)")["status"], "fail");

  auto first = check_json({"silver_orders", "--version", "1"});
  EXPECT_EQ(first["exit_code"], 0);
  EXPECT_EQ(first["table_version"], 1);
  EXPECT_EQ(first["outcome"], "passed");
  EXPECT_EQ(result_named(first, "row_count")["message"], "row count 2");

  CommandResult missing = check({"silver_orders", "--version", "9"});
  EXPECT_EQ(missing.exit_code, 2) << missing.err;
}

TEST_F(SiltQuality, RelationshipsReadTheOtherModelsTable) {
  orders_model(
      "checks:\n"
      "  - relationships: {column: customer_id, to: silver_customers, field: customer_id}\n");
  write_orders("1,A,1\n2,A,7\n3,A,\n");
  CommandResult not_built = check({"silver_orders"});
  EXPECT_EQ(not_built.exit_code, 2) << not_built.out << not_built.err;
  EXPECT_NE(not_built.err.find("silver.customers does not exist yet"), std::string::npos) << not_built.err;

  write_table("silver/customers", "customer_id BIGINT", "customer_id\n1\n2\n");
  auto report = check_json({"silver_orders"});
  EXPECT_EQ(report["exit_code"], 1);
  const auto& relationship = result_named(report, "relationships(customer_id -> silver_customers.customer_id)");
  EXPECT_EQ(relationship["failing"], 1);
  EXPECT_EQ(relationship["examples"], nlohmann::json::parse(R"([["2", "A", "7"]])"));
}

TEST_F(SiltQuality, ContractColumnsAndDeclaredChecks) {
  orders_model(
      "contract:\n"
      "  columns:\n"
      "    order_id: {type: BIGINT, nullable: false}\n"
      "    status: VARCHAR\n"
      "    customer_id: INTEGER\n"
      "  primary_key: [order_id]\n");
  write_orders("1,A,1\n1,B,2\n");
  CommandResult result = check({"silver_orders", "--json"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("models/silver/silver_orders.sql: contract: column 'customer_id' is BIGINT in the model's "
                            "result but INTEGER in the contract"),
            std::string::npos)
      << result.err;
  auto report = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << result.out;
  EXPECT_EQ(result_named(report, "contract: not_null(order_id)")["status"], "pass");
  EXPECT_EQ(result_named(report, "contract: primary_key(order_id)")["status"], "fail");
  EXPECT_EQ(report["outcome"], "failed");
}

TEST_F(SiltQuality, BadUsage) {
  orders_model("checks:\n  - not_null: [order_id]\n");
  CommandResult unknown = check({"silver_ordres"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown model 'silver_ordres' (did you mean 'silver_orders'?)"), std::string::npos)
      << unknown.err;

  CommandResult not_built = check({"silver_orders"});
  EXPECT_EQ(not_built.exit_code, 2);
  EXPECT_NE(not_built.err.find("does not exist yet"), std::string::npos) << not_built.err;

  CommandResult no_checks = check({"silver_customers"});
  EXPECT_EQ(no_checks.exit_code, 0) << no_checks.err;
  EXPECT_NE(no_checks.out.find("has no checks"), std::string::npos) << no_checks.out;

  // A check on a column the table lacks names the check and where it is configured.
  orders_model("checks:\n  - not_null: [order_key]\n");
  write_orders("1,A,1\n");
  CommandResult bad_column = check({"silver_orders"});
  EXPECT_EQ(bad_column.exit_code, 2);
  EXPECT_NE(bad_column.err.find("models/silver/silver_orders.sql:3: check 'not_null(order_key)' cannot run"),
            std::string::npos)
      << bad_column.err;
}

TEST_F(SiltQuality, QualityListsStoredReports) {
  CommandResult empty = silt({"quality", "--project", "p"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "no quality reports yet\n");

  orders_model("checks:\n  - not_null: [order_id]\n");
  write_orders("1,A,1\n");
  ASSERT_EQ(check({"silver_orders"}).exit_code, 0);
  write_orders(",A,1\n");
  ASSERT_EQ(check({"silver_orders"}).exit_code, 1);

  CommandResult list = silt({"quality", "--project", "p"});
  EXPECT_EQ(list.exit_code, 0) << list.err;
  size_t failed = list.out.find("| silver.orders | check | 2 ");
  size_t passed = list.out.find("| silver.orders | check | 1 ");
  EXPECT_NE(failed, std::string::npos) << list.out;
  EXPECT_NE(passed, std::string::npos) << list.out;
  EXPECT_LT(failed, passed) << "newest first: " << list.out;

  auto reports = silt_json({"quality", "--project", "p", "--json", "--limit", "1"});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0]["table_version"], 2);
  EXPECT_EQ(reports[0]["outcome"], "failed");

  CommandResult detail = silt({"quality", "--project", "p", "--table", "silver_orders"});
  EXPECT_EQ(detail.exit_code, 0) << detail.err;
  EXPECT_NE(detail.out.find("silver.orders version 2 (1 rows): failed"), std::string::npos) << detail.out;
  EXPECT_NE(detail.out.find("fail not_null(order_id): 1 of 1 rows has order_id NULL"), std::string::npos) << detail.out;

  CommandResult other = silt({"quality", "--project", "p", "--run", "20250101T000000000Z-abcd"});
  EXPECT_EQ(other.exit_code, 0);
  EXPECT_EQ(other.out, "no quality reports match\n");
}

}  // namespace
}  // namespace silt::testing
