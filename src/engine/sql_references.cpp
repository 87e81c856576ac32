// Walks DuckDB's JSON parse tree (json_serialize_sql) of a query for BASE_TABLE nodes. The walk is
// generic (every object and array) rather than following known node types, so joins, subqueries,
// set operations, CTE bodies and expressions are all covered, including shapes added by later DuckDB
// versions.
#include "engine/sql_references.h"

#include <algorithm>
#include <limits>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::engine {

namespace {

using nlohmann::json;

std::string text_of(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// DuckDB writes an unknown location as UINT64_MAX.
bool location_of(const json& node, size_t* offset) {
  auto it = node.find("query_location");
  if (it == node.end() || !it->is_number_unsigned()) return false;
  const uint64_t value = it->get<uint64_t>();
  if (value == std::numeric_limits<uint64_t>::max()) return false;
  *offset = static_cast<size_t>(value);
  return true;
}

class ReferenceWalker {
 public:
  explicit ReferenceWalker(SqlReferences& out) : out_(out) {}

  void walk(const json& node) {
    if (node.is_array()) {
      for (const auto& child : node) walk(child);
      return;
    }
    if (!node.is_object()) return;
    // A node with a cte_map (a SELECT or set operation) puts its CTE names in scope for everything
    // below it, the CTE bodies included (a recursive CTE reads itself).
    const size_t scope_size = scope_.size();
    auto cte_map = node.find("cte_map");
    if (cte_map != node.end() && cte_map->is_object()) {
      auto map = cte_map->find("map");
      if (map != cte_map->end() && map->is_array()) {
        for (const auto& entry : *map) {
          const std::string name = entry.is_object() ? text_of(entry, "key") : std::string();
          if (name.empty()) continue;
          scope_.push_back(to_lower(name));
          ctes_.insert(name);
        }
      }
    }
    if (text_of(node, "type") == "BASE_TABLE") add_table(node);
    for (const auto& [key, child] : node.items()) {
      if (child.is_structured()) walk(child);
    }
    scope_.resize(scope_size);
  }

  void finish() {
    std::stable_sort(out_.tables.begin(), out_.tables.end(),
                     [](const SqlTableReference& a, const SqlTableReference& b) { return a.offset < b.offset; });
    out_.cte_names.assign(ctes_.begin(), ctes_.end());
  }

 private:
  void add_table(const json& node) {
    SqlTableReference reference;
    reference.catalog = text_of(node, "catalog_name");
    reference.schema = text_of(node, "schema_name");
    reference.table = text_of(node, "table_name");
    if (reference.table.empty()) return;
    if (reference.catalog.empty() && reference.schema.empty() &&
        std::find(scope_.begin(), scope_.end(), to_lower(reference.table)) != scope_.end()) {
      return;  // a CTE, not a table
    }
    location_of(node, &reference.offset);
    out_.tables.push_back(std::move(reference));
  }

  SqlReferences& out_;
  std::vector<std::string> scope_;  // lower-case CTE names visible at the current node
  std::set<std::string> ctes_;
};

void fail(SqlReferences& out, SqlProblem problem, std::string message) {
  out.ok = false;
  out.problem = problem;
  out.error = std::move(message);
}

}  // namespace

Result<SqlReferences> find_sql_references(duckdb::Connection& connection, const std::string& sql) {
  auto text = connection.query_value("SELECT json_serialize_sql(" + sql_string(sql) + ")");
  if (!text) return text.error().with_context("parsing SQL with json_serialize_sql");
  if (!*text) return make_error(ErrorCode::kInternal, "json_serialize_sql returned NULL");
  json tree = json::parse(**text, nullptr, /*allow_exceptions=*/false);
  if (tree.is_discarded() || !tree.is_object()) {
    return make_error(ErrorCode::kInternal, "json_serialize_sql returned text that is not a JSON object");
  }

  SqlReferences out;
  auto error = tree.find("error");
  if (error != tree.end() && error->is_boolean() && error->get<bool>()) {
    // Only the parser reports positions; json_serialize_sql refuses every statement but SELECT
    // with a "not implemented" error.
    if (text_of(tree, "error_type") == "parser") {
      fail(out, SqlProblem::kSyntax, text_of(tree, "error_message"));
      if (auto position = parse_int64(text_of(tree, "position")); position && *position >= 0) {
        out.has_error_offset = true;
        out.error_offset = static_cast<size_t>(*position);
      }
    } else {
      fail(out, SqlProblem::kNotSelect, "only a SELECT statement is supported");
    }
    return out;
  }

  auto statements = tree.find("statements");
  if (statements == tree.end() || !statements->is_array()) {
    return make_error(ErrorCode::kInternal, "json_serialize_sql returned no statements array");
  }
  out.statement_count = static_cast<int>(statements->size());
  if (out.statement_count == 0) {
    fail(out, SqlProblem::kEmpty, "no SQL statement");
    return out;
  }
  if (out.statement_count > 1) {
    fail(out, SqlProblem::kMultipleStatements,
         fmt::format("{} statements where one SELECT is expected", out.statement_count));
  } else {
    out.ok = true;
  }
  // References are collected even from several statements, so callers can still report them.
  ReferenceWalker walker(out);
  walker.walk(*statements);
  walker.finish();
  return out;
}

}  // namespace silt::engine
