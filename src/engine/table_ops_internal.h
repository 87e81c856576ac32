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

// Each key at most once in `relation` (a table name or parenthesised query): else InvalidArgument
// naming the first duplicate ("duplicate key in the input: order_id=2 appears in 2 rows ... in <what>").
Status check_no_duplicate_keys(duckdb::Connection& connection, const std::string& relation,
                               const std::vector<std::string>& keys, const delta::Schema& schema, const std::string& what);

// The remove action for a live file, with the extended metadata Spark writes.
delta::RemoveFile remove_action(const delta::AddFile& file, int64_t deletion_timestamp);

}  // namespace silt::engine
