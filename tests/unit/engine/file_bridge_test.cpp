// engine::FileBridge: local disk in place, any other FileSystem through a local cache and local
// staging, with cached paths turned back into store paths in C++, in SQL and in messages.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "base/strings.h"
#include "engine/file_bridge.h"
#include "engine/session.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "storage/routing_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {

namespace stdfs = std::filesystem;

TEST(FileBridge, LocalDiskIsUsedInPlace) {
  testing::TempDir dir;
  storage::LocalFileSystem local;
  ASSERT_TRUE(local.write(dir.file("a.csv"), "x\n1\n").ok());
  FileBridge bridge(dir.file("temp"));
  EXPECT_TRUE(FileBridge::in_place(local, dir.file("a.csv")));
  auto path = bridge.readable(local, dir.file("a.csv"), false);
  ASSERT_TRUE(path.has_value()) << path.error().message();
  EXPECT_EQ(*path, dir.file("a.csv"));
  auto staging = bridge.staging_directory(local, dir.file("table"));
  ASSERT_TRUE(staging.has_value()) << staging.error().message();
  EXPECT_EQ(stdfs::path(*staging).parent_path().string(), dir.file("table"));
  FileBridge::remove_staging(*staging);
  EXPECT_FALSE(stdfs::exists(*staging));
}

TEST(FileBridge, ARoutingFileSystemIsInPlaceForLocalPathsOnly) {
  storage::RoutingFileSystem routed;
  EXPECT_TRUE(FileBridge::in_place(routed, "/data/lake/t"));
  EXPECT_FALSE(FileBridge::in_place(routed, "s3://bucket/lake/t"));
}

TEST(FileBridge, OtherStoresAreReadThroughACacheThatFollowsChanges) {
  testing::TempDir dir;
  storage::MemoryFileSystem memory;
  EXPECT_FALSE(FileBridge::in_place(memory, "/land/orders/a.csv"));
  ASSERT_TRUE(memory.write("/land/orders/a.csv", "x\n1\n").ok());
  std::string cached;
  {
    FileBridge bridge(dir.file("temp"));
    auto path = bridge.readable(memory, "/land/orders/a.csv", false);
    ASSERT_TRUE(path.has_value()) << path.error().message();
    cached = *path;
    EXPECT_NE(cached, "/land/orders/a.csv");
    EXPECT_EQ(stdfs::path(cached).filename(), "a.csv");
    EXPECT_EQ(testing::read_file_text(cached), "x\n1\n");
    EXPECT_EQ(bridge.store_path(cached), "/land/orders/a.csv");
    EXPECT_EQ(bridge.store_path("/elsewhere/b.csv"), "/elsewhere/b.csv");

    // A source file replaced in the store is fetched again; an immutable file never is.
    ASSERT_TRUE(memory.write("/land/orders/a.csv", "x\n1\n2\n").ok());
    auto again = bridge.readable(memory, "/land/orders/a.csv", false);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(testing::read_file_text(*again), "x\n1\n2\n");
    ASSERT_TRUE(memory.write("/t/part-1.parquet", "one").ok());
    ASSERT_TRUE(bridge.readable(memory, "/t/part-1.parquet", true).has_value());
    ASSERT_TRUE(memory.write("/t/part-1.parquet", "two").ok());
    auto immutable = bridge.readable(memory, "/t/part-1.parquet", true);
    ASSERT_TRUE(immutable.has_value());
    EXPECT_EQ(testing::read_file_text(*immutable), "one");

    auto missing = bridge.readable(memory, "/land/none.csv", false);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

    EXPECT_EQ(bridge.with_store_paths("cannot read \"" + cached + "\": bad line"),
              "cannot read \"/land/orders/a.csv\": bad line");
  }
  EXPECT_FALSE(stdfs::exists(cached)) << "the cache outlived its bridge";
}

TEST(FileBridge, StorePathsComeBackInSqlToo) {
  auto session = Session::open({});
  ASSERT_TRUE(session.has_value()) << session.error().message();
  storage::MemoryFileSystem memory;
  FileBridge& bridge = (*session)->files();
  for (std::string path : {"/land/x y/a.csv", "s3://bucket/land/k=v/b.csv"}) {
    ASSERT_TRUE(memory.write(path, "x\n1\n").ok());
    auto cached = bridge.readable(memory, path, false);
    ASSERT_TRUE(cached.has_value()) << cached.error().message();
    EXPECT_EQ(bridge.store_path(*cached), path);
    auto in_sql = (*session)->connection().query_varchar("SELECT " + bridge.store_path_sql(sql_string(*cached)));
    ASSERT_TRUE(in_sql.has_value()) << in_sql.error().message();
    EXPECT_EQ(in_sql->rows[0][0].value_or(""), path);
    auto rows = (*session)->connection().query_varchar(
        "SELECT " + bridge.store_path_sql("filename") + " FROM read_csv([" + sql_string(*cached) + "], filename = true)");
    ASSERT_TRUE(rows.has_value()) << rows.error().message();
    EXPECT_EQ(rows->rows[0][0].value_or(""), path);
  }
}

TEST(FileBridge, PublishStreamsStagedFilesIntoTheStore) {
  testing::TempDir dir;
  storage::MemoryFileSystem memory;
  FileBridge bridge(dir.file("temp"));
  auto staging = bridge.staging_directory(memory, "/lake/t");
  ASSERT_TRUE(staging.has_value()) << staging.error().message();
  EXPECT_EQ(staging->rfind(dir.file("temp"), 0), 0u) << *staging;
  std::string big(20 << 20, 'a');  // more than one chunk
  big[12345678] = 'b';
  { std::ofstream(*staging + "/part-1.parquet", std::ios::binary) << big; }
  Status published = bridge.publish(memory, *staging + "/part-1.parquet", "/lake/t/part-1.parquet");
  ASSERT_TRUE(published.ok()) << published.message();
  auto stored = memory.read("/lake/t/part-1.parquet");
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(*stored == big);
  EXPECT_FALSE(stdfs::exists(*staging + "/part-1.parquet"));
  FileBridge::remove_staging(*staging);
  EXPECT_FALSE(stdfs::exists(*staging));
}

TEST(FileBridge, CachesOfProcessesThatAreGoneAreRemoved) {
  testing::TempDir dir;
  std::string temp = dir.file("temp");
  // A pid far above pid_max on Linux is never alive; our own cache stays.
  std::string dead = temp + "/silt-cache-999999999-abc";
  stdfs::create_directories(dead + "/0/x");
  FileBridge first(temp);
  storage::MemoryFileSystem memory;
  ASSERT_TRUE(memory.write("/a", "1").ok());
  auto mine = first.readable(memory, "/a", true);
  ASSERT_TRUE(mine.has_value());
  EXPECT_FALSE(stdfs::exists(dead));
  FileBridge second(temp);
  EXPECT_TRUE(stdfs::exists(*mine)) << "a live process's cache was removed";
}

}  // namespace
}  // namespace silt::engine
