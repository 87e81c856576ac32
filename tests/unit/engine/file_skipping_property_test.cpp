// File skipping never changes a result: for random tables (several files, partitions, NULLs, NaN and
// infinities in float columns, timestamps with microseconds) and random predicates, the rows a query
// sees with the files files_maybe_matching keeps equal the rows it sees over every file. Also the
// NaN cases found by hand: a float file whose min/max leave NaN out.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "delta/file_pruning.h"
#include "engine/session.h"
#include "engine/sql_predicate.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::engine {
namespace {

class FileSkippingPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = Session::open(SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
    ops_ = std::make_unique<TableOps>(*session_, fs_);
  }

  void append(const std::string& root, const std::string& query, const std::vector<std::string>& partition_by = {}) {
    Source source;
    source.query = query;
    WriteOptions options;
    options.partition_by = partition_by;
    auto written = ops_->write(root, source, options);
    ASSERT_TRUE(written) << written.error().message();
  }

  // count and an order-independent checksum of the rows matching `predicate`, over the given files
  // (all when `skip` is false).
  std::string answer(const delta::Snapshot& snapshot, const std::string& predicate, bool skip, size_t* kept) {
    ScanOptions scan;
    auto schema = snapshot.schema();
    EXPECT_TRUE(schema);
    if (skip) {
      auto parsed = predicate_from_sql(session_->connection(), predicate);
      EXPECT_TRUE(parsed) << predicate << ": " << parsed.error().message();
      if (!parsed) return "";
      scan.file_indices = delta::files_maybe_matching(snapshot, *schema, *parsed);
      if (kept) *kept = scan.file_indices->size();
    }
    auto sql = session_->scan_sql(snapshot, scan);
    EXPECT_TRUE(sql) << sql.error().message();
    if (!sql) return "";
    auto value = session_->connection().query_value(fmt::format(
        "SELECT count(*) || ':' || coalesce(sum(hash(t::VARCHAR))::VARCHAR, '-') FROM ({}) t WHERE {}", *sql,
        predicate));
    EXPECT_TRUE(value) << predicate << ": " << value.error().message();
    return value && *value ? **value : "";
  }

  std::unique_ptr<Session> session_;
  storage::LocalFileSystem fs_;
  testing::TempDir dir_;
  std::unique_ptr<TableOps> ops_;
};

TEST_F(FileSkippingPropertyTest, NaNInAFloatFileIsNeverSkipped) {
  std::string root = dir_.file("n");
  append(root, "SELECT 1 AS id, 1.0::DOUBLE AS d UNION ALL SELECT 2, 'NaN'::DOUBLE");
  append(root, "SELECT 3 AS id, 5.0::DOUBLE AS d");
  auto snapshot = ops_->load(root);
  ASSERT_TRUE(snapshot);
  for (const std::string predicate : {"d > 100", "d >= 100", "NOT (d < 100)", "d <> 1.0", "d > 'Infinity'::DOUBLE",
                                      "d > 1 AND id = 2", "d >= 'NaN'::DOUBLE"}) {
    size_t kept = 0;
    EXPECT_EQ(answer(**snapshot, predicate, true, &kept), answer(**snapshot, predicate, false, nullptr)) << predicate;
  }
  // A delete by such a predicate removes the NaN row.
  auto deleted = ops_->remove_where(root, "d > 100");
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_EQ(deleted->rows_deleted, 1);
  auto after = ops_->load(root);
  ASSERT_TRUE(after);
  EXPECT_EQ(answer(**after, "true", false, nullptr).substr(0, 2), "2:");
}

