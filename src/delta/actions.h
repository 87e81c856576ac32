// Delta log actions as plain value types (protocol, metaData, add, remove, txn, commitInfo,
// domainMetadata) and their JSON form. No I/O here; see log_replay.h for how they combine.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace silt::delta {

using StringMap = std::map<std::string, std::string>;
// Partition values: column -> value text, std::nullopt for SQL NULL (JSON null or "").
using PartitionValues = std::map<std::string, std::optional<std::string>>;

struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 2;
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
};

struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  StringMap format_options;
  std::optional<std::string> schema_string;  // JSON text of the schema; absent in a few old logs
  std::vector<std::string> partition_columns;
  StringMap configuration;
  std::optional<int64_t> created_time;
};

struct DeletionVector {
  std::string storage_type;
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  std::string unique_id() const;
};

struct AddFile {
  std::string path;  // as written in the log (URI-encoded, relative or absolute)
  PartitionValues partition_values;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = true;
  std::optional<std::string> stats;  // JSON text
  std::optional<StringMap> tags;
  std::optional<DeletionVector> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
  std::optional<std::string> clustering_provider;

  // numRecords from stats, when present and parsable.
  std::optional<int64_t> num_records() const;
};

struct RemoveFile {
  std::string path;
  std::optional<int64_t> deletion_timestamp;
  bool data_change = true;
  std::optional<bool> extended_file_metadata;
  std::optional<PartitionValues> partition_values;
  std::optional<int64_t> size;
  std::optional<std::string> stats;
  std::optional<StringMap> tags;
  std::optional<DeletionVector> deletion_vector;
  std::optional<int64_t> base_row_id;
  std::optional<int64_t> default_row_commit_version;
};

struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
};

struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
};

// commitInfo is free-form provenance: kept as its JSON object text.
struct CommitInfo {
  std::string json;
};

using Action = std::variant<Protocol, Metadata, AddFile, RemoveFile, Txn, CommitInfo, DomainMetadata>;

// Parses every action of a newline-delimited commit file. Unknown action kinds and unknown fields
// are ignored (the protocol requires it); malformed JSON or a missing required field is Corruption
// naming the line.
Result<std::vector<Action>> parse_actions(std::string_view ndjson);

// One action as a single JSON line (no trailing newline), in the form Spark writes.
std::string action_to_json(const Action& action);

// The remove action for a live file, with the extended file metadata Spark writes (partition
// values, size, stats). `data_change` false marks a rewrite that changes no rows (compaction).
RemoveFile remove_for(const AddFile& file, int64_t deletion_timestamp, bool data_change = true);

// What _delta_log/_last_checkpoint says (a hint: the checkpoint itself is the truth).
struct LastCheckpoint {
  int64_t version = -1;
  std::optional<int64_t> num_add_files;  // numOfAddFiles, when written
};
// nullopt when the text is not a _last_checkpoint object with a version.
std::optional<LastCheckpoint> parse_last_checkpoint(std::string_view text);

// The file's identity during replay: canonical decoded path plus deletion-vector id.
std::string canonical_path(std::string_view log_path);
std::string file_key(std::string_view log_path, const std::optional<DeletionVector>& dv);

}  // namespace silt::delta
