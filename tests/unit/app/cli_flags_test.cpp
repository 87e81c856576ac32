// `silt flags list`, `silt flags eval` and flag files in `silt validate`, through the real binary:
// the job context from --context, JSON results, JSON lines of contexts, bad input, and a flag file
// changed between two commands.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

constexpr const char* kTbarFlags = R"(tbar.hydration.schema_version:
  variations: [v1, v2]
  off_variation: v1
  targets: {v2: [tbar-backfill]}
  rules:
    - clauses: [{attribute: environment, op: in, values: [dev, qa]}]
      serve: v2
  fallthrough: {rollout: {v1: 90, v2: 10}, bucket_by: key}
)";

std::string project(TempDir& dir) {
  write(dir.file("p/silt.yaml"), "name: tbar-hydration\nstorage: ./lake\n");
  write(dir.file("p/flags/tbar.yml"), kTbarFlags);
  return dir.file("p");
}

nlohmann::json eval_json(const std::string& dir, std::vector<std::string> contexts) {
  std::vector<std::string> args{"flags", "eval", "tbar.hydration.schema_version", "--project", dir, "--json"};
  for (const auto& c : contexts) {
    args.push_back("--context");
    args.push_back(c);
  }
  auto result = run_silt(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out);
}

TEST(CliFlags, EvaluatesForTheJobContext) {
  TempDir dir;
  std::string p = project(dir);
  auto dev = eval_json(p, {"environment=dev"});
  EXPECT_EQ(dev["value"], "v2");
  EXPECT_EQ(dev["variation"], 1);
  EXPECT_EQ(dev["reason"]["kind"], "RULE_MATCH");
  EXPECT_EQ(dev["reason"]["ruleIndex"], 0);
  EXPECT_EQ(dev["flag_version"], 1);
  // key=job-7 buckets at 0.81 (sha1sum of "tbar.hydration.schema_version.tbar.hydration.schema_version.job-7").
  auto prod = eval_json(p, {"key=job-7", "environment=prod"});
  EXPECT_EQ(prod["value"], "v1");
  EXPECT_EQ(prod["reason"]["kind"], "FALLTHROUGH");
  EXPECT_EQ(prod["reason"]["inExperiment"], false);
  EXPECT_EQ(eval_json(p, {"key=tbar-backfill"})["reason"]["kind"], "TARGET_MATCH");
  // Another kind is not the job kind the targets and rules are written for.
  EXPECT_EQ(eval_json(p, {"kind=user", "key=tbar-backfill", "environment=dev"})["reason"]["kind"], "FALLTHROUGH");
  auto text = run_silt({"flags", "eval", "tbar.hydration.schema_version", "--project", p, "--context", "environment=qa"});
  EXPECT_EQ(text.out, "tbar.hydration.schema_version = \"v2\" (variation 1, RULE_MATCH rule 0, flag version 1)\n");
}

TEST(CliFlags, EvaluatesOneContextPerLine) {
  TempDir dir;
  std::string p = project(dir);
  write(dir.file("contexts.jsonl"),
        "{\"kind\": \"job\", \"key\": \"tbar-backfill\"}\n"
        "{\"kind\": \"job\"}\n"
        "\n"
        "{\"kind\": \"multi\", \"job\": {\"key\": \"x\", \"environment\": \"qa\"}, \"user\": {\"key\": \"ann\"}}\n");
  auto result = run_silt({"flags", "eval", "tbar.hydration.schema_version", "--project", p, "--contexts",
                          dir.file("contexts.jsonl"), "--json"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, dir.file("contexts.jsonl") + ":2: the context of kind 'job' has no key (a non-empty string \"key\")\n");
  std::istringstream lines(result.out);
  std::string line;
  std::vector<std::string> kinds;
  while (std::getline(lines, line)) kinds.push_back(nlohmann::json::parse(line)["reason"]["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"TARGET_MATCH", "RULE_MATCH"}));
}

TEST(CliFlags, ListsFlagsAndTheirProblems) {
  TempDir dir;
  std::string p = project(dir);
  auto listed = run_silt({"flags", "list", "--project", p, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto json = nlohmann::json::parse(listed.out);
  ASSERT_EQ(json["flags"].size(), 1u);
  EXPECT_EQ(json["flags"][0]["variations"], nlohmann::json::parse(R"(["v1", "v2"])"));
  EXPECT_EQ(json["flags"][0]["file"], "flags/tbar.yml:1");

  // A broken file: validate names it, list marks the flag, eval serves the default with ERROR.
  write(dir.file("p/flags/tbar.yml"), std::string(kTbarFlags) + "  rulez: []\n");
  write(dir.file("p/flags/ld.json"), R"({"flags": {"x": {"variations": [1], "on": true, "offVariation": 3, "fallthrough": {"variation": 0}}}})");
  auto validate = run_silt({"validate", "--project", p});
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_EQ(validate.err,
            "flags/ld.json:1:65: offVariation 3 is out of range: the flag has 1 variation (0 to 0)\n"
            "flags/tbar.yml:9:3: flag 'tbar.hydration.schema_version': unknown key 'rulez' (did you mean 'rules'?)\n"
            "error: 2 problems in " + p + "\n");
  auto broken = run_silt({"flags", "list", "--project", p});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.out.find("MALFORMED"), std::string::npos) << broken.out;
  auto eval = eval_json(p, {"environment=dev"});
  EXPECT_EQ(eval["value"], "v1");  // the off variation, as no default is declared
  EXPECT_EQ(eval["reason"]["kind"], "ERROR");
  EXPECT_EQ(eval["reason"]["errorKind"], "MALFORMED_FLAG");
}

TEST(CliFlags, BadArguments) {
  TempDir dir;
  std::string p = project(dir);
  auto no_equals = run_silt({"flags", "eval", "tbar.hydration.schema_version", "--project", p, "--context", "prod"});
  EXPECT_EQ(no_equals.exit_code, 2);
  EXPECT_EQ(no_equals.err, "error: --context 'prod' is not NAME=VALUE (for example --context environment=prod)\n");
  auto typo = run_silt({"flags", "eval", "tbar.hydration.schema_versoin", "--project", p, "--json"});
  EXPECT_EQ(typo.exit_code, 0);
  EXPECT_NE(typo.err.find("did you mean 'tbar.hydration.schema_version'?"), std::string::npos) << typo.err;
  EXPECT_EQ(nlohmann::json::parse(typo.out)["reason"]["errorKind"], "FLAG_NOT_FOUND");
  auto missing = run_silt({"flags", "eval", "k", "--project", p, "--contexts", dir.file("nope.jsonl")});
  EXPECT_EQ(missing.exit_code, 2);
}

}  // namespace
}  // namespace silt::testing
