// Benchmark 6: the medallion example (examples/medallion) over three days of generated data,
// landed day by day: `silt run` for each date against the plain-DuckDB baseline (the same model SQL
// run in one DuckDB session writing Parquet, examples/medallion/baseline/run) doing the same days.
// After the last day both gold fact tables are compared (orders and amount in USD per day), so
// the two did the same work.
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "harness.h"
#include "support/run_command.h"

namespace silt::bench {

namespace {

constexpr const char* kDays[] = {"2025-11-01", "2025-11-02", "2025-11-03"};
constexpr const char* kSources[] = {"orders", "customers", "fx_rates", "crm_accounts", "crm_leads"};

std::string example_dir() { return std::string(SILT_SOURCE_DIR) + "/examples/medallion"; }

Status run_checked(const std::vector<std::string>& argv, std::string* out = nullptr) {
  auto result = testing::run_command(argv);
  if (result.exit_code != 0) {
    return make_error(ErrorCode::kInternal, fmt::format("`{}` exited with {}: {}", join(argv, " "), result.exit_code,
                                                        std::string(trim(result.err)).substr(0, 2000)));
  }
  if (out) *out = std::move(result.out);
  return Status();
}

struct PipelineSetup {
  int64_t rows_per_day = 0;
  int repetitions = 1;
  std::string all_files;  // every day's generated files (staging)
  std::string landing;    // what the pipelines see: files linked in day by day
  std::string lake;       // silt's tables
  std::string baseline;   // the baseline's Parquet output
};

// Links the files that arrive on `day` from staging into the landing directory.
Status land(const PipelineSetup& setup, const std::string& day) {
  namespace fs = std::filesystem;
  for (const char* source : kSources) {
    fs::create_directories(setup.landing + "/" + source);
    for (const auto& entry : fs::directory_iterator(setup.all_files + "/" + source)) {
      std::string name = entry.path().filename().string();
      if (name.find("_" + day + ".") == std::string::npos) continue;
      std::error_code error;
      fs::create_hard_link(entry.path(), setup.landing + "/" + source + "/" + name, error);
      if (error) return make_error(ErrorCode::kIo, fmt::format("cannot link {}: {}", entry.path().string(), error.message()));
    }
  }
  return Status();
}

Result<PipelineSetup> prepare(Bench& bench, int64_t rows_per_day, int repetitions) {
  PipelineSetup setup;
  setup.rows_per_day = rows_per_day;
  setup.repetitions = repetitions;
  std::string base = bench.scratch(fmt::format("medallion-{}", rows_per_day));
  setup.all_files = base + "/generated";
  setup.landing = base + "/landing";
  setup.lake = base + "/lake";
  setup.baseline = base + "/baseline";
  remove_tree(base);
  for (const char* day : kDays) {
    progress(fmt::format("6: generating {} orders for {}", rows_per_day, day));
    SILT_TRY(run_checked({example_dir() + "/generate", "--out", setup.all_files, "--date", day, "--rows",
                          std::to_string(rows_per_day), "--silt", silt_binary_path()}));
  }
  setenv("MEDALLION_LANDING", setup.landing.c_str(), 1);
  setenv("MEDALLION_LAKE", setup.lake.c_str(), 1);
  return setup;
}

void reset(const PipelineSetup& setup) {
  remove_tree(setup.landing);
  remove_tree(setup.lake);
  remove_tree(setup.baseline);
}

constexpr const char* kGoldSummary =
    "SELECT order_date, count(*) AS orders, sum(amount_usd) AS amount_usd FROM gold.fact_orders GROUP BY ALL "
    "ORDER BY ALL";

// `workers`: models run at once (`silt run --threads`).
Status run_group(Bench& bench, int64_t rows_per_day, int repetitions, const std::string& id, int workers) {
  SILT_TRY_ASSIGN(auto setup, prepare(bench, rows_per_day, repetitions));
  std::string silt_gold, baseline_gold;
  Case subject{
      [&](int) -> Status {
        for (const char* day : kDays) {
          SILT_TRY(land(setup, day));
          SILT_TRY(run_silt_checked(
              {"run", "--project", example_dir(), "--date", day, "--threads", std::to_string(workers)}));
        }
        return run_silt_checked({"sql", "--project", example_dir(), "--format", "csv", kGoldSummary}, &silt_gold);
      },
      [&](int) -> Status {
        reset(setup);
        return Status();
      },
      nullptr,
  };
  Case baseline{
      [&](int) -> Status {
        for (const char* day : kDays) {
          SILT_TRY(land(setup, day));
          SILT_TRY(run_checked({example_dir() + "/baseline/run", "--landing", setup.landing, "--out", setup.baseline,
                                "--date", day, "--silt", silt_binary_path()}));
        }
        std::string query = setup.baseline + "-summary.sql";
        std::ofstream(query) << kGoldSummary << "\n";
        return run_checked({example_dir() + "/baseline/run", "--out", setup.baseline, "--query", query, "--format",
                            "csv", "--silt", silt_binary_path()},
                           &baseline_gold);
      },
      [&](int) -> Status {
        reset(setup);
        return Status();
      },
      nullptr,
  };
  progress(fmt::format("{}: medallion pipeline, 3 days x {} orders, {} models at once, {} repetitions", id,
                       rows_per_day, workers, repetitions));
  SILT_TRY_ASSIGN(auto samples, measure_paired(repetitions, subject, baseline));
  if (silt_gold != baseline_gold) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("gold.fact_orders differs between silt and the baseline:\nsilt:\n{}\nbaseline:\n{}",
                                  silt_gold, baseline_gold));
  }
  Entry entry;
  entry.id = id;
  entry.title = fmt::format("Medallion pipeline, 3 days landed one by one, {} orders per day (13 models{})",
                            rows_per_day, workers > 1 ? fmt::format(", {} at once", workers) : "");
  entry.subject_name = fmt::format(
      "`silt run --date D --threads {}` for each day (bronze ingestion, silver merges and SCD2, gold facts)", workers);
  entry.baseline_name =
      "the same model SQL in one DuckDB session per day writing Parquet (`examples/medallion/baseline/run`)";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.target = Target::ratio_at_most(1.5);
  entry.note = fmt::format("Both runs end with the same gold.fact_orders per day (orders, amount_usd): {} days "
                           "compared. Times include data landing (hard links) and process starts; generation is "
                           "untimed.",
                           std::count(silt_gold.begin(), silt_gold.end(), '\n') - 1);
  bench.report().add(std::move(entry));
  reset(setup);
  remove_tree(setup.all_files);
  return Status();
}

}  // namespace

