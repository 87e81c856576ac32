// Staging data files: DuckDB's COPY into a staging directory (FileBridge::staging_directory),
// per-file statistics from RETURN_STATS turned into add actions (delta/file_stats.h), the files
// published into the table, then one commit.
#include "engine/table_ops.h"
#include "engine/table_ops_internal.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/file_pruning.h"
#include "delta/file_stats.h"
#include "delta/table_features.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "engine/input_reader.h"
#include "engine/sql_predicate.h"
#include "engine/type_mapping.h"

namespace silt::engine {

using nlohmann::json;

namespace {

std::string relative_to(const std::string& root, const std::string& path) {
  std::string prefix = root;
  if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
  if (starts_with(path, prefix)) return path.substr(prefix.size());
  return path;
}

// "column=value" as Hive-style directories name partitions: characters that are unsafe in paths
// percent-encoded, NULL as __HIVE_DEFAULT_PARTITION__.
std::string hive_path_segment(const std::string& column, const std::optional<std::string>& value) {
  auto escape = [](const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      if ((c < 0x80 && std::isalnum(c)) || c == '-' || c == '_' || c == '.') {
        out += static_cast<char>(c);
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
    return out;
  };
  return escape(column) + "=" + (value ? (value->empty() ? std::string("__HIVE_DEFAULT_PARTITION__") : escape(*value))
                                       : std::string("__HIVE_DEFAULT_PARTITION__"));
}

}  // namespace

Result<TableOps::StagedFiles> TableOps::stage(const std::string& root, const std::string& select_sql,
                                              const delta::Schema& schema,
                                              const std::vector<std::string>& partition_columns,
                                              int64_t target_file_bytes, bool data_change,
                                              const delta::PartitionValues* single_partition,
                                              int64_t row_group_rows) {
  std::string options = "FORMAT parquet, COMPRESSION zstd, RETURN_STATS true";
  if (row_group_rows > 0) options += fmt::format(", ROW_GROUP_SIZE {}", row_group_rows);
  // target_file_bytes 0: one file, its rows in the query's order (DuckDB keeps the order in a
  // single file; rotated files receive row groups as threads finish them).
  const bool one_file = target_file_bytes <= 0;
  if (!one_file) options += ", FILENAME_PATTERN 'part-{uuid}', APPEND true";
  std::string copied_sql = select_sql;
  std::string subdirectory;  // of the staging directory: the single partition's
  if (single_partition && !partition_columns.empty()) {
    std::vector<std::string> quoted;
    for (const auto& column : partition_columns) {
      quoted.push_back(sql_identifier(column));
      auto it = single_partition->find(column);
      const bool is_null = it == single_partition->end() || !it->second;
      subdirectory += "/" + hive_path_segment(column, is_null ? std::nullopt : it->second);
    }
    copied_sql = "SELECT * EXCLUDE (" + join(quoted, ", ") + ") FROM (" + select_sql + ")";
    if (!one_file) options += fmt::format(", FILE_SIZE_BYTES {}", target_file_bytes);
  } else if (!partition_columns.empty()) {
    if (one_file) {
      return make_error(ErrorCode::kInternal, "a single ordered file needs its partition (single_partition)");
    }
    std::vector<std::string> quoted;
    for (const auto& column : partition_columns) quoted.push_back(sql_identifier(column));
    options += ", PARTITION_BY (" + join(quoted, ", ") + ")";
  } else if (!one_file) {
    // DuckDB cannot rotate files within partitions; unpartitioned output rotates at the target size.
    options += fmt::format(", FILE_SIZE_BYTES {}", target_file_bytes);
  }
  // DuckDB writes into a staging directory of silt's naming (ASCII; inside the table root on local
  // disk, where files are renamed into place; in other stores files stream to their places as they
  // are written). A failed COPY leaves nothing behind (what the staging directory received goes),
  // and every file DuckDB reports is checked to lie inside the staging directory (DuckDB mangles
  // paths ending in some non-ASCII characters) before it is published.
  FileBridge& files = session_.files();
  SILT_TRY_ASSIGN(auto staging, files.staging_directory(fs_, root));
  auto remove_staging = [&]() { files.remove_staging(staging); };
  std::string target = staging + subdirectory;
  if (one_file) {
    // DuckDB creates no parent directories for a single file (object stores need none).
    if (!subdirectory.empty() && fs_.local_path(root)) {
      std::error_code error;
      std::filesystem::create_directories(target, error);
    }
    target += "/part-" + new_uuid() + ".parquet";
  }
  std::string sql = "COPY (" + copied_sql + ") TO " + sql_string(target) + " (" + options + ")";
  auto copied = session_.connection().query_any(sql);
  if (!copied) {
    remove_staging();
    return std::move(copied).error();
  }
  const auto& result = *copied;

  StagedFiles staged;
  int64_t now = now_ms();
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
    add.data_change = data_change;
    if (!subdirectory.empty()) {
      for (const auto& column : partition_columns) {
        auto it = single_partition->find(column);
        add.partition_values[column] = it == single_partition->end() ? std::nullopt : it->second;
      }
    } else if (!partition_columns.empty()) {
      // Partition values as DuckDB reports them (text; JSON null for NULL).
      json keys = row[5] ? json::parse(*row[5], nullptr, false) : json::object();
      for (const auto& column : partition_columns) {
        std::optional<std::string> value;
        if (keys.is_object() && keys.contains(column) && keys[column].is_string()) value = keys[column].get<std::string>();
        add.partition_values[column] = value;
      }
    }
    // Stats for top-level data columns, from DuckDB's per-column statistics (keys are quoted names).
    std::map<std::string, delta::ColumnStatsText> column_stats;
    json printed = row[4] ? json::parse(*row[4], nullptr, false) : json::object();
    for (const auto& field : schema.fields) {
      std::string key = "\"" + replace_all(field.name, "\"", "\"\"") + "\"";
      if (!printed.is_object() || !printed.contains(key)) continue;
      const json& entry = printed[key];
      delta::ColumnStatsText column;
      if (entry.contains("null_count") && entry["null_count"].is_string()) {
        column.null_count = parse_int64(entry["null_count"].get<std::string>());
      }
      if (entry.contains("min") && entry["min"].is_string()) column.min = entry["min"].get<std::string>();
      if (entry.contains("max") && entry["max"].is_string()) column.max = entry["max"].get<std::string>();
      column_stats[field.name] = std::move(column);
    }
    add.stats = delta::encode_file_stats(schema, partition_columns, records, column_stats);
    staged.rows += records;
    staged.bytes += add.size;
    staged.adds.push_back(std::move(add));
  }
  for (const auto& [from, to] : moves) {
    Status published = files.publish(fs_, from, to);
    if (!published.ok()) {
      // Every staged file goes, the failed one too: a store may have kept it though it said no.
      discard(root, staged);
      remove_staging();
      return published;
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

}  // namespace silt::engine
