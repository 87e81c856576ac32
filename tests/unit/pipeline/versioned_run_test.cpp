// Versioned models run by the Runner: the flag picks the version, each version has its own table
// under the published one, the published table is a Delta table pointing at the version's files
// (and survives a Delta VACUUM of it), provider failures fall back to the default version and mark
// the run degraded, runs replay recorded flags, fallback_on_gate, shadow runs with a diff report.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "pipeline/run/publish.h"
#include "pipeline/run/runner.h"
#include "project_fixture.h"
#include "storage/local/local_file_system.h"

namespace silt::pipeline {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kSiltYaml =
    "name: tbar\n"
    "storage: ./lake\n"
    "sources:\n"
    "  - name: trades\n"
    "    format: csv\n"
    "    path: landing/*.csv\n"
    "    options: {header: true}\n";

constexpr const char* kFlag =
    "tbar.version:\n"
    "  variations: [v1, v2]\n"
    "  off_variation: v1\n"
    "  default: v1\n"
    "  targets: {v2: [backfill]}\n"
    "  rules:\n"
    "    - clauses: [{attribute: environment, op: in, values: [dev]}]\n"
    "      serve: v2\n"
    "  fallthrough: v1\n";

Files project_files(const std::string& extra_config = "") {
  return {{"landing/t1.csv", "txn_id,qty,price\n1,2,3.5\n2,4,1.25\n3,1,10\n"},
          {"models/tbar/tbar_hydrated.yml",
           "versions: {v1: hydrated_v1.sql, v2: hydrated_v2.sql}\n"
           "version_flag: tbar.version\n"
           "unique_key: txn_id\n" +
               extra_config},
          {"models/tbar/hydrated_v1.sql", "SELECT CAST(txn_id AS BIGINT) AS txn_id, qty * price AS notional FROM source.trades\n"},
          {"models/tbar/hydrated_v2.sql",
           "SELECT CAST(txn_id AS BIGINT) AS txn_id, round(qty * price * 1.5, 2) AS notional, 'gold' AS tier\n"
           "FROM source.trades WHERE txn_id <> 3\n"},
          {"models/gold/gold_total.sql", "SELECT count(*) AS trades, sum(notional) AS total FROM tbar.hydrated\n"},
          {"flags/tbar.yml", kFlag}};
}

// A provider that cannot answer (a server that is down).
class BrokenProvider : public FlagProvider {
 public:
  std::string name() const override { return "broken"; }
  Result<FlagResults> evaluate(const std::vector<std::string>&, const flags::Context&) override {
    return make_error(ErrorCode::kIo, "connection refused");
  }
};

class VersionedRunTest : public ProjectFixture {
 protected:
  VersionedRunTest() : ProjectFixture(kSiltYaml) {}

  void SetUp() override {
    ProjectFixture::SetUp();
    auto session = engine::Session::open({});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
  }

  RunRecord run(const Project& project, RunOptions options = {}) {
    options.run_date = "2025-11-03";
    Runner runner(project, fs_);
    auto record = runner.run(options);
    EXPECT_TRUE(record) << (record ? "" : record.error().message());
    if (!record) return {};
    for (const auto& model : record->models) {
      EXPECT_NE(model.status, ModelStatus::kFailed) << model.model << ": " << model.error;
    }
    return *record;
  }

  const ModelRun& model_run(const RunRecord& record, const std::string& name) {
    for (const auto& model : record.models) {
      if (model.model == name) return model;
    }
    static ModelRun none;
    ADD_FAILURE() << "no model " << name;
    return none;
  }

  // The rows of a table as "txn_id:notional" text, sorted.
  std::vector<std::string> rows(const std::string& root) {
    engine::TableOps ops(*session_, fs_);
    auto snapshot = ops.load(root);
    EXPECT_TRUE(snapshot) << (snapshot ? "" : snapshot.error().message());
    if (!snapshot) return {};
    auto scan = session_->scan_sql(**snapshot);
    EXPECT_TRUE(scan);
    auto result = session_->connection().query_varchar(
        "SELECT CAST(txn_id AS VARCHAR) || ':' || CAST(notional AS VARCHAR) FROM (" + *scan + ") ORDER BY txn_id");
    EXPECT_TRUE(result) << (result ? "" : result.error().message());
    std::vector<std::string> out;
    for (const auto& row : result->rows) out.push_back(row[0].value_or("NULL"));
    return out;
  }

  bool ops_load_ok(const std::string& root) {
    engine::TableOps ops(*session_, fs_);
    return ops.load(root).has_value();
  }

