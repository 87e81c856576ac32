// ModelExecutor: inputs, variables, binding, the order of a model's steps (see model_executor.h).
#include "pipeline/run/model_executor.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "pipeline/catalog/catalog_views.h"
#include "pipeline/run/ingest_log.h"
#include "pipeline/run/publish.h"
#include "pipeline/run/runner.h"
#include "pipeline/run/table_increments.h"

namespace silt::pipeline {

using json = nlohmann::json;

// A DuckDB message without trailing white space.
std::string short_message(const std::string& message) {
  std::string out = message;
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

// "models/x.sql:12: Binder Error: ..." when DuckDB names a line of the model's statement.
std::string model_sql_error(const Model& model, const Error& error) {
  if (error.sql_line() > 0) return fmt::format("{}:{}: {}", model.file, error.sql_line(), short_message(error.message()));
  return fmt::format("{}: {}", model.file, short_message(error.message()));
}

// The model's statement without a trailing ';' (it is embedded in larger statements).
std::string model_body(const std::string& sql) {
  std::string body = sql;
  while (true) {
    while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back()))) body.pop_back();
    if (!body.empty() && body.back() == ';') {
      body.pop_back();
      continue;
    }
    break;
  }
  return body;
}

std::string keys_condition(const std::vector<std::string>& keys, const std::string& left, const std::string& right) {
  std::vector<std::string> parts;
  for (const auto& key : keys) {
    parts.push_back(left + "." + sql_identifier(key) + " = " + right + "." + sql_identifier(key));
  }
  return join(parts, " AND ");
}

Window model_window(const Model& model, const std::string& run_date, bool incremental) {
  if (!incremental) return {kFirstWindowDay, run_date};
  int64_t days = *parse_date_days(run_date);
  return {format_date_days(days - model.config.lookback_days), run_date};
}

Result<std::vector<SourceFile>> ModelExecutor::list_source(const SourceConfig& source) {
  SILT_TRY_ASSIGN(auto files, list_source_files(session_, *context_.fs, source));
  if (files.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("source '{}': no file matches '{}' (check the path in silt.yaml, or land the files "
                                  "first)",
                                  source.name, source.path));
  }
  return files;
}

Result<const SourceConfig*> ModelExecutor::find_source(const std::string& name) const {
  for (const auto& candidate : context_.project->config.sources) {
    if (candidate.name == name) return &candidate;
  }
  return make_error(ErrorCode::kInternal, "unknown source " + name);
}

Status ModelExecutor::register_source_view(const SourceConfig& source, const std::vector<SourceFile>& files,
                                           bool empty) {
  SILT_TRY_ASSIGN(auto view_sql,
                  source_files_select_sql(session_, *context_.fs, source, files,
                                          ", TIMESTAMP " + sql_string(context_.run_timestamp) + " AS _ingested_at",
                                          empty));
  return session_.connection().execute_script(
      fmt::format("CREATE SCHEMA IF NOT EXISTS source; CREATE OR REPLACE VIEW source.{} AS {}",
                  sql_identifier(source.name), view_sql));
}

