// A uniquely named directory under the system temp dir, removed with everything in it on destruction,
// and reading back a file a test wrote.
#pragma once

#include <string>

namespace silt::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The whole content of a file; "" when it cannot be read.
std::string read_file_text(const std::string& path);

}  // namespace silt::testing
