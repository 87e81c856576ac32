// TableOps::optimize: bin-packing per partition, Z-order narrowing the statistics so fewer files
// are read, the commit's dataChange false and metrics, conflicts only with commits that removed
// the rewritten files, and the errors of bad options.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "delta/file_pruning.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/sql_predicate.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {

class TableOptimizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
    ops_ = std::make_unique<TableOps>(*session_, fs_);
    root_ = dir_.file("t");
  }

  void append(const std::string& query, std::vector<std::string> partition_by = {}) {
    Source source;
    source.query = query;
    WriteOptions options;
    options.partition_by = std::move(partition_by);
    auto written = ops_->write(root_, source, options);
    ASSERT_TRUE(written) << written.error().message();
  }

  std::shared_ptr<const delta::Snapshot> snapshot() {
    auto loaded = ops_->load(root_);
    EXPECT_TRUE(loaded) << loaded.error().message();
    return loaded ? *loaded : nullptr;
  }

  std::string query_value(const std::string& sql) {
    EXPECT_TRUE(session_->register_snapshot("t", *snapshot()).ok());
    auto value = session_->connection().query_value(sql);
    EXPECT_TRUE(value) << value.error().message();
    return value && *value ? **value : "NULL";
  }

  // How many live files a query filtering on `predicate` must read after statistics skipping.
  size_t files_read(const std::string& predicate) {
    auto current = snapshot();
    auto filter = predicate_from_sql(session_->connection(), predicate);
    EXPECT_TRUE(filter) << filter.error().message();
    return delta::files_maybe_matching(*current, *current->schema(), *filter).size();
  }

  OptimizeReport optimize(OptimizeOptions options = {}) {
    auto report = ops_->optimize(root_, options);
    EXPECT_TRUE(report) << report.error().message();
    return report ? *report : OptimizeReport{};
  }

  nlohmann::json last_commit() {
    auto actions = fs_.read(root_ + "/_delta_log/" + fmt::format("{:020d}.json", snapshot()->version()));
    EXPECT_TRUE(actions);
    nlohmann::json lines = nlohmann::json::array();
    std::string text = actions ? *actions : "";
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      if (end > start) lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
      start = end + 1;
    }
    return lines;
  }

  std::unique_ptr<Session> session_;
  storage::LocalFileSystem fs_;
  testing::TempDir dir_;
  std::unique_ptr<TableOps> ops_;
  std::string root_;
};

TEST_F(TableOptimizeTest, SmallFilesOfAPartitionBecomeOneWithTheSameRows) {
  for (int i = 0; i < 6; ++i) {
    append(fmt::format("SELECT DATE '2025-11-0{}' AS d, range + {} AS id, 'x' || range AS v FROM range(100)",
                       i < 4 ? 1 : 2, i * 100),
           {"d"});
  }
  // A partition with one small file is left alone: rewriting it would only copy it.
  append("SELECT DATE '2025-11-03' AS d, 999999 AS id, 'lonely' AS v", {"d"});
  const std::string checksum = "SELECT count(*) || ':' || sum(hash(d, id, v)) FROM t";
  const std::string before = query_value(checksum);
  const int64_t version_before = snapshot()->version();

  auto report = optimize();
  EXPECT_FALSE(report.skipped);
  EXPECT_EQ(report.version, version_before + 1);
  EXPECT_EQ(report.partitions_total, 3);
  EXPECT_EQ(report.files_considered, 7);
  EXPECT_EQ(report.files_removed, 6);
  EXPECT_EQ(report.files_added, 2);
  EXPECT_EQ(report.rows, 600);
  ASSERT_EQ(report.partitions.size(), 2u);
  EXPECT_EQ(report.partitions[0].partition, "d=2025-11-01");
  EXPECT_EQ(report.partitions[0].files_removed, 4);
  EXPECT_EQ(report.partitions[1].partition, "d=2025-11-02");
  EXPECT_EQ(query_value(checksum), before);
  EXPECT_EQ(snapshot()->files().size(), 3u);

  int removes = 0, adds = 0;
  for (const auto& action : last_commit()) {
    if (action.contains("remove")) {
      ++removes;
      EXPECT_FALSE(action["remove"]["dataChange"].get<bool>());
    }
    if (action.contains("add")) {
      ++adds;
      EXPECT_FALSE(action["add"]["dataChange"].get<bool>());
      EXPECT_EQ(action["add"]["partitionValues"]["d"].is_string(), true);
    }
    if (action.contains("commitInfo")) {
      EXPECT_EQ(action["commitInfo"]["operation"], "OPTIMIZE");
      EXPECT_EQ(action["commitInfo"]["operationMetrics"]["numRemovedFiles"], "6");
      EXPECT_EQ(action["commitInfo"]["operationMetrics"]["numAddedFiles"], "2");
      EXPECT_EQ(action["commitInfo"]["operationMetrics"]["partitionsOptimized"], "2");
    }
  }
  EXPECT_EQ(removes, 6);
  EXPECT_EQ(adds, 2);

  // Nothing left to pack: no commit.
  auto again = optimize();
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(again.version, version_before + 1);
}