Result<ModelExecutor::InputTables> ModelExecutor::load_inputs(const Model& model,
                                                              const std::shared_ptr<const delta::Snapshot>& target) {
  InputTables inputs;
  for (const auto& name : model.depends_on) {
    const Model* upstream = context_.project->find(name);
    if (!upstream) return make_error(ErrorCode::kInternal, "unknown model " + name);
    std::string root = read_location(*upstream);
    auto snapshot = ops_.load(root);
    if (!snapshot) {
      if (snapshot.error().code() == ErrorCode::kNotFound) {
        return make_error(ErrorCode::kNotFound,
                          fmt::format("{}: reads {}, which has not been built yet (run `silt run --select +{}`)",
                                      model.file, upstream->qualified_name(), model.name));
      }
      return std::move(snapshot).error().with_context(fmt::format("{}: reading {}", model.file, upstream->qualified_name()));
    }
    inputs.snapshots[name] = *snapshot;
  }
  if (model.config.materialized != Materialization::kAppend || !target || context_.full_refresh ||
      inputs.snapshots.empty()) {
    return inputs;
  }
  // An append model appends what its inputs gained: never what it appended before.
  SILT_TRY_ASSIGN(auto recorded, recorded_inputs(*context_.fs, *target, model.name));
  if (!recorded) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: no commit of {} records which versions of its inputs it read, so an append "
                                  "would repeat rows: rebuild it once with `silt run --full-refresh --select {}`",
                                  model.file, model.qualified_name(), model.name));
  }
  inputs.reading_increments = true;
  for (const auto& [name, snapshot] : inputs.snapshots) {
    const Model* upstream = context_.project->find(name);
    auto since = recorded->find(upstream->qualified_name());
    if (since == recorded->end()) {
      // An input the model did not read before (its SQL changed): all of it is new to the model.
      std::vector<size_t> all(snapshot->files().size());
      for (size_t i = 0; i < all.size(); ++i) all[i] = i;
      inputs.new_files += static_cast<int64_t>(all.size());
      inputs.increments[name] = std::move(all);
      continue;
    }
    SILT_TRY_ASSIGN(auto increment, table_increment(*context_.fs, *snapshot, since->second));
    if (!increment.rewrite.empty()) {
      std::string reason = fmt::format("{} {} after version {}, which {} read last", upstream->qualified_name(),
                                       increment.rewrite, since->second, model.name);
      if (!model.config.rebuild_on_input_rewrite) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{}: an append model reads only the rows its inputs gain, and {}: rebuild it "
                                      "with `silt run --full-refresh --select {}`, or set `on_input_rewrite: "
                                      "full_refresh` to rebuild whenever that happens",
                                      model.file, reason, model.name));
      }
      inputs.rebuild = true;
      inputs.rebuild_reason = reason;
      inputs.increments.clear();
      inputs.reading_increments = false;
      return inputs;
    }
    inputs.new_files += static_cast<int64_t>(increment.files.size());
    inputs.increments[name] = std::move(increment.files);
  }
  return inputs;
}

Status ModelExecutor::register_inputs(const Model& model, const InputTables& inputs, ModelRun& out) {
  auto& connection = session_.connection();
  for (const auto& [name, snapshot] : inputs.snapshots) {
    const Model* upstream = context_.project->find(name);
    engine::ScanOptions options;
    if (auto it = inputs.increments.find(name); it != inputs.increments.end()) options.file_indices = it->second;
    SILT_TRY_ASSIGN(auto scan, session_.scan_sql(*snapshot, options));
    SILT_TRY(register_model_table(connection, *upstream, scan));
    // An unqualified reference to the table's name (unambiguous, as the loader checked) reads it too.
    for (const auto& reference : model.references) {
      if (reference.schema.empty() && to_lower(reference.name) == to_lower(upstream->table) &&
          to_lower(reference.name) != to_lower(upstream->name)) {
        SILT_TRY(connection.execute(fmt::format("CREATE OR REPLACE VIEW main.{} AS SELECT * FROM {}.{}",
                                                sql_identifier(reference.name), sql_identifier(upstream->schema),
                                                sql_identifier(upstream->table))));
      }
    }
    out.inputs[upstream->qualified_name()] = snapshot->version();
  }
  if (!model.catalog_tables.empty()) {
    Catalog catalog(*context_.fs, context_.project->config.storage_root);
    Status registered = register_catalog_tables(session_, *context_.fs, catalog, model.catalog_tables);
    if (!registered.ok()) return Error(registered.code(), model.file + ": " + registered.message());
  }
  return Status();
}

Status ModelExecutor::set_variables(const Model& model, bool incremental, const Window& window) {
  std::string sql = fmt::format(
      "SET VARIABLE run_date = DATE {}; SET VARIABLE window_start = DATE {}; SET VARIABLE window_end = DATE {}; "
      "SET VARIABLE is_incremental = {}; SET VARIABLE run_id = {}; SET VARIABLE run_timestamp = TIMESTAMP {};",
      sql_string(context_.run_date), sql_string(window.start), sql_string(window.end), incremental ? "true" : "false",
      sql_string(context_.run_id), sql_string(context_.run_timestamp));
  for (const auto& [name, value] : context_.project->config.vars) {
    sql += fmt::format(" SET VARIABLE {} = {};", sql_identifier(name), sql_string(value));
  }
  (void)model;
  return session_.connection().execute_script(sql);
}

