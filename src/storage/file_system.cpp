// Path joining shared by all FileSystem implementations.
#include "storage/file_system.h"

namespace silt::storage {

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
