// A DuckDB file system over silt's stores. DuckDB's C++ API appears only in this file: the class
// derives from duckdb::FileSystem (the headers of the same DuckDB release as libduckdb.so), and
// registration reaches the database instance behind the C API's handle.
#include "engine/duckdb/store_file_system.h"

#include <duckdb.hpp>
#include <duckdb/main/capi/capi_internal.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>

#include <fmt/format.h>

#include "storage/glob.h"

namespace silt::engine::duckdb {
namespace {

namespace ddb = ::duckdb;

struct Counters {
  std::atomic<int64_t> stats{0}, range_reads{0}, bytes_read{0};
};
Counters& counters() {
  static Counters instance;
  return instance;
}

// Storage errors raised into DuckDB, newest last, so the engine can recover their codes.
class RaisedErrors {
 public:
  void add(const Error& error) {
    std::lock_guard<std::mutex> lock(mutex_);
    errors_.push_back(error);
    if (errors_.size() > kKept) errors_.pop_front();
  }
  std::optional<Error> find(const std::string& text) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = errors_.rbegin(); it != errors_.rend(); ++it) {
      if (!it->message().empty() && text.find(it->message()) != std::string::npos) return *it;
    }
    return std::nullopt;
  }

 private:
  static constexpr size_t kKept = 64;
  mutable std::mutex mutex_;
  std::deque<Error> errors_;
};
RaisedErrors& raised() {
  static RaisedErrors instance;
  return instance;
}

[[noreturn]] void raise(const Error& error) {
  raised().add(error);
  throw ddb::IOException(error.message());
}

class StoreHandle : public ddb::FileHandle {
 public:
  StoreHandle(ddb::FileSystem& owner, const std::string& path, ddb::FileOpenFlags flags, StoreFile file)
      : ddb::FileHandle(owner, path, flags), file(std::move(file)) {}
  ~StoreHandle() override = default;  // an unclosed writer is dropped: nothing appears in the store

  void Close() override {
    if (!writer || closed) return;
    closed = true;
    Status status = writer->close();
    writer.reset();
    if (!status.ok()) raise(status.error());
  }

  StoreFile file;
  storage::FileInfo info;  // reading: size, modification time and ETag at open
  // Reading: the last window fetched ahead (shared by the handles of an immutable file), and the
  // position of sequential reads.
  std::mutex mutex;
  std::shared_ptr<const std::string> window;
  int64_t window_offset = -1;
  int64_t position = 0;
  // Writing: the stream and how much went into it.
  std::unique_ptr<storage::WriteStream> writer;
  int64_t written = 0;
  bool closed = false;
};

class StoreFileSystem : public ddb::FileSystem {
 public:
  StoreFileSystem(std::shared_ptr<StoreResolver> resolver, StoreFileSystemOptions options)
      : resolver_(std::move(resolver)), options_(options) {}

  std::string GetName() const override { return "silt_store"; }
  bool CanHandleFile(const std::string& path) override { return resolver_->handles(path); }
  bool CanSeek() override { return true; }
  bool OnDiskFile(ddb::FileHandle&) override { return false; }
  bool IsPipe(const std::string&, ddb::optional_ptr<ddb::FileOpener>) override { return false; }
  std::string PathSeparator(const std::string&) override { return "/"; }

  ddb::unique_ptr<ddb::FileHandle> OpenFile(const std::string& path, ddb::FileOpenFlags flags,
                                            ddb::optional_ptr<ddb::FileOpener>) override {
    StoreFile file = resolved(path);
    auto handle = ddb::make_uniq<StoreHandle>(*this, path, flags, file);
    if (flags.OpenForWriting()) {
      if (flags.OpenForAppending()) {
        throw ddb::NotImplementedException("silt's stores cannot append to %s: files are written whole", path);
      }
      auto stream = file.fs->open_write(file.path);
      if (!stream) raise(stream.error());
      handle->writer = std::move(*stream);
      resolver_->opened_for_write(path, file);
      return handle;
    }
    auto info = stat(file);
    if (!info) {
      if (info.error().code() == ErrorCode::kNotFound && flags.ReturnNullIfNotExists()) return nullptr;
      raise(info.error());
    }
    handle->info = std::move(*info);
    if (file.immutable) {
      // Another handle of this file may have fetched its footer already (DuckDB opens one for the
      // metadata and more for the scan).
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = windows_.find(window_key(*handle));
      if (it != windows_.end()) {
        handle->window = it->second.second;
        handle->window_offset = it->second.first;
      }
    }
    return handle;
  }