std::map<std::string, std::string> ModelExecutor::commit_info(const Model& model, const ModelRun& out) const {
  json inputs = json::object();
  for (const auto& [table, version] : out.inputs) inputs[table] = version;
  std::map<std::string, std::string> info = {{"siltRunId", json(context_.run_id).dump()},
                                             {"siltModel", json(model.name).dump()},
                                             {"siltRunDate", json(context_.run_date).dump()},
                                             {"siltInputs", inputs.dump()}};
  if (!out.version.empty()) info["siltVersion"] = json(out.version).dump();
  if (context_.flags && !context_.flags->empty()) info["siltFlags"] = flag_snapshot_to_json(*context_.flags);
  return info;
}

std::string ModelExecutor::read_location(const Model& upstream) const {
  auto chosen = context_.versions.find(upstream.name);
  return context_.project->read_location(upstream, chosen != context_.versions.end() ? chosen->second.version : "");
}

Status ModelExecutor::execute_versioned(const Model& model, ModelRun& out) {
  VersionChoice choice;
  if (auto found = context_.versions.find(model.name); found != context_.versions.end()) {
    choice = found->second;
  } else {
    choice.version = model.fallback_version();
    choice.fallback = true;
    choice.reason = fmt::format("flag {} was not evaluated: running version {}", model.config.version_flag, choice.version);
  }
  out.version = choice.version;
  out.version_reason = choice.reason;
  out.degraded = choice.fallback;
  // --shadow, or the flag serving "shadow": every version on the same input, nothing committed.
  if (context_.shadow.count(model.name) || choice.shadow) return execute_shadow(model, choice.version, out);
  const ModelVersion* version = model.find_version(choice.version);
  if (!version) return make_error(ErrorCode::kInternal, fmt::format("{}: no version '{}'", model.file, choice.version));
  Status status = execute(model.as_version(*version), out);
  const std::string& fallback = model.fallback_version();
  if (!status.ok() && status.code() == ErrorCode::kQualityFailed && model.config.fallback_on_gate &&
      choice.version != fallback) {
    // Guarded rollout: the version that failed its gate committed nothing; the fallback runs instead.
    input_ = "silt_model";
    quarantining_ = false;
    rebuild_ = false;
    quality_.reset();
    ModelRun retry;
    retry.model = out.model;
    retry.table = out.table;
    retry.materialized = out.materialized;
    retry.status = out.status;
    retry.started_ms = out.started_ms;
    retry.version = fallback;
    retry.degraded = true;
    retry.version_reason = fmt::format("{}; version {} failed its quality gate, so version {} ran instead "
                                       "(fallback_on_gate): {}",
                                       choice.reason, choice.version, fallback, short_message(status.message()));
    out = std::move(retry);
    status = execute(model.as_version(*model.find_version(fallback)), out);
  }
  SILT_TRY(status);
  if (model.config.published) SILT_TRY(publish(model, out.version, out));
  return Status();
}

Status ModelExecutor::publish(const Model& model, const std::string& version, ModelRun& out) {
  auto published = publish_version(ops_, *context_.project, model, version, commit_info(model, out));
  if (!published) {
    if (published.error().code() == ErrorCode::kNotFound) return Status();  // the version has no table yet
    return std::move(published).error().with_context(fmt::format("{}: publishing version {}", model.file, version));
  }
  out.published_version = published->report.version;
  return Status();
}

Error ModelExecutor::schema_hint(const Model& model, Error error) const {
  // Table operations word some problems for the CLI's flags; say them in the model's terms.
  std::string message = short_message(error.message());
  const std::string& reason = error.reason();
  if (reason == "rows_outside_replace_where") {
    message = fmt::format("{} rows are outside the run's window {} .. {} of {}: an incremental model without "
                          "unique_key must return only rows of its window (filter on getvariable('window_start') "
                          "and getvariable('window_end'))",
                          error.detail("rows"), window_start_, window_end_, model.config.time_column);
  } else if (reason == "merge_input_lacks_columns") {
    message = fmt::format("the input has no column{} {}: a merge that updates replaces whole rows, so the input "
                          "must give every table column (the model must return every column of its table; select "
                          "NULL AS <column> for one it no longer fills)",
                          error.detail("plural"), error.detail("columns"));
  } else if (reason == "unknown_input_column") {
    message = fmt::format("column '{}' ({}) of the input is not in the table schema (table columns: {})",
                          error.detail("column"), error.detail("type"), error.detail("table_columns"));
    if (!model.config.allow_schema_evolution) {
      message += "; the model does not allow schema changes: set `on_schema_change: add_columns` to add new columns";
    }
  }
  return Error(error.code(), fmt::format("{}: {}", model.file, message));
}

