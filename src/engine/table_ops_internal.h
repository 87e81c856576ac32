// Pieces of TableOps shared by its implementation files (table_ops.cpp, table_merge.cpp,
// input_conform.cpp): the staged-files record and source conforming. Not for callers outside
// src/engine/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "delta/schema.h"
#include "engine/duckdb/database.h"
#include "engine/table_ops.h"
#include "storage/file_system.h"

namespace silt::engine {

// Commits `txn` and completes `report` with the committed version, attempts, checkpoint and the
// duration since `started_ns` (monotonic_ns()): the end of the operations that commit actions they
// built themselves (restore, publish, a prepared commit).
Result<OperationReport> commit_and_report(delta::Transaction& txn, OperationReport report, int64_t started_ns);

// Data files written by TableOps::stage and not yet committed.
struct TableOps::StagedFiles {
  std::vector<delta::AddFile> adds;
  std::vector<std::string> absolute_paths;
  int64_t rows = 0;
  int64_t bytes = 0;
};

// Checks a source's columns against the table schema and returns the SELECT that casts them into
// the table's column order (input_conform.cpp). Missing nullable columns become NULL; unknown
// columns and unsafe type changes are refused with both types named. A string column whose values
// do not parse as the table's type is refused naming a bad value and, when the input has a
// _source_file column, its file and (read through `fs`, when given) line.
Result<std::string> conform_source(duckdb::Connection& connection, const std::string& source,
                                   const delta::Schema& schema, storage::FileSystem* fs = nullptr);

// InvalidArgument when two names differ only by case (Delta column names are case-insensitive).
Status check_names_distinct(const std::vector<std::string>& names);

// The 1-based line of the first record in a CSV (header naming `column`, quotes may span lines) or
// JSON-lines text whose `column` field is `value`; nullopt when not found.
std::optional<int64_t> locate_value_line(std::string_view text, std::string_view column, std::string_view value);

// Each key at most once in `relation` (a table name or parenthesised query): else InvalidArgument
// naming the first duplicate ("duplicate key in the input: order_id=2 appears in 2 rows ... in <what>").
Status check_no_duplicate_keys(duckdb::Connection& connection, const std::string& relation,
                               const std::vector<std::string>& keys, const delta::Schema& schema, const std::string& what);

}  // namespace silt::engine
