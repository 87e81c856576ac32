// Names of the quality configuration's values and the checks a contract declares. Plain functions
// on the structs of quality.h: no YAML, no DuckDB.
#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {

const char* check_status_name(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kWarn: return "warn";
    case CheckStatus::kFail: return "fail";
  }
  return "fail";
}

std::optional<CheckStatus> check_status_from_name(const std::string& name) {
  for (CheckStatus status : {CheckStatus::kPass, CheckStatus::kWarn, CheckStatus::kFail}) {
    if (name == check_status_name(status)) return status;
  }
  return std::nullopt;
}

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kError: return "error";
    case Severity::kWarn: return "warn";
  }
  return "unknown";
}

const char* on_failure_name(OnFailure on_failure) {
  switch (on_failure) {
    case OnFailure::kGate: return "gate";
    case OnFailure::kQuarantine: return "quarantine";
    case OnFailure::kWarn: return "warn";
  }
  return "unknown";
}

const char* check_kind_name(CheckKind kind) {
  switch (kind) {
    case CheckKind::kNotNull: return "not_null";
    case CheckKind::kAcceptedValues: return "accepted_values";
    case CheckKind::kRange: return "range";
    case CheckKind::kRegex: return "regex";
    case CheckKind::kRelationships: return "relationships";
    case CheckKind::kExpression: return "expression";
    case CheckKind::kUnique: return "unique";
    case CheckKind::kPrimaryKey: return "primary_key";
    case CheckKind::kRowCount: return "row_count";
    case CheckKind::kFreshness: return "freshness";
    case CheckKind::kSql: return "sql";
  }
  return "unknown";
}

bool is_row_level(CheckKind kind) {
  switch (kind) {
    case CheckKind::kNotNull:
    case CheckKind::kAcceptedValues:
    case CheckKind::kRange:
    case CheckKind::kRegex:
    case CheckKind::kRelationships:
    case CheckKind::kExpression:
      return true;
    case CheckKind::kUnique:
    case CheckKind::kPrimaryKey:
    case CheckKind::kRowCount:
    case CheckKind::kFreshness:
    case CheckKind::kSql:
      return false;
  }
  return false;
}

std::string Threshold::text() const {
  std::vector<std::string> parts;
  if (count) parts.push_back(fmt::format("{} row{}", *count, *count == 1 ? "" : "s"));
  if (percent) parts.push_back(fmt::format("{}%", *percent));
  if (parts.empty()) return "none";
  return join(parts, " or ");
}

std::vector<CheckSpec> contract_checks(const Contract& contract) {
  std::vector<CheckSpec> checks;
  for (const ColumnContract& column : contract.columns) {
    if (column.nullable.value_or(true)) continue;
    CheckSpec check;
    check.kind = CheckKind::kNotNull;
    check.name = fmt::format("contract: not_null({})", column.name);
    check.severity = Severity::kError;
    check.columns = {column.name};
    checks.push_back(std::move(check));
  }
  if (!contract.primary_key.empty()) {
    CheckSpec check;
    check.kind = CheckKind::kPrimaryKey;
    check.name = fmt::format("contract: primary_key({})", join(contract.primary_key, ", "));
    check.severity = Severity::kError;
    check.columns = contract.primary_key;
    checks.push_back(std::move(check));
  }
  return checks;
}

}  // namespace silt::pipeline