  std::string published(const Project& project) {
    return project.table_location(*project.find("tbar_hydrated"));
  }

  storage::LocalFileSystem fs_;
  std::unique_ptr<engine::Session> session_;
};

const std::vector<std::string> kV1Rows = {"1:7.0", "2:5.0", "3:10.0"};
const std::vector<std::string> kV2Rows = {"1:10.5", "2:7.5"};

TEST_F(VersionedRunTest, TheFlagPicksTheVersionAndThePublishedTableFollows) {
  Project project = load_ok(project_files());
  RunRecord first = run(project);
  const ModelRun& hydrated = model_run(first, "tbar_hydrated");
  EXPECT_EQ(hydrated.version, "v1");
  EXPECT_FALSE(hydrated.degraded);
  EXPECT_FALSE(first.degraded());
  EXPECT_EQ(rows(published(project)), kV1Rows);
  EXPECT_EQ(rows(project.version_location(*project.find("tbar_hydrated"), "v1")), kV1Rows);
  ASSERT_TRUE(first.flags);
  ASSERT_EQ(first.flags->flags.size(), 1u);
  EXPECT_EQ(first.flags->flags[0].variant, "v1");
  EXPECT_EQ(first.flags->flags[0].reason, "FALLTHROUGH");
  EXPECT_EQ(first.flags->context_key, "job:tbar");

  // dev gets v2; the consumer reads what was published.
  RunOptions dev;
  dev.context = {"environment=dev"};
  RunRecord second = run(project, dev);
  EXPECT_EQ(model_run(second, "tbar_hydrated").version, "v2");
  EXPECT_EQ(second.flags->flags[0].reason, "RULE_MATCH");
  EXPECT_EQ(rows(published(project)), kV2Rows);

  // Each output commit records the version and the run's flags.
  engine::TableOps ops(*session_, fs_);
  auto snapshot = ops.load(published(project));
  ASSERT_TRUE(snapshot);
  auto commit = fs_.read(fmt::format("{}/_delta_log/{:020}.json", published(project), (*snapshot)->version()));
  ASSERT_TRUE(commit);
  bool found = false;
  for (const auto& line : split(*commit, '\n')) {
    if (line.empty()) continue;
    auto action = nlohmann::json::parse(line);
    if (!action.contains("commitInfo")) continue;
    const auto& info = action["commitInfo"];
    EXPECT_EQ(info["operation"], "PUBLISH");
    EXPECT_EQ(info["siltVersion"], "v2");
    EXPECT_EQ(info["siltFlags"]["flags"][0]["variant"], "v2");
    EXPECT_EQ(info["siltFlags"]["context"]["environment"], "dev");
    found = true;
  }
  EXPECT_TRUE(found);
  // The published table names the version's files by relative path: nothing was copied.
  for (const auto& file : (*snapshot)->files()) EXPECT_TRUE(starts_with(file.path, "_versions/schema=v2/")) << file.path;

  // Rollback: publish v1 again, no recompute.
  auto rollback = publish_version(ops, project, *project.find("tbar_hydrated"), "v1", {});
  ASSERT_TRUE(rollback) << rollback.error().message();
  EXPECT_EQ(rows(published(project)), kV1Rows);
  auto version = published_version(ops, project, *project.find("tbar_hydrated"));
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, "v1");
  // Publishing it again commits nothing.
  auto again = publish_version(ops, project, *project.find("tbar_hydrated"), "v1", {});
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->report.skipped);
}

TEST_F(VersionedRunTest, DeltaVacuumOfThePublishedTableNeverDeletesAVersionsFiles) {
  Project project = load_ok(project_files());
  run(project);
  RunOptions dev;
  dev.context = {"environment=dev"};
  run(project, dev);  // v2 published; v1's files are tombstones of the published table now
  const std::string root = published(project);
  engine::TableOps ops(*session_, fs_);
  auto snapshot = ops.load(root);
  ASSERT_TRUE(snapshot);
  ASSERT_FALSE((*snapshot)->tombstones().empty());

  // VACUUM as Delta implementations do it, with zero retention: list every file under the table
  // root except in directories whose names start with '_' or '.', and delete what the current
  // version does not reference.
  std::set<std::string> live;
  for (const auto& file : (*snapshot)->files()) live.insert((*snapshot)->absolute_path(file.path));
  auto listed = fs_.list_recursive(root);
  ASSERT_TRUE(listed);
  int deleted = 0;
  for (const auto& file : *listed) {
    std::string relative = file.path.substr(root.size() + 1);
    bool hidden = false;
    for (const auto& part : split(relative, '/')) {
      if (!part.empty() && (part[0] == '_' || part[0] == '.')) hidden = true;
    }
    if (hidden || live.count(file.path)) continue;
    ASSERT_TRUE(fs_.remove(file.path).ok());
    ++deleted;
  }
  EXPECT_EQ(deleted, 0) << "every data file lives under _versions/";
  // Both versions and the published table still read in full.
  const Model& model = *project.find("tbar_hydrated");
  EXPECT_EQ(rows(project.version_location(model, "v1")), kV1Rows);
  EXPECT_EQ(rows(project.version_location(model, "v2")), kV2Rows);
  EXPECT_EQ(rows(root), kV2Rows);
  auto back = publish_version(ops, project, model, "v1", {});
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(rows(root), kV1Rows);
}

