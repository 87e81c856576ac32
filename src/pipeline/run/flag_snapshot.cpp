// Run-scoped flags: one evaluation per flag at the run's start, its record, events and counters,
// and the version each versioned model computes (see flag_snapshot.h).
#include "pipeline/run/flag_snapshot.h"

#include <algorithm>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "obs/logger.h"
#include "obs/metrics.h"

namespace silt::pipeline {

using json = nlohmann::json;

namespace {

// `name=value`: the value typed as JSON when it is a JSON scalar (true, 3, 1.5, null, "quoted"),
// else a string.
Result<std::pair<std::string, flags::Value>> context_pair(const std::string& text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--context '{}' is not NAME=VALUE (for example --context environment=prod)", text));
  }
  std::string name = text.substr(0, equals);
  std::string raw = text.substr(equals + 1);
  auto parsed = flags::parse_json(raw);
  if (parsed && !parsed->is_array() && !parsed->is_object()) return std::pair{name, *parsed};
  return std::pair{name, flags::Value(raw)};
}

FlagRecord record_of(const FlagResult& result) {
  FlagRecord record;
  record.key = result.key;
  const flags::Evaluation& evaluation = result.evaluation;
  record.value = evaluation.value.to_json();
  record.variant = evaluation.value.is_null() ? "" : evaluation.value.to_text();
  record.variation = evaluation.variation.value_or(-1);
  record.reason = std::string(flags::reason_kind_name(evaluation.reason.kind));
  record.openfeature_reason = result.openfeature_reason.empty() ? record.reason : result.openfeature_reason;
  record.rule_index = evaluation.reason.rule_index;
  record.in_experiment = evaluation.reason.in_experiment;
  record.error_kind = std::string(flags::error_kind_name(evaluation.reason.error_kind));
  record.error = result.error_message;
  record.flag_version = evaluation.flag_version;
  return record;
}

}  // namespace

// The job context of `silt run` and `silt flags eval`: kind "job", key the project's name, unless
// --context kind=... or key=... say otherwise.
Result<flags::Context> job_context(const std::vector<std::string>& pairs, const std::string& default_key) {
  std::string kind(flags::kJobKind);
  std::string key = default_key;
  flags::Value::Object members;
  for (const std::string& text : pairs) {
    SILT_TRY_ASSIGN(auto pair, context_pair(text));
    if (pair.first == "kind" || pair.first == "key") {
      if (!pair.second.is_string() || pair.second.as_string().empty()) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("--context {}= needs a non-empty string", pair.first));
      }
      (pair.first == "kind" ? kind : key) = pair.second.as_string();
      continue;
    }
    members[pair.first] = pair.second;
  }
  members["kind"] = flags::Value(kind);
  members["key"] = flags::Value(key);
  return flags::context_from_value(flags::Value::object(std::move(members)));
}

const FlagRecord* FlagSnapshot::find(const std::string& key) const {
  for (const auto& record : flags) {
    if (record.key == key) return &record;
  }
  return nullptr;
}

FlagSnapshot take_flag_snapshot(FlagProvider& provider, const std::vector<std::string>& keys,
                                const flags::Context& context) {
  FlagSnapshot snapshot;
  snapshot.provider = provider.name();
  snapshot.context = context.to_value().to_json();
  snapshot.context_key = context.fully_qualified_key();
  if (keys.empty()) return snapshot;
  auto results = provider.evaluate(keys, context);
  if (!results) {
    snapshot.warnings.push_back(
        fmt::format("flag provider {} failed, so every flag takes its fallback: {}", provider.name(), results.error().message()));
    for (const auto& key : keys) {
      FlagRecord record;
      record.key = key;
      record.reason = "ERROR";
      record.openfeature_reason = "ERROR";
      record.error_kind = "CLIENT_NOT_READY";
      record.error = results.error().message();
      snapshot.flags.push_back(std::move(record));
    }
    return snapshot;
  }
  snapshot.warnings = results->warnings;
  for (const auto& result : results->results) snapshot.flags.push_back(record_of(result));
  return snapshot;
}

