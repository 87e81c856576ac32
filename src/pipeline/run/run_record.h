// The record of one pipeline run: what ran, with which parameters, what each model read and wrote,
// and how it ended. Stored as JSON under <storage_root>/_silt/runs/<run_id>.json and rewritten as
// the run progresses, so a crashed run is still visible (status "running").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/quality/quality.h"
#include "pipeline/run/flag_snapshot.h"
#include "storage/file_system.h"

namespace silt::pipeline {

enum class ModelStatus { kPending, kRunning, kSuccess, kFailed, kSkipped };
const char* model_status_name(ModelStatus status);

// A run's status: running (also a run that crashed: its record was never finished), success (every
// model succeeded), failed (some model failed or was skipped), cancelled (Runner::cancel).
enum class RunStatus { kRunning, kSuccess, kFailed, kCancelled };
const char* run_status_name(RunStatus status);  // "running", "success", "failed", "cancelled"
std::optional<RunStatus> run_status_from_name(const std::string& name);

struct ModelRun {
  std::string model;
  std::string table;         // qualified name
  std::string materialized;
  std::string action;        // what was done: "create", "merge", "append", "replace window", ...
  ModelStatus status = ModelStatus::kPending;
  std::string message;       // a skip reason, "nothing to change", ...
  std::string error;         // for failures: file:line: message
  std::map<std::string, int64_t> inputs;  // table read -> version
  int64_t version_before = -1;
  int64_t version_written = -1;  // -1: nothing committed
  int64_t rows_in = 0;           // rows the model's query produced
  int64_t rows_out = 0;          // rows written to the table (inserted + updated for merges)
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;
  int64_t rows_deleted = 0;
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t files_ingested = 0;    // source files read for the first time
  std::string window_start, window_end;  // incremental models
  std::string quality;            // "", "passed", "warned", "gated", "quarantined"
  int64_t rows_quarantined = 0;
  int64_t quarantine_version = -1;  // version written to <table>__quarantine
  struct Check {
    std::string name;
    std::string severity;
    CheckStatus status = CheckStatus::kPass;
    int64_t failing = 0;
  };
  std::vector<Check> checks;
  int count_checks(CheckStatus status) const;
  // Versioned models: the version computed and why, the published table's version written, the
  // versions run in shadow and where their diff report is.
  std::string version;
  std::string version_reason;
  int64_t published_version = -1;
  bool degraded = false;                // a fallback was taken (flag unavailable, gate failed)
  std::vector<std::string> shadow_versions;
  std::string diff_report;              // path of the JSON diff report
  int64_t started_ms = 0;
  int64_t duration_ms = 0;
};

struct RunRecord {
  std::string run_id;
  std::string project;
  std::string environment;
  std::string command;       // "run", "backfill", "resume"
  std::string run_date;      // YYYY-MM-DD
  bool full_refresh = false;
  std::vector<std::string> selectors;
  std::string resumed_from;  // run id, for --resume
  RunStatus status = RunStatus::kRunning;
  int64_t started_ms = 0;
  int64_t finished_ms = 0;
  std::vector<ModelRun> models;  // in run order
  std::optional<FlagSnapshot> flags;  // the flags evaluated at the run's start (versioned models)
  bool shadow = false;                // silt run --shadow: shadowed models commit nothing
  // Degraded: the run went on past a problem that took a fallback (a flag provider failed, a
  // version failed its gate); each reason is listed.
  std::vector<std::string> degraded_reasons;

  int count(ModelStatus status) const;
  bool degraded() const { return !degraded_reasons.empty(); }
};

std::string run_record_to_json(const RunRecord& record);
Result<RunRecord> run_record_from_json(const std::string& text, const std::string& origin);

// Run records of one project storage root.
class RunStore {
 public:
  RunStore(storage::FileSystem& fs, std::string storage_root);

  Status save(const RunRecord& record);
  Result<RunRecord> load(const std::string& run_id);
  // Newest first; at most `limit` (0: all). Unreadable records are skipped with a warning.
  Result<std::vector<RunRecord>> list(size_t limit = 0);
  std::string directory() const { return directory_; }

 private:
  storage::FileSystem& fs_;
  std::string directory_;
};

// "20251103T101500123Z-3f2a": sortable by start time (milliseconds), unique enough across processes.
std::string new_run_id(int64_t now_ms);

}  // namespace silt::pipeline
