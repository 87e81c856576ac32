// Versioned models through the binary, with the lake on local disk and on S3 (s3rver): a run per
// flag variation, `silt flags set` with its audit trail, `silt publish` to roll back, `silt diff`
// of two versions and of two table versions, a shadow run, and a replay of recorded flags.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class CliVersions : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string storage = "./lake";
    if (GetParam() == "s3") {
      auto server = S3TestServer::start_s3rver();
      ASSERT_TRUE(server) << server.error().message();
      server_ = std::move(*server);
      auto bucket = server_->create_bucket("versions");
      ASSERT_TRUE(bucket) << bucket.error().message();
      storage = "s3://" + *bucket + "/lake";
    }
    write(dir_.file("silt.yaml"), "name: tbar\nstorage: " + storage +
                                      "\nsources:\n  - name: trades\n    format: csv\n    path: landing/*.csv\n"
                                      "    options: {header: true}\n");
    write(dir_.file("landing/t1.csv"), "txn_id,qty,price\n1,2,3.5\n2,4,1.25\n3,1,10\n");
    write(dir_.file("models/tbar/tbar_hydrated.yml"),
          "versions: {v1: hydrated_v1.sql, v2: hydrated_v2.sql}\nversion_flag: tbar.version\nunique_key: txn_id\n");
    write(dir_.file("models/tbar/hydrated_v1.sql"),
          "SELECT CAST(txn_id AS BIGINT) AS txn_id, qty * price AS notional FROM source.trades\n");
    write(dir_.file("models/tbar/hydrated_v2.sql"),
          "SELECT CAST(txn_id AS BIGINT) AS txn_id, qty * price * 2 AS notional, 'gold' AS tier FROM source.trades "
          "WHERE txn_id <> 3\n");
    write(dir_.file("flags/tbar.yml"),
          "# TBAR\ntbar.version:\n  variations: [v1, v2]\n  off_variation: v1\n  rules:\n"
          "    - clauses: [{attribute: environment, op: in, values: [dev]}]\n      serve: v2\n  fallthrough: v1\n");
  }

  CommandResult silt(std::vector<std::string> args) {
    std::vector<std::string> argv = {"env", "SILT_USER=ana"};
    if (server_) {
      auto variables = server_->client_environment();
      argv.insert(argv.end(), variables.begin(), variables.end());
    }
    argv.push_back(SILT_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path());
  }

  nlohmann::json silt_json(const std::vector<std::string>& args) {
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out;
    return parsed;
  }

  std::string total() {
    CommandResult result = silt({"sql", "--format", "csv", "SELECT sum(notional) FROM tbar.hydrated"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(result.out.find('\n') + 1);
  }

  const nlohmann::json& model(const nlohmann::json& record) { return record["models"][0]; }

  TempDir dir_;
  std::unique_ptr<S3TestServer> server_;
};

TEST_P(CliVersions, RunPublishDiffShadowAndReplay) {
  auto first = silt_json({"run", "--json"});
  EXPECT_EQ(model(first)["version"], "v1");
  EXPECT_EQ(first["flags"]["flags"][0]["variant"], "v1");
  EXPECT_EQ(total(), "22.0\n");

  auto dev = silt_json({"run", "--json", "--context", "environment=dev"});
  EXPECT_EQ(model(dev)["version"], "v2");
  EXPECT_EQ(dev["flags"]["flags"][0]["reason"], "RULE_MATCH");
  EXPECT_EQ(total(), "24.0\n");

  // Rollback: consumers read v1 again at once.
  auto published = silt_json({"publish", "tbar_hydrated", "v1", "--why", "v2 doubles notional", "--json"});
  EXPECT_EQ(published["previous_version"], "v2");
  EXPECT_EQ(published["files"], 1);
  EXPECT_FALSE(published["skipped"]);
  EXPECT_EQ(total(), "22.0\n");
  CommandResult unknown = silt({"publish", "tbar_hydrated", "v7"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no version 'v7' (its versions: v1, v2)"), std::string::npos) << unknown.err;

  // The flag for the next runs, with an audit record.
  CommandResult set = silt({"flags", "set", "tbar.version", "--off", "--why", "v2 doubles notional"});
  EXPECT_EQ(set.exit_code, 0) << set.err;
  std::ifstream in(dir_.file("flags/tbar.yml"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.rfind("# TBAR\n", 0), 0u) << text;
  auto history = silt_json({"flags", "history", "tbar.version", "--json"});
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["who"], "ana");
  EXPECT_EQ(history[0]["why"], "v2 doubles notional");
  EXPECT_EQ(history[0]["change"], "--off");
  EXPECT_EQ(history[0]["before"]["on"], nullptr);
  EXPECT_EQ(history[0]["after"]["on"], false);
  EXPECT_EQ(history[0]["version_after"], 2);
  auto off = silt_json({"run", "--json", "--context", "environment=dev"});
  EXPECT_EQ(model(off)["version"], "v1");
  EXPECT_EQ(off["flags"]["flags"][0]["reason"], "OFF");

  // Diffs: the two versions, and two versions of the published table.
  auto diff = silt_json({"diff", "tbar_hydrated", "v1", "v2", "--json"});
  EXPECT_EQ(diff["matched"], 2);
  EXPECT_EQ(diff["only_left"], 1);
  EXPECT_EQ(diff["rows_changed"], 2);
  EXPECT_EQ(diff["columns_only_right"][0], "tier");
  auto tables = silt_json({"diff", "tbar.hydrated@1", "tbar.hydrated@2", "--key", "txn_id", "--json"});
  EXPECT_EQ(tables["left"], "tbar.hydrated@1");
  EXPECT_EQ(tables["only_right"], 1);
  CommandResult bad = silt({"diff", "tbar.hydrated@x", "tbar.hydrated"});
  EXPECT_EQ(bad.exit_code, 2);

  // Shadow: nothing committed, a report beside the run record.
  auto shadow = silt_json({"run", "--json", "--shadow", "tbar_hydrated"});
  EXPECT_EQ(model(shadow)["action"], "shadow");
  EXPECT_EQ(model(shadow)["version_written"], -1);
  EXPECT_NE(model(shadow)["diff_report"].get<std::string>().find(".tbar_hydrated.diff.json"), std::string::npos);
  EXPECT_EQ(total(), "22.0\n");

  // Replay the dev run's flags although the flag is off now.
  auto replay = silt_json({"run", "--json", "--flags-from", dev["run_id"].get<std::string>()});
  EXPECT_EQ(model(replay)["version"], "v2");
  EXPECT_EQ(replay["flags"]["replayed_from"], dev["run_id"]);
  EXPECT_EQ(total(), "24.0\n");
}

TEST(CliVersionsValidate, AFlagNamingAVersionTheModelLacksIsAProblem) {
  TempDir dir;
  write(dir.file("silt.yaml"), "name: tbar\nstorage: ./lake\n");
  write(dir.file("models/tbar/hydrated.yml"), "versions: {v1: a.sql, v2: b.sql}\nversion_flag: tbar.version\n");
  write(dir.file("models/tbar/a.sql"), "SELECT 1 AS x\n");
  write(dir.file("models/tbar/b.sql"), "SELECT 2 AS x\n");
  write(dir.file("flags/tbar.yml"), "# flags\ntbar.version:\n  variations: [v1, v3, shadow]\n  fallthrough: v1\n");
  CommandResult result = run_command({SILT_BINARY, "validate"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("flags/tbar.yml:2:1: flag 'tbar.version' can serve \"v3\", which is not a version of model "
                            "'hydrated' (versions in models/tbar/hydrated.yml: v1, v2)"),
            std::string::npos)
      << result.err;
  write(dir.file("models/tbar/hydrated.yml"), "versions: {v1: a.sql, v2: b.sql}\nversion_flag: tbar.versoin\n");
  result = run_command({SILT_BINARY, "validate"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("models/tbar/hydrated.yml:2:1: version_flag 'tbar.versoin' is not defined"), std::string::npos)
      << result.err;
}

INSTANTIATE_TEST_SUITE_P(Storage, CliVersions, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace silt::testing
