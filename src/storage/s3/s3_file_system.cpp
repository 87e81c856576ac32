// S3FileSystem: listing by prefix and delimiter, whole and ranged GETs, PUT or multipart writes.
#include "storage/s3/s3_file_system.h"

#include <algorithm>
#include <future>
#include <map>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "base/strings.h"
#include "storage/s3/conditional_writes.h"

namespace silt::storage::s3 {
namespace {

constexpr std::string_view kScheme = "s3://";

// The key prefix that lists the files inside `key` as a directory: "" for a bucket, "a/b/" otherwise.
std::string dir_prefix(std::string key) {
  if (!key.empty() && key.back() != '/') key.push_back('/');
  return key;
}

FileInfo file_info(const std::string& bucket, const ObjectInfo& object) {
  return FileInfo{"s3://" + bucket + "/" + object.key, object.size, object.modified_ms, object.etag};
}

// Uploads a file as a multipart upload: parts of part_size go up as they fill, up to
// parallel_parts at once; close() sends the rest and completes. Destroyed unclosed (or failing),
// it aborts the upload, so nothing appears. A file smaller than one part is one PUT.
class MultipartWriteStream : public WriteStream {
 public:
  MultipartWriteStream(std::shared_ptr<S3Client> client, S3Path path, std::string display, S3FileSystemOptions options)
      : client_(std::move(client)), path_(std::move(path)), display_(std::move(display)), options_(options) {
    options_.part_size = std::max<size_t>(options_.part_size, 5 << 20);
    options_.parallel_parts = std::max(options_.parallel_parts, 1);
  }

  ~MultipartWriteStream() override {
    for (auto& part : in_flight_) part.wait();
    if (!upload_id_.empty() && !completed_) (void)client_->abort_multipart_upload(path_.bucket, path_.key, upload_id_);
  }

  Status append(std::string_view data) override {
    if (closed_) return make_error(ErrorCode::kInternal, "append to the closed stream of " + display_);
    buffer_.append(data);
    while (buffer_.size() >= options_.part_size) {
      std::string part = buffer_.substr(0, options_.part_size);
      buffer_.erase(0, options_.part_size);
      SILT_TRY(send_part(std::move(part)));
    }
    return Status();
  }

  Status close() override {
    if (closed_) return make_error(ErrorCode::kInternal, "the stream of " + display_ + " is already closed");
    closed_ = true;
    if (upload_id_.empty()) return client_->put_object(path_.bucket, path_.key, buffer_).status();
    if (!buffer_.empty()) SILT_TRY(send_part(std::move(buffer_)));
    SILT_TRY(collect(0));
    std::sort(parts_.begin(), parts_.end(), [](const CompletedPart& a, const CompletedPart& b) { return a.number < b.number; });
    SILT_TRY(client_->complete_multipart_upload(path_.bucket, path_.key, upload_id_, parts_).status());
    completed_ = true;
    return Status();
  }

 private:
  Status send_part(std::string part) {
    if (upload_id_.empty()) {
      SILT_TRY_ASSIGN(upload_id_, client_->create_multipart_upload(path_.bucket, path_.key));
    }
    SILT_TRY(collect(static_cast<size_t>(options_.parallel_parts) - 1));
    int number = next_part_++;
    auto body = std::make_shared<std::string>(std::move(part));
    in_flight_.push_back(std::async(std::launch::async, [client = client_, path = path_, id = upload_id_, number, body] {
      return client->upload_part(path.bucket, path.key, id, number, *body);
    }));
    numbers_.push_back(number);
    return Status();
  }

  // Waits until at most `keep` parts are in flight; the first failure is returned.
  Status collect(size_t keep) {
    while (in_flight_.size() > keep) {
      Result<std::string> etag = in_flight_.front().get();
      in_flight_.erase(in_flight_.begin());
      int number = numbers_.front();
      numbers_.erase(numbers_.begin());
      if (!etag) return etag.error().with_context(fmt::format("uploading part {} of {}", number, display_));
      parts_.push_back({number, std::move(*etag)});
    }
    return Status();
  }

