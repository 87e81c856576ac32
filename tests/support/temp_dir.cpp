// TempDir implementation with std::filesystem (error_code overloads; tests must not throw here).
#include "support/temp_dir.h"

#include <filesystem>
#include <fstream>
#include <sstream>

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

std::string read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace silt::testing
