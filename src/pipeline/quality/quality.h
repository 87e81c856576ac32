// Data contracts and quality checks of a model: their configuration (plain values, parsed from the
// model's configuration or contracts/*.yml by the model loader), their evaluation on staged rows
// in as few scans as possible, and their results.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace silt::engine::duckdb {
class Connection;
}

namespace silt::pipeline {

enum class Severity { kError, kWarn };
const char* severity_name(Severity severity);

// A check's result: passed, or failed with warn severity (warn) or error severity (fail).
enum class CheckStatus { kPass, kWarn, kFail };
const char* check_status_name(CheckStatus status);  // "pass", "warn", "fail"
// The status named `name`; nullopt for anything else.
std::optional<CheckStatus> check_status_from_name(const std::string& name);

// What a run does when an error-severity check fails.
enum class OnFailure {
  kGate,        // nothing is committed; the model fails; descendants are skipped
  kQuarantine,  // rows failing row-level checks go to <table>__quarantine, the others to the table
                // (table-level failures still gate)
  kWarn,        // everything is committed; failures are reported
};
const char* on_failure_name(OnFailure on_failure);

enum class CheckKind {
  // row-level: each row passes or fails
  kNotNull,         // column IS NOT NULL
  kAcceptedValues,  // CAST(column AS VARCHAR) IN values (NULL passes)
  kRange,           // min <= column <= max (either bound optional, inclusive; NULL passes)
  kRegex,           // regexp_matches(CAST(column AS VARCHAR), pattern) (NULL passes)
  kRelationships,   // column's value exists in `to`.`field` (NULL passes)
  kExpression,      // a SQL predicate over the row; the row fails when it is false or NULL
  // table-level: the data set passes or fails
  kUnique,          // no two rows share `columns` (rows with a NULL in them are ignored)
  kPrimaryKey,      // unique and not null on `columns`
  kRowCount,        // min <= rows <= max; |rows - previous| / previous * 100 <= max_change_pct
  kFreshness,       // run time - max(column) <= max_age
  kSql,             // a query over `this`; every row it returns is a failure
};
const char* check_kind_name(CheckKind kind);  // "not_null", "accepted_values", ...
bool is_row_level(CheckKind kind);

// Failures allowed before a check fails: a number of rows, or a percentage of the rows checked.
struct Threshold {
  std::optional<int64_t> count;
  std::optional<double> percent;
  std::string text() const;  // "none", "10 rows", "1.5%"
};

struct CheckSpec {
  CheckKind kind = CheckKind::kNotNull;
  std::string name;  // given (`name:`) or derived: "not_null(order_id)", "unique(order_id, event_ts)"
  Severity severity = Severity::kError;
  std::vector<std::string> columns;  // not_null/accepted_values/range/regex/relationships/freshness: one;
                                     // unique/primary_key: one or more
  std::vector<std::string> values;   // accepted_values, as text
  std::optional<std::string> min, max;  // range bounds as written (numbers, dates, timestamps)
  std::string pattern;               // regex
  std::string to;                    // relationships: a model name or qualified table name
  std::string field;                 // relationships: the column in `to`
  std::string expression;            // expression: SQL predicate; sql: the query (reads `this`)
  std::optional<int64_t> min_rows, max_rows;  // row_count
  std::optional<double> max_change_pct;       // row_count, against the table's previous version
  int64_t max_age_ms = 0;            // freshness
  Threshold threshold;               // failures allowed (default: none)
  std::string file;                  // where it is configured, for messages
  int line = 0;
};

// A column promised by the contract.
struct ColumnContract {
  std::string name;
  std::string type;               // DuckDB type as written ("BIGINT", "DECIMAL(12,2)"); "" = any
  std::optional<bool> nullable;   // false: NOT NULL
};

struct Contract {
  std::vector<ColumnContract> columns;
  std::vector<std::string> primary_key;
  bool allow_additive_evolution = false;  // schema_evolution: additive (default none)
};

struct QualityConfig {
  std::optional<Contract> contract;
  std::vector<CheckSpec> checks;
  OnFailure on_failure = OnFailure::kGate;
  double max_quarantine_pct = 100;  // quarantine mode: a larger share of failing rows fails the model
  bool empty() const { return !contract && checks.empty(); }
};

// The outcome of one check on one data set.
struct CheckResult {
  std::string name;
  CheckKind kind = CheckKind::kNotNull;
  Severity severity = Severity::kError;
  CheckStatus status = CheckStatus::kPass;
  int64_t failing = 0;          // rows failing (table checks: offending rows or groups; row_count: 0/1)
  int64_t checked = 0;          // rows checked
  std::string threshold;        // Threshold::text()
  std::string message;          // e.g. "12 rows with order_id NULL", "rows 0 < min 1"
  std::vector<std::string> example_columns;
  std::vector<std::vector<std::optional<std::string>>> examples;  // up to 10 failing rows
};

// What the checks read besides the data set itself.
struct CheckEnvironment {
  // SQL relation over the rows to check ("silt_staged" or a table scan).
  std::string relation;
  // A SQL relation over another project table (relationships `to`); error when it does not exist.
  std::function<Result<std::string>(const std::string& table)> resolve_table;
  std::optional<int64_t> previous_rows;  // row_count max_change_pct; none for a new table
  std::string now_timestamp;             // freshness reference, "YYYY-MM-DD HH:MM:SS.fff" (UTC)
};

// Evaluates every check: all row-level checks and the aggregate table-level ones in one scan of the
// relation (plus one query per unique/primary_key/sql check, and example queries only for failing
// checks). Results are in the order of `checks`. Errors are for checks that cannot run (bad SQL,
// unknown column), naming the check and its file:line.
Result<std::vector<CheckResult>> evaluate_checks(engine::duckdb::Connection& connection,
                                                 const std::vector<CheckSpec>& checks,
                                                 const CheckEnvironment& environment);

// For quarantine: a SELECT over the relation giving every column plus `_silt_failed_checks`
// (VARCHAR[]: names of the error-severity row-level checks the row fails, empty when it passes).
// Why the SQL of an expression or sql check cannot be run (an expression must be one SQL
// expression, a query one SELECT); nullopt when it can, or for other kinds. Parses only.
Result<std::optional<std::string>> check_sql_problem(engine::duckdb::Connection& connection, const CheckSpec& check);

Result<std::string> annotate_failures_sql(const std::vector<CheckSpec>& checks, const CheckEnvironment& environment);

// Checks the contract declares: nullable: false -> not_null, primary_key -> primary_key (error
// severity), named "contract: ...".
std::vector<CheckSpec> contract_checks(const Contract& contract);

// Compares the model's output columns (name, DuckDB type) with the contract: missing columns,
// other types, and (unless additive evolution is allowed) undeclared columns, each named with both
// types. `model_file` prefixes the message.
Status check_contract_columns(const Contract& contract,
                              const std::vector<std::pair<std::string, std::string>>& output_columns,
                              const std::string& model_file);

// Results of one run of a model's checks, as stored under <storage>/_quality/<table>/<stamp>.json.
struct QualityReport {
  std::string table;     // qualified
  std::string model;
  std::string run_id;    // "" for `silt check`
  int64_t table_version = -1;  // committed (or checked) version; -1 when nothing was committed
  std::string outcome;   // "passed", "warned", "gated", "quarantined"
  int64_t rows_checked = 0;
  int64_t rows_quarantined = 0;
  int64_t checked_ms = 0;  // epoch ms
  std::vector<CheckResult> results;
};
std::string quality_report_to_json(const QualityReport& report);
Result<QualityReport> quality_report_from_json(const std::string& text, const std::string& origin);

}  // namespace silt::pipeline
