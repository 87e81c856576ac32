// Concurrent appends from separate processes: 4 writers each run 25 real `silt table write`
// processes against one table at the same time, on local disk and on Ceph radosgw.
// Put-if-absent commits with retries must give exactly versions 1..100, lose no row, and leave
// every intermediate version readable.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/strings.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "storage/local/local_file_system.h"
#include "storage/s3/s3_file_system.h"
#include "support/run_command.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

extern char** environ;

namespace silt {
namespace {

using nlohmann::json;

constexpr int kWriters = 4;
constexpr int kCommitsPerWriter = 25;
constexpr int kTotalCommits = kWriters * kCommitsPerWriter;
constexpr auto kProcessDeadline = std::chrono::seconds(120);

struct Outcome {
  int exit_code = -1;  // 128 + signal when killed; -1 when it could not start or missed its deadline
  std::string out;
  std::string err;
};

// Runs argv with posix_spawn (stdout and stderr to files named by `output_prefix`, so no pipe is
// inherited by the other threads' children) and waits for it to exit, killing it at the deadline.
Outcome run_process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                    const std::string& output_prefix, std::chrono::milliseconds deadline) {
  const std::string out_path = output_prefix + ".out";
  const std::string err_path = output_prefix + ".err";
  Outcome outcome;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<char*> env;
  for (char** entry = environ; *entry; ++entry) env.push_back(*entry);
  for (const auto& entry : extra_env) env.push_back(const_cast<char*>(entry.c_str()));
  env.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    outcome.err = fmt::format("posix_spawn failed: {}", std::strerror(spawned));
    return outcome;
  }
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  bool exited = true;
  if (pidfd >= 0) {
    pollfd ready{pidfd, POLLIN, 0};
    int waited;
    do {
      waited = poll(&ready, 1, static_cast<int>(deadline.count()));
    } while (waited < 0 && errno == EINTR);
    exited = waited > 0;
    close(pidfd);
  }
  if (!exited) ::kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!exited) outcome.exit_code = -1;
  else if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) outcome.exit_code = 128 + WTERMSIG(status);
  outcome.out = testing::read_file_text(out_path);
  outcome.err = testing::read_file_text(err_path);
  if (!exited) outcome.err += "\n(killed at the deadline)";
  return outcome;
}

struct WriterResult {
  std::vector<int64_t> versions;  // committed version of each write, in order
  int retries = 0;                // commit attempts beyond the first, summed
  std::vector<std::string> failures;
};

Result<int64_t> count_rows(engine::Session& session, const delta::Snapshot& snapshot) {
  SILT_TRY_ASSIGN(auto scan, session.scan_sql(snapshot));
  SILT_TRY_ASSIGN(auto count, session.connection().query_value("SELECT count(*) FROM (" + scan + ")"));
  return parse_int64(count.value_or("")).value_or(-1);
}

// Where the table lives: its root, the environment silt needs to reach it, and a file system for
// checking the outcome.
struct Store {
  std::string root;
  std::vector<std::string> env;
  std::unique_ptr<storage::FileSystem> fs;
  std::unique_ptr<testing::S3TestServer> server;
};

class ConcurrentAppendsTest : public ::testing::TestWithParam<std::string> {
 protected:
  Store store_for(const std::string& kind) {
    Store store;
    if (kind == "local") {
      store.root = dir_.file("appends");
      store.fs = std::make_unique<storage::LocalFileSystem>();
      return store;
    }
    auto server = kind == "s3rver" ? testing::S3TestServer::start_s3rver() : testing::S3TestServer::radosgw();
    EXPECT_TRUE(server) << server.error().message();
    if (!server) return store;
    store.server = std::move(*server);
    auto bucket = store.server->create_bucket("appends");
    EXPECT_TRUE(bucket) << bucket.error().message();
    if (!bucket) return store;
    store.root = "s3://" + *bucket + "/lake/appends";
    store.env = store.server->client_environment();
    store.fs = std::make_unique<storage::s3::S3FileSystem>(store.server->client());
    return store;
  }

  // silt with the store's environment.
  Outcome silt(const Store& store, std::vector<std::string> args, const std::string& output_prefix) {
    args.insert(args.begin(), SILT_BINARY);
    return run_process(args, store.env, output_prefix, kProcessDeadline);
  }

  testing::TempDir dir_;
};

