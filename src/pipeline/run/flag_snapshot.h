// The flags of one run: every flag the run needs, evaluated once at its start for the run's context,
// recorded in the run record and in each output commit, reported as `feature_flag.evaluation`
// events and counters, and replayable by a later run (silt run --flags-from RUN_ID). Also which
// version each versioned model computes as a result.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/status.h"
#include "flags/flag.h"
#include "flags/context.h"
#include "pipeline/flags/flag_provider.h"
#include "pipeline/model/model.h"

namespace silt::pipeline {

struct FlagRecord {
  std::string key;
  std::string value = "null";  // JSON text of the value served (null when nothing could be)
  std::string variant;         // the value as text: v2 (a string as it is, anything else as JSON)
  int variation = -1;          // index served; -1 for none
  std::string reason;          // LaunchDarkly's kind: OFF, TARGET_MATCH, RULE_MATCH, FALLTHROUGH, ...
  std::string openfeature_reason;
  int rule_index = -1;
  bool in_experiment = false;
  std::string error_kind;  // with reason ERROR: FLAG_NOT_FOUND, MALFORMED_FLAG, CLIENT_NOT_READY, ...
  std::string error;       // with reason ERROR: what went wrong
  int flag_version = 0;
};

struct FlagSnapshot {
  std::string provider;       // feature_flag.provider.name
  std::string context;        // the context as JSON
  std::string context_key;    // its fully qualified key (feature_flag.context.id)
  std::string replayed_from;  // the run whose recorded flags these are, for --flags-from
  std::vector<FlagRecord> flags;
  std::vector<std::string> warnings;  // provider problems: each makes the run degraded

  bool empty() const { return flags.empty(); }
  const FlagRecord* find(const std::string& key) const;
};

// Evaluates each key once with `provider`. Never fails: a provider that cannot answer gives every
// flag reason ERROR (error kind CLIENT_NOT_READY) and a warning, and the caller's fallback applies.
FlagSnapshot take_flag_snapshot(FlagProvider& provider, const std::vector<std::string>& keys,
                                const flags::Context& context);

// The job context of `silt run` and `silt flags eval` from --context NAME=VALUE pairs: kind "job",
// key `default_key` (the project's name) unless kind=... or key=... say otherwise; a value is typed
// as JSON when it is a JSON scalar (true, 3, "quoted"), else a string.
Result<flags::Context> job_context(const std::vector<std::string>& pairs, const std::string& default_key);

// The flags every selected versioned model needs, sorted, unique.
std::vector<std::string> version_flags(const std::vector<const Model*>& models);

std::string flag_snapshot_to_json(const FlagSnapshot& snapshot);
Result<FlagSnapshot> flag_snapshot_from_json(const std::string& text, const std::string& origin);

// One `feature_flag.evaluation` event per flag (a log line at info level with OpenTelemetry's
// feature-flag attributes), a warning per provider problem, and the counters
// `feature_flag.evaluations{key,variant,reason}` and `feature_flag.provider_errors`.
void report_flag_snapshot(const FlagSnapshot& snapshot, const std::string& run_id);

// What `silt validate` says about versioned models and their flags: a version_flag that no flag file
// defines, and a string variation of it that names no version of the model ("shadow" aside).
std::vector<Diagnostic> check_version_flags(const Project& project, const flags::FlagSet& flags);

// Which version a versioned model computes in a run, and why.
struct VersionChoice {
  std::string version;
  std::string reason;     // "flag tbar.hydration.schema_version served v2 (RULE_MATCH, rule 0)"
  bool fallback = false;  // the flag could not say: the model's fallback version runs (degraded)
  bool shadow = false;    // the flag served "shadow": a shadow run (every version, nothing committed)
};
VersionChoice choose_version(const Model& model, const FlagSnapshot& snapshot);

}  // namespace silt::pipeline
