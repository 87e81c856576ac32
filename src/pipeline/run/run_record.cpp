#include "pipeline/run/run_record.h"

#include "base/redaction.h"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "obs/logger.h"

namespace silt::pipeline {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kStatusNames[] = {"pending", "running", "success", "failed", "skipped"};

constexpr const char* kRunStatusNames[] = {"running", "success", "failed", "cancelled"};

ModelStatus status_from_name(const std::string& name) {
  for (int i = 0; i < 5; ++i) {
    if (name == kStatusNames[i]) return static_cast<ModelStatus>(i);
  }
  return ModelStatus::kPending;
}

json model_to_json(const ModelRun& model) {
  json out;
  out["model"] = model.model;
  out["table"] = model.table;
  out["materialized"] = model.materialized;
  out["action"] = model.action;
  out["status"] = model_status_name(model.status);
  if (!model.message.empty()) out["message"] = model.message;
  if (!model.error.empty()) out["error"] = model.error;
  out["inputs"] = json::object();
  for (const auto& [table, version] : model.inputs) out["inputs"][table] = version;
  out["version_before"] = model.version_before;
  out["version_written"] = model.version_written;
  out["rows_in"] = model.rows_in;
  out["rows_out"] = model.rows_out;
  out["rows_inserted"] = model.rows_inserted;
  out["rows_updated"] = model.rows_updated;
  out["rows_deleted"] = model.rows_deleted;
  out["files_added"] = model.files_added;
  out["files_removed"] = model.files_removed;
  out["files_ingested"] = model.files_ingested;
  if (!model.window_start.empty()) {
    out["window_start"] = model.window_start;
    out["window_end"] = model.window_end;
  }
  if (!model.quality.empty()) {
    out["quality"] = model.quality;
    out["rows_quarantined"] = model.rows_quarantined;
    out["quarantine_version"] = model.quarantine_version;
    out["checks"] = json::array();
    for (const auto& check : model.checks) {
      out["checks"].push_back(
          {{"name", check.name}, {"severity", check.severity}, {"status", check_status_name(check.status)},
           {"failing", check.failing}});
    }
  }
  if (!model.version.empty()) {
    out["version"] = model.version;
    out["version_reason"] = model.version_reason;
    out["published_version"] = model.published_version;
    out["degraded"] = model.degraded;
  }
  if (!model.shadow_versions.empty()) out["shadow_versions"] = model.shadow_versions;
  if (!model.diff_report.empty()) out["diff_report"] = model.diff_report;
  out["started_at"] = model.started_ms ? format_timestamp_ms(model.started_ms) : "";
  out["duration_ms"] = model.duration_ms;
  return out;
}

template <typename T>
T get_or(const json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->get<T>();
}

}  // namespace

const char* run_status_name(RunStatus status) { return kRunStatusNames[static_cast<int>(status)]; }

std::optional<RunStatus> run_status_from_name(const std::string& name) {
  for (int i = 0; i < 4; ++i) {
    if (name == kRunStatusNames[i]) return static_cast<RunStatus>(i);
  }
  return std::nullopt;
}

const char* model_status_name(ModelStatus status) { return kStatusNames[static_cast<int>(status)]; }

int ModelRun::count_checks(CheckStatus status) const {
  return static_cast<int>(std::count_if(checks.begin(), checks.end(), [&](const Check& c) { return c.status == status; }));
}

int RunRecord::count(ModelStatus status) const {
  return static_cast<int>(std::count_if(models.begin(), models.end(), [&](const ModelRun& m) { return m.status == status; }));
}

std::string run_record_to_json(const RunRecord& record) {
  json out;
  out["run_id"] = record.run_id;
  out["project"] = record.project;
  out["environment"] = record.environment;
  out["command"] = record.command;
  out["run_date"] = record.run_date;
  out["full_refresh"] = record.full_refresh;
  out["selectors"] = record.selectors;
  if (!record.resumed_from.empty()) out["resumed_from"] = record.resumed_from;
  out["status"] = run_status_name(record.status);
  out["started_at"] = format_timestamp_ms(record.started_ms);
  out["finished_at"] = record.finished_ms ? format_timestamp_ms(record.finished_ms) : "";
  out["duration_ms"] = record.finished_ms ? record.finished_ms - record.started_ms : 0;
  out["degraded"] = record.degraded();
  if (record.degraded()) out["degraded_reasons"] = record.degraded_reasons;
  if (record.shadow) out["shadow"] = true;
  if (record.flags) out["flags"] = json::parse(flag_snapshot_to_json(*record.flags));
  out["models"] = json::array();
  for (const auto& model : record.models) out["models"].push_back(model_to_json(model));
  return out.dump(2) + "\n";
}

