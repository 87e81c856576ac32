// Table operations: stage Parquet files with DuckDB's COPY (per-file statistics from RETURN_STATS),
// turn them into add actions, and commit them with one Delta transaction.
#include "engine/table_ops.h"
#include "engine/table_ops_internal.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/table_features.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "engine/input_reader.h"
#include "engine/sql_predicate.h"
#include "engine/type_mapping.h"
#include "delta/file_pruning.h"

namespace silt::engine {

using nlohmann::json;

namespace {

std::string relative_to(const std::string& root, const std::string& path) {
  std::string prefix = root;
  if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
  if (starts_with(path, prefix)) return path.substr(prefix.size());
  return path;
}

// DuckDB's printed min/max -> the JSON value Delta stats use for that column type; nullopt to omit.
std::optional<json> stat_value(const std::string& text, const delta::DataType& type, bool is_max) {
  if (type.kind == delta::DataType::Kind::kDecimal) {
    try {
      return json(std::stod(text));  // JSON number; readers compare decimals exactly from text
    } catch (...) {
      return std::nullopt;
    }
  }
  if (type.kind != delta::DataType::Kind::kPrimitive) return std::nullopt;
  const std::string& n = type.name;
  if (n == "long" || n == "integer" || n == "short" || n == "byte") {
    auto value = parse_int64(text);
    if (!value) return std::nullopt;
    return json(*value);
  }
  if (n == "float" || n == "double") {
    try {
      double value = std::stod(text);
      if (std::isnan(value) || std::isinf(value)) return std::nullopt;
      return json(value);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (n == "string") {
    if (text.size() > 64) return std::nullopt;  // long strings: keep no bound rather than a wrong one
    return json(text);
  }
  if (n == "date") return json(text);
  if (n == "timestamp") {
    // "2025-01-01 10:00:00.123456+00" -> "2025-01-01T10:00:00.123Z" (truncated to milliseconds).
    auto ms = parse_timestamp_ms(text.substr(0, text.find_first_of("+", 10)));
    if (!ms) return std::nullopt;
    if (is_max) {
      // Truncation makes the max smaller than the real value; readers add 1 ms, as Spark does.
    }
    std::string formatted = format_timestamp_ms(*ms);
    formatted[10] = 'T';
    return json(formatted + "Z");
  }
  return std::nullopt;
}

std::string operation_predicate_json(const std::string& predicate) { return json(predicate).dump(); }

// WriteOptions::unique_key over the rows of `select_sql`.
Status check_unique_key(duckdb::Connection& connection, const std::string& select_sql,
                        const std::vector<std::string>& keys, const delta::Schema& schema) {
  std::vector<std::string> null_counts;
  for (const auto& key : keys) {
    if (!schema.find(key)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("key column '{}' is not a column of the rows (columns: {})", key,
                                    join(schema.field_names(), ", ")));
    }
    null_counts.push_back("CAST(count(*) FILTER (WHERE " + sql_identifier(key) + " IS NULL) AS VARCHAR)");
  }
  SILT_TRY_ASSIGN(auto nulls, connection.query_varchar("SELECT " + join(null_counts, ", ") + " FROM (" + select_sql + ")"));
  for (size_t i = 0; !nulls.rows.empty() && i < keys.size(); ++i) {
    int64_t count = parse_int64(nulls.rows[0][i].value_or("0")).value_or(0);
    if (count) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("key column '{}' is NULL in {} row{}; every row needs a key", keys[i], count,
                                    count == 1 ? "" : "s"));
    }
  }
  return check_no_duplicate_keys(connection, "(" + select_sql + ")", keys, schema, "a table keyed by " + join(keys, ", "));
}

// Data files hold the non-partition columns: at least one must remain.
Status check_partitioning_leaves_data(const delta::Schema& schema, const std::vector<std::string>& partition_columns) {
  if (partition_columns.empty() || partition_columns.size() < schema.fields.size()) return Status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("every column ({}) would be a partition column, leaving data files without columns: "
                                "keep at least one column out of --partition-by",
                                join(schema.field_names(), ", ")));
}

}  // namespace

Result<std::shared_ptr<const delta::Snapshot>> TableOps::load(const std::string& root, delta::VersionSpec spec) {
  return delta::Snapshot::load(fs_, session_.parquet_io(), root, spec);
}

Result<std::string> TableOps::source_sql(const Source& source, const delta::Schema* schema) {
  SILT_TRY_ASSIGN(auto read, InputReader(session_.connection(), fs_).read(source, schema));
  return read.sql;
}

