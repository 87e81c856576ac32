// Flag evaluation (docs/FLAGS.md): one evaluation of a flag with five rules, a segment and a
// rollout, the context matching none of the rules so that every clause, the segment and the
// rollout's hash are on the path; measured with Google Benchmark. Baseline: the one SHA-1 digest a
// rollout needs, alone.
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include "flags/bucketing.h"
#include "flags/evaluator.h"
#include "flags/flag_file.h"
#include "harness.h"

namespace silt::bench {
namespace {

const char* kFlagFile = R"(
segments:
  risk-jobs:
    included: [pinned-1, pinned-2]
    rules:
      - clauses: [{attribute: team, op: in, values: [risk, compliance]}]
tbar.hydration.schema_version:
  variations: [v1, v2]
  off_variation: v1
  targets: {v2: [tbar-backfill]}
  rules:
    - clauses: [{attribute: environment, op: in, values: [dev, qa]}]
      serve: v2
    - clauses: [{attribute: service, op: startsWith, values: [spark-]}]
      serve: v2
    - clauses: [{attribute: region, op: endsWith, values: [-west-2]}, {attribute: attempt, op: greaterThan, values: [3]}]
      serve: v1
    - clauses: [{attribute: version, op: semVerLessThan, values: ["1.4.0"]}]
      serve: v1
    - clauses: [{op: segmentMatch, values: [risk-jobs]}]
      serve: v2
  fallthrough: {rollout: {v1: 90, v2: 10}, bucket_by: key}
)";

// Nanoseconds per iteration of each repetition of one Google Benchmark run.
class Collector : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
      std::string name = run.benchmark_name();
      name = name.substr(0, name.find('/'));  // "evaluate/min_time:0.200/repeats:9"
      samples[name].seconds.push_back(run.real_accumulated_time / static_cast<double>(run.iterations));
    }
  }
  std::map<std::string, Samples> samples;
};

}  // namespace

void run_flags_benchmarks(Bench& bench) {
  bench.report().begin_group("Feature flags",
                             "`flags::Evaluator::evaluate` on one thread, per evaluation (Google Benchmark, repetitions "
                             "of at least 0.2 s each). The seed's LaunchDarkly SDK call costs tens of milliseconds.");
  flags::FlagSet set;
  std::vector<Diagnostic> diagnostics;
  read_flag_file("bench.yml", kFlagFile, flags::FlagFileFormat::kSiltYaml, &set, &diagnostics);
  flags::check_flag_set(&set, &diagnostics);
  if (!diagnostics.empty()) {
    bench.report().add_failure("9a", "Flag evaluation", make_error(ErrorCode::kInternal, format_diagnostic(diagnostics[0])));
    return;
  }
  flags::Evaluator evaluator(set);
  flags::Context context(flags::SingleContext(
      "job", "job-7",
      {{"environment", flags::Value("prod")}, {"service", flags::Value("glue-etl")}, {"region", flags::Value("us-east-1")},
       {"attempt", flags::Value(1)}, {"version", flags::Value("1.6.2")}, {"team", flags::Value("ops")}}));
  const int repetitions = bench.config().quick ? 3 : 9;
  const double min_time = bench.config().quick ? 0.05 : 0.2;
  benchmark::RegisterBenchmark("evaluate", [&](benchmark::State& state) {
    for (auto _ : state) {
      flags::Evaluation result = evaluator.evaluate("tbar.hydration.schema_version", context);
      benchmark::DoNotOptimize(result);
    }
  })->MinTime(min_time)->Repetitions(repetitions)->ReportAggregatesOnly(false);
  benchmark::RegisterBenchmark("sha1", [&](benchmark::State& state) {
    for (auto _ : state) {
      double bucket = flags::bucket_of("tbar.hydration.schema_version", "tbar.hydration.schema_version", std::nullopt, "job-7");
      benchmark::DoNotOptimize(bucket);
    }
  })->MinTime(min_time)->Repetitions(repetitions)->ReportAggregatesOnly(false);
  Collector collector;
  progress("flags: evaluation of a flag with 5 rules, a segment and a rollout");
  benchmark::RunSpecifiedBenchmarks(&collector);
  benchmark::ClearRegisteredBenchmarks();
  flags::Evaluation check = evaluator.evaluate("tbar.hydration.schema_version", context);
  Entry entry;
  entry.id = "9a";
  entry.title = "Evaluate a flag with 5 rules, a segment and a rollout";
  entry.subject_name = "Evaluator::evaluate (no rule matches: every clause, the segment and the rollout run)";
  entry.baseline_name = "one SHA-1 of \"flagKey.salt.key\" (bucket_of alone)";
  entry.subject = collector.samples["evaluate"];
  entry.baseline = collector.samples["sha1"];
  entry.target = Target::seconds_at_most(1e-6);
  entry.note = fmt::format("served {} ({}), as the tests expect for job-7", check.value.to_json(),
                           flags::reason_kind_name(check.reason.kind));
  bench.report().add(std::move(entry));
}

}  // namespace silt::bench
