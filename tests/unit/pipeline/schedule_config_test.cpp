// pipeline/project: silt.yaml's `schedules:` and `tables:` sections, and command-line splitting.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "pipeline/project/project_loader.h"
#include "support/temp_dir.h"

namespace silt::pipeline {
namespace {

struct Loaded {
  Result<ProjectConfig> result;
  std::vector<std::string> diagnostics;
};

Loaded load(const testing::TempDir& dir, const std::string& body) {
  {
    std::ofstream out(dir.file("silt.yaml"), std::ios::binary);
    out << "name: shop\nstorage: ./data\n" << body;
  }
  std::vector<Diagnostic> diagnostics;
  auto result = load_project(dir.path(), "", &diagnostics);
  Loaded loaded{std::move(result), {}};
  for (const auto& diagnostic : diagnostics) loaded.diagnostics.push_back(format_diagnostic(diagnostic));
  return loaded;
}

TEST(ScheduleConfig, ReadsEveryKeyOfAJobAndTheTableDefaults) {
  testing::TempDir dir;
  auto loaded = load(dir,
                     "schedules:\n"
                     "  consolidate-chargebacks:\n"
                     "    cron: \"30 0,6,12,18 * * *\"\n"
                     "    timezone: America/Sao_Paulo\n"
                     "    command: consolidate chargebacks\n"
                     "    dst: {skipped: skip, repeated: run_twice}\n"
                     "    catch_up: all\n"
                     "    max_catch_up: 3\n"
                     "    overlap: queue\n"
                     "    timeout: 30m\n"
                     "    retries: 2\n"
                     "    retry_delay: 10s\n"
                     "  housekeeping:\n"
                     "    cron: \"0 4 * * SUN\"\n"
                     "    command: optimize silver.orders --zorder order_date,currency && silt vacuum silver.orders --retain 168h\n"
                     "tables:\n"
                     "  silver.orders: {zorder: [order_date, currency], retain: 7d, target_file_size: 128MB}\n");
  ASSERT_TRUE(loaded.result) << (loaded.diagnostics.empty() ? loaded.result.error().message() : loaded.diagnostics[0]);
  const auto& config = *loaded.result;
  ASSERT_EQ(config.schedules.size(), 2u);
  const auto& job = config.schedules[0];
  EXPECT_EQ(job.name, "consolidate-chargebacks");
  EXPECT_EQ(job.line, 4);  // after the two lines of name and storage
  EXPECT_EQ(job.cron_text, "30 0,6,12,18 * * *");
  EXPECT_EQ(job.timezone, "America/Sao_Paulo");
  EXPECT_EQ(job.steps, (std::vector<std::vector<std::string>>{{"consolidate", "chargebacks"}}));
  EXPECT_EQ(job.dst.skipped, SkippedTimePolicy::kSkip);
  EXPECT_EQ(job.dst.repeated, RepeatedTimePolicy::kRunTwice);
  EXPECT_EQ(job.catch_up, CatchUp::kAll);
  EXPECT_EQ(job.max_catch_up, 3);
  EXPECT_EQ(job.overlap, Overlap::kQueue);
  EXPECT_EQ(job.timeout_ms, 1'800'000);
  EXPECT_EQ(job.retries, 2);
  EXPECT_EQ(job.retry_delay_ms, 10'000);
  const auto& housekeeping = config.schedules[1];
  EXPECT_EQ(housekeeping.timezone, "UTC");
  EXPECT_EQ(housekeeping.catch_up, CatchUp::kLatest);
  EXPECT_EQ(housekeeping.overlap, Overlap::kSkip);
  EXPECT_EQ(housekeeping.steps,
            (std::vector<std::vector<std::string>>{{"optimize", "silver.orders", "--zorder", "order_date,currency"},
                                                   {"vacuum", "silver.orders", "--retain", "168h"}}));
  ASSERT_NE(config.schedule("housekeeping"), nullptr);
  EXPECT_EQ(config.schedule("nightly"), nullptr);
  const auto* orders = config.table_defaults("silver.orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->zorder, (std::vector<std::string>{"order_date", "currency"}));
  EXPECT_EQ(orders->retain_ms, 604'800'000);
  EXPECT_EQ(orders->target_file_size, 128'000'000);  // MB is decimal; MiB is binary
}

TEST(ScheduleConfig, BadJobsAreNamedWithTheirLine) {
  testing::TempDir dir;
  auto loaded = load(dir,
                     "schedules:\n"
                     "  a:\n"
                     "    cron: \"30 25 * * *\"\n"
                     "    command: run\n"
                     "  b:\n"
                     "    cron: \"@daily\"\n"
                     "    timezone: Europe/Berlinn\n"
                     "    command: \"run --select 'x\"\n"
                     "    catch_up: sometimes\n"
                     "    timeout: soon\n"
                     "    dst: {skipped: later}\n"
                     "  c:\n"
                     "    cron: \"@hourly\"\n"
                     "    command: run &&\n"
                     "    colour: red\n"
                     "tables:\n"
                     "  silver.orders: {zorder: [a, b, c, d, e], retain: forever}\n");
  ASSERT_FALSE(loaded.result);
  std::string all;
  for (const auto& line : loaded.diagnostics) all += line + "\n";
  for (const char* expected :
       {"silt.yaml:5:11: cron \"30 25 * * *\": field 2 (hour) '25' is out of range 0-23 in schedule 'a'",
        "silt.yaml:9:15: unknown time zone 'Europe/Berlinn'",
        "silt.yaml:10:14: invalid command 'run --select 'x': unclosed single quote in schedule 'b'",
        "silt.yaml:11:15: 'catch_up' must be none, latest or all, got 'sometimes' in schedule 'b'",
        "silt.yaml:12:14: 'timeout' must be a duration such as 30m, 2h or 1d, got 'soon' in schedule 'b'",
        "run_at_next_valid_time or skip", "silt.yaml:16:14: invalid command 'run &&'",
        "silt.yaml:17:5: unknown key 'colour' in schedule 'c'", "'zorder' takes one to four columns, got 5",
        "'retain' must be a duration such as 168h or 7d, got 'forever'"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << "\nnot in:\n" << all;
  }
}

TEST(ScheduleConfig, CommandLinesSplitAtDoubleAmpersandsOutsideQuotes) {
  std::string error;
  EXPECT_EQ(split_command_line("optimize t --where \"d >= DATE '2025-11-01'\" && vacuum t", &error),
            (std::vector<std::vector<std::string>>{{"optimize", "t", "--where", "d >= DATE '2025-11-01'"},
                                                   {"vacuum", "t"}}));
  EXPECT_EQ(error, "");
  EXPECT_EQ(split_command_line("sql 'select 1' '&&'", &error),
            (std::vector<std::vector<std::string>>{{"sql", "select 1", "&&"}}));
  EXPECT_TRUE(split_command_line("&& run", &error).empty());
  EXPECT_EQ(error, "'&&' needs a command on each side");
  error.clear();
  EXPECT_TRUE(split_command_line("   ", &error).empty());
  EXPECT_EQ(error, "the command is empty");
}

}  // namespace
}  // namespace silt::pipeline
