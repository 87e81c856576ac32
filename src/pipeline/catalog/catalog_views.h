// Catalog tables readable by name in a DuckDB session: the view catalog.<name> over an entry's
// files (the crawled files, cast to the entry's columns, partition columns from the folders) or
// over the current version of its Delta table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/catalog/catalog.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// The SELECT a files entry's view runs: its columns (each cast to the entry's type; NULL where no
// file has it), then its partition columns. Partitions of up to 32 values are one reader each, so
// filters on partition columns read no rows of other partitions (every footer is read at bind).
Result<std::string> catalog_files_select_sql(engine::Session& session, storage::FileSystem& fs, Catalog& catalog,
                                             const CatalogEntry& entry);

// Creates the views catalog.<name> for `names` (lower case; every entry when empty) in the
// session's current database. NotFound names the missing entry and what the catalog holds.
Status register_catalog_tables(engine::Session& session, storage::FileSystem& fs, Catalog& catalog,
                               const std::vector<std::string>& names);

// The catalog names a query reads (catalog.<name>), found by DuckDB's parser; nullopt when the
// text is not one SELECT (a script), so the caller registers every entry.
Result<std::optional<std::vector<std::string>>> catalog_names_in_sql(engine::duckdb::Connection& connection,
                                                                     const std::string& sql);

}  // namespace silt::pipeline