TEST_F(VersionedRunTest, AProviderThatFailsFallsBackToTheDefaultVersionAndTheRunIsDegraded) {
  Project project = load_ok(project_files("default_version: v2\n"));
  BrokenProvider broken;
  RunOptions options;
  options.flag_provider = &broken;
  RunRecord record = run(project, options);
  EXPECT_EQ(record.status, RunStatus::kSuccess);
  const ModelRun& hydrated = model_run(record, "tbar_hydrated");
  EXPECT_EQ(hydrated.version, "v2");
  EXPECT_TRUE(hydrated.degraded);
  EXPECT_TRUE(record.degraded());
  ASSERT_TRUE(record.flags);
  EXPECT_EQ(record.flags->flags[0].reason, "ERROR");
  EXPECT_EQ(record.flags->flags[0].error_kind, "CLIENT_NOT_READY");
  EXPECT_NE(join(record.degraded_reasons, "\n").find("connection refused"), std::string::npos);
  EXPECT_EQ(rows(published(project)), kV2Rows);
}

TEST_F(VersionedRunTest, MalformedOrMissingFlagsTakeTheFallback) {
  // A flag naming a version the model lacks.
  Files files = project_files();
  files["flags/tbar.yml"] = "tbar.version:\n  variations: [v1, v9]\n  off_variation: v1\n  fallthrough: v9\n";
  Project project = load_ok(files);
  RunRecord record = run(project);
  EXPECT_EQ(model_run(record, "tbar_hydrated").version, "v1");
  EXPECT_TRUE(record.degraded());
  EXPECT_NE(model_run(record, "tbar_hydrated").version_reason.find("not a version"), std::string::npos);

  // A malformed flag serves its declared default with reason ERROR: the run goes on with it.
  write("flags/tbar.yml", "tbar.version:\n  variations: [v1, v2]\n  default: v2\n  fallthrough: {rollout: {v1: 60, v2: 60}}\n");
  record = run(project);
  EXPECT_EQ(model_run(record, "tbar_hydrated").version, "v2");
  EXPECT_EQ(record.flags->flags[0].reason, "ERROR");
  EXPECT_EQ(record.flags->flags[0].error_kind, "MALFORMED_FLAG");
  EXPECT_TRUE(record.degraded());

  // No flag file at all: the model's fallback version, FLAG_NOT_FOUND.
  stdfs::remove(dir_.file("flags/tbar.yml"));
  record = run(project);
  EXPECT_EQ(model_run(record, "tbar_hydrated").version, "v1");
  EXPECT_EQ(record.flags->flags[0].error_kind, "FLAG_NOT_FOUND");
  EXPECT_TRUE(record.degraded());
}

TEST_F(VersionedRunTest, ARunReplaysTheFlagsAnotherRunRecorded) {
  Project project = load_ok(project_files());
  RunOptions dev;
  dev.context = {"environment=dev"};
  RunRecord recorded = run(project, dev);
  EXPECT_EQ(model_run(recorded, "tbar_hydrated").version, "v2");
  // The flag changes; a replay still computes what the recorded run did.
  write("flags/tbar.yml", "tbar.version:\n  variations: [v1, v2]\n  off_variation: v1\n  fallthrough: v1\n");
  RunOptions replay;
  replay.flags_from = recorded.run_id;
  RunRecord replayed = run(project, replay);
  EXPECT_EQ(model_run(replayed, "tbar_hydrated").version, "v2");
  EXPECT_EQ(replayed.flags->replayed_from, recorded.run_id);
  EXPECT_EQ(model_run(run(project, dev), "tbar_hydrated").version, "v1");
}

