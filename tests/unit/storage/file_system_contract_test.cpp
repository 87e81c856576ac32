// Checks every clause of the FileSystem contract (storage/file_system.h) against each
// implementation, plus races between threads and, for LocalFileSystem, between processes.
#include <gtest/gtest.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "storage/file_system.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "storage/s3/s3_file_system.h"
#include "support/s3_test_server.h"

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

#define SILT_EXPECT_OK(expr)                                            \
  do {                                                                  \
    auto&& silt_value_ = (expr);                                        \
    EXPECT_TRUE(static_cast<bool>(silt_value_)) << describe(silt_value_); \
  } while (0)
#define SILT_ASSERT_OK(expr)                                            \
  do {                                                                  \
    auto&& silt_value_ = (expr);                                        \
    ASSERT_TRUE(static_cast<bool>(silt_value_)) << describe(silt_value_); \
  } while (0)

// "ok", or the name of the error code a call returned.
template <typename T>
std::string code_of(const T& outcome) {
  if (static_cast<bool>(outcome)) return "ok";
  return error_code_name(outcome.error().code());
}
std::string code_name(ErrorCode code) { return error_code_name(code); }

std::vector<std::string> paths_of(const std::vector<FileInfo>& files) {
  std::vector<std::string> paths;
  for (const FileInfo& file : files) paths.push_back(file.path);
  return paths;
}

// ~10 KB of text that names its writer, so a torn or mixed file is detectable.
std::string writer_content(int writer, int version) {
  std::string unit = "writer-" + std::to_string(writer) + "-v" + std::to_string(version) + "|";
  std::string content;
  while (content.size() < 10 * 1024) content += unit;
  return content;
}

// A LocalFileSystem rooted in a fresh directory under the system temp dir, removed afterwards.
class LocalEnvironment {
 public:
  static constexpr const char* kName = "Local";
  // Directories exist apart from files, and modification times can be set (not so on S3).
  static constexpr bool kHierarchical = true;

  LocalEnvironment() {
    std::error_code error;
    std::filesystem::path base = std::filesystem::temp_directory_path(error);
    if (error) base = "/tmp";
    std::string pattern = (base / "silt-fs-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << pattern << ": " << std::strerror(errno);
      return;
    }
    root_ = pattern;
  }
  ~LocalEnvironment() {
    std::error_code error;
    if (!root_.empty()) std::filesystem::remove_all(root_, error);
  }

  FileSystem& fs() { return fs_; }
  const std::string& root() const { return root_; }

 private:
  LocalFileSystem fs_;
  std::string root_;
};

class MemoryEnvironment {
 public:
  static constexpr const char* kName = "Memory";
  static constexpr bool kHierarchical = true;

  FileSystem& fs() { return fs_; }
  const std::string& root() const { return root_; }

 private:
  MemoryFileSystem fs_;
  std::string root_ = "/lake";
};

// An S3FileSystem on a fresh bucket of a real S3 server: a new s3rver, or the ctest run's radosgw.
template <bool kRadosgw>
class S3Environment {
 public:
  static constexpr const char* kName = kRadosgw ? "Radosgw" : "S3rver";
  static constexpr bool kHierarchical = false;

  S3Environment() {
    auto server = kRadosgw ? ::silt::testing::S3TestServer::radosgw() : ::silt::testing::S3TestServer::start_s3rver();
    if (!server) {
      error_ = server.error().message();
      return;
    }
    server_ = std::move(*server);
    Result<std::string> bucket = server_->create_bucket("contract");
    if (!bucket) {
      error_ = bucket.error().message();
      return;
    }
    storage::s3::S3FileSystemOptions options;
    options.part_size = 5 << 20;
    options.multipart_threshold = 6 << 20;
    fs_ = std::make_unique<storage::s3::S3FileSystem>(server_->client(), options);
    root_ = "s3://" + *bucket + "/lake";
  }

  FileSystem& fs() { return *fs_; }
  const std::string& root() const { return root_; }
  const std::string& error() const { return error_; }

 private:
  std::unique_ptr<::silt::testing::S3TestServer> server_;
  std::unique_ptr<storage::s3::S3FileSystem> fs_;
  std::string root_;
  std::string error_;
};

template <typename Environment>
concept ReportsErrors = requires(const Environment& e) { e.error(); };

