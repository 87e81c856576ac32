// What makes a project's tables and sources readable by name in a DuckDB session: the views the
// runner gives each model and `silt sql` gives a query.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/model/model.h"
#include "pipeline/run/ingest_log.h"
#include "storage/file_system.h"

namespace silt::engine {
class Session;
}

namespace silt::pipeline {

// The view <schema>.<table> over `scan_sql` (a scan of the model's table), and main.<model name>
// reading it unless that is the same name.
Status register_model_table(engine::duckdb::Connection& connection, const Model& model, const std::string& scan_sql);

// A SELECT over a source's files: DuckDB's reader for its format over `files_sql` (a path or glob
// literal, or a list of them) with the source's options, every file's columns by name, and the
// file of each row as _source_file (`file_sql` over DuckDB's `filename`, which turns a cached
// copy's path into the store path); `extra_columns` (", <expr> AS <name>...") follow.
std::string source_select_sql(const SourceConfig& source, const std::string& files_sql,
                              const std::string& extra_columns = "", const std::string& file_sql = "filename");

// The files of `fs` matching a source's path, sorted, with size and modification time; empty when
// none.
Result<std::vector<SourceFile>> list_source_files(engine::Session& session, storage::FileSystem& fs,
                                                  const SourceConfig& source);

// A SELECT over `files` of a source (their rows; none when `empty`, but the columns), read from
// `fs` through the session, with `extra_columns` as source_select_sql.
Result<std::string> source_files_select_sql(engine::Session& session, storage::FileSystem& fs,
                                            const SourceConfig& source, const std::vector<SourceFile>& files,
                                            const std::string& extra_columns, bool empty);

}  // namespace silt::pipeline
