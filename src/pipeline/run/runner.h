// Runs a project's models as a DAG: each model's SELECT is evaluated in DuckDB over the current
// versions of the tables it reads and becomes exactly one commit to its Delta table, as its
// materialization says (table, append with exactly-once file ingestion, merge, incremental with
// lookback, snapshot/SCD2). Independent models run in parallel; a failure skips the model's
// descendants while the others go on. Every run is recorded (RunStore).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/flags/flag_provider.h"
#include "pipeline/model/model.h"
#include "pipeline/run/run_record.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct RunOptions {
  std::string run_date;                 // YYYY-MM-DD; "" = today (UTC)
  std::vector<std::string> selectors;   // see select_models; empty = every enabled model
  bool full_refresh = false;            // rebuild tables from scratch (append: re-ingest every file)
  int threads = 1;                      // models run at once
  std::string command = "run";          // recorded: run | backfill | resume
  std::string resume_run_id;            // re-run the failed and skipped models of this run
  // Runs holding the same lock never overlap (RunLock); runs of disjoint selections may use
  // different names to run at once.
  std::string lock = "project";
  // Versioned models: where their flags are evaluated (nullptr: the project's flag files), the job
  // context's --context NAME=VALUE pairs, a run whose recorded flags this run reuses instead, and
  // the models run in shadow (every version on the same input, nothing committed, a diff report).
  FlagProvider* flag_provider = nullptr;
  std::vector<std::string> context;
  std::string flags_from;
  std::vector<std::string> shadow;
};

// What a run would do for one model, and why.
struct ModelPlan {
  std::string model;
  std::string table;
  std::string materialized;
  std::vector<std::string> depends_on;
  bool table_exists = false;
  int64_t table_version = -1;
  std::string action;  // create | replace | append | merge | replace window | merge window | snapshot
  std::string reason;
  std::string window_start, window_end;  // incremental models
  int64_t new_files = -1;                // append models over sources: files not yet ingested
  int64_t known_files = -1;
};

// Called from worker threads (never concurrently: the runner serialises the calls).
struct RunObserver {
  virtual ~RunObserver() = default;
  virtual void model_started(const ModelRun& model, int index, int total) = 0;
  virtual void model_finished(const ModelRun& model, int index, int total) = 0;
};

class Runner {
 public:
  Runner(const Project& project, storage::FileSystem& fs);

  // The selected models in run order with the action each would take. Reads table logs only.
  Result<std::vector<ModelPlan>> plan(const RunOptions& options);
  // Runs the selected models. Fails only when the run cannot start (bad selection, bad date, no
  // run to resume); model failures are in the returned record (status "failed").
  Result<RunRecord> run(const RunOptions& options, RunObserver* observer = nullptr);
  // Completes linked commits (a model's rows and its quarantined rows) that a crashed run left
  // half made; returns how many records were completed. `run` does this first too.
  Result<int> recover();

  // Stops a run in progress (callable from any thread, a signal watcher included): no model starts
  // any more, running queries are interrupted (their models fail, committing nothing), the others
  // are skipped, and the record's status is "cancelled". A commit already under way completes.
  void cancel();
  bool cancelled() const { return cancelled_; }

 private:
  void watch(engine::duckdb::Connection* connection);
  void unwatch(engine::duckdb::Connection* connection);

  const Project& project_;
  storage::FileSystem& fs_;
  std::atomic<bool> cancelled_{false};
  std::mutex active_mutex_;
  std::set<engine::duckdb::Connection*> active_;  // connections running a model now
};

// The engine settings of a project (silt.yaml's engine:) as session options; unset values take the
// engine's defaults (one thread per core, 75% of memory).
engine::SessionOptions engine_session_options(const EngineSettings& engine);

// "2025-11-03" -> days since epoch; nullopt for anything else (including impossible dates).
std::optional<int64_t> parse_date_days(const std::string& text);
std::string format_date_days(int64_t days);

}  // namespace silt::pipeline