template <typename Environment>
class FileSystemContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    environment_ = std::make_unique<Environment>();
    if constexpr (ReportsErrors<Environment>) {
      ASSERT_TRUE(environment_->error().empty()) << environment_->error();
    }
    ASSERT_FALSE(environment_->root().empty());
  }
  void TearDown() override { environment_.reset(); }

  FileSystem& fs() { return environment_->fs(); }
  std::string path(const std::string& relative) const { return join_path(environment_->root(), relative); }

  std::string read_or_fail(const std::string& file) {
    Result<std::string> data = fs().read(file);
    if (!data) {
      ADD_FAILURE() << "read " << file << ": " << describe(data);
      return "<unreadable>";
    }
    return *data;
  }

  std::unique_ptr<Environment> environment_;
};

struct EnvironmentName {
  template <typename Environment>
  static std::string GetName(int) {
    return Environment::kName;
  }
};

using Implementations =
    ::testing::Types<LocalEnvironment, MemoryEnvironment, S3Environment<false>, S3Environment<true>>;
TYPED_TEST_SUITE(FileSystemContractTest, Implementations, EnvironmentName);

TYPED_TEST(FileSystemContractTest, ListReturnsOnlyFilesDirectlyInsideSortedByPath) {
  auto& fs = this->fs();
  SILT_ASSERT_OK(fs.write(this->path("t/b.json"), "bb"));
  SILT_ASSERT_OK(fs.write(this->path("t/a.json"), "a"));
  SILT_ASSERT_OK(fs.write(this->path("t/_z.json"), "zzz"));
  SILT_ASSERT_OK(fs.write(this->path("t/c.json"), ""));
  SILT_ASSERT_OK(fs.write(this->path("t/sub/d.json"), "d"));
  SILT_ASSERT_OK(fs.write(this->path("t2/e.json"), "e"));

  Result<std::vector<FileInfo>> files = fs.list(this->path("t"));
  SILT_ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files), (std::vector<std::string>{this->path("t/_z.json"), this->path("t/a.json"),
                                                        this->path("t/b.json"), this->path("t/c.json")}));
  ASSERT_EQ(files->size(), 4u);
  EXPECT_EQ((*files)[0].size, 3);
  EXPECT_EQ((*files)[1].size, 1);
  EXPECT_EQ((*files)[2].size, 2);
  EXPECT_EQ((*files)[3].size, 0);
}

TYPED_TEST(FileSystemContractTest, ListPageStartsAfterANameAndPages) {
  auto& fs = this->fs();
  for (const char* name : {"t/a.json", "t/b.json", "t/c.json", "t/d.json", "t/e.json", "t/sub/x.json"}) {
    SILT_ASSERT_OK(fs.write(this->path(name), "x"));
  }
  auto first = fs.list_page(this->path("t"), "", 2);
  SILT_ASSERT_OK(first);
  EXPECT_EQ(paths_of(first->files), (std::vector<std::string>{this->path("t/a.json"), this->path("t/b.json")}));
  ASSERT_FALSE(first->next_start_after.empty());
  auto second = fs.list_page(this->path("t"), first->next_start_after, 2);
  SILT_ASSERT_OK(second);
  EXPECT_EQ(paths_of(second->files), (std::vector<std::string>{this->path("t/c.json"), this->path("t/d.json")}));
  auto third = fs.list_page(this->path("t"), second->next_start_after, 2);
  SILT_ASSERT_OK(third);
  EXPECT_EQ(paths_of(third->files), (std::vector<std::string>{this->path("t/e.json")}));
  EXPECT_TRUE(third->next_start_after.empty());
  // A start that names no file: everything that sorts after it.
  auto after = list_after(fs, this->path("t"), this->path("t/bz"));
  SILT_ASSERT_OK(after);
  EXPECT_EQ(paths_of(*after), (std::vector<std::string>{this->path("t/c.json"), this->path("t/d.json"),
                                                        this->path("t/e.json")}));
  auto all = list_after(fs, this->path("t"), "");
  SILT_ASSERT_OK(all);
  EXPECT_EQ(all->size(), 5u);
  auto missing = fs.list_page(this->path("missing"), "", 10);
  SILT_ASSERT_OK(missing);
  EXPECT_TRUE(missing->files.empty());
}

TYPED_TEST(FileSystemContractTest, EtagsChangeWhenTheContentIsReplaced) {
  auto& fs = this->fs();
  SILT_ASSERT_OK(fs.write(this->path("t/a"), "one"));
  auto first = fs.stat(this->path("t/a"));
  SILT_ASSERT_OK(first);
  EXPECT_FALSE(first->etag.empty());
  auto again = fs.stat(this->path("t/a"));
  SILT_ASSERT_OK(again);
  EXPECT_EQ(again->etag, first->etag) << "unchanged file, same etag";
  auto listed = fs.list(this->path("t"));
  SILT_ASSERT_OK(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].etag, first->etag) << "list and stat agree";
  SILT_ASSERT_OK(fs.write(this->path("t/a"), "two!"));
  auto replaced = fs.stat(this->path("t/a"));
  SILT_ASSERT_OK(replaced);
  EXPECT_NE(replaced->etag, first->etag);
}

