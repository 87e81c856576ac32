// The silt binary against S3 (s3rver on 127.0.0.1, configured by the AWS environment variables as
// a user would): `silt storage check`, tables with time travel, inputs read from S3, and SQL that
// names s3:// objects itself (read_parquet, COPY ... TO).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

class SiltOnS3 : public ::testing::Test {
 protected:
  void start(bool conditional_writes = true) {
    auto server = S3TestServer::start_s3rver(conditional_writes);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    auto bucket = server_->create_bucket("cli");
    ASSERT_TRUE(bucket) << bucket.error().message();
    bucket_ = *bucket;
  }

  CommandResult silt(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
    std::vector<std::string> argv = {"env"};
    auto variables = server_->client_environment();
    argv.insert(argv.end(), variables.begin(), variables.end());
    argv.insert(argv.end(), extra_env.begin(), extra_env.end());
    argv.push_back(SILT_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path());
  }

  nlohmann::json silt_json(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {}) {
    CommandResult result = silt(args, extra_env);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out << result.err;
    return parsed;
  }

  std::string scalar(const std::string& sql, const std::vector<std::string>& tables = {}) {
    std::vector<std::string> args = {"sql", "--format", "csv"};
    for (const auto& table : tables) {
      args.push_back("--table");
      args.push_back(table);
    }
    args.push_back(sql);
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::string out = result.out;
    size_t first = out.find('\n');
    if (first == std::string::npos) return out;
    std::string value = out.substr(first + 1);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    return value;
  }

  std::vector<std::string> keys(const std::string& prefix) {
    std::vector<std::string> out;
    auto listed = server_->client()->list_objects(bucket_, prefix, "", "", "");
    EXPECT_TRUE(listed) << listed.error().message();
    if (listed) {
      for (const auto& object : listed->objects) out.push_back(object.key);
    }
    return out;
  }

  std::string url(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  TempDir dir_;
  std::unique_ptr<S3TestServer> server_;
  std::string bucket_;
};

TEST_F(SiltOnS3, StorageCheckPassesOnAStoreThatEnforcesConditionalWritesAndLeavesNothing) {
  start();
  auto report = silt_json({"storage", "check", url("lake"), "--json"});
  EXPECT_TRUE(report["ok"].get<bool>()) << report.dump(2);
  std::vector<std::string> names;
  for (const auto& check : report["checks"]) {
    names.push_back(check["check"]);
    EXPECT_TRUE(check["ok"].get<bool>()) << check.dump();
  }
  EXPECT_EQ(names, (std::vector<std::string>{"credentials", "list", "write", "read", "conditional write", "latency",
                                             "delete"}));
  EXPECT_NE(report["checks"][0]["detail"].get<std::string>().find("environment variables"), std::string::npos);
  EXPECT_GT(report["requests"].get<int>(), 8);
  EXPECT_GE(report["latency_ms"]["put_p50"].get<double>(), 0.0);
  EXPECT_EQ(report.dump().find(server_->secret_key() + "\""), std::string::npos);
  EXPECT_TRUE(keys("lake/").empty()) << "the check left scratch objects";
}

TEST_F(SiltOnS3, AStoreThatIgnoresConditionalWritesFailsTheCheckAndRefusesCommitsUnlessLocked) {
  start(/*conditional_writes=*/false);
  CommandResult check = silt({"storage", "check", url("lake")});
  EXPECT_EQ(check.exit_code, 2) << check.out << check.err;
  EXPECT_NE(check.out.find("FAIL  conditional write"), std::string::npos) << check.out;
  EXPECT_NE(check.err.find("NOT enforced"), std::string::npos) << check.err;

  CommandResult create = silt({"table", "create", url("lake/t"), "--schema", "id BIGINT"});
  EXPECT_EQ(create.exit_code, 2) << create.err;
  EXPECT_NE(create.err.find("If-None-Match"), std::string::npos) << create.err;
  EXPECT_TRUE(keys("lake/t/_delta_log/").empty()) << "a refused commit wrote to the log";

  std::string lock = "SILT_S3_COMMIT_LOCK=" + dir_.file("commit.lock");
  auto locked = silt_json({"storage", "check", url("lake"), "--json"}, {lock});
  EXPECT_TRUE(locked["ok"].get<bool>()) << locked.dump(2);
  EXPECT_TRUE(locked["checks"][4]["warning"].get<bool>()) << locked.dump(2);
  EXPECT_EQ(silt({"table", "create", url("lake/t"), "--schema", "id BIGINT"}, {lock}).exit_code, 0);
}

TEST_F(SiltOnS3, TablesOnS3WriteReadAndTravelInTime) {
  start();
  ASSERT_EQ(silt({"table", "create", url("lake/orders"), "--schema", "id BIGINT, day DATE", "--partition-by", "day"})
                .exit_code,
            0);
  // Inputs in a landing zone on S3, read through a glob.
  ASSERT_TRUE(server_->client()->put_object(bucket_, "landing/a.csv", "id,day\n1,2025-01-01\n2,2025-01-02\n"));
  ASSERT_TRUE(server_->client()->put_object(bucket_, "landing/b.csv", "id,day\n3,2025-01-02\n"));
  auto first = silt_json({"table", "write", url("lake/orders"), "--input", url("landing/*.csv"), "--json"});
  EXPECT_EQ(first["version"], 1);
  auto second = silt_json({"table", "write", url("lake/orders"), "--query", "SELECT 4::BIGINT AS id, DATE '2025-01-03' AS day",
                           "--json"});
  EXPECT_EQ(second["version"], 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM o", {"o=" + url("lake/orders")}), "4");
  EXPECT_EQ(scalar("SELECT count(*) FROM o", {"o=" + url("lake/orders") + "@1"}), "3");
  EXPECT_EQ(scalar("SELECT string_agg(id::VARCHAR, '|' ORDER BY id) FROM o WHERE day = DATE '2025-01-02'",
                   {"o=" + url("lake/orders")}),
            "2|3");
  // Data files sit in Hive directories on S3; nothing was left from staging.
  bool partitioned = false;
  for (const auto& key : keys("lake/orders/")) {
    EXPECT_EQ(key.find("_silt_staging_"), std::string::npos) << key;
    if (key.find("lake/orders/day=2025-01-02/part-") == 0) partitioned = true;
  }
  EXPECT_TRUE(partitioned);
}

TEST_F(SiltOnS3, SqlReadsAndWritesS3ObjectsItNames) {
  start();
  CommandResult copied = silt({"sql", "COPY (SELECT range AS i FROM range(1000)) TO '" + url("out/x.parquet") + "'"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  ASSERT_EQ(keys("out/"), (std::vector<std::string>{"out/x.parquet"}));
  EXPECT_EQ(scalar("SELECT count(*), sum(i) FROM read_parquet('" + url("out/*.parquet") + "')"), "1000,499500");
  CommandResult missing = silt({"sql", "SELECT * FROM read_parquet('" + url("none/x.parquet") + "')"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find(url("none/x.parquet")), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace silt::testing
