// Tests for FaultInjectingFileSystem: which calls it counts, which one it fails, in which mode,
// and that the wrapped file system sees exactly what each mode promises.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "storage/memory/memory_file_system.h"
#include "storage/testing/fault_injecting_file_system.h"

namespace silt::storage {
namespace {

std::string describe(const Status& status) {
  if (status.ok()) return "ok";
  return std::string(error_code_name(status.code())) + ": " + status.message();
}
template <typename T>
std::string describe(const Result<T>& result) {
  return describe(result.status());
}

#define SILT_ASSERT_OK(expr)                                              \
  do {                                                                    \
    auto&& silt_value_ = (expr);                                          \
    ASSERT_TRUE(static_cast<bool>(silt_value_)) << describe(silt_value_); \
  } while (0)

template <typename T>
std::string code_of(const T& outcome) {
  if (static_cast<bool>(outcome)) return "ok";
  return error_code_name(outcome.error().code());
}
std::string code_name(ErrorCode code) { return error_code_name(code); }

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  bool inner_has(const std::string& path) {
    Result<bool> exists = inner_.exists(path);
    EXPECT_TRUE(static_cast<bool>(exists)) << describe(exists);
    return exists && *exists;
  }
  std::string inner_content(const std::string& path) {
    Result<std::string> data = inner_.read(path);
    return data ? *data : "<" + describe(data) + ">";
  }

