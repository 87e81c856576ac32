// Walks DuckDB's JSON parse tree (json_serialize_sql) of an expression.
#include "engine/sql_predicate.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::engine {

namespace {

using nlohmann::json;
using delta::Predicate;

// A string member, or "" when absent or not a string (nlohmann's value() throws on a type mismatch).
std::string text_of(const json& node, const char* key) {
  if (!node.is_object()) return "";
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool is_numeric_constant(const json& node) {
  if (text_of(node, "class") != "CONSTANT") return false;
  std::string type = text_of(node["value"]["type"], "id");
  return type != "VARCHAR";
}

std::optional<std::string> constant_text(const json& node) {
  if (!node.is_object()) return std::nullopt;
  std::string cls = text_of(node, "class");
  if (cls == "CAST") {
    // CAST('2025-01-01' AS DATE) and friends: the text is the literal's canonical form.
    std::string target = text_of(node["cast_type"], "id");
    if (target == "DATE" || target == "TIMESTAMP" || target == "TIMESTAMP WITH TIME ZONE" ||
        target == "TIMESTAMP_TZ" || target == "VARCHAR") {
      return constant_text(node["child"]);
    }
    return std::nullopt;
  }
  if (cls != "CONSTANT") return std::nullopt;
  const json& value = node["value"];
  if (value.value("is_null", true)) return std::nullopt;
  std::string type = text_of(value["type"], "id");
  const json& raw = value["value"];
  if (type == "VARCHAR" && raw.is_string()) return raw.get<std::string>();
  if ((type == "INTEGER" || type == "BIGINT" || type == "SMALLINT" || type == "TINYINT" || type == "UINTEGER" ||
       type == "UBIGINT" || type == "USMALLINT" || type == "UTINYINT") &&
      raw.is_number_integer()) {
    return raw.dump();
  }
  if ((type == "DOUBLE" || type == "FLOAT") && raw.is_number()) return fmt::format("{}", raw.get<double>());
  if (type == "DECIMAL" && raw.is_number_integer()) {
    int scale = value["type"]["type_info"].value("scale", 0);
    std::string digits = std::to_string(raw.get<int64_t>());
    bool negative = !digits.empty() && digits[0] == '-';
    if (negative) digits = digits.substr(1);
    if (scale > 0) {
      while (static_cast<int>(digits.size()) <= scale) digits = "0" + digits;
      digits.insert(digits.size() - scale, ".");
    }
    return (negative ? "-" : "") + digits;
  }
  return std::nullopt;
}

std::optional<std::string> column_name(const json& node) {
  if (!node.is_object() || text_of(node, "class") != "COLUMN_REF") return std::nullopt;
  const json& names = node["column_names"];
  if (!names.is_array() || names.empty()) return std::nullopt;
  return names.back().get<std::string>();
}

Predicate translate(const json& node) {
  if (!node.is_object()) return Predicate::unknown();
  std::string cls = text_of(node, "class");
  std::string type = text_of(node, "type");
  if (cls == "CONJUNCTION") {
    std::vector<Predicate> children;
    for (const auto& child : node["children"]) children.push_back(translate(child));
    return type == "CONJUNCTION_AND" ? Predicate::all_of(std::move(children)) : Predicate::any_of(std::move(children));
  }
  if (cls == "COMPARISON") {
    static const std::map<std::string, std::pair<Predicate::Op, Predicate::Op>> kOps = {
        {"COMPARE_EQUAL", {Predicate::Op::kEq, Predicate::Op::kEq}},
        {"COMPARE_NOTEQUAL", {Predicate::Op::kNe, Predicate::Op::kNe}},
        {"COMPARE_LESSTHAN", {Predicate::Op::kLt, Predicate::Op::kGt}},
        {"COMPARE_GREATERTHAN", {Predicate::Op::kGt, Predicate::Op::kLt}},
        {"COMPARE_LESSTHANOREQUALTO", {Predicate::Op::kLe, Predicate::Op::kGe}},
        {"COMPARE_GREATERTHANOREQUALTO", {Predicate::Op::kGe, Predicate::Op::kLe}}};
    auto op = kOps.find(type);
    if (op == kOps.end()) return Predicate::unknown();
    if (auto column = column_name(node["left"])) {
      if (auto value = constant_text(node["right"])) {
        Predicate predicate = Predicate::compare(*column, op->second.first, *value);
        predicate.numeric_literals = is_numeric_constant(node["right"]);
        return predicate;
      }
    }
    if (auto column = column_name(node["right"])) {
      if (auto value = constant_text(node["left"])) {
        Predicate predicate = Predicate::compare(*column, op->second.second, *value);
        predicate.numeric_literals = is_numeric_constant(node["left"]);
        return predicate;
      }
    }
    return Predicate::unknown();
  }
  if (cls == "BETWEEN") {
    auto column = column_name(node["input"]);
    auto lower = constant_text(node["lower"]);
    auto upper = constant_text(node["upper"]);
    if (column && lower && upper) {
      Predicate ge = Predicate::compare(*column, Predicate::Op::kGe, *lower);
      Predicate le = Predicate::compare(*column, Predicate::Op::kLe, *upper);
      ge.numeric_literals = is_numeric_constant(node["lower"]);
      le.numeric_literals = is_numeric_constant(node["upper"]);
      return Predicate::all_of({std::move(ge), std::move(le)});
    }
    return Predicate::unknown();
  }
  if (cls == "OPERATOR") {
    const json& children = node["children"];
    if (type == "COMPARE_IN" && children.is_array() && children.size() >= 2) {
      auto column = column_name(children[0]);
      if (!column) return Predicate::unknown();
      Predicate in;
      in.kind = Predicate::Kind::kIn;
      in.column = *column;
      for (size_t i = 1; i < children.size(); ++i) {
        auto value = constant_text(children[i]);
        if (!value) return Predicate::unknown();
        in.values.push_back(*value);
        if (is_numeric_constant(children[i])) in.numeric_literals = true;
      }
      return in;
    }
    if ((type == "OPERATOR_IS_NULL" || type == "OPERATOR_IS_NOT_NULL") && children.is_array() && children.size() == 1) {
      auto column = column_name(children[0]);
      if (!column) return Predicate::unknown();
      Predicate predicate;
      predicate.kind = type == "OPERATOR_IS_NULL" ? Predicate::Kind::kIsNull : Predicate::Kind::kIsNotNull;
      predicate.column = *column;
      return predicate;
    }
  }
  return Predicate::unknown();
}

// DuckDB's parse tree of `sql` (travelling as a string literal: any text is safe); with `error`, a
// parser error is returned there instead of as nullopt alone.
std::optional<json> serialize(duckdb::Connection& connection, const std::string& sql, std::string* error = nullptr) {
  auto text = connection.query_value("SELECT json_serialize_sql(" + sql_string(sql) + ")");
  if (!text || !*text) {
    if (error) *error = text ? "the parser returned nothing" : text.error().message();
    return std::nullopt;
  }
  json parsed = json::parse(**text, nullptr, false);
  if (parsed.is_discarded()) {
    if (error) *error = "the parser returned no parse tree";
    return std::nullopt;
  }
  if (parsed.value("error", false)) {
    if (error) *error = text_of(parsed, "error_message");
    return std::nullopt;
  }
  return parsed;
}

bool empty_or_null(const json& node, const char* key) {
  auto it = node.find(key);
  return it == node.end() || it->is_null() || (it->is_array() && it->empty()) ||
         (it->is_object() && it->contains("map") && (*it)["map"].empty());
}

int count_table_references(const json& node, const std::string& lower_name) {
  int count = 0;
  if (node.is_object()) {
    if (text_of(node, "type") == "BASE_TABLE" && node.contains("table_name") &&
        to_lower(node["table_name"].get<std::string>()) == lower_name) {
      ++count;
    }
    for (const auto& [key, child] : node.items()) count += count_table_references(child, lower_name);
  } else if (node.is_array()) {
    for (const auto& child : node) count += count_table_references(child, lower_name);
  }
  return count;
}

}  // namespace

bool is_single_expression(duckdb::Connection& connection, const std::string& expression, std::string* problem) {
  if (trim(expression).empty()) {
    *problem = "it is empty";
    return false;
  }
  // The newline ends a trailing -- comment; anything that closes the parenthesis early leaves a
  // second select item, a clause or a statement, which the shape check below sees.
  std::string error;
  auto parsed = serialize(connection, "SELECT (" + expression + "\n) AS silt_expression", &error);
  if (!parsed) {
    *problem = error.empty() ? "it is not valid SQL" : error;
    return false;
  }
  try {
    const json& statements = (*parsed)["statements"];
    if (!statements.is_array() || statements.size() != 1) {
      *problem = "it holds more than one statement";
      return false;
    }
    const json& node = statements[0]["node"];
    bool single = text_of(node, "type") == "SELECT_NODE" && node["select_list"].is_array() &&
                  node["select_list"].size() == 1 && text_of(node["select_list"][0], "alias") == "silt_expression" &&
                  text_of(node["from_table"], "type") == "EMPTY" && empty_or_null(node, "where_clause") &&
                  empty_or_null(node, "group_expressions") && empty_or_null(node, "having") &&
                  empty_or_null(node, "qualify") && empty_or_null(node, "modifiers") && empty_or_null(node, "cte_map");
    if (!single) {
      *problem = "it is not a single expression";
      return false;
    }
  } catch (const json::exception&) {
    *problem = "it is not a single expression";
    return false;
  }
  return true;
}

Status check_predicate(duckdb::Connection& connection, const std::string& predicate, const std::string& relation_sql,
                       const std::string& what) {
  std::string problem;
  if (!is_single_expression(connection, predicate, &problem)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is not one SQL expression: {}", what, problem));
  }
  auto described = connection.query_varchar("SELECT column_type FROM (DESCRIBE SELECT (" + predicate +
                                            "\n) AS silt_predicate FROM (" + relation_sql + ") AS source)");
  if (!described) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", what, described.error().message()));
  std::string type = described->rows.empty() ? "" : described->rows[0][0].value_or("");
  if (type != "BOOLEAN") {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} is not a boolean predicate (its type is {}): write a condition such as "
                                  "\"id = 5\" or \"amount > 0 AND status = 'paid'\"",
                                  what, type));
  }
  return Status();
}

