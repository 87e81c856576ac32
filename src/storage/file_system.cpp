// Path helpers and the contract's default paging, shared by all FileSystem implementations.
#include "storage/file_system.h"

#include <algorithm>

namespace silt::storage {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<ListPage> FileSystem::list_page(const std::string& dir, const std::string& start_after, size_t max_files) {
  SILT_TRY_ASSIGN(auto files, list(dir));
  std::string after = base_name(start_after);
  ListPage page;
  for (auto& file : files) {
    if (!after.empty() && base_name(file.path) <= after) continue;
    if (page.files.size() == std::max<size_t>(max_files, 1)) {
      page.next_start_after = page.files.back().path;
      break;
    }
    page.files.push_back(std::move(file));
  }
  return page;
}

Result<std::vector<FileInfo>> list_after(FileSystem& fs, const std::string& dir, const std::string& start_after) {
  constexpr size_t kPageSize = 1000;  // as S3's ListObjectsV2
  std::vector<FileInfo> out;
  std::string next = start_after;
  while (true) {
    SILT_TRY_ASSIGN(auto page, fs.list_page(dir, next, kPageSize));
    for (auto& file : page.files) out.push_back(std::move(file));
    if (page.next_start_after.empty()) break;
    next = page.next_start_after;
  }
  return out;
}

std::string join_path(const std::string& base, const std::string& child) {
  if (base.empty()) return child;
  if (child.empty()) return base;
  bool base_slash = base.back() == '/';
  bool child_slash = child.front() == '/';
  if (base_slash && child_slash) return base + child.substr(1);
  if (base_slash || child_slash) return base + child;
  return base + "/" + child;
}

}  // namespace silt::storage
