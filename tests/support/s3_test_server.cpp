// Starting s3rver as a child process (its stdout read until "listening http://..."), and finding
// the fixture's radosgw.
#include "support/s3_test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "support/run_command.h"

namespace silt::testing {
namespace {

constexpr const char* kListening = "listening ";

std::string random_suffix() {
  static std::atomic<int> counter{0};
  std::mt19937_64 random(std::random_device{}());
  return fmt::format("{:x}-{}-{}", random() & 0xffffff, ::getpid(), counter++);
}

}  // namespace

Result<std::unique_ptr<S3TestServer>> S3TestServer::start_s3rver(bool conditional_writes) {
  std::unique_ptr<S3TestServer> server(new S3TestServer());
  server->kind_ = "s3rver";
  server->access_key_ = "S3RVER";
  server->secret_key_ = "S3RVER";
  server->dir_ = std::make_unique<TempDir>();
  std::string script = std::string(SILT_SOURCE_DIR) + "/tests/servers/s3rver/server.js";
  if (::access((std::string(SILT_SOURCE_DIR) + "/tests/servers/s3rver/node_modules/s3rver").c_str(), F_OK) != 0) {
    return make_error(ErrorCode::kConfig, "s3rver is not installed in tests/servers/s3rver/node_modules: run scripts/bootstrap");
  }
  int out[2];
  if (::pipe(out) != 0) return make_error(ErrorCode::kIo, "pipe() failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::close(out[0]);
    ::close(out[1]);
    std::string dir = server->dir_->path();
    ::execlp("node", "node", "--openssl-legacy-provider", script.c_str(), "--dir", dir.c_str(), "--port", "0",
             conditional_writes ? static_cast<char*>(nullptr) : "--ignore-conditions", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  server->pid_ = pid;
  // Kept open until the server stops: a closed pipe would break it on its next line of output.
  server->output_fd_ = out[0];
  std::string output;
  int64_t deadline = monotonic_ns() + int64_t{20} * 1000 * 1000 * 1000;
  char buffer[4096];
  while (output.find('\n', output.find(kListening) == std::string::npos ? output.size() : output.find(kListening)) ==
         std::string::npos) {
    int64_t left_ms = (deadline - monotonic_ns()) / 1000000;
    pollfd fd{out[0], POLLIN, 0};
    if (left_ms <= 0 || ::poll(&fd, 1, static_cast<int>(left_ms)) <= 0) break;
    ssize_t n = ::read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  size_t at = output.find(kListening);
  if (at == std::string::npos) {
    return make_error(ErrorCode::kIo, fmt::format("s3rver did not start (node {}): {}", script, output));
  }
  size_t end = output.find('\n', at);
  server->endpoint_ = output.substr(at + std::string(kListening).size(), end - at - std::string(kListening).size());
  return server;
}

Result<std::unique_ptr<S3TestServer>> S3TestServer::radosgw() {
  std::string dir = SILT_RADOSGW_DIR;
  std::string text = read_file_text(dir + "/endpoint");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty()) {
    return make_error(ErrorCode::kIo, fmt::format("radosgw is not running: no {}/endpoint. ctest starts it (the "
                                                  "fixture test radosgw_start); when running a test binary by hand, "
                                                  "run tests/servers/radosgw/start {} first",
                                                  dir, dir));
  }
  std::unique_ptr<S3TestServer> server(new S3TestServer());
  server->kind_ = "radosgw";
  server->access_key_ = "SILTTEST";
  server->secret_key_ = "SILTTESTSECRET";
  server->endpoint_ = text;
  return server;
}

Result<std::unique_ptr<S3TestServer>> S3TestServer::start_radosgw(const std::string& dir) {
  std::string scripts = std::string(SILT_SOURCE_DIR) + "/tests/servers/radosgw";
  std::string endpoint_file = dir + ".endpoint";
  std::unique_ptr<S3TestServer> server(new S3TestServer());
  server->radosgw_dir_ = dir;  // stopped by the destructor even when starting fails halfway
  auto started = run_command({scripts + "/start", dir, "--endpoint-file", endpoint_file});
  if (started.exit_code != 0) {
    return make_error(ErrorCode::kIo, fmt::format("radosgw did not start in {} (exit {}): {}", dir, started.exit_code,
                                                  std::string(trim(started.err))));
  }
  std::string text(trim(read_file_text(endpoint_file)));
  if (text.empty()) return make_error(ErrorCode::kIo, fmt::format("radosgw wrote no endpoint to {}", endpoint_file));
  server->kind_ = "radosgw";
  server->access_key_ = "SILTTEST";
  server->secret_key_ = "SILTTESTSECRET";
  server->endpoint_ = text;
  return server;
}

S3TestServer::~S3TestServer() {
  if (!radosgw_dir_.empty()) {
    run_command({std::string(SILT_SOURCE_DIR) + "/tests/servers/radosgw/stop", radosgw_dir_});
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 50 && !exited; ++i) {
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) ::usleep(20000);
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (output_fd_ >= 0) ::close(output_fd_);
}

storage::s3::S3Options S3TestServer::options() const {
  storage::s3::S3Options options;
  options.endpoint = endpoint_;
  options.path_style = true;
  options.region = "us-east-1";
  options.credentials = storage::s3::fixed_credentials({access_key_, secret_key_, std::nullopt}, kind_ + " test user");
  options.retry_base = std::chrono::milliseconds(10);
  options.retry_cap = std::chrono::milliseconds(200);
  return options;
}

std::shared_ptr<storage::s3::S3Client> S3TestServer::client() const {
  return std::make_shared<storage::s3::S3Client>(options());
}

Result<std::string> S3TestServer::create_bucket(const std::string& prefix) const {
  std::string name = "silt-" + prefix + "-" + random_suffix();
  SILT_TRY(client()->create_bucket(name));
  return name;
}

std::vector<std::string> S3TestServer::client_environment() const {
  return {"AWS_ENDPOINT_URL=" + endpoint_, "AWS_ACCESS_KEY_ID=" + access_key_, "AWS_SECRET_ACCESS_KEY=" + secret_key_,
          "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true"};
}

}  // namespace silt::testing
