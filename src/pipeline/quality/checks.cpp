// Evaluating quality checks with DuckDB: every row-level check and the aggregate table-level checks
// in one scan of the relation, one query per unique/primary_key/sql check, example rows only for
// failing checks; the quarantine annotation; contract columns against a model's output; reports as
// JSON. Reads only: nothing here writes a table or a file.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "engine/duckdb/database.h"
#include "obs/metrics.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {
namespace {

using json = nlohmann::ordered_json;

constexpr size_t kMaxExamples = 10;
constexpr const char* kRowAlias = "_silt_s";
// Queries issued over the checked relation (aggregate, table-level, examples): `quality.queries`.
constexpr const char* kQueryCounter = "quality.queries";

bool starts_with_keyword(std::string_view text, std::string_view keyword) {
  if (text.size() < keyword.size() || to_lower(text.substr(0, keyword.size())) != keyword) return false;
  if (text.size() == keyword.size()) return true;
  char next = text[keyword.size()];
  return !(std::isalnum(static_cast<unsigned char>(next)) || next == '_');
}

// A relation (a table or view name, or a query) as a FROM item with an alias.
std::string from_item(const std::string& relation, const std::string& alias) {
  std::string_view text = trim(relation);
  bool query = starts_with_keyword(text, "select") || starts_with_keyword(text, "with") ||
               starts_with_keyword(text, "from") || starts_with_keyword(text, "values") ||
               starts_with_keyword(text, "table");
  if (query) return fmt::format("({}) AS {}", text, alias);
  return fmt::format("{} AS {}", text, alias);
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string location_prefix(const CheckSpec& spec) {
  if (spec.file.empty()) return "";
  if (spec.line > 0) return fmt::format("{}:{}: ", spec.file, spec.line);
  return spec.file + ": ";
}

// A check that cannot run: named with where it is configured, with DuckDB's first line.
Error check_error(const CheckSpec& spec, const std::string& detail, ErrorCode code = ErrorCode::kConfig) {
  return Error(code, fmt::format("{}check '{}' cannot run: {}", location_prefix(spec), spec.name, detail));
}

Error check_error(const CheckSpec& spec, const Error& error) {
  // DuckDB reports bad SQL, unknown columns and impossible casts as invalid input: the check's
  // configuration is wrong. I/O and internal errors keep their codes.
  ErrorCode code = error.code() == ErrorCode::kInvalidArgument ? ErrorCode::kConfig : error.code();
  return check_error(spec, first_line(error.message()), code);
}

Result<std::string> check_column(const CheckSpec& spec) {
  if (spec.columns.empty() || spec.columns.front().empty()) return check_error(spec, "it names no column");
  return sql_identifier(spec.columns.front());
}

// A number is written as is; anything else (dates, timestamps, text) as a string literal that
// DuckDB casts to the column's type.
bool is_number(const std::string& text) {
  bool digit = false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) digit = true;
    else if (c != '+' && c != '-' && c != '.' && c != 'e' && c != 'E') return false;
  }
  if (!digit) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

std::string bound_literal(const std::string& text) { return is_number(text) ? text : sql_string(text); }

// A row-level check as SQL: `failing` is true exactly for the rows that fail the check (false or
// NULL for the others); `join` adds what it reads besides the row (relationships). Written as the
// failure itself rather than NOT(pass) so that DuckDB evaluates plain comparisons.
struct RowPredicate {
  std::string failing;
  std::string join;
};

Result<RowPredicate> row_predicate(const CheckSpec& spec, size_t index, const CheckEnvironment& environment) {
  RowPredicate out;
  if (spec.kind == CheckKind::kExpression) {
    if (trim(spec.expression).empty()) return check_error(spec, "the expression is empty");
    // A NULL result fails too.
    out.failing = fmt::format("NOT coalesce(({}\n), false)", spec.expression);
    return out;
  }
  SILT_TRY_ASSIGN(std::string column, check_column(spec));
  switch (spec.kind) {
    case CheckKind::kNotNull:
      out.failing = fmt::format("{} IS NULL", column);
      break;
    case CheckKind::kAcceptedValues: {
      if (spec.values.empty()) {
        out.failing = fmt::format("{} IS NOT NULL", column);
        break;
      }
      std::vector<std::string> literals;
      for (const auto& value : spec.values) literals.push_back(sql_string(value));
      out.failing = fmt::format("{0} IS NOT NULL AND CAST({0} AS VARCHAR) NOT IN ({1})", column, join(literals, ", "));
      break;
    }
    case CheckKind::kRange: {
      std::vector<std::string> outside;
      if (spec.min) outside.push_back(fmt::format("{} < {}", column, bound_literal(*spec.min)));
      if (spec.max) outside.push_back(fmt::format("{} > {}", column, bound_literal(*spec.max)));
      out.failing = outside.empty() ? std::string("false") : fmt::format("({})", join(outside, " OR "));
      break;
    }
    case CheckKind::kRegex:
      out.failing = fmt::format("NOT regexp_matches(CAST({} AS VARCHAR), {})", column, sql_string(spec.pattern));
      break;
    case CheckKind::kRelationships: {
      if (!environment.resolve_table) return check_error(spec, fmt::format("no table '{}' to look values up in", spec.to));
      if (spec.field.empty()) return check_error(spec, "it names no field of the related table");
      auto target = environment.resolve_table(spec.to);
      if (!target) return check_error(spec, target.error().message(), target.error().code());
      std::string alias = fmt::format("_silt_ref_{}", index);
      out.join = fmt::format(" LEFT JOIN (SELECT DISTINCT {} AS _silt_key FROM {}) AS {} ON {}.{} = {}._silt_key",
                             sql_identifier(spec.field), from_item(*target, "_silt_t"), alias, kRowAlias, column,
                             alias);
      out.failing = fmt::format("{0}.{1} IS NOT NULL AND {2}._silt_key IS NULL", kRowAlias, column, alias);
      break;
    }
    default:
      return check_error(spec, "not a row-level check", ErrorCode::kInternal);
  }
  return out;
}

Result<engine::duckdb::TextResult> run_query(engine::duckdb::Connection& connection, const std::string& sql) {
  obs::counter_add(kQueryCounter);
  return connection.query_text(sql);
}

int64_t cell_int(const engine::duckdb::TextResult& result, size_t column) {
  if (result.rows.empty() || column >= result.rows.front().size() || !result.rows.front()[column]) return 0;
  return parse_int64(*result.rows.front()[column]).value_or(0);
}

std::optional<std::string> cell(const engine::duckdb::TextResult& result, size_t column) {
  if (result.rows.empty() || column >= result.rows.front().size()) return std::nullopt;
  return result.rows.front()[column];
}

// "3d 2h", "45m", "1h 30m", "12s", "250ms": the two largest units.
std::string format_age(int64_t ms) {
  if (ms < 0) return "-" + format_age(-ms);
  if (ms < 1000) return fmt::format("{}ms", ms);
  struct Unit {
    int64_t ms;
    const char* suffix;
  };
  constexpr Unit kUnits[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  std::vector<std::string> parts;
  int64_t rest = ms;
  for (const auto& unit : kUnits) {
    int64_t count = rest / unit.ms;
    rest %= unit.ms;
    if (count > 0) parts.push_back(fmt::format("{}{}", count, unit.suffix));
    else if (!parts.empty()) break;  // "2d" rather than "2d 0h 5m"
    if (parts.size() == 2) break;
  }
  return join(parts, " ");
}

std::string format_number(double value) { return fmt::format("{:g}", value); }

const char* rows_verb(int64_t count, const char* singular, const char* plural) { return count == 1 ? singular : plural; }

std::string values_text(const std::vector<std::string>& values) {
  constexpr size_t kShown = 5;
  std::vector<std::string> shown(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(std::min(kShown, values.size())));
  if (values.size() > kShown) shown.push_back(fmt::format("... {} more", values.size() - kShown));
  return join(shown, ", ");
}

// What failing rows of a row-level check have, for "3 of 1000 rows have order_id NULL".
std::string row_failure_text(const CheckSpec& spec, int64_t failing, int64_t rows) {
  std::string column = spec.columns.empty() ? std::string() : spec.columns.front();
  std::string prefix = fmt::format("{} of {} rows", failing, rows);
  const char* have = rows_verb(failing, "has", "have");
  switch (spec.kind) {
    case CheckKind::kNotNull:
      return fmt::format("{} {} {} NULL", prefix, have, column);
    case CheckKind::kAcceptedValues:
      return fmt::format("{} {} {} not in ({})", prefix, have, column, values_text(spec.values));
    case CheckKind::kRange:
      if (spec.min && spec.max) return fmt::format("{} {} {} outside [{}, {}]", prefix, have, column, *spec.min, *spec.max);
      if (spec.min) return fmt::format("{} {} {} below {}", prefix, have, column, *spec.min);
      return fmt::format("{} {} {} above {}", prefix, have, column, spec.max.value_or(""));
    case CheckKind::kRegex:
      return fmt::format("{} {} {} not matching {}", prefix, have, column, sql_string(spec.pattern));
    case CheckKind::kRelationships:
      return fmt::format("{} {} {} not found in {}.{}", prefix, have, column, spec.to, spec.field);
    case CheckKind::kExpression:
      return fmt::format("{} {} not satisfy {}", prefix, rows_verb(failing, "does", "do"), trim(spec.expression));
    default:
      return prefix;
  }
}

// Whether `failing` exceeds the failures the threshold allows (none by default).
bool exceeds(const Threshold& threshold, int64_t failing, int64_t checked) {
  if (!threshold.count && !threshold.percent) return failing > 0;
  if (threshold.count && failing > *threshold.count) return true;
  if (threshold.percent && static_cast<double>(failing) * 100.0 > *threshold.percent * static_cast<double>(checked)) {
    return true;
  }
  return false;
}

CheckResult new_result(const CheckSpec& spec) {
  CheckResult result;
  result.name = spec.name;
  result.kind = spec.kind;
  result.severity = spec.severity;
  result.status = CheckStatus::kPass;
  result.threshold = spec.threshold.text();
  return result;
}

void set_failed(CheckResult& result) {
  result.status = result.severity == Severity::kError ? CheckStatus::kFail : CheckStatus::kWarn;
}

// Row-level and threshold-based table-level checks: status from the threshold, message with the
// allowance when failures are tolerated.
void finish_counted(CheckResult& result, const CheckSpec& spec, const std::string& failure_text) {
  if (exceeds(spec.threshold, result.failing, result.checked)) {
    set_failed(result);
    result.message = failure_text;
  } else if (result.failing > 0) {
    result.message = fmt::format("{} (allowed: {})", failure_text, result.threshold);
  }
}

std::string sql_body(const std::string& query) {
  std::string text(trim(query));
  while (!text.empty() && (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) text.pop_back();
  return text;
}

std::string sql_check_query(const CheckSpec& spec, const CheckEnvironment& environment, const std::string& select) {
  return fmt::format("WITH this AS (SELECT * FROM {}) {} FROM ({}\n) AS _silt_q", from_item(environment.relation, "_silt_this"),
                     select, sql_body(spec.expression));
}

std::string key_columns_sql(const CheckSpec& spec, const char* separator, const char* suffix = "") {
  std::vector<std::string> parts;
  for (const auto& column : spec.columns) parts.push_back(sql_identifier(column) + suffix);
  return join(parts, separator);
}

// One query per unique/primary_key check: duplicated key groups (NULL keys excluded), their rows,
// rows with a NULL key (primary_key), and the keys at fault with their row counts (top 10 by count,
// from the same aggregate: no second GROUP BY). Only the groups at fault leave the GROUP BY.
// With `count_rows`, all rows of the relation are counted too (when no other query counted them).
struct KeyCounts {
  int64_t duplicated_keys = 0;
  int64_t duplicated_rows = 0;
  int64_t null_rows = 0;
  int64_t rows = -1;
  std::vector<std::vector<std::optional<std::string>>> examples;  // key values..., count
};

Result<KeyCounts> count_keys(engine::duckdb::Connection& connection, const CheckSpec& spec,
                             const CheckEnvironment& environment, bool count_rows) {
  if (spec.columns.empty()) return check_error(spec, "it names no key column");
  const bool primary_key = spec.kind == CheckKind::kPrimaryKey;
  std::string keys = key_columns_sql(spec, ", ");
  std::string any_null = key_columns_sql(spec, " OR ", " IS NULL");
  std::string from = from_item(environment.relation, kRowAlias);
  std::vector<std::string> example_cells;
  for (const auto& column : spec.columns) example_cells.push_back(fmt::format("CAST({} AS VARCHAR)", sql_identifier(column)));
  example_cells.push_back("CAST(n AS VARCHAR)");
  std::string groups =
      primary_key
          ? fmt::format("SELECT {0}, count(*) AS n, ({1}) AS has_null FROM {2} GROUP BY {0} HAVING count(*) > 1 OR {1}",
                        keys, any_null, from)
          : fmt::format("SELECT {0}, count(*) AS n, false AS has_null FROM {1} WHERE {2} GROUP BY {0} HAVING count(*) > 1",
                        keys, from, key_columns_sql(spec, " AND ", " IS NOT NULL"));
  std::string sql = fmt::format(
      "SELECT count(*) FILTER (WHERE n > 1 AND NOT has_null), "
      "CAST(coalesce(sum(n) FILTER (WHERE n > 1 AND NOT has_null), 0) AS BIGINT), "
      "CAST(coalesce(sum(n) FILTER (WHERE has_null), 0) AS BIGINT), max_by([{}], n, {}){} FROM ({})",
      join(example_cells, ", "), kMaxExamples,
      count_rows ? fmt::format(", (SELECT count(*) FROM {})", from) : std::string(), groups);
  obs::counter_add(kQueryCounter);
  auto result = connection.query_any(sql);
  if (!result) return check_error(spec, result.error());
  KeyCounts counts{cell_int(*result, 0), cell_int(*result, 1), cell_int(*result, 2),
                   count_rows ? cell_int(*result, 4) : -1, {}};
  if (auto listed = cell(*result, 3)) {
    json rows = json::parse(*listed, nullptr, false);
    if (rows.is_array()) {
      for (const auto& row : rows) {
        if (!row.is_array()) continue;
        std::vector<std::optional<std::string>> cells;
        for (const auto& value : row) {
          cells.push_back(value.is_string() ? std::optional<std::string>(value.get<std::string>()) : std::nullopt);
        }
        counts.examples.push_back(std::move(cells));
      }
    }
  }
  // Most rows first, then by key text: a stable order whatever order the aggregate kept.
  std::sort(counts.examples.begin(), counts.examples.end(), [](const auto& a, const auto& b) {
    int64_t count_a = parse_int64(a.back().value_or("0")).value_or(0);
    int64_t count_b = parse_int64(b.back().value_or("0")).value_or(0);
    if (count_a != count_b) return count_a > count_b;
    return a < b;
  });
  return counts;
}

Status add_examples(engine::duckdb::Connection& connection, const CheckSpec& spec, const RowPredicate* predicate,
                    const CheckEnvironment& environment, CheckResult& result) {
  std::string sql;
  if (spec.kind == CheckKind::kSql) {
    sql = sql_check_query(spec, environment, "SELECT *") + fmt::format(" LIMIT {}", kMaxExamples);
  } else if (predicate) {
    sql = fmt::format("SELECT {}.* FROM {}{} WHERE {} LIMIT {}", kRowAlias, from_item(environment.relation, kRowAlias),
                      predicate->join, predicate->failing, kMaxExamples);
  } else {
    return Status();  // row_count, freshness: no rows to show
  }
  auto examples = run_query(connection, sql);
  if (!examples) return check_error(spec, examples.error());
  result.example_columns = std::move(examples->column_names);
  result.examples = std::move(examples->rows);
  return Status();
}

// The aggregate query failed: find the check whose SQL is wrong (binding errors first, without
// reading data; then errors that appear only on the data, one check at a time).
Error locate_failure(engine::duckdb::Connection& connection, const std::vector<CheckSpec>& checks,
                     const std::vector<std::pair<size_t, std::string>>& parts,
                     const std::vector<std::string>& joins, const CheckEnvironment& environment, const Error& error) {
  std::string from = from_item(environment.relation, kRowAlias);
  if (auto probe = connection.query_text(fmt::format("SELECT * FROM {} LIMIT 0", from)); !probe) {
    return Error(probe.error().code(),
                 fmt::format("quality checks cannot read {}: {}", environment.relation, first_line(probe.error().message())));
  }
  for (bool read_data : {false, true}) {
    for (const auto& [index, expression] : parts) {
      std::string sql = fmt::format("SELECT {} FROM {}{}{}", expression, from, joins[index], read_data ? "" : " LIMIT 0");
      auto probe = connection.query_text(sql);
      if (!probe) return check_error(checks[index], probe.error());
    }
  }
  ErrorCode code = error.code() == ErrorCode::kInvalidArgument ? ErrorCode::kConfig : error.code();
  return Error(code, fmt::format("quality checks cannot run: {}", first_line(error.message())));
}

// Normalised DuckDB type text for comparing a contract with a result: upper case, no spaces,
// synonyms folded ("INT" and "INT4" -> INTEGER, "TEXT" -> VARCHAR, "DOUBLE PRECISION" -> DOUBLE).
std::string normalize_type(const std::string& type) {
  std::string upper;
  for (char c : type) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // Multi-word names first, while their spaces are still there.
  upper = replace_all(upper, "DOUBLE PRECISION", "DOUBLE");
  upper = replace_all(upper, "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ");
  upper = replace_all(upper, "TIME WITH TIME ZONE", "TIMETZ");
  upper = replace_all(upper, "CHARACTER VARYING", "VARCHAR");
  static const std::pair<const char*, const char*> kSynonyms[] = {
      {"INT", "INTEGER"},     {"INT4", "INTEGER"},  {"SIGNED", "INTEGER"},     {"INT8", "BIGINT"},
      {"LONG", "BIGINT"},     {"INT2", "SMALLINT"}, {"SHORT", "SMALLINT"},     {"INT1", "TINYINT"},
      {"STRING", "VARCHAR"},  {"TEXT", "VARCHAR"},  {"CHAR", "VARCHAR"},       {"BPCHAR", "VARCHAR"},
      {"FLOAT8", "DOUBLE"},   {"FLOAT4", "FLOAT"},  {"REAL", "FLOAT"},         {"BOOL", "BOOLEAN"},
      {"LOGICAL", "BOOLEAN"}, {"NUMERIC", "DECIMAL"}, {"DATETIME", "TIMESTAMP"}, {"BYTEA", "BLOB"},
      {"BINARY", "BLOB"},     {"VARBINARY", "BLOB"},
  };
  // Fold word by word so that "INT" never rewrites part of "INTEGER" or "INTERVAL".
  std::string out;
  size_t i = 0;
  while (i < upper.size()) {
    char c = upper[i];
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t end = i;
      while (end < upper.size() && (std::isalnum(static_cast<unsigned char>(upper[end])) || upper[end] == '_')) ++end;
      std::string word = upper.substr(i, end - i);
      for (const auto& [from, to] : kSynonyms) {
        if (word == from) {
          word = to;
          break;
        }
      }
      out += word;
      i = end;
    } else {
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
      ++i;
    }
  }
  // VARCHAR(n) is VARCHAR in DuckDB; DECIMAL without precision is DECIMAL(18,3).
  for (size_t at = out.find("VARCHAR("); at != std::string::npos; at = out.find("VARCHAR(", at)) {
    size_t close = out.find(')', at);
    if (close == std::string::npos) break;
    out.erase(at + 7, close - at - 6);
  }
  for (size_t at = out.find("DECIMAL"); at != std::string::npos; at = out.find("DECIMAL", at + 7)) {
    if (at + 7 >= out.size() || out[at + 7] != '(') out.insert(at + 7, "(18,3)");
  }
  return out;
}

const CheckKind kAllKinds[] = {CheckKind::kNotNull,   CheckKind::kAcceptedValues, CheckKind::kRange,
                               CheckKind::kRegex,     CheckKind::kRelationships,  CheckKind::kExpression,
                               CheckKind::kUnique,    CheckKind::kPrimaryKey,     CheckKind::kRowCount,
                               CheckKind::kFreshness, CheckKind::kSql};

template <typename T>
T get_or(const json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->get<T>();
}

json result_to_json(const CheckResult& result) {
  json out;
  out["name"] = result.name;
  out["kind"] = check_kind_name(result.kind);
  out["severity"] = severity_name(result.severity);
  out["status"] = check_status_name(result.status);
  out["failing"] = result.failing;
  out["checked"] = result.checked;
  out["threshold"] = result.threshold;
  out["message"] = result.message;
  if (!result.examples.empty()) {
    out["example_columns"] = result.example_columns;
    json rows = json::array();
    for (const auto& row : result.examples) {
      json cells = json::array();
      for (const auto& value : row) cells.push_back(value ? json(*value) : json(nullptr));
      rows.push_back(std::move(cells));
    }
    out["examples"] = std::move(rows);
  }
  return out;
}

CheckResult result_from_json(const json& in) {
  CheckResult result;
  result.name = get_or<std::string>(in, "name", "");
  std::string kind = get_or<std::string>(in, "kind", "");
  for (CheckKind candidate : kAllKinds) {
    if (kind == check_kind_name(candidate)) result.kind = candidate;
  }
  result.severity = get_or<std::string>(in, "severity", "") == severity_name(Severity::kWarn) ? Severity::kWarn
                                                                                              : Severity::kError;
  result.status = check_status_from_name(get_or<std::string>(in, "status", "")).value_or(CheckStatus::kFail);
  result.failing = get_or<int64_t>(in, "failing", 0);
  result.checked = get_or<int64_t>(in, "checked", 0);
  result.threshold = get_or<std::string>(in, "threshold", "");
  result.message = get_or<std::string>(in, "message", "");
  result.example_columns = get_or<std::vector<std::string>>(in, "example_columns", {});
  for (const auto& row : get_or<json>(in, "examples", json::array())) {
    std::vector<std::optional<std::string>> cells;
    for (const auto& value : row) {
      if (value.is_null()) cells.emplace_back(std::nullopt);
      else if (value.is_string()) cells.emplace_back(value.get<std::string>());
      else cells.emplace_back(value.dump());
    }
    result.examples.push_back(std::move(cells));
  }
  return result;
}

}  // namespace

Result<std::vector<CheckResult>> evaluate_checks(engine::duckdb::Connection& connection,
                                                 const std::vector<CheckSpec>& checks,
                                                 const CheckEnvironment& environment) {
  std::vector<CheckResult> results;
  if (checks.empty()) return results;
  for (const auto& spec : checks) results.push_back(new_result(spec));
  std::vector<std::optional<RowPredicate>> predicates(checks.size());

  // The one scan: row count, failing rows of each row-level check, max() for freshness.
  std::string now_sql = environment.now_timestamp.empty()
                            ? std::string("CAST(now() AS TIMESTAMP)")
                            : fmt::format("CAST({} AS TIMESTAMP)", sql_string(environment.now_timestamp));
  std::vector<std::string> selects = {"count(*)"};
  std::vector<std::pair<size_t, std::string>> parts;  // check index -> its select expressions
  std::vector<std::string> joins(checks.size());
  std::vector<size_t> first_column(checks.size(), 0);
  bool needs_scan = false;
  bool has_key_check = false;
  for (size_t i = 0; i < checks.size(); ++i) {
    const CheckSpec& spec = checks[i];
    first_column[i] = selects.size();
    if (is_row_level(spec.kind)) {
      SILT_TRY_ASSIGN(predicates[i], row_predicate(spec, i, environment));
      joins[i] = predicates[i]->join;
      selects.push_back(fmt::format("count(*) FILTER (WHERE {})", predicates[i]->failing));
      parts.emplace_back(i, selects.back());
    } else if (spec.kind == CheckKind::kFreshness) {
      SILT_TRY_ASSIGN(std::string column, check_column(spec));
      selects.push_back(fmt::format("CAST(max({}) AS VARCHAR)", column));
      selects.push_back(fmt::format("date_diff('millisecond', CAST(max({}) AS TIMESTAMP), {})", column, now_sql));
      parts.emplace_back(i, selects[selects.size() - 2] + ", " + selects.back());
    } else if (spec.kind == CheckKind::kUnique || spec.kind == CheckKind::kPrimaryKey) {
      has_key_check = true;
      continue;
    } else if (spec.kind != CheckKind::kRowCount) {
      continue;
    }
    needs_scan = true;
  }
  // Without anything the scan alone computes, a unique/primary_key query counts the rows as well.
  needs_scan = needs_scan || !has_key_check;

  int64_t rows = -1;
  engine::duckdb::TextResult aggregate;
  if (needs_scan) {
    std::string all_joins;
    for (const auto& join_sql : joins) all_joins += join_sql;
    std::string sql = fmt::format("SELECT {} FROM {}{}", join(selects, ", "), from_item(environment.relation, kRowAlias),
                                  all_joins);
    auto scanned = run_query(connection, sql);
    if (!scanned) return locate_failure(connection, checks, parts, joins, environment, scanned.error());
    aggregate = std::move(*scanned);
    rows = cell_int(aggregate, 0);
  }
  std::vector<std::optional<KeyCounts>> key_counts(checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    if (checks[i].kind != CheckKind::kUnique && checks[i].kind != CheckKind::kPrimaryKey) continue;
    SILT_TRY_ASSIGN(key_counts[i], count_keys(connection, checks[i], environment, rows < 0));
    if (rows < 0) rows = key_counts[i]->rows;
  }

  for (size_t i = 0; i < checks.size(); ++i) {
    const CheckSpec& spec = checks[i];
    CheckResult& result = results[i];
    if (is_row_level(spec.kind)) {
      result.checked = rows;
      result.failing = cell_int(aggregate, first_column[i]);
      finish_counted(result, spec, row_failure_text(spec, result.failing, rows));
    } else if (spec.kind == CheckKind::kUnique || spec.kind == CheckKind::kPrimaryKey) {
      const KeyCounts& counts = *key_counts[i];
      result.checked = rows;
      result.failing = counts.duplicated_rows;
      std::vector<std::string> parts_text;
      if (counts.duplicated_keys > 0) {
        parts_text.push_back(fmt::format("{} duplicated key{} ({} rows)", counts.duplicated_keys,
                                         counts.duplicated_keys == 1 ? "" : "s", counts.duplicated_rows));
      }
      if (spec.kind == CheckKind::kPrimaryKey) {
        result.failing += counts.null_rows;
        if (counts.null_rows > 0) {
          parts_text.push_back(fmt::format("{} row{} with a NULL key", counts.null_rows, counts.null_rows == 1 ? "" : "s"));
        }
      }
      finish_counted(result, spec, join(parts_text, ", "));
      if (result.status != CheckStatus::kPass) {
        result.example_columns = spec.columns;
        result.example_columns.push_back("count");
        result.examples = counts.examples;
      }
      continue;
    } else if (spec.kind == CheckKind::kRowCount) {
      result.checked = rows;
      std::vector<std::string> problems;
      if (spec.min_rows && rows < *spec.min_rows) problems.push_back(fmt::format("row count {} below min {}", rows, *spec.min_rows));
      if (spec.max_rows && rows > *spec.max_rows) problems.push_back(fmt::format("row count {} above max {}", rows, *spec.max_rows));
      if (spec.max_change_pct && environment.previous_rows && *environment.previous_rows > 0) {
        int64_t previous = *environment.previous_rows;
        double change = std::fabs(static_cast<double>(rows - previous)) / static_cast<double>(previous) * 100.0;
        if (change > *spec.max_change_pct) {
          problems.push_back(fmt::format("row count {} changed {:.1f}% from {} (max {}%)", rows, change, previous,
                                         format_number(*spec.max_change_pct)));
        }
      }
      result.failing = problems.empty() ? 0 : 1;
      if (problems.empty()) {
        result.message = fmt::format("row count {}", rows);
      } else {
        set_failed(result);
        result.message = join(problems, "; ");
      }
    } else if (spec.kind == CheckKind::kFreshness) {
      result.checked = rows;
      std::string column = spec.columns.front();
      auto newest = cell(aggregate, first_column[i]);
      auto age = cell(aggregate, first_column[i] + 1);
      if (!newest || !age) {
        result.failing = 1;
        set_failed(result);
        result.message = fmt::format("no {} value to measure freshness by (max age {})", column, format_age(spec.max_age_ms));
      } else {
        int64_t age_ms = parse_int64(*age).value_or(0);
        std::string text = fmt::format("newest {} {} is {} old (max {})", column, *newest, format_age(age_ms),
                                       format_age(spec.max_age_ms));
        result.message = text;
        if (age_ms > spec.max_age_ms) {
          result.failing = 1;
          set_failed(result);
        }
      }
    } else if (spec.kind == CheckKind::kSql) {
      if (trim(spec.expression).empty()) return check_error(spec, "the query is empty");
      auto counted = run_query(connection, sql_check_query(spec, environment, "SELECT count(*)"));
      if (!counted) return check_error(spec, counted.error());
      result.checked = rows;
      result.failing = cell_int(*counted, 0);
      finish_counted(result, spec,
                     fmt::format("the query returned {} row{}", result.failing, result.failing == 1 ? "" : "s"));
    }
    if (result.status != CheckStatus::kPass) {
      SILT_TRY(add_examples(connection, spec, predicates[i] ? &*predicates[i] : nullptr, environment, result));
    }
  }
  return results;
}

Result<std::string> annotate_failures_sql(const std::vector<CheckSpec>& checks, const CheckEnvironment& environment) {
  std::vector<std::string> cases;
  std::string joins;
  for (size_t i = 0; i < checks.size(); ++i) {
    const CheckSpec& spec = checks[i];
    if (!is_row_level(spec.kind) || spec.severity != Severity::kError) continue;
    SILT_TRY_ASSIGN(RowPredicate predicate, row_predicate(spec, i, environment));
    cases.push_back(fmt::format("CASE WHEN {} THEN {} END", predicate.failing, sql_string(spec.name)));
    joins += predicate.join;
  }
  std::string failed = cases.empty()
                           ? std::string("CAST([] AS VARCHAR[])")
                           : fmt::format("list_filter([{}], lambda x: x IS NOT NULL)", join(cases, ", "));
  return fmt::format("SELECT {0}.*, {1} AS _silt_failed_checks FROM {2}{3}", kRowAlias, failed,
                     from_item(environment.relation, kRowAlias), joins);
}

Status check_contract_columns(const Contract& contract,
                              const std::vector<std::pair<std::string, std::string>>& output_columns,
                              const std::string& model_file) {
  std::vector<std::string> problems;
  auto find_output = [&](const std::string& name) -> const std::pair<std::string, std::string>* {
    for (const auto& column : output_columns) {
      if (to_lower(column.first) == to_lower(name)) return &column;
    }
    return nullptr;
  };
  for (const auto& declared : contract.columns) {
    const auto* actual = find_output(declared.name);
    if (!actual) {
      problems.push_back(fmt::format("column '{}' is in the contract but not in the model's result", declared.name));
      continue;
    }
    if (!declared.type.empty() && normalize_type(declared.type) != normalize_type(actual->second)) {
      problems.push_back(fmt::format("column '{}' is {} in the model's result but {} in the contract", declared.name,
                                     actual->second, declared.type));
    }
  }
  if (!contract.columns.empty() && !contract.allow_additive_evolution) {
    for (const auto& [name, type] : output_columns) {
      bool declared = std::any_of(contract.columns.begin(), contract.columns.end(),
                                  [&](const ColumnContract& column) { return to_lower(column.name) == to_lower(name); });
      if (!declared) {
        problems.push_back(fmt::format("column '{}' ({}) is in the model's result but not in the contract (declare it, "
                                       "or allow new columns with schema_evolution: additive)",
                                       name, type));
      }
    }
  }
  if (problems.empty()) return Status();
  return Error(ErrorCode::kQualityFailed, fmt::format("{}: contract: {}", model_file, join(problems, "; ")));
}

std::string quality_report_to_json(const QualityReport& report) {
  json out;
  out["table"] = report.table;
  out["model"] = report.model;
  out["run_id"] = report.run_id;
  out["table_version"] = report.table_version;
  out["outcome"] = report.outcome;
  out["rows_checked"] = report.rows_checked;
  out["rows_quarantined"] = report.rows_quarantined;
  out["checked_at"] = report.checked_ms ? format_timestamp_ms(report.checked_ms) : "";
  out["results"] = json::array();
  for (const auto& result : report.results) out["results"].push_back(result_to_json(result));
  return out.dump(2) + "\n";
}

Result<QualityReport> quality_report_from_json(const std::string& text, const std::string& origin) {
  json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not a quality report (invalid JSON)", origin));
  }
  try {
    QualityReport report;
    report.table = get_or<std::string>(in, "table", "");
    report.model = get_or<std::string>(in, "model", "");
    report.run_id = get_or<std::string>(in, "run_id", "");
    report.table_version = get_or<int64_t>(in, "table_version", -1);
    report.outcome = get_or<std::string>(in, "outcome", "");
    report.rows_checked = get_or<int64_t>(in, "rows_checked", 0);
    report.rows_quarantined = get_or<int64_t>(in, "rows_quarantined", 0);
    report.checked_ms = parse_timestamp_ms(get_or<std::string>(in, "checked_at", "")).value_or(0);
    for (const auto& item : get_or<json>(in, "results", json::array())) {
      if (!item.is_object()) {
        return make_error(ErrorCode::kCorruption, fmt::format("{}: not a quality report (a result is not an object)", origin));
      }
      report.results.push_back(result_from_json(item));
    }
    return report;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not a quality report ({})", origin, e.what()));
  }
}

}  // namespace silt::pipeline
