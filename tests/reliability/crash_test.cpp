// Crash safety: real `silt table write` processes are SIGKILLed at seeded random points: 0-150 ms
// after start, at a random point after they open the log, just after they create their data file,
// and just after a checkpoint version's commit lands (while checkpointing); completed writes are
// interleaved. After every kill the table must open at its newest commit, hold exactly the rows of
// its WRITE commits, and never show rows from orphaned Parquet files a killed writer left behind.
// Kill points are found by waiting on the process (pidfd) and on inotify events, never by sleeping.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "base/strings.h"
#include "delta/actions.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "storage/local/local_file_system.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

extern char** environ;

namespace silt {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr uint32_t kSeed = 0x5117C8A5;
constexpr int kMinKills = 50;
constexpr int kMaxIterations = 400;  // guards the loop if writes finish before almost every kill
constexpr int64_t kRowsPerWrite = 1000;
constexpr int kMaxKillDelayMs = 150;
constexpr int kMaxEventKillDelayMs = 3;  // after the data file or the commit file appears
// The work after the writer opens the log takes ~10-40 ms (more on a loaded machine): kills anchored
// there use a delay up to 1.5 times the measured duration of completed writes' work.
constexpr int kInitialWorkMs = 30;
constexpr int kMinWorkDelayMs = 5;
constexpr milliseconds kProcessDeadline{60000};

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<int64_t>(0, left));
}

// One child process, started with posix_spawn and watched through a pidfd so the parent can wait for
// its exit with a timeout. The destructor kills and reaps a child still running.
class ChildProcess {
 public:
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      reap();
    }
    if (pidfd_ >= 0) close(pidfd_);
  }

  // stdin is /dev/null; stdout and stderr go to `<output_prefix>.out` / `.err`.
  static Result<std::unique_ptr<ChildProcess>> start(const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& env, const std::string& cwd,
                                                     const std::string& output_prefix) {
    std::unique_ptr<ChildProcess> child(new ChildProcess());
    child->out_path_ = output_prefix + ".out";
    child->err_path_ = output_prefix + ".err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, child->out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, child->err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> args, envp;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
    envp.push_back(nullptr);
    int spawned = posix_spawn(&child->pid_, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) return make_error(ErrorCode::kIo, fmt::format("posix_spawn: {}", std::strerror(spawned)));
    child->reaped_ = false;
    // The child is not reaped yet, so its pid cannot be reused before pidfd_open.
    child->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, child->pid_, 0));
    if (child->pidfd_ < 0) return make_error(ErrorCode::kIo, fmt::format("pidfd_open: {}", std::strerror(errno)));
    return child;
  }

  int pidfd() const { return pidfd_; }

  // Waits up to `timeout` for the child to exit; true (and reaped) when it did.
  bool wait_for(milliseconds timeout) {
    if (reaped_) return true;
    auto deadline = Clock::now() + timeout;
    pollfd ready{pidfd_, POLLIN, 0};
    while (true) {
      int waited = poll(&ready, 1, remaining_ms(deadline));
      if (waited > 0) break;
      if (waited == 0) return false;
      if (errno != EINTR) return false;
    }
    reap();
    return true;
  }

  // Sends SIGKILL and reaps; true when the signal ended the child (false when it had exited first).
  bool kill_and_reap() {
    if (reaped_) return false;
    ::kill(pid_, SIGKILL);  // still our unreaped child: the pid cannot belong to anyone else
    reap();
    return killed();
  }

  bool killed() const { return WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL; }
  int exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_); }
  std::string err() const { return testing::read_file_text(err_path_); }

 private:
  ChildProcess() = default;

  void reap() {
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }

  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = true;
  int status_ = 0;
  std::string out_path_;
  std::string err_path_;
};

