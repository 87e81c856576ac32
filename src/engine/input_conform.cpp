// Conforming an input to a table's schema: column names and types checked, values cast into the
// table's column order, and a value that does not parse as its column's type located in its file.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "engine/table_ops_internal.h"
#include "engine/type_mapping.h"

namespace silt::engine {
namespace {

// The fields of one CSV record starting at `pos` (quotes may span lines); advances `pos` past it and
// counts the newlines it crossed into `lines`.
std::vector<std::string> next_record(std::string_view text, size_t& pos, char delimiter, int64_t& lines) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  while (pos < text.size()) {
    char c = text[pos++];
    if (quoted) {
      if (c == '"' && pos < text.size() && text[pos] == '"') {
        fields.back().push_back('"');
        ++pos;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++lines;
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else if (c == '\n') {
      ++lines;
      break;
    } else if (c != '\r') {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::string trimmed(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return std::string(text.substr(begin, end - begin + 1));
}

// Where a bad value was found, for the message: "file, line N" when the file could be read.
std::string value_location(storage::FileSystem* fs, const std::string& file, const std::string& column,
                           const std::string& value) {
  std::string where = "in " + file;
  if (!fs) return where;
  auto info = fs->stat(file);
  constexpr int64_t kMaxScannedBytes = int64_t{256} << 20;
  if (!info || info->size > kMaxScannedBytes) return where;
  auto text = fs->read(file);
  if (!text) return where;
  if (auto line = locate_value_line(*text, column, value)) where += fmt::format(", line {}", *line);
  return where;
}

// When `column` (VARCHAR in the input) holds values that do not parse as `target`: a message naming
// how many, the first one, and the file and line it came from when the input carries _source_file.
// nullopt when every value parses (the input is a string column by its query, not by bad data).
Result<std::optional<std::string>> describe_unparsable(duckdb::Connection& connection, const std::string& source,
                                                       const std::string& column, const std::string& target,
                                                       bool has_source_file, storage::FileSystem* fs) {
  std::string quoted = sql_identifier(column);
  std::string bad = fmt::format("{0} IS NOT NULL AND TRY_CAST({0} AS {1}) IS NULL", quoted, target);
  SILT_TRY_ASSIGN(auto found,
                  connection.query_varchar(fmt::format(
                      "SELECT CAST(count(*) OVER () AS VARCHAR), CAST({} AS VARCHAR), {} FROM ({}) AS silt_source "
                      "WHERE {} LIMIT 1",
                      quoted, has_source_file ? "CAST(_source_file AS VARCHAR)" : "CAST(NULL AS VARCHAR)", source, bad)));
  if (found.rows.empty()) return std::optional<std::string>();
  const auto& row = found.rows[0];
  int64_t count = parse_int64(row[0].value_or("1")).value_or(1);
  std::string value = row[1].value_or("");
  std::string where;
  if (row[2]) where = " (" + value_location(fs, *row[2], column, value) + ")";
  return std::optional<std::string>(fmt::format(
      "column '{}' is VARCHAR in the input but {} in the table, and {} input value{} cannot be read as {}, for "
      "example '{}'{}; fix the input, or convert the column in the query (TRY_CAST({} AS {}) turns such values "
      "into NULL)",
      column, target, count, count == 1 ? "" : "s", target, value, where, quoted, target));
}

}  // namespace

std::optional<int64_t> locate_value_line(std::string_view text, std::string_view column, std::string_view value) {
  size_t first_end = text.find('\n');
  std::string_view header = text.substr(0, first_end);
  std::string trimmed_value = trimmed(value);
  if (!header.empty() && (header.front() == '{' || header.front() == '[')) {
    // JSON lines: the first line holding the value as a JSON string or literal.
    int64_t line = 1;
    for (size_t pos = 0; pos < text.size(); ++line) {
      size_t end = text.find('\n', pos);
      std::string_view current = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      if (current.find("\"" + std::string(value) + "\"") != std::string_view::npos ||
          (!trimmed_value.empty() && current.find(trimmed_value) != std::string_view::npos)) {
        return line;
      }
      if (end == std::string_view::npos) break;
      pos = end + 1;
    }
    return std::nullopt;
  }
  char delimiter = ',';
  for (char candidate : {',', ';', '\t', '|'}) {
    if (header.find(candidate) != std::string_view::npos) {
      delimiter = candidate;
      break;
    }
  }
  size_t pos = 0;
  int64_t lines = 0;
  std::vector<std::string> names = next_record(text, pos, delimiter, lines);
  std::optional<size_t> index;
  for (size_t i = 0; i < names.size(); ++i) {
    if (to_lower(trimmed(names[i])) == to_lower(std::string(column))) index = i;
  }
  if (!index) {  // no header naming the column: the first record holding the value anywhere
    pos = 0;
    lines = 0;
  }
  while (pos < text.size()) {
    int64_t line = lines + 1;
    auto fields = next_record(text, pos, delimiter, lines);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (index && i != *index) continue;
      if (fields[i] == value || trimmed(fields[i]) == trimmed_value) return line;
    }
  }
  return std::nullopt;
}

Status check_names_distinct(const std::vector<std::string>& names) {
  std::map<std::string, std::string> seen;  // lower -> first spelling
  for (const auto& name : names) {
    auto [it, inserted] = seen.emplace(to_lower(name), name);
    if (!inserted) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the input has columns '{}' and '{}', whose names differ only by case; Delta "
                                    "column names are case-insensitive: rename one of them",
                                    it->second, name));
    }
  }
  return Status();
}


Result<std::string> conform_source(duckdb::Connection& connection, const std::string& source,
                                   const delta::Schema& schema, storage::FileSystem* fs) {
  SILT_TRY_ASSIGN(auto described, connection.query_varchar("SELECT column_name, column_type FROM (DESCRIBE " +
                                                           source + ")"));
  std::vector<std::string> names;
  for (const auto& row : described.rows) names.push_back(row[0].value_or(""));
  SILT_TRY(check_names_distinct(names));
  std::map<std::string, std::pair<std::string, std::string>> source_columns;  // lower -> (name, type)
  for (const auto& row : described.rows) {
    source_columns[to_lower(row[0].value_or(""))] = {row[0].value_or(""), row[1].value_or("")};
  }
  for (const auto& [lower, entry] : source_columns) {
    if (!schema.find(entry.first)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("column '{}' ({}) of the input is not in the table schema (table columns: {}); "
                                    "schema mode 'merge' adds new columns",
                                    entry.first, entry.second, join(schema.field_names(), ", ")))
          .set_reason("unknown_input_column", {{"column", entry.first},
                                               {"type", entry.second},
                                               {"table_columns", join(schema.field_names(), ", ")}});
    }
  }
  struct ExactCheck {
    std::string column, target, inexact, expression;
  };
  std::vector<ExactCheck> exact_checks;  // values that must survive the cast unchanged
  std::string select;
  for (const auto& field : schema.fields) {
    if (!select.empty()) select += ", ";
    SILT_TRY_ASSIGN(auto target, to_duckdb_type(field.type));
    auto it = source_columns.find(to_lower(field.name));
    if (it == source_columns.end()) {
      if (!field.nullable) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("the input has no column '{}', which is NOT NULL in the table", field.name));
      }
      select += "CAST(NULL AS " + target + ") AS " + sql_identifier(field.name);
      continue;
    }
    const std::string& source_type = it->second.second;
    auto parsed = from_duckdb_type(source_type);
    bool compatible = false;
    if (parsed) {
      const delta::DataType& from = *parsed;
      const delta::DataType& to = field.type;
      auto rank = [](const delta::DataType& t) {
        if (t.is_primitive("byte")) return 1;
        if (t.is_primitive("short")) return 2;
        if (t.is_primitive("integer")) return 3;
        if (t.is_primitive("long")) return 4;
        return 0;
      };
      if (from == to) compatible = true;
      else if (rank(from) && rank(to) && rank(from) <= rank(to)) compatible = true;
      else if (from.is_primitive("float") && to.is_primitive("double")) compatible = true;
      else if (rank(from) && (to.is_primitive("double") || to.kind == delta::DataType::Kind::kDecimal)) compatible = true;
      else if (from.kind == delta::DataType::Kind::kDecimal && to.kind == delta::DataType::Kind::kDecimal &&
               to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale)
        compatible = true;
      else if (from.kind == delta::DataType::Kind::kDecimal && to.is_primitive("double")) compatible = true;
      // Into a decimal from a wider decimal or a floating point number (arithmetic on decimals yields
      // DOUBLE in SQL): allowed when every value is stored exactly; a value the column would round,
      // or that is too large for it, is refused below (round it in a query to store it rounded).
      else if ((from.is_primitive("double") || from.is_primitive("float") ||
                from.kind == delta::DataType::Kind::kDecimal) &&
               to.kind == delta::DataType::Kind::kDecimal) {
        compatible = true;
        std::string column = sql_identifier(it->second.first);
        exact_checks.push_back({field.name, target,
                                fmt::format("{0} IS NOT NULL AND (TRY_CAST({0} AS {1}) IS NULL OR "
                                            "CAST(TRY_CAST({0} AS {1}) AS {2}) <> {0})",
                                            column, target, source_type),
                                column});
      }
      else if (from.is_primitive("date") && to.is_primitive("timestamp")) compatible = true;
      // No string -> number/date conversion here: CSV and JSON input are parsed as the table's types by
      // their readers (source_sql), so a string column comes from a query or a Parquet file, and
      // silently parsing it would fail late, deep inside the COPY, without naming the types.
      else if (from.kind == delta::DataType::Kind::kStruct || from.kind == delta::DataType::Kind::kArray ||
                 from.kind == delta::DataType::Kind::kMap) {
        compatible = from.kind == to.kind;  // nested: DuckDB's cast checks the members
      }
    }
    if (!compatible) {
      if (parsed && parsed->is_primitive("string") && field.type.kind != delta::DataType::Kind::kStruct &&
          field.type.kind != delta::DataType::Kind::kArray && field.type.kind != delta::DataType::Kind::kMap) {
        SILT_TRY_ASSIGN(auto unparsable, describe_unparsable(connection, source, it->second.first, target,
                                                             source_columns.count("_source_file") > 0, fs));
        if (unparsable) return make_error(ErrorCode::kInvalidArgument, *unparsable);
      }
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("column '{}' has type {} in the input but {} in the table; cast it in the query "
                                    "or fix the input",
                                    field.name, source_type, target));
    }
    select += "CAST(" + sql_identifier(it->second.first) + " AS " + target + ") AS " + sql_identifier(field.name);
  }
  if (!exact_checks.empty()) {
    std::string counts;
    for (const auto& check : exact_checks) {
      counts += (counts.empty() ? "" : ", ") +
                fmt::format("CAST(count(*) FILTER (WHERE {0}) AS VARCHAR), CAST(any_value({1}) FILTER (WHERE {0}) AS VARCHAR)",
                            check.inexact, check.expression);
    }
    SILT_TRY_ASSIGN(auto found, connection.query_varchar("SELECT " + counts + " FROM (" + source + ") AS silt_source"));
    for (size_t i = 0; !found.rows.empty() && i < exact_checks.size(); ++i) {
      int64_t count = parse_int64(found.rows[0][2 * i].value_or("0")).value_or(0);
      if (count == 0) continue;
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("column '{}': {} value{} cannot be stored in {} exactly (for example {}): it "
                                    "would be rounded or is too large; round it in the query (round(x, scale)) to "
                                    "store it rounded, or widen the column",
                                    exact_checks[i].column, count, count == 1 ? "" : "s", exact_checks[i].target,
                                    found.rows[0][2 * i + 1].value_or("?")));
    }
  }
  return "SELECT " + select + " FROM (" + source + ") AS silt_source";
}

}  // namespace silt::engine
