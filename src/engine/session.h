// A DuckDB session configured for silt (threads, memory limit, temp directory, UTC), which
// turns Delta snapshots into SQL: a snapshot becomes a view over exactly its live files, with
// partition columns injected from the log. Not thread-safe: one Session per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/parquet_io.h"
#include "delta/snapshot.h"
#include "engine/duckdb/database.h"
#include "engine/file_bridge.h"

namespace silt::engine {

struct SessionOptions {
  int threads = 0;             // 0: one per core
  std::string memory_limit;    // "": 75% of physical memory; e.g. "4GB"
  std::string temp_directory;  // "": <system temp>/silt-spill-<uid> (spill files, checkpoint staging)
};

struct ScanOptions {
  // Scan only these files (indices into snapshot.files()); all live files when unset.
  std::optional<std::vector<size_t>> file_indices;
  // Add a column "_silt_file" holding each row's file path as given to the reader.
  bool with_file_column = false;
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(const SessionOptions& options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Another session on this session's database: its own connection, catalog (schemas, views,
  // temporary tables) and variables, sharing the database's threads and memory limit, so parallel
  // work never divides the engine. Sessions of one database may be used from different threads at
  // once (each from one thread); this call is not thread-safe with other calls on this session.
  Result<std::unique_ptr<Session>> open_sibling();

  duckdb::Connection& connection() { return *connection_; }
  // How DuckDB reaches files of any file system (shared by the database's sessions).
  FileBridge& files() { return *files_; }
  delta::ParquetIo& parquet_io() { return *parquet_io_; }
  // The options in force, with defaults resolved.
  const SessionOptions& options() const { return options_; }

  // A SELECT over the snapshot (schema columns in schema order), reading its data files from the
  // snapshot's store; "_silt_file" holds store paths (Snapshot::absolute_path).
  Result<std::string> scan_sql(const delta::Snapshot& snapshot, const ScanOptions& options = {});
  // CREATE OR REPLACE TEMP VIEW <name> AS <scan_sql>.
  Status register_snapshot(const std::string& view_name, const delta::Snapshot& snapshot,
                           const ScanOptions& options = {});

 private:
  Session() = default;

  Status configure_connection();

  SessionOptions options_;
  std::shared_ptr<duckdb::Database> database_;
  std::shared_ptr<FileBridge> files_;
  std::unique_ptr<duckdb::Connection> connection_;
  std::string catalog_;  // a sibling's own in-memory catalog; "" for the database's default one
  std::unique_ptr<delta::ParquetIo> parquet_io_;
};

}  // namespace silt::engine
