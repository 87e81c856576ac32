// A FileSystem wrapper for tests that makes one chosen mutating call fail, before or after it
// reaches the wrapped file system. It injects faults only; it never changes data.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "storage/file_system.h"

namespace silt::storage {

enum class FaultMode {
  kFailBefore,  // return an Io error without calling the wrapped file system
  kFailAfter,   // perform the call, then return an Io error (the acknowledgement was lost)
};

// Counts the mutating calls write, put_if_absent and remove (successful or not) whose path
// contains the path filter (every path when the filter is empty); reads, create_directories and
// set_modified_ms pass through uncounted by that count. When armed, the chosen counted call fails
// with ErrorCode::kIo; the fault is one-shot, so later calls pass through again. In kFailAfter
// mode a call the wrapped file system rejects returns that error instead (the operation did not
// happen). Reads (read, read_range) have a count and a one-shot fault of their own
// (fail_on_read), which always fails before the wrapped call. local_path() is never set, so DuckDB
// reaches the files through these calls too.
// Does not own `inner`, which must outlive this object. Thread-safe: counting and arming are
// guarded by mutex_; calls to `inner` are made outside it.
class FaultInjectingFileSystem : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& inner) : inner_(inner) {}

  // Arms the fault: the n-th counted call from now on fails (n = 1 is the next one). n < 1 disarms.
  void fail_on_operation(int n, FaultMode mode = FaultMode::kFailBefore);
  void disarm();
  // Only calls whose path contains `substring` are counted and can fail; "" counts every call.
  void set_path_filter(std::string substring);

  // Arms a read fault: the n-th read or read_range call from now on (matching the path filter)
  // fails with an Io error. n < 1 disarms it. Independent of the mutation fault.
  void fail_on_read(int n);
  int read_count() const;  // counted reads since construction

  int operation_count() const;  // counted calls since construction
  int faults_injected() const;  // faults returned so far
  bool armed() const;

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
  Status create_directories(const std::string& dir) override;
  Status set_modified_ms(const std::string& path, int64_t modified_ms) override;

 private:
  enum class Decision { kPassThrough, kFailBefore, kFailAfter };

  // Counts the call if it matches the filter and says whether this is the one to fail.
  Decision count_operation(const std::string& path, int& number);
  // Counts a read and says whether it is the one to fail.
  bool count_read(const std::string& path, int& number);
  template <typename Operation>
  Status run_mutation(const char* name, const std::string& path, Operation&& operation);

  FileSystem& inner_;
  mutable std::mutex mutex_;  // guards every member below
  std::string path_filter_;
  int operation_count_ = 0;
  int fail_at_ = 0;  // operation_count_ value that fails; 0 when disarmed
  FaultMode mode_ = FaultMode::kFailBefore;
  int faults_injected_ = 0;
  int read_count_ = 0;
  int fail_read_at_ = 0;  // read_count_ value that fails; 0 when disarmed
};

}  // namespace silt::storage