void run_pipeline_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "6. Medallion pipeline",
      "The example project in examples/medallion: five sources (orders with late corrections and duplicates, "
      "customers with changes, FX rates, CRM accounts and leads) ingested into bronze, merged into silver "
      "(incremental with a 3-day lookback, SCD2 customers), and gold facts and dimensions. Three days of files land "
      "one day at a time and each day is run. The baseline runs the very same model SQL (pasted from the model "
      "files) in a plain DuckDB session that writes Parquet, with its own record of ingested files. Target: at "
      "most 1.5x the baseline.");
  struct Size {
    int64_t rows;
    int repetitions;
    const char* id;
    int workers;
  };
  // 6c: two models at once, as `make demo` runs it; more workers must never make a run slower.
  std::vector<Size> sizes;
  if (bench.config().quick) {
    sizes = {{100'000, 2, "6a", 1}, {100'000, 2, "6c", 2}};
  } else {
    sizes = {{1'000'000, 3, "6a", 1}, {10'000'000, 1, "6b", 1}, {1'000'000, 3, "6c", 2}};
  }
  for (const auto& size : sizes) {
    if (Status status = run_group(bench, size.rows, size.repetitions, size.id, size.workers); !status.ok()) {
      bench.report().add_failure(size.id, fmt::format("medallion pipeline, {} orders per day", size.rows), status);
    }
  }
}

}  // namespace silt::bench
