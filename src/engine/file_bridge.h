// DuckDB opens files only by local path; silt's files live in a storage::FileSystem. The bridge
// joins the two. On a store that is the local disk (FileSystem::local_path) DuckDB reads and writes
// the files in place, as fast as it can. From any other store (in memory, fault-injecting, an object
// store) files DuckDB reads are fetched into a local cache first, and files DuckDB writes are staged
// in a local directory and then stored through the file system, so every byte goes through it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/duckdb/database.h"
#include "storage/file_system.h"

namespace silt::engine {

// Thread-safe: the sessions of one database share one bridge (and its cache).
class FileBridge {
 public:
  // The cache is a new directory below `temp_directory`, removed with the bridge.
  explicit FileBridge(std::string temp_directory);
  ~FileBridge();
  FileBridge(const FileBridge&) = delete;
  FileBridge& operator=(const FileBridge&) = delete;

  // True when DuckDB reaches the file (or files below the directory) `path` of `fs` in place. A
  // file system may route paths to different stores (local disk and S3), so the answer is per path.
  static bool in_place(const storage::FileSystem& fs, const std::string& path);

  // Local paths holding the contents of `paths` (files of `fs`), in the same order: the paths
  // themselves in place, else cached copies. `immutable`: the files never change once written
  // (Delta data files, checkpoints), so a cached copy is used without asking the store again;
  // otherwise a copy is refreshed when the store's size or ETag differ.
  Result<std::vector<std::string>> readable(storage::FileSystem& fs, const std::vector<std::string>& paths,
                                            bool immutable);
  Result<std::string> readable(storage::FileSystem& fs, const std::string& path, bool immutable);

  // The store path of a local path readable() returned; any other path as it is.
  std::string store_path(const std::string& local) const;
  // SQL turning `expression` (a local path, such as DuckDB's `filename` column) into its store path.
  std::string store_path_sql(const std::string& expression) const;
  // `text` (a message) with every cached copy's path replaced by its store path.
  std::string with_store_paths(std::string text) const;

  // The files of `fs` matching `pattern` (storage/glob.h), sorted; in place, DuckDB's own glob
  // over the local disk through `connection`.
  Result<std::vector<storage::FileInfo>> glob(duckdb::Connection& connection, storage::FileSystem& fs,
                                              const std::string& pattern);

  // A new, empty local directory for DuckDB to write files that will be stored below `root`:
  // inside `root` in place (moving a file is a rename), else in the cache.
  Result<std::string> staging_directory(storage::FileSystem& fs, const std::string& root);
  // Moves `local` (a file in a staging directory) to `path` of `fs`.
  Status publish(storage::FileSystem& fs, const std::string& local, const std::string& path);
  // Removes a staging directory and whatever is left in it.
  static void remove_staging(const std::string& directory);

 private:
  struct CachedFile {
    const storage::FileSystem* fs = nullptr;  // the store it came from
    std::string local;
    int64_t size = -1;
    std::string etag;
  };
  std::string cache_path_for(const std::string& path) const;
  Result<std::string> fetch(storage::FileSystem& fs, const std::string& path, bool immutable);

  std::string directory_;  // the cache: <temp>/silt-cache-<pid>-<random>
  std::string mirror_;     // <cache>/0: store paths are mirrored below it
  mutable std::mutex mutex_;  // guards cached_
  std::map<std::string, CachedFile> cached_;  // by store path
};

}  // namespace silt::engine
