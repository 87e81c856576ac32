// Parses the SQL users write in checks (expression and sql kinds) before anything runs with it, so
// `silt validate` reports what a run would refuse.
#include <fmt/format.h>

#include "engine/sql_predicate.h"
#include "engine/sql_references.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {

Result<std::optional<std::string>> check_sql_problem(engine::duckdb::Connection& connection, const CheckSpec& check) {
  if (check.kind == CheckKind::kExpression) {
    std::string problem;
    if (engine::is_single_expression(connection, check.expression, &problem)) return std::optional<std::string>();
    return std::optional<std::string>(
        fmt::format("check '{}': the expression is not one SQL expression: {}", check.name, problem));
  }
  if (check.kind == CheckKind::kSql) {
    SILT_TRY_ASSIGN(auto parsed, engine::find_sql_references(connection, check.expression));
    if (parsed.ok) return std::optional<std::string>();
    return std::optional<std::string>(
        fmt::format("check '{}': the query must be one SELECT over `this`: {}", check.name, parsed.error));
  }
  return std::optional<std::string>();
}

}  // namespace silt::pipeline