Result<TableOps::StagedFiles> TableOps::stage(const std::string& root, const std::string& select_sql,
                                              const delta::Schema& schema,
                                              const std::vector<std::string>& partition_columns,
                                              int64_t target_file_bytes) {
  SILT_TRY(fs_.create_directories(root));
  std::string options = "FORMAT parquet, COMPRESSION zstd, FILENAME_PATTERN 'part-{uuid}', RETURN_STATS true, "
                        "APPEND true";
  if (!partition_columns.empty()) {
    std::vector<std::string> quoted;
    for (const auto& column : partition_columns) quoted.push_back(sql_identifier(column));
    options += ", PARTITION_BY (" + join(quoted, ", ") + ")";
  } else {
    // DuckDB cannot rotate files within partitions; unpartitioned output rotates at the target size.
    options += fmt::format(", FILE_SIZE_BYTES {}", target_file_bytes);
  }
  // DuckDB writes into a staging directory of silt's naming (ASCII, inside the table root), and the
  // files move to their place only when all were written: a failed COPY leaves nothing in the
  // table's directories (the whole staging directory goes), and every file DuckDB reports is
  // checked to lie inside the staging directory (DuckDB mangles paths ending in some non-ASCII
  // characters) before it is moved.
  std::string staging = root + "/_silt_staging_" + replace_all(new_uuid(), "-", "");
  auto remove_staging = [&]() {
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
  };
  std::string sql = "COPY (" + select_sql + ") TO " + sql_string(staging) + " (" + options + ")";
  auto copied = session_.connection().query_any(sql);
  if (!copied) {
    remove_staging();
    return std::move(copied).error();
  }
  const auto& result = *copied;

  StagedFiles staged;
  int64_t now = now_ms();
  std::set<std::string> partition_set;
  for (const auto& column : partition_columns) partition_set.insert(column);
  // Files DuckDB wrote, checked, and their places in the table.
  std::vector<std::pair<std::string, std::string>> moves;
  for (const auto& row : result.rows) {
    if (!row[0]) continue;
    if (!starts_with(*row[0], staging + "/") || row[0]->find("/../") != std::string::npos) {
      remove_staging();
      return make_error(ErrorCode::kInternal,
                        fmt::format("DuckDB wrote a data file outside the staging directory {}: {}", staging, *row[0]));
    }
    int64_t records = row[1] ? parse_int64(*row[1]).value_or(0) : 0;
    if (records == 0) continue;  // an empty input still makes one empty file: leave it out
    std::string absolute = root + "/" + row[0]->substr(staging.size() + 1);
    moves.emplace_back(*row[0], absolute);
    staged.absolute_paths.push_back(absolute);
    delta::AddFile add;
    add.path = uri_encode_path(relative_to(root, absolute));
    add.size = row[2] ? parse_int64(*row[2]).value_or(0) : 0;
    add.modification_time = now;
    add.data_change = true;
    // Partition values as DuckDB reports them (text; JSON null for NULL).
    if (!partition_columns.empty()) {
      json keys = row[5] ? json::parse(*row[5], nullptr, false) : json::object();
      for (const auto& column : partition_columns) {
        std::optional<std::string> value;
        if (keys.is_object() && keys.contains(column) && keys[column].is_string()) value = keys[column].get<std::string>();
        add.partition_values[column] = value;
      }
    }
    // Stats: numRecords, minValues, maxValues, nullCount for top-level data columns.
    nlohmann::ordered_json stats;
    stats["numRecords"] = records;
    json min_values = json::object(), max_values = json::object(), null_count = json::object();
    json column_stats = row[4] ? json::parse(*row[4], nullptr, false) : json::object();
    for (const auto& field : schema.fields) {
      if (partition_set.count(field.name)) continue;
      std::string key = "\"" + replace_all(field.name, "\"", "\"\"") + "\"";
      if (!column_stats.is_object() || !column_stats.contains(key)) continue;
      const json& entry = column_stats[key];
      if (entry.contains("null_count") && entry["null_count"].is_string()) {
        if (auto count = parse_int64(entry["null_count"].get<std::string>())) null_count[field.name] = *count;
      }
      if (entry.contains("min") && entry["min"].is_string()) {
        if (auto value = stat_value(entry["min"].get<std::string>(), field.type, false)) min_values[field.name] = *value;
      }
      if (entry.contains("max") && entry["max"].is_string()) {
        if (auto value = stat_value(entry["max"].get<std::string>(), field.type, true)) max_values[field.name] = *value;
      }
    }
    stats["minValues"] = std::move(min_values);
    stats["maxValues"] = std::move(max_values);
    stats["nullCount"] = std::move(null_count);
    add.stats = stats.dump();
    staged.rows += records;
    staged.bytes += add.size;
    staged.adds.push_back(std::move(add));
  }
  for (const auto& [from, to] : moves) {
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(to).parent_path(), error);
    if (!error) std::filesystem::rename(from, to, error);
    if (error) {
      discard(root, staged);
      remove_staging();
      return make_error(ErrorCode::kIo, fmt::format("moving data file {} to {}: {}", from, to, error.message()));
    }
  }
  remove_staging();
  return staged;
}