TEST_F(FileSkippingPropertyTest, RandomTablesAndPredicatesGiveTheSameRowsWithSkipping) {
  std::mt19937 random(20251201);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const std::vector<std::string> doubles = {"0.0", "-1.5", "2.25", "1e300", "-0.0", "'NaN'::DOUBLE",
                                            "'Infinity'::DOUBLE", "'-Infinity'::DOUBLE", "NULL", "7.0"};
  const std::vector<std::string> strings = {"'a'", "'ab'", "'b'", "''", "'Z'", "'é'", "NULL", "'b\x01'"};
  const std::vector<std::string> stamps = {"TIMESTAMPTZ '2025-01-01 00:00:00.000123+00'",
                                           "TIMESTAMPTZ '2025-01-01 00:00:00.000999+00'",
                                           "TIMESTAMPTZ '2025-01-01 00:00:00.001+00'",
                                           "TIMESTAMPTZ '2024-12-31 23:59:59.999999+00'", "NULL"};
  const std::vector<std::string> ints = {"0", "1", "-1", "42", "9223372036854775807", "(-9223372036854775807 - 1)", "NULL"};
  const std::vector<std::string> decimals = {"0.00", "1.05", "-3.10", "999.99", "NULL"};
  const std::vector<std::string> dates = {"DATE '2025-01-01'", "DATE '2024-02-29'", "DATE '1970-01-01'", "NULL"};
  auto literal_of = [&](int column) -> std::string {
    switch (column) {
      case 0: return ints[pick(ints.size() - 1)];
      case 1: return doubles[pick(doubles.size() - 1)];
      case 2: return strings[pick(strings.size() - 1)];
      case 3: return stamps[pick(stamps.size() - 1)];
      case 4: return decimals[pick(decimals.size() - 1)];
      case 5: return dates[pick(dates.size() - 1)];
      default: return std::to_string(pick(3));
    }
  };
  const std::vector<std::string> names = {"i", "d", "s", "t", "m", "dt", "p"};
  const std::vector<std::string> ops = {"=", "<>", "<", "<=", ">", ">="};
  std::function<std::string(int)> predicate = [&](int depth) -> std::string {
    int kind = depth > 2 ? pick(4) : pick(8);
    int column = pick(names.size());
    const std::string& name = names[column];
    switch (kind) {
      case 0: case 1: case 2: return name + " " + ops[pick(ops.size())] + " " + literal_of(column);
      case 3: return name + (pick(2) ? " IS NULL" : " IS NOT NULL");
      case 4: return name + " IN (" + literal_of(column) + ", " + literal_of(column) + ")";
      case 5: return name + " BETWEEN " + literal_of(column) + " AND " + literal_of(column);
      case 6: return "(" + predicate(depth + 1) + (pick(2) ? " AND " : " OR ") + predicate(depth + 1) + ")";
      default: return "NOT (" + predicate(depth + 1) + ")";
    }
  };

  int64_t skipped_files = 0;
  for (int table = 0; table < 6; ++table) {
    std::string root = dir_.file("t" + std::to_string(table));
    std::vector<std::string> partition_by;
    if (table % 2 == 1) partition_by = {"p"};
    for (int file = 0; file < 5; ++file) {
      std::string rows;
      int count = 1 + pick(6);
      for (int r = 0; r < count; ++r) {
        if (!rows.empty()) rows += " UNION ALL ";
        rows += fmt::format(
            "SELECT {}::BIGINT AS i, {}::DOUBLE AS d, {}::VARCHAR AS s, {}::TIMESTAMPTZ AS t, {}::DECIMAL(10,2) AS m, "
            "{}::DATE AS dt, {}::INTEGER AS p",
            ints[pick(ints.size())], doubles[pick(doubles.size())], strings[pick(strings.size())],
            stamps[pick(stamps.size())], decimals[pick(decimals.size())], dates[pick(dates.size())],
            pick(4) == 0 ? std::string("NULL") : std::to_string(pick(3)));
      }
      append(root, rows, partition_by);
    }
    auto snapshot = ops_->load(root);
    ASSERT_TRUE(snapshot) << snapshot.error().message();
    for (int trial = 0; trial < 60; ++trial) {
      std::string where = predicate(0);
      size_t kept = 0;
      std::string with_skipping = answer(**snapshot, where, true, &kept);
      std::string without = answer(**snapshot, where, false, nullptr);
      ASSERT_EQ(with_skipping, without) << "table " << table << ", predicate: " << where;
      skipped_files += static_cast<int64_t>((*snapshot)->files().size() - kept);
    }
  }
  // The property is only worth something if skipping happened.
  EXPECT_GT(skipped_files, 100);
}

}  // namespace
}  // namespace silt::engine