TEST_P(ConcurrentAppendsTest, FourProcessesAppendingLoseNoCommitAndNoRow) {
  testing::TempDir& dir = dir_;
  Store store = store_for(GetParam());
  ASSERT_TRUE(store.fs);
  const std::string root = store.root;
  storage::FileSystem& fs = *store.fs;
  auto created = silt(store, {"table", "create", root, "--schema", "id BIGINT NOT NULL, writer INTEGER NOT NULL, seq INTEGER NOT NULL"},
                      dir.file("create"));
  ASSERT_EQ(created.exit_code, 0) << created.err;

  std::vector<WriterResult> results(kWriters);
  std::latch start(kWriters);
  std::vector<std::thread> writers;
  auto started = std::chrono::steady_clock::now();
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([&, writer] {
      WriterResult& result = results[static_cast<size_t>(writer)];
      std::string output_prefix = dir.file(fmt::format("writer-{}", writer));
      start.arrive_and_wait();  // all writers start together so their commits race
      for (int seq = 0; seq < kCommitsPerWriter; ++seq) {
        std::string query = fmt::format(
            "SELECT CAST({0} * 1000 + {1} AS BIGINT) AS id, CAST({0} AS INTEGER) AS writer, CAST({1} AS INTEGER) AS seq",
            writer, seq);
        auto outcome = silt(store, {"--threads", "1", "table", "write", root, "--query", query, "--json"}, output_prefix);
        if (outcome.exit_code != 0) {
          result.failures.push_back(fmt::format("writer {} write {}: exit {}: {}", writer, seq, outcome.exit_code,
                                                outcome.err));
          continue;
        }
        json report = json::parse(outcome.out, nullptr, false);
        if (report.is_discarded() || !report.contains("version") || !report.contains("commit_attempts")) {
          result.failures.push_back(fmt::format("writer {} write {}: unreadable report: {}", writer, seq, outcome.out));
          continue;
        }
        result.versions.push_back(report["version"].get<int64_t>());
        result.retries += report["commit_attempts"].get<int>() - 1;
      }
    });
  }
  for (auto& thread : writers) thread.join();
  auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();

  int retries = 0;
  std::set<int64_t> versions;
  for (int writer = 0; writer < kWriters; ++writer) {
    const auto& result = results[static_cast<size_t>(writer)];
    for (const auto& failure : result.failures) ADD_FAILURE() << failure;
    EXPECT_EQ(result.versions.size(), static_cast<size_t>(kCommitsPerWriter)) << "writer " << writer;
    // One writer's own commits are sequential, so its versions strictly increase.
    for (size_t i = 1; i < result.versions.size(); ++i) EXPECT_LT(result.versions[i - 1], result.versions[i]);
    versions.insert(result.versions.begin(), result.versions.end());
    retries += result.retries;
  }
  // Each of the 100 writes got its own version, and together they are exactly 1..100.
  ASSERT_EQ(versions.size(), static_cast<size_t>(kTotalCommits));
  EXPECT_EQ(*versions.begin(), 1);
  EXPECT_EQ(*versions.rbegin(), kTotalCommits);
  std::cout << fmt::format("[ INFO     ] {}: {} writers x {} commits in {} ms, {} commit retries\n", GetParam(),
                           kWriters, kCommitsPerWriter, elapsed_ms, retries);
  ::testing::Test::RecordProperty("commit_retries", retries);

  auto session = engine::Session::open({});
  ASSERT_TRUE(session.has_value()) << session.error().message();
  auto listing = delta::list_log(fs, root);
  ASSERT_TRUE(listing.has_value()) << listing.error().message();
  ASSERT_EQ(listing->commits.size(), static_cast<size_t>(kTotalCommits + 1));
  EXPECT_EQ(listing->commits.rbegin()->first, kTotalCommits);

  // The latest version holds every writer's rows exactly once.
  auto latest = delta::Snapshot::load(fs, (*session)->parquet_io(), root);
  ASSERT_TRUE(latest.has_value()) << latest.error().message();
  EXPECT_EQ((*latest)->version(), kTotalCommits);
  auto scan = (*session)->scan_sql(**latest);
  ASSERT_TRUE(scan.has_value()) << scan.error().message();
  auto ids = (*session)->connection().query_varchar("SELECT CAST(id AS VARCHAR) FROM (" + *scan + ") ORDER BY id");
  ASSERT_TRUE(ids.has_value()) << ids.error().message();
  std::vector<int64_t> actual_ids, expected_ids;
  for (const auto& row : ids->rows) actual_ids.push_back(parse_int64(row[0].value_or("")).value_or(-1));
  for (int writer = 0; writer < kWriters; ++writer) {
    for (int seq = 0; seq < kCommitsPerWriter; ++seq) expected_ids.push_back(writer * 1000 + seq);
  }
  EXPECT_EQ(actual_ids, expected_ids);
  auto mismatched = (*session)->connection().query_value("SELECT count(*) FROM (" + *scan +
                                                          ") WHERE id <> writer * 1000 + seq");
  ASSERT_TRUE(mismatched.has_value()) << mismatched.error().message();
  EXPECT_EQ(mismatched->value_or(""), "0");

  // Every intermediate version loads and holds one row more than the one before it.
  for (int64_t version = 0; version <= kTotalCommits; ++version) {
    SCOPED_TRACE(fmt::format("version {}", version));
    auto snapshot = delta::Snapshot::load(fs, (*session)->parquet_io(), root, delta::VersionSpec{version, std::nullopt});
    ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
    EXPECT_EQ((*snapshot)->version(), version);
    EXPECT_EQ((*snapshot)->num_records(), version);
    auto rows = count_rows(**session, **snapshot);
    ASSERT_TRUE(rows.has_value()) << rows.error().message();
    EXPECT_EQ(*rows, version);
  }

  // History lists all 101 commits, newest first; each append read an older version.
  auto history = silt(store, {"table", "history", root, "--json"}, dir.file("history"));
  ASSERT_EQ(history.exit_code, 0) << history.err;
  json entries = json::parse(history.out, nullptr, false);
  ASSERT_TRUE(entries.is_array()) << history.out;
  ASSERT_EQ(entries.size(), static_cast<size_t>(kTotalCommits + 1));
  int writes = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const json& entry = entries[i];
    int64_t version = kTotalCommits - static_cast<int64_t>(i);
    EXPECT_EQ(entry.value("version", int64_t{-1}), version);
    if (version == 0) {
      EXPECT_EQ(entry.value("operation", ""), "CREATE TABLE");
      continue;
    }
    if (entry.value("operation", "") == "WRITE") ++writes;
    EXPECT_EQ(entry.value("is_blind_append", false), true) << entry.dump();
    ASSERT_TRUE(entry.contains("read_version")) << entry.dump();
    EXPECT_LT(entry["read_version"].get<int64_t>(), version);
  }
  EXPECT_EQ(writes, kTotalCommits);
}

INSTANTIATE_TEST_SUITE_P(Stores, ConcurrentAppendsTest, ::testing::Values("local", "radosgw"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace silt
