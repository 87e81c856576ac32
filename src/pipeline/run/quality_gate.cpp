// The quality gate of a model run: its contract and checks evaluated once on the staged rows,
// then gate, quarantine (two linked commits, see PendingStore) or warn.
#include <algorithm>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "pipeline/quality/model_quality.h"
#include "pipeline/quality/quality.h"
#include "pipeline/quality/quality_store.h"
#include "pipeline/run/model_executor.h"
#include "pipeline/run/pending_commits.h"

namespace silt::pipeline {

Status ModelExecutor::run_quality(const Model& model, const std::shared_ptr<const delta::Snapshot>& target,
                                  ModelRun& out) {
  const QualityConfig& quality = model.config.quality;
  auto& connection = session_.connection();
  SILT_TRY(check_relation_contract(connection, quality, "silt_model", model.file));
  // The rows are computed once; the checks and the commit read them from here.
  Status staged = connection.execute("CREATE OR REPLACE TEMP TABLE silt_staged AS SELECT * FROM silt_model");
  if (!staged.ok()) return Error(staged.code(), model_sql_error(model, staged.error()));
  input_ = "silt_staged";

  std::vector<CheckSpec> checks = model_checks(quality);
  CheckEnvironment environment;
  environment.relation = "silt_staged";
  environment.now_timestamp = context_.run_timestamp;
  if (target) {
    SILT_TRY_ASSIGN(environment.previous_rows, snapshot_row_count(session_, *target));
  }
  environment.resolve_table = [&](const std::string& name) -> Result<std::string> {
    const Model* other = context_.project->find(name);
    if (!other) return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown table '{}'", name));
    auto snapshot = ops_.load(read_location(*other));
    if (!snapshot) {
      return std::move(snapshot).error().with_context(fmt::format("reading {}", other->qualified_name()));
    }
    std::string view = "silt_ref_" + other->schema + "_" + other->table;
    SILT_TRY(session_.register_snapshot(view, **snapshot));
    out.inputs[other->qualified_name()] = (*snapshot)->version();
    return sql_identifier(view);
  };
  auto evaluated = evaluate_checks(connection, checks, environment);
  if (!evaluated) return std::move(evaluated).error().with_context(model.file);

  QualityReport report;
  report.table = model.qualified_name();
  report.model = model.name;
  report.run_id = context_.run_id;
  report.checked_ms = now_ms();
  report.results = std::move(*evaluated);
  for (const auto& result : report.results) {
    report.rows_checked = std::max(report.rows_checked, result.checked);
    out.checks.push_back({result.name, severity_name(result.severity), result.status, result.failing});
  }
  const QualityVerdict verdict = quality_verdict(report.results);
  const bool row_failed = verdict.row_failed, table_failed = verdict.table_failed, failed = verdict.failed();
  out.rows_in = report.rows_checked;
  auto gate = [&](const std::string& why) -> Status {
    report.outcome = "gated";
    out.quality = "gated";
    SILT_TRY(QualityStore(*context_.fs, context_.project->config.storage_root).save(report).status());
    return make_error(ErrorCode::kQualityFailed,
                      fmt::format("{}: {}; nothing committed:{}", model.file, why, describe_check_failures(report.results)));
  };
  if (failed && quality.on_failure == OnFailure::kGate) return gate("checks failed");
  if (table_failed && quality.on_failure == OnFailure::kQuarantine) {
    return gate("table-level checks failed (rows cannot be quarantined for them)");
  }
  if (row_failed && quality.on_failure == OnFailure::kQuarantine) {
    SILT_TRY_ASSIGN(auto annotated, annotate_failures_sql(checks, environment));
    SILT_TRY(connection.execute("CREATE OR REPLACE TEMP TABLE silt_annotated AS " + annotated));
    SILT_TRY_ASSIGN(auto counts, connection.query_varchar(
                                     "SELECT CAST(count(*) AS VARCHAR), CAST(count(*) FILTER (WHERE "
                                     "len(_silt_failed_checks) > 0) AS VARCHAR) FROM silt_annotated"));
    int64_t total = parse_int64(counts.rows.at(0)[0].value_or("0")).value_or(0);
    int64_t bad = parse_int64(counts.rows.at(0)[1].value_or("0")).value_or(0);
    double pct = total ? 100.0 * static_cast<double>(bad) / static_cast<double>(total) : 0;
    if (pct > quality.max_quarantine_pct) {
      return gate(fmt::format("{} of {} rows ({:.2f}%) fail row-level checks, above max_quarantine_pct {}", bad, total,
                              pct, quality.max_quarantine_pct));
    }
    SILT_TRY_ASSIGN(auto has_source_file,
                    connection.query_value("SELECT count(*) FROM (DESCRIBE silt_staged) WHERE column_name = "
                                           "'_source_file'"));
    std::string source_file = has_source_file && *has_source_file != "0"
                                  ? "CAST(_source_file AS VARCHAR)"
                                  : "CAST(NULL AS VARCHAR)";
    SILT_TRY(connection.execute_script(
        "CREATE OR REPLACE TEMP VIEW silt_good AS SELECT * EXCLUDE (_silt_failed_checks) FROM silt_annotated WHERE "
        "len(_silt_failed_checks) = 0; "
        "CREATE OR REPLACE TEMP VIEW silt_quarantined AS SELECT * EXCLUDE (_silt_failed_checks), _silt_failed_checks, "
        "'failed ' || array_to_string(_silt_failed_checks, ', ') AS _silt_reason, " +
        sql_string(context_.run_id) + " AS _silt_run_id, " + source_file +
        " AS _silt_source_file FROM silt_annotated WHERE len(_silt_failed_checks) > 0"));
    input_ = "silt_good";
    quarantining_ = true;
    report.rows_quarantined = bad;
    out.rows_quarantined = bad;
    report.outcome = "quarantined";
  } else {
    report.outcome = failed || verdict.warned ? "warned" : "passed";  // on_failure: warn commits everything
  }
  out.quality = report.outcome;
  quality_ = std::move(report);
  return Status();
}

Status ModelExecutor::commit_with_quarantine(const Model& model, const engine::PreparedCommit& main, ModelRun& out) {
  std::string root = context_.project->quarantine_location(model);
  engine::Source rows;
  rows.query = "SELECT * FROM silt_quarantined";
  engine::WriteOptions options;
  options.mode = engine::WriteMode::kAppend;
  options.add_new_columns = true;  // the quarantine follows the model's columns
  options.commit_info = commit_info(model, out);
  options.prepare_only = true;
  auto prepared = ops_.write(root, rows, options);
  if (!prepared) return std::move(prepared).error().with_context(fmt::format("{}: quarantining rows", model.file));
  engine::PreparedCommit quarantine = prepared->prepared.value_or(engine::PreparedCommit{});

  PendingCommits pending;
  pending.run_id = context_.run_id;
  pending.model = model.name;
  if (!main.transaction.empty()) pending.commits.push_back(main);
  pending.commits.push_back(quarantine);
  crash_point("quarantine-staged");
  PendingStore store(*context_.fs, context_.project->config.storage_root);
  SILT_TRY(store.save(pending));
  crash_point("quarantine-recorded");
  std::vector<int64_t> versions;
  for (size_t i = 0; i < pending.commits.size(); ++i) {
    auto committed = ops_.commit_prepared(pending.commits[i]);
    if (!committed) {
      // The record stays: the next run or `silt recover` completes it, or reports why it cannot.
      return std::move(committed).error().with_context(
          fmt::format("{}: committing {} of {} linked commits", model.file, i + 1, pending.commits.size()));
    }
    versions.push_back(committed->version);
    if (i == 0) crash_point("quarantine-first-commit");
  }
  crash_point("quarantine-committed");
  SILT_TRY(store.remove(pending));
  if (!main.transaction.empty()) out.version_written = versions.front();
  out.quarantine_version = versions.back();
  return Status();
}

}  // namespace silt::pipeline
