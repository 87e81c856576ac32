// The S3 REST calls silt needs, signed with SigV4 and retried with jittered exponential backoff
// when S3 says so (5xx, 429, SlowDown, RequestTimeout) or the network failed. A call whose effect
// may have happened although no answer came back (a conditional PUT, a multipart completion) is
// never blindly sent again: put_object with if_none_match reads the key back and compares.
//
// Errors name the bucket and key, the S3 error code and HTTP status, and what to do:
// NotFound (NoSuchKey, NoSuchBucket), AlreadyExists (412 on a conditional write), Config (refused
// credentials, no permission, wrong region: the message says which region the bucket is in), Io
// (throttled or failing after every retry, an endpoint that does not speak S3), Timeout.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/s3/credentials.h"
#include "storage/s3/http.h"

namespace silt::storage::s3 {

struct S3Options {
  std::string region = "us-east-1";
  // "" for AWS (https://s3.<region>.amazonaws.com); otherwise an S3-compatible endpoint,
  // "http://127.0.0.1:9000" or "https://minio.internal".
  std::string endpoint;
  // Path-style addressing (endpoint/bucket/key) rather than virtual hosts (bucket.endpoint/key).
  bool path_style = false;
  std::shared_ptr<CredentialsProvider> credentials;
  int max_attempts = 8;                              // per call, the first included
  std::chrono::milliseconds retry_base{50};          // backoff: random in [0, min(cap, base * 2^n)]
  std::chrono::milliseconds retry_cap{5000};
  HttpOptions http;
};

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  int64_t modified_ms = 0;
  std::string etag;  // without quotes
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;  // with `delimiter`: the "sub-directories"
  bool truncated = false;
  std::string next_continuation_token;
};

struct CompletedPart {
  int number = 0;
  std::string etag;
};

// What a client did, for benchmarks and `silt storage check`.
struct S3Counters {
  int64_t requests = 0;
  int64_t retries = 0;
  int64_t bytes_received = 0;  // response bodies
  int64_t bytes_sent = 0;      // request bodies
};

class S3Client {
 public:
  explicit S3Client(S3Options options);

  const S3Options& options() const { return options_; }

  // The object, or the bytes [offset, offset + length) of it (fewer at its end). `info` receives
  // the object's size, ETag and modification time when given.
  Result<std::string> get_object(const std::string& bucket, const std::string& key,
                                 std::optional<std::pair<int64_t, int64_t>> range = std::nullopt,
                                 ObjectInfo* info = nullptr);
  Result<ObjectInfo> head_object(const std::string& bucket, const std::string& key);
  // The new object's ETag. With if_none_match, AlreadyExists when the key exists (If-None-Match: *).
  Result<std::string> put_object(const std::string& bucket, const std::string& key, std::string_view body,
                                 bool if_none_match = false);
  // One page of ListObjectsV2: keys under `prefix` after `start_after`, up to max_keys (<= 1000).
  Result<ListResult> list_objects(const std::string& bucket, const std::string& prefix, const std::string& delimiter,
                                  const std::string& start_after, const std::string& continuation_token,
                                  int max_keys = 1000);
  Status delete_object(const std::string& bucket, const std::string& key);
  // DeleteObjects, 1000 keys per request; a key that does not exist is not an error.
  Status delete_objects(const std::string& bucket, const std::vector<std::string>& keys);

  Result<std::string> create_multipart_upload(const std::string& bucket, const std::string& key);
  Result<std::string> upload_part(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                  int part_number, std::string_view body);
  // With if_none_match, AlreadyExists when the key exists (stores that ignore the condition on
  // completion, Ceph among them, overwrite instead).
  Result<std::string> complete_multipart_upload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id, const std::vector<CompletedPart>& parts,
                                                bool if_none_match = false);
  Status abort_multipart_upload(const std::string& bucket, const std::string& key, const std::string& upload_id);

  Status create_bucket(const std::string& bucket);

  S3Counters counters() const;

  // "s3://bucket/key".
  static std::string url_of(const std::string& bucket, const std::string& key);

 private:
  struct Call;
  Result<HttpResponse> perform(const Call& call);
  Result<HttpResponse> send_once(const Call& call);
  Error error_from(const Call& call, const HttpResponse& response) const;
  // Sleeps a random time in [0, min(cap, base * 2^attempt)] ("full jitter").
  void pause_before_retry(int attempt);
  Result<std::string> put_if_absent(const std::string& bucket, const std::string& key, std::string_view body);

  S3Options options_;
  HttpClient http_;
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // "127.0.0.1:9000", "s3.us-east-1.amazonaws.com"
  std::atomic<int64_t> requests_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> bytes_received_{0};
  std::atomic<int64_t> bytes_sent_{0};
};

}  // namespace silt::storage::s3
