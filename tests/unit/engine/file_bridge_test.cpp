// engine::FileBridge and the DuckDB file system behind it: local disk in place; any other
// FileSystem read by DuckDB range by range and written file by file through silt's store, with
// DuckDB's paths turned back into store paths in C++, in SQL and in messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "base/strings.h"
#include "engine/duckdb/store_file_system.h"
#include "engine/file_bridge.h"
#include "engine/session.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "storage/routing_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {

namespace stdfs = std::filesystem;

std::unique_ptr<Session> open_session() {
  auto session = Session::open({});
  EXPECT_TRUE(session.has_value()) << session.error().message();
  return session ? std::move(*session) : nullptr;
}

std::string single(Session& session, const std::string& sql) {
  auto result = session.connection().query_any(sql);
  if (!result) return "error: " + result.error().message();
  return result->rows.empty() ? "" : result->rows[0][0].value_or("NULL");
}

// A store whose reads fail as S3 refusing the credentials does.
class RefusingFileSystem : public storage::MemoryFileSystem {
 public:
  Result<std::string> read_range(const std::string& path, int64_t, int64_t) override {
    return make_error(ErrorCode::kConfig, "S3 refused the credentials for s3://b/" + path + " (InvalidAccessKeyId)");
  }
};

TEST(FileBridge, LocalDiskIsUsedInPlace) {
  testing::TempDir dir;
  storage::LocalFileSystem local;
  ASSERT_TRUE(local.write(dir.file("a.csv"), "x\n1\n").ok());
  FileBridge bridge;
  EXPECT_TRUE(FileBridge::in_place(local, dir.file("a.csv")));
  auto path = bridge.readable(local, dir.file("a.csv"), false);
  ASSERT_TRUE(path.has_value()) << path.error().message();
  EXPECT_EQ(*path, dir.file("a.csv"));
  auto staging = bridge.staging_directory(local, dir.file("table"));
  ASSERT_TRUE(staging.has_value()) << staging.error().message();
  EXPECT_EQ(stdfs::path(*staging).parent_path().string(), dir.file("table"));
  bridge.remove_staging(*staging);
  EXPECT_FALSE(stdfs::exists(*staging));
}

TEST(FileBridge, ARoutingFileSystemIsInPlaceForLocalPathsOnly) {
  storage::RoutingFileSystem routed;
  EXPECT_TRUE(FileBridge::in_place(routed, "/data/lake/t"));
  EXPECT_FALSE(FileBridge::in_place(routed, "s3://bucket/lake/t"));
}

TEST(FileBridge, DuckDBReadsOtherStoresThroughSilt) {
  auto session = open_session();
  ASSERT_TRUE(session);
  FileBridge& bridge = session->files();
  storage::MemoryFileSystem memory;
  EXPECT_FALSE(FileBridge::in_place(memory, "/land/orders/a.csv"));
  ASSERT_TRUE(memory.write("/land/orders/a.csv", "x\n1\n").ok());
  auto path = bridge.readable(memory, "/land/orders/a.csv", false);
  ASSERT_TRUE(path.has_value()) << path.error().message();
  EXPECT_NE(*path, "/land/orders/a.csv");
  EXPECT_EQ(stdfs::path(*path).filename(), "a.csv");
  EXPECT_FALSE(stdfs::exists(*path)) << "nothing is copied to local disk";
  EXPECT_EQ(bridge.store_path(*path), "/land/orders/a.csv");
  EXPECT_EQ(bridge.store_path("/elsewhere/b.csv"), "/elsewhere/b.csv");
  EXPECT_EQ(single(*session, "SELECT sum(x)::VARCHAR FROM read_csv(" + sql_string(*path) + ")"), "1");

  // A source file replaced in the store is read again.
  ASSERT_TRUE(memory.write("/land/orders/a.csv", "x\n1\n2\n").ok());
  EXPECT_EQ(single(*session, "SELECT sum(x)::VARCHAR FROM read_csv(" + sql_string(*path) + ")"), "3");

  // Globs run over the store.
  ASSERT_TRUE(memory.write("/land/orders/b.csv", "x\n10\n").ok());
  auto pattern = bridge.readable(memory, "/land/orders/*.csv", false);
  ASSERT_TRUE(pattern.has_value());
  EXPECT_EQ(single(*session, "SELECT sum(x)::VARCHAR FROM read_csv(" + sql_string(*pattern) + ")"), "13");

  // A missing file is NotFound, named by its store path.
  auto missing = bridge.readable(memory, "/land/none.csv", false);
  ASSERT_TRUE(missing.has_value());
  auto failed = session->connection().query_any("SELECT * FROM read_csv(" + sql_string(*missing) + ")");
  ASSERT_FALSE(failed.has_value());
  EXPECT_NE(bridge.with_store_paths(failed.error().message()).find("/land/none.csv"), std::string::npos)
      << failed.error().message();
  EXPECT_EQ(bridge.with_store_paths("cannot read \"" + *path + "\": bad line"),
            "cannot read \"/land/orders/a.csv\": bad line");
}