TYPED_TEST(FileSystemContractTest, RemoveManyRemovesEachAndIgnoresMissingOnes) {
  auto& fs = this->fs();
  for (const char* name : {"t/a", "t/b", "t/c"}) SILT_ASSERT_OK(fs.write(this->path(name), "x"));
  SILT_ASSERT_OK(fs.remove_many({this->path("t/a"), this->path("t/c"), this->path("t/missing")}));
  auto listed = fs.list(this->path("t"));
  SILT_ASSERT_OK(listed);
  EXPECT_EQ(paths_of(*listed), std::vector<std::string>{this->path("t/b")});
  SILT_ASSERT_OK(fs.remove_many({}));
}

TYPED_TEST(FileSystemContractTest, AStreamedWriteAppearsWholeOnCloseAndAnAbandonedOneLeavesNothing) {
  auto& fs = this->fs();
  {
    auto stream = fs.open_write(this->path("t/data.bin"));
    SILT_ASSERT_OK(stream);
    SILT_ASSERT_OK((*stream)->append("hello "));
    SILT_ASSERT_OK((*stream)->append(std::string(100000, 'x')));
    auto before = fs.exists(this->path("t/data.bin"));
    SILT_ASSERT_OK(before);
    EXPECT_FALSE(*before) << "nothing visible before close";
    SILT_ASSERT_OK((*stream)->close());
    EXPECT_FALSE((*stream)->append("late").ok());
  }
  EXPECT_EQ(this->read_or_fail(this->path("t/data.bin")), "hello " + std::string(100000, 'x'));
  {
    auto abandoned = fs.open_write(this->path("t/abandoned.bin"));
    SILT_ASSERT_OK(abandoned);
    SILT_ASSERT_OK((*abandoned)->append("partial"));
  }
  auto listed = fs.list(this->path("t"));
  SILT_ASSERT_OK(listed);
  EXPECT_EQ(paths_of(*listed), std::vector<std::string>{this->path("t/data.bin")}) << "no file, no temp file";
  EXPECT_FALSE(fs.open_write("").has_value());
}

TYPED_TEST(FileSystemContractTest, ListAcceptsATrailingSlash) {
  SILT_ASSERT_OK(this->fs().write(this->path("t/a.json"), "a"));
  Result<std::vector<FileInfo>> files = this->fs().list(this->path("t") + "/");
  SILT_ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files), (std::vector<std::string>{this->path("t/a.json")}));
}

TYPED_TEST(FileSystemContractTest, ListOfMissingDirectoryIsEmpty) {
  SILT_ASSERT_OK(this->fs().write(this->path("file"), "x"));
  for (const std::string& dir : {this->path("missing"), this->path("missing/deeper"), this->path("file/child")}) {
    Result<std::vector<FileInfo>> files = this->fs().list(dir);
    SILT_ASSERT_OK(files);
    EXPECT_TRUE(files->empty()) << dir;
  }
}

TYPED_TEST(FileSystemContractTest, ListRecursiveReturnsEveryFileBelowSortedByPath) {
  auto& fs = this->fs();
  for (const char* relative : {"t/z/w", "t/a/x", "t/b", "t/a/deep/y", "t/a.txt", "t2/outside"}) {
    SILT_ASSERT_OK(fs.write(this->path(relative), relative));
  }
  SILT_ASSERT_OK(fs.create_directories(this->path("t/empty/dir")));

  Result<std::vector<FileInfo>> files = fs.list_recursive(this->path("t"));
  SILT_ASSERT_OK(files);
  // Byte order: '.' sorts before '/', so "a.txt" precedes everything under "a/".
  EXPECT_EQ(paths_of(*files),
            (std::vector<std::string>{this->path("t/a.txt"), this->path("t/a/deep/y"), this->path("t/a/x"),
                                      this->path("t/b"), this->path("t/z/w")}));
  for (const FileInfo& file : *files) {
    EXPECT_EQ(file.size, static_cast<int64_t>(this->read_or_fail(file.path).size())) << file.path;
  }
}

TYPED_TEST(FileSystemContractTest, ListRecursiveOfMissingDirectoryIsEmpty) {
  Result<std::vector<FileInfo>> files = this->fs().list_recursive(this->path("missing"));
  SILT_ASSERT_OK(files);
  EXPECT_TRUE(files->empty());
}

