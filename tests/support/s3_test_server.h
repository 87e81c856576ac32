// Real S3 servers for tests, on 127.0.0.1:
// - s3rver (tests/servers/s3rver, with conditional writes added): started by the test itself in
//   ~0.3 s on a port the kernel picks, stopped by PID when the object goes;
// - Ceph radosgw (tests/servers/radosgw): ~14 s to start, so ctest starts one for the whole run
//   (the fixture `radosgw`, see CMakeLists.txt) and tests find it through its directory.
// A server that cannot start fails the test that needs it; nothing is skipped.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_file_system.h"
#include "support/temp_dir.h"

namespace silt::testing {

class S3TestServer {
 public:
  // A fresh s3rver. Errors name what failed (node missing, no "listening" line) and its output.
  // `conditional_writes` false: it ignores If-None-Match, as plain s3rver does.
  static Result<std::unique_ptr<S3TestServer>> start_s3rver(bool conditional_writes = true);
  // The radosgw the ctest fixture started (its endpoint file under SILT_RADOSGW_DIR).
  static Result<std::unique_ptr<S3TestServer>> radosgw();
  // A radosgw of its own under `dir` (tests/servers/radosgw/start, ~14 s), stopped by
  // tests/servers/radosgw/stop when the object goes. For benchmarks, which run outside ctest.
  static Result<std::unique_ptr<S3TestServer>> start_radosgw(const std::string& dir);

  ~S3TestServer();
  S3TestServer(const S3TestServer&) = delete;
  S3TestServer& operator=(const S3TestServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"
  const std::string& kind() const { return kind_; }          // "s3rver" or "radosgw"
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

  // Options for a client of this server: its endpoint, path-style, its credentials, fast retries.
  storage::s3::S3Options options() const;
  std::shared_ptr<storage::s3::S3Client> client() const;
  // A new bucket with a unique name ("silt-<prefix>-<random>").
  Result<std::string> create_bucket(const std::string& prefix = "t") const;
  // The environment (NAME=value) that points silt's S3 client at this server.
  std::vector<std::string> client_environment() const;

 private:
  S3TestServer() = default;

  std::string endpoint_;
  std::string kind_;
  std::string access_key_;
  std::string secret_key_;
  pid_t pid_ = -1;  // the s3rver we started; -1 for the fixture's radosgw
  std::string radosgw_dir_;  // a radosgw we started (start_radosgw), stopped by its script
  int output_fd_ = -1;
  std::unique_ptr<TempDir> dir_;
};

}  // namespace silt::testing