  std::shared_ptr<S3Client> client_;
  S3Path path_;
  std::string display_;
  S3FileSystemOptions options_;
  std::string buffer_;
  std::string upload_id_;
  int next_part_ = 1;
  std::vector<std::future<Result<std::string>>> in_flight_;
  std::vector<int> numbers_;
  std::vector<CompletedPart> parts_;
  bool closed_ = false;
  bool completed_ = false;
};

}  // namespace

bool is_s3_path(const std::string& path) { return starts_with(path, kScheme); }

Result<S3Path> parse_s3_path(const std::string& path) {
  if (!is_s3_path(path)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not an S3 path (s3://bucket/key)", path));
  }
  std::string rest = path.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Path out{rest.substr(0, slash), slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (out.bucket.empty()) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' names no bucket (s3://bucket/key)", path));
  }
  return out;
}

namespace {

// The bucket and key of a file path: a key that is empty or ends with '/' names no file.
Result<S3Path> parse_file_path(const std::string& path) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(path));
  if (where.key.empty() || where.key.back() == '/') {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a file path (it names a directory)", path));
  }
  return where;
}

}  // namespace

S3FileSystem::S3FileSystem(std::shared_ptr<S3Client> client, S3FileSystemOptions options)
    : client_(std::move(client)), options_(options) {}

Result<std::vector<FileInfo>> S3FileSystem::list_all(const std::string& dir, bool recursive) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(dir));
  std::string prefix = dir_prefix(where.key);
  std::vector<FileInfo> files;
  std::string token;
  do {
    SILT_TRY_ASSIGN(ListResult page, client_->list_objects(where.bucket, prefix, recursive ? "" : "/", "", token));
    for (const ObjectInfo& object : page.objects) {
      if (object.key.size() > prefix.size()) files.push_back(file_info(where.bucket, object));
    }
    token = page.truncated ? page.next_continuation_token : "";
  } while (!token.empty());
  std::sort(files.begin(), files.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return files;
}

Result<std::vector<FileInfo>> S3FileSystem::list(const std::string& dir) { return list_all(dir, false); }

Result<std::vector<FileInfo>> S3FileSystem::list_recursive(const std::string& dir) { return list_all(dir, true); }

Result<ListPage> S3FileSystem::list_page(const std::string& dir, const std::string& start_after, size_t max_files) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(dir));
  std::string prefix = dir_prefix(where.key);
  std::string after = start_after.empty() ? "" : prefix + base_name(start_after);
  int wanted = static_cast<int>(std::clamp<size_t>(max_files, 1, 1000));
  ListPage page;
  std::string token;
  // A page of keys may hold only sub-directories: go on until files or the end.
  do {
    SILT_TRY_ASSIGN(ListResult listed,
                    client_->list_objects(where.bucket, prefix, "/", token.empty() ? after : "", token, wanted));
    for (const ObjectInfo& object : listed.objects) {
      if (object.key.size() > prefix.size()) page.files.push_back(file_info(where.bucket, object));
    }
    token = listed.truncated ? listed.next_continuation_token : "";
  } while (page.files.empty() && !token.empty());
  if (!token.empty()) page.next_start_after = page.files.back().path;
  return page;
}

Result<FileInfo> S3FileSystem::stat(const std::string& path) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(path));
  if (where.key.empty() || where.key.back() == '/') {
    return make_error(ErrorCode::kNotFound, fmt::format("{} is not a file", path));
  }
  SILT_TRY_ASSIGN(ObjectInfo object, client_->head_object(where.bucket, where.key));
  return FileInfo{path, object.size, object.modified_ms, object.etag};
}

Result<bool> S3FileSystem::exists(const std::string& path) {
  Result<FileInfo> info = stat(path);
  if (info) return true;
  if (info.error().code() == ErrorCode::kNotFound) return false;
  return info.error();
}

Result<std::string> S3FileSystem::read(const std::string& path) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(path));
  if (where.key.empty()) return make_error(ErrorCode::kNotFound, fmt::format("{} is not a file", path));
  return client_->get_object(where.bucket, where.key);
}