Status ModelExecutor::execute(const Model& model, ModelRun& out) {
  if (model.versioned()) return execute_versioned(model, out);
  auto& connection = session_.connection();
  std::string root = context_.project->table_location(model);
  std::shared_ptr<const delta::Snapshot> target;
  if (auto loaded = ops_.load(root)) {
    target = *loaded;
  } else if (loaded.error().code() != ErrorCode::kNotFound) {
    return std::move(loaded).error().with_context(model.qualified_name());
  }
  out.version_before = target ? target->version() : -1;
  SILT_TRY_ASSIGN(auto inputs, load_inputs(model, target));
  if (inputs.rebuild) {
    out.message = "rebuilt: " + inputs.rebuild_reason;
    rebuild_ = true;
  }
  bool incremental = target && !context_.full_refresh && !inputs.rebuild;
  Window window = model_window(model, context_.run_date, incremental);
  window_start_ = window.start;
  window_end_ = window.end;
  if (model.config.materialized == Materialization::kIncremental) {
    out.window_start = window.start;
    out.window_end = window.end;
  }

  SILT_TRY(register_inputs(model, inputs, out));
  if (inputs.reading_increments && inputs.new_files == 0 && model.sources.empty()) {
    out.action = "append";
    out.message = "no new rows in its input tables";
    return Status();
  }

  // Sources: append models read only the files they have not ingested yet.
  bool ingesting = model.config.materialized == Materialization::kAppend && !model.sources.empty();
  std::optional<int64_t> recorded;
  if (target) recorded = target->app_version(IngestLog::kAppId);
  std::set<SourceFile> known;
  if (ingesting && incremental) {
    SILT_TRY_ASSIGN(known, IngestLog(*context_.fs, root).load(recorded));
  }
  std::vector<SourceFile> ingest_files;
  for (const auto& name : model.sources) {
    SILT_TRY_ASSIGN(const SourceConfig* source, find_source(name));
    auto files = list_source(*source);
    if (!files) return std::move(files).error().with_context(model.file);
    std::vector<SourceFile> read = *files;
    if (ingesting) {
      read.clear();
      for (const auto& file : *files) {
        if (!known.count(file)) read.push_back(file);
      }
      ingest_files.insert(ingest_files.end(), read.begin(), read.end());
    }
    bool empty = read.empty();
    SILT_TRY(register_source_view(*source, empty ? *files : read, empty));
  }
  out.files_ingested = static_cast<int64_t>(ingest_files.size());
  if (ingesting && ingest_files.empty()) {
    out.action = "append";
    out.message = "no new source files";
    return Status();
  }

  SILT_TRY(set_variables(model, incremental, window));
  // Bound once on its own, so DuckDB's LINE numbers are the model file's (the prefix is on line 1).
  Status bound = connection.execute("CREATE OR REPLACE TEMP VIEW silt_model AS " + model_body(model.sql));
  if (!bound.ok()) return Error(bound.code(), model_sql_error(model, bound.error()));

  if (!model.config.quality.empty()) SILT_TRY(run_quality(model, target, out));
  Status materialized = materialize(model, target, window, ingesting, ingest_files,
                                    ingesting && !incremental, recorded, out);
  // The staged rows are not needed past the commit: free their memory for the session's next model.
  if (input_ != "silt_model") {
    (void)connection.execute_script("DROP VIEW IF EXISTS silt_good; DROP VIEW IF EXISTS silt_quarantined; "
                             "DROP TABLE IF EXISTS silt_annotated; DROP TABLE IF EXISTS silt_staged");
  }
  SILT_TRY(materialized);
  if (quality_) {
    out.rows_in = quality_->rows_checked;
    quality_->table_version = out.version_written;
    SILT_TRY(QualityStore(*context_.fs, context_.project->config.storage_root).save(*quality_).status());
  }
  return Status();
}

}  // namespace silt::pipeline
