// silt_bench: runs the benchmark groups and writes the Markdown report (docs/BENCHMARKS.md).
// Usage: silt_bench [--output FILE] [--only append,snapshot,count,commit,merge,pipeline,quality,s3,flags,consolidate,vacuum] [--quick] [--work-dir DIR]
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "harness.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace {

void usage() {
  std::fputs(
      "usage: silt_bench [--output FILE] [--only GROUP[,GROUP...]] [--quick] [--work-dir DIR]\n"
      "  --output FILE  Markdown report to write (default docs/BENCHMARKS.md)\n"
      "  --only GROUPS  run only these groups: append, snapshot, count, commit, merge, pipeline, quality,\n"
      "                 s3 (starts a Ceph radosgw on 127.0.0.1), flags, consolidate, vacuum\n"
      "  --quick        small sizes and few repetitions, for trying the harness out\n"
      "  --work-dir DIR scratch directory to use and keep (default: a temporary one, removed)\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace silt;
  bench::Config config;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--output" && i + 1 < argc) {
      config.output = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      config.only = split(argv[++i], ',');
    } else if (arg == "--work-dir" && i + 1 < argc) {
      config.work_dir = argv[++i];
      config.keep_scratch = true;
    } else if (arg == "--quick") {
      config.quick = true;
    } else {
      usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  if (config.quick) {
    config.append_rows = 500'000;
    config.append_repetitions = 2;
    config.count_rows = 500'000;
    config.count_files = 200;
    config.count_repetitions = 3;
    config.checkpoint_files = 10'000;
    config.json_commits = 100;
    config.snapshot_repetitions = 3;
    config.small_commits = 10;
    config.s3_commits = 20;
    config.vacuum_files = 10'000;
  }

  testing::TempDir work;  // removed at exit; --work-dir keeps what the groups leave behind
  if (config.work_dir.empty()) config.work_dir = work.path();
  std::filesystem::create_directories(config.work_dir);
  int64_t start = monotonic_ns();
  bench::progress(fmt::format("silt_bench: scratch directory {}{}", config.work_dir, config.quick ? " (quick)" : ""));

  if (silt::Status copied = bench::snapshot_silt_binary(config.work_dir); !copied.ok()) {
    std::fprintf(stderr, "error: %s\n", copied.message().c_str());
    return 1;
  }

  bench::Report report;
  storage::LocalFileSystem fs;
  bench::Bench bench(config, report, fs);
  if (config.selected("append")) bench::run_append_benchmarks(bench);
  if (config.selected("snapshot")) bench::run_snapshot_benchmarks(bench);
  if (config.selected("count")) bench::run_count_benchmarks(bench);
  if (config.selected("commit")) bench::run_commit_latency_benchmarks(bench);
  if (config.selected("merge")) bench::run_merge_benchmarks(bench);
  if (config.selected("pipeline")) bench::run_pipeline_benchmarks(bench);
  if (config.selected("quality")) bench::run_quality_benchmarks(bench);
  if (config.selected("s3")) bench::run_s3_benchmarks(bench);
  if (config.selected("flags")) bench::run_flags_benchmarks(bench);
  if (config.selected("flags")) bench::run_versions_benchmarks(bench);
  if (config.selected("consolidate")) bench::run_consolidate_benchmarks(bench);
  if (config.selected("vacuum")) bench::run_vacuum_benchmarks(bench);

  double total = bench::seconds_since(start);
  std::string markdown = report.markdown(total);
  if (config.quick) markdown.insert(0, "> **Quick run** (`--quick`): reduced sizes; not the figures of record.\n\n");
  std::ofstream out(config.output, std::ios::binary | std::ios::trunc);
  out << markdown;
  out.close();
  if (!out) {
    std::fprintf(stderr, "error: cannot write %s: %s\n", config.output.c_str(), std::strerror(errno));
    return 1;
  }
  bench::progress(fmt::format("wrote {} ({}; targets {})", config.output, bench::format_seconds(total),
                              report.all_targets_met() ? "all met" : "NOT all met"));
  return 0;
}
