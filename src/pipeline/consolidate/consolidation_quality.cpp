// The job's checks on an execution's records (after de-duplication and the comparison with the
// output, before anything is written): gate, warn, or quarantine into <output>__quarantine.
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "engine/table_ops.h"
#include "pipeline/consolidate/consolidation_internal.h"
#include "pipeline/quality/model_quality.h"
#include "pipeline/run/ingest_log.h"

namespace silt::pipeline::consolidate {
namespace {

int64_t count_cell(const std::optional<std::string>& cell) { return cell ? parse_int64(*cell).value_or(0) : 0; }

}  // namespace

std::string quarantine_location(const ConsolidationConfig& job) { return job.output.path + "__quarantine"; }

Status Writer::check_quality(CheckEnvironment environment, ConsolidationExecution& record) {
  const QualityConfig& quality = job_.quality;
  if (quality.checks.empty()) return Status::ok_status();
  auto& db = session_.connection();
  // What the checks see: the records to be published, with their partition levels.
  std::string columns = data_columns_sql();
  for (const auto& level : job_.partition_by.levels) columns += ", " + level;
  SILT_TRY(db.execute(fmt::format("CREATE OR REPLACE TEMP VIEW _silt_check_rows AS SELECT {}, _silt_rank FROM _silt_accepted",
                                  columns)));
  environment.relation = "_silt_check_rows";
  auto evaluated = evaluate_checks(db, quality.checks, environment);
  if (!evaluated) return std::move(evaluated).error().with_context(fmt::format("consolidation '{}'", job_.name));
  const std::vector<CheckResult>& results = *evaluated;
  record.checks.clear();
  for (const auto& result : results) {
    record.checks.push_back({result.name, severity_name(result.severity), check_status_name(result.status),
                             result.failing, result.checked, result.message});
  }
  const QualityVerdict verdict = quality_verdict(results);
  auto gate = [&](const std::string& why) -> Status {
    record.quality = "gated";
    return make_error(ErrorCode::kQualityFailed,
                      fmt::format("consolidation '{}': {}; nothing was published and the landing files stay to be read "
                                  "again:{}",
                                  job_.name, why, describe_check_failures(results)));
  };
  if (verdict.failed() && quality.on_failure == OnFailure::kGate) return gate("checks failed");
  if (verdict.table_failed && quality.on_failure == OnFailure::kQuarantine) {
    return gate("table-level checks failed (records cannot be quarantined for them)");
  }
  if (!(verdict.row_failed && quality.on_failure == OnFailure::kQuarantine)) {
    record.quality = verdict.failed() || verdict.warned ? "warned" : "passed";
    return Status::ok_status();
  }

  SILT_TRY_ASSIGN(auto annotated, annotate_failures_sql(quality.checks, environment));
  SILT_TRY(db.execute("CREATE OR REPLACE TEMP TABLE _silt_checked AS " + annotated));
  SILT_TRY(db.execute("DROP VIEW IF EXISTS _silt_check_rows"));
  const auto& levels = job_.partition_by.levels;
  auto level_or_one = [&](size_t i) { return i < levels.size() ? levels[i] : std::string("1"); };
  SILT_TRY_ASSIGN(auto counts, db.query_text(fmt::format(
      "SELECT {} AS y, {} AS m, {} AS d, count(*) FROM _silt_checked WHERE len(_silt_failed_checks) > 0 GROUP BY ALL",
      level_or_one(0), level_or_one(1), level_or_one(2))));
  SILT_TRY_ASSIGN(auto total_text, db.query_value("SELECT count(*) FROM _silt_checked"));
  const int64_t total = count_cell(total_text);
  std::map<std::tuple<int, int, int>, int64_t> by_partition;
  int64_t bad = 0;
  for (const auto& row : counts.rows) {
    const int64_t n = count_cell(row[3]);
    by_partition[{static_cast<int>(count_cell(row[0])), static_cast<int>(count_cell(row[1])),
                  static_cast<int>(count_cell(row[2]))}] = n;
    bad += n;
  }
  const double pct = total ? 100.0 * static_cast<double>(bad) / static_cast<double>(total) : 0;
  if (pct > quality.max_quarantine_pct) {
    return gate(fmt::format("{} of {} records ({:.2f}%) fail row-level checks, above max_quarantine_pct {}", bad, total,
                            pct, quality.max_quarantine_pct));
  }
  // The records that pass are the ones written; the others wait in _silt_checked for the quarantine.
  SILT_TRY(db.execute("CREATE OR REPLACE TEMP VIEW _silt_accepted AS SELECT * EXCLUDE (_silt_failed_checks) FROM "
                      "_silt_checked WHERE len(_silt_failed_checks) = 0"));
  for (auto& partition : record.partitions) {
    // The partition's date is made of the same levels ("2025-11-03"; "2025-01-01" for a year).
    auto it = by_partition.find({std::stoi(partition.date.substr(0, 4)), std::stoi(partition.date.substr(5, 2)),
                                 std::stoi(partition.date.substr(8, 2))});
    if (it == by_partition.end()) continue;
    partition.records_quarantined = it->second;
    partition.records_written -= it->second;
  }
  record.records_quarantined = bad;
  record.records_written -= bad;
  record.quarantine_table = quarantine_location(job_);
  record.quality = "quarantined";
  quarantining_ = true;
  return Status::ok_status();
}

Result<std::optional<engine::PreparedCommit>> Writer::prepare_quarantine(int64_t ledger_number) {
  if (!quarantining_) return std::optional<engine::PreparedCommit>();
  engine::TableOps ops(session_, fs_);
  engine::Source rows;
  std::string columns;
  for (const auto& [name, type] : columns_) columns += "c." + sql_identifier(name) + ", ";
  rows.query = fmt::format(
      "SELECT {}c._silt_failed_checks, 'failed ' || array_to_string(c._silt_failed_checks, ', ') AS _silt_reason, "
      "{} AS _silt_execution_id, l.path AS _silt_landing_file FROM _silt_checked AS c JOIN _silt_landing AS l ON "
      "c._silt_rank = l.rank WHERE len(c._silt_failed_checks) > 0",
      columns, sql_string(execution_id_));
  engine::WriteOptions options;
  options.mode = engine::WriteMode::kAppend;
  options.add_new_columns = true;  // the quarantine follows the landing files' columns
  options.app_id = IngestLog::kAppId;
  options.app_version = ledger_number;
  options.commit_info = {{"siltConsolidation", nlohmann::ordered_json({{"job", job_.name},
                                                                      {"execution_id", execution_id_},
                                                                      {"quarantine", true}}).dump()}};
  options.prepare_only = true;
  auto prepared = ops.write(quarantine_location(job_), rows, options);
  if (!prepared) {
    return std::move(prepared).error().with_context(fmt::format("consolidation '{}': quarantining records", job_.name));
  }
  return prepared->prepared;
}

}  // namespace silt::pipeline::consolidate
