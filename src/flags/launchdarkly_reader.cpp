// LaunchDarkly's flag data as JSON: {"flags": {KEY: flag}, "segments": {KEY: segment},
// "flagValues": {KEY: value}}, with the field names of its server-side data (variations as indexes,
// weights out of 100000). Fields LaunchDarkly uses for events and client SDKs are accepted and
// ignored.
#include <fmt/format.h>

#include "base/strings.h"
#include "flags/context.h"
#include "flags/flag_yaml_internal.h"

namespace silt::flags {

namespace {

class LaunchDarklyReader {
 public:
  LaunchDarklyReader(FlagYaml& yaml, FlagSet* into) : yaml_(yaml), into_(into) {}

  void read(const YAML::Node& root) {
    for (auto& [key, node] : yaml_.entries(root, "flag data", {"flags", "segments", "flagValues"})) {
      if (!node.IsMap()) {
        yaml_.error(node, fmt::format("\"{}\" must be an object, got {}", key, FlagYaml::kind_of(node)));
        continue;
      }
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) continue;
        if (key == "flags") read_flag(entry.first, entry.second);
        else if (key == "segments") read_segment(entry.first, entry.second);
        else read_flag_value(entry.first, entry.second);
      }
    }
  }

 private:
  static YAML::Node member(const YAML::Node& map, const char* name) {
    for (const auto& entry : map) {
      if (entry.first.IsScalar() && entry.first.Scalar() == name) return entry.second;
    }
    return YAML::Node(YAML::NodeType::Undefined);
  }
  static bool present(const YAML::Node& node) { return node.IsDefined() && !node.IsNull(); }

  std::optional<int> variation_index(const YAML::Node& node, size_t count, std::string_view what) {
    auto index = yaml_.integer(node, what);
    if (!index) return std::nullopt;
    if (*index < 0 || static_cast<size_t>(*index) >= count) {
      yaml_.error(node, fmt::format("{} {} is out of range: the flag has {} variation{} (0 to {})", what, *index, count,
                                    count == 1 ? "" : "s", static_cast<int64_t>(count) - 1));
      return std::nullopt;
    }
    return static_cast<int>(*index);
  }

  std::string kind_or_user(const YAML::Node& node, bool* ok) {
    if (!present(node)) return std::string(kUserKind);
    auto kind = yaml_.string(node, "contextKind");
    if (!kind) *ok = false;
    return kind.value_or(std::string(kUserKind));
  }

  std::optional<Clause> read_clause(const YAML::Node& node) {
    if (!node.IsMap()) {
      yaml_.error(node, "a clause is an object {attribute, op, values}");
      return std::nullopt;
    }
    bool ok = true;
    Clause clause;
    YAML::Node kind = member(node, "contextKind");
    clause.context_kind = kind_or_user(kind, &ok);
    if (YAML::Node attribute = member(node, "attribute"); present(attribute)) {
      if (auto text = yaml_.string(attribute, "attribute")) clause.attribute = *text;
      else ok = false;
    }
    // Without a contextKind (older data) the attribute is a plain name, not a reference path.
    clause.attribute_path = parse_attribute_reference(clause.attribute, !present(kind));
    if (YAML::Node negate = member(node, "negate"); present(negate)) {
      if (auto value = yaml_.boolean(negate, "negate")) clause.negate = *value;
      else ok = false;
    }
    YAML::Node values = member(node, "values");
    if (present(values) && !values.IsSequence()) {
      yaml_.error(values, "a clause's \"values\" is an array");
      return std::nullopt;
    }
    auto finished = yaml_.finish_clause(std::move(clause), node, member(node, "op"), values);
    if (!ok) return std::nullopt;
    return finished;
  }

  bool read_clauses(const YAML::Node& node, std::vector<Clause>* out) {
    if (!present(node)) return true;
    return yaml_.clauses(node, [this](const YAML::Node& item) { return read_clause(item); }, out);
  }