void TableOps::discard(const std::string& root, const StagedFiles& staged) {
  for (const auto& path : staged.absolute_paths) (void)fs_.remove(path);
}

Result<OperationReport> TableOps::commit_staged(delta::Transaction& txn, const std::string& root,
                                                const StagedFiles& staged, OperationReport report,
                                                int64_t files_removed, int64_t started_ns, bool prepare_only) {
  report.files_added = static_cast<int64_t>(staged.adds.size());
  report.files_removed = files_removed;
  report.bytes_added = staged.bytes;
  if (prepare_only) {
    // Stop here: the staged files stay for the commit made later from this description.
    PreparedCommit prepared;
    prepared.root = root;
    prepared.read_version = txn.read_version();
    prepared.txn_id = txn.txn_id();
    prepared.transaction = txn.serialize();
    report.prepared = std::move(prepared);
    report.duration_ms = (monotonic_ns() - started_ns) / 1000000;
    return report;
  }
  auto committed = txn.commit();
  if (!committed) {
    discard(root, staged);
    return std::move(committed).error();
  }
  report.version = committed->version;
  report.attempts = committed->attempts;
  report.checkpoint_written = committed->checkpoint_written;
  report.files_added = static_cast<int64_t>(staged.adds.size());
  report.files_removed = files_removed;
  report.bytes_added = staged.bytes;
  report.duration_ms = (monotonic_ns() - started_ns) / 1000000;
  return report;
}

Result<OperationReport> TableOps::create(const std::string& root, const CreateOptions& options) {
  int64_t started = monotonic_ns();
  auto existing = delta::list_log(fs_, root);
  if (existing && !existing->empty()) {
    return make_error(ErrorCode::kAlreadyExists, fmt::format("a Delta table already exists at {}", root));
  }
  SILT_TRY(delta::validate_table_properties(options.properties));
  // Let DuckDB parse the column list, then map its types.
  std::string table = "silt_schema_" + replace_all(new_uuid(), "-", "");
  Status parsed = session_.connection().execute("CREATE TEMP TABLE " + table + " (" + options.schema_sql + ")");
  if (!parsed.ok()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid --schema '{}': {}", options.schema_sql, parsed.message()));
  }
  // Only names, types and NOT NULL have a Delta form: defaults, checks and keys would be dropped.
  auto extras = session_.connection().query_varchar(
      "SELECT string_agg(what, ', ') FROM ("
      "SELECT 'DEFAULT of ' || column_name AS what FROM duckdb_columns() WHERE table_name = " + sql_string(table) +
      " AND column_default IS NOT NULL UNION ALL "
      "SELECT constraint_type || ' constraint' FROM duckdb_constraints() WHERE table_name = " + sql_string(table) +
      " AND constraint_type NOT IN ('NOT NULL'))");
  auto described = input_schema(table);
  (void)session_.connection().execute("DROP TABLE IF EXISTS " + table);
  if (!extras) return std::move(extras).error();
  if (!extras->rows.empty() && extras->rows[0][0]) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("invalid --schema '{}': {} cannot be stored in a Delta table; give only column "
                                  "names, types and NOT NULL",
                                  options.schema_sql, *extras->rows[0][0]));
  }
  SILT_TRY_ASSIGN(auto schema, std::move(described));
  for (const auto& column : options.partition_by) {
    const auto* field = schema.find(column);
    if (!field) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("partition column '{}' is not in the schema (columns: {})", column,
                                    join(schema.field_names(), ", ")));
    }
    if (field->type.kind != delta::DataType::Kind::kPrimitive && field->type.kind != delta::DataType::Kind::kDecimal) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("partition column '{}' has type {}; partition columns must be of a primitive type",
                                    column, field->type.to_string()));
    }
  }
  SILT_TRY(check_partitioning_leaves_data(schema, options.partition_by));
  delta::Metadata metadata;
  metadata.id = new_uuid();
  metadata.name = options.name;
  metadata.description = options.description;
  metadata.schema_string = delta::schema_to_json(schema);
  for (const auto& column : options.partition_by) metadata.partition_columns.push_back(schema.find(column)->name);
  for (const auto& [key, value] : options.properties) metadata.configuration[key] = value;
  metadata.created_time = now_ms();

  delta::Transaction txn(fs_, session_.parquet_io(), root, nullptr);
  txn.set_operation("CREATE TABLE");
  txn.set_parameter("partitionBy", json(json(metadata.partition_columns).dump()).dump());
  txn.set_protocol(delta::default_protocol());
  txn.set_metadata(metadata);
  SILT_TRY_ASSIGN(auto committed, txn.commit());
  OperationReport report;
  report.operation = "CREATE TABLE";
  report.version = committed.version;
  report.duration_ms = (monotonic_ns() - started) / 1000000;
  return report;
}

