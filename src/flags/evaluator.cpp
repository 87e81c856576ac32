#include "flags/evaluator.h"

#include <algorithm>
#include <vector>

#include "flags/bucketing.h"

namespace silt::flags {

std::string_view reason_kind_name(ReasonKind kind) {
  switch (kind) {
    case ReasonKind::kOff: return "OFF";
    case ReasonKind::kTargetMatch: return "TARGET_MATCH";
    case ReasonKind::kRuleMatch: return "RULE_MATCH";
    case ReasonKind::kFallthrough: return "FALLTHROUGH";
    case ReasonKind::kPrerequisiteFailed: return "PREREQUISITE_FAILED";
    case ReasonKind::kError: return "ERROR";
  }
  return "ERROR";
}

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kNone: return "";
    case ErrorKind::kFlagNotFound: return "FLAG_NOT_FOUND";
    case ErrorKind::kMalformedFlag: return "MALFORMED_FLAG";
    case ErrorKind::kWrongType: return "WRONG_TYPE";
    case ErrorKind::kUserNotSpecified: return "USER_NOT_SPECIFIED";
    case ErrorKind::kClientNotReady: return "CLIENT_NOT_READY";
    case ErrorKind::kException: return "EXCEPTION";
  }
  return "EXCEPTION";
}