  bool read_variation_or_rollout(const YAML::Node& node, size_t count, VariationOrRollout* out, std::string_view what) {
    YAML::Node variation = member(node, "variation");
    YAML::Node rollout_node = member(node, "rollout");
    if (present(variation)) {
      auto index = variation_index(variation, count, what);
      if (!index) return false;
      out->variation = *index;
      return true;
    }
    if (!present(rollout_node) || !rollout_node.IsMap()) {
      yaml_.error(node, fmt::format("{} needs \"variation\" or \"rollout\"", what));
      return false;
    }
    bool ok = true;
    Rollout rollout;
    YAML::Node kind = member(rollout_node, "contextKind");
    rollout.context_kind = kind_or_user(kind, &ok);
    if (YAML::Node rollout_kind = member(rollout_node, "kind"); present(rollout_kind)) {
      auto text = yaml_.string(rollout_kind, "rollout kind");
      if (text && *text == "experiment") rollout.experiment = true;
      else if (!text || *text != "rollout") {
        if (text) yaml_.error(rollout_kind, fmt::format("rollout kind is \"rollout\" or \"experiment\", got \"{}\"", *text));
        ok = false;
      }
    }
    if (YAML::Node bucket_by = member(rollout_node, "bucketBy"); present(bucket_by)) {
      if (auto text = yaml_.string(bucket_by, "bucketBy")) {
        rollout.bucket_by = *text;
        rollout.bucket_by_path = parse_attribute_reference(*text, !present(kind));
        if (rollout.bucket_by_path.empty()) {
          yaml_.error(bucket_by, fmt::format("\"{}\" is not an attribute reference", *text));
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (YAML::Node seed = member(rollout_node, "seed"); present(seed)) {
      if (auto value = yaml_.integer(seed, "seed")) rollout.seed = *value;
      else ok = false;
    }
    YAML::Node variations = member(rollout_node, "variations");
    if (!present(variations) || !variations.IsSequence()) {
      yaml_.error(rollout_node, "a rollout needs \"variations\": [{\"variation\": i, \"weight\": w}, ...]");
      return false;
    }
    for (const auto& item : variations) {
      WeightedVariation weighted;
      YAML::Node index = member(item, "variation");
      YAML::Node weight = member(item, "weight");
      if (!present(index) || !present(weight)) {
        yaml_.error(item, "a weighted variation needs \"variation\" and \"weight\"");
        ok = false;
        continue;
      }
      auto index_value = yaml_.integer(index, "variation");
      auto weight_value = yaml_.integer(weight, "weight");
      if (!index_value || !weight_value) {
        ok = false;
        continue;
      }
      weighted.variation = static_cast<int>(*index_value);
      weighted.weight = static_cast<int>(*weight_value);
      if (YAML::Node untracked = member(item, "untracked"); present(untracked)) {
        if (auto value = yaml_.boolean(untracked, "untracked")) weighted.untracked = *value;
      }
      rollout.variations.push_back(weighted);
    }
    if (ok && !check_rollout(rollout, count, variations, yaml_, "")) ok = false;
    out->rollout = std::move(rollout);
    return ok;
  }

  bool read_targets(const YAML::Node& node, size_t count, bool with_kind, std::vector<Target>* out) {
    if (!present(node)) return true;
    if (!node.IsSequence()) {
      yaml_.error(node, "targets are an array of {\"values\", \"variation\"}");
      return false;
    }
    bool ok = true;
    for (const auto& item : node) {
      Target target;
      if (with_kind) target.context_kind = kind_or_user(member(item, "contextKind"), &ok);
      YAML::Node values = member(item, "values");
      if (present(values)) {
        auto keys = yaml_.strings(values, "target values", false);
        if (keys) target.values = *keys;
        else ok = false;
      }
      if (count > 0) {
        auto index = variation_index(member(item, "variation"), count, "target variation");
        if (index) target.variation = *index;
        else ok = false;
      }
      out->push_back(std::move(target));
    }
    return ok;
  }

  void read_flag(const YAML::Node& key_node, const YAML::Node& node) {
    const size_t problems_before = yaml_.problems();
    Flag flag;
    flag.key = key_node.Scalar();
    flag.file = yaml_.file();
    flag.line = FlagYaml::line_of(key_node);
    flag.column = FlagYaml::column_of(key_node);
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("flag \"{}\" must be an object, got {}", flag.key, FlagYaml::kind_of(node)));
      return;
    }
    if (YAML::Node deleted = member(node, "deleted"); present(deleted) && FlagYaml::scalar(deleted) == Value(true)) return;
    bool ok = true;
    if (YAML::Node inner_key = member(node, "key"); present(inner_key) && inner_key.Scalar() != flag.key) {
      yaml_.error(inner_key, fmt::format("the flag under \"{}\" says its key is \"{}\"", flag.key, inner_key.Scalar()));
      ok = false;
    }
    YAML::Node variations = member(node, "variations");
    if (!present(variations) || !variations.IsSequence() || variations.size() == 0) {
      yaml_.error(present(variations) ? variations : key_node, fmt::format("flag \"{}\" needs \"variations\", a non-empty array", flag.key));
      flag.malformed = true;
      add_flag(std::move(flag), key_node, yaml_, into_);
      return;
    }
    for (const auto& item : variations) flag.variations.push_back(FlagYaml::value(item));
    const size_t count = flag.variations.size();
    if (YAML::Node on = member(node, "on"); present(on)) {
      if (auto value = yaml_.boolean(on, "on")) flag.on = *value;
      else ok = false;
    }
    if (YAML::Node version = member(node, "version"); present(version)) {
      if (auto value = yaml_.integer(version, "version")) flag.version = static_cast<int>(*value);
      else ok = false;
    }
    if (YAML::Node salt = member(node, "salt"); present(salt)) {
      if (auto value = yaml_.string(salt, "salt")) flag.salt = *value;
      else ok = false;
    }
    if (YAML::Node off = member(node, "offVariation"); present(off)) {
      if (auto index = variation_index(off, count, "offVariation")) flag.off_variation = *index;
      else ok = false;
    }
    if (YAML::Node description = member(node, "description"); present(description) && description.IsScalar()) {
      flag.description = description.Scalar();
    }
    if (YAML::Node prerequisites = member(node, "prerequisites"); present(prerequisites)) {
      if (!prerequisites.IsSequence()) {
        yaml_.error(prerequisites, "\"prerequisites\" is an array of {\"key\", \"variation\"}");
        ok = false;
      } else {
        for (const auto& item : prerequisites) {
          Prerequisite prerequisite;
          prerequisite.line = FlagYaml::line_of(item);
          prerequisite.column = FlagYaml::column_of(item);
          auto key = yaml_.string(member(item, "key"), "a prerequisite's key");
          auto variation = yaml_.integer(member(item, "variation"), "a prerequisite's variation");
          if (!key || !variation) {
            ok = false;
            continue;
          }
          prerequisite.key = *key;
          prerequisite.variation = static_cast<int>(*variation);
          flag.prerequisites.push_back(std::move(prerequisite));
        }
      }
    }
    ok = read_targets(member(node, "targets"), count, false, &flag.targets) && ok;
    ok = read_targets(member(node, "contextTargets"), count, true, &flag.context_targets) && ok;
    if (YAML::Node rules = member(node, "rules"); present(rules)) {
      if (!rules.IsSequence()) {
        yaml_.error(rules, "\"rules\" is an array");
        ok = false;
      } else {
        int index = 0;
        for (const auto& item : rules) {
          Rule rule;
          if (YAML::Node id = member(item, "id"); present(id) && id.IsScalar()) rule.id = id.Scalar();
          ok = read_clauses(member(item, "clauses"), &rule.clauses) && ok;
          ok = read_variation_or_rollout(item, count, &rule.serve, fmt::format("rule {}", index++)) && ok;
          flag.rules.push_back(std::move(rule));
        }
      }
    }
    YAML::Node fallthrough = member(node, "fallthrough");
    if (present(fallthrough)) {
      ok = read_variation_or_rollout(fallthrough, count, &flag.fallthrough, "fallthrough") && ok;
    } else if (flag.on) {
      yaml_.error(key_node, fmt::format("flag \"{}\" is on but has no \"fallthrough\"", flag.key));
      ok = false;
    }
    flag.malformed = !ok || yaml_.problems() > problems_before;
    add_flag(std::move(flag), key_node, yaml_, into_);
  }

  // "flagValues": a flag that always serves one value.
  void read_flag_value(const YAML::Node& key_node, const YAML::Node& node) {
    Flag flag;
    flag.key = key_node.Scalar();
    flag.salt = flag.key;
    flag.file = yaml_.file();
    flag.line = FlagYaml::line_of(key_node);
    flag.column = FlagYaml::column_of(key_node);
    flag.on = true;
    flag.variations.push_back(FlagYaml::value(node));
    flag.fallthrough.variation = 0;
    add_flag(std::move(flag), key_node, yaml_, into_);
  }

  void read_segment(const YAML::Node& key_node, const YAML::Node& node) {
    Segment segment;
    segment.key = key_node.Scalar();
    segment.file = yaml_.file();
    segment.line = FlagYaml::line_of(key_node);
    segment.column = FlagYaml::column_of(key_node);
    if (!node.IsMap()) {
      yaml_.error(node, fmt::format("segment \"{}\" must be an object", segment.key));
      return;
    }
    if (YAML::Node deleted = member(node, "deleted"); present(deleted) && FlagYaml::scalar(deleted) == Value(true)) return;
    bool ok = true;
    if (YAML::Node unbounded = member(node, "unbounded"); present(unbounded) && FlagYaml::scalar(unbounded) == Value(true)) {
      yaml_.error(unbounded, fmt::format("segment \"{}\" is a big (unbounded) segment, whose members live in "
                                         "LaunchDarkly's big-segment store; list its members in \"included\" instead",
                                         segment.key));
      ok = false;
    }
    if (YAML::Node version = member(node, "version"); present(version)) {
      if (auto value = yaml_.integer(version, "version")) segment.version = static_cast<int>(*value);
    }
    if (YAML::Node salt = member(node, "salt"); present(salt) && salt.IsScalar()) segment.salt = salt.Scalar();
    for (auto [name, out] : {std::pair{"included", &segment.included}, std::pair{"excluded", &segment.excluded}}) {
      if (YAML::Node keys = member(node, name); present(keys)) {
        auto values = yaml_.strings(keys, name, false);
        if (values) *out = *values;
        else ok = false;
      }
    }
    ok = read_targets(member(node, "includedContexts"), 0, true, &segment.included_contexts) && ok;
    ok = read_targets(member(node, "excludedContexts"), 0, true, &segment.excluded_contexts) && ok;
    if (YAML::Node rules = member(node, "rules"); present(rules) && rules.IsSequence()) {
      for (const auto& item : rules) {
        SegmentRule rule;
        if (YAML::Node id = member(item, "id"); present(id) && id.IsScalar()) rule.id = id.Scalar();
        ok = read_clauses(member(item, "clauses"), &rule.clauses) && ok;
        if (YAML::Node weight = member(item, "weight"); present(weight)) {
          if (auto value = yaml_.integer(weight, "weight")) rule.weight = static_cast<int>(*value);
          else ok = false;
        }
        YAML::Node kind = member(item, "rolloutContextKind");
        rule.rollout_context_kind = kind_or_user(kind, &ok);
        if (YAML::Node bucket_by = member(item, "bucketBy"); present(bucket_by) && bucket_by.IsScalar()) {
          rule.bucket_by = bucket_by.Scalar();
          rule.bucket_by_path = parse_attribute_reference(rule.bucket_by, !present(kind));
        }
        segment.rules.push_back(std::move(rule));
      }
    }
    segment.malformed = !ok;
    add_segment(std::move(segment), key_node, yaml_, into_);
  }

  FlagYaml& yaml_;
  FlagSet* into_;
};

}  // namespace

void read_launchdarkly_flags(const YAML::Node& root, FlagYaml& yaml, FlagSet* into) {
  LaunchDarklyReader(yaml, into).read(root);
}

}  // namespace silt::flags
