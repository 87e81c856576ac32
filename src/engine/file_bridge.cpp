// The cache mirrors store paths below <cache>/0/, so DuckDB sees the same file names and Hive
// directories as in the store, and a cached path turns back into its store path by string
// operations alone (in C++ and in SQL). One path of two file systems shares one cached copy, which
// is fetched again whenever the other file system asks for it.
#include "engine/file_bridge.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strings.h"
#include "storage/glob.h"

namespace silt::engine {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kCachePrefix = "silt-cache-";
constexpr int64_t kChunkBytes = 8 << 20;

// Cache directories of processes that are gone (a crash, a kill -9) are removed by the next bridge.
void remove_orphaned_caches(const std::string& temp_directory) {
  std::error_code error;
  for (stdfs::directory_iterator it(temp_directory, error), end; !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.rfind(kCachePrefix, 0) != 0) continue;
    auto pid = parse_int64(name.substr(std::char_traits<char>::length(kCachePrefix),
                                       name.find('-', std::char_traits<char>::length(kCachePrefix)) -
                                           std::char_traits<char>::length(kCachePrefix)));
    if (!pid || *pid <= 0 || *pid == getpid()) continue;
    if (::kill(static_cast<pid_t>(*pid), 0) == 0 || errno == EPERM) continue;  // still running
    std::error_code ignored;
    stdfs::remove_all(it->path(), ignored);
  }
}

// "s3://bucket/key" -> "/s3:/bucket/key"; "/data/x" stays: the part of a cached path after <cache>/<n>.
std::string mirrored(const std::string& path) {
  size_t scheme = path.find("://");
  if (scheme != std::string::npos && scheme > 0) return "/" + path.substr(0, scheme) + ":/" + path.substr(scheme + 3);
  return path.empty() || path.front() != '/' ? "/" + path : path;
}

std::string unmirrored(const std::string& rest) {
  static const std::regex kScheme("^/([a-z][a-z0-9+.-]*):/");
  std::smatch match;
  if (std::regex_search(rest, match, kScheme)) return match[1].str() + "://" + rest.substr(match[0].length());
  return rest;
}

Status write_local(const std::string& path, const std::string& data, std::ofstream& out) {
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) return make_error(ErrorCode::kIo, fmt::format("writing the cached copy {}", path));
  return Status();
}

}  // namespace

FileBridge::FileBridge(std::string temp_directory) {
  std::error_code ignored;
  stdfs::create_directories(temp_directory, ignored);
  remove_orphaned_caches(temp_directory);
  directory_ = temp_directory + "/" + kCachePrefix + std::to_string(getpid()) + "-" +
               replace_all(new_uuid(), "-", "").substr(0, 12);
  mirror_ = directory_ + "/0";
}

FileBridge::~FileBridge() {
  std::error_code ignored;
  stdfs::remove_all(directory_, ignored);
}

bool FileBridge::in_place(const storage::FileSystem& fs, const std::string& path) {
  return fs.local_path(path).has_value();
}

std::string FileBridge::cache_path_for(const std::string& path) const { return mirror_ + mirrored(path); }

Result<std::string> FileBridge::fetch(storage::FileSystem& fs, const std::string& path, bool immutable) {
  std::string local = cache_path_for(path);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cached_.find(path);
    if (it != cached_.end() && it->second.fs == &fs && immutable) return it->second.local;
  }
  SILT_TRY_ASSIGN(auto info, fs.stat(path));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cached_.find(path);
    if (it != cached_.end() && it->second.fs == &fs && it->second.size == info.size && it->second.etag == info.etag) {
      return it->second.local;
    }
  }
  // Fetched into a temp file renamed into place, so a concurrent reader never sees half a copy.
  std::error_code error;
  stdfs::create_directories(stdfs::path(local).parent_path(), error);
  if (error) return make_error(ErrorCode::kIo, fmt::format("creating the cache directory for {}: {}", path, error.message()));
  std::string temp = local + ".part-" + replace_all(new_uuid(), "-", "").substr(0, 12);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(ErrorCode::kIo, fmt::format("creating the cached copy of {} at {}", path, temp));
    Status written;
    if (info.size <= kChunkBytes) {
      SILT_TRY_ASSIGN(auto data, fs.read(path));
      written = write_local(temp, data, out);
    } else {
      for (int64_t offset = 0; written.ok() && offset < info.size; offset += kChunkBytes) {
        auto chunk = fs.read_range(path, offset, kChunkBytes);
        if (!chunk) {
          written = std::move(chunk).error();
          break;
        }
        written = write_local(temp, *chunk, out);
      }
    }
    out.close();
    if (written.ok() && !out) written = make_error(ErrorCode::kIo, fmt::format("writing the cached copy {}", temp));
    if (!written.ok()) {
      stdfs::remove(temp, error);
      return written;
    }
  }
  stdfs::rename(temp, local, error);
  if (error) {
    std::error_code ignored;
    stdfs::remove(temp, ignored);
    return make_error(ErrorCode::kIo, fmt::format("storing the cached copy {}: {}", local, error.message()));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  cached_[path] = CachedFile{&fs, local, info.size, info.etag};
  return local;
}

