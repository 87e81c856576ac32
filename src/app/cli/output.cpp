// Result rendering; table output truncates long cells and counts rows, CSV follows RFC 4180.
#include "app/cli/output.h"

#include <algorithm>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace silt::app {

bool parse_output_format(const std::string& text, OutputFormat* format) {
  if (text == "table") *format = OutputFormat::kTable;
  else if (text == "csv") *format = OutputFormat::kCsv;
  else if (text == "json") *format = OutputFormat::kJson;
  else return false;
  return true;
}

namespace {

size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // count UTF-8 code points
  }
  return width;
}

std::string pad(const std::string& text, size_t width, bool right) {
  size_t current = display_width(text);
  if (current >= width) return text;
  std::string padding(width - current, ' ');
  return right ? padding + text : text + padding;
}

bool is_numeric(const std::string& type) {
  static const char* kTypes[] = {"TINYINT",  "SMALLINT", "INTEGER",  "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                                 "UINTEGER", "UBIGINT",  "UHUGEINT", "FLOAT",  "DOUBLE",  "DECIMAL"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

std::string csv_field(const std::optional<std::string>& cell) {
  if (!cell) return "";
  const std::string& text = *cell;
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}

}  // namespace

std::string render_table(const engine::duckdb::TextResult& result, size_t max_rows) {
  size_t columns = result.column_names.size();
  std::vector<size_t> widths(columns);
  size_t shown = std::min(result.rows.size(), max_rows);
  auto cell_text = [](const std::optional<std::string>& cell) {
    std::string text = cell ? *cell : "NULL";
    if (display_width(text) > 60) text = text.substr(0, 57) + "...";
    for (auto& c : text) {
      if (c == '\n' || c == '\t') c = ' ';
    }
    return text;
  };
  for (size_t c = 0; c < columns; ++c) widths[c] = display_width(result.column_names[c]);
  for (size_t r = 0; r < shown; ++r) {
    for (size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], display_width(cell_text(result.rows[r][c])));
  }
  auto rule = [&]() {
    std::string line = "+";
    for (size_t c = 0; c < columns; ++c) line += std::string(widths[c] + 2, '-') + "+";
    return line + "\n";
  };
  std::string out = rule();
  out += "|";
  for (size_t c = 0; c < columns; ++c) out += " " + pad(result.column_names[c], widths[c], false) + " |";
  out += "\n" + rule();
  for (size_t r = 0; r < shown; ++r) {
    out += "|";
    for (size_t c = 0; c < columns; ++c) {
      bool right = c < result.column_types.size() && is_numeric(result.column_types[c]);
      out += " " + pad(cell_text(result.rows[r][c]), widths[c], right) + " |";
    }
    out += "\n";
  }
  out += rule();
  if (shown < result.rows.size()) {
    out += fmt::format("{} rows ({} shown; use --format csv for all)\n", result.rows.size(), shown);
  } else {
    out += fmt::format("{} row{}\n", result.rows.size(), result.rows.size() == 1 ? "" : "s");
  }
  return out;
}

std::string render_csv(const engine::duckdb::TextResult& result) {
  std::string out;
  for (size_t c = 0; c < result.column_names.size(); ++c) {
    if (c) out += ",";
    out += csv_field(result.column_names[c]);
  }
  out += "\n";
  for (const auto& row : result.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += ",";
      out += csv_field(row[c]);
    }
    out += "\n";
  }
  return out;
}

std::string render_json(const engine::duckdb::TextResult& result) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const auto& row : result.rows) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (size_t c = 0; c < row.size(); ++c) {
      const std::string& name = result.column_names[c];
      const std::string type = c < result.column_types.size() ? result.column_types[c] : "VARCHAR";
      if (!row[c]) {
        object[name] = nullptr;
      } else if (type == "BOOLEAN") {
        object[name] = *row[c] == "true";
      } else if (is_numeric(type)) {
        auto parsed = nlohmann::ordered_json::parse(*row[c], nullptr, false);
        object[name] = parsed.is_number() ? parsed : nlohmann::ordered_json(*row[c]);
      } else if (type == "STRUCT" || type == "LIST" || type == "MAP") {
        object[name] = *row[c];
      } else {
        object[name] = *row[c];
      }
    }
    rows.push_back(std::move(object));
  }
  return rows.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace silt::app
