#include "pipeline/run/project_views.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "engine/duckdb/database.h"

namespace silt::pipeline {
namespace {

// A reader option's value as SQL: booleans and integers as they are, anything else a string.
std::string option_value_sql(const std::string& value) {
  std::string lower = to_lower(value);
  if (lower == "true" || lower == "false") return lower;
  if (parse_int64(value)) return value;
  return sql_string(value);
}

const char* reader_function(SourceFormat format) {
  switch (format) {
    case SourceFormat::kCsv: return "read_csv";
    case SourceFormat::kJson: return "read_json";
    case SourceFormat::kParquet: return "read_parquet";
  }
  return "read_csv";
}

}  // namespace

Status register_model_table(engine::duckdb::Connection& connection, const Model& model, const std::string& scan_sql) {
  std::string view = fmt::format("{}.{}", sql_identifier(model.schema), sql_identifier(model.table));
  std::string statements = fmt::format("CREATE SCHEMA IF NOT EXISTS {}; CREATE OR REPLACE VIEW {} AS {};",
                                       sql_identifier(model.schema), view, scan_sql);
  if (to_lower(model.schema) != "main" || to_lower(model.table) != to_lower(model.name)) {
    statements += fmt::format(" CREATE OR REPLACE VIEW main.{} AS SELECT * FROM {};", sql_identifier(model.name), view);
  }
  return connection.execute_script(statements);
}

std::string source_select_sql(const SourceConfig& source, const std::string& files_sql,
                              const std::string& extra_columns) {
  std::string arguments = files_sql + ", filename = true";
  bool union_given = false;
  for (const auto& [key, value] : source.options) {
    if (to_lower(key) == "union_by_name") union_given = true;
    if (to_lower(key) == "filename") continue;
    arguments += ", " + key + " = " + option_value_sql(value);
  }
  if (!union_given) arguments += ", union_by_name = true";  // files may gain columns over time
  return "SELECT * EXCLUDE (filename), filename AS _source_file" + extra_columns + " FROM " +
         reader_function(source.format) + "(" + arguments + ")";
}

Result<std::vector<SourceFile>> list_source_files(engine::duckdb::Connection& connection, storage::FileSystem& fs,
                                                  const SourceConfig& source) {
  auto listed = connection.query_varchar("SELECT file FROM glob(" + sql_string(source.path) + ") ORDER BY file");
  if (!listed) {
    std::string message = listed.error().message();
    return make_error(listed.error().code(), fmt::format("source '{}': cannot list '{}': {}", source.name, source.path,
                                                         message.substr(0, message.find('\n'))));
  }
  std::vector<SourceFile> files;
  for (const auto& row : listed->rows) {
    if (!row[0]) continue;
    SourceFile file;
    file.source = source.name;
    file.path = *row[0];
    if (auto info = fs.stat(file.path)) {
      file.size = info->size;
      file.modified_ms = info->modified_ms;
    }
    files.push_back(std::move(file));
  }
  return files;
}

}  // namespace silt::pipeline