TYPED_TEST(FileSystemContractTest, MissingFileIsNotFoundAndTheMessageNamesIt) {
  auto& fs = this->fs();
  std::string missing = this->path("t/missing.json");
  Result<std::string> data = fs.read(missing);
  ASSERT_FALSE(data);
  EXPECT_EQ(code_name(data.error().code()), code_name(ErrorCode::kNotFound));
  EXPECT_NE(data.error().message().find(missing), std::string::npos) << data.error().message();
  EXPECT_EQ(code_of(fs.read_range(missing, 0, 10)), code_name(ErrorCode::kNotFound));
  EXPECT_EQ(code_of(fs.stat(missing)), code_name(ErrorCode::kNotFound));
  if constexpr (TypeParam::kHierarchical) {
    EXPECT_EQ(code_of(fs.set_modified_ms(missing, 1000)), code_name(ErrorCode::kNotFound));
  }
  Result<bool> exists = fs.exists(missing);
  SILT_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);
}

TYPED_TEST(FileSystemContractTest, ReadRangeReturnsTheBytesThatExist) {
  auto& fs = this->fs();
  std::string file = this->path("range");
  SILT_ASSERT_OK(fs.write(file, "0123456789"));
  struct Case {
    int64_t offset;
    int64_t length;
    std::string expected;
  };
  for (const Case& c : std::vector<Case>{{3, 4, "3456"},
                                         {0, 10, "0123456789"},
                                         {0, 0, ""},
                                         {8, 10, "89"},
                                         {9, INT64_MAX, "9"},
                                         {10, 5, ""},
                                         {50, 5, ""}}) {
    Result<std::string> data = fs.read_range(file, c.offset, c.length);
    SILT_ASSERT_OK(data);
    EXPECT_EQ(*data, c.expected) << "offset " << c.offset << " length " << c.length;
  }
  EXPECT_EQ(code_of(fs.read_range(file, -1, 2)), code_name(ErrorCode::kInvalidArgument));
  EXPECT_EQ(code_of(fs.read_range(file, 0, -1)), code_name(ErrorCode::kInvalidArgument));
}

TYPED_TEST(FileSystemContractTest, WriteCreatesParentDirectories) {
  std::string file = this->path("a/b/c/file.parquet");
  SILT_ASSERT_OK(this->fs().write(file, "data"));
  EXPECT_EQ(this->read_or_fail(file), "data");
  Result<std::vector<FileInfo>> files = this->fs().list(this->path("a/b/c"));
  SILT_ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files), std::vector<std::string>{file});
}

TYPED_TEST(FileSystemContractTest, WriteReplacesTheWholeFile) {
  auto& fs = this->fs();
  std::string file = this->path("t/_last_checkpoint");
  SILT_ASSERT_OK(fs.write(file, std::string(5000, 'x')));
  SILT_ASSERT_OK(fs.write(file, "short"));
  EXPECT_EQ(this->read_or_fail(file), "short");
  Result<FileInfo> info = fs.stat(file);
  SILT_ASSERT_OK(info);
  EXPECT_EQ(info->size, 5);
}

TYPED_TEST(FileSystemContractTest, WriteRoundTripsBinaryAndEmptyData) {
  auto& fs = this->fs();
  std::string binary("\0\x01\xff\n\r\0tail", 10);
  SILT_ASSERT_OK(fs.write(this->path("binary"), binary));
  SILT_ASSERT_OK(fs.write(this->path("empty"), ""));
  EXPECT_EQ(this->read_or_fail(this->path("binary")), binary);
  EXPECT_EQ(this->read_or_fail(this->path("empty")), "");
  Result<std::string> range = fs.read_range(this->path("binary"), 0, 3);
  SILT_ASSERT_OK(range);
  EXPECT_EQ(*range, binary.substr(0, 3));
}

TYPED_TEST(FileSystemContractTest, PutIfAbsentCreatesOnceAndNeverReplaces) {
  auto& fs = this->fs();
  std::string commit = this->path("t/_delta_log/00000000000000000000.json");
  SILT_ASSERT_OK(fs.put_if_absent(commit, "first"));
  EXPECT_EQ(this->read_or_fail(commit), "first");

  Status second = fs.put_if_absent(commit, "second");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(code_name(second.code()), code_name(ErrorCode::kAlreadyExists));
  EXPECT_EQ(this->read_or_fail(commit), "first");

  Result<std::vector<FileInfo>> files = fs.list(this->path("t/_delta_log"));
  SILT_ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files), std::vector<std::string>{commit});
}