Result<delta::Predicate> predicate_from_sql(duckdb::Connection& connection, const std::string& predicate_sql) {
  auto parsed = serialize(connection, "SELECT 1 WHERE " + predicate_sql);
  if (!parsed) return Predicate::unknown();
  try {
    const json& node = (*parsed)["statements"][0]["node"];
    return translate(node["where_clause"]);
  } catch (const json::exception&) {
    return Predicate::unknown();
  }
}

std::optional<delta::Predicate> table_filter_from_query(duckdb::Connection& connection, const std::string& query,
                                                        const std::string& table_name) {
  auto parsed = serialize(connection, query);
  if (!parsed) return std::nullopt;
  try {
    const json& statements = (*parsed)["statements"];
    if (!statements.is_array() || statements.size() != 1) return std::nullopt;
    const json& node = statements[0]["node"];
    if (text_of(node, "type") != "SELECT_NODE") return std::nullopt;
    std::string lower = to_lower(table_name);
    if (count_table_references(*parsed, lower) != 1) return std::nullopt;
    const json& from = node["from_table"];
    if (text_of(from, "type") != "BASE_TABLE" || to_lower(text_of(from, "table_name")) != lower) return std::nullopt;
    if (!node.contains("where_clause") || node["where_clause"].is_null()) return std::nullopt;
    return translate(node["where_clause"]);
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

}  // namespace silt::engine