TEST_F(TableOptimizeTest, APredicateSelectsPartitionsAndADryRunWritesNothing) {
  for (int i = 0; i < 4; ++i) {
    append(fmt::format("SELECT DATE '2025-11-0{}' AS d, range AS id FROM range(10)", i % 2 + 1), {"d"});
  }
  OptimizeOptions dry;
  dry.dry_run = true;
  dry.where = "d >= DATE '2025-11-02'";
  auto plan = optimize(dry);
  EXPECT_TRUE(plan.skipped);
  EXPECT_EQ(plan.partitions_total, 1);
  ASSERT_EQ(plan.partitions.size(), 1u);
  EXPECT_EQ(plan.partitions[0].partition, "d=2025-11-02");
  EXPECT_EQ(plan.files_removed, 2);
  EXPECT_EQ(snapshot()->version(), 3);

  OptimizeOptions real = dry;
  real.dry_run = false;
  auto report = optimize(real);
  EXPECT_EQ(report.files_removed, 2);
  EXPECT_EQ(report.files_added, 1);
  EXPECT_EQ(snapshot()->files().size(), 3u);  // 2025-11-01 keeps its two files
}

TEST_F(TableOptimizeTest, ZOrderNarrowsStatisticsSoAOneDateOneCurrencyQueryReadsFewFiles) {
  // 30 files, each holding every date and currency in random order: any filter reads them all.
  for (int i = 0; i < 30; ++i) {
    // hash() is deterministic: the same rows, files and counts on every run.
    append(fmt::format("SELECT DATE '2025-11-01' + CAST(h % 30 AS INTEGER) AS order_date, "
                       "['EUR','USD','GBP','BRL','JPY','CHF','SEK','NOK'][CAST((h // 30) % 8 AS INTEGER) + 1] "
                       "AS ccy, CAST((h // 240) % 100000 AS BIGINT) AS amount, md5(CAST(n AS VARCHAR)) AS pad "
                       "FROM (SELECT range + {} AS n, hash(range + {}) AS h FROM range(20000))",
                       i * 20000, i * 20000));
  }
  const std::string filter = "order_date = DATE '2025-11-17' AND ccy = 'GBP'";
  const size_t before = files_read(filter);
  EXPECT_EQ(before, 30u);
  const std::string checksum = "SELECT count(*) || ':' || sum(hash(order_date, ccy, amount, pad)) FROM t";
  const std::string rows_before = query_value(checksum);

  OptimizeOptions options;
  options.zorder = {"order_date", "ccy"};
  options.target_file_bytes = 1 << 20;
  auto report = optimize(options);
  EXPECT_EQ(report.zorder, (std::vector<std::string>{"order_date", "ccy"}));
  EXPECT_EQ(report.files_removed, 30);
  EXPECT_GE(report.files_added, 10);
  EXPECT_EQ(query_value(checksum), rows_before);
  const size_t after = files_read(filter);
  EXPECT_GE(after, 1u);
  // A point in two dimensions: a few of the Z-curve's runs cover it.
  EXPECT_LE(after * 4, static_cast<size_t>(report.files_added)) << after << " of " << report.files_added;
  EXPECT_LE(after * 6, before) << after << " of " << report.files_added;
  for (const auto& action : last_commit()) {
    if (action.contains("commitInfo")) {
      EXPECT_EQ(action["commitInfo"]["operationParameters"]["zOrderBy"], "[\"order_date\",\"ccy\"]");
    }
  }
  // Already in this order, nothing new: no commit.
  auto again = optimize(options);
  EXPECT_TRUE(again.skipped);
  EXPECT_NE(again.message.find("already Z-ordered"), std::string::npos);
}