TYPED_TEST(FileSystemContractTest, PutIfAbsentDoesNotReplaceAWrittenFile) {
  std::string file = this->path("written");
  SILT_ASSERT_OK(this->fs().write(file, "written"));
  EXPECT_EQ(code_of(this->fs().put_if_absent(file, "other")), code_name(ErrorCode::kAlreadyExists));
  EXPECT_EQ(this->read_or_fail(file), "written");
}

TYPED_TEST(FileSystemContractTest, PutIfAbsentSucceedsAgainAfterRemove) {
  std::string file = this->path("again");
  SILT_ASSERT_OK(this->fs().put_if_absent(file, "one"));
  SILT_ASSERT_OK(this->fs().remove(file));
  SILT_ASSERT_OK(this->fs().put_if_absent(file, "two"));
  EXPECT_EQ(this->read_or_fail(file), "two");
}

TYPED_TEST(FileSystemContractTest, WriteAndPutIfAbsentLeaveNoOtherFilesBehind) {
  auto& fs = this->fs();
  SILT_ASSERT_OK(fs.write(this->path("d/x"), "1"));
  SILT_ASSERT_OK(fs.write(this->path("d/x"), "2"));
  SILT_ASSERT_OK(fs.put_if_absent(this->path("d/y"), "3"));
  EXPECT_FALSE(fs.put_if_absent(this->path("d/y"), "4").ok());
  Result<std::vector<FileInfo>> files = fs.list_recursive(this->path(""));
  SILT_ASSERT_OK(files);
  EXPECT_EQ(paths_of(*files), (std::vector<std::string>{this->path("d/x"), this->path("d/y")}));
}

TYPED_TEST(FileSystemContractTest, RemoveDeletesAndAMissingFileIsNotAnError) {
  auto& fs = this->fs();
  std::string file = this->path("t/part-0.parquet");
  SILT_ASSERT_OK(fs.write(file, "data"));
  SILT_ASSERT_OK(fs.remove(file));
  EXPECT_EQ(code_of(fs.read(file)), code_name(ErrorCode::kNotFound));
  Result<bool> exists = fs.exists(file);
  SILT_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);
  Result<std::vector<FileInfo>> files = fs.list(this->path("t"));
  SILT_ASSERT_OK(files);
  EXPECT_TRUE(files->empty());

  SILT_EXPECT_OK(fs.remove(file));
  SILT_EXPECT_OK(fs.remove(this->path("never/existed/at/all")));
}

TYPED_TEST(FileSystemContractTest, StatReportsSizeAndModificationTime) {
  auto& fs = this->fs();
  std::string file = this->path("t/stat.bin");
  int64_t before = now_ms();
  SILT_ASSERT_OK(fs.write(file, std::string(1234, 's')));
  int64_t after = now_ms();

  Result<FileInfo> info = fs.stat(file);
  SILT_ASSERT_OK(info);
  EXPECT_EQ(info->path, file);
  EXPECT_EQ(info->size, 1234);
  // File systems stamp with a coarse clock that may lag the wall clock by a tick.
  EXPECT_GE(info->modified_ms, before - 1000);
  EXPECT_LE(info->modified_ms, after + 1000);

  Result<std::vector<FileInfo>> files = fs.list(this->path("t"));
  SILT_ASSERT_OK(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].size, info->size);
  EXPECT_EQ((*files)[0].modified_ms, info->modified_ms);

  Result<bool> exists = fs.exists(file);
  SILT_ASSERT_OK(exists);
  EXPECT_TRUE(*exists);
}

TYPED_TEST(FileSystemContractTest, SetModifiedMsIsSeenByStatAndListToTheMillisecond) {
  auto& fs = this->fs();
  if constexpr (!TypeParam::kHierarchical) {
    // An object store stamps objects itself and says so.
    SILT_ASSERT_OK(fs.write(this->path("f"), "{}"));
    EXPECT_EQ(code_of(fs.set_modified_ms(this->path("f"), 1000)), code_name(ErrorCode::kUnsupported));
    return;
  }
  std::string first = this->path("_delta_log/00000000000000000000.json");
  std::string second = this->path("_delta_log/00000000000000000001.json");
  SILT_ASSERT_OK(fs.write(first, "{}"));
  SILT_ASSERT_OK(fs.write(second, "{}"));
  SILT_ASSERT_OK(fs.set_modified_ms(first, 1700000000123));
  SILT_ASSERT_OK(fs.set_modified_ms(second, 1600000000007));

  Result<FileInfo> info = fs.stat(first);
  SILT_ASSERT_OK(info);
  EXPECT_EQ(info->modified_ms, 1700000000123);
  Result<std::vector<FileInfo>> files = fs.list(this->path("_delta_log"));
  SILT_ASSERT_OK(files);
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].modified_ms, 1700000000123);
  EXPECT_EQ((*files)[1].modified_ms, 1600000000007);
  EXPECT_EQ(this->read_or_fail(first), "{}");  // content untouched
}

