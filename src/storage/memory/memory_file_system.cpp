// MemoryFileSystem: the FileSystem contract over one std::map under one mutex. Errors mirror what
// LocalFileSystem reports for the same situation, so tests written against one hold for the other.
#include "storage/memory/memory_file_system.h"

#include <algorithm>

#include "base/clock.h"
#include "base/strings.h"

namespace silt::storage {
namespace {

std::string collapse_slashes(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

Result<std::string> normalize_file_path(const std::string& path) {
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "empty file path");
  if (path.back() == '/') {
    return make_error(ErrorCode::kInvalidArgument, "file path '" + path + "' ends with '/'");
  }
  return collapse_slashes(path);
}

Result<std::string> normalize_dir(const std::string& dir) {
  if (dir.empty()) return make_error(ErrorCode::kInvalidArgument, "empty directory path");
  std::string key = collapse_slashes(dir);
  if (key.size() > 1 && key.back() == '/') key.pop_back();
  return key;
}

// The prefix every file directly or indirectly inside `dir_key` starts with.
std::string child_prefix(const std::string& dir_key) { return dir_key == "/" ? dir_key : dir_key + "/"; }

Error not_found(const std::string& path) {
  return make_error(ErrorCode::kNotFound, "no such file '" + path + "'");
}

}  // namespace

bool MemoryFileSystem::is_directory_locked(const std::string& key) const {
  std::string prefix = child_prefix(key);
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && starts_with(it->first, prefix);
}

Status MemoryFileSystem::check_creatable_locked(const std::string& key, const std::string& path) const {
  for (size_t slash = key.find('/', 1); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    if (files_.count(key.substr(0, slash)) > 0) {
      return make_error(ErrorCode::kIo, "creating '" + path + "': '" + key.substr(0, slash) + "' is a file, not a directory");
    }
  }
  if (is_directory_locked(key)) return make_error(ErrorCode::kIo, "creating '" + path + "': is a directory");
  return Status();
}

Result<std::vector<FileInfo>> MemoryFileSystem::list_files(const std::string& dir, bool recursive) {
  SILT_TRY_ASSIGN(std::string key, normalize_dir(dir));
  std::string prefix = child_prefix(key);
  std::vector<FileInfo> files;
  std::lock_guard<std::mutex> lock(mutex_);
  // Keys share `prefix`, so map order is path order.
  for (auto it = files_.lower_bound(prefix); it != files_.end() && starts_with(it->first, prefix); ++it) {
    std::string relative = it->first.substr(prefix.size());
    if (!recursive && relative.find('/') != std::string::npos) continue;
    files.push_back(FileInfo{join_path(dir, relative), static_cast<int64_t>(it->second.data.size()),
                             it->second.modified_ms, std::to_string(it->second.generation)});
  }
  return files;
}

Result<std::vector<FileInfo>> MemoryFileSystem::list(const std::string& dir) { return list_files(dir, false); }

Result<ListPage> MemoryFileSystem::list_page(const std::string& dir, const std::string& start_after, size_t max_files) {
  SILT_TRY_ASSIGN(std::string key, normalize_dir(dir));
  std::string prefix = child_prefix(key);
  std::string after = base_name(start_after);
  max_files = std::max<size_t>(max_files, 1);
  ListPage page;
  std::lock_guard<std::mutex> lock(mutex_);
  // Map order is path order: start just past `start_after` instead of at the directory's first file.
  auto it = after.empty() ? files_.lower_bound(prefix) : files_.upper_bound(prefix + after);
  for (; it != files_.end() && starts_with(it->first, prefix); ++it) {
    std::string relative = it->first.substr(prefix.size());
    if (relative.find('/') != std::string::npos) continue;
    if (page.files.size() == max_files) {
      page.next_start_after = page.files.back().path;
      break;
    }
    page.files.push_back(FileInfo{join_path(dir, relative), static_cast<int64_t>(it->second.data.size()),
                                  it->second.modified_ms, std::to_string(it->second.generation)});
  }
  return page;
}

Result<std::vector<FileInfo>> MemoryFileSystem::list_recursive(const std::string& dir) {
  return list_files(dir, true);
}

Result<FileInfo> MemoryFileSystem::stat(const std::string& path) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return not_found(path);
  return FileInfo{path, static_cast<int64_t>(it->second.data.size()), it->second.modified_ms,
                  std::to_string(it->second.generation)};
}

Result<bool> MemoryFileSystem::exists(const std::string& path) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  return files_.count(key) > 0;
}

Result<std::string> MemoryFileSystem::read(const std::string& path) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return not_found(path);
  return it->second.data;
}

Result<std::string> MemoryFileSystem::read_range(const std::string& path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) {
    return make_error(ErrorCode::kInvalidArgument, "negative range (offset " + std::to_string(offset) +
                                                       ", length " + std::to_string(length) + ") for '" +
                                                       path + "'");
  }
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return not_found(path);
  const std::string& data = it->second.data;
  if (offset >= static_cast<int64_t>(data.size())) return std::string();
  return data.substr(static_cast<size_t>(offset), static_cast<size_t>(std::min<int64_t>(length, static_cast<int64_t>(data.size()) - offset)));
}

Status MemoryFileSystem::write(const std::string& path, const std::string& data) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  int64_t modified = now_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  SILT_TRY(check_creatable_locked(key, path));
  files_[key] = Entry{data, modified, ++writes_};
  return Status();
}

Status MemoryFileSystem::put_if_absent(const std::string& path, const std::string& data) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  int64_t modified = now_ms();
  std::lock_guard<std::mutex> lock(mutex_);
  if (files_.count(key) > 0 || is_directory_locked(key)) {
    return make_error(ErrorCode::kAlreadyExists, "'" + path + "' already exists");
  }
  SILT_TRY(check_creatable_locked(key, path));
  files_.emplace(key, Entry{data, modified, ++writes_});
  return Status();
}

Status MemoryFileSystem::remove(const std::string& path) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  if (files_.erase(key) == 0 && is_directory_locked(key)) {
    return make_error(ErrorCode::kIo, "removing '" + path + "': is a directory");
  }
  return Status();
}

Status MemoryFileSystem::create_directories(const std::string& dir) {
  SILT_TRY_ASSIGN(std::string key, normalize_dir(dir));
  std::lock_guard<std::mutex> lock(mutex_);
  if (files_.count(key) > 0) {
    return make_error(ErrorCode::kIo, "creating directory '" + dir + "': a file exists there");
  }
  for (size_t slash = key.find('/', 1); slash != std::string::npos; slash = key.find('/', slash + 1)) {
    if (files_.count(key.substr(0, slash)) > 0) {
      return make_error(ErrorCode::kIo, "creating directory '" + dir + "': '" + key.substr(0, slash) +
                                            "' is a file, not a directory");
    }
  }
  return Status();
}

Status MemoryFileSystem::set_modified_ms(const std::string& path, int64_t modified_ms) {
  SILT_TRY_ASSIGN(std::string key, normalize_file_path(path));
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = files_.find(key);
  if (it == files_.end()) return not_found(path);
  it->second.modified_ms = modified_ms;
  return Status();
}

}  // namespace silt::storage