std::vector<std::string> version_flags(const std::vector<const Model*>& models) {
  std::set<std::string> keys;
  for (const Model* model : models) {
    if (model->versioned() && !model->config.version_flag.empty()) keys.insert(model->config.version_flag);
  }
  return {keys.begin(), keys.end()};
}

std::string flag_snapshot_to_json(const FlagSnapshot& snapshot) {
  json flags = json::array();
  for (const auto& record : snapshot.flags) {
    json value = json::parse(record.value, nullptr, false);
    json entry = {{"key", record.key},
                  {"value", value.is_discarded() ? json() : value},
                  {"variant", record.variant},
                  {"variation", record.variation},
                  {"reason", record.reason},
                  {"openfeature_reason", record.openfeature_reason},
                  {"rule_index", record.rule_index},
                  {"in_experiment", record.in_experiment},
                  {"flag_version", record.flag_version}};
    if (!record.error_kind.empty()) entry["error_kind"] = record.error_kind;
    if (!record.error.empty()) entry["error"] = record.error;
    flags.push_back(std::move(entry));
  }
  json context = json::parse(snapshot.context, nullptr, false);
  json out = {{"provider", snapshot.provider},
              {"context", context.is_discarded() ? json() : context},
              {"context_key", snapshot.context_key},
              {"flags", flags},
              {"warnings", snapshot.warnings}};
  if (!snapshot.replayed_from.empty()) out["replayed_from"] = snapshot.replayed_from;
  return out.dump();
}

Result<FlagSnapshot> flag_snapshot_from_json(const std::string& text, const std::string& origin) {
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: the recorded flags are not a JSON object", origin));
  }
  try {
    FlagSnapshot snapshot;
    snapshot.provider = parsed.value("provider", "");
    snapshot.context = parsed.contains("context") ? parsed["context"].dump() : "null";
    snapshot.context_key = parsed.value("context_key", "");
    snapshot.replayed_from = parsed.value("replayed_from", "");
    for (const auto& warning : parsed.value("warnings", json::array())) snapshot.warnings.push_back(warning.get<std::string>());
    for (const auto& entry : parsed.value("flags", json::array())) {
      FlagRecord record;
      record.key = entry.at("key").get<std::string>();
      record.value = entry.contains("value") ? entry["value"].dump() : "null";
      record.variant = entry.value("variant", "");
      record.variation = entry.value("variation", -1);
      record.reason = entry.value("reason", "");
      record.openfeature_reason = entry.value("openfeature_reason", record.reason);
      record.rule_index = entry.value("rule_index", -1);
      record.in_experiment = entry.value("in_experiment", false);
      record.error_kind = entry.value("error_kind", "");
      record.error = entry.value("error", "");
      record.flag_version = entry.value("flag_version", 0);
      snapshot.flags.push_back(std::move(record));
    }
    return snapshot;
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: malformed recorded flags: {}", origin, e.what()));
  }
}

void report_flag_snapshot(const FlagSnapshot& snapshot, const std::string& run_id) {
  for (const auto& warning : snapshot.warnings) {
    SILT_LOG_WARN("run {}: {}", run_id, warning);
    obs::counter_add("feature_flag.provider_errors");
  }
  for (const auto& record : snapshot.flags) {
    json attributes = {{"feature_flag.key", record.key},
                       {"feature_flag.result.variant", record.variant},
                       {"feature_flag.result.reason", record.openfeature_reason},
                       {"feature_flag.provider.name", snapshot.provider},
                       {"feature_flag.context.id", snapshot.context_key},
                       {"feature_flag.version", std::to_string(record.flag_version)},
                       {"silt.run_id", run_id}};
    if (!record.error_kind.empty()) attributes["error.type"] = record.error_kind;
    if (record.variation >= 0) attributes["feature_flag.result.variation_index"] = record.variation;
    SILT_LOG_INFO("feature_flag.evaluation {}", attributes.dump());
    if (record.reason == "ERROR") {
      SILT_LOG_WARN("run {}: flag '{}' could not be evaluated ({}): {}", run_id, record.key, record.error_kind,
                    record.error);
      obs::counter_add("feature_flag.evaluation_errors");
    }
    obs::counter_add(fmt::format("feature_flag.evaluations{{key={},variant={},reason={}}}", record.key, record.variant,
                                 record.reason));
  }
}

