// The medallion example with its landing files and its lake in a MemoryFileSystem, run in process:
// days land and run one by one, a file is delivered a second time under another name, days are run
// again, and after each step gold.fact_orders equals the figures check_reference.sql computes from
// a copy of the same files on local disk. Nothing of the lake or of the landing paths may appear on
// local disk: sources, data files, checkpoints, run records and quality reports all go through the
// FileSystem.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "pipeline/model/model.h"
#include "pipeline/run/project_views.h"
#include "pipeline/run/runner.h"
#include "storage/local/local_file_system.h"
#include "storage/memory/memory_file_system.h"
#include "support/run_command.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

namespace stdfs = std::filesystem;

constexpr const char* kDays[] = {"2025-11-01", "2025-11-02", "2025-11-03"};
constexpr int kRowsPerDay = 2000;

std::string example_dir() { return std::string(SILT_SOURCE_DIR) + "/examples/medallion"; }

using Rows = std::vector<std::vector<std::string>>;

class MedallionInMemory : public ::testing::Test {
 protected:
  void SetUp() override {
    local_landing_ = dir_.file("landing-local");
    landing_ = dir_.file("landing");
    lake_ = dir_.file("lake");
    setenv("MEDALLION_LANDING", landing_.c_str(), 1);
    setenv("MEDALLION_LAKE", lake_.c_str(), 1);
    std::vector<pipeline::Diagnostic> diagnostics;
    auto project = pipeline::load_full_project(example_dir(), "ci", &diagnostics);
    ASSERT_TRUE(project.has_value()) << project.error().message();
    project_ = std::make_unique<pipeline::Project>(std::move(*project));
    engine::SessionOptions options;
    options.threads = 2;
    auto session = engine::Session::open(options);
    ASSERT_TRUE(session.has_value()) << session.error().message();
    session_ = std::move(*session);
  }

  // Generates a day's files on local disk and lands them in the in-memory store.
  void land(const std::string& day) {
    CommandResult result = run_command({example_dir() + "/generate", "--out", local_landing_, "--date", day, "--rows",
                                        std::to_string(kRowsPerDay), "--silt", SILT_BINARY});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    auto files = local_.list_recursive(local_landing_);
    ASSERT_TRUE(files.has_value()) << files.error().message();
    for (const auto& file : *files) {
      std::string target = landing_ + file.path.substr(local_landing_.size());
      auto present = memory_.exists(target);
      ASSERT_TRUE(present.has_value());
      if (*present) continue;
      auto data = local_.read(file.path);
      ASSERT_TRUE(data.has_value()) << data.error().message();
      ASSERT_TRUE(memory_.write(target, *data).ok());
    }
  }

  pipeline::RunRecord run(const std::string& day) {
    pipeline::Runner runner(*project_, memory_);
    pipeline::RunOptions options;
    options.run_date = day;
    options.threads = 2;
    auto record = runner.run(options);
    EXPECT_TRUE(record.has_value()) << record.error().message();
    if (!record) return {};
    for (const auto& model : record->models) {
      EXPECT_EQ(model.status, pipeline::ModelStatus::kSuccess) << model.model << ": " << model.error;
    }
    EXPECT_EQ(record->status, pipeline::RunStatus::kSuccess);
    return *record;
  }

  static const pipeline::ModelRun& model(const pipeline::RunRecord& record, const std::string& name) {
    for (const auto& item : record.models) {
      if (item.model == name) return item;
    }
    static const pipeline::ModelRun kNone;
    ADD_FAILURE() << "no model " << name;
    return kNone;
  }

  Rows query(const std::string& sql) {
    auto result = session_->connection().query_text(sql);
    EXPECT_TRUE(result.has_value()) << result.error().message();
    Rows rows;
    if (!result) return rows;
    for (const auto& row : result->rows) {
      std::vector<std::string> cells;
      for (const auto& cell : row) cells.push_back(cell.value_or("<NULL>"));
      rows.push_back(std::move(cells));
    }
    return rows;
  }

  // check_gold.sql over the model tables as they are in the in-memory lake.
  Rows gold() {
    for (const auto& model : project_->models) {
      auto snapshot = delta::Snapshot::load(memory_, session_->parquet_io(), project_->table_location(model));
      EXPECT_TRUE(snapshot.has_value()) << model.name << ": " << snapshot.error().message();
      if (!snapshot) return {};
      auto scan = session_->scan_sql(**snapshot);
      EXPECT_TRUE(scan.has_value()) << scan.error().message();
      if (!scan) return {};
      Status registered = pipeline::register_model_table(session_->connection(), model, *scan);
      EXPECT_TRUE(registered.ok()) << registered.message();
    }
    return query(testing::read_file_text(example_dir() + "/check_gold.sql"));
  }

  // check_reference.sql over the local copy of the landing files.
  Rows reference() {
    return query(replace_all(testing::read_file_text(example_dir() + "/check_reference.sql"), "@LANDING@", local_landing_));
  }

  TempDir dir_;
  std::string local_landing_, landing_, lake_;
  storage::LocalFileSystem local_;
  storage::MemoryFileSystem memory_;
  std::unique_ptr<pipeline::Project> project_;
  std::unique_ptr<engine::Session> session_;
};

TEST_F(MedallionInMemory, GoldMatchesTheReferenceWithEveryByteInTheStore) {
  for (int day = 0; day < 2; ++day) {
    land(kDays[day]);
    auto record = run(kDays[day]);
    EXPECT_EQ(model(record, "bronze_orders").files_ingested, 1);
  }
  Rows expected = reference();
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_EQ(gold(), expected);

  // Day 3 lands, and the orders file of day 2 arrives a second time under another name.
  land(kDays[2]);
  auto resent = memory_.read(landing_ + "/orders/orders_2025-11-02.csv");
  ASSERT_TRUE(resent.has_value()) << resent.error().message();
  ASSERT_TRUE(memory_.write(landing_ + "/orders/orders_2025-11-02-resent.csv", *resent).ok());
  {
    std::ofstream copy(local_landing_ + "/orders/orders_2025-11-02-resent.csv", std::ios::binary);
    copy << *resent;
  }
  auto third = run(kDays[2]);
  EXPECT_EQ(model(third, "bronze_orders").files_ingested, 2);
  expected = reference();
  ASSERT_EQ(expected.size(), 3u);
  EXPECT_EQ(gold(), expected);

  // Re-running day 2 ingests nothing and commits nothing to silver or gold facts.
  auto again = run(kDays[1]);
  EXPECT_EQ(model(again, "bronze_orders").files_ingested, 0);
  EXPECT_EQ(model(again, "silver_orders").version_written, -1);
  EXPECT_EQ(model(again, "fact_orders").version_written, -1);
  EXPECT_EQ(gold(), expected);

  // The run history and quality reports live in the store too; the local disk holds none of it.
  auto records = memory_.list_recursive(lake_);
  ASSERT_TRUE(records.has_value());
  bool has_run_records = false;
  for (const auto& file : *records) has_run_records |= file.path.find("/_silt/") != std::string::npos;
  EXPECT_TRUE(has_run_records);
  EXPECT_FALSE(stdfs::exists(lake_)) << "the in-memory lake wrote to local disk";
  EXPECT_FALSE(stdfs::exists(landing_)) << "the in-memory landing area is on local disk";
}

}  // namespace
}  // namespace silt::testing
