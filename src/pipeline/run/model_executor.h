// Executing one model of a run: its inputs registered as views, its SELECT bound and staged, the
// quality gate (quality_gate.cpp), and exactly one commit to its table as its materialization says
// (materialize.cpp; SCD2 SQL in scd2_sql.cpp). Internal to src/pipeline/run: runner.cpp schedules
// the models and gives each worker its own executor and session.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "pipeline/model/model.h"
#include "pipeline/quality/quality_store.h"
#include "pipeline/run/flag_snapshot.h"
#include "pipeline/run/project_views.h"
#include "pipeline/run/run_record.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// The first day of a full build's window.
inline constexpr const char* kFirstWindowDay = "1970-01-01";

// A DuckDB message without trailing white space.
std::string short_message(const std::string& message);
// "models/x.sql:12: Binder Error: ..." when DuckDB names a line of the model's statement.
std::string model_sql_error(const Model& model, const Error& error);
// The model's statement without a trailing ';' (it is embedded in larger statements).
std::string model_body(const std::string& sql);
// "l.k1 = r.k1 AND l.k2 = r.k2" (NULL keys never match).
std::string keys_condition(const std::vector<std::string>& keys, const std::string& left, const std::string& right);

struct RunContext {
  const Project* project = nullptr;
  storage::FileSystem* fs = nullptr;
  std::string run_id;
  std::string run_date;
  std::string run_timestamp;  // "YYYY-MM-DD HH:MM:SS.fff", the run's start (UTC)
  bool full_refresh = false;
  const FlagSnapshot* flags = nullptr;            // the run's flags (versioned models)
  std::map<std::string, VersionChoice> versions;  // by model name: the version each computes
  std::set<std::string> shadow;                   // models run in shadow
  std::string diff_directory;                     // where shadow diff reports go
};

struct Window {
  std::string start, end;
};

// The window an incremental model recomputes: kFirstWindowDay .. run_date on a full build,
// run_date - lookback .. run_date otherwise.
Window model_window(const Model& model, const std::string& run_date, bool incremental);

class ModelExecutor {
 public:
  ModelExecutor(const RunContext& context, engine::Session& session)
      : context_(context), session_(session), ops_(session, *context.fs) {}

  // Runs one model into `out`; an error is the model's failure (already naming the model's file).
  // A versioned model runs its chosen version into that version's table and then publishes it.
  Status execute(const Model& model, ModelRun& out);

 private:
  Status execute_versioned(const Model& model, ModelRun& out);
  // Every version on the same inputs into temporary tables, compared by key: nothing is committed
  // (model_shadow.cpp).
  Status execute_shadow(const Model& model, const std::string& baseline, ModelRun& out);
  // Points the published table at the version's current files (TableOps::publish).
  Status publish(const Model& model, const std::string& version, ModelRun& out);
  // Where a model's dependents read it: the published table, or for an unpublished versioned model
  // the version this run computes.
  std::string read_location(const Model& upstream) const;
  Result<std::vector<SourceFile>> list_source(const SourceConfig& source);
  // The source silt.yaml names `name`.
  Result<const SourceConfig*> find_source(const std::string& name) const;
  // The view source.<name> over `files` (with `empty`, their columns and no rows).
  Status register_source_view(const SourceConfig& source, const std::vector<SourceFile>& files, bool empty);
  // The tables a model reads, loaded; for an append model after its first build, only the files
  // each input gained since the versions its last commit recorded (or a rebuild, when an input
  // rewrote rows and the model allows it).
  struct InputTables {
    std::map<std::string, std::shared_ptr<const delta::Snapshot>> snapshots;  // by model name
    std::map<std::string, std::vector<size_t>> increments;                    // by model name: files to read
    bool reading_increments = false;
    bool rebuild = false;
    std::string rebuild_reason;
    int64_t new_files = 0;
  };
  Result<InputTables> load_inputs(const Model& model, const std::shared_ptr<const delta::Snapshot>& target);
  Status register_inputs(const Model& model, const InputTables& inputs, ModelRun& out);
  Status set_variables(const Model& model, bool incremental, const Window& window);
  // Commits the rows as choose_action says (materialize.cpp).
  Status materialize(const Model& model, const std::shared_ptr<const delta::Snapshot>& target,
                     const Window& window, bool ingesting, const std::vector<SourceFile>& ingest_files,
                     bool ingest_reset, std::optional<int64_t> recorded, ModelRun& out);
  // Contract and checks on the model's rows, staged once; decides what is committed (gate,
  // quarantine, warn). Sets input_ to the rows to commit.
  Status run_quality(const Model& model, const std::shared_ptr<const delta::Snapshot>& target, ModelRun& out);
  // Commits the prepared model commit together with the quarantined rows (see PendingStore).
  Status commit_with_quarantine(const Model& model, const engine::PreparedCommit& main, ModelRun& out);
  std::map<std::string, std::string> commit_info(const Model& model, const ModelRun& out) const;
  Error schema_hint(const Model& model, Error error) const;

  const RunContext& context_;
  engine::Session& session_;
  engine::TableOps ops_;
  std::string window_start_, window_end_;  // of the model being run (for messages)
  std::string input_ = "silt_model";       // the relation materialized: the model, or its checked rows
  bool quarantining_ = false;              // rows failing checks go to <table>__quarantine
  bool rebuild_ = false;                   // an append model rebuilt because an input rewrote rows
  std::optional<QualityReport> quality_;   // the model's check results, stored after its commit
};

}  // namespace silt::pipeline
