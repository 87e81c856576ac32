// Printing query results and reports for people (aligned tables) and scripts (CSV, JSON).
#pragma once

#include <string>

#include "engine/duckdb/database.h"

namespace silt::app {

enum class OutputFormat { kTable, kCsv, kJson };

// Parses "table|csv|json"; false on anything else.
bool parse_output_format(const std::string& text, OutputFormat* format);

std::string render_table(const engine::duckdb::TextResult& result, size_t max_rows = 1000);
std::string render_csv(const engine::duckdb::TextResult& result);
// A JSON array of objects; numeric and boolean columns as JSON numbers/booleans.
std::string render_json(const engine::duckdb::TextResult& result);

}  // namespace silt::app