Result<delta::Schema> TableOps::input_schema(const std::string& relation) {
  SILT_TRY_ASSIGN(auto described, session_.connection().query_varchar(
                                      "SELECT column_name, column_type, \"null\" FROM (DESCRIBE " + relation + ")"));
  delta::Schema schema;
  for (const auto& row : described.rows) {
    delta::StructField field;
    field.name = row[0].value_or("");
    auto type = from_duckdb_type(row[1].value_or(""));
    if (!type) return std::move(type).error().with_context("column '" + field.name + "'");
    field.type = std::move(*type);
    field.nullable = row[2].value_or("YES") != "NO";
    schema.fields.push_back(std::move(field));
  }
  SILT_TRY(check_names_distinct(schema.field_names()));
  return schema;
}

Result<std::optional<delta::Metadata>> TableOps::evolve_schema(const delta::Snapshot& snapshot,
                                                               const std::string& select_sql, delta::Schema& schema,
                                                               OperationReport& report) {
  SILT_TRY_ASSIGN(auto input, input_schema(select_sql));
  bool changed = false;
  for (auto& field : input.fields) {
    if (schema.find(field.name)) continue;
    field.nullable = true;  // older rows have no value
    report.columns_added.push_back(field.name);
    schema.fields.push_back(std::move(field));
    changed = true;
  }
  if (!changed) return std::optional<delta::Metadata>();
  delta::Metadata metadata = snapshot.metadata();
  metadata.schema_string = delta::schema_to_json(schema);
  return std::optional<delta::Metadata>(std::move(metadata));
}

Result<std::vector<size_t>> TableOps::files_matching_partition_predicate(const delta::Snapshot& snapshot,
                                                                        const std::string& predicate) {
  SILT_TRY_ASSIGN(auto schema, snapshot.schema());
  std::vector<size_t> matching;
  if (snapshot.files().empty()) return matching;
  const auto& partition_columns = snapshot.partition_columns();
  // One row per file: its index and typed partition values; the predicate runs over these rows.
  std::string rows;
  for (size_t i = 0; i < snapshot.files().size(); ++i) {
    const auto& file = snapshot.files()[i];
    std::string row = "(" + std::to_string(i);
    for (const auto& column : partition_columns) {
      std::optional<std::string> value;
      auto it = file.partition_values.find(column);
      if (it != file.partition_values.end()) value = it->second;
      SILT_TRY_ASSIGN(auto literal, partition_value_literal(value, schema.find(column)->type));
      row += ", " + literal;
    }
    row += ")";
    if (!rows.empty()) rows += ", ";
    rows += row;
  }
  std::string names = "silt_file_index";
  for (const auto& column : partition_columns) names += ", " + sql_identifier(column);
  std::string sql = "SELECT CAST(silt_file_index AS VARCHAR) FROM (VALUES " + rows + ") AS t(" + names + ") WHERE " +
                    predicate;
  SILT_TRY_ASSIGN(auto result, session_.connection().query_varchar(sql));
  for (const auto& row : result.rows) {
    if (row[0]) matching.push_back(static_cast<size_t>(*parse_int64(*row[0])));
  }
  return matching;
}

Status TableOps::check_columns_in_predicate(const delta::Schema& schema, const std::string& predicate,
                                            const std::vector<std::string>& allowed, const char* option_name) {
  // Bind the predicate against an empty relation with exactly the allowed columns.
  std::string select;
  for (const auto& name : allowed) {
    const auto* field = schema.find(name);
    SILT_TRY_ASSIGN(auto type, to_duckdb_type(field->type));
    if (!select.empty()) select += ", ";
    select += "CAST(NULL AS " + type + ") AS " + sql_identifier(field->name);
  }
  if (select.empty()) select = "1 AS silt_no_column";
  Status status = check_predicate(session_.connection(), predicate, "SELECT " + select,
                                  fmt::format("invalid {} '{}'", option_name, predicate));
  if (!status.ok()) {
    std::string allowed_list = allowed.empty() ? "(none)" : join(allowed, ", ");
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} (columns allowed here: {})", status.message(), allowed_list));
  }
  return Status();
}

Result<OperationReport> TableOps::commit_prepared(const PreparedCommit& prepared) {
  int64_t started = monotonic_ns();
  OperationReport report;
  report.operation = "COMMIT PREPARED";
  auto listing = delta::list_log(fs_, prepared.root);
  if (listing && !listing->empty()) {
    SILT_TRY_ASSIGN(auto existing,
                    delta::Transaction::find_commit(fs_, prepared.root, prepared.read_version, prepared.txn_id));
    if (existing) {
      report.version = *existing;
      report.skipped = true;
      report.message = fmt::format("already committed as version {}", *existing);
      return report;
    }
  }
  std::shared_ptr<const delta::Snapshot> read_snapshot;
  if (prepared.read_version >= 0) {
    delta::VersionSpec spec;
    spec.version = prepared.read_version;
    SILT_TRY_ASSIGN(read_snapshot, load(prepared.root, spec));
  }
  SILT_TRY_ASSIGN(auto txn, delta::Transaction::deserialize(fs_, session_.parquet_io(), prepared.root, read_snapshot,
                                                            prepared.transaction));
  SILT_TRY_ASSIGN(auto committed, txn->commit());
  report.version = committed.version;
  report.attempts = committed.attempts;
  report.checkpoint_written = committed.checkpoint_written;
  report.duration_ms = (monotonic_ns() - started) / 1000000;
  return report;
}

