// Table operations: create, load, and write (append, overwrite, replace-where) with their checks;
// staging in table_stage.cpp, delete/restore/checkpoint in table_delete.cpp, merge in
// table_merge.cpp, input conforming in input_conform.cpp.
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
#include "delta/write_rules.h"
#include "engine/input_reader.h"
#include "engine/sql_predicate.h"
#include "engine/type_mapping.h"
#include "delta/file_pruning.h"

namespace silt::engine {

using nlohmann::json;

namespace {

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

}  // namespace

Result<std::shared_ptr<const delta::Snapshot>> TableOps::load(const std::string& root, delta::VersionSpec spec) {
  return delta::Snapshot::load(fs_, session_.parquet_io(), root, spec);
}

Result<std::string> TableOps::source_sql(const Source& source, const delta::Schema* schema) {
  SILT_TRY_ASSIGN(auto read, InputReader(session_.connection(), fs_, session_.files()).read(source, schema));
  return read.sql;
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
                      fmt::format("invalid schema '{}': {}", options.schema_sql, parsed.message()))
        .set_option("schema", "schema");
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
                      fmt::format("invalid schema '{}': {} cannot be stored in a Delta table; give only column "
                                  "names, types and NOT NULL",
                                  options.schema_sql, *extras->rows[0][0]))
        .set_option("schema", "schema");
  }
  SILT_TRY_ASSIGN(auto schema, std::move(described));
  SILT_TRY_ASSIGN(auto partition_columns, delta::resolve_partition_columns(schema, options.partition_by, "the schema"));
  delta::Metadata metadata;
  metadata.id = new_uuid();
  metadata.name = options.name;
  metadata.description = options.description;
  metadata.schema_string = delta::schema_to_json(schema);
  metadata.partition_columns = partition_columns;
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
                                            const std::vector<std::string>& allowed, const char* option,
                                            const char* term) {
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
                                  fmt::format("invalid {} '{}'", term, predicate));
  if (!status.ok()) {
    std::string allowed_list = allowed.empty() ? "(none)" : join(allowed, ", ");
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} (columns allowed here: {})", status.message(), allowed_list))
        .set_option(option, term);
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
  return commit_and_report(*txn, std::move(report), started);
}

Result<OperationReport> commit_and_report(delta::Transaction& txn, OperationReport report, int64_t started_ns) {
  SILT_TRY_ASSIGN(auto committed, txn.commit());
  report.version = committed.version;
  report.attempts = committed.attempts;
  report.checkpoint_written = committed.checkpoint_written;
  report.duration_ms = (monotonic_ns() - started_ns) / 1000000;
  return report;
}

Result<OperationReport> TableOps::write(const std::string& root, const Source& source, const WriteOptions& options) {
  auto result = write_impl(root, source, options);
  if (!result && result.error().code() == ErrorCode::kInvalidArgument) {
    if (auto malformed = InputReader(session_.connection(), fs_, session_.files()).malformed_json(source)) {
      return *malformed;
    }
  }
  return result;
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
                        fmt::format("partitioning {} differs from the table's partition columns [{}]",
                                    join(options.partition_by, ","), join(partition_columns, ",")))
          .set_option("partition_by", "partitioning");
    }
  }
  InputReader reader(session_.connection(), fs_, session_.files());
  SILT_TRY_ASSIGN(auto input, reader.read(source, snapshot ? &schema : nullptr));
  std::string source_select = input.sql;
  if (!snapshot) {
    // A table that exists but cannot be loaded is an error; a missing one is created from the source.
    auto listing = delta::list_log(fs_, root);
    if (loaded.error().code() != ErrorCode::kNotFound || !listing || !listing->empty()) return std::move(loaded).error();
    SILT_TRY_ASSIGN(schema, input_schema(source_select));
    SILT_TRY_ASSIGN(partition_columns, delta::resolve_partition_columns(schema, options.partition_by, "the input"));
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
    SILT_TRY_ASSIGN(partition_columns, delta::resolve_partition_columns(schema, wanted, "the input"));
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
  if (snapshot) {
    if (auto applied = delta::already_applied(*snapshot, options.app_id, options.app_version)) {
      report.skipped = true;
      report.version = snapshot->version();
      report.message = *applied;
      return report;
    }
  }

  std::vector<size_t> replaced;  // indices of files to remove
  if (options.mode == WriteMode::kOverwrite && snapshot) {
    if (options.replace_where) {
      if (partition_columns.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("the replace-where predicate '{}' replaces partitions, and the table has no "
                                      "partition columns: overwrite the whole table instead, or delete and append",
                                      *options.replace_where))
            .set_option("replace_where", "the replace-where predicate");
      }
      SILT_TRY(check_columns_in_predicate(schema, *options.replace_where, partition_columns, "replace_where",
                                          "replace-where predicate"));
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
                        fmt::format("{} input rows do not satisfy the replace-where predicate '{}'; filter them out "
                                    "first",
                                    *outside, *options.replace_where))
          .set_reason("rows_outside_replace_where", {{"rows", *outside}, {"predicate", *options.replace_where}})
          .set_option("replace_where", "the replace-where predicate");
    }
  }
  if (!options.unique_key.empty()) SILT_TRY(check_unique_key(session_.connection(), conformed, options.unique_key, schema));
  auto staged = stage(root, conformed, schema, partition_columns, options.target_file_bytes);
  if (!staged) {
    (void)reader.check_rejects(input);
    Error explained = reader.explain_failure(input, std::move(staged).error());
    if (input.json) return explained;
    return explained.with_context("writing data files to " + root);
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

}  // namespace silt::engine
