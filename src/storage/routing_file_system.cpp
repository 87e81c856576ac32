// Dispatch by scheme.
#include "storage/routing_file_system.h"

#include <cstdlib>

namespace silt::storage {

Status RoutingFileSystem::set_s3_settings(s3::S3Settings settings) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (s3_) return make_error(ErrorCode::kInternal, "S3 settings changed after the S3 client was made");
  settings_ = std::move(settings);
  return Status();
}

s3::S3FileSystem& RoutingFileSystem::s3() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!s3_) {
    s3::S3FileSystemOptions options;
    if (settings_.commit_lock) {
      options.commit_lock = *settings_.commit_lock;
    } else if (const char* lock = std::getenv("SILT_S3_COMMIT_LOCK")) {
      options.commit_lock = lock;
    }
    s3_ = std::make_unique<s3::S3FileSystem>(std::make_shared<s3::S3Client>(s3::resolve_s3_options(settings_)),
                                             options);
  }
  return *s3_;
}

FileSystem& RoutingFileSystem::route(const std::string& path) {
  if (s3::is_s3_path(path)) return s3();
  return local_;
}

Result<std::vector<FileInfo>> RoutingFileSystem::list(const std::string& dir) { return route(dir).list(dir); }
Result<ListPage> RoutingFileSystem::list_page(const std::string& dir, const std::string& start_after,
                                              size_t max_files) {
  return route(dir).list_page(dir, start_after, max_files);
}
Result<std::vector<FileInfo>> RoutingFileSystem::list_recursive(const std::string& dir) {
  return route(dir).list_recursive(dir);
}
Result<FileInfo> RoutingFileSystem::stat(const std::string& path) { return route(path).stat(path); }
Result<bool> RoutingFileSystem::exists(const std::string& path) { return route(path).exists(path); }
Result<std::string> RoutingFileSystem::read(const std::string& path) { return route(path).read(path); }
Result<std::string> RoutingFileSystem::read_range(const std::string& path, int64_t offset, int64_t length) {
  return route(path).read_range(path, offset, length);
}
Status RoutingFileSystem::write(const std::string& path, const std::string& data) {
  return route(path).write(path, data);
}
Status RoutingFileSystem::put_if_absent(const std::string& path, const std::string& data) {
  return route(path).put_if_absent(path, data);
}
Status RoutingFileSystem::remove(const std::string& path) { return route(path).remove(path); }
Status RoutingFileSystem::remove_many(const std::vector<std::string>& paths) {
  std::vector<std::string> on_s3;
  std::vector<std::string> on_disk;
  for (const std::string& path : paths) (s3::is_s3_path(path) ? on_s3 : on_disk).push_back(path);
  if (!on_disk.empty()) SILT_TRY(local_.remove_many(on_disk));
  if (!on_s3.empty()) SILT_TRY(s3().remove_many(on_s3));
  return Status();
}
Result<std::unique_ptr<WriteStream>> RoutingFileSystem::open_write(const std::string& path) {
  return route(path).open_write(path);
}
Status RoutingFileSystem::create_directories(const std::string& dir) { return route(dir).create_directories(dir); }
Status RoutingFileSystem::set_modified_ms(const std::string& path, int64_t modified_ms) {
  return route(path).set_modified_ms(path, modified_ms);
}
std::optional<std::string> RoutingFileSystem::local_path(const std::string& path) const {
  if (s3::is_s3_path(path)) return std::nullopt;
  return local_.local_path(path);
}

}  // namespace silt::storage
