// Contract column types checked by DuckDB, for the project loader.
#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/model_loader_internal.h"

namespace silt::pipeline {

// A DuckDB message on one line.
std::string one_line(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (c == '\n') {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  return std::string(trim(out));
}

// DuckDB's message when `type` is not a type, nullopt when it is.
std::optional<std::string> contract_type_problem(engine::duckdb::Connection& connection, const std::string& type) {
  // The type goes into SQL text: parentheses that close the cast early or a ';' would make it
  // something other than a type.
  int depth = 0;
  char quote = 0;
  for (char c : type) {
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth < 0) {
      break;
    } else if (c == ';') {
      depth = -1;
      break;
    }
  }
  if (depth != 0 || quote != 0) return std::string("not a type (unbalanced parentheses, quotes or a ';')");
  auto result = connection.query_value(fmt::format("SELECT CAST(NULL AS {})", type));
  if (result) return std::nullopt;
  std::string message = result.error().message();
  const size_t suggestion = message.find("\nDid you mean");
  if (suggestion != std::string::npos) message.erase(suggestion);
  return one_line(message);
}

// DuckDB's type names, canonical ones ("BIGINT") first, then aliases ("INT8"); empty when they
// cannot be read (suggestions are a courtesy).
std::vector<std::string> duckdb_type_names(engine::duckdb::Connection& connection) {
  std::vector<std::string> names;
  for (const char* column : {"logical_type", "type_name"}) {
    auto result = connection.query_text(
        fmt::format("SELECT DISTINCT upper({0}) AS name FROM duckdb_types() ORDER BY name", column));
    if (!result) continue;
    for (const auto& row : result->rows) {
      if (!row.empty() && row[0] && std::find(names.begin(), names.end(), *row[0]) == names.end()) {
        names.push_back(*row[0]);
      }
    }
  }
  return names;
}

}  // namespace silt::pipeline
