// silt's YAML flag files: top-level keys are flag keys, `segments:` holds segments. Context kinds
// default to "job"; rollout weights are percentages; variations are named by value.
#include <cmath>

#include <fmt/format.h>

#include "base/strings.h"
#include "flags/context.h"
#include "flags/flag_yaml_internal.h"

namespace silt::flags {

namespace {

const std::vector<std::string> kFlagKeys{"description", "variations", "on",    "off_variation", "default", "version",
                                         "salt",        "prerequisites", "targets", "rules",   "fallthrough"};
const std::vector<std::string> kRuleKeys{"id", "description", "clauses", "serve", "rollout", "bucket_by", "seed", "kind", "experiment"};
const std::vector<std::string> kClauseKeys{"attribute", "op", "values", "negate", "kind"};
const std::vector<std::string> kFallthroughKeys{"serve", "rollout", "bucket_by", "seed", "kind", "experiment"};
const std::vector<std::string> kSegmentKeys{"description", "included", "excluded", "rules", "salt", "version"};
const std::vector<std::string> kSegmentRuleKeys{"id", "description", "clauses", "weight", "bucket_by", "kind"};

class SiltReader {
 public:
  SiltReader(FlagYaml& yaml, FlagSet* into) : yaml_(yaml), into_(into) {}

  void read(const YAML::Node& root) {
    for (auto& [key, node] : yaml_.entries(root, "flag file", {})) {
      if (key == "segments") {
        read_segments(node);
        continue;
      }
      read_flag(key, find_key(root, key), node);
    }
  }

 private:
  static YAML::Node find_key(const YAML::Node& map, const std::string& key) {
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == key) return entry.first;
    }
    return map;
  }

  // The index of the variation whose value `node` holds.
  std::optional<int> variation_of(const YAML::Node& node, const Flag& flag, std::string_view what) {
    Value wanted = FlagYaml::value(node);
    for (size_t i = 0; i < flag.variations.size(); ++i) {
      if (flag.variations[i] == wanted) return static_cast<int>(i);
    }
    yaml_.error(node, fmt::format("{}: {} is not a variation of flag '{}' (variations: {})", what, wanted.to_text(),
                                  flag.key, variation_list(flag)));
    return std::nullopt;
  }