Result<OperationReport> TableOps::write(const std::string& root, const Source& source, const WriteOptions& options) {
  auto result = write_impl(root, source, options);
  if (!result && source.input_glob && result.error().message().find("JSON") != std::string::npos) {
    // DuckDB's line numbers for malformed JSON can be off by one: find the line ourselves.
    if (auto where = first_malformed_json_line(*source.input_glob)) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("malformed JSON in {}", *where));
    }
  }
  return result;
}

std::optional<std::string> TableOps::first_malformed_json_line(const std::string& glob) {
  auto files = session_.connection().query_varchar("SELECT file FROM glob(" + sql_string(glob) + ") ORDER BY file");
  if (!files) return std::nullopt;
  for (const auto& row : files->rows) {
    if (!row[0]) continue;
    auto text = fs_.read(*row[0]);
    if (!text) continue;
    // Newline-delimited JSON only: a file that is one JSON document (array) is judged whole.
    if (json::accept(*text)) continue;
    size_t line_number = 0, start = 0;
    while (start <= text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      ++line_number;
      std::string_view line = trim(std::string_view(*text).substr(start, end - start));
      if (!line.empty() && !json::accept(line)) {
        return fmt::format("{} line {}: {}", *row[0], line_number,
                           line.size() > 80 ? std::string(line.substr(0, 77)) + "..." : std::string(line));
      }
      start = end + 1;
    }
  }
  return std::nullopt;
}

