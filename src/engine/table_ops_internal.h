// Pieces of TableOps shared by its implementation files (table_ops.cpp, table_merge.cpp): the
// staged-files record, source conforming and the remove-action builder. Not for callers outside
// src/engine/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "delta/schema.h"
#include "engine/duckdb/database.h"
#include "engine/table_ops.h"

namespace silt::engine {

// Data files written by TableOps::stage and not yet committed.
struct TableOps::StagedFiles {
  std::vector<delta::AddFile> adds;
  std::vector<std::string> absolute_paths;
  int64_t rows = 0;
  int64_t bytes = 0;
};

// Checks a source's columns against the table schema and returns the SELECT that casts them into
// the table's column order. Missing nullable columns become NULL; unknown columns and unsafe type
// changes are refused with both types named.
Result<std::string> conform_source(duckdb::Connection& connection, const std::string& source,
                                   const delta::Schema& schema);

// The remove action for a live file, with the extended metadata Spark writes.
delta::RemoveFile remove_action(const delta::AddFile& file, int64_t deletion_timestamp);

}  // namespace silt::engine