TEST_F(TableOptimizeTest, ZOrderRewritesEachPartitionIntoItsOwnDirectory) {
  for (int i = 0; i < 3; ++i) {
    append(fmt::format("SELECT DATE '2025-11-01' + CAST(range % 2 AS INTEGER) AS order_date, "
                       "['EUR','USD','GBP'][CAST(range % 3 AS INTEGER) + 1] AS ccy, range + {} AS amount "
                       "FROM range(1000)",
                       i * 1000),
           {"order_date"});
  }
  const std::string checksum = "SELECT count(*) || ':' || sum(hash(order_date, ccy, amount)) FROM t";
  const std::string rows_before = query_value(checksum);
  OptimizeOptions options;
  options.zorder = {"ccy", "amount"};
  auto report = optimize(options);
  EXPECT_EQ(report.files_removed, 6);
  EXPECT_EQ(report.partitions.size(), 2u);
  EXPECT_EQ(query_value(checksum), rows_before);
  auto current = snapshot();
  ASSERT_EQ(current->files().size(), 2u);
  for (const auto& file : current->files()) {
    const std::string date = file.partition_values.at("order_date").value_or("NULL");
    EXPECT_EQ(file.path.rfind("order_date=" + date + "/", 0), 0u) << file.path;
    EXPECT_FALSE(file.data_change);
    ASSERT_TRUE(file.tags);
    EXPECT_EQ(file.tags->at("silt.zOrderBy"), "[\"ccy\",\"amount\"]");
  }
  EXPECT_EQ(query_value("SELECT count(*) FROM t WHERE order_date = DATE '2025-11-02'"), "1500");
}

TEST_F(TableOptimizeTest, AConcurrentAppendDoesNotConflictButARemovalOfARewrittenFileDoes) {
  for (int i = 0; i < 3; ++i) append(fmt::format("SELECT {} AS id FROM range(5)", i));
  OptimizeOptions options;
  options.before_commit = [&]() {
    Source source;
    source.query = "SELECT 100 AS id";
    auto written = ops_->write(root_, source, WriteOptions{});
    ASSERT_TRUE(written) << written.error().message();
  };
  auto report = optimize(options);
  EXPECT_EQ(report.version, 4);  // the append took 3
  EXPECT_EQ(query_value("SELECT count(*) || ',' || sum(id) FROM t"), "16,115");
  EXPECT_EQ(snapshot()->files().size(), 2u);

  for (int i = 0; i < 2; ++i) append("SELECT 7 AS id");
  options.before_commit = [&]() {
    auto removed = ops_->remove_where(root_, "id = 7");
    ASSERT_TRUE(removed) << removed.error().message();
  };
  auto conflict = ops_->optimize(root_, options);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code(), ErrorCode::kConflict);
  EXPECT_NE(conflict.error().message().find("that this operation read"), std::string::npos) << conflict.error().message();
  // The delete stands; the rewritten files of the failed optimize were removed.
  EXPECT_EQ(query_value("SELECT count(*) FILTER (WHERE id = 7) FROM t"), "0");
  size_t parquet_files = 0;
  auto listed = fs_.list_recursive(root_);
  ASSERT_TRUE(listed);
  for (const auto& file : *listed) parquet_files += file.path.find("_delta_log") == std::string::npos;
  EXPECT_EQ(parquet_files, 3 + 1 + 2 + 1);  // 3 first files, the append, 2 appends, optimize's 1
}

TEST_F(TableOptimizeTest, BadOptionsAreNamed) {
  append("SELECT DATE '2025-11-01' AS order_date, 'EUR' AS ccy, 1 AS amount", {"order_date"});
  auto error = [&](OptimizeOptions options) {
    auto report = ops_->optimize(root_, options);
    EXPECT_FALSE(report);
    return report ? std::string() : report.error().message();
  };
  OptimizeOptions options;
  options.zorder = {"amout"};
  EXPECT_NE(error(options).find("Z-order column 'amout' does not exist"), std::string::npos);
  EXPECT_NE(error(options).find("did you mean 'amount'?"), std::string::npos);
  options.zorder = {"order_date"};
  EXPECT_NE(error(options).find("'order_date' is a partition column"), std::string::npos);
  options.zorder = {"ccy", "amount", "ccy"};
  EXPECT_NE(error(options).find("named twice"), std::string::npos);
  options.zorder = {"a", "b", "c", "d", "e"};
  EXPECT_NE(error(options).find("one to four columns"), std::string::npos);
  options.zorder = {};
  options.where = "amount > 0";
  EXPECT_NE(error(options).find("columns allowed here: order_date"), std::string::npos);
  options.where.reset();
  options.target_file_bytes = 1000;
  EXPECT_NE(error(options).find("too small"), std::string::npos);
}

}  // namespace
}  // namespace silt::engine
