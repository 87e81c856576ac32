#include "pipeline/run/project_views.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "engine/duckdb/database.h"
#include "engine/session.h"

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
                              const std::string& extra_columns, const std::string& file_sql) {
  std::string arguments = files_sql + ", filename = true";
  bool union_given = false;
  for (const auto& [key, value] : source.options) {
    if (to_lower(key) == "union_by_name") union_given = true;
    if (to_lower(key) == "filename") continue;
    arguments += ", " + key + " = " + option_value_sql(value);
  }
  if (!union_given) arguments += ", union_by_name = true";  // files may gain columns over time
  return "SELECT * EXCLUDE (filename), " + file_sql + " AS _source_file" + extra_columns + " FROM " +
         reader_function(source.format) + "(" + arguments + ")";
}

Result<std::vector<SourceFile>> list_source_files(engine::Session& session, storage::FileSystem& fs,
                                                  const SourceConfig& source) {
  auto listed = session.files().glob(session.connection(), fs, source.path);
  if (!listed) {
    std::string message = listed.error().message();
    return make_error(listed.error().code(), fmt::format("source '{}': cannot list '{}': {}", source.name, source.path,
                                                         message.substr(0, message.find('\n'))));
  }
  std::vector<SourceFile> files;
  for (const auto& info : *listed) {
    SourceFile file;
    file.source = source.name;
    file.path = info.path;
    file.size = info.size;
    file.modified_ms = info.modified_ms;
    files.push_back(std::move(file));
  }
  return files;
}

Result<std::string> source_files_select_sql(engine::Session& session, storage::FileSystem& fs,
                                            const SourceConfig& source, const std::vector<SourceFile>& files,
                                            const std::string& extra_columns, bool empty) {
  std::vector<std::string> store_paths;
  for (const auto& file : files) store_paths.push_back(file.path);
  SILT_TRY_ASSIGN(auto locals, session.files().readable(fs, store_paths, /*immutable=*/false));
  std::string file_sql =
      engine::FileBridge::in_place(fs, source.path) ? std::string("filename") : session.files().store_path_sql("filename");
  return source_select_sql(source, sql_string_list(locals), extra_columns, file_sql) + (empty ? " LIMIT 0" : "");
}

}  // namespace silt::pipeline