  void Read(ddb::FileHandle& handle, void* buffer, int64_t nr_bytes, ddb::idx_t location) override {
    auto& store = handle.Cast<StoreHandle>();
    int64_t got = read_at(store, static_cast<char*>(buffer), nr_bytes, static_cast<int64_t>(location));
    if (got < nr_bytes) {
      throw ddb::IOException("cannot read %d bytes at offset %d of %s: the file has %d bytes", nr_bytes,
                             static_cast<int64_t>(location), store.file.path, store.info.size);
    }
  }

  int64_t Read(ddb::FileHandle& handle, void* buffer, int64_t nr_bytes) override {
    auto& store = handle.Cast<StoreHandle>();
    int64_t from;
    {
      std::lock_guard<std::mutex> lock(store.mutex);
      from = store.position;
    }
    int64_t got = read_at(store, static_cast<char*>(buffer), nr_bytes, from);
    std::lock_guard<std::mutex> lock(store.mutex);
    store.position = from + got;
    return got;
  }

  void Write(ddb::FileHandle& handle, void* buffer, int64_t nr_bytes, ddb::idx_t location) override {
    auto& store = handle.Cast<StoreHandle>();
    if (static_cast<int64_t>(location) != store.written) {
      throw ddb::NotImplementedException("silt's stores write %s from start to end (a write at offset %d after %d bytes)",
                                         store.file.path, static_cast<int64_t>(location), store.written);
    }
    Write(handle, buffer, nr_bytes);
  }

  int64_t Write(ddb::FileHandle& handle, void* buffer, int64_t nr_bytes) override {
    auto& store = handle.Cast<StoreHandle>();
    if (!store.writer) throw ddb::IOException("%s is not open for writing", store.file.path);
    Status status = store.writer->append(std::string_view(static_cast<const char*>(buffer), static_cast<size_t>(nr_bytes)));
    if (!status.ok()) raise(status.error());
    store.written += nr_bytes;
    return nr_bytes;
  }

  int64_t GetFileSize(ddb::FileHandle& handle) override {
    auto& store = handle.Cast<StoreHandle>();
    return store.writer || store.closed ? store.written : store.info.size;
  }
  ddb::timestamp_t GetLastModifiedTime(ddb::FileHandle& handle) override {
    return ddb::timestamp_t(handle.Cast<StoreHandle>().info.modified_ms * 1000);
  }
  std::string GetVersionTag(ddb::FileHandle& handle) override { return handle.Cast<StoreHandle>().info.etag; }
  ddb::FileType GetFileType(ddb::FileHandle&) override { return ddb::FileType::FILE_TYPE_REGULAR; }
  void FileSync(ddb::FileHandle&) override {}  // the store has the file when the handle closes

  void Seek(ddb::FileHandle& handle, ddb::idx_t location) override {
    auto& store = handle.Cast<StoreHandle>();
    std::lock_guard<std::mutex> lock(store.mutex);
    store.position = static_cast<int64_t>(location);
  }
  void Reset(ddb::FileHandle& handle) override { Seek(handle, 0); }
  ddb::idx_t SeekPosition(ddb::FileHandle& handle) override {
    auto& store = handle.Cast<StoreHandle>();
    std::lock_guard<std::mutex> lock(store.mutex);
    return static_cast<ddb::idx_t>(store.position);
  }

