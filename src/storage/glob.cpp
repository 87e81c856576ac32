// Glob matching component by component: fnmatch(3) within a component, "**" across them.
#include "storage/glob.h"

#include <fnmatch.h>

#include <algorithm>

namespace silt::storage {
namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool match_from(const std::vector<std::string>& pattern, size_t p, const std::vector<std::string>& path, size_t i) {
  if (p == pattern.size()) return i == path.size();
  if (pattern[p] == "**") {
    for (size_t skip = i; skip <= path.size(); ++skip) {
      if (match_from(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  if (i == path.size()) return false;
  if (::fnmatch(pattern[p].c_str(), path[i].c_str(), FNM_PERIOD) != 0) return false;
  return match_from(pattern, p + 1, path, i + 1);
}

// The scheme and authority of "s3://bucket/..." ("s3://bucket"), "" for plain paths.
std::string location_prefix(const std::string& path) {
  size_t scheme = path.find("://");
  if (scheme == std::string::npos) return "";
  size_t slash = path.find('/', scheme + 3);
  return slash == std::string::npos ? path : path.substr(0, slash);
}

}  // namespace

bool has_wildcard(const std::string& pattern) { return pattern.find_first_of("*?[") != std::string::npos; }

bool glob_match(const std::string& pattern, const std::string& path) {
  std::string prefix = location_prefix(pattern);
  if (prefix != location_prefix(path)) return false;
  return match_from(components(pattern.substr(prefix.size())), 0, components(path.substr(prefix.size())), 0);
}

Result<std::vector<FileInfo>> glob(FileSystem& fs, const std::string& pattern) {
  std::vector<FileInfo> out;
  if (!has_wildcard(pattern)) {
    auto info = fs.stat(pattern);
    if (info) {
      out.push_back(std::move(*info));
    } else if (info.error().code() != ErrorCode::kNotFound) {
      return std::move(info).error();
    }
    return out;
  }
  // The directories before the first wildcard are listed; a single wildcard component at the end
  // needs only that directory's files.
  size_t wildcard = pattern.find_first_of("*?[");
  size_t slash = pattern.rfind('/', wildcard);
  std::string dir = slash == std::string::npos ? "." : pattern.substr(0, slash);
  if (dir.empty()) dir = "/";
  bool last_component = pattern.find('/', wildcard) == std::string::npos && pattern.find("**") == std::string::npos;
  SILT_TRY_ASSIGN(auto listed, last_component ? fs.list(dir) : fs.list_recursive(dir));
  for (auto& file : listed) {
    if (glob_match(pattern, file.path)) out.push_back(std::move(file));
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace silt::storage
