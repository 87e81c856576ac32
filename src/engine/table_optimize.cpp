// OPTIMIZE: per partition, small files bin-packed into files near the target size, or (Z-order)
// every file of the partition rewritten in the order of a Z-curve over the rank-normalised values
// of one to four columns, so each new file covers a narrow range of each of them. One commit that
// removes and adds with dataChange false; it declares the files it rewrote as read, so only a
// concurrent commit that removed one of them conflicts with it (appends never do).
#include "engine/table_ops.h"
#include "engine/table_ops_internal.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/table_features.h"
#include "delta/transaction.h"
#include "engine/type_mapping.h"

namespace silt::engine {

using nlohmann::json;

namespace {

// The tag Z-ordered files carry: the columns, so a partition already in that order is left alone.
constexpr const char* kZOrderTag = "silt.zOrderBy";

std::string partition_label(const delta::AddFile& file, const std::vector<std::string>& columns) {
  std::vector<std::string> parts;
  for (const auto& column : columns) {
    auto it = file.partition_values.find(column);
    const bool is_null = it == file.partition_values.end() || !it->second;
    parts.push_back(column + "=" + (is_null ? std::string("NULL") : *it->second));
  }
  return join(parts, "/");
}

// A rewrite: files (indices into the snapshot) that become new files together.
struct Unit {
  std::vector<size_t> files;
  int64_t bytes = 0;
};

struct PartitionPlan {
  std::string label;
  delta::PartitionValues values;
  std::vector<Unit> units;
};

// Small files packed greedily (smallest first) into bins of at most the target size; a bin of one
// file would only copy it, so it is dropped.
std::vector<Unit> bin_pack(const delta::Snapshot& snapshot, const std::vector<size_t>& files,
                           const OptimizeOptions& options) {
  const auto small_limit = static_cast<int64_t>(static_cast<double>(options.target_file_bytes) *
                                                options.small_file_fraction);
  std::vector<size_t> small;
  for (size_t index : files) {
    if (snapshot.files()[index].size < small_limit) small.push_back(index);
  }
  std::stable_sort(small.begin(), small.end(), [&](size_t a, size_t b) {
    return snapshot.files()[a].size < snapshot.files()[b].size;
  });
  std::vector<Unit> bins;
  Unit current;
  for (size_t index : small) {
    const int64_t size = snapshot.files()[index].size;
    if (!current.files.empty() && current.bytes + size > options.target_file_bytes) {
      bins.push_back(std::move(current));
      current = Unit{};
    }
    current.files.push_back(index);
    current.bytes += size;
  }
  if (!current.files.empty()) bins.push_back(std::move(current));
  bins.erase(std::remove_if(bins.begin(), bins.end(), [](const Unit& bin) { return bin.files.size() < 2; }),
             bins.end());
  return bins;
}

// Every file of the partition, in slices of at most max_slice_bytes; nothing when each file
// already carries this Z-order (nothing was added since the last Z-order).
std::vector<Unit> zorder_slices(const delta::Snapshot& snapshot, const std::vector<size_t>& files,
                                const OptimizeOptions& options, const std::string& tag_value) {
  bool ordered = true;
  for (size_t index : files) {
    const auto& tags = snapshot.files()[index].tags;
    ordered = ordered && tags && tags->count(kZOrderTag) && tags->at(kZOrderTag) == tag_value;
  }
  if (ordered) return {};
  std::vector<Unit> slices;
  Unit current;
  for (size_t index : files) {
    const int64_t size = snapshot.files()[index].size;
    if (!current.files.empty() && current.bytes + size > options.max_slice_bytes) {
      slices.push_back(std::move(current));
      current = Unit{};
    }
    current.files.push_back(index);
    current.bytes += size;
  }
  if (!current.files.empty()) slices.push_back(std::move(current));
  return slices;
}

// The rows of `select_sql` in Z-order of `columns`: each column's percent rank scaled to `bits`
// bits, the bits interleaved (bit i of column j at position i * k + j), rows sorted by the result.
std::string zorder_sql(const std::string& select_sql, const std::vector<std::string>& columns,
                       const delta::Schema& schema) {
  const int k = static_cast<int>(columns.size());
  const int bits = std::min(20, 63 / k);
  const uint64_t top = (uint64_t{1} << bits) - 1;
  std::vector<std::string> ranks;
  for (int j = 0; j < k; ++j) {
    ranks.push_back(fmt::format("CAST(round(percent_rank() OVER (ORDER BY {}) * {}) AS UBIGINT) AS _silt_z{}",
                                sql_identifier(columns[j]), top, j));
  }
  std::vector<std::string> terms;
  for (int i = 0; i < bits; ++i) {
    for (int j = 0; j < k; ++j) {
      terms.push_back(fmt::format("(((_silt_z{} >> {}) & CAST(1 AS UBIGINT)) << {})", j, i, i * k + j));
    }
  }
  std::vector<std::string> names;
  for (const auto& field : schema.fields) names.push_back(sql_identifier(field.name));
  return "SELECT " + join(names, ", ") + " FROM (SELECT *, " + join(terms, " | ") + " AS _silt_zvalue FROM (SELECT *, " +
         join(ranks, ", ") + " FROM (" + select_sql + "))) ORDER BY _silt_zvalue";
}

// The input's compressed bytes per row of `unit` (from the files' numRecords); nullopt when a
// file has no statistics.
std::optional<double> bytes_per_row(const delta::Snapshot& snapshot, const Unit& unit) {
  int64_t rows = 0;
  for (size_t index : unit.files) {
    auto records = snapshot.files()[index].num_records();
    if (!records) return std::nullopt;
    rows += *records;
  }
  if (rows <= 0 || unit.bytes <= 0) return std::nullopt;
  return static_cast<double>(unit.bytes) / static_cast<double>(rows);
}

// Rows per Parquet row group for a rewrite: DuckDB starts a new file only between row groups, so
// a group holds about a quarter of the target, between 2,048 rows and DuckDB's default 122,880.
int64_t row_group_rows_for(std::optional<double> row_bytes, int64_t target_file_bytes) {
  constexpr int64_t kDefaultRows = 122880;
  if (!row_bytes) return kDefaultRows;
  const auto wanted = static_cast<int64_t>(static_cast<double>(target_file_bytes) / 4.0 / *row_bytes);
  return std::clamp<int64_t>(wanted, 2048, kDefaultRows);
}

}  // namespace

Result<TableOps::StagedFiles> TableOps::stage_zordered(const std::string& root, const std::string& scan_sql,
                                                       const delta::Schema& schema,
                                                       const std::vector<std::string>& partition_columns,
                                                       const std::vector<std::string>& zorder,
                                                       const delta::PartitionValues* partition,
                                                       int64_t target_file_bytes, std::optional<double> row_bytes,
                                                       int64_t row_group_rows) {
  // Sorted once with every thread into a temporary table (DuckDB spills it under memory pressure),
  // then cut into files by row position, each written by one COPY that keeps the order: rotating
  // files within one COPY would hand row groups to files as threads finish them, mixing ranges.
  auto& connection = session_.connection();
  const std::string temp = "_silt_zorder_" + replace_all(new_uuid(), "-", "");
  SILT_TRY(connection.execute("CREATE TEMP TABLE " + temp + " AS " + zorder_sql(scan_sql, zorder, schema)));
  auto drop = [&] { (void)connection.execute("DROP TABLE IF EXISTS " + temp); };
  auto counted = connection.query_value("SELECT count(*) FROM " + temp);
  if (!counted) {
    drop();
    return std::move(counted).error();
  }
  const int64_t rows = parse_int64(counted->value_or("0")).value_or(0);
  // Without statistics, a guess of 100 bytes per row; the files come out smaller or larger.
  const int64_t rows_per_file =
      std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(target_file_bytes) / row_bytes.value_or(100.0)));
  StagedFiles all;
  for (int64_t first = 0; first < rows; first += rows_per_file) {
    auto written = stage(root,
                         fmt::format("SELECT * FROM {} WHERE rowid >= {} AND rowid < {}", temp, first,
                                     first + rows_per_file),
                         schema, partition_columns, /*target_file_bytes=*/0, /*data_change=*/false, partition,
                         row_group_rows);
    if (!written) {
      discard(root, all);
      drop();
      return std::move(written).error();
    }
    for (auto& add : written->adds) all.adds.push_back(std::move(add));
    all.absolute_paths.insert(all.absolute_paths.end(), written->absolute_paths.begin(), written->absolute_paths.end());
    all.rows += written->rows;
    all.bytes += written->bytes;
  }
  drop();
  return all;
}