// Watches a table: the writer opening _delta_log (listing or reading commits), names appearing in
// _delta_log (created or renamed into place), and data files created in the table root.
class TableWatch {
 public:
  TableWatch(const std::string& root, const std::string& log_dir) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) return;
    log_watch_ = inotify_add_watch(fd_, log_dir.c_str(), IN_OPEN | IN_CREATE | IN_MOVED_TO);
    root_watch_ = inotify_add_watch(fd_, root.c_str(), IN_CREATE);
    if (log_watch_ < 0 || root_watch_ < 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~TableWatch() {
    if (fd_ >= 0) close(fd_);
  }
  TableWatch(const TableWatch&) = delete;
  TableWatch& operator=(const TableWatch&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  bool log_opened() const { return log_opened_; }
  bool data_file_created() const { return data_file_created_; }
  bool created_in_log(const std::string& name) const { return created_in_log_.count(name) > 0; }

  // Records pending events.
  void drain() {
    alignas(inotify_event) char buffer[16384];
    while (true) {
      ssize_t length = read(fd_, buffer, sizeof(buffer));
      if (length <= 0) break;
      for (ssize_t offset = 0; offset < length;) {
        auto* event = reinterpret_cast<inotify_event*>(buffer + offset);
        std::string name = event->len > 0 ? std::string(event->name) : std::string();
        if (event->wd == log_watch_) {
          if (event->mask & IN_OPEN) log_opened_ = true;
          if ((event->mask & (IN_CREATE | IN_MOVED_TO)) && !name.empty()) created_in_log_.insert(name);
        } else if (event->wd == root_watch_ && starts_with(name, "part-")) {
          data_file_created_ = true;
        }
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
  }

 private:
  int fd_ = -1;
  int log_watch_ = -1;
  int root_watch_ = -1;
  bool log_opened_ = false;
  bool data_file_created_ = false;
  std::set<std::string> created_in_log_;
};

// Waits until `condition` holds for the watched log, the child exits, or the timeout passes.
// Returns whether the condition held; `timed_out` tells the last case apart.
template <typename Condition>
bool wait_for_table_event(TableWatch& watch, ChildProcess& child, Condition condition, milliseconds timeout,
                        bool* timed_out) {
  auto deadline = Clock::now() + timeout;
  *timed_out = false;
  while (true) {
    watch.drain();
    if (condition()) return true;
    pollfd fds[2] = {{watch.fd(), POLLIN, 0}, {child.pidfd(), POLLIN, 0}};
    int ready = poll(fds, 2, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      *timed_out = true;
      return false;
    }
    if (fds[1].revents & POLLIN) {  // exited: its last events are already queued
      watch.drain();
      return condition();
    }
  }
}

enum class Plan {
  kComplete,           // let the write finish
  kKillFromStart,      // SIGKILL 0-150 ms after the process starts (mostly during start-up)
  kKillFromLogAccess,  // SIGKILL at a random point of the work after the writer first opens _delta_log
  kKillInDataWrite,    // SIGKILL just after the writer creates its Parquet file, before its commit
  kKillInCheckpoint,   // SIGKILL just after the commit file of a checkpoint version appears
};

const char* plan_name(Plan plan) {
  switch (plan) {
    case Plan::kComplete: return "complete";
    case Plan::kKillFromStart: return "kill-from-start";
    case Plan::kKillFromLogAccess: return "kill-from-log-access";
    case Plan::kKillInDataWrite: return "kill-in-data-write";
    case Plan::kKillInCheckpoint: return "kill-in-checkpoint";
  }
  return "?";
}

struct CrashStats {
  int iterations = 0;
  int kills = 0;
  int completed = 0;
  int kills_leaving_orphans = 0;    // killed after staging data files, before committing them
  int kills_after_commit = 0;       // killed, yet its commit had landed
  int kills_in_checkpoint = 0;      // killed after a checkpoint version's commit, before its checkpoint was done
  int checkpoints_on_disk = 0;
  size_t orphan_files = 0;
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.file("events");
    temp_ = dir_.file("tmp");
    std::filesystem::create_directories(temp_);
    // Children keep their temporary files (checkpoint encoding) inside the test directory.
    for (char** entry = environ; *entry; ++entry) {
      if (!starts_with(*entry, "TMPDIR=")) env_.push_back(*entry);
    }
    env_.push_back("TMPDIR=" + temp_);
    auto session = engine::Session::open({});
    ASSERT_TRUE(session.has_value()) << session.error().message();
    session_ = std::move(*session);
  }

  std::vector<std::string> write_command(int64_t batch) const {
    return {SILT_BINARY, "table", "write", root_, "--query",
            fmt::format("SELECT CAST({0} * {1} + range AS BIGINT) AS id, CAST({0} AS BIGINT) AS batch FROM range({1})",
                        batch, kRowsPerWrite)};
  }

  // Reads the commits after `last_version_` up to `latest` and checks the table against them.
  void check_table(bool write_completed, int64_t batch) {
    auto listing = delta::list_log(fs_, root_);
    ASSERT_TRUE(listing.has_value()) << listing.error().message();
    ASSERT_FALSE(listing->commits.empty());
    int64_t latest = listing->commits.rbegin()->first;
    // One writer commits at most once; a completed one commits exactly once.
    ASSERT_GE(latest, last_version_);
    ASSERT_LE(latest, last_version_ + 1);
    if (write_completed) {
      ASSERT_EQ(latest, last_version_ + 1);
    }
    const bool landed = latest == last_version_ + 1;
    stats_.checkpoints_on_disk = static_cast<int>(listing->checkpoints.size());

    for (int64_t version = last_version_ + 1; version <= latest; ++version) {
      auto actions = delta::read_commit(fs_, root_, version);
      ASSERT_TRUE(actions.has_value()) << actions.error().message();
      std::string operation;
      int64_t added_rows = 0;
      for (const auto& action : *actions) {
        if (const auto* info = std::get_if<delta::CommitInfo>(&action)) {
          auto parsed = nlohmann::json::parse(info->json, nullptr, false);
          if (parsed.is_object()) operation = parsed.value("operation", "");
        } else if (const auto* add = std::get_if<delta::AddFile>(&action)) {
          added_rows += add->num_records().value_or(-1);
        }
      }
      ASSERT_EQ(operation, "WRITE") << "commit " << version;
      EXPECT_EQ(added_rows, kRowsPerWrite) << "commit " << version;
      ++write_commits_;
      writes_at_version_.push_back(write_commits_);
    }
    last_version_ = latest;

    // The table opens at its newest commit and holds exactly the rows of its WRITE commits.
    auto snapshot = delta::Snapshot::load(fs_, session_->parquet_io(), root_);
    ASSERT_TRUE(snapshot.has_value()) << snapshot.error().message();
    ASSERT_EQ((*snapshot)->version(), latest);
    const int64_t expected_rows = kRowsPerWrite * write_commits_;
    ASSERT_EQ((*snapshot)->num_records(), expected_rows);
    auto scan = session_->scan_sql(**snapshot);
    ASSERT_TRUE(scan.has_value()) << scan.error().message();
    auto counts = session_->connection().query_varchar(fmt::format(
        "WITH t AS ({0}) SELECT CAST(count(*) AS VARCHAR), CAST(count(DISTINCT batch) AS VARCHAR), "
        "CAST((SELECT count(*) FROM (SELECT batch FROM t GROUP BY batch HAVING count(*) <> {1})) AS VARCHAR), "
        "CAST(count(*) FILTER (WHERE id // {1} <> batch) AS VARCHAR), "
        "CAST(count(*) FILTER (WHERE batch = {2}) AS VARCHAR) FROM t",
        *scan, kRowsPerWrite, batch));
    ASSERT_TRUE(counts.has_value()) << counts.error().message();
    const auto& row = counts->rows.at(0);
    EXPECT_EQ(row[0].value_or(""), std::to_string(expected_rows)) << "rows read";
    EXPECT_EQ(row[1].value_or(""), std::to_string(write_commits_)) << "distinct batches";
    EXPECT_EQ(row[2].value_or(""), "0") << "batches without exactly " << kRowsPerWrite << " rows";
    EXPECT_EQ(row[3].value_or(""), "0") << "rows whose id is not from their batch";
    // This iteration's batch is in the table, whole, exactly when its commit landed.
    EXPECT_EQ(row[4].value_or(""), landed ? std::to_string(kRowsPerWrite) : "0") << "batch " << batch;

    // Files on disk that the snapshot does not reference: a killed writer's orphans.
    std::set<std::string> live;
    for (const auto& file : (*snapshot)->files()) live.insert((*snapshot)->absolute_path(file.path));
    auto on_disk = fs_.list_recursive(root_);
    ASSERT_TRUE(on_disk.has_value()) << on_disk.error().message();
    size_t orphans = 0;
    for (const auto& file : *on_disk) {
      if (ends_with(file.path, ".parquet") && file.path.find("/_delta_log/") == std::string::npos &&
          !live.count(file.path)) {
        ++orphans;
      }
    }
    stats_.orphan_files = orphans;
  }

  testing::TempDir dir_;
  std::string root_;
  std::string temp_;
  std::vector<std::string> env_;
  storage::LocalFileSystem fs_;
  std::unique_ptr<engine::Session> session_;

  int64_t last_version_ = 0;
  int64_t write_commits_ = 0;
  std::vector<int64_t> writes_at_version_{0};  // [v]: WRITE commits up to version v
  CrashStats stats_;
};

TEST_F(CrashTest, KilledWritersNeverCorruptTheTable) {
  auto created = testing::run_silt({"table", "create", root_, "--schema", "id BIGINT NOT NULL, batch BIGINT NOT NULL"});
  ASSERT_EQ(created.exit_code, 0) << created.err;

  std::mt19937 random(kSeed);
  std::uniform_int_distribution<int> start_delay(0, kMaxKillDelayMs);
  std::uniform_int_distribution<int> event_delay(0, kMaxEventKillDelayMs);
  // Random kills: 40% from the start, 40% from the log access, 20% in the (short) data write.
  std::discrete_distribution<int> random_plan({40, 40, 20});
  const Plan random_plans[] = {Plan::kKillFromStart, Plan::kKillFromLogAccess, Plan::kKillInDataWrite};
  double work_ms = kInitialWorkMs;  // moving average over completed writes
  const std::string log_dir = delta::log_dir(root_);
  auto started = Clock::now();
  int checkpoint_versions_seen = 0;

  for (int64_t batch = 1; stats_.kills < kMinKills; ++batch) {
    ASSERT_LT(stats_.iterations, kMaxIterations) << "only " << stats_.kills << " writers were killed mid-write";
    ++stats_.iterations;
    const int64_t next_version = last_version_ + 1;
    Plan plan = random_plans[random_plan(random)];
    if (next_version % 10 == 0) {
      // Checkpoint versions alternate: killed while checkpointing, then completed so later reads
      // start from a real checkpoint.
      plan = checkpoint_versions_seen++ % 2 == 0 ? Plan::kKillInCheckpoint : Plan::kComplete;
    } else if (stats_.iterations % 3 == 0) {
      plan = Plan::kComplete;  // grow the table towards the next checkpoint
    }
    SCOPED_TRACE(fmt::format("iteration {}, batch {}, next version {}, {}", stats_.iterations, batch, next_version,
                             plan_name(plan)));

    TableWatch watch(root_, log_dir);
    ASSERT_TRUE(watch.ok()) << std::strerror(errno);
    auto child = ChildProcess::start(write_command(batch), env_, dir_.path(), dir_.file("writer"));
    ASSERT_TRUE(child.has_value()) << child.error().message();
    ChildProcess& writer = **child;

    bool exited = false;
    bool timed_out = false;
    switch (plan) {
      case Plan::kComplete: {
        bool opened = wait_for_table_event(watch, writer, [&] { return watch.log_opened(); }, kProcessDeadline, &timed_out);
        ASSERT_FALSE(timed_out) << "the writer did not open the log";
        auto opened_at = Clock::now();
        exited = writer.wait_for(kProcessDeadline);
        ASSERT_TRUE(exited) << "a write did not finish within " << kProcessDeadline.count() << " ms";
        if (opened) {
          double measured = std::chrono::duration<double, std::milli>(Clock::now() - opened_at).count();
          work_ms = 0.7 * work_ms + 0.3 * measured;
        }
        break;
      }
      case Plan::kKillFromStart:
        exited = writer.wait_for(milliseconds(start_delay(random)));
        break;
      case Plan::kKillFromLogAccess: {
        int bound = std::clamp(static_cast<int>(1.5 * work_ms), kMinWorkDelayMs, kMaxKillDelayMs);
        int delay = std::uniform_int_distribution<int>(0, bound)(random);
        wait_for_table_event(watch, writer, [&] { return watch.log_opened(); }, kProcessDeadline, &timed_out);
        ASSERT_FALSE(timed_out) << "the writer did not open the log";
        exited = writer.wait_for(milliseconds(delay));
        break;
      }
      case Plan::kKillInDataWrite: {
        int delay = event_delay(random);
        wait_for_table_event(watch, writer, [&] { return watch.data_file_created(); }, kProcessDeadline, &timed_out);
        ASSERT_FALSE(timed_out) << "no data file within " << kProcessDeadline.count() << " ms";
        exited = writer.wait_for(milliseconds(delay));
        break;
      }
      case Plan::kKillInCheckpoint: {
        const std::string commit_name = fmt::format("{:020}.json", next_version);
        int delay = event_delay(random);
        wait_for_table_event(watch, writer, [&] { return watch.created_in_log(commit_name); }, kProcessDeadline, &timed_out);
        ASSERT_FALSE(timed_out) << "no commit within " << kProcessDeadline.count() << " ms";
        exited = writer.wait_for(milliseconds(delay));
        break;
      }
    }
    bool killed = !exited && writer.kill_and_reap();
    if (killed) {
      ++stats_.kills;
    } else {
      ++stats_.completed;
      ASSERT_EQ(writer.exit_code(), 0) << writer.err();
    }

    const int64_t before = last_version_;
    const size_t orphans_before = stats_.orphan_files;
    check_table(/*write_completed=*/!killed, batch);
    if (HasFailure()) return;
    if (!killed) continue;
    if (stats_.orphan_files > orphans_before) ++stats_.kills_leaving_orphans;
    if (last_version_ == before + 1) {
      ++stats_.kills_after_commit;
      if (next_version % 10 == 0) {
        bool checkpoint_done = std::filesystem::exists(delta::checkpoint_file_path(root_, next_version)) &&
                               testing::read_file_text(delta::last_checkpoint_path(root_))
                                       .find(fmt::format("\"version\":{}", next_version)) != std::string::npos;
        if (!checkpoint_done) ++stats_.kills_in_checkpoint;
      }
    }
  }
  auto loop_ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started).count();

  // Every version, including those after interrupted checkpoints, loads with the rows its log
  // prescribes.
  for (int64_t version = 0; version <= last_version_; ++version) {
    auto snapshot = delta::Snapshot::load(fs_, session_->parquet_io(), root_, delta::VersionSpec{version, std::nullopt});
    ASSERT_TRUE(snapshot.has_value()) << "version " << version << ": " << snapshot.error().message();
    EXPECT_EQ((*snapshot)->num_records(), kRowsPerWrite * writes_at_version_[static_cast<size_t>(version)])
        << "version " << version;
  }
  // The real binary agrees, and lists every commit.
  auto counted = testing::run_silt({"sql", "--table", "t=" + root_, "--format", "csv", "SELECT count(*) AS n FROM t"});
  ASSERT_EQ(counted.exit_code, 0) << counted.err;
  EXPECT_EQ(counted.out, fmt::format("n\n{}\n", kRowsPerWrite * write_commits_));
  auto history = testing::run_silt({"table", "history", root_, "--json"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  auto entries = nlohmann::json::parse(history.out, nullptr, false);
  ASSERT_TRUE(entries.is_array()) << history.out;
  EXPECT_EQ(entries.size(), static_cast<size_t>(last_version_ + 1));

  std::cout << fmt::format(
      "[ INFO     ] {} iterations in {} ms: {} killed ({} leaving orphaned data files, {} after their commit, {} while "
      "checkpointing), {} completed; latest version {}, {} checkpoints, {} orphaned data files, work ~{:.0f} ms\n",
      stats_.iterations, loop_ms, stats_.kills, stats_.kills_leaving_orphans, stats_.kills_after_commit,
      stats_.kills_in_checkpoint, stats_.completed, last_version_, stats_.checkpoints_on_disk, stats_.orphan_files,
      work_ms);
  EXPECT_GE(stats_.kills, kMinKills);
  // Kills reached the data, commit and checkpoint phases; checkpoints were also completed and used.
  EXPECT_GE(stats_.kills_leaving_orphans, 1);
  EXPECT_GE(stats_.kills_after_commit, 1);
  EXPECT_GE(stats_.kills_in_checkpoint, 1);
  EXPECT_GE(stats_.checkpoints_on_disk, 1);
}

}  // namespace
}  // namespace silt
