// The storage contract on S3: paths "s3://bucket/key", directories are key prefixes ending in '/'.
// put_if_absent is a PUT with If-None-Match: * (the commit primitive). The first one in a bucket
// tries the condition on a scratch key; a store that does not enforce it is refused for commits
// unless a commit lock is named. Large writes and open_write() go up as multipart uploads
// with parts sent in parallel, nothing visible until the upload completes.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/file_system.h"
#include "storage/s3/s3_client.h"

namespace silt::storage::s3 {

struct S3FileSystemOptions {
  size_t multipart_threshold = 16 << 20;  // write() above this size goes up in parts
  size_t part_size = 8 << 20;             // S3's minimum is 5 MiB (but for the last part)
  int parallel_parts = 4;                 // parts of one upload in flight at once
  // A local file whose lock orders commits on a store that does not enforce If-None-Match: *
  // (conditional_writes.h); "" refuses commits there.
  std::string commit_lock;
};

// "s3://bucket/key" -> {bucket, key}; InvalidArgument naming the path otherwise.
struct S3Path {
  std::string bucket;
  std::string key;
};
Result<S3Path> parse_s3_path(const std::string& path);
bool is_s3_path(const std::string& path);

class S3FileSystem : public FileSystem {
 public:
  explicit S3FileSystem(std::shared_ptr<S3Client> client, S3FileSystemOptions options = {});

  S3Client& client() { return *client_; }
  const S3FileSystemOptions& options() const { return options_; }

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
  // Nothing to do: S3 has no directories.
  Status create_directories(const std::string& dir) override;
  // Unsupported: S3 sets modification times itself.
  Status set_modified_ms(const std::string& path, int64_t modified_ms) override;

 private:
  Result<std::vector<FileInfo>> list_all(const std::string& dir, bool recursive);
  // Whether `bucket` enforces If-None-Match: * on PUT, probed next to `key` once per bucket.
  Result<bool> conditional_writes_enforced(const std::string& bucket, const std::string& key);

  std::shared_ptr<S3Client> client_;
  S3FileSystemOptions options_;
  std::mutex mutex_;                              // guards enforced_
  std::map<std::string, bool> enforced_;          // by bucket
};

}  // namespace silt::storage::s3
