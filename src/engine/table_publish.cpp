// TableOps::publish: a table whose files are another table's, named by relative path.
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/table_features.h"
#include "delta/transaction.h"
#include "engine/table_ops.h"
#include "engine/table_ops_internal.h"

namespace silt::engine {

namespace {

bool is_absolute_log_path(const std::string& path) {
  return starts_with(path, "/") || path.find("://") != std::string::npos || starts_with(path, "file:");
}

// The higher of two protocols, with the features of both.
delta::Protocol combined_protocol(const delta::Protocol& a, const delta::Protocol& b) {
  delta::Protocol out = a;
  out.min_reader_version = std::max(a.min_reader_version, b.min_reader_version);
  out.min_writer_version = std::max(a.min_writer_version, b.min_writer_version);
  auto merge = [](std::optional<std::vector<std::string>>& into, const std::optional<std::vector<std::string>>& from) {
    if (!from) return;
    if (!into) into.emplace();
    for (const auto& feature : *from) {
      if (std::find(into->begin(), into->end(), feature) == into->end()) into->push_back(feature);
    }
  };
  merge(out.reader_features, b.reader_features);
  merge(out.writer_features, b.writer_features);
  return out;
}

bool same_protocol(const delta::Protocol& a, const delta::Protocol& b) {
  return a.min_reader_version == b.min_reader_version && a.min_writer_version == b.min_writer_version &&
         a.reader_features == b.reader_features && a.writer_features == b.writer_features;
}

}  // namespace

Result<OperationReport> TableOps::publish(const std::string& root, const delta::Snapshot& source,
                                          const PublishOptions& options) {
  int64_t started = monotonic_ns();
  if (options.prefix.empty() || starts_with(options.prefix, "/") || options.prefix.find("..") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("publish prefix '{}' must be a relative directory under the table", options.prefix));
  }
  std::shared_ptr<const delta::Snapshot> current;
  if (auto loaded = load(root)) {
    current = *loaded;
  } else if (loaded.error().code() != ErrorCode::kNotFound) {
    return std::move(loaded).error();
  }

  // The files as the published table names them.
  std::vector<delta::AddFile> wanted;
  wanted.reserve(source.files().size());
  for (const auto& file : source.files()) {
    if (file.deletion_vector && file.deletion_vector->storage_type == "u") {
      return make_error(ErrorCode::kUnsupported,
                        fmt::format("{} has a deletion vector stored beside it ({}), which a table elsewhere cannot "
                                    "name: rewrite the table without deletion vectors first",
                                    source.table_root(), file.path));
    }
    delta::AddFile add = file;
    if (!is_absolute_log_path(file.path)) add.path = options.prefix + "/" + file.path;
    add.data_change = true;
    wanted.push_back(std::move(add));
  }

  delta::Metadata metadata = current ? current->metadata() : source.metadata();
  if (!current) {
    metadata.id = new_uuid();
    metadata.created_time = now_ms();
  }
  metadata.schema_string = source.metadata().schema_string;
  metadata.partition_columns = source.metadata().partition_columns;
  metadata.configuration = source.metadata().configuration;
  for (const auto& [key, value] : options.configuration) metadata.configuration[key] = value;
  const delta::Protocol protocol =
      current ? combined_protocol(current->protocol(), source.protocol()) : source.protocol();

  std::set<std::string> wanted_keys, current_keys;
  for (const auto& file : wanted) wanted_keys.insert(delta::file_key(file.path, file.deletion_vector));
  if (current) {
    for (const auto& file : current->files()) current_keys.insert(delta::file_key(file.path, file.deletion_vector));
  }
  const bool same_metadata = current && metadata.schema_string == current->metadata().schema_string &&
                             metadata.partition_columns == current->metadata().partition_columns &&
                             metadata.configuration == current->metadata().configuration;
  OperationReport report;
  report.operation = "PUBLISH";
  if (current && same_metadata && wanted_keys == current_keys && same_protocol(protocol, current->protocol())) {
    report.skipped = true;
    report.version = current->version();
    report.message = "the table already holds these files";
    return report;
  }

  delta::Transaction txn(fs_, session_.parquet_io(), root, current);
  txn.set_operation("PUBLISH");
  txn.set_parameter("source", nlohmann::json(options.prefix).dump());
  txn.set_parameter("sourceVersion", std::to_string(source.version()));
  for (const auto& [key, value] : options.commit_info) txn.set_commit_info_field(key, value);
  txn.mark_read_whole_table();
  if (!current || !same_protocol(protocol, current->protocol())) txn.set_protocol(protocol);
  if (!same_metadata) txn.set_metadata(metadata);
  const int64_t now = now_ms();
  for (auto& file : wanted) {
    if (current_keys.count(delta::file_key(file.path, file.deletion_vector))) continue;
    report.rows_written += file.num_records().value_or(0);
    report.bytes_added += file.size;
    ++report.files_added;
    txn.add_file(std::move(file));
  }
  if (current) {
    for (const auto& file : current->files()) {
      if (wanted_keys.count(delta::file_key(file.path, file.deletion_vector))) continue;
      report.rows_deleted += file.num_records().value_or(0);
      txn.remove_file(delta::remove_for(file, now));
      ++report.files_removed;
    }
  }
  txn.set_metric("numAddedFiles", report.files_added);
  txn.set_metric("numRemovedFiles", report.files_removed);
  return commit_and_report(txn, std::move(report), started);
}

}  // namespace silt::engine
