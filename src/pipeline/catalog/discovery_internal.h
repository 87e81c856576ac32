// Inside the crawler (discovery.cpp): reading file schemas (file_schemas.cpp) and folding them
// into an entry's columns.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/catalog/discovery.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// Reads the schema of each of `files` (below `location`, all in `format`) into `state.schemas`
// (one entry per distinct schema) and the file's index into it, and Parquet files' row counts. A
// file DuckDB cannot read gets schema -1 and the reason. Parquet footers are read a thousand
// files per query.
Status read_file_schemas(engine::Session& session, storage::FileSystem& fs, const std::string& location,
                         const std::string& format, CrawlState& state, std::vector<CrawledFile*>& files);

// The entry's columns after the crawl, and the changes against what they were.
struct SchemaMerge {
  std::vector<CatalogColumn> columns;
  std::vector<SchemaChange> changes;
  bool conflicts = false;
};

// Folds the schemas of `files` (in order) into `base`. With `first`, additions and widenings are
// no changes but the union itself; conflicts become VARCHAR when `to_varchar`, else keep the type.
SchemaMerge merge_schemas(const std::vector<CatalogColumn>& base, const CrawlState& state,
                          const std::vector<const CrawledFile*>& files, bool first, bool to_varchar);

}  // namespace silt::pipeline
