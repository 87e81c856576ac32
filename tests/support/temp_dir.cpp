// TempDir implementation with std::filesystem (error_code overloads; tests must not throw here).
#include "support/temp_dir.h"

#include <filesystem>

#include "base/ids.h"

namespace silt::testing {

TempDir::TempDir() {
  path_ = (std::filesystem::temp_directory_path() / ("silt-test-" + new_uuid())).string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace silt::testing