Result<OptimizeReport> TableOps::optimize(const std::string& root, const OptimizeOptions& options) {
  const int64_t started = monotonic_ns();
  SILT_TRY_ASSIGN(auto snapshot, load(root));
  SILT_TRY_ASSIGN(auto schema, snapshot->schema());
  SILT_TRY(delta::check_writable(snapshot->protocol(), snapshot->metadata(), schema));
  const auto& partition_columns = snapshot->partition_columns();
  OptimizeReport report;
  report.target_file_bytes = options.target_file_bytes;
  report.version = snapshot->version();
  if (options.target_file_bytes < (1LL << 20)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("target file size {} bytes is too small; use 1MB or more (128MB is usual)",
                                  options.target_file_bytes))
        .set_option("target-file-size", std::to_string(options.target_file_bytes));
  }
  if (options.zorder.size() > 4) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("Z-order takes one to four columns, got {} ({})", options.zorder.size(),
                                  join(options.zorder, ", ")))
        .set_option("zorder", join(options.zorder, ","));
  }
  std::set<std::string> seen;
  for (const auto& column : options.zorder) {
    const auto* field = schema.find(column);
    if (!field) {
      std::string hint;
      if (auto close = closest_name(column, schema.field_names())) hint = fmt::format("; did you mean '{}'?", *close);
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("Z-order column '{}' does not exist in {} (columns: {}){}", column, root,
                                    join(schema.field_names(), ", "), hint))
          .set_option("zorder", column);
    }
    for (const auto& partition : partition_columns) {
      if (to_lower(partition) == to_lower(column)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("'{}' is a partition column of {}: files hold one value of it already; "
                                      "Z-order by data columns",
                                      column, root))
            .set_option("zorder", column);
      }
    }
    if (field->type.kind != delta::DataType::Kind::kPrimitive && field->type.kind != delta::DataType::Kind::kDecimal) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("Z-order column '{}' is a {}; Z-order needs columns with an order (numbers, "
                                    "strings, dates, timestamps)",
                                    column, field->type.to_string()))
          .set_option("zorder", column);
    }
    if (!seen.insert(to_lower(field->name)).second) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("Z-order column '{}' is named twice", column))
          .set_option("zorder", column);
    }
    report.zorder.push_back(field->name);
  }

  std::vector<size_t> selected;
  if (options.where) {
    SILT_TRY(check_columns_in_predicate(schema, *options.where, partition_columns, "where", "optimize predicate"));
    SILT_TRY_ASSIGN(selected, files_matching_partition_predicate(*snapshot, *options.where));
  } else {
    for (size_t i = 0; i < snapshot->files().size(); ++i) selected.push_back(i);
  }
  for (size_t index : selected) {
    if (snapshot->files()[index].deletion_vector) {
      return make_error(ErrorCode::kUnsupported,
                        fmt::format("{} has files with deletion vectors ({}); OPTIMIZE does not rewrite them", root,
                                    snapshot->files()[index].path));
    }
  }
  std::map<std::string, std::vector<size_t>> by_partition;
  std::map<std::string, delta::PartitionValues> partition_values;
  for (size_t index : selected) {
    const auto& file = snapshot->files()[index];
    std::string label = partition_label(file, partition_columns);
    by_partition[label].push_back(index);
    partition_values.emplace(label, file.partition_values);
  }
  report.partitions_total = static_cast<int64_t>(by_partition.size());
  report.files_considered = static_cast<int64_t>(selected.size());

  const std::string tag_value = json(report.zorder).dump();
  std::vector<PartitionPlan> plans;
  for (const auto& [label, files] : by_partition) {
    PartitionPlan plan{label, partition_values[label], {}};
    plan.units = report.zorder.empty() ? bin_pack(*snapshot, files, options)
                                       : zorder_slices(*snapshot, files, options, tag_value);
    if (plan.units.empty()) continue;
    OptimizedPartition summary;
    summary.partition = label;
    summary.slices = static_cast<int64_t>(plan.units.size());
    for (const auto& unit : plan.units) {
      summary.files_removed += static_cast<int64_t>(unit.files.size());
      summary.bytes_removed += unit.bytes;
    }
    report.files_removed += summary.files_removed;
    report.bytes_removed += summary.bytes_removed;
    report.partitions.push_back(std::move(summary));
    plans.push_back(std::move(plan));
  }
  auto finish_without_commit = [&](std::string message) {
    report.skipped = true;
    report.message = std::move(message);
    report.duration_ms = (monotonic_ns() - started) / 1000000;
    return report;
  };
  if (plans.empty()) {
    return finish_without_commit(report.zorder.empty()
                                     ? "no partition has more than one small file; nothing committed"
                                     : "every selected partition is already Z-ordered by these columns; nothing committed");
  }
  if (options.dry_run) return finish_without_commit("dry run: nothing written");

  StagedFiles staged;
  size_t summary_index = 0;
  for (const auto& plan : plans) {
    auto& summary = report.partitions[summary_index++];
    for (const auto& unit : plan.units) {
      ScanOptions scan;
      scan.file_indices = unit.files;
      auto scan_sql = session_.scan_sql(*snapshot, scan);
      if (!scan_sql) {
        discard(root, staged);
        return std::move(scan_sql).error();
      }
      const auto row_bytes = bytes_per_row(*snapshot, unit);
      const int64_t group_rows = row_group_rows_for(row_bytes, options.target_file_bytes);
      const delta::PartitionValues* partition = partition_columns.empty() ? nullptr : &plan.values;
      auto written = report.zorder.empty()
                         ? stage(root, *scan_sql, schema, partition_columns, options.target_file_bytes,
                                 /*data_change=*/false, partition, group_rows)
                         : stage_zordered(root, *scan_sql, schema, partition_columns, report.zorder, partition,
                                          options.target_file_bytes, row_bytes, group_rows);
      if (!written) {
        discard(root, staged);
        return std::move(written).error().with_context(
            fmt::format("rewriting {}{}", root, plan.label.empty() ? "" : " partition " + plan.label));
      }
      summary.files_added += static_cast<int64_t>(written->adds.size());
      summary.bytes_added += written->bytes;
      for (auto& add : written->adds) {
        if (!report.zorder.empty()) add.tags = delta::StringMap{{kZOrderTag, tag_value}};
        staged.adds.push_back(std::move(add));
      }
      staged.absolute_paths.insert(staged.absolute_paths.end(), written->absolute_paths.begin(),
                                   written->absolute_paths.end());
      staged.rows += written->rows;
      staged.bytes += written->bytes;
    }
  }

  if (options.before_commit) options.before_commit();
  delta::Transaction txn(fs_, session_.parquet_io(), root, snapshot);
  txn.set_operation("OPTIMIZE");
  txn.set_parameter("predicate", json(json::array({options.where.value_or("")}).dump()).dump());
  txn.set_parameter("zOrderBy", json(tag_value).dump());
  txn.set_parameter("targetFileSize", std::to_string(options.target_file_bytes));
  const int64_t now = now_ms();
  for (const auto& plan : plans) {
    for (const auto& unit : plan.units) {
      for (size_t index : unit.files) {
        const auto& file = snapshot->files()[index];
        txn.mark_file_read(file.path);
        txn.remove_file(delta::remove_for(file, now, /*data_change=*/false));
      }
    }
  }
  for (const auto& add : staged.adds) txn.add_file(add);
  txn.set_metric("numRemovedFiles", report.files_removed);
  txn.set_metric("numAddedFiles", static_cast<int64_t>(staged.adds.size()));
  txn.set_metric("numRemovedBytes", report.bytes_removed);
  txn.set_metric("numAddedBytes", staged.bytes);
  txn.set_metric("partitionsOptimized", static_cast<int64_t>(plans.size()));
  txn.set_metric("numBatches", [&] {
    int64_t units = 0;
    for (const auto& plan : plans) units += static_cast<int64_t>(plan.units.size());
    return units;
  }());
  txn.set_metric("totalConsideredFiles", report.files_considered);
  auto committed = txn.commit();
  if (!committed) {
    discard(root, staged);
    return std::move(committed).error();
  }
  report.version = committed->version;
  report.attempts = committed->attempts;
  report.files_added = static_cast<int64_t>(staged.adds.size());
  report.bytes_added = staged.bytes;
  report.rows = staged.rows;
  report.duration_ms = (monotonic_ns() - started) / 1000000;
  return report;
}

}  // namespace silt::engine
