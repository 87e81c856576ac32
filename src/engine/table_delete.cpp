// Operations that rewrite or roll back what a table holds: delete by predicate (files without a
// match kept, files with one rewritten), restore to an earlier version, explicit checkpoints.
#include "engine/table_ops.h"
#include "engine/table_ops_internal.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/file_pruning.h"
#include "delta/table_features.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "engine/input_reader.h"
#include "engine/sql_predicate.h"
#include "engine/type_mapping.h"

namespace silt::engine {

using nlohmann::json;

Result<OperationReport> TableOps::remove_where(const std::string& root, const std::string& predicate) {
  int64_t started = monotonic_ns();
  SILT_TRY_ASSIGN(auto snapshot, load(root));
  SILT_TRY_ASSIGN(auto schema, snapshot->schema());
  SILT_TRY(delta::check_writable(snapshot->protocol(), snapshot->metadata(), schema));
  SILT_TRY(check_columns_in_predicate(schema, predicate, schema.field_names(), "where", "delete predicate"));
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
  return commit_and_report(txn, std::move(report), started);
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
