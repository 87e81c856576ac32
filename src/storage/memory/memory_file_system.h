// FileSystem held in memory, for unit tests of the layers above: fast, isolated, same contract
// as LocalFileSystem. Nothing persists beyond the object.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace silt::storage {

// Files are a map from path to bytes and modification time. Directories are implicit: "/a/b" is a
// directory while some file lies below "/a/b/"; create_directories only checks that no file is in
// the way. Paths are normalized ("//" -> "/", a directory's trailing '/' dropped), and list()
// returns join_path(dir, name) for the dir as given, like LocalFileSystem.
// Matches LocalFileSystem on the edges too: a directory is NotFound for stat/read, false for
// exists(); writing below a file, or onto a directory, is an Io error; remove() of a directory is
// an Io error; put_if_absent onto a directory is AlreadyExists; an empty path is InvalidArgument.
// New files get the wall-clock time (now_ms()) as modification time.
// Thread-safe: every call holds mutex_ for its whole duration, so each is atomic.
class MemoryFileSystem : public FileSystem {
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
  Status remove(const std::string& path) override;
  Status create_directories(const std::string& dir) override;
  Status set_modified_ms(const std::string& path, int64_t modified_ms) override;

 private:
  struct Entry {
    std::string data;
    int64_t modified_ms = 0;
    uint64_t generation = 0;  // the write that made it: the etag
  };

  Result<std::vector<FileInfo>> list_files(const std::string& dir, bool recursive);
  // Both require mutex_ held.
  bool is_directory_locked(const std::string& key) const;
  Status check_creatable_locked(const std::string& key, const std::string& path) const;

  std::mutex mutex_;                     // guards files_
  std::map<std::string, Entry> files_;  // normalized path -> file
  uint64_t writes_ = 0;                 // generations handed out
};

}  // namespace silt::storage