  bool FileExists(const std::string& path, ddb::optional_ptr<ddb::FileOpener>) override {
    auto info = stat(resolved(path));
    if (info) return true;
    if (info.error().code() == ErrorCode::kNotFound) return false;
    raise(info.error());
  }
  // Object stores have no directories: a prefix "exists" once a file is below it, and making one
  // is a no-op there (other stores make it).
  bool DirectoryExists(const std::string& path, ddb::optional_ptr<ddb::FileOpener>) override { return false; }
  void CreateDirectory(const std::string& path, ddb::optional_ptr<ddb::FileOpener>) override {
    StoreFile dir = resolved(path);
    Status status = dir.fs->create_directories(dir.path);
    if (!status.ok()) raise(status.error());
  }
  void CreateDirectoriesRecursive(const std::string& path, ddb::optional_ptr<ddb::FileOpener> opener) override {
    CreateDirectory(path, opener);
  }
  void RemoveFile(const std::string& path, ddb::optional_ptr<ddb::FileOpener>) override {
    StoreFile file = resolved(path);
    Status status = file.fs->remove(file.path);
    if (!status.ok()) raise(status.error());
  }
  bool TryRemoveFile(const std::string& path, ddb::optional_ptr<ddb::FileOpener> opener) override {
    if (!FileExists(path, opener)) return false;
    RemoveFile(path, opener);
    return true;
  }
  void MoveFile(const std::string& source, const std::string& target, ddb::optional_ptr<ddb::FileOpener>) override {
    // Stores have no rename: a copy, then the source goes.
    StoreFile from = resolved(source);
    StoreFile to = resolved(target);
    auto data = from.fs->read(from.path);
    if (!data) raise(data.error());
    Status status = to.fs->write(to.path, *data);
    if (status.ok()) status = from.fs->remove(from.path);
    if (!status.ok()) raise(status.error());
  }

  bool ListFiles(const std::string& directory, const std::function<void(const std::string&, bool)>& callback,
                 ddb::FileOpener*) override {
    StoreFile dir = resolved(directory);
    auto files = dir.fs->list(dir.path);
    if (!files) raise(files.error());
    for (const auto& file : *files) callback(storage::base_name(file.path), false);
    return !files->empty();
  }

  ddb::vector<ddb::OpenFileInfo> Glob(const std::string& pattern, ddb::FileOpener*) override {
    StoreFile target = resolved(pattern);
    ddb::vector<ddb::OpenFileInfo> out;
    if (!storage::has_wildcard(target.path)) {
      // No lookup here: opening the file looks it up (once), and reports it when it is missing.
      out.emplace_back(pattern);
      return out;
    }
    auto matched = storage::glob(*target.fs, target.path);
    if (!matched) raise(matched.error());
    for (const auto& file : *matched) out.emplace_back(resolver_->duckdb_path(pattern, file.path));
    return out;
  }

 private:
  StoreFile resolved(const std::string& path) const {
    auto file = resolver_->resolve(path);
    if (!file) raise(file.error());
    return std::move(*file);
  }