  MemoryFileSystem inner_;
  FaultInjectingFileSystem fs_{inner_};
};

TEST_F(FaultInjectingFileSystemTest, PassesThroughAndCountsOnlyMutationsWhenDisarmed) {
  EXPECT_FALSE(fs_.armed());
  SILT_ASSERT_OK(fs_.write("/t/a", "a"));                                   // 1
  SILT_ASSERT_OK(fs_.put_if_absent("/t/b", "b"));                           // 2
  EXPECT_EQ(code_of(fs_.put_if_absent("/t/b", "again")), code_name(ErrorCode::kAlreadyExists));  // 3
  SILT_ASSERT_OK(fs_.remove("/t/missing"));                                 // 4
  SILT_ASSERT_OK(fs_.create_directories("/t/dir"));
  SILT_ASSERT_OK(fs_.set_modified_ms("/t/a", 42));
  SILT_ASSERT_OK(fs_.read("/t/a"));
  SILT_ASSERT_OK(fs_.read_range("/t/a", 0, 1));
  SILT_ASSERT_OK(fs_.stat("/t/a"));
  SILT_ASSERT_OK(fs_.exists("/t/a"));
  SILT_ASSERT_OK(fs_.list("/t"));
  SILT_ASSERT_OK(fs_.list_recursive("/"));
  EXPECT_EQ(fs_.operation_count(), 4);
  EXPECT_EQ(fs_.faults_injected(), 0);
  EXPECT_EQ(inner_content("/t/a"), "a");
  EXPECT_EQ(inner_content("/t/b"), "b");
  Result<FileInfo> info = inner_.stat("/t/a");
  SILT_ASSERT_OK(info);
  EXPECT_EQ(info->modified_ms, 42);
}

TEST_F(FaultInjectingFileSystemTest, FailBeforeFailsTheNthCallWithoutReachingTheInnerFileSystem) {
  fs_.fail_on_operation(2, FaultMode::kFailBefore);
  EXPECT_TRUE(fs_.armed());
  SILT_ASSERT_OK(fs_.write("/t/1", "one"));
  Status second = fs_.write("/t/2", "two");
  EXPECT_EQ(code_name(second.code()), code_name(ErrorCode::kIo));
  EXPECT_FALSE(inner_has("/t/2"));
  // One-shot: the following calls pass through again.
  EXPECT_FALSE(fs_.armed());
  SILT_ASSERT_OK(fs_.write("/t/3", "three"));
  SILT_ASSERT_OK(fs_.write("/t/2", "two"));
  EXPECT_EQ(inner_content("/t/2"), "two");
  EXPECT_EQ(fs_.operation_count(), 4);
  EXPECT_EQ(fs_.faults_injected(), 1);
}

TEST_F(FaultInjectingFileSystemTest, FailBeforeLeavesPutIfAbsentAndRemoveUndone) {
  SILT_ASSERT_OK(fs_.write("/t/existing", "x"));
  fs_.fail_on_operation(1);  // kFailBefore is the default
  EXPECT_EQ(code_of(fs_.put_if_absent("/t/commit", "c")), code_name(ErrorCode::kIo));
  EXPECT_FALSE(inner_has("/t/commit"));
  SILT_ASSERT_OK(fs_.put_if_absent("/t/commit", "c"));  // a retry succeeds: nothing was written

  fs_.fail_on_operation(1, FaultMode::kFailBefore);
  EXPECT_EQ(code_of(fs_.remove("/t/existing")), code_name(ErrorCode::kIo));
  EXPECT_TRUE(inner_has("/t/existing"));
}

TEST_F(FaultInjectingFileSystemTest, CountsFromTheArmingCall) {
  for (int i = 0; i < 3; ++i) SILT_ASSERT_OK(fs_.write("/t/f" + std::to_string(i), "x"));
  fs_.fail_on_operation(1);
  EXPECT_EQ(code_of(fs_.write("/t/next", "x")), code_name(ErrorCode::kIo));
  EXPECT_EQ(fs_.operation_count(), 4);
}

TEST_F(FaultInjectingFileSystemTest, FailAfterPerformsTheCallThenReportsAnError) {
  // A commit whose acknowledgement is lost: the file exists, the caller saw Io, and a retry of the
  // same put_if_absent reports AlreadyExists.
  fs_.fail_on_operation(1, FaultMode::kFailAfter);
  Status commit = fs_.put_if_absent("/t/_delta_log/0.json", "commit");
  EXPECT_EQ(code_name(commit.code()), code_name(ErrorCode::kIo));
  EXPECT_EQ(inner_content("/t/_delta_log/0.json"), "commit");
  EXPECT_EQ(code_of(fs_.put_if_absent("/t/_delta_log/0.json", "retry")), code_name(ErrorCode::kAlreadyExists));
  EXPECT_EQ(inner_content("/t/_delta_log/0.json"), "commit");

  fs_.fail_on_operation(1, FaultMode::kFailAfter);
  EXPECT_EQ(code_of(fs_.write("/t/_delta_log/0.json", "replaced")), code_name(ErrorCode::kIo));
  EXPECT_EQ(inner_content("/t/_delta_log/0.json"), "replaced");

  fs_.fail_on_operation(1, FaultMode::kFailAfter);
  EXPECT_EQ(code_of(fs_.remove("/t/_delta_log/0.json")), code_name(ErrorCode::kIo));
  EXPECT_FALSE(inner_has("/t/_delta_log/0.json"));
  EXPECT_EQ(fs_.faults_injected(), 3);
}

TEST_F(FaultInjectingFileSystemTest, FailAfterReturnsTheInnerErrorWhenTheCallItselfFails) {
  SILT_ASSERT_OK(fs_.put_if_absent("/t/0.json", "first"));
  fs_.fail_on_operation(1, FaultMode::kFailAfter);
  EXPECT_EQ(code_of(fs_.put_if_absent("/t/0.json", "second")), code_name(ErrorCode::kAlreadyExists));
  EXPECT_EQ(inner_content("/t/0.json"), "first");
  EXPECT_FALSE(fs_.armed());  // the fault was spent on that call
}

TEST_F(FaultInjectingFileSystemTest, PathFilterLimitsWhatIsCountedAndFailed) {
  fs_.set_path_filter("_delta_log");
  fs_.fail_on_operation(2);
  SILT_ASSERT_OK(fs_.write("/t/part-0.parquet", "data"));       // not counted
  SILT_ASSERT_OK(fs_.put_if_absent("/t/_delta_log/0.json", "0"));  // 1
  SILT_ASSERT_OK(fs_.write("/t/part-1.parquet", "data"));       // not counted
  SILT_ASSERT_OK(fs_.remove("/t/part-0.parquet"));              // not counted
  EXPECT_EQ(code_of(fs_.put_if_absent("/t/_delta_log/1.json", "1")), code_name(ErrorCode::kIo));  // 2
  EXPECT_EQ(fs_.operation_count(), 2);
  EXPECT_FALSE(inner_has("/t/_delta_log/1.json"));
  EXPECT_TRUE(inner_has("/t/part-1.parquet"));

  fs_.set_path_filter("");
  SILT_ASSERT_OK(fs_.write("/t/part-2.parquet", "data"));
  EXPECT_EQ(fs_.operation_count(), 3);
}

TEST_F(FaultInjectingFileSystemTest, DisarmCancelsAPendingFault) {
  fs_.fail_on_operation(2);
  SILT_ASSERT_OK(fs_.write("/t/1", "x"));
  fs_.disarm();
  EXPECT_FALSE(fs_.armed());
  for (int i = 2; i < 6; ++i) SILT_ASSERT_OK(fs_.write("/t/" + std::to_string(i), "x"));
  EXPECT_EQ(fs_.faults_injected(), 0);

  fs_.fail_on_operation(0);  // a non-positive n disarms too
  EXPECT_FALSE(fs_.armed());
  SILT_ASSERT_OK(fs_.write("/t/6", "x"));
}

TEST_F(FaultInjectingFileSystemTest, ReadsPassThroughWhileArmed) {
  SILT_ASSERT_OK(inner_.write("/t/a", "abc"));
  fs_.fail_on_operation(1);
  Result<std::string> data = fs_.read("/t/a");
  SILT_ASSERT_OK(data);
  EXPECT_EQ(*data, "abc");
  EXPECT_EQ(code_of(fs_.read("/t/missing")), code_name(ErrorCode::kNotFound));  // inner errors unchanged
  SILT_ASSERT_OK(fs_.list("/t"));
  EXPECT_TRUE(fs_.armed());
  EXPECT_EQ(fs_.operation_count(), 0);
}

TEST_F(FaultInjectingFileSystemTest, InjectedErrorNamesTheCallAndPath) {
  fs_.fail_on_operation(1);
  Status status = fs_.put_if_absent("/t/_delta_log/7.json", "x");
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("put_if_absent"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("/t/_delta_log/7.json"), std::string::npos) << status.message();
}

TEST_F(FaultInjectingFileSystemTest, ExactlyOneCallFailsUnderConcurrency) {
  constexpr int kThreads = 4;
  constexpr int kWritesPerThread = 50;
  fs_.fail_on_operation(100);
  std::atomic<int> io_errors{0};
  std::atomic<int> other_errors{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kWritesPerThread; ++i) {
        Status status = fs_.write("/t/" + std::to_string(t) + "/" + std::to_string(i), "x");
        if (status.ok()) continue;
        (status.code() == ErrorCode::kIo ? io_errors : other_errors).fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(io_errors.load(), 1);
  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_EQ(fs_.operation_count(), kThreads * kWritesPerThread);
  Result<std::vector<FileInfo>> files = inner_.list_recursive("/t");
  SILT_ASSERT_OK(files);
  EXPECT_EQ(files->size(), static_cast<size_t>(kThreads * kWritesPerThread - 1));
}

}  // namespace
}  // namespace silt::storage
