// The benchmark harness: repeated timings (median), paired subject/baseline runs, progress on
// stderr, and the Markdown report. Benchmarks are not tests: they measure, they never assert.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "storage/file_system.h"

namespace silt::bench {

// Wall times of repeated runs, in seconds.
struct Samples {
  std::vector<double> seconds;

  bool empty() const { return seconds.empty(); }
  double median() const;
  double min() const;
  double max() const;
  double percentile(double fraction) const;  // nearest rank, 0 < fraction <= 1
};

// Seconds since `start_ns` (from monotonic_ns()).
double seconds_since(int64_t start_ns);

// What one repetition does: `setup` and `cleanup` are not timed, `run` is. Each gets the
// repetition index; empty functions are skipped.
struct Case {
  std::function<Status(int)> run;
  std::function<Status(int)> setup;
  std::function<void(int)> cleanup;
};

// Runs `subject` and `baseline` `repetitions` times each, alternating (baseline first on even
// runs, subject first on odd ones) so drift on a shared machine hits both alike. The first error
// stops the measurement.
struct PairedSamples {
  Samples subject;
  Samples baseline;
};
Result<PairedSamples> measure_paired(int repetitions, const Case& subject, const Case& baseline);
Result<Samples> measure(int repetitions, const Case& body);

// "[  12.3 s] message" on stderr.
void progress(const std::string& message);

// "842 µs", "12.3 ms", "4.56 s".
std::string format_seconds(double seconds);

struct Target {
  enum class Kind { kNone, kRatioAtMost, kSecondsAtMost };
  Kind kind = Kind::kNone;
  double value = 0;

  static Target ratio_at_most(double value) { return {Kind::kRatioAtMost, value}; }
  static Target seconds_at_most(double value) { return {Kind::kSecondsAtMost, value}; }
  std::string describe() const;
};

// One figure: a subject measured against a baseline in the same run. `value` chooses what the
// summary shows for the subject (median, or p90 for latency tails).
struct Entry {
  std::string id;             // "1a"
  std::string title;          // "Append 5M rows from Parquet, binary"
  std::string subject_name;   // "silt table write --input x.parquet"
  std::string baseline_name;  // "silt sql \"COPY ... TO y.parquet\""
  Samples subject;
  Samples baseline;
  Target target;
  std::string note;           // one line shown under the details table

  double ratio() const;
  bool target_met() const;
};

// Collects the entries of each benchmark group and renders docs/BENCHMARKS.md.
class Report {
 public:
  void begin_group(const std::string& heading, const std::string& description);
  void add(Entry entry);
  // A benchmark that could not run: recorded instead of its figures.
  void add_failure(const std::string& id, const std::string& title, const Status& status);

  std::string markdown(double total_seconds) const;
  bool all_targets_met() const;

 private:
  struct Group {
    std::string heading;
    std::string description;
    std::vector<Entry> entries;
    std::vector<std::string> failures;
  };
  std::vector<Group> groups_;
};

// Settings shared by every group; "quick" shrinks sizes for trying the harness out.
struct Config {
  std::string output = "docs/BENCHMARKS.md";
  std::string work_dir;           // scratch space
  bool keep_scratch = false;      // --work-dir given: keep the synthetic snapshot logs for inspection
  bool quick = false;
  std::vector<std::string> only;  // group names to run (append, snapshot, count, commit, merge, pipeline, quality, s3, flags, consolidate, vacuum); empty: all
  int64_t append_rows = 5'000'000;
  int append_repetitions = 5;
  int64_t count_rows = 5'000'000;
  int count_files = 2'000;
  int count_repetitions = 5;
  int64_t checkpoint_files = 100'000;
  int json_commits = 1'000;
  int json_adds_per_commit = 100;
  int snapshot_repetitions = 5;
  int small_commits = 50;
  int s3_commits = 200;
  int64_t vacuum_files = 100'000;

  bool selected(const std::string& group) const;
};

// What every group gets: configuration, the report, a local file system, and the shared input
// Parquet file (5M mixed-type rows, generated on first use).
class Bench {
 public:
  Bench(Config config, Report& report, storage::FileSystem& fs) : config_(std::move(config)), report_(report), fs_(fs) {}

  const Config& config() const { return config_; }
  Report& report() { return report_; }
  storage::FileSystem& fs() { return fs_; }
  std::string scratch(const std::string& name) const { return config_.work_dir + "/" + name; }

  // A Parquet file with `rows` rows and ten mixed-type columns (see input_data.cpp).
  Result<std::string> input_parquet(int64_t rows);

 private:
  Config config_;
  Report& report_;
  storage::FileSystem& fs_;
  std::vector<std::pair<int64_t, std::string>> inputs_;
};

// Benchmark groups (one file each).
void run_append_benchmarks(Bench& bench);
void run_snapshot_benchmarks(Bench& bench);
void run_count_benchmarks(Bench& bench);
void run_commit_latency_benchmarks(Bench& bench);
void run_merge_benchmarks(Bench& bench);
void run_pipeline_benchmarks(Bench& bench);
void run_quality_benchmarks(Bench& bench);
void run_s3_benchmarks(Bench& bench);
void run_flags_benchmarks(Bench& bench);
void run_versions_benchmarks(Bench& bench);  // in the "flags" group too
void run_consolidate_benchmarks(Bench& bench);
void run_vacuum_benchmarks(Bench& bench);

// Shared pieces.
// A synthetic log at `root` on `fs` (snapshot_bench.cpp): version 0 created by silt, 100 commits
// adding `files` files in all (add actions with partition values and full statistics, data files
// absent), and a checkpoint at version 100. Returns the checkpoint's size in bytes.
Result<int64_t> write_checkpointed_log(engine::Session& session, storage::FileSystem& fs, const std::string& root,
                                       int64_t files);
Result<std::unique_ptr<engine::Session>> open_session();
// Copies the silt binary under test (SILT_BINARY) into `dir`, waiting up to two minutes for it to
// exist: other builds sharing build/ may be relinking it. Later runs use the copy.
Status snapshot_silt_binary(const std::string& dir);
// The silt binary the benchmarks run (the copy once snapshot_silt_binary succeeded).
const std::string& silt_binary_path();
// Runs the silt binary; an error naming the command and its stderr when it exits non-zero.
Status run_silt_checked(const std::vector<std::string>& args, std::string* out = nullptr);
// Removes a directory tree or file; errors ignored (scratch cleanup).
void remove_tree(const std::string& path);
// The ten-column schema of the input data as a SQL column list (for `silt table create --schema`).
extern const char* const kInputSchemaSql;

}  // namespace silt::bench
