// Shared quality rules; see model_quality.h.
#include "pipeline/quality/model_quality.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {

std::vector<CheckSpec> model_checks(const QualityConfig& quality) {
  std::vector<CheckSpec> checks = quality.checks;
  if (quality.contract) {
    auto declared = contract_checks(*quality.contract);
    checks.insert(checks.end(), declared.begin(), declared.end());
  }
  return checks;
}

Status check_relation_contract(engine::duckdb::Connection& connection, const QualityConfig& quality,
                               const std::string& relation, const std::string& model_file) {
  if (!quality.contract) return Status();
  SILT_TRY_ASSIGN(auto described,
                  connection.query_varchar("SELECT column_name, column_type FROM (DESCRIBE " + relation + ")"));
  std::vector<std::pair<std::string, std::string>> columns;
  for (const auto& row : described.rows) columns.emplace_back(row[0].value_or(""), row[1].value_or(""));
  return check_contract_columns(*quality.contract, columns, model_file);
}

Result<int64_t> snapshot_row_count(engine::Session& session, const delta::Snapshot& snapshot) {
  if (int64_t rows = snapshot.num_records(); rows >= 0) return rows;
  SILT_TRY_ASSIGN(auto scan, session.scan_sql(snapshot));
  SILT_TRY_ASSIGN(auto value, session.connection().query_value("SELECT count(*) FROM (" + scan + ")"));
  return value ? parse_int64(*value).value_or(0) : 0;
}

QualityVerdict quality_verdict(const std::vector<CheckResult>& results, bool contract_failed) {
  QualityVerdict verdict;
  verdict.table_failed = contract_failed;
  for (const auto& result : results) {
    if (result.status == CheckStatus::kWarn) verdict.warned = true;
    if (result.status != CheckStatus::kFail) continue;
    (is_row_level(result.kind) ? verdict.row_failed : verdict.table_failed) = true;
  }
  return verdict;
}

std::string describe_check_failures(const std::vector<CheckResult>& results) {
  std::string text;
  for (const auto& result : results) {
    if (result.status != CheckStatus::kFail) continue;
    text += fmt::format("\n  - {}: {}", result.name, result.message.empty()
                                                          ? fmt::format("{} of {} rows fail", result.failing, result.checked)
                                                          : result.message);
    if (!result.threshold.empty() && result.threshold != "none") text += fmt::format(" (allowed: {})", result.threshold);
    for (size_t i = 0; i < result.examples.size(); ++i) {
      std::vector<std::string> cells;
      for (size_t c = 0; c < result.example_columns.size() && c < result.examples[i].size(); ++c) {
        cells.push_back(result.example_columns[c] + "=" + result.examples[i][c].value_or("NULL"));
      }
      text += "\n      " + join(cells, ", ");
    }
  }
  return text;
}

}  // namespace silt::pipeline