TYPED_TEST(FileSystemContractTest, CreateDirectoriesMakesAnEmptyListableDirectory) {
  auto& fs = this->fs();
  SILT_ASSERT_OK(fs.create_directories(this->path("x/y/z")));
  SILT_ASSERT_OK(fs.create_directories(this->path("x/y/z")));  // idempotent
  Result<std::vector<FileInfo>> files = fs.list(this->path("x/y/z"));
  SILT_ASSERT_OK(files);
  EXPECT_TRUE(files->empty());
}

TYPED_TEST(FileSystemContractTest, DirectoriesAreNotFiles) {
  auto& fs = this->fs();
  std::string dir = this->path("d");
  SILT_ASSERT_OK(fs.write(this->path("d/inner/file"), "keep"));

  Result<bool> exists = fs.exists(dir);
  SILT_ASSERT_OK(exists);
  EXPECT_FALSE(*exists);
  EXPECT_EQ(code_of(fs.stat(dir)), code_name(ErrorCode::kNotFound));
  EXPECT_EQ(code_of(fs.read(dir)), code_name(ErrorCode::kNotFound));
  Result<std::vector<FileInfo>> files = fs.list(dir);
  SILT_ASSERT_OK(files);
  EXPECT_TRUE(files->empty());  // "inner" is a directory

  if constexpr (!TypeParam::kHierarchical) return;  // on S3 a key and a prefix may share a name
  std::string inner = this->path("d/inner");
  EXPECT_EQ(code_of(fs.put_if_absent(inner, "x")), code_name(ErrorCode::kAlreadyExists));
  EXPECT_EQ(code_of(fs.write(inner, "x")), code_name(ErrorCode::kIo));
  EXPECT_EQ(code_of(fs.remove(inner)), code_name(ErrorCode::kIo));
  EXPECT_EQ(this->read_or_fail(this->path("d/inner/file")), "keep");
}

TYPED_TEST(FileSystemContractTest, CreatingBelowAFileFails) {
  auto& fs = this->fs();
  if constexpr (!TypeParam::kHierarchical) {
    // S3 has no directories: "plain/child" is just another key.
    SILT_ASSERT_OK(fs.write(this->path("plain"), "plain"));
    SILT_ASSERT_OK(fs.write(this->path("plain/child"), "x"));
    EXPECT_EQ(this->read_or_fail(this->path("plain")), "plain");
    return;
  }
  std::string file = this->path("plain");
  SILT_ASSERT_OK(fs.write(file, "plain"));
  EXPECT_EQ(code_of(fs.write(this->path("plain/child"), "x")), code_name(ErrorCode::kIo));
  EXPECT_EQ(code_of(fs.put_if_absent(this->path("plain/child"), "x")), code_name(ErrorCode::kIo));
  EXPECT_EQ(code_of(fs.create_directories(file)), code_name(ErrorCode::kIo));
  EXPECT_EQ(code_of(fs.create_directories(this->path("plain/sub"))), code_name(ErrorCode::kIo));
  EXPECT_EQ(code_of(fs.read(this->path("plain/child"))), code_name(ErrorCode::kNotFound));
  EXPECT_EQ(this->read_or_fail(file), "plain");
}

TYPED_TEST(FileSystemContractTest, EmptyPathIsInvalid) {
  auto& fs = this->fs();
  const std::string invalid = code_name(ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of(fs.read("")), invalid);
  EXPECT_EQ(code_of(fs.stat("")), invalid);
  EXPECT_EQ(code_of(fs.write("", "x")), invalid);
  EXPECT_EQ(code_of(fs.put_if_absent("", "x")), invalid);
  EXPECT_EQ(code_of(fs.remove("")), invalid);
  EXPECT_EQ(code_of(fs.list("")), invalid);
  EXPECT_EQ(code_of(fs.list_recursive("")), invalid);
  EXPECT_EQ(code_of(fs.write(this->path("dir/"), "x")), invalid);
}

