// What one execution of a consolidation job did, kept as history under
// <storage>/_silt/consolidations/<job>/<execution_id>.json, and the record of an execution that
// reached its commit but not its end (pending.json), which the next execution completes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/table_ops.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct PartitionResult {
  std::string date;        // "2025-11-03" (the partition's year/month/day; month or year layouts: first day)
  std::string path;        // the partition's folder under the output
  int64_t records_processed = 0;   // landing records of this partition read by the execution
  int64_t duplicates_removed = 0;
  int64_t records_written = 0;     // new or newer records now in the partition
  int64_t records_stale = 0;       // records older than the one already consolidated (left out)
  int64_t records_quarantined = 0; // records failing the job's row-level checks (in the quarantine table)
  int64_t output_files = 0;        // files the execution wrote in the partition
  int64_t bytes_out = 0;
};

struct QuarantinedFile {
  std::string path;
  std::string reason;
};

// The outcome of one of the job's checks on an execution's records.
struct ExecutionCheck {
  std::string name;
  std::string severity;  // "error", "warn"
  std::string status;    // "pass", "warn", "fail"
  int64_t failing = 0;
  int64_t checked = 0;
  std::string message;
};

struct ConsolidationExecution {
  std::string job;
  std::string execution_id;
  // "completed", "failed", "nothing_to_do", "planned" (--dry-run), "interrupted" (a crash before the
  // commit: nothing was published)
  std::string status;
  std::string error;
  bool recovered = false;         // completed by a later execution after a crash past the commit
  std::string execution_time;     // local time of the start in the job's time zone ("2025-11-03T06:30:00")
  std::string started_at;         // UTC, RFC 3339
  std::string completed_at;
  int execution_sequence = 0;     // which of the day's executions (1-based), by the start's local time
  int total_executions = 0;
  std::string output_path, output_format;
  int64_t files_in = 0, bytes_in = 0;
  int64_t records_processed = 0, duplicates_removed = 0, records_written = 0, records_stale = 0;
  int64_t output_files = 0, bytes_out = 0, files_rewritten = 0;
  int64_t duration_ms = 0;
  int64_t table_version = -1;     // delta output: the committed version
  int64_t ledger_number = -1;     // the manifest of landing files this execution consumed
  std::vector<PartitionResult> partitions;
  std::vector<QuarantinedFile> quarantined;    // landing files that could not be read
  // The job's checks: "" without checks, else "passed", "warned", "gated" or "quarantined".
  std::string quality;
  std::vector<ExecutionCheck> checks;
  int64_t records_quarantined = 0;             // records failing row-level checks, set aside
  std::string quarantine_table;                // where they went (<output>__quarantine)
  int64_t quarantine_version = -1;             // its committed version
  // Between the commit's preparation and its end: the quarantine table's prepared commit, made
  // after the output's commit (by recovery when a crash came between the two).
  std::optional<engine::PreparedCommit> quarantine_commit;
  std::vector<std::string> retention_deleted;  // landing files removed by retention
  std::vector<std::string> landing_files;      // --dry-run: the files it would read
};

std::string execution_to_json(const ConsolidationExecution& execution);
Result<ConsolidationExecution> execution_from_json(const std::string& text, const std::string& origin);

class ConsolidationHistory {
 public:
  ConsolidationHistory(storage::FileSystem& fs, const std::string& storage_root);

  Status save(const ConsolidationExecution& execution);
  // Newest first; every job when `job` is empty.
  Result<std::vector<ConsolidationExecution>> list(const std::string& job);

  // The execution of `job` between its commit preparation and its end, if any.
  Result<std::optional<ConsolidationExecution>> pending(const std::string& job);
  Status set_pending(const ConsolidationExecution& execution);
  Status clear_pending(const std::string& job);

 private:
  std::string job_directory(const std::string& job) const;

  storage::FileSystem& fs_;
  std::string root_;
};

}  // namespace silt::pipeline
