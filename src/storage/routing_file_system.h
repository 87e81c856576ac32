// The file system commands use: "s3://bucket/key" paths go to S3, every other path to the local
// disk. The S3 client is made on the first s3:// path, from the settings given by then (a project's
// `s3:` block) over the standard AWS environment.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/file_system.h"
#include "storage/local/local_file_system.h"
#include "storage/s3/s3_file_system.h"
#include "storage/s3/s3_settings.h"

namespace silt::storage {

class RoutingFileSystem : public FileSystem {
 public:
  RoutingFileSystem() = default;

  // The S3 settings to use; Internal error once an S3 client exists (settings apply to a whole run).
  Status set_s3_settings(s3::S3Settings settings);
  // The S3 file system, made now if need be.
  s3::S3FileSystem& s3();

  Result<std::vector<FileInfo>> list(const std::string& dir) override;
  Result<ListPage> list_page(const std::string& dir, const std::string& start_after, size_t max_files) override;
  Result<std::vector<FileInfo>> list_recursive(const std::string& dir) override;
  Result<FileInfo> stat(const std::string& path) override;
  Result<bool> exists(const std::string& path) override;
  Result<std::string> read(const std::string& path) override;
  Result<std::string> read_range(const std::string& path, int64_t offset, int64_t length) override;
  Status write(const std::string& path, const std::string& data) override;
  Status put_if_absent(const std::string& path, const std::string& data) override;
  Status remove(const std::string& path) override;
  Status remove_many(const std::vector<std::string>& paths) override;
  Result<std::unique_ptr<WriteStream>> open_write(const std::string& path) override;
  Status create_directories(const std::string& dir) override;
  Status set_modified_ms(const std::string& path, int64_t modified_ms) override;
  std::optional<std::string> local_path(const std::string& path) const override;

 private:
  FileSystem& route(const std::string& path);

  LocalFileSystem local_;
  std::mutex mutex_;
  s3::S3Settings settings_;
  std::unique_ptr<s3::S3FileSystem> s3_;
};

}  // namespace silt::storage
