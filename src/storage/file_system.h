// The storage contract every layer above relies on: list, read (whole or a range), write,
// atomic put-if-absent (the Delta commit primitive), delete. Implementations: local/, memory/,
// testing/ (fault injection). Paths are absolute strings ("/data/lake/t/x.parquet"); an
// implementation may give them another scheme ("s3://bucket/key").
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silt::storage {

struct FileInfo {
  std::string path;          // full path, as accepted by the other calls
  int64_t size = 0;          // bytes
  int64_t modified_ms = 0;   // modification time, epoch milliseconds
  std::string etag;          // changes whenever the content is replaced (an object store's ETag)
};

// A file written piece by piece (data files, large uploads): nothing is visible at the path
// until close() succeeds, and then the whole file is; a stream destroyed without close() leaves
// nothing behind.
class WriteStream {
 public:
  virtual ~WriteStream() = default;
  virtual Status append(std::string_view data) = 0;
  virtual Status close() = 0;
};

// One page of a listing: object stores list a bounded number of keys per request.
struct ListPage {
  std::vector<FileInfo> files;
  std::string next_start_after;  // where the next page starts (pass to list_page); "" when complete
};

// Contract (every implementation, tested by tests/unit/storage/file_system_contract_test.cpp):
// - list(dir): files (not directories) directly inside `dir`, sorted by path. A missing dir is an
//   empty list, not an error.
// - list_page(dir, start_after, max_files): the files of list(dir) whose names sort after the name
//   of `start_after` (a path inside `dir`; "" lists from the first), at most `max_files` (>= 1),
//   in order; next_start_after is set when more may follow.
// - list_recursive(dir): every file below `dir`, sorted by path.
// - read / read_range: NotFound for a missing file; read_range past the end returns what exists.
// - write: replaces the whole file atomically (readers see the old or the new content, never a
//   mix); parent directories are created.
// - put_if_absent: creates the file with `data` only if no file exists at `path`; AlreadyExists
//   otherwise. The file appears whole or not at all, and once it exists every later list() shows it.
//   Exactly one of several concurrent callers (threads or processes) for one path succeeds.
// - remove: deleting a missing file is not an error. remove_many: each path as remove() would.
// - open_write(path): a WriteStream whose close() replaces the file as write() would.
// - etag: non-empty, and different after the file's content was replaced (same content
//   rewritten may or may not keep it).
// All methods are safe to call from several threads at once.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::vector<FileInfo>> list(const std::string& dir) = 0;
  // The default filters list(); stores override it to skip what sorts before `start_after`.
  virtual Result<ListPage> list_page(const std::string& dir, const std::string& start_after, size_t max_files);
  virtual Result<std::vector<FileInfo>> list_recursive(const std::string& dir) = 0;
  virtual Result<FileInfo> stat(const std::string& path) = 0;
  virtual Result<bool> exists(const std::string& path) = 0;
  virtual Result<std::string> read(const std::string& path) = 0;
  virtual Result<std::string> read_range(const std::string& path, int64_t offset, int64_t length) = 0;
  virtual Status write(const std::string& path, const std::string& data) = 0;
  virtual Status put_if_absent(const std::string& path, const std::string& data) = 0;
  virtual Status remove(const std::string& path) = 0;
  // The default removes one by one; object stores delete in batches.
  virtual Status remove_many(const std::vector<std::string>& paths);
  // The default buffers in memory and write()s on close; local disk streams to a temp file.
  virtual Result<std::unique_ptr<WriteStream>> open_write(const std::string& path);
  virtual Status create_directories(const std::string& dir) = 0;
  // Sets a file's modification time (time-travel tests restore commit mtimes with it).
  virtual Status set_modified_ms(const std::string& path, int64_t modified_ms) = 0;

  // The path under which a program on this machine opens `path` directly (DuckDB reads and writes
  // data files in place then), when this file system is the local disk; nullopt otherwise, and
  // the file is reached only through the calls above. The default is nullopt.
  virtual std::optional<std::string> local_path(const std::string& path) const;
};

// Every file of `dir` after `start_after` (see list_page), page by page.
Result<std::vector<FileInfo>> list_after(FileSystem& fs, const std::string& dir, const std::string& start_after);

// Joins path components with exactly one '/'.
std::string join_path(const std::string& base, const std::string& child);

// The last component of a path ("a/b/c.json" -> "c.json").
std::string base_name(const std::string& path);

}  // namespace silt::storage