Result<OperationReport> TableOps::write_impl(const std::string& root, const Source& source,
                                             const WriteOptions& options) {
  int64_t started = monotonic_ns();
  OperationReport report;
  report.operation = options.mode == WriteMode::kAppend ? "WRITE" : "OVERWRITE";
  Result<std::shared_ptr<const delta::Snapshot>> loaded =
      options.read_snapshot ? Result<std::shared_ptr<const delta::Snapshot>>(options.read_snapshot) : load(root);
  std::shared_ptr<const delta::Snapshot> snapshot;
  delta::Schema schema;
  std::vector<std::string> partition_columns;
  std::optional<delta::Metadata> new_metadata;
  if (loaded) {
    snapshot = *loaded;
    SILT_TRY_ASSIGN(schema, snapshot->schema());
    partition_columns = snapshot->partition_columns();
    SILT_TRY(delta::check_writable(snapshot->protocol(), snapshot->metadata(), schema));
    if (!options.partition_by.empty() && options.partition_by != partition_columns && !options.overwrite_schema) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--partition-by {} differs from the table's partition columns [{}]",
                                    join(options.partition_by, ","), join(partition_columns, ",")));
    }
  }
  InputReader reader(session_.connection(), fs_);
  SILT_TRY_ASSIGN(auto input, reader.read(source, snapshot ? &schema : nullptr));
  std::string source_select = input.sql;
  if (!snapshot) {
    // A table that exists but cannot be loaded is an error; a missing one is created from the source.
    auto listing = delta::list_log(fs_, root);
    if (loaded.error().code() != ErrorCode::kNotFound || !listing || !listing->empty()) return std::move(loaded).error();
    SILT_TRY_ASSIGN(schema, input_schema(source_select));
    for (const auto& column : options.partition_by) {
      const auto* field = schema.find(column);
      if (!field) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("partition column '{}' is not in the input (columns: {})", column,
                                      join(schema.field_names(), ", ")));
      }
      partition_columns.push_back(field->name);
    }
    SILT_TRY(check_partitioning_leaves_data(schema, partition_columns));
    delta::Metadata metadata;
    metadata.id = new_uuid();
    metadata.schema_string = delta::schema_to_json(schema);
    metadata.partition_columns = partition_columns;
    metadata.created_time = now_ms();
    new_metadata = std::move(metadata);
  } else if (options.overwrite_schema && options.mode == WriteMode::kOverwrite && !options.replace_where) {
    // The input defines the table anew: its columns, and the partitioning asked for (else the old one).
    SILT_TRY_ASSIGN(input, reader.read(source, nullptr));
    source_select = input.sql;
    SILT_TRY_ASSIGN(schema, input_schema(source_select));
    std::vector<std::string> wanted = options.partition_by.empty() ? partition_columns : options.partition_by;
    partition_columns.clear();
    for (const auto& column : wanted) {
      const auto* field = schema.find(column);
      if (!field) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("partition column '{}' is not in the input (columns: {})", column,
                                      join(schema.field_names(), ", ")));
      }
      partition_columns.push_back(field->name);
    }
    delta::Metadata metadata = snapshot->metadata();
    metadata.schema_string = delta::schema_to_json(schema);
    metadata.partition_columns = partition_columns;
    if (metadata.schema_string != snapshot->metadata().schema_string ||
        metadata.partition_columns != snapshot->metadata().partition_columns) {
      new_metadata = std::move(metadata);
    }
  } else if (options.add_new_columns) {
    SILT_TRY_ASSIGN(new_metadata, evolve_schema(*snapshot, source_select, schema, report));
  }

  // Idempotent writes: skip an app version already recorded.
  if (options.app_id && snapshot) {
    auto recorded = snapshot->app_version(*options.app_id);
    if (recorded && options.app_version && *recorded >= *options.app_version) {
      report.skipped = true;
      report.version = snapshot->version();
      report.message = fmt::format("skipped: app '{}' already committed version {} (requested {})", *options.app_id,
                                   *recorded, *options.app_version);
      return report;
    }
  }

  std::vector<size_t> replaced;  // indices of files to remove
  if (options.mode == WriteMode::kOverwrite && snapshot) {
    if (options.replace_where) {
      if (partition_columns.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("--replace-where '{}' replaces partitions, and the table has no partition "
                                      "columns: overwrite the whole table instead, or delete and append",
                                      *options.replace_where));
      }
      SILT_TRY(check_columns_in_predicate(schema, *options.replace_where, partition_columns, "--replace-where"));
      SILT_TRY_ASSIGN(replaced, files_matching_partition_predicate(*snapshot, *options.replace_where));
    } else {
      for (size_t i = 0; i < snapshot->files().size(); ++i) replaced.push_back(i);
    }
  }

  SILT_TRY_ASSIGN(auto conformed, conform_source(session_.connection(), source_select, schema, &fs_));
  if (options.replace_where) {
    // Every written row must fall inside the replaced partitions, or data would escape the overwrite.
    SILT_TRY_ASSIGN(auto outside, session_.connection().query_value("SELECT count(*) FROM (" + conformed +
                                                                    ") WHERE NOT coalesce((" + *options.replace_where +
                                                                    "), false)"));
    if (outside && *outside != "0") {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} input rows do not satisfy --replace-where '{}'; filter them out first",
                                    *outside, *options.replace_where))
          .set_reason("rows_outside_replace_where", {{"rows", *outside}, {"predicate", *options.replace_where}});
    }
  }
  if (!options.unique_key.empty()) SILT_TRY(check_unique_key(session_.connection(), conformed, options.unique_key, schema));
  auto staged = stage(root, conformed, schema, partition_columns, options.target_file_bytes);
  if (!staged) {
    (void)reader.check_rejects(input);
    if (input.json) return reader.explain_failure(input, std::move(staged).error());
    return std::move(staged).error().with_context("writing data files to " + root);
  }
  Status rejected = reader.check_rejects(input);
  if (!rejected.ok()) {
    discard(root, *staged);
    return Error(rejected.error());
  }

  // NOT NULL columns: the staged files' null counts must be zero.
  for (const auto& field : schema.fields) {
    if (field.nullable) continue;
    for (const auto& add : staged->adds) {
      json stats = json::parse(add.stats.value_or("{}"), nullptr, false);
      bool has_nulls = false;
      if (stats.contains("nullCount") && stats["nullCount"].contains(field.name)) {
        has_nulls = stats["nullCount"][field.name].get<int64_t>() > 0;
      } else {
        std::optional<std::string> value;
        auto it = add.partition_values.find(field.name);
        if (it != add.partition_values.end() && !it->second) has_nulls = true;
      }
      if (has_nulls) {
        discard(root, *staged);
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("column '{}' is NOT NULL but the input has NULL values in it", field.name));
      }
    }
  }

  if (staged->adds.empty() && snapshot && options.mode == WriteMode::kAppend && !new_metadata && !options.app_id) {
    report.skipped = true;
    report.version = snapshot->version();
    report.message = "the input has no rows; nothing committed";
    return report;
  }

  delta::Transaction txn(fs_, session_.parquet_io(), root, snapshot);
  txn.set_operation("WRITE");  // as Spark records appends and overwrites; the mode is a parameter
  txn.set_parameter("mode", json(options.mode == WriteMode::kAppend ? "Append" : "Overwrite").dump());
  if (options.replace_where) txn.set_parameter("predicate", operation_predicate_json(*options.replace_where));
  if (!partition_columns.empty()) txn.set_parameter("partitionBy", json(json(partition_columns).dump()).dump());
  if (new_metadata) {
    if (!snapshot) txn.set_protocol(delta::default_protocol());
    txn.set_metadata(*new_metadata);
    // A schema change depends on the schema it replaced.
    if (snapshot) txn.mark_read_whole_table();
  }
  if (options.app_id && options.app_version) txn.set_app_transaction(*options.app_id, *options.app_version);
  for (const auto& [key, value] : options.commit_info) txn.set_commit_info_field(key, value);
  int64_t now = now_ms();
  int64_t removed_rows = 0;
  for (size_t index : replaced) {
    const auto& file = snapshot->files()[index];
    removed_rows += file.num_records().value_or(0);
    txn.remove_file(delta::remove_for(file, now));
  }
  // A full overwrite depends on the whole table; replaceWhere only on the files it replaces (each
  // recorded by remove_file), so concurrent changes to other partitions do not conflict with it.
  if (options.mode == WriteMode::kOverwrite && snapshot && !options.replace_where) txn.mark_read_whole_table();
  for (auto& add : staged->adds) txn.add_file(add);
  txn.set_metric("numFiles", static_cast<int64_t>(staged->adds.size()));
  txn.set_metric("numOutputRows", staged->rows);
  txn.set_metric("numOutputBytes", staged->bytes);
  if (!replaced.empty()) txn.set_metric("numRemovedFiles", static_cast<int64_t>(replaced.size()));
  report.rows_source = staged->rows;
  report.rows_written = staged->rows;
  report.rows_deleted = removed_rows;
  return commit_staged(txn, root, *staged, std::move(report), static_cast<int64_t>(replaced.size()), started,
                       options.prepare_only);
}

