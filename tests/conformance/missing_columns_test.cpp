// Tables whose older data files lack columns that later writes added (schema evolution, as Spark's
// mergeSchema does), with columns named after SQL keywords and types, after the names Parquet gives
// nested children (list, element, key_value, key, value) and its root (duckdb_schema, spark_schema),
// and of nested types. Written with silt; every version read through silt must equal plain DuckDB
// reading the same input files with union_by_name, with and without checkpoints, partitioned or not,
// and for a log that never shows the schema change (files without statistics).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt {
namespace {

// One write: the SELECT producing its rows (over range(...) AS r(i)).
struct Step {
  std::string select;
};

// Each step keeps the earlier columns and adds new ones; rows carry NULLs now and then.
const std::vector<Step> kSteps = {
    {R"(SELECT i AS id, i::INTEGER AS "integer", CASE WHEN i % 3 = 0 THEN NULL ELSE 'n' || i END AS "null",
               i % 2 = 0 AS "boolean", {'map': i::INTEGER, 'array': ['a' || i, 'b']} AS "struct",
               MAP {'k' || i: i::INTEGER} AS "map", [i::INTEGER, i::INTEGER + 1] AS "array"
        FROM range(0, 40) r(i))"},
    {R"(SELECT i AS id, i::INTEGER AS "integer", 'n' || i AS "null", NULL::BOOLEAN AS "boolean",
               {'map': NULL::INTEGER, 'array': ['c']} AS "struct", MAP {'x': 1} AS "map", []::INTEGER[] AS "array",
               'e' || i AS "element", (i * 7)::INTEGER AS "key", {'list': [i::INTEGER], 'key': 'k'} AS "value",
               MAP {'m': {'element': i::INTEGER}} AS "list", DATE '2025-01-01' + i::INTEGER AS "date",
               TIMESTAMPTZ '2025-01-01 10:00:00+00' + INTERVAL (i) SECOND AS "timestamp",
               ('b' || i)::BLOB AS "binary", (i / 4)::DECIMAL(10, 2) AS "decimal", 's' || i AS "string"
        FROM range(40, 70) r(i))"},
    {R"(SELECT i AS id, i::INTEGER AS "integer", 'n' || i AS "null", true AS "boolean",
               {'map': 1, 'array': []::VARCHAR[]} AS "struct", MAP {'y': 2} AS "map", [1] AS "array",
               NULL::VARCHAR AS "element", NULL::INTEGER AS "key", NULL::STRUCT("list" INTEGER[], "key" VARCHAR) AS "value",
               NULL::MAP(VARCHAR, STRUCT(element INTEGER)) AS "list", NULL::DATE AS "date",
               NULL::TIMESTAMPTZ AS "timestamp", NULL::BLOB AS "binary", NULL::DECIMAL(10, 2) AS "decimal",
               NULL::VARCHAR AS "string", i::INTEGER AS "spark_schema", 'd' || i AS "duckdb_schema",
               [i::INTEGER] AS "key_value", 'bag' AS "bag", i * 2 AS "array_element"
        FROM range(70, 85) r(i))"},
};

struct Variant {
  std::string name;
  std::vector<std::string> partition_by;
  int checkpoint_after = -1;  // index of the step after which a checkpoint is written
};

void PrintTo(const Variant& variant, std::ostream* out) { *out << variant.name; }

class MissingColumnsTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    auto session = engine::Session::open(engine::SessionOptions{2, "", ""});
    ASSERT_TRUE(session) << session.error().message();
    session_ = std::move(*session);
    ops_ = std::make_unique<engine::TableOps>(*session_, fs_);
    root_ = dir_.file("table");
  }

  // Writes a step's rows to a plain Parquet file with DuckDB: the input of the write and of the
  // expected answer.
  std::string write_input(size_t step) {
    std::string path = dir_.file(fmt::format("input_{}.parquet", step));
    auto written = session_->connection().execute(
        fmt::format("COPY ({}) TO {} (FORMAT parquet)", kSteps[step].select, sql_string(path)));
    EXPECT_TRUE(written.ok()) << written.message();
    inputs_.push_back(path);
    return path;
  }

  // Rows as JSON text ordered by id: nested values compare exactly.
  std::vector<std::string> rows(const std::string& relation, const std::vector<std::string>& columns) {
    std::string list;
    for (const auto& column : columns) list += (list.empty() ? "" : ", ") + sql_identifier(column);
    auto result = session_->connection().query_varchar(
        fmt::format("SELECT to_json(t)::VARCHAR FROM (SELECT {} FROM {}) t ORDER BY t.id", list, relation));
    EXPECT_TRUE(result) << result.error().message();
    std::vector<std::string> out;
    if (!result) return out;
    for (const auto& row : result->rows) out.push_back(row[0].value_or("<NULL>"));
    return out;
  }

  // The plain-DuckDB answer after `step`: the inputs so far, by name, missing columns NULL.
  std::vector<std::string> expected(size_t step, const std::vector<std::string>& columns) {
    std::string list;
    for (size_t i = 0; i <= step; ++i) list += (i ? ", " : "") + sql_string(inputs_[i]);
    return rows(fmt::format("read_parquet([{}], union_by_name=true)", list), columns);
  }

  std::vector<std::string> actual(int64_t version, std::vector<std::string>* columns) {
    delta::VersionSpec spec;
    spec.version = version;
    auto snapshot = ops_->load(root_, spec);
    EXPECT_TRUE(snapshot) << snapshot.error().message();
    if (!snapshot) return {};
    auto schema = (*snapshot)->schema();
    EXPECT_TRUE(schema);
    columns->clear();
    for (const auto& field : schema->fields) columns->push_back(field.name);
    auto sql = session_->scan_sql(**snapshot);
    EXPECT_TRUE(sql) << sql.error().message();
    if (!sql) return {};
    return rows("(" + *sql + ")", *columns);
  }

  std::unique_ptr<engine::Session> session_;
  storage::LocalFileSystem fs_;
  testing::TempDir dir_;
  std::unique_ptr<engine::TableOps> ops_;
  std::string root_;
  std::vector<std::string> inputs_;
};

