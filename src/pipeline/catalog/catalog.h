// The project's catalog: one entry per table known by name, stored under the project's storage
// (<storage>/_silt/catalog/<name>.json) and read as catalog.<name> in `silt sql` and in models.
// Two kinds: folders of plain files found by `silt discover` (discovery.h), and Delta tables,
// registered whenever silt commits one (models, consolidations) or discovered. See docs/CATALOG.md.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/snapshot.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct CatalogColumn {
  std::string name;
  std::string type;  // a DuckDB type: "BIGINT", "DECIMAL(12,2)", "VARCHAR[]", ...
  bool nullable = true;
};

// How a files entry's folders carry partition values.
enum class PartitionStyle {
  kNone,         // every file directly below the location, or folders that carry no values
  kHive,         // key=value folders
  kDateFolders,  // YYYY/MM/DD folders (optionally /HH): columns year, month, day (, hour)
};
const char* partition_style_name(PartitionStyle style);  // "none", "hive", "date_folders"

struct CatalogPartition {
  std::string path;                   // the folders below the location: "2025/11/03", "dt=2025-11-03"
  std::vector<std::string> values;    // one per partition column, as text ("" is NULL)
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t rows = -1;                  // -1: unknown (CSV and JSON files are not counted)
};

// One schema change a crawl found, against the entry as it was.
struct SchemaChange {
  std::string column;
  std::string kind;  // "added", "widened", "conflict"
  std::string from;  // the entry's type ("" for added)
  std::string to;    // the type it becomes (conflict: VARCHAR)
  std::string seen;  // the type the file holds
  std::string file;  // a file showing the change
  int64_t files = 0; // how many of the crawled files show it
};

struct CrawlSummary {
  std::string at;          // RFC 3339 UTC
  std::string policy;      // log, update, fail
  int64_t files_new = 0;
  int64_t files_changed = 0;
  int64_t files_removed = 0;
  int64_t files_unreadable = 0;
  std::vector<SchemaChange> changes;
  bool applied = false;    // the changes were applied to the entry (update, or the first crawl)
  int64_t duration_ms = 0;
};

struct CatalogEntry {
  std::string name;
  std::string kind;            // "files" or "delta"
  std::string location;        // the store path of the folder or table
  std::string format;          // parquet, csv, json, delta
  std::string registered_by;   // "discover", "model silver_orders", "consolidation chargebacks"
  std::vector<CatalogColumn> columns;            // data columns, partition columns excluded
  std::vector<CatalogColumn> partition_columns;  // in folder order
  PartitionStyle partition_style = PartitionStyle::kNone;
  std::vector<CatalogPartition> partitions;      // files entries: by path
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t rows = -1;           // -1: unknown
  int64_t version = -1;        // Delta: the version registered
  std::string created_at, updated_at;
  std::map<std::string, std::string> options;  // reader options found (csv: delim, header)
  std::optional<CrawlSummary> last_crawl;
};

std::string catalog_entry_to_json(const CatalogEntry& entry);
Result<CatalogEntry> catalog_entry_from_json(const std::string& text, const std::string& origin);

// A catalog name: letters, digits and '_', starting with a letter or '_' (a model is registered
// under its name, a consolidation under its job's). InvalidArgument with the rule otherwise.
Status check_catalog_name(const std::string& name);

class Catalog {
 public:
  Catalog(storage::FileSystem& fs, const std::string& storage_root);

  // Every entry, by name.
  Result<std::vector<CatalogEntry>> list();
  // NotFound (with the names there are, and the closest) when there is no such entry.
  Result<CatalogEntry> get(const std::string& name);
  Result<std::optional<CatalogEntry>> find(const std::string& name);
  // Replaces the entry (one atomic write).
  Status put(const CatalogEntry& entry);
  Status remove(const std::string& name);

  // The crawler's memory of a files entry (discovery.cpp): opaque JSON, "" when there is none.
  Result<std::string> crawl_state(const std::string& name);
  Status put_crawl_state(const std::string& name, const std::string& state);

  // Registers (or refreshes) the Delta table `snapshot` as `name`: columns, partition columns,
  // files, bytes, rows and version from the snapshot.
  Status register_delta(const std::string& name, const delta::Snapshot& snapshot, const std::string& registered_by);

  const std::string& root() const { return root_; }
  std::string entry_path(const std::string& name) const;

 private:
  storage::FileSystem& fs_;
  std::string root_;
};

}  // namespace silt::pipeline