TYPED_TEST(FileSystemContractTest, ConcurrentPutIfAbsentHasExactlyOneWinner) {
  auto& fs = this->fs();
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    std::string commit = this->path("_delta_log/" + std::to_string(round) + ".json");
    std::vector<std::string> outcomes(kThreads);
    std::atomic<bool> writers_done{false};
    std::atomic<int> torn_reads{0};
    std::latch start(kThreads + 1);
    std::vector<std::thread> threads;
    for (int writer = 0; writer < kThreads; ++writer) {
      threads.emplace_back([&, writer] {
        start.arrive_and_wait();
        outcomes[writer] = code_of(fs.put_if_absent(commit, writer_content(writer, round)));
      });
    }
    // A reader polling meanwhile must see nothing or one writer's whole content.
    std::thread reader([&] {
      start.arrive_and_wait();
      while (!writers_done.load()) {
        Result<std::string> data = fs.read(commit);
        if (!data) {
          if (data.error().code() != ErrorCode::kNotFound) torn_reads.fetch_add(1);
          continue;
        }
        bool whole = false;
        for (int writer = 0; writer < kThreads; ++writer) whole = whole || *data == writer_content(writer, round);
        if (!whole) torn_reads.fetch_add(1);
      }
    });
    for (std::thread& thread : threads) thread.join();
    writers_done.store(true);
    reader.join();

    int winner = -1;
    int wins = 0;
    for (int writer = 0; writer < kThreads; ++writer) {
      if (outcomes[writer] == "ok") {
        ++wins;
        winner = writer;
      } else {
        EXPECT_EQ(outcomes[writer], code_name(ErrorCode::kAlreadyExists)) << "round " << round;
      }
    }
    ASSERT_EQ(wins, 1) << "round " << round;
    EXPECT_EQ(this->read_or_fail(commit), writer_content(winner, round)) << "round " << round;
    EXPECT_EQ(torn_reads.load(), 0) << "round " << round;
  }
  Result<std::vector<FileInfo>> files = fs.list(this->path("_delta_log"));
  SILT_ASSERT_OK(files);
  EXPECT_EQ(files->size(), static_cast<size_t>(kRounds));  // no temp files left behind
}

TYPED_TEST(FileSystemContractTest, ReadersNeverSeeAPartialWrite) {
  auto& fs = this->fs();
  std::string file = this->path("_last_checkpoint");
  const std::string large(64 * 1024, 'L');
  const std::string small(1000, 's');
  SILT_ASSERT_OK(fs.write(file, large));
  std::atomic<bool> writer_done{false};
  std::atomic<int> bad_reads{0};
  std::atomic<int> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      // At least a few reads even when the writer finishes first.
      for (int n = 0; !writer_done.load() || n < 5; ++n) {
        Result<std::string> data = fs.read(file);
        reads.fetch_add(1);
        if (!data || (*data != large && *data != small)) bad_reads.fetch_add(1);
      }
    });
  }
  std::string failures;
  for (int i = 0; i < 60; ++i) {
    Status status = fs.write(file, i % 2 == 0 ? small : large);
    if (!status.ok()) failures += describe(status) + "\n";
  }
  writer_done.store(true);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures, "");
  EXPECT_EQ(bad_reads.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(this->read_or_fail(file), large);
}

// ---- LocalFileSystem only ----------------------------------------------------------------------