Result<OperationReport> TableOps::remove_where(const std::string& root, const std::string& predicate) {
  int64_t started = monotonic_ns();
  SILT_TRY_ASSIGN(auto snapshot, load(root));
  SILT_TRY_ASSIGN(auto schema, snapshot->schema());
  SILT_TRY(delta::check_writable(snapshot->protocol(), snapshot->metadata(), schema));
  SILT_TRY(check_columns_in_predicate(schema, predicate, schema.field_names(), "--where"));
  OperationReport report;
  report.operation = "DELETE";

  // Matching rows per file, in one pass over the files that statistics cannot rule out.
  ScanOptions scan;
  scan.with_file_column = true;
  SILT_TRY_ASSIGN(auto filter, predicate_from_sql(session_.connection(), predicate));
  scan.file_indices = delta::files_maybe_matching(*snapshot, schema, filter);
  report.files_scanned = static_cast<int64_t>(scan.file_indices->size());
  if (scan.file_indices->empty()) {
    report.message = "no rows match; nothing committed";
    report.version = snapshot->version();
    report.skipped = true;
    return report;
  }
  SILT_TRY_ASSIGN(auto scan_sql, session_.scan_sql(*snapshot, scan));
  std::string sql = "SELECT _silt_file, CAST(count(*) FILTER (WHERE coalesce((" + predicate +
                    "), false)) AS VARCHAR), CAST(count(*) AS VARCHAR) FROM (" + scan_sql + ") GROUP BY _silt_file";
  auto counts = session_.connection().query_varchar(sql);
  if (!counts) {
    // The predicate was bound and checked above, so what fails now is reading the data files.
    const std::string& message = counts.error().message();
    if (counts.error().code() == ErrorCode::kInvalidArgument) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("cannot read the data files of {} at version {}: {}", root, snapshot->version(),
                                    message));
    }
    return std::move(counts).error();
  }
  std::map<std::string, std::pair<int64_t, int64_t>> per_file;  // absolute path -> (matched, total)
  for (const auto& row : counts->rows) {
    per_file[row[0].value_or("")] = {parse_int64(row[1].value_or("0")).value_or(0),
                                     parse_int64(row[2].value_or("0")).value_or(0)};
  }
  std::vector<size_t> dropped, rewritten;
  int64_t deleted = 0, copied = 0;
  for (size_t i = 0; i < snapshot->files().size(); ++i) {
    auto it = per_file.find(snapshot->absolute_path(snapshot->files()[i].path));
    if (it == per_file.end() || it->second.first == 0) continue;
    deleted += it->second.first;
    if (it->second.first == it->second.second) {
      dropped.push_back(i);
    } else {
      rewritten.push_back(i);
      copied += it->second.second - it->second.first;
    }
  }
  if (dropped.empty() && rewritten.empty()) {
    report.message = "no rows match; nothing committed";
    report.version = snapshot->version();
    report.skipped = true;
    return report;
  }
  StagedFiles staged;
  if (!rewritten.empty()) {
    ScanOptions subset;
    subset.file_indices = rewritten;
    SILT_TRY_ASSIGN(auto subset_sql, session_.scan_sql(*snapshot, subset));
    std::string keep = "SELECT * FROM (" + subset_sql + ") WHERE NOT coalesce((" + predicate + "), false)";
    auto result = stage(root, keep, schema, snapshot->partition_columns(), 256LL << 20);
    if (!result) return std::move(result).error().with_context("rewriting files of " + root);
    staged = std::move(*result);
  }
  delta::Transaction txn(fs_, session_.parquet_io(), root, snapshot);
  txn.set_operation("DELETE");
  // Every file scanned for matches was read: if a concurrent commit removes one of them, rows this
  // delete should have matched may have moved, so that commit conflicts with this one.
  for (size_t index : *scan.file_indices) txn.mark_file_read(snapshot->files()[index].path);
  txn.set_parameter("predicate", json(json::array({predicate}).dump()).dump());
  int64_t now = now_ms();
  std::vector<size_t> removed = dropped;
  removed.insert(removed.end(), rewritten.begin(), rewritten.end());
  for (size_t index : removed) {
    const auto& file = snapshot->files()[index];
    txn.remove_file(delta::remove_for(file, now));
  }
  for (auto& add : staged.adds) txn.add_file(add);
  txn.set_metric("numDeletedRows", deleted);
  txn.set_metric("numCopiedRows", copied);
  txn.set_metric("numRemovedFiles", static_cast<int64_t>(removed.size()));
  txn.set_metric("numAddedFiles", static_cast<int64_t>(staged.adds.size()));
  report.rows_deleted = deleted;
  report.rows_copied = copied;
  return commit_staged(txn, root, staged, std::move(report), static_cast<int64_t>(removed.size()), started,
                       /*prepare_only=*/false);
}

