// How a model's rows become its table's next version: one dispatch over its materialization.
#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/run/ingest_log.h"
#include "pipeline/run/model_action.h"
#include "pipeline/run/model_executor.h"
#include "pipeline/run/scd2_sql.h"

namespace silt::pipeline {

Status ModelExecutor::materialize(const Model& model, const std::shared_ptr<const delta::Snapshot>& target,
                                  const Window& window, bool ingesting,
                                  const std::vector<SourceFile>& ingest_files, bool ingest_reset,
                                  std::optional<int64_t> recorded, ModelRun& out) {
  const auto& config = model.config;
  std::string root = context_.project->table_location(model);
  engine::Source source;
  source.query = "SELECT * FROM " + input_;
  engine::WriteOptions write;
  write.partition_by = config.partition_by;
  write.commit_info = commit_info(model, out);
  // New columns are added to the table when the model allows it (on_schema_change: add_columns) or
  // its contract does (schema_evolution: additive).
  bool additive = config.allow_schema_evolution ||
                  (config.quality.contract && config.quality.contract->allow_additive_evolution);
  write.add_new_columns = additive;
  // Every write is based on the version the model's decisions were taken on (files already
  // ingested, current SCD2 rows): a commit that landed since then is checked as a conflict.
  write.read_snapshot = target;
  engine::MergeOptions merge;
  merge.read_snapshot = target;
  merge.keys = config.unique_key;
  merge.add_new_columns = additive;
  merge.commit_info = write.commit_info;
  // With quarantined rows, the model's commit is only prepared here and made together with the
  // quarantine's (commit_with_quarantine).
  write.prepare_only = quarantining_;
  merge.prepare_only = quarantining_;

  // A (re)build from scratch: the result defines the table's columns and partitioning.
  auto rebuild = [&](const std::string& action) {
    out.action = action;
    write.mode = engine::WriteMode::kOverwrite;
    write.overwrite_schema = true;
    // A table later merged by its key is built with that key holding: the first build must refuse
    // what every later merge would.
    if (config.materialized == Materialization::kMerge || config.materialized == Materialization::kIncremental) {
      write.unique_key = config.unique_key;
    }
    return ops_.write(root, source, write);
  };

  const ModelAction action = choose_action(config, target != nullptr, context_.full_refresh || rebuild_);
  if (config.materialized == Materialization::kAppend && ingesting) {
    // Exactly-once ingestion: the manifest first, then the commit recording its number.
    SILT_TRY_ASSIGN(auto number, IngestLog(*context_.fs, root).write_manifest(recorded, ingest_reset, ingest_files));
    write.app_id = IngestLog::kAppId;
    write.app_version = number;
  }
  if (config.materialized == Materialization::kSnapshot) {
    // Rows become versions: all current on a (re)build, else closed and new versions to merge.
    SILT_TRY(check_scd2_input(session_.connection(), model, input_));
    if (!is_rebuild(action)) SILT_TRY(session_.register_snapshot("silt_target", *target));
    SILT_TRY_ASSIGN(source.query,
                    scd2_changes_sql(session_.connection(), model, input_, context_.run_timestamp, is_rebuild(action)));
  }

  Result<engine::OperationReport> report = make_error(ErrorCode::kInternal, "no materialization");
  bool is_merge = false;
  out.action = model_action_name(action);
  switch (action) {
    case ModelAction::kCreate:
    case ModelAction::kReplace: report = rebuild(out.action); break;
    case ModelAction::kAppend:
      write.mode = engine::WriteMode::kAppend;
      report = ops_.write(root, source, write);
      break;
    case ModelAction::kMerge:
    case ModelAction::kMergeWindow:
      is_merge = true;
      report = ops_.merge(root, source, merge);
      break;
    case ModelAction::kReplaceWindow: {
      write.mode = engine::WriteMode::kOverwrite;
      std::string column = sql_identifier(config.time_column);
      write.replace_where = fmt::format("{0} >= DATE {1} AND {0} <= DATE {2}", column, sql_string(window.start),
                                        sql_string(window.end));
      report = ops_.write(root, source, write);
      break;
    }
    case ModelAction::kSnapshot:
      is_merge = true;
      merge.keys.push_back("valid_from");
      report = ops_.merge(root, source, merge);
      break;
  }
  if (!report) {
    if (report.error().code() == ErrorCode::kConflict) {
      return Error(ErrorCode::kConflict, fmt::format("{}: {}", model.file, report.error().message()));
    }
    return schema_hint(model, std::move(report).error());
  }
  out.rows_in = report->rows_source;
  out.rows_inserted = is_merge ? report->rows_inserted : report->rows_written;
  out.rows_updated = report->rows_updated;
  out.rows_deleted = report->rows_deleted;
  out.rows_out = is_merge ? report->rows_inserted + report->rows_updated : report->rows_written;
  out.files_added = report->files_added;
  out.files_removed = report->files_removed;
  out.version_written = report->skipped ? -1 : report->version;
  if (report->skipped) out.message = report->message;
  if (!report->columns_added.empty()) {
    out.message = "columns added: " + join(report->columns_added, ", ");
  }
  if (quarantining_) {
    SILT_TRY(commit_with_quarantine(model, report->prepared.value_or(engine::PreparedCommit{}), out));
    out.message = fmt::format("{} rows quarantined in {}__quarantine", out.rows_quarantined, model.qualified_name());
  }
  return Status();
}

}  // namespace silt::pipeline