// Closes a pipe end when the test returns early, so forked children never block forever.
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() { reset(); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string commit_name(int version) {
  char name[32];
  std::snprintf(name, sizeof(name), "%020d.json", version);
  return name;
}

TEST(LocalFileSystemTest, PutIfAbsentHasExactlyOneWinnerPerVersionAcrossProcesses) {
  constexpr int kChildren = 4;
  constexpr int kVersions = 50;
  LocalEnvironment environment;
  ASSERT_FALSE(environment.root().empty());
  const std::string log_dir = join_path(environment.root(), "_delta_log");

  int start_pipe[2];
  ASSERT_EQ(::pipe(start_pipe), 0);
  ScopedFd start_read(start_pipe[0]);
  ScopedFd start_write(start_pipe[1]);
  std::vector<pid_t> pids;
  std::vector<std::unique_ptr<ScopedFd>> results;
  for (int child = 0; child < kChildren; ++child) {
    int result_pipe[2];
    ASSERT_EQ(::pipe(result_pipe), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0) << std::strerror(errno);
    if (pid == 0) {
      // Child: no gtest calls; report one byte per version ('1' won, '0' lost, 'E' error).
      ::close(start_pipe[1]);
      ::close(result_pipe[0]);
      char go;
      while (::read(start_pipe[0], &go, 1) < 0 && errno == EINTR) {
      }  // returns at EOF, when the parent closes its end: every child starts together
      LocalFileSystem fs;
      std::string report(kVersions, '0');
      for (int version = 0; version < kVersions; ++version) {
        Status status = fs.put_if_absent(join_path(log_dir, commit_name(version)), writer_content(child, version));
        if (status.ok()) {
          report[version] = '1';
        } else if (status.code() != ErrorCode::kAlreadyExists) {
          report[version] = 'E';
          std::fprintf(stderr, "child %d: %s\n", child, status.message().c_str());
        }
      }
      const char* cursor = report.data();
      size_t remaining = report.size();
      while (remaining > 0) {
        ssize_t written = ::write(result_pipe[1], cursor, remaining);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) ::_exit(2);
        cursor += written;
        remaining -= static_cast<size_t>(written);
      }
      ::_exit(0);
    }
    ::close(result_pipe[1]);
    pids.push_back(pid);
    results.push_back(std::make_unique<ScopedFd>(result_pipe[0]));
  }
  start_write.reset();  // go

  std::vector<std::string> reports;
  for (int child = 0; child < kChildren; ++child) {
    std::string report;
    char buffer[256];
    while (true) {
      ssize_t got = ::read(results[child]->get(), buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      report.append(buffer, static_cast<size_t>(got));
    }
    int wait_status = 0;
    ASSERT_EQ(::waitpid(pids[child], &wait_status, 0), pids[child]);
    EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << "child " << child;
    ASSERT_EQ(report.size(), static_cast<size_t>(kVersions)) << "child " << child;
    EXPECT_EQ(report.find('E'), std::string::npos) << "child " << child << ": " << report;
    reports.push_back(report);
  }

  int total_wins = 0;
  for (int version = 0; version < kVersions; ++version) {
    std::vector<int> winners;
    for (int child = 0; child < kChildren; ++child) {
      if (reports[child][version] == '1') winners.push_back(child);
    }
    total_wins += static_cast<int>(winners.size());
    ASSERT_EQ(winners.size(), 1u) << "version " << version;
    Result<std::string> data = environment.fs().read(join_path(log_dir, commit_name(version)));
    SILT_ASSERT_OK(data);
    EXPECT_TRUE(*data == writer_content(winners[0], version)) << "version " << version << " is not child "
                                                              << winners[0] << "'s whole content";
  }
  EXPECT_EQ(total_wins, kVersions);

  Result<std::vector<FileInfo>> files = environment.fs().list(log_dir);
  SILT_ASSERT_OK(files);
  EXPECT_EQ(files->size(), static_cast<size_t>(kVersions));  // exactly the commits: no temp files
}

TEST(LocalFileSystemTest, LeftoverTempFileFromACrashedWriterDoesNotBlock) {
  LocalEnvironment environment;
  ASSERT_FALSE(environment.root().empty());
  FileSystem& fs = environment.fs();
  std::string commit = join_path(environment.root(), "_delta_log/00000000000000000000.json");
  std::string stale = join_path(environment.root(), "_delta_log/.00000000000000000000.json.tmp.1.00000000deadbeef");
  SILT_ASSERT_OK(fs.write(stale, "half a comm"));
  SILT_ASSERT_OK(fs.put_if_absent(commit, "{\"commitInfo\":{}}"));
  Result<std::string> data = fs.read(commit);
  SILT_ASSERT_OK(data);
  EXPECT_EQ(*data, "{\"commitInfo\":{}}");
  SILT_ASSERT_OK(fs.write(commit, "rewritten"));
  data = fs.read(commit);
  SILT_ASSERT_OK(data);
  EXPECT_EQ(*data, "rewritten");
}

TEST(LocalFileSystemTest, FailedWriteLeavesNoTempFileAndNamesThePath) {
  LocalEnvironment environment;
  ASSERT_FALSE(environment.root().empty());
  FileSystem& fs = environment.fs();
  SILT_ASSERT_OK(fs.create_directories(join_path(environment.root(), "t/occupied")));
  Status status = fs.write(join_path(environment.root(), "t/occupied"), "x");
  EXPECT_EQ(code_name(status.code()), code_name(ErrorCode::kIo));
  EXPECT_NE(status.message().find("t/occupied"), std::string::npos) << status.message();
  Result<std::vector<FileInfo>> files = fs.list_recursive(environment.root());
  SILT_ASSERT_OK(files);
  EXPECT_TRUE(files->empty()) << files->front().path;  // the staged temp file was removed
}

}  // namespace
}  // namespace silt::storage