TEST_P(MissingColumnsTest, EveryVersionReadsLikePlainDuckDb) {
  const Variant& variant = GetParam();
  std::vector<int64_t> versions;
  for (size_t step = 0; step < kSteps.size(); ++step) {
    engine::Source source;
    source.query = "SELECT * FROM read_parquet(" + sql_string(write_input(step)) + ")";
    engine::WriteOptions options;
    options.add_new_columns = true;
    options.partition_by = variant.partition_by;
    auto report = ops_->write(root_, source, options);
    ASSERT_TRUE(report) << "step " << step << ": " << report.error().message();
    if (step > 0) {
      EXPECT_FALSE(report->columns_added.empty()) << "step " << step << " adds columns";
    }
    versions.push_back(report->version);
    if (variant.checkpoint_after == static_cast<int>(step)) {
      auto checkpoint = ops_->checkpoint(root_);
      ASSERT_TRUE(checkpoint) << checkpoint.error().message();
    }
  }
  for (size_t step = 0; step < kSteps.size(); ++step) {
    SCOPED_TRACE(fmt::format("version {} (after step {})", versions[step], step));
    std::vector<std::string> columns;
    auto got = actual(versions[step], &columns);
    auto want = expected(step, columns);
    ASSERT_EQ(got.size(), want.size());
    for (size_t row = 0; row < got.size(); ++row) ASSERT_EQ(got[row], want[row]) << "row " << row;
  }
}

INSTANTIATE_TEST_SUITE_P(
    SchemaEvolution, MissingColumnsTest,
    ::testing::Values(Variant{"no_checkpoint", {}, -1}, Variant{"checkpoint_between", {}, 1},
                      Variant{"checkpoint_last", {}, 2}, Variant{"partitioned_checkpoint_last", {"null"}, 2},
                      Variant{"partitioned", {"integer"}, -1}),
    [](const auto& info) { return info.param.name; });

