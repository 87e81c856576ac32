// FaultInjectingFileSystem: counting, arming, and the pass-through of every other call. The
// wrapped file system is called outside the lock so a slow call never serialises the others.
#include "storage/testing/fault_injecting_file_system.h"

#include <utility>

namespace silt::storage {

void FaultInjectingFileSystem::fail_on_operation(int n, FaultMode mode) {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_at_ = n < 1 ? 0 : operation_count_ + n;
  mode_ = mode;
}

void FaultInjectingFileSystem::disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_at_ = 0;
  fail_read_at_ = 0;
}

void FaultInjectingFileSystem::set_path_filter(std::string substring) {
  std::lock_guard<std::mutex> lock(mutex_);
  path_filter_ = std::move(substring);
}

void FaultInjectingFileSystem::fail_on_read(int n) {
  std::lock_guard<std::mutex> lock(mutex_);
  fail_read_at_ = n < 1 ? 0 : read_count_ + n;
}

int FaultInjectingFileSystem::read_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return read_count_;
}

bool FaultInjectingFileSystem::count_read(const std::string& path, int& number) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!path_filter_.empty() && path.find(path_filter_) == std::string::npos) return false;
  number = ++read_count_;
  if (fail_read_at_ == 0 || number != fail_read_at_) return false;
  fail_read_at_ = 0;  // one-shot
  ++faults_injected_;
  return true;
}

int FaultInjectingFileSystem::operation_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return operation_count_;
}

int FaultInjectingFileSystem::faults_injected() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return faults_injected_;
}

bool FaultInjectingFileSystem::armed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fail_at_ != 0;
}

FaultInjectingFileSystem::Decision FaultInjectingFileSystem::count_operation(const std::string& path, int& number) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!path_filter_.empty() && path.find(path_filter_) == std::string::npos) return Decision::kPassThrough;
  number = ++operation_count_;
  if (fail_at_ == 0 || number != fail_at_) return Decision::kPassThrough;
  fail_at_ = 0;  // one-shot
  ++faults_injected_;
  return mode_ == FaultMode::kFailBefore ? Decision::kFailBefore : Decision::kFailAfter;
}

template <typename Operation>
Status FaultInjectingFileSystem::run_mutation(const char* name, const std::string& path, Operation&& operation) {
  int number = 0;
  Decision decision = count_operation(path, number);
  auto injected = [&](const char* when) {
    return make_error(ErrorCode::kIo, std::string("injected fault ") + when + " " + name + " '" + path +
                                          "' (operation " + std::to_string(number) + ")");
  };
  if (decision == Decision::kFailBefore) return injected("before");
  Status status = operation();
  if (decision == Decision::kFailAfter && status.ok()) return injected("after");
  return status;
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::list(const std::string& dir) { return inner_.list(dir); }

Result<ListPage> FaultInjectingFileSystem::list_page(const std::string& dir, const std::string& start_after,
                                                    size_t max_files) {
  return inner_.list_page(dir, start_after, max_files);
}

Result<std::vector<FileInfo>> FaultInjectingFileSystem::list_recursive(const std::string& dir) {
  return inner_.list_recursive(dir);
}

Result<FileInfo> FaultInjectingFileSystem::stat(const std::string& path) { return inner_.stat(path); }

Result<bool> FaultInjectingFileSystem::exists(const std::string& path) { return inner_.exists(path); }

Result<std::string> FaultInjectingFileSystem::read(const std::string& path) {
  int number = 0;
  if (count_read(path, number)) {
    return make_error(ErrorCode::kIo, "injected fault before read '" + path + "' (read " + std::to_string(number) + ")");
  }
  return inner_.read(path);
}

Result<std::string> FaultInjectingFileSystem::read_range(const std::string& path, int64_t offset, int64_t length) {
  int number = 0;
  if (count_read(path, number)) {
    return make_error(ErrorCode::kIo,
                      "injected fault before read_range '" + path + "' (read " + std::to_string(number) + ")");
  }
  return inner_.read_range(path, offset, length);
}

Status FaultInjectingFileSystem::write(const std::string& path, const std::string& data) {
  return run_mutation("write", path, [&] { return inner_.write(path, data); });
}

Status FaultInjectingFileSystem::put_if_absent(const std::string& path, const std::string& data) {
  return run_mutation("put_if_absent", path, [&] { return inner_.put_if_absent(path, data); });
}

Status FaultInjectingFileSystem::remove(const std::string& path) {
  return run_mutation("remove", path, [&] { return inner_.remove(path); });
}

Status FaultInjectingFileSystem::create_directories(const std::string& dir) { return inner_.create_directories(dir); }

Status FaultInjectingFileSystem::set_modified_ms(const std::string& path, int64_t modified_ms) {
  return inner_.set_modified_ms(path, modified_ms);
}

}  // namespace silt::storage