  // Size, time and ETag of `file`; for an immutable file looked up once per process.
  Result<storage::FileInfo> stat(const StoreFile& file) {
    std::pair<const storage::FileSystem*, std::string> key(file.fs, file.path);
    if (file.immutable) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = known_.find(key);
      if (it != known_.end()) return it->second;
    }
    counters().stats++;
    auto info = file.fs->stat(file.path);
    if (info && file.immutable) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (known_.size() >= kKnownLimit) known_.clear();
      known_[key] = *info;
    }
    return info;
  }

  // Copies up to `length` bytes at `offset` into `out`; returns how many (fewer at the end).
  int64_t read_at(StoreHandle& handle, char* out, int64_t length, int64_t offset) {
    if (length <= 0 || offset >= handle.info.size) return 0;
    length = std::min(length, handle.info.size - offset);
    int64_t from_window_head = 0;  // bytes at the start of the read copied from the window
    int64_t from_window_tail = 0;  // bytes at its end copied from the window
    {
      std::lock_guard<std::mutex> lock(handle.mutex);
      const int64_t start = handle.window ? handle.window_offset : -1;
      const int64_t end = start + (handle.window ? static_cast<int64_t>(handle.window->size()) : 0);
      if (start >= 0 && offset >= start && offset + length <= end) {
        std::memcpy(out, handle.window->data() + (offset - start), static_cast<size_t>(length));
        return length;
      }
      // Only the part the window lacks is fetched: a scan whose last column chunks reach into the
      // footer window read first, or one that starts inside the window.
      if (start >= 0 && offset < start && offset + length > start && offset + length <= end) {
        from_window_tail = offset + length - start;
        std::memcpy(out + (start - offset), handle.window->data(), static_cast<size_t>(from_window_tail));
        length -= from_window_tail;
      } else if (start >= 0 && offset >= start && offset < end) {
        from_window_head = end - offset;
        std::memcpy(out, handle.window->data() + (offset - start), static_cast<size_t>(from_window_head));
        out += from_window_head;
        offset += from_window_head;
        length -= from_window_head;
      }
    }
    // Small reads fetch a window: the file's tail when the read is within it (footers are read
    // backwards), else forward from the offset.
    int64_t from = offset;
    int64_t want = length;
    const int64_t size = handle.info.size;
    if (length < options_.tail_window_bytes && offset >= size - options_.tail_window_bytes) {
      want = std::min(options_.tail_window_bytes, size);
      from = size - want;
    } else if (length < options_.read_ahead_bytes) {
      want = std::min(options_.read_ahead_bytes, size - offset);
    }
    auto data = handle.file.fs->read_range(handle.file.path, from, want);
    if (!data) raise(data.error());
    counters().range_reads++;
    counters().bytes_read += static_cast<int64_t>(data->size());
    int64_t available = std::max<int64_t>(0, static_cast<int64_t>(data->size()) - (offset - from));
    int64_t got = std::min(length, available);
    if (got > 0) std::memcpy(out, data->data() + (offset - from), static_cast<size_t>(got));
    if (want > length) {
      auto window = std::make_shared<const std::string>(std::move(*data));
      {
        std::lock_guard<std::mutex> lock(handle.mutex);
        handle.window = window;
        handle.window_offset = from;
      }
      if (handle.file.immutable) remember_window(handle, window, from);
    }
    if (got < length) return from_window_head + got;  // the tail copied would not be contiguous
    return from_window_head + got + from_window_tail;
  }

  // Windows of immutable files are shared by their handles, keyed by the file's identity as
  // looked up (store, path, size and ETag, so a replaced file never meets an old window).
  using WindowKey = std::tuple<const storage::FileSystem*, std::string, int64_t, std::string>;
  static WindowKey window_key(const StoreHandle& handle) {
    return {handle.file.fs, handle.file.path, handle.info.size, handle.info.etag};
  }
  void remember_window(const StoreHandle& handle, std::shared_ptr<const std::string> window, int64_t offset) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (window_bytes_ + static_cast<int64_t>(window->size()) > kWindowBytesLimit) {
      windows_.clear();
      window_bytes_ = 0;
    }
    auto& slot = windows_[window_key(handle)];
    if (slot.second) window_bytes_ -= static_cast<int64_t>(slot.second->size());
    window_bytes_ += static_cast<int64_t>(window->size());
    slot = {offset, std::move(window)};
  }

  static constexpr size_t kKnownLimit = 1 << 20;
  static constexpr int64_t kWindowBytesLimit = int64_t{64} << 20;
  std::shared_ptr<StoreResolver> resolver_;
  StoreFileSystemOptions options_;
  std::mutex mutex_;  // guards known_, windows_ and window_bytes_
  std::map<std::pair<const storage::FileSystem*, std::string>, storage::FileInfo> known_;
  std::map<WindowKey, std::pair<int64_t, std::shared_ptr<const std::string>>> windows_;
  int64_t window_bytes_ = 0;
};

}  // namespace

Status register_store_file_system(Database& database, std::shared_ptr<StoreResolver> resolver,
                                  StoreFileSystemOptions options) {
  // The C API's database handle is DuckDB's DatabaseWrapper (capi_internal.hpp of this release).
  auto* wrapper = reinterpret_cast<ddb::DatabaseWrapper*>(database.handle());
  if (!wrapper || !wrapper->database) return make_error(ErrorCode::kInternal, "no DuckDB database to register silt's stores with");
  try {
    wrapper->database->instance->GetFileSystem().RegisterSubSystem(
        ddb::make_uniq<StoreFileSystem>(std::move(resolver), options));
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kInternal, fmt::format("registering silt's stores with DuckDB: {}", error.what()));
  }
  return Status();
}

StoreFileCounters store_file_counters() {
  const Counters& c = counters();
  return StoreFileCounters{c.stats.load(), c.range_reads.load(), c.bytes_read.load()};
}

std::optional<Error> store_error_in(const std::string& duckdb_message) { return raised().find(duckdb_message); }

}  // namespace silt::engine::duckdb
