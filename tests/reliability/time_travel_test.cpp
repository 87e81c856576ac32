// Time travel over a table built by 30 mixed commits (appends, overwrites, replaceWhere on the
// partition column, deletes, restores): every version 0..30 must read back exactly the rows an
// in-memory model of the same operations predicts, through Snapshot::load and through `silt sql`.
// Data files are never removed here (no vacuum), so every version stays readable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "base/strings.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "support/run_command.h"
#include "storage/memory/memory_file_system.h"
#include "support/temp_dir.h"

namespace silt {
namespace {

#define SILT_ASSERT_OK_AND_ASSIGN(lhs, expr) SILT_ASSERT_OK_AND_ASSIGN_IMPL_(SILT_CONCAT_(silt_r_, __LINE__), lhs, expr)
#define SILT_ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr)                      \
  auto tmp = (expr);                                                         \
  ASSERT_TRUE(tmp.has_value()) << #expr << ": " << tmp.error().message();    \
  lhs = std::move(tmp).value()

struct Row {
  int64_t id = 0;
  std::string part;
  std::string value;

  auto operator<=>(const Row&) const = default;
};

void PrintTo(const Row& row, std::ostream* out) { *out << "(" << row.id << ", " << row.part << ", " << row.value << ")"; }

// The table's rows by id: iteration order is the ORDER BY id the reads use.
using Model = std::map<int64_t, Row>;

std::vector<Row> rows_of(const Model& model) {
  std::vector<Row> rows;
  for (const auto& [id, row] : model) rows.push_back(row);
  return rows;
}

enum class StepKind { kAppend, kOverwrite, kReplaceWhere, kDelete, kRestore };

// One commit of the sequence. Writes generate `count` fresh rows spread over `parts`.
struct Step {
  StepKind kind;
  int count = 0;
  std::vector<std::string> parts;                  // appends, overwrites, replaceWhere
  std::string predicate_sql;                       // deletes
  std::function<bool(const Row&)> predicate;       // the same predicate, for the model
  int64_t restore_version = -1;
};

Step append(int count, std::vector<std::string> parts = {"a", "b", "c"}) {
  return Step{StepKind::kAppend, count, std::move(parts), "", nullptr, -1};
}
Step overwrite(int count) { return Step{StepKind::kOverwrite, count, {"a", "b", "c"}, "", nullptr, -1}; }
Step replace_where(int count, std::vector<std::string> parts) {
  return Step{StepKind::kReplaceWhere, count, std::move(parts), "", nullptr, -1};
}
Step remove_where(std::string sql, std::function<bool(const Row&)> predicate) {
  return Step{StepKind::kDelete, 0, {}, std::move(sql), std::move(predicate), -1};
}
Step restore(int64_t version) { return Step{StepKind::kRestore, 0, {}, "", nullptr, version}; }

// Versions 1..30 (version 0 is the create). Covers row-level deletes (file rewrites), whole-partition
// deletes, replaceWhere on one, two and a not-yet-existing partition, full overwrites, restores to
// versions before and after checkpoints (written at 10, 20 and 30).
std::vector<Step> steps() {
  return {
      append(8),                                                                          // 1
      append(8),                                                                          // 2
      remove_where("id % 3 = 0", [](const Row& r) { return r.id % 3 == 0; }),             // 3
      replace_where(4, {"a"}),                                                            // 4
      append(6),                                                                          // 5
      overwrite(10),                                                                      // 6
      append(5),                                                                          // 7
      remove_where("part = 'b'", [](const Row& r) { return r.part == "b"; }),             // 8
      restore(4),                                                                         // 9
      append(7),                                                                          // 10
      replace_where(3, {"c"}),                                                            // 11
      remove_where("id % 2 = 1", [](const Row& r) { return r.id % 2 == 1; }),             // 12
      append(6, {"d"}),                                                                   // 13
      replace_where(2, {"e"}),                                                            // 14
      restore(11),                                                                        // 15
      overwrite(6),                                                                       // 16
      append(9),                                                                          // 17
      remove_where("id % 5 = 0", [](const Row& r) { return r.id % 5 == 0; }),             // 18
      replace_where(4, {"a", "b"}),                                                       // 19
      append(4),                                                                          // 20
      restore(1),                                                                         // 21
      append(8),                                                                          // 22
      remove_where("part = 'a'", [](const Row& r) { return r.part == "a"; }),             // 23
      replace_where(3, {"b"}),                                                            // 24
      overwrite(5),                                                                       // 25
      restore(20),                                                                        // 26
      remove_where("id % 4 = 2", [](const Row& r) { return r.id % 4 == 2; }),             // 27
      append(6),                                                                          // 28
      replace_where(2, {"c"}),                                                            // 29
      append(5),                                                                          // 30
  };
}

// A SELECT of literal rows typed like the table.
std::string values_query(const std::vector<Row>& rows) {
  std::vector<std::string> tuples;
  for (const auto& row : rows) {
    tuples.push_back(fmt::format("({}, {}, {})", row.id, sql_string(row.part), sql_string(row.value)));
  }
  return "SELECT CAST(id AS BIGINT) AS id, CAST(part AS VARCHAR) AS part, CAST(value AS VARCHAR) AS value FROM (VALUES " +
         join(tuples, ", ") + ") AS source(id, part, value)";
}

std::string in_list_sql(const std::vector<std::string>& parts) {
  std::vector<std::string> quoted;
  for (const auto& part : parts) quoted.push_back(sql_string(part));
  return parts.size() == 1 ? "part = " + quoted[0] : "part IN (" + join(quoted, ", ") + ")";
}

Result<std::vector<Row>> read_rows(engine::Session& session, const delta::Snapshot& snapshot) {
  SILT_TRY_ASSIGN(auto scan, session.scan_sql(snapshot));
  SILT_TRY_ASSIGN(auto result, session.connection().query_varchar(
                                   "SELECT CAST(id AS VARCHAR), part, value FROM (" + scan + ") ORDER BY id"));
  std::vector<Row> rows;
  for (const auto& cells : result.rows) {
    rows.push_back(Row{parse_int64(cells[0].value_or("")).value_or(-1), cells[1].value_or("<null>"),
                       cells[2].value_or("<null>")});
  }
  return rows;
}

Result<int64_t> read_rows_count(engine::Session& session, const delta::Snapshot& snapshot) {
  SILT_TRY_ASSIGN(auto scan, session.scan_sql(snapshot));
  SILT_TRY_ASSIGN(auto count, session.connection().query_value("SELECT count(*) FROM (" + scan + ")"));
  return parse_int64(count.value_or("")).value_or(-1);
}

std::string expected_csv(const std::vector<Row>& rows) {
  std::string out = "id,part,value\n";
  for (const auto& row : rows) out += fmt::format("{},{},{}\n", row.id, row.part, row.value);
  return out;
}

// Each test runs with the table on local disk and in a MemoryFileSystem (every byte through the
// storage contract).
class TimeTravelTest : public ::testing::TestWithParam<std::string> {
 protected:
  bool in_memory() const { return GetParam() == "memory"; }
  storage::FileSystem& store() { return in_memory() ? static_cast<storage::FileSystem&>(memory_) : local_; }

