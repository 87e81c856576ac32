// Checkpoint encoding with DuckDB: to_json() of each action struct for reading; read_json with
// the checkpoint schema Spark writes, then COPY to Parquet, for writing.
#include "engine/parquet_io.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include <map>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/strings.h"
#include "engine/type_mapping.h"

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

Result<delta::CheckpointActions> DuckParquetIo::read_checkpoint(storage::FileSystem& fs, const std::string& path) {
  auto corrupt = [&](const Error& error) {
    return Error(ErrorCode::kCorruption, fmt::format("{} is not a readable checkpoint: {}", path,
                                                     files_.with_store_paths(error.message())));
  };
  auto fetched = files_.readable(fs, path, /*immutable=*/true);
  if (!fetched) return corrupt(fetched.error());
  const std::string& local = *fetched;
  std::string reader = "read_parquet(" + sql_string(local) + ")";
  auto described = connection_.query_varchar("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " +
                                             reader + ")");
  if (!described) return corrupt(described.error());
  std::map<std::string, std::string> columns;  // top-level column -> DuckDB type
  for (const auto& row : described->rows) {
    if (row[0]) columns[*row[0]] = row[1].value_or("");
  }

  // Everything but add actions (few rows: protocol, metaData, txns, tombstones) as JSON lines.
  delta::CheckpointActions checkpoint;
  std::vector<delta::Action>& actions = checkpoint.others;
  std::string cases;
  for (const char* column : kActionColumns) {
    if (!columns.count(column) || std::string(column) == "add") continue;
    cases += fmt::format(" WHEN {0} IS NOT NULL THEN '{{\"{1}\":' || to_json({0})::VARCHAR || '}}'",
                         sql_identifier(column), column);
  }
  if (!cases.empty()) {
    std::string sql = "SELECT line FROM (SELECT CASE" + cases + " END AS line FROM " + reader + ") WHERE line IS NOT NULL";
    auto result = connection_.query_varchar(sql);
    if (!result) return corrupt(result.error());
    std::string ndjson;
    for (const auto& row : result->rows) {
      ndjson += *row[0];
      ndjson.push_back('\n');
    }
    auto parsed = delta::parse_actions(ndjson);
    if (!parsed) return corrupt(parsed.error());
    actions = std::move(*parsed);
  }
  auto add_type = columns.find("add");
  if (add_type == columns.end()) return checkpoint;

  // Add actions (up to millions of rows) column by column, without a JSON round trip.
  auto parsed_type = from_duckdb_type(add_type->second);
  if (!parsed_type || parsed_type->kind != delta::DataType::Kind::kStruct) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: column 'add' is not a struct", path));
  }
  std::set<std::string> fields;
  for (const auto& field : parsed_type->fields) fields.insert(field.name);
  if (!fields.count("path")) return make_error(ErrorCode::kCorruption, fmt::format("{}: add.path is missing", path));
  std::vector<std::string> partition_columns;
  for (const auto& action : actions) {
    if (const auto* metadata = std::get_if<delta::Metadata>(&action)) partition_columns = metadata->partition_columns;
  }
  auto field_or_null = [&](const char* name, const std::string& expression) {
    return fields.count(name) ? expression : std::string("CAST(NULL AS VARCHAR)");
  };
  std::string select = "add.path";
  auto number_or_null = [&](const char* name, const std::string& expression) {
    return fields.count(name) ? expression : std::string("CAST(NULL AS BIGINT)");
  };
  select += ", " + number_or_null("size", "CAST(add.size AS BIGINT)");
  select += ", " + number_or_null("modificationTime", "CAST(add.modificationTime AS BIGINT)");
  select += ", " + (fields.count("dataChange") ? std::string("CAST(add.dataChange AS BOOLEAN)") : "CAST(NULL AS BOOLEAN)");
  select += ", " + (fields.count("stats") ? (fields.count("stats_parsed") ? "coalesce(add.stats, to_json(add.stats_parsed)::VARCHAR)"
                                                                          : std::string("add.stats"))
                                          : field_or_null("stats_parsed", "to_json(add.stats_parsed)::VARCHAR"));
  select += ", " + field_or_null("tags", "CASE WHEN add.tags IS NULL OR cardinality(add.tags) = 0 THEN NULL ELSE to_json(add.tags)::VARCHAR END");
  select += ", " + field_or_null("deletionVector", "to_json(add.deletionVector)::VARCHAR");
  select += ", " + number_or_null("baseRowId", "CAST(add.baseRowId AS BIGINT)");
  select += ", " + number_or_null("defaultRowCommitVersion", "CAST(add.defaultRowCommitVersion AS BIGINT)");
  // Partition values by key: the partition columns of the checkpoint's own metadata; any other
  // keys (not expected) come through a JSON rendering of the whole map.
  bool has_partition_values = fields.count("partitionValues") > 0;
  for (const auto& column : partition_columns) {
    select += has_partition_values ? ", add.partitionValues[" + sql_string(column) + "]" : ", CAST(NULL AS VARCHAR)";
  }
  select += has_partition_values
                ? ", CASE WHEN cardinality(add.partitionValues) > " + std::to_string(partition_columns.size()) +
                      " THEN to_json(add.partitionValues)::VARCHAR END"
                : ", CAST(NULL AS VARCHAR)";
  // Streamed chunk by chunk straight into add actions: materialising the cells as strings first
  // doubled the time for large checkpoints.
  auto text = [](const duckdb::ChunkView& chunk, size_t column, size_t row) -> std::optional<std::string> {
    if (chunk.is_null(column, row)) return std::nullopt;
    return std::string(chunk.string_at(column, row));
  };
  auto number = [](const duckdb::ChunkView& chunk, size_t column, size_t row) -> std::optional<int64_t> {
    if (chunk.is_null(column, row)) return std::nullopt;
    return chunk.int64_at(column, row);
  };
  Status streamed = connection_.for_each_chunk(
      "SELECT " + select + " FROM " + reader + " WHERE add IS NOT NULL", [&](const duckdb::ChunkView& chunk) -> Status {
        for (size_t row = 0; row < chunk.size(); ++row) {
          delta::AddFile add;
          if (chunk.is_null(0, row)) {
            return make_error(ErrorCode::kCorruption, fmt::format("{}: an add action has no path", path));
          }
          add.path = std::string(chunk.string_at(0, row));
          add.size = number(chunk, 1, row).value_or(0);
          add.modification_time = number(chunk, 2, row).value_or(0);
          add.data_change = !chunk.is_null(3, row) && chunk.bool_at(3, row);
          add.stats = text(chunk, 4, row);
          if (auto tags_json = text(chunk, 5, row)) {
            nlohmann::json tags = nlohmann::json::parse(*tags_json, nullptr, false);
            if (tags.is_object()) {
              delta::StringMap map;
              for (const auto& [key, value] : tags.items()) {
                if (value.is_string()) map[key] = value.get<std::string>();
              }
              add.tags = std::move(map);
            }
          }
          if (auto dv_json = text(chunk, 6, row)) {
            auto dv = delta::parse_actions("{\"add\":{\"path\":\"x\",\"deletionVector\":" + *dv_json + "}}");
            if (dv && !dv->empty()) add.deletion_vector = std::get<delta::AddFile>((*dv)[0]).deletion_vector;
          }
          add.base_row_id = number(chunk, 7, row);
          add.default_row_commit_version = number(chunk, 8, row);
          size_t base = 9;
          for (size_t i = 0; i < partition_columns.size(); ++i) {
            auto value = text(chunk, base + i, row);
            if (value && value->empty()) value.reset();
            add.partition_values.emplace(partition_columns[i], std::move(value));
          }
          if (auto extra = text(chunk, base + partition_columns.size(), row)) {
            nlohmann::json map = nlohmann::json::parse(*extra, nullptr, false);
            if (map.is_object()) {
              for (const auto& [key, value] : map.items()) {
                if (add.partition_values.count(key)) continue;
                if (value.is_string() && !value.get<std::string>().empty()) {
                  add.partition_values[key] = value.get<std::string>();
                } else {
                  add.partition_values[key] = std::nullopt;
                }
              }
            }
          }
          checkpoint.adds.push_back(std::move(add));
        }
        return Status();
      });
  if (!streamed.ok()) {
    return streamed.code() == ErrorCode::kCorruption ? streamed.error() : corrupt(streamed.error());
  }
  return checkpoint;
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