TEST(FileBridge, AStoreErrorKeepsItsCodeThroughDuckDB) {
  auto session = open_session();
  ASSERT_TRUE(session);
  RefusingFileSystem refusing;
  ASSERT_TRUE(refusing.write("/k/a.csv", "x\n1\n").ok());
  auto path = session->files().readable(refusing, "/k/a.csv", false);
  ASSERT_TRUE(path.has_value());
  auto failed = session->connection().query_any("SELECT * FROM read_csv(" + sql_string(*path) + ")");
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().code(), ErrorCode::kConfig) << failed.error().message();
  EXPECT_NE(failed.error().message().find("InvalidAccessKeyId"), std::string::npos) << failed.error().message();
}

// A session, a store in memory and a staging directory for a table at /lake/t in it.
class FileBridgeStaging : public ::testing::Test {
 protected:
  void SetUp() override {
    session_ = open_session();
    ASSERT_TRUE(session_);
    auto staging = bridge().staging_directory(memory_, "/lake/t");
    ASSERT_TRUE(staging.has_value()) << staging.error().message();
    staging_ = *staging;
  }
  FileBridge& bridge() { return session_->files(); }

  std::unique_ptr<Session> session_;
  storage::MemoryFileSystem memory_;
  std::string staging_;
};

TEST_F(FileBridgeStaging, ParquetScansFetchRangesNotWholeFiles) {
  // Random values do not compress: the file is tens of megabytes.
  std::string sql = "COPY (SELECT i AS id, md5(i::VARCHAR) AS a, md5((i * 7)::VARCHAR) AS b FROM range(400000) t(i)) TO " +
                    sql_string(staging_ + "/data.parquet") + " (FORMAT parquet, ROW_GROUP_SIZE 100000)";
  ASSERT_TRUE(session_->connection().execute(sql).ok());
  ASSERT_TRUE(bridge().publish(memory_, staging_ + "/data.parquet", "/lake/t/data.parquet").ok());
  bridge().remove_staging(staging_);
  auto info = memory_.stat("/lake/t/data.parquet");
  ASSERT_TRUE(info.has_value()) << "the COPY streamed the file into the store";
  ASSERT_GT(info->size, 10 << 20);

  auto path = bridge().readable(memory_, "/lake/t/data.parquet", true);
  ASSERT_TRUE(path.has_value());
  auto before = duckdb::store_file_counters();
  EXPECT_EQ(single(*session_, "SELECT count(*) FROM read_parquet(" + sql_string(*path) + ")"), "400000");
  EXPECT_EQ(single(*session_, "SELECT max(id) FROM read_parquet(" + sql_string(*path) + ")"), "399999");
  auto after = duckdb::store_file_counters();
  int64_t fetched = after.bytes_read - before.bytes_read;
  EXPECT_GT(fetched, 0);
  EXPECT_LT(fetched, info->size / 4) << "a count and one narrow column fetched " << fetched << " of " << info->size;
  EXPECT_LE(after.stats - before.stats, 1) << "an immutable file is looked up once";

  // A full scan in a fresh session: the footer's window is not fetched a second time when the
  // last column chunks reach into it, so the scan fetches no more than the file.
  auto fresh = open_session();
  ASSERT_TRUE(fresh);
  auto fresh_path = fresh->files().readable(memory_, "/lake/t/data.parquet", true);
  ASSERT_TRUE(fresh_path.has_value());
  before = duckdb::store_file_counters();
  EXPECT_EQ(single(*fresh, "SELECT CAST(sum(id) AS VARCHAR) || ' ' || CAST(sum(length(a) + length(b)) AS VARCHAR) "
                           "FROM read_parquet(" + sql_string(*fresh_path) + ")"),
            "79999800000 25600000");
  after = duckdb::store_file_counters();
  EXPECT_LE(after.bytes_read - before.bytes_read, info->size)
      << "a full scan fetched " << after.bytes_read - before.bytes_read << " bytes of a " << info->size << "-byte file";
}

