// An immutable view of a table at one version: protocol, metadata, schema, live files, tombstones,
// app transaction versions. Built from the newest complete checkpoint plus the commits after it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "delta/log_listing.h"
#include "delta/parquet_io.h"
#include "delta/schema.h"
#include "storage/file_system.h"

namespace silt::delta {

// Which version to load: the latest, a version number, or the latest version committed at or
// before a timestamp (epoch ms; before the first or after the last commit is NotFound).
struct VersionSpec {
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;
};

struct CommitTimestamp {
  int64_t version = 0;
  int64_t timestamp_ms = 0;  // commit file modification time, made strictly increasing
};

class Snapshot {
 public:
  // Loads the table at `table_root`. Errors: NotFound (not a Delta table, or version out of range),
  // Corruption (gaps, malformed commits, missing protocol/metadata), Unsupported (protocol gate).
  // When _last_checkpoint names a checkpoint at or before the wanted version, the log is listed
  // from that version on only; anything unusable there (a missing or damaged checkpoint, a gap)
  // falls back to listing the whole log.
  static Result<std::shared_ptr<const Snapshot>> load(storage::FileSystem& fs, ParquetIo& io,
                                                      const std::string& table_root, VersionSpec spec = {});

  const std::string& table_root() const { return table_root_; }
  // The file system the snapshot was loaded from, where its data files are read (it must outlive
  // the snapshot).
  storage::FileSystem& store() const { return *store_; }
  int64_t version() const { return version_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  // The parsed schema; Corruption when the metadata carries no schemaString.
  Result<Schema> schema() const;
  bool has_schema() const { return schema_.has_value(); }
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }

  // Live files sorted by path; tombstones (unexpired or not) sorted by path.
  const std::vector<AddFile>& files() const { return files_; }
  const std::vector<RemoveFile>& tombstones() const { return tombstones_; }
  const std::map<std::string, int64_t>& app_versions() const { return app_versions_; }
  std::optional<int64_t> app_version(const std::string& app_id) const;
  const std::map<std::string, DomainMetadata>& domains() const { return domains_; }

  int64_t timestamp_ms() const { return timestamp_ms_; }
  // True when replay saw the schema change: older files may lack newer columns.
  bool schema_changed() const { return schema_changed_; }
  std::optional<int64_t> checkpoint_version() const { return checkpoint_version_; }

  // Table property with a default ("delta.appendOnly" -> "false").
  std::string property(const std::string& key, const std::string& fallback) const;

  // Absolute location of a file named by an add/remove path.
  std::string absolute_path(const std::string& log_path) const;

  int64_t num_records() const;  // sum of numRecords; -1 when any file lacks stats
  int64_t size_bytes() const;

 private:
  Snapshot() = default;
  // Replays `listing` (the whole log, or with `from_hint` the part from _last_checkpoint's version
  // on, in which case only its checkpoints are candidates and nothing is logged).
  static Result<std::shared_ptr<const Snapshot>> replay(storage::FileSystem& fs, ParquetIo& io,
                                                        const std::string& table_root, VersionSpec spec,
                                                        const LogListing& listing,
                                                        const std::optional<LastCheckpoint>& hint, bool from_hint);

  std::string table_root_;
  storage::FileSystem* store_ = nullptr;  // set by load()
  int64_t version_ = -1;
  Protocol protocol_;
  Metadata metadata_;
  std::optional<Schema> schema_;
  std::vector<AddFile> files_;
  std::vector<RemoveFile> tombstones_;
  std::map<std::string, int64_t> app_versions_;
  std::map<std::string, DomainMetadata> domains_;
  int64_t timestamp_ms_ = 0;
  std::optional<int64_t> checkpoint_version_;
  bool schema_changed_ = false;
};

// Commit timestamps of every listed commit, in version order, monotonized as Spark does.
std::vector<CommitTimestamp> commit_timestamps(const LogListing& listing);

// Reads and parses one commit file.
Result<std::vector<Action>> read_commit(storage::FileSystem& fs, const std::string& table_root, int64_t version);

}  // namespace silt::delta