  // A mapping of variation -> keys (kind job), or variation -> {kind: keys}.
  bool read_targets(const YAML::Node& node, Flag* flag) {
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("targets must map variations to context keys, got {}", FlagYaml::kind_of(node)));
      return false;
    }
    bool ok = true;
    for (const auto& entry : node) {
      auto variation = variation_of(entry.first, *flag, "targets");
      if (!variation) {
        ok = false;
        continue;
      }
      if (entry.second.IsMap()) {
        for (auto& [kind, keys_node] : yaml_.entries(entry.second, "targets", {})) {
          auto keys = yaml_.strings(keys_node, "target keys", true);
          if (!keys) {
            ok = false;
            continue;
          }
          flag->context_targets.push_back(Target{kind, *keys, *variation});
        }
        continue;
      }
      auto keys = yaml_.strings(entry.second, "target keys", true);
      if (!keys) {
        ok = false;
        continue;
      }
      flag->context_targets.push_back(Target{std::string(kJobKind), *keys, *variation});
    }
    return ok;
  }

  std::optional<Clause> read_clause(const YAML::Node& node) {
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("a clause is a mapping {{attribute, op, values}}, got {}", FlagYaml::kind_of(node)));
      return std::nullopt;
    }
    Clause clause;
    clause.context_kind = std::string(kJobKind);
    YAML::Node op_node(YAML::NodeType::Undefined);
    YAML::Node values_node(YAML::NodeType::Undefined);
    bool ok = true;
    for (auto& [key, value] : yaml_.entries(node, "clause", kClauseKeys)) {
      if (key == "attribute") {
        auto attribute = yaml_.string(value, "attribute");
        if (attribute) clause.attribute = *attribute;
        else ok = false;
      } else if (key == "op") {
        op_node.reset(value);
      } else if (key == "values") {
        values_node.reset(value);
      } else if (key == "negate") {
        auto negate = yaml_.boolean(value, "negate");
        if (negate) clause.negate = *negate;
        else ok = false;
      } else if (key == "kind") {
        auto kind = yaml_.string(value, "kind");
        if (kind) clause.context_kind = *kind;
        else ok = false;
      }
    }
    clause.attribute_path = parse_attribute_reference(clause.attribute, false);
    auto finished = yaml_.finish_clause(std::move(clause), node, op_node, values_node);
    if (!ok) return std::nullopt;
    return finished;
  }

  bool read_clauses(const YAML::Node& node, std::vector<Clause>* out) {
    return yaml_.clauses(node, [this](const YAML::Node& item) { return read_clause(item); }, out);
  }

  // `serve: VALUE` or `rollout: {VALUE: PERCENT, ...}` with bucket_by, seed, kind and experiment.
  bool read_serve(const std::vector<std::pair<std::string, YAML::Node>>& entries, const YAML::Node& at,
                  const Flag& flag, VariationOrRollout* out, std::string_view what) {
    YAML::Node serve(YAML::NodeType::Undefined);
    YAML::Node rollout_node(YAML::NodeType::Undefined);
    Rollout rollout;
    rollout.context_kind = std::string(kJobKind);
    bool ok = true;
    bool rollout_options = false;
    for (const auto& [key, value] : entries) {
      if (key == "serve") serve.reset(value);
      else if (key == "rollout") rollout_node.reset(value);
      else if (key == "bucket_by") {
        rollout_options = true;
        auto bucket_by = yaml_.string(value, "bucket_by");
        if (!bucket_by) { ok = false; continue; }
        rollout.bucket_by = *bucket_by;
        rollout.bucket_by_path = parse_attribute_reference(*bucket_by, false);
        if (rollout.bucket_by_path.empty()) {
          yaml_.error(value, fmt::format("'{}' is not an attribute reference", *bucket_by));
          ok = false;
        }
      } else if (key == "seed") {
        rollout_options = true;
        auto seed = yaml_.integer(value, "seed");
        if (seed) rollout.seed = *seed;
        else ok = false;
      } else if (key == "kind") {
        rollout_options = true;
        auto kind = yaml_.string(value, "kind");
        if (kind) rollout.context_kind = *kind;
        else ok = false;
      } else if (key == "experiment") {
        rollout_options = true;
        auto experiment = yaml_.boolean(value, "experiment");
        if (experiment) rollout.experiment = *experiment;
        else ok = false;
      }
    }
    if (serve.IsDefined() == rollout_node.IsDefined()) {
      yaml_.error(at, fmt::format("{} needs exactly one of 'serve' (a variation) or 'rollout' ({{variation: percent, ...}})", what));
      return false;
    }
    if (serve.IsDefined()) {
      if (rollout_options) {
        yaml_.error(at, fmt::format("{}: bucket_by, seed, kind and experiment apply to a rollout, not to 'serve'", what));
        ok = false;
      }
      auto variation = variation_of(serve, flag, what);
      if (!variation) return false;
      out->variation = *variation;
      return ok;
    }
    if (!rollout_node.IsMap()) {
      yaml_.error(rollout_node, fmt::format("a rollout maps variations to percentages ({{v1: 90, v2: 10}}), got {}",
                                            FlagYaml::kind_of(rollout_node)));
      return false;
    }
    for (const auto& entry : rollout_node) {
      auto variation = variation_of(entry.first, flag, "rollout");
      auto percent = yaml_.number(entry.second, "a rollout percentage");
      if (!variation || !percent) {
        ok = false;
        continue;
      }
      if (*percent < 0 || *percent > 100) {
        yaml_.error(entry.second, fmt::format("a rollout percentage is from 0 to 100, got {:g}", *percent));
        ok = false;
        continue;
      }
      rollout.variations.push_back(WeightedVariation{*variation, static_cast<int>(std::lround(*percent * 1000)), false});
    }
    if (ok && !check_rollout(rollout, flag.variations.size(), rollout_node, yaml_, "%")) ok = false;
    out->rollout = std::move(rollout);
    return ok;
  }

  bool read_rules(const YAML::Node& node, Flag* flag) {
    if (!node.IsSequence()) {
      yaml_.error(node, fmt::format("rules must be a list, got {}", FlagYaml::kind_of(node)));
      return false;
    }
    bool ok = true;
    int index = 0;
    for (const auto& item : node) {
      std::string what = fmt::format("rule {}", index++);
      if (!item.IsMap()) {
        yaml_.error(item, fmt::format("{} must be a mapping {{clauses, serve | rollout}}, got {}", what, FlagYaml::kind_of(item)));
        ok = false;
        continue;
      }
      Rule rule;
      auto entries = yaml_.entries(item, what, kRuleKeys);
      bool has_clauses = false;
      for (const auto& [key, value] : entries) {
        if (key == "id") {
          auto id = yaml_.string(value, "id");
          if (id) rule.id = *id;
          else ok = false;
        } else if (key == "clauses") {
          has_clauses = true;
          if (!read_clauses(value, &rule.clauses)) ok = false;
        }
      }
      if (!has_clauses) {
        yaml_.error(item, fmt::format("{} needs 'clauses' (a list of {{attribute, op, values}})", what));
        ok = false;
      }
      if (!read_serve(entries, item, *flag, &rule.serve, what)) ok = false;
      flag->rules.push_back(std::move(rule));
    }
    return ok;
  }

  bool read_prerequisites(const YAML::Node& node, Flag* flag) {
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("prerequisites map flag keys to the variation they must serve, got {}", FlagYaml::kind_of(node)));
      return false;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        yaml_.error(entry.first, "a prerequisite is named by its flag key");
        return false;
      }
      Prerequisite prerequisite;
      prerequisite.key = entry.first.Scalar();
      prerequisite.variation_value = FlagYaml::value(entry.second);
      prerequisite.line = FlagYaml::line_of(entry.first);
      prerequisite.column = FlagYaml::column_of(entry.first);
      flag->prerequisites.push_back(std::move(prerequisite));
    }
    return true;
  }

  void read_flag(const std::string& key, const YAML::Node& key_node, const YAML::Node& node) {
    const size_t problems_before = yaml_.problems();
    Flag flag;
    flag.key = key;
    flag.salt = key;
    flag.on = true;
    flag.file = yaml_.file();
    flag.line = FlagYaml::line_of(key_node);
    flag.column = FlagYaml::column_of(key_node);
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("flag '{}' must be a mapping (variations, on, rules, fallthrough, ...), got {}", key,
                                    FlagYaml::kind_of(node)));
      return;
    }
    const std::string what = fmt::format("flag '{}'", key);
    auto entries = yaml_.entries(node, what, kFlagKeys);
    bool ok = true;
    auto find = [&](const std::string& name) -> YAML::Node {
      for (const auto& [entry_key, value] : entries) {
        if (entry_key == name) return value;
      }
      return YAML::Node(YAML::NodeType::Undefined);
    };
    YAML::Node variations = find("variations");
    if (!variations.IsDefined() || !variations.IsSequence() || variations.size() == 0) {
      yaml_.error(variations.IsDefined() ? variations : key_node,
                  fmt::format("{} needs 'variations': a non-empty list of the values it can serve", what));
      flag.malformed = true;
      add_flag(std::move(flag), key_node, yaml_, into_);
      return;
    }
    for (const auto& item : variations) {
      Value value = FlagYaml::value(item);
      for (const Value& earlier : flag.variations) {
        if (earlier == value) {
          yaml_.error(item, fmt::format("{}: variation {} is listed twice", what, value.to_json()));
          ok = false;
        }
      }
      flag.variations.push_back(std::move(value));
    }
    for (const auto& [entry_key, value] : entries) {
      if (entry_key == "description") {
        if (auto text = yaml_.string(value, "description")) flag.description = *text;
      } else if (entry_key == "on") {
        auto on = yaml_.boolean(value, "on");
        if (on) flag.on = *on;
        else ok = false;
      } else if (entry_key == "off_variation") {
        auto variation = variation_of(value, flag, "off_variation");
        if (variation) flag.off_variation = *variation;
        else ok = false;
      } else if (entry_key == "default") {
        auto variation = variation_of(value, flag, "default");
        if (variation) flag.default_variation = *variation;
        else ok = false;
      } else if (entry_key == "version") {
        auto version = yaml_.integer(value, "version");
        if (version && *version >= 1 && *version <= 2147483647) flag.version = static_cast<int>(*version);
        else {
          if (version) yaml_.error(value, "version is a whole number from 1");
          ok = false;
        }
      } else if (entry_key == "salt") {
        auto salt = yaml_.string(value, "salt");
        if (salt) flag.salt = *salt;
        else ok = false;
      } else if (entry_key == "prerequisites") {
        if (!read_prerequisites(value, &flag)) ok = false;
      } else if (entry_key == "targets") {
        if (!read_targets(value, &flag)) ok = false;
      } else if (entry_key == "rules") {
        if (!read_rules(value, &flag)) ok = false;
      } else if (entry_key == "fallthrough") {
        if (value.IsMap()) {
          auto fallthrough_entries = yaml_.entries(value, what + " fallthrough", kFallthroughKeys);
          if (!read_serve(fallthrough_entries, value, flag, &flag.fallthrough, what + " fallthrough")) ok = false;
        } else {
          auto variation = variation_of(value, flag, "fallthrough");
          if (variation) flag.fallthrough.variation = *variation;
          else ok = false;
        }
      }
    }
    if (!find("fallthrough").IsDefined()) {
      if (flag.variations.size() == 1) {
        flag.fallthrough.variation = 0;
      } else {
        yaml_.error(key_node, fmt::format("{} needs 'fallthrough': the variation (or rollout) served when no target or "
                                          "rule matches",
                                          what));
        ok = false;
      }
    }
    // Any problem in its section (an unknown key too: it may be a misspelt rule) makes it malformed.
    flag.malformed = !ok || yaml_.problems() > problems_before;
    add_flag(std::move(flag), key_node, yaml_, into_);
  }

  // included/excluded: a list of job keys, or {kind: [keys]}.
  bool read_segment_keys(const YAML::Node& node, std::vector<Target>* out, std::string_view what) {
    if (node.IsMap()) {
      bool ok = true;
      for (auto& [kind, keys_node] : yaml_.entries(node, what, {})) {
        auto keys = yaml_.strings(keys_node, what, true);
        if (keys) out->push_back(Target{kind, *keys, 0});
        else ok = false;
      }
      return ok;
    }
    auto keys = yaml_.strings(node, what, true);
    if (!keys) return false;
    out->push_back(Target{std::string(kJobKind), *keys, 0});
    return true;
  }

  void read_segments(const YAML::Node& node) {
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("segments must map segment keys to segments, got {}", FlagYaml::kind_of(node)));
      return;
    }
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;
      const size_t problems_before = yaml_.problems();
      Segment segment;
      segment.key = entry.first.Scalar();
      segment.salt = segment.key;
      segment.file = yaml_.file();
      segment.line = FlagYaml::line_of(entry.first);
      segment.column = FlagYaml::column_of(entry.first);
      const std::string what = fmt::format("segment '{}'", segment.key);
      if (!entry.second.IsMap()) {
        yaml_.error(entry.second, fmt::format("{} must be a mapping (included, excluded, rules), got {}", what,
                                              FlagYaml::kind_of(entry.second)));
        continue;
      }
      bool ok = true;
      for (auto& [key, value] : yaml_.entries(entry.second, what, kSegmentKeys)) {
        if (key == "included") ok = read_segment_keys(value, &segment.included_contexts, "included") && ok;
        else if (key == "excluded") ok = read_segment_keys(value, &segment.excluded_contexts, "excluded") && ok;
        else if (key == "salt") {
          auto salt = yaml_.string(value, "salt");
          if (salt) segment.salt = *salt;
          else ok = false;
        } else if (key == "version") {
          auto version = yaml_.integer(value, "version");
          if (version && *version >= 1) segment.version = static_cast<int>(*version);
          else ok = false;
        } else if (key == "rules") {
          if (!value.IsSequence()) {
            yaml_.error(value, fmt::format("{} rules must be a list, got {}", what, FlagYaml::kind_of(value)));
            ok = false;
            continue;
          }
          for (const auto& item : value) {
            SegmentRule rule;
            rule.rollout_context_kind = std::string(kJobKind);
            if (!item.IsMap()) {
              yaml_.error(item, "a segment rule is a mapping {clauses, weight}");
              ok = false;
              continue;
            }
            for (auto& [rule_key, rule_value] : yaml_.entries(item, what + " rule", kSegmentRuleKeys)) {
              if (rule_key == "id") {
                if (auto id = yaml_.string(rule_value, "id")) rule.id = *id;
              } else if (rule_key == "clauses") {
                ok = read_clauses(rule_value, &rule.clauses) && ok;
              } else if (rule_key == "weight") {
                auto percent = yaml_.number(rule_value, "weight (a percentage)");
                if (percent && *percent >= 0 && *percent <= 100) rule.weight = static_cast<int>(std::lround(*percent * 1000));
                else {
                  if (percent) yaml_.error(rule_value, "a segment rule's weight is a percentage from 0 to 100");
                  ok = false;
                }
              } else if (rule_key == "bucket_by") {
                auto bucket_by = yaml_.string(rule_value, "bucket_by");
                if (bucket_by) {
                  rule.bucket_by = *bucket_by;
                  rule.bucket_by_path = parse_attribute_reference(*bucket_by, false);
                } else {
                  ok = false;
                }
              } else if (rule_key == "kind") {
                if (auto kind = yaml_.string(rule_value, "kind")) rule.rollout_context_kind = *kind;
              }
            }
            segment.rules.push_back(std::move(rule));
          }
        }
      }
      segment.malformed = !ok || yaml_.problems() > problems_before;
      add_segment(std::move(segment), entry.first, yaml_, into_);
    }
  }

  FlagYaml& yaml_;
  FlagSet* into_;
};

}  // namespace

void read_silt_flags(const YAML::Node& root, FlagYaml& yaml, FlagSet* into) { SiltReader(yaml, into).read(root); }

}  // namespace silt::flags