TEST(FileBridge, StorePathsComeBackInSqlToo) {
  auto session = open_session();
  ASSERT_TRUE(session);
  storage::MemoryFileSystem memory;
  FileBridge& bridge = session->files();
  for (std::string path : {"/land/x y/a.csv", "s3://bucket/land/k=v/b.csv"}) {
    ASSERT_TRUE(memory.write(path, "x\n1\n").ok());
    auto readable = bridge.readable(memory, path, false);
    ASSERT_TRUE(readable.has_value()) << readable.error().message();
    EXPECT_EQ(bridge.store_path(*readable), path);
    EXPECT_EQ(single(*session, "SELECT " + bridge.store_path_sql(sql_string(*readable))), path);
    EXPECT_EQ(single(*session, "SELECT " + bridge.store_path_sql("filename") + " FROM read_csv([" +
                                   sql_string(*readable) + "], filename = true)"),
              path);
    if (path.find("k=v") != std::string::npos) {
      EXPECT_EQ(single(*session, "SELECT k FROM read_csv([" + sql_string(*readable) + "], hive_partitioning = true)"),
                "v");
    }
  }
}

TEST_F(FileBridgeStaging, StagedFilesStreamToTheirPlaceAndUnpublishedOnesGo) {
  EXPECT_TRUE(bridge().handles(staging_)) << staging_;
  auto copied = session_->connection().query_any(
      "COPY (SELECT i, i % 2 AS p FROM range(10) t(i)) TO " + sql_string(staging_) +
      " (FORMAT parquet, PARTITION_BY (p), FILENAME_PATTERN 'part-{uuid}', RETURN_STATS true)");
  ASSERT_TRUE(copied.has_value()) << copied.error().message();
  ASSERT_EQ(copied->rows.size(), 2u);
  std::vector<std::string> written;
  for (const auto& row : copied->rows) {
    std::string file = row[0].value_or("");
    ASSERT_EQ(file.rfind(staging_ + "/p=", 0), 0u) << file;
    written.push_back("/lake/t/" + file.substr(staging_.size() + 1));
  }
  // Both files are in the table's directories already; only the published one stays.
  for (const auto& path : written) EXPECT_TRUE(memory_.exists(path).value_or(false)) << path;
  ASSERT_TRUE(bridge().publish(memory_, staging_ + written[0].substr(std::string("/lake/t").size()), written[0]).ok());
  EXPECT_FALSE(bridge().publish(memory_, staging_ + "/p=0/x.parquet", "/lake/other/x.parquet").ok());
  bridge().remove_staging(staging_);
  EXPECT_TRUE(memory_.exists(written[0]).value_or(false));
  EXPECT_FALSE(memory_.exists(written[1]).value_or(true)) << "an unpublished file outlived its staging directory";
}

}  // namespace
}  // namespace silt::engine