Result<OperationReport> TableOps::restore(const std::string& root, int64_t version) {
  int64_t started = monotonic_ns();
  SILT_TRY_ASSIGN(auto current, load(root));
  SILT_TRY_ASSIGN(auto schema, current->schema());
  SILT_TRY(delta::check_writable(current->protocol(), current->metadata(), schema));
  SILT_TRY_ASSIGN(auto target, load(root, delta::VersionSpec{version, std::nullopt}));
  std::set<std::string> target_keys, current_keys;
  for (const auto& file : target->files()) target_keys.insert(delta::file_key(file.path, file.deletion_vector));
  for (const auto& file : current->files()) current_keys.insert(delta::file_key(file.path, file.deletion_vector));
  bool same_metadata = target->metadata().schema_string == current->metadata().schema_string &&
                       target->metadata().partition_columns == current->metadata().partition_columns &&
                       target->metadata().configuration == current->metadata().configuration;
  if (target_keys == current_keys && same_metadata) {
    OperationReport unchanged;
    unchanged.operation = "RESTORE";
    unchanged.skipped = true;
    unchanged.version = current->version();
    unchanged.message = version == current->version()
                            ? fmt::format("version {} is the current version; nothing committed", version)
                            : fmt::format("version {} has the current files and metadata; nothing committed", version);
    return unchanged;
  }

  delta::Transaction txn(fs_, session_.parquet_io(), root, current);
  txn.set_operation("RESTORE");
  txn.set_parameter("version", std::to_string(version));
  txn.mark_read_whole_table();
  if (!same_metadata) txn.set_metadata(target->metadata());
  OperationReport report;
  report.operation = "RESTORE";
  int64_t now = now_ms();
  for (const auto& file : target->files()) {
    if (current_keys.count(delta::file_key(file.path, file.deletion_vector))) continue;
    auto exists = fs_.exists(target->absolute_path(file.path));
    if (!exists || !*exists) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("cannot restore version {}: data file {} no longer exists (vacuumed?)", version,
                                    file.path));
    }
    delta::AddFile add = file;
    add.data_change = true;
    report.rows_written += file.num_records().value_or(0);
    txn.add_file(std::move(add));
    ++report.files_added;
  }
  for (const auto& file : current->files()) {
    if (target_keys.count(delta::file_key(file.path, file.deletion_vector))) continue;
    report.rows_deleted += file.num_records().value_or(0);
    txn.remove_file(delta::remove_for(file, now));
    ++report.files_removed;
  }
  txn.set_metric("numRestoredFiles", report.files_added);
  txn.set_metric("numRemovedFiles", report.files_removed);
  SILT_TRY_ASSIGN(auto committed, txn.commit());
  report.version = committed.version;
  report.attempts = committed.attempts;
  report.checkpoint_written = committed.checkpoint_written;
  report.duration_ms = (monotonic_ns() - started) / 1000000;
  return report;
}

Result<OperationReport> TableOps::checkpoint(const std::string& root) {
  int64_t started = monotonic_ns();
  SILT_TRY_ASSIGN(auto snapshot, load(root));
  SILT_TRY(delta::write_checkpoint(fs_, session_.parquet_io(), *snapshot));
  OperationReport report;
  report.operation = "CHECKPOINT";
  report.version = snapshot->version();
  report.checkpoint_written = true;
  report.duration_ms = (monotonic_ns() - started) / 1000000;
  return report;
}

}  // namespace silt::engine
