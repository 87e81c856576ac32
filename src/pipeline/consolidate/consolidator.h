// Executions of a consolidation job: the landing files not consolidated before, read exactly once
// (even across crashes), de-duplicated by key keeping the latest record, written into output
// partitions so that each key is held once in its latest state over everything landed so far;
// then the history record, the completion events (after the commit, through the outbox) and the
// landing retention. See docs/CONSOLIDATION.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/consolidate/consolidation_record.h"
#include "pipeline/project/consolidation_config.h"
#include "pipeline/quality/quality.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct ConsolidateOptions {
  std::optional<std::string> date;  // only this landing date ("2025-11-03")
  bool dry_run = false;             // plan only: what would be read and deleted; nothing written
  int64_t now_ms = 0;               // the execution's start (0: the clock); tests fix it
  std::string execution_id;         // "" = <job>-<UTC start>-<random>
  bool deliver_events = true;       // deliver the outbox after the commit
  // Crash tests: the process exits (status 137, as SIGKILL) at this point: "before_commit",
  // "before_quarantine_commit" (the output committed, its quarantined records not), "after_commit"
  // (before the history and events), "before_event" (history written, events not stored). Also
  // taken from SILT_CRASH_AT.
  std::string crash_at;
};

class Consolidator {
 public:
  Consolidator(engine::Session& session, storage::FileSystem& fs, std::string storage_root)
      : session_(session), fs_(fs), storage_root_(std::move(storage_root)) {}

  // One execution. InvalidArgument (bad landing data: a missing key column, a bad file with
  // on_bad_file: fail), Conflict (another execution of the job is running); the record says what
  // was done, also for executions that found nothing new. Failures are recorded in the history
  // and announced as consolidation_failed events too.
  Result<ConsolidationExecution> execute(const ConsolidationConfig& job, const ConsolidateOptions& options);

  // An execution of `job` that a crash stopped between preparing its commit and its end: completed
  // (history, events) when its commit was made, recorded as interrupted otherwise. nullopt when
  // there was none. execute() calls it first.
  Result<std::optional<ConsolidationExecution>> recover(const ConsolidationConfig& job);

 private:
  // A Delta output is in the catalog under the job's name (a failure is a warning).
  void register_in_catalog(const ConsolidationConfig& job);
  // Makes the prepared commit of the quarantined records (idempotently) and registers the table.
  Status commit_quarantine(const ConsolidationConfig& job, ConsolidationExecution& record);
  // What the job's checks read besides the records: the start time, the previous execution's
  // record count, the catalog's tables.
  Result<CheckEnvironment> check_environment(const ConsolidationConfig& job, int64_t now);

  engine::Session& session_;
  storage::FileSystem& fs_;
  std::string storage_root_;
};

// The event of one output partition of an execution, with the fields of the chargeback
// consolidation events (event_type, partition_date, execution_sequence, total_executions,
// records_processed, duplicates_removed, output_files, output_format, output_path,
// execution_time, completed_at, job_name) and event_id.
std::string consolidation_event_json(const ConsolidationExecution& execution, const PartitionResult* partition);

}  // namespace silt::pipeline
