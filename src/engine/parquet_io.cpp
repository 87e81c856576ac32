// Checkpoint encoding with DuckDB: to_json() of each action struct for reading; read_json with
// the checkpoint schema Spark writes, then COPY to Parquet, for writing.
#include "engine/parquet_io.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/strings.h"

namespace silt::engine {

namespace {

const char* kActionColumns[] = {"txn", "add", "remove", "metaData", "protocol", "domainMetadata"};

const char* kDvType =
    "STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, \"offset\" INTEGER, sizeInBytes INTEGER, "
    "cardinality BIGINT)";

std::string checkpoint_columns() {
  return fmt::format(
      "{{txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)', "
      "add: 'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, "
      "dataChange BOOLEAN, tags MAP(VARCHAR, VARCHAR), deletionVector {0}, baseRowId BIGINT, "
      "defaultRowCommitVersion BIGINT, stats VARCHAR)', "
      "remove: 'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, "
      "partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, deletionVector {0}, baseRowId BIGINT, "
      "defaultRowCommitVersion BIGINT)', "
      "metaData: 'STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options "
      "MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, "
      "VARCHAR), createdTime BIGINT)', "
      "protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], "
      "writerFeatures VARCHAR[])', "
      "domainMetadata: 'STRUCT(domain VARCHAR, configuration VARCHAR, removed BOOLEAN)'}}",
      kDvType);
}

std::string temp_base(const std::string& temp_directory) {
  std::string dir = temp_directory.empty() ? std::filesystem::temp_directory_path().string() : temp_directory;
  std::error_code ignored;
  std::filesystem::create_directories(dir, ignored);
  return dir + "/silt-checkpoint-" + new_uuid();
}

}  // namespace

Result<std::string> DuckParquetIo::read_checkpoint(const std::string& path) {
  auto described = connection_.query_varchar(
      "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(" + sql_string(path) + "))");
  if (!described) {
    return Error(ErrorCode::kCorruption, described.error().message());
  }
  std::set<std::string> present;
  for (const auto& row : described->rows) {
    if (row[0]) present.insert(*row[0]);
  }
  std::string cases;
  for (const char* column : kActionColumns) {
    if (!present.count(column)) continue;
    cases += fmt::format(" WHEN {0} IS NOT NULL THEN '{{\"{1}\":' || to_json({0})::VARCHAR || '}}'",
                         sql_identifier(column), column);
  }
  if (cases.empty()) return std::string();
  // One row per action, joined here: string_agg into one huge value was 2-3x slower for large
  // checkpoints (bench/snapshot_bench.cpp, 100k files).
  std::string sql = "SELECT line FROM (SELECT CASE" + cases + " END AS line FROM read_parquet(" + sql_string(path) +
                    ")) WHERE line IS NOT NULL";
  auto result = connection_.query_varchar(sql);
  if (!result) return Error(ErrorCode::kCorruption, result.error().message());
  size_t total = 0;
  for (const auto& row : result->rows) total += row[0]->size() + 1;
  std::string ndjson;
  ndjson.reserve(total);
  for (auto& row : result->rows) {
    if (!ndjson.empty()) ndjson.push_back('\n');
    ndjson += *row[0];
    row[0].reset();  // release each line as it is copied
  }
  return ndjson;
}

Result<std::string> DuckParquetIo::encode_checkpoint(const std::string& ndjson_actions) {
  std::string base = temp_base(temp_directory_);
  std::string json_path = base + ".json";
  std::string parquet_path = base + ".parquet";
  {
    std::ofstream out(json_path, std::ios::binary);
    out << ndjson_actions;
    if (!out) return make_error(ErrorCode::kIo, "cannot write temporary file " + json_path);
  }
  std::string sql = "COPY (SELECT txn, add, remove, metaData, protocol, domainMetadata FROM read_json(" +
                    sql_string(json_path) + ", format = 'newline_delimited', columns = " + checkpoint_columns() +
                    ")) TO " + sql_string(parquet_path) + " (FORMAT parquet, COMPRESSION zstd)";
  Status status = connection_.execute(sql);
  std::error_code ignored;
  std::filesystem::remove(json_path, ignored);
  if (!status.ok()) {
    std::filesystem::remove(parquet_path, ignored);
    return status.error().with_context("encoding checkpoint");
  }
  std::ifstream in(parquet_path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::filesystem::remove(parquet_path, ignored);
  return buffer.str();
}

}  // namespace silt::engine
