// DuckDB opens files by path; silt's files live in a storage::FileSystem. The bridge joins the
// two. On a store that is the local disk (FileSystem::local_path) DuckDB reads and writes the files
// in place, as fast as it can. Any other store (S3, in memory, fault-injecting) DuckDB reaches
// through the file system of engine/duckdb/store_file_system.h, under paths the bridge makes:
// "silt-store://<mount>" followed by the store path ("s3://b/k" as "/s3:/b/k"), so DuckDB sees the
// store's file names and Hive directories, and a DuckDB path turns back into its store path by
// string operations alone (in C++ and in SQL). Every byte goes through the store's FileSystem.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "engine/duckdb/database.h"
#include "engine/duckdb/store_file_system.h"
#include "storage/file_system.h"

namespace silt::engine {

// Thread-safe: the sessions of one database share one bridge, and DuckDB's threads resolve its
// paths. The file systems it is given must outlive the queries that read their files.
class FileBridge : public duckdb::StoreResolver {
 public:
  FileBridge() = default;
  FileBridge(const FileBridge&) = delete;
  FileBridge& operator=(const FileBridge&) = delete;

  // True when DuckDB reaches the file (or files below the directory) `path` of `fs` in place. A
  // file system may route paths to different stores (local disk and S3), so the answer is per path.
  static bool in_place(const storage::FileSystem& fs, const std::string& path);

  // The paths under which DuckDB opens `paths` (files of `fs`), in the same order: the paths
  // themselves in place, else store paths. `immutable`: the files never change once written
  // (Delta data files, checkpoints), so their size and ETag are looked up once; otherwise on every
  // open. No I/O happens here.
  Result<std::vector<std::string>> readable(storage::FileSystem& fs, const std::vector<std::string>& paths,
                                            bool immutable);
  Result<std::string> readable(storage::FileSystem& fs, const std::string& path, bool immutable);

  // The store path of a path readable() returned; any other path as it is.
  std::string store_path(const std::string& duckdb_path) const;
  // SQL turning `expression` (a DuckDB path, such as DuckDB's `filename` column) into its store path.
  std::string store_path_sql(const std::string& expression) const;
  // `text` (a message) with every DuckDB path of a store file replaced by its store path.
  std::string with_store_paths(std::string text) const;

  // The files of `fs` matching `pattern` (storage/glob.h), sorted; in place, DuckDB's own glob
  // over the local disk through `connection`.
  Result<std::vector<storage::FileInfo>> glob(duckdb::Connection& connection, storage::FileSystem& fs,
                                              const std::string& pattern);

  // A new, empty directory for DuckDB to write files that will be stored below `root`. In place it
  // is a directory inside `root` (moving a file is a rename); in other stores it is a name DuckDB
  // writes through, and each file it writes streams straight to its place below `root` (the
  // staging name left out), so publishing it costs nothing.
  Result<std::string> staging_directory(storage::FileSystem& fs, const std::string& root);
  // Puts `staged` (a file DuckDB wrote in a staging directory) at `path` of `fs`.
  Status publish(storage::FileSystem& fs, const std::string& staged, const std::string& path);
  // Removes a staging directory and whatever was written to it and not published.
  void remove_staging(const std::string& directory);

  // DuckDB opens s3:// paths written in SQL (read_parquet('s3://b/k'), COPY ... TO 's3://b/k')
  // through `fs` from now on; `fs` must outlive the bridge.
  void route_uris_to(storage::FileSystem& fs);

  // duckdb::StoreResolver: the paths readable() and staging_directory() make, and s3:// paths once
  // routed.
  bool handles(const std::string& path) const override;
  Result<duckdb::StoreFile> resolve(const std::string& path) const override;
  std::string duckdb_path(const std::string& like, const std::string& store_path) const override;
  void opened_for_write(const std::string& path, const duckdb::StoreFile& file) override;

 private:
  struct Mount {
    storage::FileSystem* fs = nullptr;
    bool immutable = false;
  };
  struct Staging {
    storage::FileSystem* fs = nullptr;
    std::set<std::string> pending;  // store paths written and not yet published
  };
  std::string mount_prefix(storage::FileSystem& fs, bool immutable);

  mutable std::mutex mutex_;  // guards everything below
  std::vector<Mount> mounts_;  // by mount number
  std::map<std::pair<const storage::FileSystem*, bool>, size_t> mount_numbers_;
  std::map<std::string, Staging> staging_;  // by DuckDB path of the staging directory
  storage::FileSystem* uri_store_ = nullptr;  // where s3:// paths go
};

}  // namespace silt::engine