namespace {

bool contains_key(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

bool target_matches(const Target& target, const Context& context) {
  const SingleContext* single = context.find(target.context_kind);
  return single != nullptr && contains_key(target.values, single->key());
}

// One operator on one context value and one clause value.
bool operator_matches(Operator op, const Value& actual, const ClauseValue& expected) {
  const Value& value = expected.value;
  switch (op) {
    case Operator::kIn: return actual == value;
    case Operator::kStartsWith:
      return actual.is_string() && value.is_string() && actual.as_string().starts_with(value.as_string());
    case Operator::kEndsWith:
      return actual.is_string() && value.is_string() && actual.as_string().ends_with(value.as_string());
    case Operator::kContains:
      return actual.is_string() && value.is_string() && actual.as_string().find(value.as_string()) != std::string::npos;
    case Operator::kMatches:
      return actual.is_string() && expected.regex != nullptr && std::regex_search(actual.as_string(), *expected.regex);
    case Operator::kLessThan: return actual.is_number() && value.is_number() && actual.as_number() < value.as_number();
    case Operator::kLessThanOrEqual:
      return actual.is_number() && value.is_number() && actual.as_number() <= value.as_number();
    case Operator::kGreaterThan: return actual.is_number() && value.is_number() && actual.as_number() > value.as_number();
    case Operator::kGreaterThanOrEqual:
      return actual.is_number() && value.is_number() && actual.as_number() >= value.as_number();
    case Operator::kBefore:
    case Operator::kAfter: {
      if (!expected.time_ms) return false;
      auto time = time_of_value(actual);
      if (!time) return false;
      return op == Operator::kBefore ? *time < *expected.time_ms : *time > *expected.time_ms;
    }
    case Operator::kSemVerEqual:
    case Operator::kSemVerLessThan:
    case Operator::kSemVerGreaterThan: {
      if (!expected.version || !actual.is_string()) return false;
      auto version = parse_semver(actual.as_string());
      if (!version) return false;
      int order = compare_semver(*version, *expected.version);
      return op == Operator::kSemVerEqual ? order == 0 : (op == Operator::kSemVerLessThan ? order < 0 : order > 0);
    }
    case Operator::kSegmentMatch: return false;  // handled by the clause
  }
  return false;
}

bool any_value_matches(const Clause& clause, const Value& actual) {
  for (const ClauseValue& expected : clause.values) {
    if (operator_matches(clause.op, actual, expected)) return true;
  }
  return false;
}

// One evaluation: the flags in evaluation (prerequisite cycles) and segments in evaluation
// (segment cycles), and whether the data proved malformed.
class Scope {
 public:
  Scope(const FlagSet& flags, const Context& context) : flags_(flags), context_(context) {}

  Evaluation evaluate(const Flag& flag);
  bool malformed() const { return malformed_; }

 private:
  Evaluation served(const Flag& flag, int variation, Reason reason);
  // The off variation with `reason` (off, or a prerequisite failed); no value when there is none.
  Evaluation off(const Flag& flag, Reason reason);
  Evaluation error(const Flag& flag, ErrorKind kind);
  // Serves a fixed variation or a rollout's bucket; nullopt (and malformed) when it has neither.
  std::optional<int> variation_for(const Flag& flag, const VariationOrRollout& serve, bool* in_experiment);
  bool clause_matches(const Clause& clause);
  bool segment_matches(const Segment& segment);
  bool segment_rule_matches(const Segment& segment, const SegmentRule& rule);

  // The flags and segments in evaluation, without allocating: deeper nesting than this is
  // reported as malformed.
  template <typename T>
  struct Stack {
    static constexpr size_t kDepth = 32;
    const T* items[kDepth];
    size_t size = 0;
    bool contains(const T* item) const { return std::find(items, items + size, item) != items + size; }
    bool push(const T* item) {
      if (size == kDepth) return false;
      items[size++] = item;
      return true;
    }
    void pop() { --size; }
  };

  const FlagSet& flags_;
  const Context& context_;
  Stack<Flag> flag_stack_;
  Stack<Segment> segment_stack_;
  bool malformed_ = false;
};

Evaluation Scope::served(const Flag& flag, int variation, Reason reason) {
  if (variation < 0 || static_cast<size_t>(variation) >= flag.variations.size()) {
    return error(flag, ErrorKind::kMalformedFlag);
  }
  Evaluation result;
  result.value = flag.variations[static_cast<size_t>(variation)];
  result.variation = variation;
  result.reason = std::move(reason);
  result.flag_version = flag.version;
  return result;
}

Evaluation Scope::off(const Flag& flag, Reason reason) {
  if (flag.off_variation) return served(flag, *flag.off_variation, std::move(reason));
  Evaluation result;
  result.reason = std::move(reason);
  result.flag_version = flag.version;
  return result;
}

Evaluation Scope::error(const Flag& flag, ErrorKind kind) {
  if (kind == ErrorKind::kMalformedFlag) malformed_ = true;
  Evaluation result;
  result.reason.kind = ReasonKind::kError;
  result.reason.error_kind = kind;
  result.flag_version = flag.version;
  std::optional<int> fallback = flag.default_variation ? flag.default_variation : flag.off_variation;
  if (fallback && *fallback >= 0 && static_cast<size_t>(*fallback) < flag.variations.size()) {
    result.value = flag.variations[static_cast<size_t>(*fallback)];
    result.variation = fallback;
  }
  return result;
}

std::optional<int> Scope::variation_for(const Flag& flag, const VariationOrRollout& serve, bool* in_experiment) {
  *in_experiment = false;
  if (serve.variation) return serve.variation;
  if (!serve.rollout || serve.rollout->variations.empty()) {
    malformed_ = true;
    return std::nullopt;
  }
  const Rollout& rollout = *serve.rollout;
  static const std::vector<std::string> kKeyPath{"key"};
  auto bucket = context_bucket(context_, rollout.context_kind, rollout.experiment ? kKeyPath : rollout.bucket_by_path,
                               flag.key, flag.salt, rollout.seed);
  const double place = bucket.value_or(0.0);
  double sum = 0;
  for (const WeightedVariation& weighted : rollout.variations) {
    sum += weighted.weight / 100000.0;
    if (place < sum) {
      *in_experiment = rollout.experiment && bucket.has_value() && !weighted.untracked;
      return weighted.variation;
    }
  }
  // Weights short of 100000 (or rounding): the last variation, as LaunchDarkly does.
  const WeightedVariation& last = rollout.variations.back();
  *in_experiment = rollout.experiment && bucket.has_value() && !last.untracked;
  return last.variation;
}

bool Scope::clause_matches(const Clause& clause) {
  if (clause.op == Operator::kSegmentMatch) {
    bool matched = false;
    for (const ClauseValue& value : clause.values) {
      if (!value.value.is_string()) continue;
      const Segment* segment = flags_.find_segment(value.value.as_string());
      if (segment != nullptr && segment_matches(*segment)) {
        matched = true;
        break;
      }
    }
    return matched != clause.negate;
  }
  if (clause.attribute_path.empty()) {
    malformed_ = true;
    return false;
  }
  if (clause.attribute_path.size() == 1 && clause.attribute_path[0] == "kind") {
    bool matched = false;
    for (const SingleContext& single : context_.kinds()) {
      if (any_value_matches(clause, Value(single.kind()))) {
        matched = true;
        break;
      }
    }
    return matched != clause.negate;
  }
  const SingleContext* single = context_.find(clause.context_kind);
  if (single == nullptr) return false;  // no such kind: no match, negated or not
  const Value* actual = single->get_path(clause.attribute_path);
  if (actual == nullptr) return false;  // no such attribute: no match, negated or not
  bool matched = false;
  if (actual->is_array()) {
    for (const Value& item : actual->as_array()) {
      if (item.is_array() || item.is_object()) continue;
      if (any_value_matches(clause, item)) {
        matched = true;
        break;
      }
    }
  } else {
    matched = any_value_matches(clause, *actual);
  }
  return matched != clause.negate;
}

bool Scope::segment_matches(const Segment& segment) {
  if (segment.malformed) {
    malformed_ = true;
    return false;
  }
  if (segment_stack_.contains(&segment)) {
    malformed_ = true;  // a segment that includes itself through its rules
    return false;
  }
  if (const SingleContext* user = context_.find(kUserKind); user != nullptr && contains_key(segment.included, user->key())) {
    return true;
  }
  for (const Target& target : segment.included_contexts) {
    if (target_matches(target, context_)) return true;
  }
  if (const SingleContext* user = context_.find(kUserKind); user != nullptr && contains_key(segment.excluded, user->key())) {
    return false;
  }
  for (const Target& target : segment.excluded_contexts) {
    if (target_matches(target, context_)) return false;
  }
  if (!segment_stack_.push(&segment)) {
    malformed_ = true;
    return false;
  }
  bool matched = false;
  for (const SegmentRule& rule : segment.rules) {
    if (segment_rule_matches(segment, rule)) {
      matched = true;
      break;
    }
  }
  segment_stack_.pop();
  return matched;
}

bool Scope::segment_rule_matches(const Segment& segment, const SegmentRule& rule) {
  for (const Clause& clause : rule.clauses) {
    if (!clause_matches(clause)) return false;
  }
  if (!rule.weight) return true;
  auto bucket = context_bucket(context_, rule.rollout_context_kind, rule.bucket_by_path, segment.key, segment.salt,
                               std::nullopt);
  return bucket.value_or(0.0) < *rule.weight / 100000.0;
}

Evaluation Scope::evaluate(const Flag& flag) {
  if (flag.malformed) return error(flag, ErrorKind::kMalformedFlag);
  if (context_.empty()) return error(flag, ErrorKind::kUserNotSpecified);
  if (!flag.on) {
    Reason reason;
    reason.kind = ReasonKind::kOff;
    return off(flag, std::move(reason));
  }
  if (flag_stack_.contains(&flag) || !flag_stack_.push(&flag)) {
    return error(flag, ErrorKind::kMalformedFlag);  // a prerequisite cycle, or nesting past any use
  }
  for (const Prerequisite& prerequisite : flag.prerequisites) {
    const Flag* required = flags_.find_flag(prerequisite.key);
    bool satisfied = false;
    if (required != nullptr) {
      Evaluation inner = evaluate(*required);
      if (malformed_) {
        flag_stack_.pop();
        return error(flag, ErrorKind::kMalformedFlag);
      }
      satisfied = required->on && inner.variation && *inner.variation == prerequisite.variation;
    }
    if (!satisfied) {
      flag_stack_.pop();
      Reason reason;
      reason.kind = ReasonKind::kPrerequisiteFailed;
      reason.prerequisite_key = prerequisite.key;
      return off(flag, std::move(reason));
    }
  }
  flag_stack_.pop();

  auto target_variation = [&]() -> std::optional<int> {
    if (flag.context_targets.empty()) {
      for (const Target& target : flag.targets) {
        if (target_matches(target, context_)) return target.variation;
      }
      return std::nullopt;
    }
    for (const Target& target : flag.context_targets) {
      if (target.context_kind == kUserKind && target.values.empty()) {
        for (const Target& user_target : flag.targets) {
          if (user_target.variation == target.variation && target_matches(user_target, context_)) return target.variation;
        }
      } else if (target_matches(target, context_)) {
        return target.variation;
      }
    }
    return std::nullopt;
  };
  if (auto variation = target_variation()) {
    Reason reason;
    reason.kind = ReasonKind::kTargetMatch;
    return served(flag, *variation, std::move(reason));
  }

  for (size_t i = 0; i < flag.rules.size(); ++i) {
    const Rule& rule = flag.rules[i];
    bool matched = true;
    for (const Clause& clause : rule.clauses) {
      if (!clause_matches(clause)) {
        matched = false;
        break;
      }
    }
    if (malformed_) return error(flag, ErrorKind::kMalformedFlag);
    if (!matched) continue;
    bool in_experiment = false;
    auto variation = variation_for(flag, rule.serve, &in_experiment);
    if (!variation) return error(flag, ErrorKind::kMalformedFlag);
    Reason reason;
    reason.kind = ReasonKind::kRuleMatch;
    reason.rule_index = static_cast<int>(i);
    reason.rule_id = rule.id;
    reason.in_experiment = in_experiment;
    return served(flag, *variation, std::move(reason));
  }

  bool in_experiment = false;
  auto variation = variation_for(flag, flag.fallthrough, &in_experiment);
  if (!variation) return error(flag, ErrorKind::kMalformedFlag);
  Reason reason;
  reason.kind = ReasonKind::kFallthrough;
  reason.in_experiment = in_experiment;
  return served(flag, *variation, std::move(reason));
}

}  // namespace

Evaluation Evaluator::evaluate(std::string_view key, const Context& context) const {
  const Flag* flag = flags_.find_flag(key);
  if (flag == nullptr) {
    Evaluation result;
    result.reason.kind = ReasonKind::kError;
    result.reason.error_kind = ErrorKind::kFlagNotFound;
    return result;
  }
  return evaluate(*flag, context);
}

Evaluation Evaluator::evaluate(const Flag& flag, const Context& context) const {
  Scope scope(flags_, context);
  return scope.evaluate(flag);
}

Evaluation Evaluator::evaluate_as(std::string_view key, const Context& context, Value::Type type,
                                  const Value& fallback) const {
  Evaluation result = evaluate(key, context);
  if (result.value.is_null()) {  // nothing served (off with no off variation, or an error)
    result.value = fallback;
    result.variation.reset();
  } else if (type != Value::Type::kNull && result.value.type() != type) {
    result.reason = Reason{};
    result.reason.kind = ReasonKind::kError;
    result.reason.error_kind = ErrorKind::kWrongType;
    result.value = fallback;
    result.variation.reset();
  }
  return result;
}

// OpenFeature's reasons for LaunchDarkly's; LaunchDarkly's own goes in the metadata.
std::string openfeature_reason(const Evaluation& result, const Flag* flag) {
  switch (result.reason.kind) {
    case ReasonKind::kOff: return "DISABLED";
    case ReasonKind::kTargetMatch: return "TARGETING_MATCH";
    case ReasonKind::kRuleMatch: {
      bool rollout = flag != nullptr && result.reason.rule_index >= 0 &&
                     flag->rules[static_cast<size_t>(result.reason.rule_index)].serve.rollout.has_value();
      return rollout ? "SPLIT" : "TARGETING_MATCH";
    }
    case ReasonKind::kFallthrough:
      return flag != nullptr && flag->fallthrough.rollout ? "SPLIT" : "DEFAULT";
    case ReasonKind::kPrerequisiteFailed: return "PREREQUISITE_FAILED";
    case ReasonKind::kError: return "ERROR";
  }
  return "UNKNOWN";
}

}  // namespace silt::flags
