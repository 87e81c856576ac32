// `silt discover`: the crawler. It lists a folder of Parquet, CSV or JSON files (compressed too),
// reads the schema of every file it has not seen (Parquet footers, CSV and JSON by DuckDB's
// sniffer), unions the schemas with type widening (type_widening.h), finds the partitions in the
// folder names (Hive key=value, or YYYY/MM/DD), and writes the catalog entry. Later crawls read
// only files that are new or changed since the last one and apply the schema-change policy. A
// folder holding a Delta table (_delta_log) is registered as that table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/catalog/catalog.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// What a crawl does with a schema that differs from the entry's: keep the entry and report (log),
// widen the entry (update: new columns added, types widened, conflicting columns made VARCHAR), or
// fail without changing anything. The first crawl of a name always takes the union of the files'
// schemas; a conflict then becomes VARCHAR only under update (log keeps the first file's type).
enum class SchemaPolicy { kLog, kUpdate, kFail };
const char* schema_policy_name(SchemaPolicy policy);
std::optional<SchemaPolicy> schema_policy_from_name(const std::string& name);

// The crawler's memory of an entry's files, stored next to the entry.
struct CrawledFile {
  std::string path;      // relative to the location
  int64_t size = 0;
  int64_t modified_ms = 0;
  int64_t rows = -1;     // -1: not counted
  int schema = -1;       // index into CrawlState::schemas; -1: unreadable
  std::string error;     // why it is unreadable
};

struct CrawlState {
  std::string location;
  std::string format;
  std::vector<std::vector<CatalogColumn>> schemas;  // the distinct file schemas
  std::vector<CrawledFile> files;                   // sorted by path
};

std::string crawl_state_to_json(const CrawlState& state);
Result<CrawlState> crawl_state_from_json(const std::string& text, const std::string& origin);

// The partition folders of a file's relative path and its partition values, for an entry's style.
struct FilePartition {
  std::string path;                 // "2025/11/03"; "" without partitions
  std::vector<std::string> values;  // by partition column; "" is NULL
};
FilePartition file_partition(PartitionStyle style, const std::string& relative_path);

// A change for messages: "amount: INTEGER -> DOUBLE (widened for DOUBLE; 3 file(s), e.g. x.parquet)".
std::string describe_schema_change(const SchemaChange& change);

// DuckDB's reader of a files entry's format: read_parquet, read_csv, read_json.
const char* file_reader_function(const std::string& format);

struct DiscoverOptions {
  std::string location;               // store path of the folder
  std::string name;                   // the catalog name
  SchemaPolicy policy = SchemaPolicy::kLog;
  std::optional<std::string> format;  // only files of this format (parquet, csv, json)
  bool full = false;                  // read every file again, not only new and changed ones
  int64_t now_ms = 0;                 // 0: the clock
};

struct Discovery {
  CatalogEntry entry;
  bool created = false;                // no entry of the name before
  std::vector<CrawledFile> unreadable; // files whose schema could not be read (kept out)
  int64_t files_ignored = 0;           // not data files (names starting with '_' or '.', other types)
  std::string ignored_example;
};

class Discoverer {
 public:
  Discoverer(engine::Session& session, storage::FileSystem& fs, Catalog& catalog)
      : session_(session), fs_(fs), catalog_(catalog) {}

  // One crawl. NotFound (nothing to discover), InvalidArgument (mixed formats, inconsistent
  // folders, a schema change under fail), AlreadyExists (the name is another location's).
  Result<Discovery> discover(const DiscoverOptions& options);

 private:
  engine::Session& session_;
  storage::FileSystem& fs_;
  Catalog& catalog_;
};

}  // namespace silt::pipeline
