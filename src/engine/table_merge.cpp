// MERGE by key (TableOps::merge): the source is read once into a DuckDB temp table, checked
// (NULL and duplicate keys), and joined with the target files that may hold its keys; only files
// whose rows change are rewritten, inserts go to new files, and one transaction commits both.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "delta/file_pruning.h"
#include "delta/table_features.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "delta/write_rules.h"
#include "engine/table_ops.h"
#include "engine/input_reader.h"
#include "engine/sql_predicate.h"
#include "engine/table_ops_internal.h"
#include "obs/logger.h"
#include "engine/type_mapping.h"

namespace silt::engine {

using nlohmann::json;

namespace {

// Session temp tables of one merge: the conformed source with its delete flag, and the source
// keys found in the target with the file holding them.
constexpr const char* kSourceTable = "silt_merge_source";
constexpr const char* kHitsTable = "silt_merge_hits";
// Extra columns of those tables (table columns with these names are not expected).
constexpr const char* kDeleteColumn = "_silt_merge_delete";
constexpr const char* kSameColumn = "_silt_merge_same";
constexpr const char* kFileColumn = "_silt_file";  // ScanOptions::with_file_column
// File skipping describes each key column of the source by at most this many value ranges.
constexpr int kMaxKeyRanges = 256;

// Drops the merge's temp tables however the merge ends.
class TempTables {
 public:
  explicit TempTables(duckdb::Connection& connection) : connection_(connection) {}
  ~TempTables() {
    for (const auto& name : names_) (void)connection_.execute("DROP TABLE IF EXISTS " + name);
  }
  TempTables(const TempTables&) = delete;
  TempTables& operator=(const TempTables&) = delete;

  Status create(const std::string& name, const std::string& select_sql) {
    names_.push_back(name);
    return connection_.execute("CREATE OR REPLACE TEMP TABLE " + name + " AS " + select_sql);
  }

