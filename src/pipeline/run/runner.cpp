// The DAG of a run: models scheduled on workers as their inputs finish, run records, plans, recovery.
#include "pipeline/run/runner.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include <date/date.h>
#include <fmt/format.h>

#include "base/clock.h"
#include "base/memory_size.h"
#include "base/redaction.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "obs/logger.h"
#include "pipeline/catalog/catalog.h"
#include "pipeline/run/dag_scheduler.h"
#include "pipeline/run/flag_snapshot.h"
#include "pipeline/run/ingest_log.h"
#include "pipeline/run/model_action.h"
#include "pipeline/run/model_executor.h"
#include "pipeline/run/pending_commits.h"
#include "pipeline/run/project_views.h"
#include "pipeline/run/run_lock.h"

namespace silt::pipeline {
namespace {

// A table a run committed is in the catalog under its model's name. Failing to register it is a
// warning: the commit stands, and the next commit registers it again.
void register_in_catalog(const RunContext& context, engine::Session& session, const Model& model) {
  auto snapshot = delta::Snapshot::load(*context.fs, session.parquet_io(), context.project->read_location(model));
  Status status = snapshot ? Catalog(*context.fs, context.project->config.storage_root)
                                      .register_delta(model.name, **snapshot, "model " + model.name)
                                : Status(std::move(snapshot).error());
  if (!status.ok()) SILT_LOG_WARN("catalog: {} is not registered: {}", model.name, status.message());
}

}  // namespace

namespace {

std::string today_utc() { return format_timestamp_ms(now_ms()).substr(0, 10); }

// --- the DAG ----------------------------------------------------------------------------------

std::string run_timestamp_text(int64_t ms) { return format_timestamp_ms(ms); }

}  // namespace

engine::SessionOptions engine_session_options(const EngineSettings& engine) {
  engine::SessionOptions options;
  options.threads = engine.threads;
  // As silt reads sizes ("1.5GB", "512 MiB"), handed to DuckDB in a form it reads the same way.
  if (auto bytes = parse_memory_size(engine.memory_limit); !engine.memory_limit.empty() && bytes) {
    options.memory_limit = std::to_string(std::max<int64_t>(*bytes >> 20, 256)) + "MiB";
  }
  options.temp_directory = engine.temp_directory;
  return options;
}

std::optional<int64_t> parse_date_days(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto year = parse_int64(text.substr(0, 4));
  auto month = parse_int64(text.substr(5, 2));
  auto day = parse_int64(text.substr(8, 2));
  // Run dates are calendar dates of the Gregorian era silt's tables hold: 1900-01-01 .. 9999-12-31.
  if (!year || !month || !day || *year < 1900 || *year > 9999) return std::nullopt;
  date::year_month_day ymd{date::year(static_cast<int>(*year)), date::month(static_cast<unsigned>(*month)),
                           date::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days(ymd).time_since_epoch().count();
}

std::string format_date_days(int64_t days) {
  date::year_month_day ymd{date::sys_days(date::days(days))};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

Runner::Runner(const Project& project, storage::FileSystem& fs) : project_(project), fs_(fs) {}

namespace {

Result<int> recover_pending(const Project& project, storage::FileSystem& fs, const engine::SessionOptions& options) {
  PendingStore store(fs, project.config.storage_root);
  SILT_TRY_ASSIGN(auto pending, store.list());
  if (pending.empty()) return 0;
  SILT_TRY_ASSIGN(auto session, engine::Session::open(options));
  engine::TableOps ops(*session, fs);
  for (const auto& record : pending) {
    SILT_TRY_ASSIGN(auto versions, store.complete(ops, record));
    std::vector<std::string> made;
    for (size_t i = 0; i < versions.size(); ++i) {
      made.push_back(fmt::format("{} version {}", record.commits[i].root, versions[i]));
    }
    SILT_LOG_WARN("completed the linked commits of run {} for model '{}' left by a crash: {}", record.run_id,
                  record.model, join(made, ", "));
  }
  return static_cast<int>(pending.size());
}

}  // namespace

Result<int> Runner::recover() { return recover_pending(project_, fs_, engine_session_options(project_.config.engine)); }

namespace {

Result<std::string> resolve_run_date(const std::string& given) {
  if (given.empty()) return today_utc();
  if (!parse_date_days(given)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--date '{}' is not a date; expected YYYY-MM-DD, e.g. 2025-11-03", given));
  }
  return given;
}

}  // namespace

Result<std::vector<ModelPlan>> Runner::plan(const RunOptions& options) {
  SILT_TRY_ASSIGN(auto run_date, resolve_run_date(options.run_date));
  SILT_TRY_ASSIGN(auto selected, select_models(project_, options.selectors));
  engine::SessionOptions session_options = engine_session_options(project_.config.engine);
  session_options.threads = 1;
  SILT_TRY_ASSIGN(auto session, engine::Session::open(session_options));
  engine::TableOps ops(*session, fs_);
  std::vector<ModelPlan> plans;
  std::set<std::string> built_in_run;  // tables this run creates before later models read them
  for (const auto& model : project_.models) {
    if (!selected.count(model.name)) continue;
    ModelPlan plan;
    plan.model = model.name;
    plan.table = model.qualified_name();
    plan.materialized = materialization_name(model.config.materialized);
    plan.depends_on = model.depends_on;
    std::string root = project_.table_location(model);
    std::shared_ptr<const delta::Snapshot> target;
    if (auto loaded = ops.load(root)) target = *loaded;
    plan.table_exists = target != nullptr;
    plan.table_version = target ? target->version() : -1;
    bool incremental = target && !options.full_refresh;
    const auto& config = model.config;
    if (config.materialized == Materialization::kIncremental) {
      Window window = model_window(model, run_date, incremental);
      plan.window_start = window.start;
      plan.window_end = window.end;
    }
    const ModelAction action = choose_action(config, target != nullptr, options.full_refresh);
    plan.action = model_action_name(action);
    std::string rebuild_reason = !target ? "the table does not exist yet" : "--full-refresh";
    switch (action) {
      case ModelAction::kCreate:
      case ModelAction::kReplace:
        if (config.materialized == Materialization::kTable && target) {
          plan.reason = "a table model is rebuilt on every run";
        } else if (config.materialized == Materialization::kIncremental) {
          plan.reason = rebuild_reason + "; all dates up to " + run_date;
          if (target) plan.reason += " (rows of later dates are not rebuilt: run the latest date)";
        } else {
          plan.reason = rebuild_reason;
        }
        break;
      case ModelAction::kAppend: plan.reason = "rows of this run are appended"; break;
      case ModelAction::kMerge: plan.reason = "merge by " + join(config.unique_key, ", "); break;
      case ModelAction::kReplaceWindow:
      case ModelAction::kMergeWindow:
        plan.reason = fmt::format("dates {} .. {} (lookback {} day{}){}", plan.window_start, plan.window_end,
                                  config.lookback_days, config.lookback_days == 1 ? "" : "s",
                                  config.unique_key.empty() ? ", partitions of " + config.time_column + " replaced"
                                                            : ", merged by " + join(config.unique_key, ", "));
        break;
      case ModelAction::kSnapshot:
        plan.reason = "close changed rows and add new versions by " + join(config.unique_key, ", ");
        break;
    }
    if (config.materialized == Materialization::kAppend && !model.sources.empty()) {
      std::set<SourceFile> known;
      if (incremental) {
        auto loaded = IngestLog(fs_, root).load(target->app_version(IngestLog::kAppId));
        if (loaded) known = std::move(*loaded);
      }
      int64_t fresh = 0, total = 0;
      for (const auto& name : model.sources) {
        for (const auto& source : project_.config.sources) {
          if (source.name != name) continue;
          auto listed = list_source_files(*session, fs_, source);
          if (!listed) continue;
          for (const auto& file : *listed) {
            ++total;
            if (!known.count(file)) ++fresh;
          }
        }
      }
      plan.new_files = fresh;
      plan.known_files = total - fresh;
      if (incremental) {
        plan.reason = fresh ? fmt::format("{} new source file{} ({} already ingested)", fresh, fresh == 1 ? "" : "s",
                                          total - fresh)
                            : fmt::format("no new source files ({} already ingested): nothing to do", total);
      }
    }
    for (const auto& dependency : model.depends_on) {
      const Model* upstream = project_.find(dependency);
      if (!upstream || built_in_run.count(upstream->name)) continue;
      if (!selected.count(dependency) && !ops.load(project_.table_location(*upstream))) {
        plan.reason += fmt::format("; WARNING: reads {}, which does not exist and is not selected",
                                   upstream->qualified_name());
      }
    }
    built_in_run.insert(model.name);
    plans.push_back(std::move(plan));
  }
  return plans;
}

Result<RunRecord> Runner::run(const RunOptions& options, RunObserver* observer) {
  RunRecord record;
  record.started_ms = now_ms();
  record.run_id = new_run_id(record.started_ms);
  record.project = project_.config.name;
  record.environment = project_.config.environment;
  record.command = options.command;
  record.selectors = options.selectors;
  record.full_refresh = options.full_refresh;
  RunStore store(fs_, project_.config.storage_root);
  if (options.lock.empty() || options.lock.find_first_not_of(
                                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("lock name '{}' must be letters, digits, '_' and '-'", options.lock));
  }
  SILT_TRY_ASSIGN(auto lock, RunLock::acquire(fs_, project_.config.storage_root, options.lock, record.run_id));

  std::set<std::string> selected;
  if (!options.resume_run_id.empty()) {
    SILT_TRY_ASSIGN(auto previous, store.load(options.resume_run_id));
    record.resumed_from = previous.run_id;
    record.command = "resume";
    record.run_date = previous.run_date;
    record.full_refresh = previous.full_refresh;
    record.selectors = previous.selectors;
    for (const auto& model : previous.models) {
      if (model.status == ModelStatus::kSuccess) continue;
      if (!project_.find(model.model)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("run {} ran model '{}', which the project no longer has", previous.run_id,
                                      model.model));
      }
      selected.insert(model.model);
    }
    if (selected.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("nothing to resume: every model of run {} succeeded", previous.run_id));
    }
  } else {
    SILT_TRY_ASSIGN(record.run_date, resolve_run_date(options.run_date));
    // A shadow run without a selection runs the shadowed models only.
    SILT_TRY_ASSIGN(selected, select_models(project_, options.selectors.empty() ? options.shadow : options.selectors));
  }
  std::set<std::string> shadow;
  for (const auto& name : options.shadow) {
    const Model* model = project_.find(name);
    if (!model) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("--shadow {}: no such model", name));
    }
    if (!model->versioned()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--shadow {}: model '{}' has no versions (give a model with 'versions')", name,
                                    model->name));
    }
    selected.insert(model->name);
    shadow.insert(model->name);
  }
  record.shadow = !shadow.empty();

  RunContext context;
  context.project = &project_;
  context.fs = &fs_;
  context.run_id = record.run_id;
  context.run_date = record.run_date;
  context.run_timestamp = run_timestamp_text(record.started_ms);
  context.full_refresh = record.full_refresh;

  std::vector<const Model*> order;
  for (const auto& model : project_.models) {
    if (!selected.count(model.name)) continue;
    order.push_back(&model);
    ModelRun run;
    run.model = model.name;
    run.table = model.qualified_name();
    run.materialized = materialization_name(model.config.materialized);
    record.models.push_back(std::move(run));
  }
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < order.size(); ++i) index_of[order[i]->name] = i;
  context.shadow = shadow;
  context.diff_directory = store.directory();

  // The flags of the versioned models: evaluated once, before any model runs (or those of an
  // earlier run, replayed).
  if (std::vector<std::string> keys = version_flags(order); !keys.empty()) {
    FlagSnapshot flags;
    std::string replay = options.flags_from;
    if (replay.empty() && !record.resumed_from.empty()) replay = record.resumed_from;
    if (!replay.empty()) {
      SILT_TRY_ASSIGN(auto previous, store.load(replay));
      if (!previous.flags) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("--flags-from {}: that run recorded no flags (it ran no versioned model)", replay));
      }
      flags = *previous.flags;
      flags.replayed_from = previous.run_id;
      flags.warnings.clear();
      for (const auto& key : keys) {
        if (flags.find(key)) continue;
        FlagRecord missing;
        missing.key = key;
        missing.reason = missing.openfeature_reason = "ERROR";
        missing.error_kind = "FLAG_NOT_FOUND";
        missing.error = fmt::format("run {} did not evaluate flag '{}'", previous.run_id, key);
        flags.flags.push_back(std::move(missing));
      }
    } else {
      SILT_TRY_ASSIGN(auto job, job_context(options.context, project_.config.name));
      FileFlagProvider files(fs_, project_.config.project_dir);
      FlagProvider& provider = options.flag_provider != nullptr ? *options.flag_provider : files;
      flags = take_flag_snapshot(provider, keys, job);
    }
    report_flag_snapshot(flags, record.run_id);
    record.degraded_reasons = flags.warnings;
    record.flags = std::move(flags);
    for (const Model* model : order) {
      if (model->versioned()) context.versions[model->name] = choose_version(*model, *record.flags);
    }
  }
  context.flags = record.flags ? &*record.flags : nullptr;

  // Linked commits a crashed run left half made are completed before anything else runs.
  SILT_TRY(recover_pending(project_, fs_, engine_session_options(project_.config.engine)).status());

  const int total = static_cast<int>(order.size());
  int started = 0, finished = 0;
  auto save = [&]() {
    Status saved = store.save(record);
    if (!saved.ok()) SILT_LOG_WARN("cannot save the run record: {}", saved.message());
  };
  save();

  std::vector<std::vector<size_t>> dependencies(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    for (const auto& dependency : order[i]->depends_on) {
      if (auto it = index_of.find(dependency); it != index_of.end()) dependencies[i].push_back(it->second);
    }
  }

  // One database for the run: parallel models share its threads and memory rather than divide them.
  SILT_TRY_ASSIGN(auto database_session, engine::Session::open(engine_session_options(project_.config.engine)));
  const int workers = std::max(1, std::min(options.threads, total));
  std::vector<std::unique_ptr<engine::Session>> sessions(static_cast<size_t>(workers));  // by worker, opened lazily
  std::mutex open_mutex;                                                                  // guards database_session
  std::vector<ModelRun> results = record.models;                                         // written by the workers

  DagCallbacks callbacks;
  callbacks.started = [&](size_t i) {
    ModelRun& shared = record.models[i];
    shared.status = ModelStatus::kRunning;
    shared.started_ms = now_ms();
    results[i] = shared;
    ++started;
    if (observer) observer->model_started(shared, started, total);
  };
  callbacks.run = [&](size_t i, int worker) {
    ModelRun& run = results[i];
    std::unique_ptr<engine::Session>& session = sessions[static_cast<size_t>(worker)];
    int64_t begin = monotonic_ns();
    Status status;
    if (!session) {
      std::lock_guard<std::mutex> opening(open_mutex);
      auto opened = database_session->open_sibling();
      if (opened) session = std::move(*opened);
      else status = std::move(opened).error();
    }
    if (status.ok()) {
      watch(&session->connection());
      ModelExecutor executor(context, *session);
      status = cancelled_ ? Status(make_error(ErrorCode::kCancelled, "cancelled")) : executor.execute(*order[i], run);
      unwatch(&session->connection());
      if (!status.ok() && cancelled_) {
        status = make_error(ErrorCode::kCancelled,
                            fmt::format("{}: cancelled (the run was stopped while this model ran)", order[i]->file));
      }
    }
    run.duration_ms = (monotonic_ns() - begin) / 1000000;
    if (status.ok()) {
      run.status = ModelStatus::kSuccess;
      if (run.version_written >= 0 || run.published_version >= 0) register_in_catalog(context, *session, *order[i]);
      return true;
    }
    run.status = ModelStatus::kFailed;
    run.error = redact(status.message());
    session.reset();  // a session may be left mid-statement: the worker's next model gets a fresh one
    return false;
  };
  callbacks.finished = [&](size_t i, TaskOutcome outcome, size_t cause) {
    ModelRun& shared = record.models[i];
    if (outcome == TaskOutcome::kSkipped) {
      shared.status = ModelStatus::kSkipped;
      shared.message = cause != kNoCause ? fmt::format("upstream model '{}' failed", order[cause]->name)
                       : cancelled_  ? "the run was cancelled"
                                     : "its dependencies could not run";
    } else {
      shared = results[i];
    }
    ++finished;
    if (observer) observer->model_finished(shared, finished, total);
    if (outcome != TaskOutcome::kSkipped) save();
  };
  run_dag(dependencies, workers, callbacks, &cancelled_);
  for (const auto& model : record.models) {
    if (model.degraded) record.degraded_reasons.push_back(model.model + ": " + model.version_reason);
  }

  record.finished_ms = now_ms();
  record.status = cancelled_                                                             ? RunStatus::kCancelled
                  : record.count(ModelStatus::kFailed) || record.count(ModelStatus::kSkipped) ? RunStatus::kFailed
                                                                                              : RunStatus::kSuccess;
  save();
  return record;
}

void Runner::cancel() {
  cancelled_ = true;
  std::lock_guard<std::mutex> lock(active_mutex_);
  for (auto* connection : active_) connection->interrupt();
}

void Runner::watch(engine::duckdb::Connection* connection) {
  std::lock_guard<std::mutex> lock(active_mutex_);
  active_.insert(connection);
  if (cancelled_) connection->interrupt();
}

void Runner::unwatch(engine::duckdb::Connection* connection) {
  std::lock_guard<std::mutex> lock(active_mutex_);
  active_.erase(connection);
}

}  // namespace silt::pipeline