TEST_F(VersionedRunTest, AVersionFailingItsGateFallsBackWhenTheModelSaysSo) {
  Project project = load_ok(project_files(
      "fallback_on_gate: true\n"
      "checks:\n"
      "  - sql: \"SELECT * FROM this WHERE notional > 10\"\n"
      "    name: no_big_trades\n"
      "on_failure: gate\n"));
  RunOptions dev;
  dev.context = {"environment=dev"};
  RunRecord record = run(project, dev);  // v2 has notional 10.5: gated
  EXPECT_EQ(record.status, RunStatus::kSuccess);
  const ModelRun& hydrated = model_run(record, "tbar_hydrated");
  EXPECT_EQ(hydrated.version, "v1");
  EXPECT_TRUE(hydrated.degraded);
  EXPECT_NE(hydrated.version_reason.find("failed its quality gate"), std::string::npos) << hydrated.version_reason;
  EXPECT_EQ(rows(published(project)), kV1Rows);

  // Without fallback_on_gate the gate fails the model.
  Project strict = load_ok(project_files("checks:\n  - sql: \"SELECT * FROM this WHERE notional > 10\"\non_failure: gate\n"));
  Runner runner(strict, fs_);
  dev.run_date = "2025-11-03";
  auto failed = runner.run(dev);
  ASSERT_TRUE(failed);
  EXPECT_EQ(model_run(*failed, "tbar_hydrated").status, ModelStatus::kFailed);
}

TEST_F(VersionedRunTest, AShadowRunComparesTheVersionsAndCommitsNothing) {
  Project project = load_ok(project_files());
  run(project);  // v1 published
  engine::TableOps ops(*session_, fs_);
  auto before = ops.load(published(project));
  ASSERT_TRUE(before);
  RunOptions shadow;
  shadow.shadow = {"tbar_hydrated"};
  RunRecord record = run(project, shadow);
  ASSERT_EQ(record.models.size(), 1u);
  const ModelRun& hydrated = record.models[0];
  EXPECT_EQ(hydrated.action, "shadow");
  EXPECT_EQ(hydrated.shadow_versions, (std::vector<std::string>{"v2"}));
  auto after = ops.load(published(project));
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)->version(), (*before)->version());
  EXPECT_FALSE(ops.load(project.version_location(*project.find("tbar_hydrated"), "v2")).has_value());
  auto text = fs_.read(hydrated.diff_report);
  ASSERT_TRUE(text) << hydrated.diff_report;
  auto report = nlohmann::json::parse(*text);
  EXPECT_EQ(report["baseline"], "v1");
  const auto& diff = report["diffs"][0];
  EXPECT_EQ(diff["right"], "v2");
  EXPECT_EQ(diff["left_rows"], 3);
  EXPECT_EQ(diff["right_rows"], 2);
  EXPECT_EQ(diff["matched"], 2);
  EXPECT_EQ(diff["only_left"], 1);
  EXPECT_EQ(diff["only_right"], 0);
  EXPECT_EQ(diff["rows_changed"], 2);
  EXPECT_EQ(diff["columns"][0]["column"], "notional");
  EXPECT_EQ(diff["columns"][0]["changed"], 2);
  EXPECT_EQ(diff["columns_only_right"], nlohmann::json::array({"tier"}));
  EXPECT_EQ(diff["samples"].size(), 3u);
}

TEST_F(VersionedRunTest, AFlagServingShadowIsAShadowRun) {
  Files files = project_files("default_version: v1\n");
  Project project = load_ok(files);
  run(project);  // v1 published
  engine::TableOps ops(*session_, fs_);
  auto before = ops.load(published(project));
  ASSERT_TRUE(before);
  write("flags/tbar.yml", "tbar.version:\n  variations: [v1, v2, shadow]\n  off_variation: v1\n  fallthrough: shadow\n");
  RunOptions only;
  only.selectors = {"tbar_hydrated"};
  RunRecord record = run(project, only);
  const ModelRun& hydrated = model_run(record, "tbar_hydrated");
  EXPECT_EQ(hydrated.action, "shadow");
  EXPECT_EQ(hydrated.version, "v1");
  EXPECT_EQ(hydrated.version_written, -1);
  EXPECT_EQ(hydrated.shadow_versions, (std::vector<std::string>{"v2"}));
  EXPECT_FALSE(hydrated.diff_report.empty());
  auto after = ops.load(published(project));
  ASSERT_TRUE(after);
  EXPECT_EQ((*after)->version(), (*before)->version());  // the published table did not move
  EXPECT_FALSE(ops_load_ok(project.version_location(*project.find("tbar_hydrated"), "v2")));
}

}  // namespace
}  // namespace silt::pipeline
