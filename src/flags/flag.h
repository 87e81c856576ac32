// The flag model: flags, their targets, rules, rollouts and prerequisites, and segments, in the shape
// of LaunchDarkly's server-side flag data. Clause values are prepared at load time (regular
// expressions compiled, dates and versions parsed) so that evaluation does no parsing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "flags/semver.h"
#include "flags/value.h"

namespace silt::flags {

enum class Operator {
  kIn,
  kStartsWith,
  kEndsWith,
  kContains,
  kMatches,
  kLessThan,
  kLessThanOrEqual,
  kGreaterThan,
  kGreaterThanOrEqual,
  kBefore,
  kAfter,
  kSemVerEqual,
  kSemVerLessThan,
  kSemVerGreaterThan,
  kSegmentMatch,
};

// LaunchDarkly's operator names ("in", "startsWith", ..., "segmentMatch").
std::string_view operator_name(Operator op);
std::optional<Operator> operator_from_name(std::string_view name);
std::vector<std::string> operator_names();

// One clause value, prepared for its operator.
struct ClauseValue {
  Value value;
  std::shared_ptr<const std::regex> regex;  // kMatches, when the value is a valid pattern
  std::optional<double> time_ms;            // kBefore/kAfter: epoch milliseconds
  std::optional<SemVer> version;            // kSemVer*
};

struct Clause {
  std::string context_kind{"user"};
  // The attribute as written, and its reference path (["address", "city"] for "/address/city").
  std::string attribute;
  std::vector<std::string> attribute_path;
  Operator op = Operator::kIn;
  std::vector<ClauseValue> values;
  bool negate = false;
  int line = 0;  // where it is written, for messages
  int column = 0;
};

struct WeightedVariation {
  int variation = 0;
  int weight = 0;  // out of 100000
  bool untracked = false;
};

struct Rollout {
  bool experiment = false;
  std::string context_kind{"user"};
  // An attribute (a reference path when the rollout names a context kind, as LaunchDarkly reads
  // it); experiments always bucket by the key.
  std::string bucket_by{"key"};
  std::vector<std::string> bucket_by_path{"key"};
  std::optional<int64_t> seed;
  std::vector<WeightedVariation> variations;
};

// What a rule or the fallthrough serves: a fixed variation or a rollout.
struct VariationOrRollout {
  std::optional<int> variation;
  std::optional<Rollout> rollout;
};

struct Rule {
  std::string id;
  std::vector<Clause> clauses;
  VariationOrRollout serve;
};

struct Target {
  std::string context_kind{"user"};
  std::vector<std::string> values;  // context keys
  int variation = 0;
};

struct Prerequisite {
  std::string key;
  int variation = 0;
  // silt's flag files name the required variation by value: check_flag_set resolves it.
  std::optional<Value> variation_value;
  int line = 0;  // where it is written, for messages
  int column = 0;
};

struct Flag {
  std::string key;
  int version = 1;
  bool on = false;
  std::vector<Value> variations;
  std::optional<int> off_variation;
  // Served with reason ERROR when the flag cannot be evaluated (silt's addition; the variation of
  // `default:` in a flag file, else the off variation).
  std::optional<int> default_variation;
  std::vector<Prerequisite> prerequisites;
  // LaunchDarkly's `targets` (user kind) and `contextTargets`; a contextTargets entry of kind user
  // with no values stands for the `targets` entry of its variation, as LaunchDarkly's data does.
  std::vector<Target> targets;
  std::vector<Target> context_targets;
  std::vector<Rule> rules;
  VariationOrRollout fallthrough;
  std::string salt;
  std::string description;
  // Where the flag is defined, for messages.
  std::string file;
  int line = 0;
  int column = 0;
  // The flag file had problems with this flag: it evaluates to its default with MALFORMED_FLAG.
  bool malformed = false;
};

struct SegmentRule {
  std::string id;
  std::vector<Clause> clauses;
  std::optional<int> weight;  // out of 100000: only that share of matching contexts is in
  std::string bucket_by{"key"};
  std::vector<std::string> bucket_by_path{"key"};
  std::string rollout_context_kind{"user"};
};

struct Segment {
  std::string key;
  int version = 1;
  std::vector<std::string> included;  // user keys
  std::vector<std::string> excluded;
  std::vector<Target> included_contexts;  // variation unused
  std::vector<Target> excluded_contexts;
  std::vector<SegmentRule> rules;
  std::string salt;
  std::string file;
  int line = 0;
  int column = 0;
  bool malformed = false;  // a flag whose clauses use it is malformed too
};

// The flags and segments of one provider load; immutable once built.
struct FlagSet {
  std::map<std::string, Flag, std::less<>> flags;
  std::map<std::string, Segment, std::less<>> segments;

  const Flag* find_flag(std::string_view key) const {
    auto it = flags.find(key);
    return it == flags.end() ? nullptr : &it->second;
  }
  const Segment* find_segment(std::string_view key) const {
    auto it = segments.find(key);
    return it == segments.end() ? nullptr : &it->second;
  }
};

// Epoch milliseconds of a number (taken as milliseconds) or an RFC 3339 string; nullopt otherwise.
std::optional<double> time_of_value(const Value& value);
// The flag's variations for messages: "v1, v2".
std::string variation_list(const Flag& flag);
// Prepares one clause value for the clause's operator (regex, time or version parsed).
ClauseValue prepare_clause_value(Operator op, Value value);
// LaunchDarkly's attribute reference: "/a/b" is a path (~1 is '/', ~0 is '~'), anything else one
// literal name. Empty when the reference is malformed ("/", "a//b" style empty components).
std::vector<std::string> parse_attribute_reference(const std::string& attribute, bool literal);

}  // namespace silt::flags
