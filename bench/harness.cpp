// Timing, progress and Markdown rendering for silt_bench. Knows nothing about what is measured.
#include "harness.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "support/run_command.h"

namespace silt::bench {

namespace {

const int64_t kProcessStartNs = monotonic_ns();

std::vector<double> sorted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Value of the first "key<sep>value" line of a /proc or /etc file.
std::string field_value(const std::string& text, const std::string& key, char separator) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!starts_with(line, key)) continue;
    auto at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string value(trim(line.substr(at + 1)));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    return value;
  }
  return "";
}

struct Machine {
  std::string cpu;
  unsigned cores = 0;
  std::string ram;
  std::string os;
  std::string kernel;
};

Machine describe_machine() {
  Machine machine;
  std::string cpuinfo = read_text("/proc/cpuinfo");
  machine.cpu = field_value(cpuinfo, "model name", ':');
  if (machine.cpu.empty()) machine.cpu = "unknown";
  machine.cores = std::thread::hardware_concurrency();
  std::string meminfo = read_text("/proc/meminfo");
  auto kb = parse_int64(split(field_value(meminfo, "MemTotal", ':'), ' ')[0]);
  machine.ram = kb ? fmt::format("{:.1f} GiB", static_cast<double>(*kb) / (1024.0 * 1024.0)) : "unknown";
  machine.os = field_value(read_text("/etc/os-release"), "PRETTY_NAME", '=');
  utsname name{};
  if (uname(&name) == 0) machine.kernel = fmt::format("{} {} {}", name.sysname, name.release, name.machine);
  return machine;
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M UTC", &tm);
  return buffer;
}

// Time to touch 100 MiB of freshly allocated memory, one write per 4 KiB page (median of 3): page
// faults are costly on some virtual machines, and large logs allocate hundreds of MiB.
double fresh_memory_seconds() {
  constexpr size_t kBytes = size_t{100} << 20;
  Samples samples;
  for (int i = 0; i < 3; ++i) {
    int64_t start = monotonic_ns();
    auto buffer = std::make_unique_for_overwrite<char[]>(kBytes);
    volatile char* bytes = buffer.get();
    for (size_t offset = 0; offset < kBytes; offset += 4096) bytes[offset] = 1;
    samples.seconds.push_back(seconds_since(start));
  }
  return samples.median();
}

std::string duckdb_version() {
  auto session = open_session();
  if (!session) return "unknown";
  auto version = (*session)->connection().query_value("SELECT version()");
  return version && *version ? **version : "unknown";
}

// Short commit of the source tree, "+ local changes" when the working tree differs from it.
std::string source_revision() {
  auto head = testing::run_command({"git", "-C", SILT_SOURCE_DIR, "rev-parse", "--short", "HEAD"});
  if (head.exit_code != 0) return "unknown";
  std::string revision(trim(head.out));
  auto status = testing::run_command({"git", "-C", SILT_SOURCE_DIR, "status", "--porcelain", "--untracked-files=no"});
  if (status.exit_code == 0 && !trim(status.out).empty()) revision += " + local changes";
  return revision;
}

std::string format_ratio(double ratio) {
  if (!std::isfinite(ratio)) return "–";
  return fmt::format("{:.2f}×", ratio);
}

std::string runs_text(const Samples& samples) {
  if (samples.seconds.size() > 10) {
    return fmt::format("{} runs; p10 {}, p90 {}", samples.seconds.size(), format_seconds(samples.percentile(0.1)),
                       format_seconds(samples.percentile(0.9)));
  }
  std::vector<std::string> parts;
  for (double s : samples.seconds) parts.push_back(format_seconds(s));
  return join(parts, ", ");
}

std::string escape_cell(const std::string& text) { return replace_all(text, "|", "\\|"); }

}  // namespace