VersionChoice choose_version(const Model& model, const FlagSnapshot& snapshot) {
  VersionChoice choice;
  const std::string& key = model.config.version_flag;
  const FlagRecord* record = snapshot.find(key);
  auto fall_back = [&](const std::string& why) {
    choice.version = model.fallback_version();
    choice.fallback = true;
    choice.reason = fmt::format("flag {} {}: running version {} (the model's {})", key, why, choice.version,
                                model.config.default_version.empty() ? "first version" : "default_version");
    return choice;
  };
  if (!record) return fall_back("was not evaluated");
  if (record->reason == "ERROR" && record->value == "null") {
    return fall_back(fmt::format("could not be evaluated ({}{}{})", record->error_kind,
                                 record->error.empty() ? "" : ": ", record->error));
  }
  std::string detail = record->reason;
  if (record->reason == "RULE_MATCH") detail += fmt::format(", rule {}", record->rule_index);
  if (record->reason == "ERROR") detail += ", " + record->error_kind;
  if (record->variant == "shadow") {
    choice.version = model.fallback_version();
    choice.shadow = true;
    choice.reason = fmt::format("flag {} served shadow ({}): every version runs on the same input, compared with "
                                "{}; nothing is committed",
                                key, detail, choice.version);
    return choice;
  }
  if (!model.find_version(record->variant)) {
    std::vector<std::string> names;
    for (const auto& version : model.versions) names.push_back(version.name);
    return fall_back(fmt::format("served {}, which is not a version of {} ({})", record->value, model.name,
                                 join(names, ", ")));
  }
  choice.version = record->variant;
  choice.reason = fmt::format("flag {} served {} ({})", key, record->variant, detail);
  // A flag that failed but served its declared default: the run goes on with it, degraded.
  choice.fallback = record->reason == "ERROR";
  return choice;
}

std::vector<Diagnostic> check_version_flags(const Project& project, const flags::FlagSet& flags) {
  std::vector<Diagnostic> out;
  for (const Model& model : project.models) {
    if (!model.versioned() || model.config.version_flag.empty()) continue;
    std::vector<std::string> names;
    for (const auto& version : model.versions) names.push_back(version.name);
    const flags::Flag* flag = flags.find_flag(model.config.version_flag);
    if (!flag) {
      // Where the key is written in the model's configuration file.
      int line = 1, column = 1;
      std::ifstream in(model.path);
      std::string text;
      for (int number = 1; std::getline(in, text); ++number) {
        if (size_t at = text.find("version_flag"); at != std::string::npos) {
          line = number;
          column = static_cast<int>(at) + 1;
          break;
        }
      }
      out.push_back(Diagnostic{model.file, line, column,
                               fmt::format("version_flag '{}' is not defined in the project's flag files (flags/*.yml): "
                                           "runs would always compute version {}",
                                           model.config.version_flag, model.fallback_version())});
      continue;
    }
    for (const auto& variation : flag->variations) {
      if (variation.is_string() && (variation.as_string() == "shadow" || model.find_version(variation.as_string()))) continue;
      out.push_back(Diagnostic{flag->file, flag->line, flag->column,
                               fmt::format("flag '{}' can serve {}, which is not a version of model '{}' (versions in {}: {})",
                                           flag->key, variation.to_json(), model.name, model.file, join(names, ", "))});
    }
  }
  return out;
}

}  // namespace silt::pipeline
