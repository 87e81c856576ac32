// Flag evaluation with the semantics of LaunchDarkly's server-side SDKs: off -> prerequisites ->
// individual targets -> rules in order -> fallthrough, each serving a variation or a rollout. No I/O:
// a FlagSet in, a value and the reason out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "flags/context.h"
#include "flags/flag.h"
#include "flags/value.h"

namespace silt::flags {

enum class ReasonKind { kOff, kTargetMatch, kRuleMatch, kFallthrough, kPrerequisiteFailed, kError };
enum class ErrorKind { kNone, kFlagNotFound, kMalformedFlag, kWrongType, kUserNotSpecified, kClientNotReady, kException };

// "OFF", "TARGET_MATCH", "RULE_MATCH", "FALLTHROUGH", "PREREQUISITE_FAILED", "ERROR".
std::string_view reason_kind_name(ReasonKind kind);
// "FLAG_NOT_FOUND", "MALFORMED_FLAG", "WRONG_TYPE", "USER_NOT_SPECIFIED", "CLIENT_NOT_READY",
// "EXCEPTION"; "" for kNone.
std::string_view error_kind_name(ErrorKind kind);

struct Reason {
  ReasonKind kind = ReasonKind::kError;
  int rule_index = -1;       // kRuleMatch
  std::string rule_id;       // kRuleMatch, when the rule has an id
  bool in_experiment = false;
  ErrorKind error_kind = ErrorKind::kNone;  // kError
  std::string prerequisite_key;             // kPrerequisiteFailed
};

struct Evaluation {
  Value value;                   // null when nothing could be served
  std::optional<int> variation;  // the index served; none for the caller's fallback
  Reason reason;
  int flag_version = 0;  // 0 when the flag was not found
};

// OpenFeature's reason for an evaluation ("DISABLED", "TARGETING_MATCH", "SPLIT" for a rollout,
// "DEFAULT", "PREREQUISITE_FAILED", "ERROR"); `flag` tells rollouts apart (nullptr when not found).
std::string openfeature_reason(const Evaluation& result, const Flag* flag);

class Evaluator {
 public:
  // `flags` must outlive the evaluator.
  explicit Evaluator(const FlagSet& flags) : flags_(flags) {}

  // The flag's value for the context. On an error the flag's default (its `default:` or off
  // variation) is served when it has one, else a null value with no variation.
  Evaluation evaluate(std::string_view key, const Context& context) const;
  Evaluation evaluate(const Flag& flag, const Context& context) const;

  // Typed evaluation: a value of another type than `type` becomes `fallback` with reason ERROR and
  // WRONG_TYPE; when nothing is served (off with no off variation, an error with no flag default)
  // `fallback` is the value and the reason stays. Type kNull accepts any value (JSON flags).
  Evaluation evaluate_as(std::string_view key, const Context& context, Value::Type type, const Value& fallback) const;

 private:
  const FlagSet& flags_;
};

}  // namespace silt::flags
