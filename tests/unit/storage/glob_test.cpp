// storage::glob: DuckDB's wildcard rules ('*' and '?' within a component, "[...]", "**" across
// directories) over any FileSystem, checked on a MemoryFileSystem and against local disk.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/glob.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "support/temp_dir.h"

namespace silt::storage {
namespace {

std::vector<std::string> paths_of(const Result<std::vector<FileInfo>>& files) {
  std::vector<std::string> out;
  EXPECT_TRUE(files.has_value()) << files.error().message();
  if (!files) return out;
  for (const auto& file : *files) out.push_back(file.path);
  return out;
}

TEST(GlobMatch, WildcardsStayWithinOneComponent) {
  EXPECT_TRUE(glob_match("/l/orders/*.csv", "/l/orders/a.csv"));
  EXPECT_FALSE(glob_match("/l/orders/*.csv", "/l/orders/sub/a.csv"));
  EXPECT_FALSE(glob_match("/l/orders/*.csv", "/l/orders/a.csv.gz"));
  EXPECT_TRUE(glob_match("/l/*/a.csv", "/l/orders/a.csv"));
  EXPECT_TRUE(glob_match("/l/orders/a?.csv", "/l/orders/a1.csv"));
  EXPECT_FALSE(glob_match("/l/orders/a?.csv", "/l/orders/a12.csv"));
  EXPECT_TRUE(glob_match("/l/orders/[ab].csv", "/l/orders/b.csv"));
  EXPECT_FALSE(glob_match("/l/orders/[ab].csv", "/l/orders/c.csv"));
}

TEST(GlobMatch, DoubleStarSpansAnyNumberOfDirectories) {
  EXPECT_TRUE(glob_match("/l/**/*.csv", "/l/a.csv"));
  EXPECT_TRUE(glob_match("/l/**/*.csv", "/l/x/a.csv"));
  EXPECT_TRUE(glob_match("/l/**/*.csv", "/l/x/y/z/a.csv"));
  EXPECT_FALSE(glob_match("/l/**/*.csv", "/m/x/a.csv"));
  EXPECT_TRUE(glob_match("/l/**", "/l/x/y"));
}

TEST(GlobMatch, HiddenFilesNeedAnExplicitDot) {
  EXPECT_FALSE(glob_match("/l/*.csv", "/l/.a.csv.tmp.1.2"));
  EXPECT_FALSE(glob_match("/l/*", "/l/.hidden"));
  EXPECT_TRUE(glob_match("/l/.*", "/l/.hidden"));
}

TEST(GlobMatch, SchemeAndBucketMustBeEqual) {
  EXPECT_TRUE(glob_match("s3://bucket/landing/*.json", "s3://bucket/landing/a.json"));
  EXPECT_FALSE(glob_match("s3://bucket/landing/*.json", "s3://other/landing/a.json"));
  EXPECT_FALSE(glob_match("s3://bucket/landing/*.json", "/bucket/landing/a.json"));
}

TEST(Glob, ListsOnlyMatchingFilesSorted) {
  MemoryFileSystem fs;
  for (const char* path : {"/l/o/b.csv", "/l/o/a.csv", "/l/o/c.json", "/l/o/sub/d.csv", "/l/p/e.csv"}) {
    ASSERT_TRUE(fs.write(path, "x").ok());
  }
  EXPECT_EQ(paths_of(glob(fs, "/l/o/*.csv")), (std::vector<std::string>{"/l/o/a.csv", "/l/o/b.csv"}));
  EXPECT_EQ(paths_of(glob(fs, "/l/**/*.csv")),
            (std::vector<std::string>{"/l/o/a.csv", "/l/o/b.csv", "/l/o/sub/d.csv", "/l/p/e.csv"}));
  EXPECT_EQ(paths_of(glob(fs, "/l/*/e.csv")), (std::vector<std::string>{"/l/p/e.csv"}));
  EXPECT_EQ(paths_of(glob(fs, "/l/o/c.json")), (std::vector<std::string>{"/l/o/c.json"}));
  EXPECT_EQ(paths_of(glob(fs, "/l/o/missing.json")), std::vector<std::string>());
  EXPECT_EQ(paths_of(glob(fs, "/nowhere/*.csv")), std::vector<std::string>());
  auto one = glob(fs, "/l/o/a.csv");
  ASSERT_TRUE(one.has_value());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].size, 1);
}

TEST(Glob, SameAnswersOnLocalDisk) {
  testing::TempDir dir;
  LocalFileSystem fs;
  for (const char* name : {"o/b.csv", "o/a.csv", "o/c.json", "o/sub/d.csv"}) ASSERT_TRUE(fs.write(dir.file(name), "x").ok());
  EXPECT_EQ(paths_of(glob(fs, dir.file("o/*.csv"))), (std::vector<std::string>{dir.file("o/a.csv"), dir.file("o/b.csv")}));
  EXPECT_EQ(paths_of(glob(fs, dir.file("**/*.csv"))),
            (std::vector<std::string>{dir.file("o/a.csv"), dir.file("o/b.csv"), dir.file("o/sub/d.csv")}));
}

}  // namespace
}  // namespace silt::storage