Result<RunRecord> run_record_from_json(const std::string& text, const std::string& origin) {
  json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not a run record (invalid JSON)", origin));
  }
  try {
    RunRecord record;
    record.run_id = get_or<std::string>(in, "run_id", "");
    record.project = get_or<std::string>(in, "project", "");
    record.environment = get_or<std::string>(in, "environment", "");
    record.command = get_or<std::string>(in, "command", "");
    record.run_date = get_or<std::string>(in, "run_date", "");
    record.full_refresh = get_or<bool>(in, "full_refresh", false);
    record.selectors = get_or<std::vector<std::string>>(in, "selectors", {});
    record.resumed_from = get_or<std::string>(in, "resumed_from", "");
    record.status = run_status_from_name(get_or<std::string>(in, "status", "")).value_or(RunStatus::kFailed);
    record.started_ms = parse_timestamp_ms(get_or<std::string>(in, "started_at", "")).value_or(0);
    record.finished_ms = parse_timestamp_ms(get_or<std::string>(in, "finished_at", "")).value_or(0);
    record.degraded_reasons = get_or<std::vector<std::string>>(in, "degraded_reasons", {});
    record.shadow = get_or<bool>(in, "shadow", false);
    if (in.contains("flags") && in["flags"].is_object()) {
      SILT_TRY_ASSIGN(auto flags, flag_snapshot_from_json(in["flags"].dump(), origin));
      record.flags = std::move(flags);
    }
    for (const auto& item : get_or<json>(in, "models", json::array())) {
      ModelRun model;
      model.model = get_or<std::string>(item, "model", "");
      model.table = get_or<std::string>(item, "table", "");
      model.materialized = get_or<std::string>(item, "materialized", "");
      model.action = get_or<std::string>(item, "action", "");
      model.status = status_from_name(get_or<std::string>(item, "status", ""));
      model.message = get_or<std::string>(item, "message", "");
      model.error = get_or<std::string>(item, "error", "");
      const json inputs = get_or<json>(item, "inputs", json::object());
      for (const auto& [table, version] : inputs.items()) {
        model.inputs[table] = version.get<int64_t>();
      }
      model.version_before = get_or<int64_t>(item, "version_before", -1);
      model.version_written = get_or<int64_t>(item, "version_written", -1);
      model.rows_in = get_or<int64_t>(item, "rows_in", 0);
      model.rows_out = get_or<int64_t>(item, "rows_out", 0);
      model.rows_inserted = get_or<int64_t>(item, "rows_inserted", 0);
      model.rows_updated = get_or<int64_t>(item, "rows_updated", 0);
      model.rows_deleted = get_or<int64_t>(item, "rows_deleted", 0);
      model.files_added = get_or<int64_t>(item, "files_added", 0);
      model.files_removed = get_or<int64_t>(item, "files_removed", 0);
      model.files_ingested = get_or<int64_t>(item, "files_ingested", 0);
      model.window_start = get_or<std::string>(item, "window_start", "");
      model.window_end = get_or<std::string>(item, "window_end", "");
      model.quality = get_or<std::string>(item, "quality", "");
      model.rows_quarantined = get_or<int64_t>(item, "rows_quarantined", 0);
      model.quarantine_version = get_or<int64_t>(item, "quarantine_version", -1);
      for (const auto& check : get_or<json>(item, "checks", json::array())) {
        model.checks.push_back({get_or<std::string>(check, "name", ""), get_or<std::string>(check, "severity", ""),
                                check_status_from_name(get_or<std::string>(check, "status", ""))
                                    .value_or(CheckStatus::kFail),
                                get_or<int64_t>(check, "failing", 0)});
      }
      model.version = get_or<std::string>(item, "version", "");
      model.version_reason = get_or<std::string>(item, "version_reason", "");
      model.published_version = get_or<int64_t>(item, "published_version", -1);
      model.degraded = get_or<bool>(item, "degraded", false);
      model.shadow_versions = get_or<std::vector<std::string>>(item, "shadow_versions", {});
      model.diff_report = get_or<std::string>(item, "diff_report", "");
      model.started_ms = parse_timestamp_ms(get_or<std::string>(item, "started_at", "")).value_or(0);
      model.duration_ms = get_or<int64_t>(item, "duration_ms", 0);
      record.models.push_back(std::move(model));
    }
    return record;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not a run record ({})", origin, e.what()));
  }
}

RunStore::RunStore(storage::FileSystem& fs, std::string storage_root)
    : fs_(fs), directory_(std::move(storage_root) + "/_silt/runs") {}

Status RunStore::save(const RunRecord& record) {
  return fs_.write(directory_ + "/" + record.run_id + ".json", redact(run_record_to_json(record)));
}

Result<RunRecord> RunStore::load(const std::string& run_id) {
  std::string path = directory_ + "/" + run_id + ".json";
  auto text = fs_.read(path);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("no run '{}' in {} (`silt runs` lists the runs)", run_id, directory_));
    }
    return std::move(text).error();
  }
  return run_record_from_json(*text, path);
}

Result<std::vector<RunRecord>> RunStore::list(size_t limit) {
  SILT_TRY_ASSIGN(auto files, fs_.list(directory_));
  std::vector<RunRecord> records;
  for (auto it = files.rbegin(); it != files.rend(); ++it) {
    if (it->path.size() < 5 || it->path.compare(it->path.size() - 5, 5, ".json") != 0) continue;
    auto text = fs_.read(it->path);
    if (!text) continue;  // removed meanwhile
    auto record = run_record_from_json(*text, it->path);
    if (!record) {
      SILT_LOG_WARN("skipping {}", record.error().message());
      continue;
    }
    records.push_back(std::move(*record));
    if (limit && records.size() >= limit) break;
  }
  return records;
}

std::string new_run_id(int64_t now) {
  std::string stamp = format_timestamp_ms(now);  // "2025-11-03 10:15:00.123"
  std::string compact;
  for (char c : stamp.substr(0, 23)) {
    if (c == ' ') compact += 'T';
    else if (c != '-' && c != ':' && c != '.') compact += c;
  }
  std::random_device device;
  return fmt::format("{}Z-{:04x}", compact, device() & 0xffff);
}

}  // namespace silt::pipeline
