#include "pipeline/run/runner.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <date/date.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/memory_size.h"
#include "base/redaction.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "obs/logger.h"
#include "pipeline/quality/quality_store.h"
#include "pipeline/run/ingest_log.h"
#include "pipeline/run/pending_commits.h"
#include "pipeline/run/project_views.h"
#include "pipeline/run/run_lock.h"
#include "pipeline/run/table_increments.h"

namespace silt::pipeline {
namespace {

using json = nlohmann::json;

constexpr const char* kFirstWindowDay = "1970-01-01";
const char* const kScdColumns[] = {"valid_from", "valid_to", "is_current"};

// --- small helpers -----------------------------------------------------------------------------

std::string today_utc() { return format_timestamp_ms(now_ms()).substr(0, 10); }

// DuckDB's message without the "LINE n: <sql>" excerpt (it quotes our generated SQL), one paragraph.
std::string short_message(const std::string& message) {
  std::string out = message;
  auto line = out.find("\nLINE ");
  if (line != std::string::npos) out = out.substr(0, line);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

// "models/x.sql:12: Binder Error: ..." when DuckDB names a line of the model's statement.
std::string model_sql_error(const Model& model, const std::string& message) {
  auto pos = message.find("LINE ");
  if (pos != std::string::npos) {
    size_t end = pos + 5;
    while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    if (end > pos + 5) return fmt::format("{}:{}: {}", model.file, message.substr(pos + 5, end - pos - 5), short_message(message));
  }
  return fmt::format("{}: {}", model.file, short_message(message));
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

int64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : (int64_t{4} << 30);
}

// Resource settings of one of `workers` parallel sessions: the project's threads and memory
// divided among them, so parallel models never ask for more than one session would.
engine::SessionOptions worker_session_options(const EngineSettings& engine, int workers) {
  engine::SessionOptions options;
  int threads = engine.threads > 0 ? engine.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.threads = std::max(1, threads / workers);
  int64_t memory = physical_memory_bytes() * 3 / 4;
  if (!engine.memory_limit.empty()) memory = parse_memory_size(engine.memory_limit).value_or(memory);
  options.memory_limit = std::to_string(std::max<int64_t>(memory / workers / (1 << 20), 256)) + "MiB";
  options.temp_directory = engine.temp_directory;
  return options;
}

// --- one model --------------------------------------------------------------------------------

struct RunContext {
  const Project* project = nullptr;
  storage::FileSystem* fs = nullptr;
  std::string run_id;
  std::string run_date;
  std::string run_timestamp;  // "YYYY-MM-DD HH:MM:SS.fff", the run's start (UTC)
  bool full_refresh = false;
};

struct Window {
  std::string start, end;
};

Window model_window(const Model& model, const std::string& run_date, bool incremental) {
  if (!incremental) return {kFirstWindowDay, run_date};
  int64_t days = *parse_date_days(run_date);
  return {format_date_days(days - model.config.lookback_days), run_date};
}

class ModelExecutor {
 public:
  ModelExecutor(const RunContext& context, engine::Session& session)
      : context_(context), session_(session), ops_(session, *context.fs) {}

  // Runs one model into `out`; an error is the model's failure (already naming the model's file).
  Status execute(const Model& model, ModelRun& out);

 private:
  Result<std::vector<SourceFile>> list_source(const SourceConfig& source);
  std::string source_view_sql(const SourceConfig& source, const std::vector<SourceFile>& files, bool empty);
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
  Status materialize(const Model& model, const std::shared_ptr<const delta::Snapshot>& target, bool incremental,
                     const Window& window, bool ingesting, const std::vector<SourceFile>& ingest_files,
                     bool ingest_reset, std::optional<int64_t> recorded, ModelRun& out);
  Result<std::string> snapshot_changes_sql(const Model& model, bool initial);
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

Result<std::vector<SourceFile>> ModelExecutor::list_source(const SourceConfig& source) {
  SILT_TRY_ASSIGN(auto files, list_source_files(session_.connection(), *context_.fs, source));
  if (files.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("source '{}': no file matches '{}' (check the path in silt.yaml, or land the files "
                                  "first)",
                                  source.name, source.path));
  }
  return files;
}

std::string ModelExecutor::source_view_sql(const SourceConfig& source, const std::vector<SourceFile>& files, bool empty) {
  std::vector<std::string> paths;
  for (const auto& file : files) paths.push_back(sql_string(file.path));
  return source_select_sql(source, "[" + join(paths, ", ") + "]",
                           ", TIMESTAMP " + sql_string(context_.run_timestamp) + " AS _ingested_at") +
         (empty ? " LIMIT 0" : "");
}

Result<ModelExecutor::InputTables> ModelExecutor::load_inputs(const Model& model,
                                                              const std::shared_ptr<const delta::Snapshot>& target) {
  InputTables inputs;
  for (const auto& name : model.depends_on) {
    const Model* upstream = context_.project->find(name);
    if (!upstream) return make_error(ErrorCode::kInternal, "unknown model " + name);
    std::string root = context_.project->table_location(*upstream);
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
  return {{"siltRunId", json(context_.run_id).dump()},
          {"siltModel", json(model.name).dump()},
          {"siltRunDate", json(context_.run_date).dump()},
          {"siltInputs", inputs.dump()}};
}

Error ModelExecutor::schema_hint(const Model& model, Error error) const {
  std::string message = short_message(error.message());
  // Table operations phrase some problems for the CLI's flags; say them in the model's terms.
  if (auto at = message.find(" do not satisfy --replace-where"); at != std::string::npos) {
    message = fmt::format("{} rows are outside the run's window {} .. {} of {}: an incremental model without "
                          "unique_key must return only rows of its window (filter on getvariable('window_start') "
                          "and getvariable('window_end'))",
                          message.substr(0, message.find(' ')), window_start_, window_end_, model.config.time_column);
  }
  if (auto at = message.find(" (select NULL AS <column> to clear one, or merge with --no-update)");
      at != std::string::npos) {
    message = message.substr(0, at) + " (the model must return every column of its table; select NULL AS <column> "
                                      "for one it no longer fills)";
  }
  if (auto at = message.find("; schema mode 'merge' adds new columns"); at != std::string::npos) {
    message.erase(at, std::string("; schema mode 'merge' adds new columns").size());
  }
  if (!model.config.allow_schema_evolution && message.find("is not in the table schema") != std::string::npos) {
    message += "; the model does not allow schema changes: set `on_schema_change: add_columns` to add new columns";
  }
  return Error(error.code(), fmt::format("{}: {}", model.file, message));
}

Result<std::string> ModelExecutor::snapshot_changes_sql(const Model& model, bool initial) {
  const auto& config = model.config;
  bool by_time = config.strategy == SnapshotStrategy::kTimestamp;
  std::string run_ts = "TIMESTAMP " + sql_string(context_.run_timestamp);
  auto valid_from = [&](const std::string& alias) {
    return by_time ? "CAST(" + alias + "." + sql_identifier(config.updated_at) + " AS TIMESTAMP)" : run_ts;
  };
  std::string key_list;
  for (const auto& key : config.unique_key) key_list += (key_list.empty() ? "" : ", ") + sql_identifier(key);
  // One row per key: which version of a key is "current" would otherwise be arbitrary.
  SILT_TRY_ASSIGN(auto duplicate,
                  session_.connection().query_varchar("SELECT CAST(count(*) AS VARCHAR), CAST(" +
                                                      (config.unique_key.size() == 1 ? key_list
                                                                                     : "(" + key_list + ")") +
                                                      " AS VARCHAR) FROM " + input_ + " GROUP BY " + key_list +
                                                      " HAVING count(*) > 1 LIMIT 1"));
  if (!duplicate.rows.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: key {} = {} appears in {} rows; a snapshot model must return one row per key",
                                  model.file, join(config.unique_key, ", "), duplicate.rows[0][1].value_or("NULL"),
                                  duplicate.rows[0][0].value_or("?")));
  }
  if (initial) {
    return "SELECT silt_src.*, " + valid_from("silt_src") +
           " AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM " + input_ + " AS silt_src";
  }
  std::string on = keys_condition(config.unique_key, "silt_src", "silt_cur");
  std::string changed;
  if (by_time) {
    changed = "silt_src." + sql_identifier(config.updated_at) + " > silt_cur." + sql_identifier(config.updated_at);
  } else {
    std::vector<std::string> parts;
    for (const auto& column : config.check_columns) {
      parts.push_back("silt_src." + sql_identifier(column) + " IS DISTINCT FROM silt_cur." + sql_identifier(column));
    }
    changed = "(" + join(parts, " OR ") + ")";
  }
  // Rows to merge on (key, valid_from): current rows that close (updated in place) and new current
  // rows (inserted).
  std::string sql =
      "WITH silt_cur AS (SELECT * FROM silt_target WHERE is_current), "
      "silt_changed AS (SELECT silt_src.*, " + valid_from("silt_src") + " AS silt_close_at FROM " + input_ + " AS silt_src "
      "JOIN silt_cur ON " + on + " WHERE " + changed + "), "
      "silt_new AS (SELECT silt_src.* FROM " + input_ + " AS silt_src ANTI JOIN silt_cur ON " + on + ") "
      "SELECT silt_cur.* REPLACE (silt_changed.silt_close_at AS valid_to, false AS is_current) FROM silt_cur JOIN "
      "silt_changed ON " + keys_condition(config.unique_key, "silt_changed", "silt_cur") +
      " UNION ALL BY NAME SELECT silt_changed.* EXCLUDE (silt_close_at), silt_changed.silt_close_at AS valid_from, "
      "CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM silt_changed"
      " UNION ALL BY NAME SELECT silt_src.*, " + valid_from("silt_src") +
      " AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM silt_new AS silt_src";
  if (config.hard_deletes == HardDeletes::kInvalidate) {
    sql += " UNION ALL BY NAME SELECT silt_cur.* REPLACE (" + run_ts +
           " AS valid_to, false AS is_current) FROM silt_cur ANTI JOIN " + input_ + " AS silt_src ON " + on;
  }
  return sql;
}

std::string describe_failures(const std::vector<CheckResult>& results) {
  std::string text;
  for (const auto& result : results) {
    if (result.status != "fail") continue;
    text += fmt::format("\n  - {}: {}", result.name, result.message.empty()
                                                          ? fmt::format("{} of {} rows fail", result.failing, result.checked)
                                                          : result.message);
    if (!result.threshold.empty() && result.threshold != "none") text += fmt::format(" (allowed: {})", result.threshold);
    for (size_t i = 0; i < result.examples.size(); ++i) {
      std::vector<std::string> cells;
      for (size_t c = 0; c < result.example_columns.size() && c < result.examples[i].size(); ++c) {
        cells.push_back(result.example_columns[c] + "=" + result.examples[i][c].value_or("NULL"));
      }
      text += "\n      " + join(cells, ", ");
    }
  }
  return text;
}

Status ModelExecutor::run_quality(const Model& model, const std::shared_ptr<const delta::Snapshot>& target,
                                  ModelRun& out) {
  const QualityConfig& quality = model.config.quality;
  auto& connection = session_.connection();
  if (quality.contract) {
    SILT_TRY_ASSIGN(auto described, connection.query_varchar("SELECT column_name, column_type FROM (DESCRIBE silt_model)"));
    std::vector<std::pair<std::string, std::string>> columns;
    for (const auto& row : described.rows) columns.emplace_back(row[0].value_or(""), row[1].value_or(""));
    SILT_TRY(check_contract_columns(*quality.contract, columns, model.file));
  }
  // The rows are computed once; the checks and the commit read them from here.
  Status staged = connection.execute("CREATE OR REPLACE TEMP TABLE silt_staged AS SELECT * FROM silt_model");
  if (!staged.ok()) return Error(staged.code(), model_sql_error(model, staged.message()));
  input_ = "silt_staged";

  std::vector<CheckSpec> checks = quality.checks;
  if (quality.contract) {
    auto declared = contract_checks(*quality.contract);
    checks.insert(checks.end(), declared.begin(), declared.end());
  }
  CheckEnvironment environment;
  environment.relation = "silt_staged";
  environment.now_timestamp = context_.run_timestamp;
  if (target) {
    int64_t rows = 0;
    for (const auto& file : target->files()) rows += file.num_records().value_or(0);
    environment.previous_rows = rows;
  }
  environment.resolve_table = [&](const std::string& name) -> Result<std::string> {
    const Model* other = context_.project->find(name);
    if (!other) return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown table '{}'", name));
    auto snapshot = ops_.load(context_.project->table_location(*other));
    if (!snapshot) {
      return std::move(snapshot).error().with_context(fmt::format("reading {}", other->qualified_name()));
    }
    std::string view = "silt_ref_" + other->schema + "_" + other->table;
    SILT_TRY(session_.register_snapshot(view, **snapshot));
    out.inputs[other->qualified_name()] = (*snapshot)->version();
    return sql_identifier(view);
  };
  auto evaluated = evaluate_checks(connection, checks, environment);
  if (!evaluated) return std::move(evaluated).error().with_context(model.file);

  QualityReport report;
  report.table = model.qualified_name();
  report.model = model.name;
  report.run_id = context_.run_id;
  report.checked_ms = now_ms();
  report.results = std::move(*evaluated);
  bool row_failed = false, table_failed = false, warned = false;
  for (size_t i = 0; i < report.results.size(); ++i) {
    const auto& result = report.results[i];
    report.rows_checked = std::max(report.rows_checked, result.checked);
    out.checks.push_back({result.name, severity_name(result.severity), result.status, result.failing});
    if (result.status == "warn") warned = true;
    if (result.status != "fail") continue;
    (is_row_level(result.kind) ? row_failed : table_failed) = true;
  }
  bool failed = row_failed || table_failed;
  out.rows_in = report.rows_checked;
  auto gate = [&](const std::string& why) -> Status {
    report.outcome = "gated";
    out.quality = "gated";
    SILT_TRY(QualityStore(*context_.fs, context_.project->config.storage_root).save(report).status());
    return make_error(ErrorCode::kQualityFailed,
                      fmt::format("{}: {}; nothing committed:{}", model.file, why, describe_failures(report.results)));
  };
  if (failed && quality.on_failure == OnFailure::kGate) return gate("checks failed");
  if (table_failed && quality.on_failure == OnFailure::kQuarantine) {
    return gate("table-level checks failed (rows cannot be quarantined for them)");
  }
  if (row_failed && quality.on_failure == OnFailure::kQuarantine) {
    SILT_TRY_ASSIGN(auto annotated, annotate_failures_sql(checks, environment));
    SILT_TRY(connection.execute("CREATE OR REPLACE TEMP TABLE silt_annotated AS " + annotated));
    SILT_TRY_ASSIGN(auto counts, connection.query_varchar(
                                     "SELECT CAST(count(*) AS VARCHAR), CAST(count(*) FILTER (WHERE "
                                     "len(_silt_failed_checks) > 0) AS VARCHAR) FROM silt_annotated"));
    int64_t total = parse_int64(counts.rows.at(0)[0].value_or("0")).value_or(0);
    int64_t bad = parse_int64(counts.rows.at(0)[1].value_or("0")).value_or(0);
    double pct = total ? 100.0 * static_cast<double>(bad) / static_cast<double>(total) : 0;
    if (pct > quality.max_quarantine_pct) {
      return gate(fmt::format("{} of {} rows ({:.2f}%) fail row-level checks, above max_quarantine_pct {}", bad, total,
                              pct, quality.max_quarantine_pct));
    }
    SILT_TRY_ASSIGN(auto has_source_file,
                    connection.query_value("SELECT count(*) FROM (DESCRIBE silt_staged) WHERE column_name = "
                                           "'_source_file'"));
    std::string source_file = has_source_file && *has_source_file != "0"
                                  ? "CAST(_source_file AS VARCHAR)"
                                  : "CAST(NULL AS VARCHAR)";
    SILT_TRY(connection.execute_script(
        "CREATE OR REPLACE TEMP VIEW silt_good AS SELECT * EXCLUDE (_silt_failed_checks) FROM silt_annotated WHERE "
        "len(_silt_failed_checks) = 0; "
        "CREATE OR REPLACE TEMP VIEW silt_quarantined AS SELECT * EXCLUDE (_silt_failed_checks), _silt_failed_checks, "
        "'failed ' || array_to_string(_silt_failed_checks, ', ') AS _silt_reason, " +
        sql_string(context_.run_id) + " AS _silt_run_id, " + source_file +
        " AS _silt_source_file FROM silt_annotated WHERE len(_silt_failed_checks) > 0"));
    input_ = "silt_good";
    quarantining_ = true;
    report.rows_quarantined = bad;
    out.rows_quarantined = bad;
    report.outcome = "quarantined";
  } else {
    report.outcome = failed ? "warned" : warned ? "warned" : "passed";
  }
  out.quality = report.outcome;
  quality_ = std::move(report);
  return Status();
}

Status ModelExecutor::commit_with_quarantine(const Model& model, const engine::PreparedCommit& main, ModelRun& out) {
  std::string root = context_.project->quarantine_location(model);
  engine::Source rows;
  rows.query = "SELECT * FROM silt_quarantined";
  engine::WriteOptions options;
  options.mode = engine::WriteMode::kAppend;
  options.add_new_columns = true;  // the quarantine follows the model's columns
  options.commit_info = commit_info(model, out);
  engine::PreparedCommit quarantine;
  options.prepare = &quarantine;
  auto prepared = ops_.write(root, rows, options);
  if (!prepared) return std::move(prepared).error().with_context(fmt::format("{}: quarantining rows", model.file));

  PendingCommits pending;
  pending.run_id = context_.run_id;
  pending.model = model.name;
  if (!main.transaction.empty()) pending.commits.push_back(main);
  pending.commits.push_back(quarantine);
  crash_point("quarantine-staged");
  PendingStore store(*context_.fs, context_.project->config.storage_root);
  SILT_TRY(store.save(pending));
  crash_point("quarantine-recorded");
  std::vector<int64_t> versions;
  for (size_t i = 0; i < pending.commits.size(); ++i) {
    auto committed = ops_.commit_prepared(pending.commits[i]);
    if (!committed) {
      // The record stays: the next run or `silt recover` completes it, or reports why it cannot.
      return std::move(committed).error().with_context(
          fmt::format("{}: committing {} of {} linked commits", model.file, i + 1, pending.commits.size()));
    }
    versions.push_back(committed->version);
    if (i == 0) crash_point("quarantine-first-commit");
  }
  crash_point("quarantine-committed");
  SILT_TRY(store.remove(pending));
  if (!main.transaction.empty()) out.version_written = versions.front();
  out.quarantine_version = versions.back();
  return Status();
}

Status ModelExecutor::materialize(const Model& model, const std::shared_ptr<const delta::Snapshot>& target,
                                  bool incremental, const Window& window, bool ingesting,
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
  engine::PreparedCommit prepared;
  if (quarantining_) {
    write.prepare = &prepared;
    merge.prepare = &prepared;
  }

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

  Result<engine::OperationReport> report = make_error(ErrorCode::kInternal, "no materialization");
  bool is_merge = false;
  const char* create_or_replace = target ? "replace" : "create";
  switch (config.materialized) {
    case Materialization::kTable: report = rebuild(create_or_replace); break;
    case Materialization::kAppend: {
      if (ingesting) {
        // Exactly-once ingestion: the manifest first, then the commit recording its number.
        SILT_TRY_ASSIGN(auto number, IngestLog(*context_.fs, root).write_manifest(recorded, ingest_reset, ingest_files));
        write.app_id = IngestLog::kAppId;
        write.app_version = number;
      }
      if (!target || context_.full_refresh || rebuild_) {
        report = rebuild(create_or_replace);
      } else {
        out.action = "append";
        write.mode = engine::WriteMode::kAppend;
        report = ops_.write(root, source, write);
      }
      break;
    }
    case Materialization::kMerge:
      if (!target || context_.full_refresh) {
        report = rebuild(create_or_replace);
      } else {
        out.action = "merge";
        is_merge = true;
        report = ops_.merge(root, source, merge);
      }
      break;
    case Materialization::kIncremental:
      if (!incremental) {
        report = rebuild(create_or_replace);
      } else if (!config.unique_key.empty()) {
        out.action = "merge window";
        is_merge = true;
        report = ops_.merge(root, source, merge);
      } else {
        out.action = "replace window";
        write.mode = engine::WriteMode::kOverwrite;
        std::string column = sql_identifier(config.time_column);
        write.replace_where = fmt::format("{0} >= DATE {1} AND {0} <= DATE {2}", column, sql_string(window.start),
                                          sql_string(window.end));
        report = ops_.write(root, source, write);
      }
      break;
    case Materialization::kSnapshot: {
      for (const char* column : kScdColumns) {
        auto has = session_.connection().query_value(
            "SELECT count(*) FROM (DESCRIBE " + input_ + ") WHERE lower(column_name) = " + sql_string(column));
        if (has && *has && **has != "0") {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("{}: a snapshot model may not return a column named '{}' (silt adds "
                                        "valid_from, valid_to and is_current)",
                                        model.file, column));
        }
      }
      bool initial = !target || context_.full_refresh;
      if (!initial) SILT_TRY(session_.register_snapshot("silt_target", *target));
      SILT_TRY_ASSIGN(auto changes, snapshot_changes_sql(model, initial));
      source.query = changes;
      if (initial) {
        report = rebuild(create_or_replace);
      } else {
        out.action = "snapshot";
        is_merge = true;
        merge.keys.push_back("valid_from");
        report = ops_.merge(root, source, merge);
      }
      break;
    }
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
    SILT_TRY(commit_with_quarantine(model, prepared, out));
    out.message = fmt::format("{} rows quarantined in {}__quarantine", out.rows_quarantined, model.qualified_name());
  }
  return Status();
}

Status ModelExecutor::execute(const Model& model, ModelRun& out) {
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
    const SourceConfig* source = nullptr;
    for (const auto& candidate : context_.project->config.sources) {
      if (candidate.name == name) source = &candidate;
    }
    if (!source) return make_error(ErrorCode::kInternal, "unknown source " + name);
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
    SILT_TRY(connection.execute_script(fmt::format("CREATE SCHEMA IF NOT EXISTS source; CREATE OR REPLACE VIEW source.{} AS {}",
                                            sql_identifier(name), source_view_sql(*source, empty ? *files : read, empty))));
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
  if (!bound.ok()) return Error(bound.code(), model_sql_error(model, bound.message()));

  if (!model.config.quality.empty()) SILT_TRY(run_quality(model, target, out));
  Status materialized = materialize(model, target, incremental, window, ingesting, ingest_files,
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

// --- the DAG ----------------------------------------------------------------------------------

std::string run_timestamp_text(int64_t ms) { return format_timestamp_ms(ms); }

}  // namespace

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

Result<int> Runner::recover() { return recover_pending(project_, fs_, worker_session_options(project_.config.engine, 1)); }

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
  engine::SessionOptions session_options = worker_session_options(project_.config.engine, 1);
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
    std::string rebuild_reason = !target ? "the table does not exist yet" : "--full-refresh";
    std::string rebuild_action = target ? "replace" : "create";
    switch (config.materialized) {
      case Materialization::kTable:
        plan.action = rebuild_action;
        plan.reason = target ? "a table model is rebuilt on every run" : rebuild_reason;
        break;
      case Materialization::kAppend:
        plan.action = incremental ? "append" : rebuild_action;
        plan.reason = incremental ? "rows of this run are appended" : rebuild_reason;
        break;
      case Materialization::kMerge:
        plan.action = incremental ? "merge" : rebuild_action;
        plan.reason = incremental ? "merge by " + join(config.unique_key, ", ") : rebuild_reason;
        break;
      case Materialization::kIncremental:
        if (!incremental) {
          plan.action = rebuild_action;
          plan.reason = rebuild_reason + "; all dates up to " + run_date;
          if (target) plan.reason += " (rows of later dates are not rebuilt: run the latest date)";
        } else {
          plan.action = config.unique_key.empty() ? "replace window" : "merge window";
          plan.reason = fmt::format("dates {} .. {} (lookback {} day{}){}", plan.window_start, plan.window_end,
                                    config.lookback_days, config.lookback_days == 1 ? "" : "s",
                                    config.unique_key.empty() ? ", partitions of " + config.time_column + " replaced"
                                                              : ", merged by " + join(config.unique_key, ", "));
        }
        break;
      case Materialization::kSnapshot:
        plan.action = incremental ? "snapshot" : rebuild_action;
        plan.reason = incremental ? "close changed rows and add new versions by " + join(config.unique_key, ", ")
                                  : rebuild_reason;
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
          auto listed = list_source_files(session->connection(), fs_, source);
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
    SILT_TRY_ASSIGN(selected, select_models(project_, options.selectors));
  }

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

  // Linked commits a crashed run left half made are completed before anything else runs.
  SILT_TRY(recover_pending(project_, fs_, worker_session_options(project_.config.engine, 1)).status());

  std::mutex mutex;
  std::condition_variable changed;
  int finished = 0;
  int started = 0;
  const int total = static_cast<int>(order.size());
  auto save = [&]() {
    Status saved = store.save(record);
    if (!saved.ok()) SILT_LOG_WARN("cannot save the run record: {}", saved.message());
  };
  {
    std::lock_guard<std::mutex> lock(mutex);
    save();
  }

  // Marks every selected descendant of order[i] as skipped (with the reason).
  std::function<void(size_t, const std::string&)> skip_descendants = [&](size_t i, const std::string& reason) {
    for (const auto& name : project_.dependents(order[i]->name)) {
      auto it = index_of.find(name);
      if (it == index_of.end()) continue;
      ModelRun& run = record.models[it->second];
      if (run.status != ModelStatus::kPending) continue;
      run.status = ModelStatus::kSkipped;
      run.message = reason;
      ++finished;
      if (observer) observer->model_finished(run, finished, total);
      skip_descendants(it->second, reason);
    }
  };

  auto next_ready = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < order.size(); ++i) {
      if (record.models[i].status != ModelStatus::kPending) continue;
      bool ready = true;
      for (const auto& dependency : order[i]->depends_on) {
        auto it = index_of.find(dependency);
        if (it != index_of.end() && record.models[it->second].status != ModelStatus::kSuccess) ready = false;
      }
      if (ready) return i;
    }
    return std::nullopt;
  };

  int workers = std::max(1, std::min(options.threads, total));
  engine::SessionOptions session_options = worker_session_options(project_.config.engine, workers);
  auto work = [&]() {
    std::unique_ptr<engine::Session> session;
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      if (finished == total) break;
      auto next = next_ready();
      if (!next) {
        changed.wait(lock);
        continue;
      }
      size_t i = *next;
      ModelRun& shared = record.models[i];
      shared.status = ModelStatus::kRunning;
      shared.started_ms = now_ms();
      ++started;
      if (observer) observer->model_started(shared, started, total);
      ModelRun run = shared;
      lock.unlock();

      int64_t begin = monotonic_ns();
      Status status;
      if (!session) {
        auto opened = engine::Session::open(session_options);
        if (opened) session = std::move(*opened);
        else status = std::move(opened).error();
      }
      if (status.ok()) {
        ModelExecutor executor(context, *session);
        status = executor.execute(*order[i], run);
      }
      run.duration_ms = (monotonic_ns() - begin) / 1000000;
      if (status.ok()) {
        run.status = ModelStatus::kSuccess;
      } else {
        run.status = ModelStatus::kFailed;
        run.error = redact(status.message());
        // A worker session may be left mid-statement: start the next model on a fresh one.
        session.reset();
      }

      lock.lock();
      record.models[i] = run;
      ++finished;
      if (observer) observer->model_finished(record.models[i], finished, total);
      if (run.status == ModelStatus::kFailed) {
        skip_descendants(i, fmt::format("upstream model '{}' failed", order[i]->name));
      }
      save();
      changed.notify_all();
    }
    changed.notify_all();
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& thread : threads) thread.join();

  record.finished_ms = now_ms();
  record.status = record.count(ModelStatus::kFailed) || record.count(ModelStatus::kSkipped) ? "failed" : "success";
  save();
  return record;
}

}  // namespace silt::pipeline
