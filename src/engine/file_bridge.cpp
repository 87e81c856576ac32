// Store paths are mirrored below "silt-store://<mount>": "s3://bucket/key" becomes
// "silt-store://3/s3:/bucket/key", "/lake/t/x.parquet" becomes "silt-store://2/lake/t/x.parquet".
// A mount is one file system, with immutable files or not. The staging directories of other stores
// are names "<root>/_silt_staging_<id>" below a mount that resolve to <root> itself.
#include "engine/file_bridge.h"

#include <filesystem>
#include <regex>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strings.h"
#include "storage/glob.h"

namespace silt::engine {
namespace {

namespace stdfs = std::filesystem;

constexpr std::string_view kScheme = "silt-store://";
constexpr std::string_view kRoutedScheme = "s3://";
constexpr std::string_view kStagingSegment = "/_silt_staging_";

// "s3://bucket/key" -> "/s3:/bucket/key"; "/data/x" stays.
std::string mirrored(const std::string& path) {
  size_t scheme = path.find("://");
  if (scheme != std::string::npos && scheme > 0) return "/" + path.substr(0, scheme) + ":/" + path.substr(scheme + 3);
  return path.empty() || path.front() != '/' ? "/" + path : path;
}

std::string unmirrored(const std::string& rest) {
  static const std::regex kMirroredScheme("^/([a-z][a-z0-9+.-]*):/");
  std::smatch match;
  if (std::regex_search(rest, match, kMirroredScheme)) return match[1].str() + "://" + rest.substr(match[0].length());
  return rest;
}

// The mount number and the mirrored rest of a DuckDB path of a store file.
struct Parsed {
  size_t mount = 0;
  std::string rest;
};
std::optional<Parsed> parse(const std::string& path) {
  if (path.compare(0, kScheme.size(), kScheme) != 0) return std::nullopt;
  size_t at = kScheme.size();
  size_t end = at;
  while (end < path.size() && path[end] >= '0' && path[end] <= '9') ++end;
  if (end == at || end - at > 9 || end >= path.size() || path[end] != '/') return std::nullopt;
  return Parsed{static_cast<size_t>(std::stoul(path.substr(at, end - at))), path.substr(end)};
}

// A store path with a staging segment ("<root>/_silt_staging_<id>/rest") as the path it stands for.
std::string without_staging(const std::string& path) {
  size_t at = path.find(kStagingSegment);
  if (at == std::string::npos) return path;
  size_t next = path.find('/', at + 1);
  return path.substr(0, at) + (next == std::string::npos ? "" : path.substr(next));
}

}  // namespace

bool FileBridge::in_place(const storage::FileSystem& fs, const std::string& path) {
  return fs.local_path(path).has_value();
}

std::string FileBridge::mount_prefix(storage::FileSystem& fs, bool immutable) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_pair(static_cast<const storage::FileSystem*>(&fs), immutable);
  auto it = mount_numbers_.find(key);
  size_t number;
  if (it != mount_numbers_.end()) {
    number = it->second;
  } else {
    number = mounts_.size();
    mounts_.push_back(Mount{&fs, immutable});
    mount_numbers_[key] = number;
  }
  return std::string(kScheme) + std::to_string(number);
}

Result<std::string> FileBridge::readable(storage::FileSystem& fs, const std::string& path, bool immutable) {
  if (auto local = fs.local_path(path)) return *local;
  return mount_prefix(fs, immutable) + mirrored(path);
}

Result<std::vector<std::string>> FileBridge::readable(storage::FileSystem& fs, const std::vector<std::string>& paths,
                                                      bool immutable) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    SILT_TRY_ASSIGN(auto readable_path, readable(fs, path, immutable));
    out.push_back(std::move(readable_path));
  }
  return out;
}

std::string FileBridge::store_path(const std::string& duckdb_path) const {
  auto parsed = parse(duckdb_path);
  if (!parsed) return duckdb_path;
  return unmirrored(parsed->rest);
}

std::string FileBridge::store_path_sql(const std::string& expression) const {
  std::string scheme(kScheme);
  return fmt::format("CASE WHEN starts_with({0}, {1}) THEN regexp_replace(regexp_replace({0}, {2}, ''), "
                     "'^/([a-z][a-z0-9+.-]*):/', '\\1://') ELSE {0} END",
                     expression, sql_string(scheme), sql_string("^" + scheme + "[0-9]+"));
}