Result<std::string> S3FileSystem::read_range(const std::string& path, int64_t offset, int64_t length) {
  SILT_TRY_ASSIGN(S3Path where, parse_s3_path(path));
  if (where.key.empty()) return make_error(ErrorCode::kNotFound, fmt::format("{} is not a file", path));
  if (offset < 0 || length < 0) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("negative range {}+{} of {}", offset, length, path));
  }
  if (length == 0) {
    SILT_TRY(client_->head_object(where.bucket, where.key).status());
    return std::string();
  }
  return client_->get_object(where.bucket, where.key, std::make_pair(offset, length));
}

Status S3FileSystem::write(const std::string& path, const std::string& data) {
  SILT_TRY_ASSIGN(S3Path where, parse_file_path(path));
  if (data.size() <= options_.multipart_threshold) return client_->put_object(where.bucket, where.key, data).status();
  SILT_TRY_ASSIGN(auto stream, open_write(path));
  SILT_TRY(stream->append(data));
  return stream->close();
}

Result<bool> S3FileSystem::conditional_writes_enforced(const std::string& bucket, const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = enforced_.find(bucket);
    if (it != enforced_.end()) return it->second;
  }
  // Next to the table (not inside its log), where the writer may write.
  std::string prefix = key.substr(0, key.rfind('/') + 1);
  if (ends_with(prefix, "_delta_log/")) prefix.resize(prefix.size() - std::string("_delta_log/").size());
  SILT_TRY_ASSIGN(auto probe, probe_conditional_writes(*client_, bucket, prefix));
  std::lock_guard<std::mutex> lock(mutex_);
  enforced_[bucket] = probe.enforced;
  return probe.enforced;
}

Status S3FileSystem::put_if_absent(const std::string& path, const std::string& data) {
  SILT_TRY_ASSIGN(S3Path where, parse_file_path(path));
  SILT_TRY_ASSIGN(bool enforced, conditional_writes_enforced(where.bucket, where.key));
  if (enforced) return client_->put_object(where.bucket, where.key, data, true).status();
  if (options_.commit_lock.empty()) {
    return make_error(ErrorCode::kUnsupported,
                      fmt::format("cannot commit {}: the store at {} does not enforce If-None-Match: * on PUT (silt "
                                  "tried it on a scratch key), so two writers could both write this version; use a "
                                  "store that does (AWS S3, Ceph radosgw, MinIO), or name a commit lock that every "
                                  "writer shares (s3: {{commit_lock: /path/to/file}}, writers on one machine only)",
                                  path, client_->options().endpoint.empty() ? "AWS" : client_->options().endpoint))
        .set_option("s3.commit_lock", "a local file every writer locks around its commits");
  }
  SILT_TRY_ASSIGN(auto lock, CommitLock::acquire(options_.commit_lock));
  auto existing = client_->head_object(where.bucket, where.key);
  if (existing) return make_error(ErrorCode::kAlreadyExists, fmt::format("{} already exists", path));
  if (existing.error().code() != ErrorCode::kNotFound) return std::move(existing).error();
  return client_->put_object(where.bucket, where.key, data, false).status();
}

Status S3FileSystem::remove(const std::string& path) {
  SILT_TRY_ASSIGN(S3Path where, parse_file_path(path));
  return client_->delete_object(where.bucket, where.key);
}

Status S3FileSystem::remove_many(const std::vector<std::string>& paths) {
  std::map<std::string, std::vector<std::string>> by_bucket;
  for (const std::string& path : paths) {
    SILT_TRY_ASSIGN(S3Path where, parse_file_path(path));
    by_bucket[where.bucket].push_back(where.key);
  }
  for (const auto& [bucket, keys] : by_bucket) SILT_TRY(client_->delete_objects(bucket, keys));
  return Status();
}

Result<std::unique_ptr<WriteStream>> S3FileSystem::open_write(const std::string& path) {
  SILT_TRY_ASSIGN(S3Path where, parse_file_path(path));
  return std::unique_ptr<WriteStream>(std::make_unique<MultipartWriteStream>(client_, where, path, options_));
}

Status S3FileSystem::create_directories(const std::string& dir) { return parse_s3_path(dir).status(); }

Status S3FileSystem::set_modified_ms(const std::string& path, int64_t) {
  return make_error(ErrorCode::kUnsupported,
                    fmt::format("cannot set the modification time of {}: S3 sets it when an object is written", path));
}

}  // namespace silt::storage::s3
