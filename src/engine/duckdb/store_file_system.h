// DuckDB opens files only through its own file systems. silt registers one more with each
// database, so that DuckDB reads and writes the files of silt's stores that are not the local disk
// (S3, in memory, fault-injecting) through storage::FileSystem: a Parquet scan asks for the byte
// ranges it needs (its footer, its column chunks) instead of whole objects, and a COPY streams
// each file it writes into the store (a multipart upload on S3) without staging it on local disk.
// This header stays free of DuckDB's headers; only store_file_system.cpp uses its C++ API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "engine/duckdb/database.h"
#include "storage/file_system.h"

namespace silt::engine::duckdb {

// A file of a store, as a path DuckDB opens means it.
struct StoreFile {
  storage::FileSystem* fs = nullptr;
  std::string path;        // the path in `fs`
  bool immutable = false;  // never changes once written (Delta data files): looked up only once
};

// Maps the paths DuckDB opens to files of silt's stores (engine::FileBridge is the one in use).
// Called from DuckDB's threads: implementations are thread-safe.
class StoreResolver {
 public:
  virtual ~StoreResolver() = default;
  // Whether `path` (as DuckDB opens it) is a store file; others go to DuckDB's own file systems.
  virtual bool handles(const std::string& path) const = 0;
  // The store file behind `path`; NotFound when `path` names no store this resolver knows.
  virtual Result<StoreFile> resolve(const std::string& path) const = 0;
  // The path DuckDB knows for `store_path`, a file of the same store as `like` (a resolved path):
  // how glob results go back to DuckDB.
  virtual std::string duckdb_path(const std::string& like, const std::string& store_path) const = 0;
  // DuckDB opened `path` (resolved to `file`) for writing.
  virtual void opened_for_write(const std::string& path, const StoreFile& file) {}
};

struct StoreFileSystemOptions {
  // A small read within this distance of a file's end fetches the whole tail of this size, so a
  // Parquet footer and its metadata (read backwards from the end) come in one request.
  int64_t tail_window_bytes = 1 << 20;
  // Any other read smaller than this fetches this much from its offset on: sequential small reads
  // cost one request per window, while a selective scan's column chunks cost little more than
  // themselves.
  int64_t read_ahead_bytes = 128 << 10;
};

// Registers the file system for `resolver`'s paths with `database` (once per database).
Status register_store_file_system(Database& database, std::shared_ptr<StoreResolver> resolver,
                                  StoreFileSystemOptions options = {});

// What DuckDB asked of store files, summed over every database of the process (for tests).
struct StoreFileCounters {
  int64_t stats = 0;        // size/ETag lookups
  int64_t range_reads = 0;  // ranged reads of the store
  int64_t bytes_read = 0;   // bytes those reads returned
};
StoreFileCounters store_file_counters();

// The storage error behind a DuckDB I/O error whose message contains its message, when the store
// file system raised it (DuckDB keeps only the text): the engine reports the storage error's code
// (a refused credential stays a configuration error) instead of a generic I/O error.
std::optional<Error> store_error_in(const std::string& duckdb_message);

}  // namespace silt::engine::duckdb