// Behind a checkpoint the log no longer shows the change: the first file, written before the
// column existed and carrying no statistics, lacks it (as tables whose writer kept no stats). Files
// whose stats do not name every column are checked against their Parquet schema.
TEST(MissingColumnsLogTest, FileWithoutStatsBehindACheckpointLacksALaterColumn) {
  auto session = engine::Session::open(engine::SessionOptions{2, "", ""});
  ASSERT_TRUE(session) << session.error().message();
  testing::TempDir dir;
  std::string root = dir.file("t");
  std::filesystem::create_directories(root + "/_delta_log");
  auto copy = (*session)->connection().execute(fmt::format(
      "COPY (SELECT 1::BIGINT AS id, [1, 2] AS \"list\", MAP {{'a': 1}} AS \"map\") TO {} (FORMAT parquet)",
      sql_string(root + "/old.parquet")));
  ASSERT_TRUE(copy.ok()) << copy.message();
  copy = (*session)->connection().execute(fmt::format(
      "COPY (SELECT 2::BIGINT AS id, [3] AS \"list\", MAP {{'b': 2}} AS \"map\", 'x' AS \"element\", 5 AS \"key\") "
      "TO {} (FORMAT parquet)",
      sql_string(root + "/new.parquet")));
  ASSERT_TRUE(copy.ok()) << copy.message();
  auto size = [&](const char* name) { return std::filesystem::file_size(root + "/" + name); };
  auto metadata = [](const std::string& fields) {
    std::string schema = R"({"type":"struct","fields":[)" + fields + "]}";
    return R"({"metaData":{"id":"m","format":{"provider":"parquet","options":{}},"schemaString":")" +
           replace_all(schema, "\"", "\\\"") + R"(","partitionColumns":[],"configuration":{},"createdTime":1}})";
  };
  std::string first = R"({"name":"id","type":"long","nullable":true,"metadata":{}},)"
                      R"({"name":"list","type":{"type":"array","elementType":"integer","containsNull":true},"nullable":true,"metadata":{}},)"
                      R"({"name":"map","type":{"type":"map","keyType":"string","valueType":"integer","valueContainsNull":true},"nullable":true,"metadata":{}})";
  std::string later = first + R"(,{"name":"element","type":"string","nullable":true,"metadata":{}},)"
                              R"({"name":"key","type":"integer","nullable":true,"metadata":{}})";
  std::ofstream(root + "/_delta_log/00000000000000000000.json")
      << R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})" << "\n"
      << metadata(first) << "\n"
      << R"({"add":{"path":"old.parquet","partitionValues":{},"size":)" << size("old.parquet")
      << R"(,"modificationTime":1,"dataChange":true}})" << "\n";
  std::ofstream(root + "/_delta_log/00000000000000000001.json")
      << metadata(later) << "\n"
      << R"({"add":{"path":"new.parquet","partitionValues":{},"size":)" << size("new.parquet")
      << R"(,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":1,\"nullCount\":{\"id\":0,\"list\":0,\"map\":0,\"element\":0,\"key\":0}}"}})"
      << "\n";
  storage::LocalFileSystem fs;
  engine::TableOps ops(**session, fs);
  ASSERT_TRUE(ops.checkpoint(root)) << "checkpoint";
  auto snapshot = ops.load(root);
  ASSERT_TRUE(snapshot) << snapshot.error().message();
  ASSERT_TRUE((*snapshot)->checkpoint_version());
  ASSERT_FALSE((*snapshot)->schema_changed());
  auto sql = (*session)->scan_sql(**snapshot);
  ASSERT_TRUE(sql) << sql.error().message();
  auto result = (*session)->connection().query_varchar(
      "SELECT to_json(t)::VARCHAR FROM (" + *sql + ") t ORDER BY t.id");
  ASSERT_TRUE(result) << result.error().message();
  ASSERT_EQ(result->rows.size(), 2u);
  EXPECT_EQ(result->rows[0][0].value_or(""), R"({"id":1,"list":[1,2],"map":{"a":1},"element":null,"key":null})");
  EXPECT_EQ(result->rows[1][0].value_or(""), R"({"id":2,"list":[3],"map":{"b":2},"element":"x","key":5})");
}

}  // namespace
}  // namespace silt
