// OPTIMIZE's options and report (TableOps::optimize, table_optimize.cpp): bin-packing small files
// into files near a target size, or rewriting partitions in Z-order so the statistics of the
// Z-ordered columns become narrow and file skipping works.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace silt::engine {

struct OptimizeOptions {
  // SQL predicate over partition columns only: the partitions to optimize (all when unset).
  std::optional<std::string> where;
  // One to four data columns (not partition columns). Empty: bin-packing only.
  std::vector<std::string> zorder;
  int64_t target_file_bytes = 128LL << 20;
  // Bin-packing: files smaller than this share of the target are small (Delta's minFileSize).
  double small_file_fraction = 0.75;
  // Z-order reads at most this many input bytes per slice (one sort); larger partitions are
  // rewritten in several slices, each Z-ordered on its own, so memory stays bounded.
  int64_t max_slice_bytes = 8LL << 30;
  bool dry_run = false;  // plan only: nothing written or committed
  // Called after the new files are written and before the commit (tests commit concurrently here).
  std::function<void()> before_commit;
};

struct OptimizedPartition {
  std::string partition;  // "order_date=2025-11-01/ccy=EUR", "" for an unpartitioned table
  int64_t files_removed = 0;
  int64_t bytes_removed = 0;
  int64_t files_added = 0;  // 0 in a dry run
  int64_t bytes_added = 0;
  int64_t slices = 0;       // rewrites: bins (bin-packing) or slices (Z-order)
};

struct OptimizeReport {
  int64_t version = -1;  // the committed version; the read version when nothing was committed
  bool skipped = false;  // nothing to do (or a dry run)
  std::string message;
  std::vector<std::string> zorder;
  int64_t target_file_bytes = 0;
  int64_t partitions_total = 0;      // partitions the predicate selected
  int64_t files_considered = 0;      // live files in those partitions
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t bytes_removed = 0;
  int64_t bytes_added = 0;
  int64_t rows = 0;                  // rows rewritten
  std::vector<OptimizedPartition> partitions;  // the ones rewritten (or to be rewritten)
  int attempts = 1;
  int64_t duration_ms = 0;
};

}  // namespace silt::engine