 private:
  duckdb::Connection& connection_;
  std::vector<std::string> names_;
};

// SQL turning a value of `type` into the literal text delta::Predicate expects; nullopt for types
// whose statistics skip no files.
std::optional<std::string> predicate_literal_sql(const std::string& expression, const delta::DataType& type) {
  if (type.kind == delta::DataType::Kind::kDecimal) return "CAST(" + expression + " AS VARCHAR)";
  if (type.kind != delta::DataType::Kind::kPrimitive) return std::nullopt;
  static const std::set<std::string> kAsText = {"long", "integer", "short", "byte", "float",
                                                "double", "string", "date"};
  if (kAsText.count(type.name)) return "CAST(" + expression + " AS VARCHAR)";
  // Sessions run in UTC; predicates take zone-less UTC timestamps.
  if (type.name == "timestamp") return "strftime(" + expression + ", '%Y-%m-%d %H:%M:%S.%f')";
  return std::nullopt;
}

// A query giving at most kMaxKeyRanges (low, high) ranges, as predicate literals, that cover every
// source value of `key`: single values when there are few; else, for types with a distance, the
// runs between the largest gaps (updates of recent rows plus inserts above them stay two tight
// ranges), and for strings, runs of equal counts. `key`'s type must have a predicate literal.
// Above this many candidate files after the [min, max] test, keys are summarised as ranges.
constexpr size_t kRefineCandidatesAbove = 8;

std::string key_ranges_sql(const std::string& key, const delta::DataType& type) {
  std::string low = *predicate_literal_sql("min(silt_key)", type);
  std::string high = *predicate_literal_sql("max(silt_key)", type);
  std::string distinct = fmt::format("SELECT DISTINCT {} AS silt_key FROM {} WHERE {} IS NOT NULL",
                                     sql_identifier(key), kSourceTable, sql_identifier(key));
  bool has_distance = type.kind == delta::DataType::Kind::kDecimal ||
                      (type.kind == delta::DataType::Kind::kPrimitive && type.name != "string");
  std::string groups;
  if (has_distance) {
    groups = fmt::format(
        "SELECT silt_key, sum(silt_break) OVER (ORDER BY silt_key ROWS UNBOUNDED PRECEDING) AS silt_group FROM ("
        "SELECT silt_key, CASE WHEN silt_gap IS NOT NULL AND "
        "row_number() OVER (ORDER BY silt_gap DESC NULLS LAST) < {} THEN 1 ELSE 0 END AS silt_break FROM ("
        "SELECT silt_key, silt_key - lag(silt_key) OVER (ORDER BY silt_key) AS silt_gap FROM ({}) AS d) AS g) AS b",
        kMaxKeyRanges, distinct);
  } else {
    groups = fmt::format("SELECT silt_key, ntile({}) OVER (ORDER BY silt_key) AS silt_group FROM ({}) AS d",
                         kMaxKeyRanges, distinct);
  }
  return fmt::format("SELECT {}, {} FROM ({}) AS r GROUP BY silt_group", low, high, groups);
}

// "order_id=3" / "region='eu'" for error messages.
std::string key_value_text(const std::string& name, const std::optional<std::string>& value,
                           const delta::DataType& type) {
  if (!value) return name + "=NULL";
  bool quoted = type.kind == delta::DataType::Kind::kPrimitive &&
                (type.name == "string" || type.name == "date" || type.name == "timestamp");
  return name + "=" + (quoted ? sql_string(*value) : *value);
}

}  // namespace

Status check_no_duplicate_keys(duckdb::Connection& connection, const std::string& relation,
                               const std::vector<std::string>& keys, const delta::Schema& schema, const std::string& what) {
  std::vector<std::string> key_list, key_text;
  for (const auto& key : keys) {
    key_list.push_back(sql_identifier(key));
    key_text.push_back("CAST(" + sql_identifier(key) + " AS VARCHAR)");
  }
  std::string sql = "SELECT " + join(key_text, ", ") + ", CAST(count(*) AS VARCHAR), CAST(count(*) OVER () AS VARCHAR) FROM " +
                    relation + " GROUP BY " + join(key_list, ", ") + " HAVING count(*) > 1 ORDER BY " +
                    join(key_list, ", ") + " LIMIT 1";
  SILT_TRY_ASSIGN(auto duplicates, connection.query_varchar(sql));
  if (duplicates.rows.empty()) return Status();
  const auto& row = duplicates.rows[0];
  std::vector<std::string> parts;
  for (size_t i = 0; i < keys.size(); ++i) {
    const auto* field = schema.find(keys[i]);
    parts.push_back(field ? key_value_text(keys[i], row[i], field->type) : keys[i] + "=" + row[i].value_or("NULL"));
  }
  int64_t duplicated = parse_int64(row[keys.size() + 1].value_or("0")).value_or(0);
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("duplicate key in the input: {} appears in {} rows{}; each key may appear at most "
                                "once in {}",
                                join(parts, ", "), row[keys.size()].value_or("?"),
                                duplicated > 1 ? fmt::format(" ({} keys are duplicated)", duplicated) : "", what));
}

namespace {

std::string qualified(const char* alias, const std::string& column) {
  return std::string(alias) + "." + sql_identifier(column);
}

// "<a>.k1 = <b>.k1 AND <a>.k2 = <b>.k2"; `quote` false for the text recorded in commitInfo.
std::string key_condition(const std::vector<std::string>& keys, const char* left, const char* right,
                          bool quote = true) {
  std::vector<std::string> parts;
  for (const auto& key : keys) {
    parts.push_back(quote ? qualified(left, key) + " = " + qualified(right, key)
                          : fmt::format("{}.{} = {}.{}", left, key, right, key));
  }
  return join(parts, " AND ");
}

int64_t cell_int(const std::optional<std::string>& cell) { return cell ? parse_int64(*cell).value_or(0) : 0; }

}  // namespace

Result<OperationReport> TableOps::merge(const std::string& root, const Source& source, const MergeOptions& options) {
  auto result = merge_impl(root, source, options);
  if (!result && result.error().code() == ErrorCode::kInvalidArgument) {
    if (auto malformed = InputReader(session_.connection(), fs_, session_.files()).malformed_json(source)) {
      return *malformed;
    }
  }
  return result;
}