  storage::LocalFileSystem local_;
  storage::MemoryFileSystem memory_;
};

TEST_P(TimeTravelTest, EveryVersionOfMixedCommitsReadsBackExactly) {
  testing::TempDir dir;
  const std::string root = dir.file("events");
  SILT_ASSERT_OK_AND_ASSIGN(auto session, engine::Session::open({}));
  storage::FileSystem& fs = store();
  engine::TableOps ops(*session, fs);

  engine::CreateOptions create;
  create.schema_sql = "id BIGINT NOT NULL, part VARCHAR, value VARCHAR";
  create.partition_by = {"part"};
  SILT_ASSERT_OK_AND_ASSIGN(auto created, ops.create(root, create));
  ASSERT_EQ(created.version, 0);

  Model model;
  std::vector<std::vector<Row>> expected{rows_of(model)};  // expected[v]: rows at version v
  int64_t next_id = 1;
  auto fresh_rows = [&](int count, const std::vector<std::string>& parts, int64_t version) {
    std::vector<Row> rows;
    for (int i = 0; i < count; ++i) {
      int64_t id = next_id++;
      rows.push_back(Row{id, parts[static_cast<size_t>(id) % parts.size()], fmt::format("v{}-{}", id, version)});
    }
    return rows;
  };

  const auto sequence = steps();
  ASSERT_EQ(sequence.size(), 30u);
  int checkpoints_written = 0;
  for (size_t i = 0; i < sequence.size(); ++i) {
    const Step& step = sequence[i];
    const int64_t version = static_cast<int64_t>(i) + 1;
    SCOPED_TRACE(fmt::format("commit {}", version));
    Result<engine::OperationReport> report = make_error(ErrorCode::kInternal, "not run");
    switch (step.kind) {
      case StepKind::kAppend: {
        auto rows = fresh_rows(step.count, step.parts, version);
        report = ops.write(root, engine::Source{values_query(rows), std::nullopt, "", "", ""}, {});
        for (const auto& row : rows) model[row.id] = row;
        break;
      }
      case StepKind::kOverwrite: {
        auto rows = fresh_rows(step.count, step.parts, version);
        engine::WriteOptions options;
        options.mode = engine::WriteMode::kOverwrite;
        report = ops.write(root, engine::Source{values_query(rows), std::nullopt, "", "", ""}, options);
        model.clear();
        for (const auto& row : rows) model[row.id] = row;
        break;
      }
      case StepKind::kReplaceWhere: {
        auto rows = fresh_rows(step.count, step.parts, version);
        engine::WriteOptions options;
        options.mode = engine::WriteMode::kOverwrite;
        options.replace_where = in_list_sql(step.parts);
        report = ops.write(root, engine::Source{values_query(rows), std::nullopt, "", "", ""}, options);
        std::erase_if(model, [&](const auto& entry) {
          return std::find(step.parts.begin(), step.parts.end(), entry.second.part) != step.parts.end();
        });
        for (const auto& row : rows) model[row.id] = row;
        break;
      }
      case StepKind::kDelete: {
        size_t erased = std::erase_if(model, [&](const auto& entry) { return step.predicate(entry.second); });
        // A delete that matches nothing commits nothing; the sequence must not contain one.
        ASSERT_GT(erased, 0u) << "test sequence bug: '" << step.predicate_sql << "' matches no row";
        report = ops.remove_where(root, step.predicate_sql);
        break;
      }
      case StepKind::kRestore: {
        ASSERT_LT(step.restore_version, version);
        report = ops.restore(root, step.restore_version);
        model.clear();
        for (const auto& row : expected[static_cast<size_t>(step.restore_version)]) model[row.id] = row;
        break;
      }
    }
    ASSERT_TRUE(report.has_value()) << report.error().message();
    ASSERT_FALSE(report->skipped) << report->message;
    ASSERT_EQ(report->version, version);
    if (report->checkpoint_written) ++checkpoints_written;
    expected.push_back(rows_of(model));
  }
  EXPECT_EQ(checkpoints_written, 3);  // versions 10, 20, 30

  // Every version, newest checkpoint or not, reads back exactly the model's rows.
  for (int64_t version = 0; version <= 30; ++version) {
    SCOPED_TRACE(fmt::format("version {}", version));
    SILT_ASSERT_OK_AND_ASSIGN(auto snapshot, ops.load(root, delta::VersionSpec{version, std::nullopt}));
    EXPECT_EQ(snapshot->version(), version);
    if (version >= 10) {
      ASSERT_TRUE(snapshot->checkpoint_version().has_value());
      EXPECT_EQ(*snapshot->checkpoint_version(), version / 10 * 10);
    } else {
      EXPECT_FALSE(snapshot->checkpoint_version().has_value());
    }
    EXPECT_EQ(snapshot->num_records(), static_cast<int64_t>(expected[static_cast<size_t>(version)].size()));
    SILT_ASSERT_OK_AND_ASSIGN(auto rows, read_rows(*session, *snapshot));
    EXPECT_EQ(rows, expected[static_cast<size_t>(version)]);
  }
  // The latest version without a spec is version 30; a version past it is NotFound.
  SILT_ASSERT_OK_AND_ASSIGN(auto latest, ops.load(root));
  EXPECT_EQ(latest->version(), 30);
  auto beyond = ops.load(root, delta::VersionSpec{31, std::nullopt});
  ASSERT_FALSE(beyond.has_value());
  EXPECT_EQ(beyond.error().code(), ErrorCode::kNotFound);

  // Restores are commits with the restored version's rows, not rewinds of the log.
  EXPECT_EQ(expected[9], expected[4]);
  EXPECT_EQ(expected[26], expected[20]);
  EXPECT_NE(expected[21], expected[20]);

  if (in_memory()) {
    EXPECT_FALSE(std::filesystem::exists(root)) << "the in-memory table wrote to local disk";
    return;
  }
  // The same through the real binary, for versions before, at and after checkpoints.
  for (int64_t version : {0, 3, 9, 10, 15, 21, 26, 30}) {
    SCOPED_TRACE(fmt::format("silt sql at version {}", version));
    auto result = testing::run_silt({"sql", "--table", fmt::format("t={}@{}", root, version), "--format", "csv",
                                     "SELECT id, part, value FROM t ORDER BY id"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, expected_csv(expected[static_cast<size_t>(version)]));
  }
  auto missing = testing::run_silt({"sql", "--table", fmt::format("t={}@31", root), "--format", "csv", "SELECT 1"});
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
}

TEST_P(TimeTravelTest, TimestampsSelectTheLatestVersionCommittedAtOrBefore) {
  testing::TempDir dir;
  const std::string root = dir.file("by_time");
  SILT_ASSERT_OK_AND_ASSIGN(auto session, engine::Session::open({}));
  storage::FileSystem& fs = store();
  engine::TableOps ops(*session, fs);

  engine::CreateOptions create;
  create.schema_sql = "id BIGINT NOT NULL";
  SILT_ASSERT_OK_AND_ASSIGN(auto created, ops.create(root, create));
  constexpr int64_t kVersions = 6;
  for (int64_t version = 1; version < kVersions; ++version) {
    SILT_ASSERT_OK_AND_ASSIGN(
        auto report, ops.write(root, engine::Source{fmt::format("SELECT CAST({} AS BIGINT) AS id", version), std::nullopt, "", "", ""}, {}));
    ASSERT_EQ(report.version, version);
  }
  // Commit times one minute apart, as if the table had been written over an hour.
  constexpr int64_t kStartMs = 1700000000000;
  constexpr int64_t kMinuteMs = 60000;
  for (int64_t version = 0; version < kVersions; ++version) {
    ASSERT_TRUE(fs.set_modified_ms(delta::commit_file_path(root, version), kStartMs + version * kMinuteMs).ok());
  }
  for (int64_t version = 0; version < kVersions; ++version) {
    SCOPED_TRACE(fmt::format("version {}", version));
    int64_t at = kStartMs + version * kMinuteMs;
    SILT_ASSERT_OK_AND_ASSIGN(auto exact, ops.load(root, delta::VersionSpec{std::nullopt, at}));
    EXPECT_EQ(exact->version(), version);
    EXPECT_EQ(exact->timestamp_ms(), at);
    SILT_ASSERT_OK_AND_ASSIGN(auto rows, read_rows_count(*session, *exact));
    EXPECT_EQ(rows, version);
    if (version + 1 < kVersions) {
      SILT_ASSERT_OK_AND_ASSIGN(auto between, ops.load(root, delta::VersionSpec{std::nullopt, at + kMinuteMs / 2}));
      EXPECT_EQ(between->version(), version);
    }
  }
  auto before = ops.load(root, delta::VersionSpec{std::nullopt, kStartMs - 1});
  ASSERT_FALSE(before.has_value());
  EXPECT_EQ(before.error().code(), ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Stores, TimeTravelTest, ::testing::Values("local", "memory"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace silt