Result<std::string> FileBridge::readable(storage::FileSystem& fs, const std::string& path, bool immutable) {
  if (auto local = fs.local_path(path)) return *local;
  return fetch(fs, path, immutable);
}

Result<std::vector<std::string>> FileBridge::readable(storage::FileSystem& fs, const std::vector<std::string>& paths,
                                                      bool immutable) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    SILT_TRY_ASSIGN(auto local, readable(fs, path, immutable));
    out.push_back(std::move(local));
  }
  return out;
}

std::string FileBridge::store_path(const std::string& local) const {
  if (local.size() <= mirror_.size() || local.compare(0, mirror_.size(), mirror_) != 0 || local[mirror_.size()] != '/') {
    return local;
  }
  return unmirrored(local.substr(mirror_.size()));
}

std::string FileBridge::store_path_sql(const std::string& expression) const {
  std::string rest = fmt::format("substr({}, {})", expression, mirror_.size() + 1);
  return fmt::format("CASE WHEN starts_with({0}, {1}) THEN regexp_replace({2}, '^/([a-z][a-z0-9+.-]*):/', '\\1://') "
                     "ELSE {0} END",
                     expression, sql_string(mirror_ + "/"), rest);
}

std::string FileBridge::with_store_paths(std::string text) const {
  std::string prefix = mirror_ + "/";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    size_t end = text.find_first_of(" \"'\n,;)", at);
    if (end == std::string::npos) end = text.size();
    std::string store = store_path(text.substr(at, end - at));
    text.replace(at, end - at, store);
    at += store.size();
  }
  return text;
}

Result<std::vector<storage::FileInfo>> FileBridge::glob(duckdb::Connection& connection, storage::FileSystem& fs,
                                                        const std::string& pattern) {
  if (!in_place(fs, pattern)) return storage::glob(fs, pattern);
  SILT_TRY_ASSIGN(auto listed, connection.query_varchar("SELECT file FROM glob(" + sql_string(pattern) + ") ORDER BY file"));
  std::vector<storage::FileInfo> files;
  for (const auto& row : listed.rows) {
    if (!row[0]) continue;
    storage::FileInfo file;
    file.path = *row[0];
    if (auto info = fs.stat(file.path)) file = std::move(*info);
    files.push_back(std::move(file));
  }
  return files;
}

Result<std::string> FileBridge::staging_directory(storage::FileSystem& fs, const std::string& root) {
  std::string name = "_silt_staging_" + replace_all(new_uuid(), "-", "");
  std::string directory;
  if (auto local = fs.local_path(root)) {
    SILT_TRY(fs.create_directories(root));
    directory = *local + "/" + name;
  } else {
    directory = directory_ + "/staging/" + name;
  }
  std::error_code error;
  stdfs::create_directories(directory, error);
  if (error) return make_error(ErrorCode::kIo, fmt::format("creating the staging directory {}: {}", directory, error.message()));
  return directory;
}

Status FileBridge::publish(storage::FileSystem& fs, const std::string& local, const std::string& path) {
  std::error_code error;
  if (auto target = fs.local_path(path)) {
    stdfs::create_directories(stdfs::path(*target).parent_path(), error);
    if (!error) stdfs::rename(local, *target, error);
    if (error) return make_error(ErrorCode::kIo, fmt::format("moving data file {} to {}: {}", local, path, error.message()));
    return Status();
  }
  std::ifstream in(local, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIo, fmt::format("opening the staged file {}", local));
  SILT_TRY_ASSIGN(auto stream, fs.open_write(path));
  std::string buffer(static_cast<size_t>(kChunkBytes), '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    std::streamsize got = in.gcount();
    if (got > 0) SILT_TRY(stream->append(std::string_view(buffer.data(), static_cast<size_t>(got))));
  }
  if (in.bad()) return make_error(ErrorCode::kIo, fmt::format("reading the staged file {}", local));
  SILT_TRY(stream->close());
  stdfs::remove(local, error);
  return Status();
}

void FileBridge::remove_staging(const std::string& directory) {
  std::error_code ignored;
  stdfs::remove_all(directory, ignored);
}

}  // namespace silt::engine