Result<OperationReport> TableOps::merge_impl(const std::string& root, const Source& source,
                                             const MergeOptions& options) {
  int64_t started = monotonic_ns();
  auto& connection = session_.connection();
  OperationReport report;
  report.operation = "MERGE";

  std::shared_ptr<const delta::Snapshot> snapshot = options.read_snapshot;
  if (!snapshot) {
    SILT_TRY_ASSIGN(snapshot, load(root));
  }
  SILT_TRY_ASSIGN(auto schema, snapshot->schema());
  SILT_TRY(delta::check_writable(snapshot->protocol(), snapshot->metadata(), schema));
  const auto& partition_columns = snapshot->partition_columns();

  // Options, before reading anything.
  if (options.keys.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a merge needs at least one key column")
        .set_option("keys", "key column");
  }
  if (!options.update_matched && !options.insert_not_matched && !options.delete_when) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the merge would do nothing: updates and inserts are both off and no delete condition is given")
        .set_option("delete_when", "delete condition");
  }
  if (options.app_id.has_value() != options.app_version.has_value()) {
    return make_error(ErrorCode::kInvalidArgument, "an app id and an app version go together")
        .set_option("app_version", "an app id and an app version");
  }
  std::vector<std::string> keys;  // spelled as in the schema
  for (const auto& key : options.keys) {
    const auto* field = schema.find(key);
    if (!field) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("key column '{}' is not in the table (columns: {})", key,
                                    join(schema.field_names(), ", ")));
    }
    if (std::find(keys.begin(), keys.end(), field->name) != keys.end()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("key column '{}' is given twice", field->name));
    }
    keys.push_back(field->name);
  }
  if (options.delete_when) {
    // Bind the predicate against an empty relation shaped like the source, named `source`.
    std::string columns;
    for (const auto& field : schema.fields) {
      SILT_TRY_ASSIGN(auto type, to_duckdb_type(field.type));
      if (!columns.empty()) columns += ", ";
      columns += "CAST(NULL AS " + type + ") AS " + sql_identifier(field.name);
    }
    Status bound = check_predicate(connection, *options.delete_when, "SELECT " + columns,
                                   fmt::format("invalid delete condition '{}'", *options.delete_when));
    if (!bound.ok()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("{} (it sees the input row's columns: {})",
                                                                 bound.message(), join(schema.field_names(), ", ")))
          .set_option("delete_when", "delete condition");
    }
  }

  // Idempotent merges: skip an app version already recorded.
  if (auto applied = delta::already_applied(*snapshot, options.app_id, options.app_version)) {
    report.skipped = true;
    report.version = snapshot->version();
    report.message = *applied;
    return report;
  }

  // The source: its columns must be table columns; an update replaces whole rows, so it must
  // give every column (a missing one would silently become NULL).
  InputReader reader(connection, fs_, session_.files());
  SILT_TRY_ASSIGN(auto input, reader.read(source, &schema));
  const std::string& source_select = input.sql;
  std::optional<delta::Metadata> new_metadata;
  if (options.add_new_columns) {
    SILT_TRY_ASSIGN(new_metadata, evolve_schema(*snapshot, source_select, schema, report));
  }
  SILT_TRY_ASSIGN(auto described, connection.query_varchar("SELECT column_name FROM (DESCRIBE " + source_select + ")"));
  std::set<std::string> source_columns;
  for (const auto& row : described.rows) source_columns.insert(to_lower(row[0].value_or("")));
  for (const auto& key : keys) {
    if (!source_columns.count(to_lower(key))) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("key column '{}' is not in the input", key));
    }
  }
  if (options.update_matched) {
    std::vector<std::string> missing;
    for (const auto& field : schema.fields) {
      if (!source_columns.count(to_lower(field.name))) missing.push_back(field.name);
    }
    if (!missing.empty()) {
      for (auto& name : missing) name = "'" + name + "'";
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the input has no column{} {}: a merge that updates replaces whole rows, so the "
                                    "input must give every table column (select NULL AS <column> to clear one, or "
                                    "merge without updating matched rows)",
                                    missing.size() == 1 ? "" : "s", join(missing, ", ")))
          .set_reason("merge_input_lacks_columns", {{"columns", join(missing, ", ")},
                                                    {"plural", missing.size() == 1 ? "" : "s"}})
          .set_option("update_matched", "merge without updating matched rows");
    }
  }
  SILT_TRY_ASSIGN(auto conformed, conform_source(connection, source_select, schema, &fs_));

  // Read the source once.
  TempTables temp_tables(connection);
  std::string delete_flag = options.delete_when ? "coalesce((" + *options.delete_when + "), false)" : "false";
  Status staged_source = temp_tables.create(
      kSourceTable, "SELECT *, " + delete_flag + " AS " + kDeleteColumn + " FROM (" + conformed + ") AS source");
  SILT_LOG_DEBUG("merge: source read after {} ms", (monotonic_ns() - started) / 1000000);
  if (!staged_source.ok()) {
    (void)reader.check_rejects(input);
    if (input.json) return reader.explain_failure(input, staged_source.error());
    return reader.explain_failure(input, staged_source.error()).with_context("reading the merge input");
  }
  SILT_TRY(reader.check_rejects(input));

  // NULL keys never match (SQL equality): refuse them rather than insert rows nobody can merge
  // again. NOT NULL columns of rows that will be written must be set.
  {
    std::string sql = "SELECT CAST(count(*) AS VARCHAR)";
    for (const auto& key : keys) {
      sql += ", CAST(count(*) FILTER (WHERE " + sql_identifier(key) + " IS NULL) AS VARCHAR)";
    }
    std::vector<std::string> not_null;
    for (const auto& field : schema.fields) {
      if (field.nullable || std::find(keys.begin(), keys.end(), field.name) != keys.end()) continue;
      not_null.push_back(field.name);
      sql += ", CAST(count(*) FILTER (WHERE NOT " + std::string(kDeleteColumn) + " AND " + sql_identifier(field.name) +
             " IS NULL) AS VARCHAR)";
    }
    SILT_TRY_ASSIGN(auto counts, connection.query_varchar(sql + " FROM " + kSourceTable));
    const auto& row = counts.rows.at(0);
    if (cell_int(row[0]) == 0 && new_metadata) {
      // No rows, but new columns to add: a commit of the schema alone.
      delta::Transaction txn(fs_, session_.parquet_io(), root, snapshot);
      txn.set_operation("MERGE");
      txn.set_metadata(*new_metadata);
      txn.mark_read_whole_table();
      for (const auto& [key, value] : options.commit_info) txn.set_commit_info_field(key, value);
      if (options.app_id) txn.set_app_transaction(*options.app_id, *options.app_version);
      return commit_staged(txn, root, StagedFiles{}, std::move(report), 0, started, options.prepare_only);
    }
    if (cell_int(row[0]) == 0) {
      report.skipped = true;
      report.version = snapshot->version();
      report.message = "the input has no rows; nothing committed";
      report.duration_ms = (monotonic_ns() - started) / 1000000;
      return report;
    }
    for (size_t i = 0; i < keys.size(); ++i) {
      if (int64_t nulls = cell_int(row[1 + i])) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("key column '{}' is NULL in {} input row{}; every input row needs a key",
                                      keys[i], nulls, nulls == 1 ? "" : "s"));
      }
    }
    for (size_t i = 0; i < not_null.size(); ++i) {
      if (cell_int(row[1 + keys.size() + i])) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("column '{}' is NOT NULL but the input has NULL values in it", not_null[i]));
      }
    }
  }
  int64_t source_rows = 0;
  {
    // Each key at most once: with two source rows for one target row, which one wins is undefined.
    SILT_TRY(check_no_duplicate_keys(connection, kSourceTable, keys, schema, "a merge"));
    SILT_TRY_ASSIGN(auto count, connection.query_value(std::string("SELECT count(*) FROM ") + kSourceTable));
    source_rows = parse_int64(count.value_or("0")).value_or(0);
  SILT_LOG_DEBUG("merge: source checked after {} ms", (monotonic_ns() - started) / 1000000);
    report.rows_source = source_rows;
  }

  // Files that may hold a source key: partition values and statistics of the key columns. First
  // each key's [min, max]; when that still leaves many files, each key's values summarised as a
  // few ranges (sorting the distinct keys costs about as much as reading a few files).
  std::vector<std::string> key_types;
  std::string min_max;
  for (const auto& key : keys) {
    const auto& type = schema.find(key)->type;
    auto low = predicate_literal_sql("min(" + sql_identifier(key) + ")", type);
    auto high = predicate_literal_sql("max(" + sql_identifier(key) + ")", type);
    if (!low || !high) continue;
    min_max += (min_max.empty() ? "" : ", ") + *low + ", " + *high;
    key_types.push_back(key);
  }
  std::vector<delta::Predicate> bounds;
  if (!key_types.empty()) {
    SILT_TRY_ASSIGN(auto extremes, connection.query_varchar("SELECT " + min_max + " FROM " + kSourceTable));
    const auto& row = extremes.rows.at(0);
    for (size_t i = 0; i < key_types.size(); ++i) {
      if (!row[2 * i] || !row[2 * i + 1]) continue;
      bounds.push_back(delta::Predicate::all_of(
          {delta::Predicate::compare(key_types[i], delta::Predicate::Op::kGe, *row[2 * i]),
           delta::Predicate::compare(key_types[i], delta::Predicate::Op::kLe, *row[2 * i + 1])}));
    }
  }
  std::vector<size_t> candidates = delta::files_maybe_matching(*snapshot, schema, delta::Predicate::all_of(bounds));
  if (candidates.size() > kRefineCandidatesAbove) {
    bounds.clear();
    for (const auto& key : key_types) {
      const auto& type = schema.find(key)->type;
      SILT_TRY_ASSIGN(auto ranges, connection.query_varchar(key_ranges_sql(key, type)));
      std::vector<delta::Predicate> any;
      for (const auto& range : ranges.rows) {
        if (!range[0] || !range[1]) continue;
        if (*range[0] == *range[1]) {
          any.push_back(delta::Predicate::compare(key, delta::Predicate::Op::kEq, *range[0]));
        } else {
          any.push_back(delta::Predicate::all_of({delta::Predicate::compare(key, delta::Predicate::Op::kGe, *range[0]),
                                                  delta::Predicate::compare(key, delta::Predicate::Op::kLe, *range[1])}));
        }
      }
      if (!any.empty()) bounds.push_back(delta::Predicate::any_of(std::move(any)));
    }
    candidates = delta::files_maybe_matching(*snapshot, schema, delta::Predicate::all_of(bounds));
  }
  SILT_LOG_DEBUG("merge: candidates found after {} ms", (monotonic_ns() - started) / 1000000);
  report.files_scanned = static_cast<int64_t>(candidates.size());
  // The target's rows in the (possibly evolved) schema: columns added by this merge are NULL in them.
  auto target_scan = [&](const ScanOptions& scan) -> Result<std::string> {
    SILT_TRY_ASSIGN(auto scan_sql, session_.scan_sql(*snapshot, scan));
    if (report.columns_added.empty()) return scan_sql;
    std::string added;
    for (const auto& name : report.columns_added) {
      SILT_TRY_ASSIGN(auto type, to_duckdb_type(schema.find(name)->type));
      added += ", CAST(NULL AS " + type + ") AS " + sql_identifier(name);
    }
    return "SELECT *" + added + " FROM (" + scan_sql + ")";
  };

  // Source keys present in the candidate files, with the file holding them, whether the source
  // row deletes, and whether it equals the target row.
  std::vector<std::string> columns = schema.field_names();
  std::string same = "true";
  if (options.update_matched) {
    std::vector<std::string> parts;
    for (const auto& column : columns) {
      parts.push_back(qualified("silt_target", column) + " IS NOT DISTINCT FROM " + qualified("silt_source", column));
    }
    same = join(parts, " AND ");
  }
  std::string hit_keys;
  for (const auto& key : keys) hit_keys += qualified("silt_source", key) + ", ";
  std::map<std::string, std::array<int64_t, 3>> per_file;  // absolute path -> (deleted, updated, unchanged)
  int64_t matched_unchanged = 0;
  {
    std::string target_sql;
    if (!candidates.empty()) {
      ScanOptions scan;
      scan.file_indices = candidates;
      scan.with_file_column = true;
      SILT_TRY_ASSIGN(auto scan_sql, target_scan(scan));
      target_sql = "SELECT silt_target." + std::string(kFileColumn) + ", " + hit_keys + "silt_source." + kDeleteColumn +
                   ", (" + same + ") AS " + kSameColumn + " FROM (" + scan_sql + ") AS silt_target JOIN " +
                   kSourceTable + " AS silt_source ON " + key_condition(keys, "silt_target", "silt_source");
    } else {
      target_sql = "SELECT CAST(NULL AS VARCHAR) AS " + std::string(kFileColumn) + ", " + hit_keys + "silt_source." +
                   kDeleteColumn + ", true AS " + kSameColumn + " FROM " + kSourceTable + " AS silt_source WHERE false";
    }
    Status hits = temp_tables.create(kHitsTable, target_sql);
  SILT_LOG_DEBUG("merge: matches found after {} ms", (monotonic_ns() - started) / 1000000);
    if (!hits.ok()) {
      // The SQL is ours and the input is already read and typed: invalid input here is a damaged
      // data file (exit 1, not 2).
      const std::string& message = hits.message();
      if (hits.code() == ErrorCode::kInvalidArgument) {
        return make_error(ErrorCode::kCorruption,
                          fmt::format("cannot read the data files of {} at version {}: {}", root, snapshot->version(),
                                      message));
      }
      return hits.error().with_context("reading the data files of " + root);
    }
    SILT_TRY_ASSIGN(auto counts,
                    connection.query_varchar(fmt::format(
                        "SELECT {0}, CAST(count(*) FILTER (WHERE {1}) AS VARCHAR), "
                        "CAST(count(*) FILTER (WHERE NOT {1} AND NOT {2}) AS VARCHAR), "
                        "CAST(count(*) FILTER (WHERE NOT {1} AND {2}) AS VARCHAR) FROM {3} GROUP BY {0}",
                        kFileColumn, kDeleteColumn, kSameColumn, kHitsTable)));
    for (const auto& row : counts.rows) {
      per_file[row[0].value_or("")] = {cell_int(row[1]), cell_int(row[2]), cell_int(row[3])};
    }
  }

  // Files to rewrite: those with a deleted or changed row. Matched rows left as they are keep
  // their files.
  std::vector<size_t> rewritten;
  for (size_t index : candidates) {
    auto it = per_file.find(snapshot->absolute_path(snapshot->files()[index].path));
    if (it == per_file.end()) continue;
    auto [deleted, updated, unchanged] = it->second;
    if (deleted > 0 || updated > 0) {
      rewritten.push_back(index);
      report.rows_deleted += deleted;
      report.rows_updated += updated;
    } else {
      matched_unchanged += unchanged;
    }
  }
  std::string inserts_sql;
  if (options.insert_not_matched) {
    std::vector<std::string> select;
    for (const auto& column : columns) select.push_back(qualified("silt_source", column));
    inserts_sql = "SELECT " + join(select, ", ") + " FROM (SELECT * FROM " + kSourceTable + " WHERE NOT " +
                  kDeleteColumn + ") AS silt_source ANTI JOIN " + kHitsTable + " AS silt_hits ON " +
                  key_condition(keys, "silt_source", "silt_hits");
    SILT_TRY_ASSIGN(auto count, connection.query_value("SELECT count(*) FROM (" + inserts_sql + ")"));
    report.rows_inserted = parse_int64(count.value_or("0")).value_or(0);
  SILT_LOG_DEBUG("merge: inserts counted after {} ms", (monotonic_ns() - started) / 1000000);
  }

  // Checked before anything is written, with the rows the merge would change (the transaction
  // checks its removes again at commit).
  Status append_only = delta::check_append_only(
      snapshot->metadata(), root, !rewritten.empty(),
      fmt::format("this merge would update {} and delete {} rows; only inserts are allowed (no updates, no delete "
                  "condition)",
                  report.rows_updated, report.rows_deleted));
  if (!append_only.ok()) {
    return std::move(append_only).error().set_option("update_matched", "(no updates, no delete condition)");
  }
  if (rewritten.empty() && report.rows_inserted == 0 && !options.app_id && !new_metadata) {
    report.skipped = true;
    report.version = snapshot->version();
    report.message = matched_unchanged > 0
                         ? fmt::format("nothing to change: the {} matched row{} already hold{} the input's values; "
                                       "nothing committed",
                                       matched_unchanged, matched_unchanged == 1 ? "" : "s",
                                       matched_unchanged == 1 ? "s" : "")
                         : std::string("nothing to change: no row to insert, update or delete; nothing committed");
    report.duration_ms = (monotonic_ns() - started) / 1000000;
    return report;
  }

  // New files: the rewritten files' rows (kept, replaced by their source row, or dropped), then
  // the inserted rows; partitioned like the table.
  std::vector<std::string> parts;
  if (!rewritten.empty()) {
    ScanOptions scan;
    scan.file_indices = rewritten;
    SILT_TRY_ASSIGN(auto scan_sql, target_scan(scan));
    std::vector<std::string> select;
    for (const auto& column : columns) {
      if (options.update_matched) {
        select.push_back("CASE WHEN silt_source." + std::string(kDeleteColumn) + " IS NULL THEN " +
                         qualified("silt_target", column) + " ELSE " + qualified("silt_source", column) + " END AS " +
                         sql_identifier(column));
      } else {
        select.push_back(qualified("silt_target", column));
      }
    }
    parts.push_back("SELECT " + join(select, ", ") + " FROM (" + scan_sql + ") AS silt_target LEFT JOIN " +
                    kSourceTable + " AS silt_source ON " + key_condition(keys, "silt_target", "silt_source") +
                    " WHERE silt_source." + kDeleteColumn + " IS NULL OR NOT silt_source." + kDeleteColumn);
  }
  if (report.rows_inserted > 0) parts.push_back(inserts_sql);
  StagedFiles staged;
  if (!parts.empty()) {
    auto result = stage(root, parts.size() == 1 ? parts[0] : "(" + parts[0] + ") UNION ALL (" + parts[1] + ")", schema,
                        partition_columns, options.target_file_bytes);
    if (!result) return std::move(result).error().with_context("writing data files to " + root);
    staged = std::move(*result);
  }
  report.rows_written = staged.rows;
  report.rows_copied = staged.rows - report.rows_inserted - report.rows_updated;

  delta::Transaction txn(fs_, session_.parquet_io(), root, snapshot);
  txn.set_operation("MERGE");
  if (new_metadata) {
    txn.set_metadata(*new_metadata);
    txn.mark_read_whole_table();
  }
  for (const auto& [key, value] : options.commit_info) txn.set_commit_info_field(key, value);
  txn.set_parameter("predicate",
                    json(json::array({key_condition(keys, "target", "source", false)}).dump()).dump());
  txn.set_parameter("keys", json(json(keys).dump()).dump());
  json matched = json::array();
  if (options.delete_when) matched.push_back({{"actionType", "delete"}, {"predicate", *options.delete_when}});
  if (options.update_matched) matched.push_back({{"actionType", "update"}});
  json not_matched = json::array();
  if (options.insert_not_matched) not_matched.push_back({{"actionType", "insert"}});
  txn.set_parameter("matchedPredicates", json(matched.dump()).dump());
  txn.set_parameter("notMatchedPredicates", json(not_matched.dump()).dump());
  if (options.app_id) txn.set_app_transaction(*options.app_id, *options.app_version);
  // What the merge read: every candidate file. A concurrent commit removing one of them conflicts;
  // blind appends do not (as under Delta's WriteSerializable).
  for (size_t index : candidates) txn.mark_file_read(snapshot->files()[index].path);
  int64_t now = now_ms();
  for (size_t index : rewritten) txn.remove_file(delta::remove_for(snapshot->files()[index], now));
  for (auto& add : staged.adds) txn.add_file(add);
  txn.set_metric("numSourceRows", source_rows);
  txn.set_metric("numTargetRowsInserted", report.rows_inserted);
  txn.set_metric("numTargetRowsUpdated", report.rows_updated);
  txn.set_metric("numTargetRowsDeleted", report.rows_deleted);
  txn.set_metric("numTargetRowsCopied", report.rows_copied);
  txn.set_metric("numTargetFilesAdded", static_cast<int64_t>(staged.adds.size()));
  txn.set_metric("numTargetFilesRemoved", static_cast<int64_t>(rewritten.size()));
  txn.set_metric("numTargetBytesAdded", staged.bytes);
  txn.set_metric("numOutputRows", staged.rows);
  return commit_staged(txn, root, staged, std::move(report), static_cast<int64_t>(rewritten.size()), started,
                       options.prepare_only);
}

}  // namespace silt::engine
