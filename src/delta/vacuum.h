// VACUUM: deletes the files under a table root that no version within the retention period
// references, and the log files older than the log retention that no retained version needs.
// Never touches _delta_log's live part, hidden names ('_' or '.', except partition directories).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/parquet_io.h"
#include "storage/file_system.h"

namespace silt::delta {

// The shortest retention VACUUM accepts without `force`: 7 days (as Delta Lake's default check).
inline constexpr int64_t kMinimumVacuumRetentionMs = int64_t{7} * 24 * 3600 * 1000;

struct VacuumOptions {
  // How old an unreferenced file must be before it is deleted; nullopt: the table's
  // delta.deletedFileRetentionDuration (default 7 days). A caller with its own default (a
  // project's per-table `retain`) passes it here.
  std::optional<int64_t> retention_ms;
  // Accept a retention below the minimum (max of 7 days and delta.deletedFileRetentionDuration).
  bool force = false;
  // Compute and list what would be deleted; delete nothing and commit nothing.
  bool dry_run = false;
  // The current time, epoch ms; nullopt: the wall clock. Tests pass it instead of waiting.
  std::optional<int64_t> now_ms;
  // Also delete expired log files (delta.logRetentionDuration, default 30 days).
  bool clean_log = true;
  // Paths per FileSystem::remove_many call (S3 deletes up to 1,000 keys per request).
  size_t delete_batch_size = 1000;
};

// A file deleted (or, in a dry run, to be deleted).
struct VacuumFile {
  std::string path;  // relative to the table root ("d=2025-01-01/part-0.parquet", "_delta_log/...json")
  int64_t size = 0;
};

struct VacuumReport {
  std::string table_root;
  int64_t table_version = -1;       // the version whose references were kept (read before deleting)
  bool dry_run = false;
  int64_t now_ms = 0;
  int64_t retention_ms = 0;         // the retention used
  int64_t default_retention_ms = 0; // the table's delta.deletedFileRetentionDuration
  int64_t minimum_retention_ms = 0; // below this, `force` was required
  bool retention_check_enabled = true;  // false when `force` was given
  int64_t cutoff_ms = 0;            // now - retention: unreferenced files modified before it go

  std::vector<VacuumFile> files;    // data files deleted / to delete, sorted by path
  int64_t num_files = 0;
  int64_t bytes = 0;
  int64_t directories_removed = 0;  // directories left empty (removed on local disk; gone with their files elsewhere)
  int64_t files_listed = 0;         // files under the root that were not hidden
  int64_t young_unreferenced_files = 0;  // unreferenced but modified after the cutoff: kept

  int64_t log_retention_ms = 0;     // the table's delta.logRetentionDuration
  std::optional<int64_t> log_boundary_checkpoint;  // log files of versions below it were expired
  std::vector<VacuumFile> log_files;  // log files deleted / to delete, sorted by path
  int64_t log_bytes = 0;

  std::optional<int64_t> start_version;  // the VACUUM START commit (not in a dry run)
  std::optional<int64_t> end_version;    // the VACUUM END commit
  int64_t duration_ms = 0;
};

// Vacuums the table at `table_root` on `fs` (checkpoints are read through `io`):
// 1. loads the latest snapshot; refuses (Unsupported) a protocol silt cannot write;
// 2. checks the retention: InvalidArgument (reason "vacuum_retention_too_short", option "force")
//    when it is below the minimum and `force` is not set, or negative;
// 3. lists every file under the root, skipping hidden names (a path component starting with '_'
//    or '.', except `<partition column>=...` directories), and selects those that are neither a
//    live file of the snapshot nor a tombstone deleted at or after the cutoff, and whose
//    modification time is before the cutoff (files of writers that have not committed yet are young);
// 4. unless a dry run: commits VACUUM START (operationParameters retentionCheckEnabled,
//    specifiedRetentionMillis when a retention was given, defaultRetentionMillis; metrics
//    numFilesToDelete, sizeOfDataToDelete), deletes the files in batches, removes the directories
//    they left empty (local disk), commits VACUUM END (status COMPLETED, or FAILED when a delete
//    failed; numDeletedFiles, numVacuumedDirectories). START and END are written also when there
//    is nothing to delete, as Delta Lake does;
// 5. with `clean_log`, deletes the commit, checkpoint and checksum files of versions below the
//    newest complete checkpoint whose commit (and every commit before it) is older than now -
//    delta.logRetentionDuration, when their own modification time is before that too: every
//    version from that checkpoint on still loads. _last_checkpoint is never deleted.
// Errors: those of Snapshot::load (NotFound for a missing table), of the store, and Conflict only
// when the commits cannot be made. Not safe against a concurrent VACUUM of the same table deleting
// the same files (both succeed: a missing file is not an error).
Result<VacuumReport> vacuum(storage::FileSystem& fs, ParquetIo& io, const std::string& table_root,
                            const VacuumOptions& options = {});

// Whether a path component under a table root is hidden from VACUUM: it starts with '_' or '.',
// and is not a partition directory "<column>=..." of one of `partition_columns`.
bool is_hidden_from_vacuum(const std::string& name, const std::vector<std::string>& partition_columns);

}  // namespace silt::delta