double Samples::median() const {
  if (seconds.empty()) return NAN;
  auto values = sorted(seconds);
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double Samples::min() const { return seconds.empty() ? NAN : *std::min_element(seconds.begin(), seconds.end()); }
double Samples::max() const { return seconds.empty() ? NAN : *std::max_element(seconds.begin(), seconds.end()); }

double Samples::percentile(double fraction) const {
  if (seconds.empty()) return NAN;
  auto values = sorted(seconds);
  size_t rank = static_cast<size_t>(std::ceil(fraction * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double seconds_since(int64_t start_ns) { return static_cast<double>(monotonic_ns() - start_ns) / 1e9; }

namespace {

Status time_one(const Case& body, int index, Samples* samples) {
  if (body.setup) SILT_TRY_CONTEXT(body.setup(index), "setup");
  int64_t start = monotonic_ns();
  Status status = body.run(index);
  double elapsed = seconds_since(start);
  if (body.cleanup) body.cleanup(index);
  SILT_TRY(std::move(status));
  samples->seconds.push_back(elapsed);
  return Status();
}

}  // namespace

Result<PairedSamples> measure_paired(int repetitions, const Case& subject, const Case& baseline) {
  PairedSamples out;
  for (int i = 0; i < repetitions; ++i) {
    if (i % 2 == 0) {
      SILT_TRY_CONTEXT(time_one(baseline, i, &out.baseline), "baseline");
      SILT_TRY(time_one(subject, i, &out.subject));
    } else {
      SILT_TRY(time_one(subject, i, &out.subject));
      SILT_TRY_CONTEXT(time_one(baseline, i, &out.baseline), "baseline");
    }
  }
  return out;
}

Result<Samples> measure(int repetitions, const Case& body) {
  Samples samples;
  for (int i = 0; i < repetitions; ++i) SILT_TRY(time_one(body, i, &samples));
  return samples;
}

void progress(const std::string& message) {
  std::fprintf(stderr, "[%7.1f s] %s\n", seconds_since(kProcessStartNs), message.c_str());
  std::fflush(stderr);
}

std::string format_seconds(double seconds) {
  if (!std::isfinite(seconds)) return "–";
  if (seconds < 1e-6) return fmt::format("{:.0f} ns", seconds * 1e9);
  if (seconds < 1e-5) return fmt::format("{:.2f} µs", seconds * 1e6);
  if (seconds < 1e-3) return fmt::format("{:.0f} µs", seconds * 1e6);
  if (seconds < 1e-2) return fmt::format("{:.2f} ms", seconds * 1e3);
  if (seconds < 1) return fmt::format("{:.1f} ms", seconds * 1e3);
  return fmt::format("{:.2f} s", seconds);
}

std::string Target::describe() const {
  switch (kind) {
    case Kind::kRatioAtMost: return fmt::format("ratio ≤ {:.2g}", value);
    case Kind::kSecondsAtMost: return fmt::format("≤ {}", format_seconds(value));
    case Kind::kNone: break;
  }
  return "–";
}

double Entry::ratio() const {
  if (subject.empty() || baseline.empty()) return NAN;
  return subject.median() / baseline.median();
}

bool Entry::target_met() const {
  switch (target.kind) {
    case Target::Kind::kRatioAtMost: return ratio() <= target.value;
    case Target::Kind::kSecondsAtMost: return subject.median() <= target.value;
    case Target::Kind::kNone: break;
  }
  return true;
}

void Report::begin_group(const std::string& heading, const std::string& description) {
  groups_.push_back(Group{heading, description, {}, {}});
}

void Report::add(Entry entry) {
  if (groups_.empty()) begin_group("Other", "");
  progress(fmt::format("  {} {}: {} vs baseline {} -> {}", entry.id, entry.title, format_seconds(entry.subject.median()),
                       format_seconds(entry.baseline.median()), format_ratio(entry.ratio())));
  groups_.back().entries.push_back(std::move(entry));
}

void Report::add_failure(const std::string& id, const std::string& title, const Status& status) {
  if (groups_.empty()) begin_group("Other", "");
  std::string line = fmt::format("{} {}: FAILED: {}", id, title, status.message());
  progress(line);
  groups_.back().failures.push_back(line);
}

bool Report::all_targets_met() const {
  for (const auto& group : groups_) {
    if (!group.failures.empty()) return false;
    for (const auto& entry : group.entries) {
      if (!entry.target_met()) return false;
    }
  }
  return true;
}

std::string Report::markdown(double total_seconds) const {
  Machine machine = describe_machine();
  std::string out;
  out += "# Benchmarks\n\n";
  out += "Generated by `make bench` (`build/silt_bench --output docs/BENCHMARKS.md`, sources in `bench/`). "
         "Do not edit by hand; re-run to refresh.\n\n";
  out += "Every figure is the median of several runs of silt (the *subject*) divided by the median of a "
         "baseline measured in the same run, in the same process or with the same binary and session "
         "settings, alternating subject and baseline runs. Ratios below 1 mean silt is faster. Absolute "
         "times are wall-clock with a warm OS page cache; the machine is shared with builds and tests, "
         "so expect ±20% noise on absolute times.\n\n";
  out += "| Run | |\n|---|---|\n";
  out += fmt::format("| Date | {} |\n", utc_now());
  out += fmt::format("| CPU | {} |\n", machine.cpu);
  out += fmt::format("| Cores | {} |\n", machine.cores);
  out += fmt::format("| RAM | {} |\n", machine.ram);
  out += fmt::format("| OS | {} ({}) |\n", machine.os.empty() ? "unknown" : machine.os, machine.kernel);
  out += fmt::format("| Fresh memory | {} to touch 100 MiB of new memory (page faults) |\n",
                     format_seconds(fresh_memory_seconds()));
  out += fmt::format("| DuckDB | {} |\n", duckdb_version());
  out += fmt::format("| silt | commit {} |\n", source_revision());
  out += fmt::format("| Total benchmark time | {} |\n\n", format_seconds(total_seconds));

  out += "## Summary\n\n";
  out += "| # | Benchmark | silt (median) | Baseline (median) | Ratio | Target | Met |\n";
  out += "|---|---|---:|---:|---:|---|---|\n";
  for (const auto& group : groups_) {
    for (const auto& entry : group.entries) {
      std::string met = entry.target.kind == Target::Kind::kNone ? "–" : (entry.target_met() ? "yes" : "**no**");
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", entry.id, escape_cell(entry.title),
                         format_seconds(entry.subject.median()), format_seconds(entry.baseline.median()),
                         format_ratio(entry.ratio()), entry.target.describe(), met);
    }
    for (const auto& failure : group.failures) out += fmt::format("| | {} | | | | | **no** |\n", escape_cell(failure));
  }
  out += "\n";

  for (const auto& group : groups_) {
    out += "## " + group.heading + "\n\n";
    if (!group.description.empty()) out += group.description + "\n\n";
    for (const auto& entry : group.entries) {
      out += fmt::format("### {} {}\n\n", entry.id, entry.title);
      out += "| | Command / query | Median | Min | Max | Runs |\n|---|---|---:|---:|---:|---|\n";
      out += fmt::format("| silt | {} | {} | {} | {} | {} |\n", escape_cell(entry.subject_name),
                         format_seconds(entry.subject.median()), format_seconds(entry.subject.min()),
                         format_seconds(entry.subject.max()), runs_text(entry.subject));
      out += fmt::format("| baseline | {} | {} | {} | {} | {} |\n\n", escape_cell(entry.baseline_name),
                         format_seconds(entry.baseline.median()), format_seconds(entry.baseline.min()),
                         format_seconds(entry.baseline.max()), runs_text(entry.baseline));
      out += fmt::format("Ratio {} (target: {}{}).", format_ratio(entry.ratio()), entry.target.describe(),
                         entry.target.kind == Target::Kind::kNone ? "" : (entry.target_met() ? ", met" : ", **not met**"));
      if (!entry.note.empty()) out += " " + entry.note;
      out += "\n\n";
    }
    for (const auto& failure : group.failures) out += "**" + failure + "**\n\n";
  }
  return out;
}

bool Config::selected(const std::string& group) const {
  return only.empty() || std::find(only.begin(), only.end(), group) != only.end();
}

Result<std::unique_ptr<engine::Session>> open_session() { return engine::Session::open(engine::SessionOptions{}); }

namespace {
std::string silt_binary = SILT_BINARY;
}  // namespace

const std::string& silt_binary_path() { return silt_binary; }

Status snapshot_silt_binary(const std::string& dir) {
  std::string copy = dir + "/silt";
  int64_t deadline = monotonic_ns() + 120'000'000'000LL;
  while (true) {
    std::error_code error;
    if (std::filesystem::copy_file(SILT_BINARY, copy, std::filesystem::copy_options::overwrite_existing, error)) {
      std::filesystem::permissions(copy, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add, error);
      // A copy taken while the linker was writing would not run: check it.
      if (testing::run_command({copy, "--version"}).exit_code == 0) {
        silt_binary = copy;
        return Status();
      }
    }
    if (monotonic_ns() > deadline) {
      return make_error(ErrorCode::kNotFound, fmt::format("cannot copy {}: {}", SILT_BINARY, error.message()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

Status run_silt_checked(const std::vector<std::string>& args, std::string* out) {
  std::vector<std::string> argv{silt_binary};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = testing::run_command(argv);
  if (result.exit_code != 0) {
    std::string command = "silt " + join(args, " ");
    if (command.size() > 300) command = command.substr(0, 300) + "...";
    return make_error(ErrorCode::kInternal,
                      fmt::format("`{}` exited with {}: {}", command, result.exit_code, std::string(trim(result.err))));
  }
  if (out) *out = std::move(result.out);
  return Status();
}

void remove_tree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

}  // namespace silt::bench
