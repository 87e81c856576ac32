// FileSystem on a local POSIX disk: atomic replace by temp file + rename, put_if_absent by
// link(2), fsync of file and directory. Holds no state; never throws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace silt::storage {

// Paths are plain local paths ("/data/lake/t/x.parquet"). Beyond the FileSystem contract:
// - Only regular files are files: a directory is NotFound for stat/read/read_range/set_modified_ms,
//   false for exists(), and an Io error for write/remove. A file where a directory is expected in
//   list()/list_recursive() counts as a missing directory (empty list).
// - write/put_if_absent stage data in a sibling temp file ".<name>.tmp.<pid>.<random>"; a
//   concurrent list() may show such a file, and a crashed writer may leave one behind (callers parse
//   names and ignore them; they never block later writes).
// - put_if_absent is safe across processes on any file system with hard links (local disks, NFSv3+);
//   where link(2) is unsupported it falls back to renameat2(RENAME_NOREPLACE).
// - Errors: NotFound for a missing file on read/stat/set_modified_ms, AlreadyExists from
//   put_if_absent, InvalidArgument for an empty path or a negative range, Io otherwise; messages
//   name the path and the system error.
// Thread-safe: no member state.
class LocalFileSystem : public FileSystem {
 public:
  Result<std::vector<FileInfo>> list(const std::string& dir) override;
  Result<ListPage> list_page(const std::string& dir, const std::string& start_after, size_t max_files) override;
  Result<std::vector<FileInfo>> list_recursive(const std::string& dir) override;
  Result<FileInfo> stat(const std::string& path) override;
  Result<bool> exists(const std::string& path) override;
  Result<std::string> read(const std::string& path) override;
  Result<std::string> read_range(const std::string& path, int64_t offset, int64_t length) override;
  Status write(const std::string& path, const std::string& data) override;
  Status put_if_absent(const std::string& path, const std::string& data) override;
  Result<std::unique_ptr<WriteStream>> open_write(const std::string& path) override;
  Status remove(const std::string& path) override;
  Status create_directories(const std::string& dir) override;
  Status set_modified_ms(const std::string& path, int64_t modified_ms) override;
  // The path itself: DuckDB reads and writes local files in place.
  std::optional<std::string> local_path(const std::string& path) const override { return path; }
};

}  // namespace silt::storage