std::string FileBridge::with_store_paths(std::string text) const {
  for (size_t at = text.find(kScheme); at != std::string::npos; at = text.find(kScheme, at)) {
    size_t end = text.find_first_of(" \"'\n,;)", at);
    if (end == std::string::npos) end = text.size();
    std::string store = store_path(text.substr(at, end - at));
    text.replace(at, end - at, store);
    at += store.size();
  }
  return text;
}

void FileBridge::route_uris_to(storage::FileSystem& fs) {
  std::lock_guard<std::mutex> lock(mutex_);
  uri_store_ = &fs;
}

bool FileBridge::handles(const std::string& path) const {
  if (parse(path)) return true;
  std::lock_guard<std::mutex> lock(mutex_);
  return uri_store_ != nullptr && path.compare(0, kRoutedScheme.size(), kRoutedScheme) == 0;
}

Result<duckdb::StoreFile> FileBridge::resolve(const std::string& path) const {
  auto parsed = parse(path);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!parsed && uri_store_ != nullptr && path.compare(0, kRoutedScheme.size(), kRoutedScheme) == 0) {
    return duckdb::StoreFile{uri_store_, path, false};
  }
  if (!parsed || parsed->mount >= mounts_.size()) {
    return make_error(ErrorCode::kNotFound, fmt::format("{} names no store file silt opened", path));
  }
  const Mount& mount = mounts_[parsed->mount];
  return duckdb::StoreFile{mount.fs, without_staging(unmirrored(parsed->rest)), mount.immutable};
}

std::string FileBridge::duckdb_path(const std::string& like, const std::string& store_path) const {
  auto parsed = parse(like);
  if (!parsed) return store_path;
  return std::string(kScheme) + std::to_string(parsed->mount) + mirrored(store_path);
}

void FileBridge::opened_for_write(const std::string& path, const duckdb::StoreFile& file) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [directory, staging] : staging_) {
    if (path.size() > directory.size() && path.compare(0, directory.size(), directory) == 0 &&
        path[directory.size()] == '/') {
      staging.pending.insert(file.path);
      return;
    }
  }
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
  std::string name = std::string(kStagingSegment.substr(1)) + replace_all(new_uuid(), "-", "");
  SILT_TRY(fs.create_directories(root));
  if (auto local = fs.local_path(root)) {
    std::string directory = *local + "/" + name;
    std::error_code error;
    stdfs::create_directories(directory, error);
    if (error) return make_error(ErrorCode::kIo, fmt::format("creating the staging directory {}: {}", directory, error.message()));
    return directory;
  }
  std::string directory = mount_prefix(fs, /*immutable=*/false) + mirrored(root) + "/" + name;
  std::lock_guard<std::mutex> lock(mutex_);
  staging_[directory] = Staging{&fs, {}};
  return directory;
}

Status FileBridge::publish(storage::FileSystem& fs, const std::string& staged, const std::string& path) {
  if (handles(staged)) {
    // Written in place already; it is no longer the staging directory's to remove.
    SILT_TRY_ASSIGN(auto file, resolve(staged));
    if (file.fs != &fs || file.path != path) {
      return make_error(ErrorCode::kInternal, fmt::format("the staged file {} is {}, not {}", staged, file.path, path));
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [directory, staging] : staging_) staging.pending.erase(path);
    return Status();
  }
  auto target = fs.local_path(path);
  if (!target) return make_error(ErrorCode::kInternal, fmt::format("{} is not a staged file of a store", staged));
  std::error_code error;
  stdfs::create_directories(stdfs::path(*target).parent_path(), error);
  if (!error) stdfs::rename(staged, *target, error);
  if (error) return make_error(ErrorCode::kIo, fmt::format("moving data file {} to {}: {}", staged, path, error.message()));
  return Status();
}

void FileBridge::remove_staging(const std::string& directory) {
  if (!handles(directory)) {
    std::error_code ignored;
    stdfs::remove_all(directory, ignored);
    return;
  }
  Staging staging;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = staging_.find(directory);
    if (it == staging_.end()) return;
    staging = std::move(it->second);
    staging_.erase(it);
  }
  if (!staging.pending.empty()) {
    (void)staging.fs->remove_many(std::vector<std::string>(staging.pending.begin(), staging.pending.end()));
  }
}

}  // namespace silt::engine
