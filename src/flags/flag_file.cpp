#include "flags/flag_file.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "flags/flag_yaml_internal.h"

namespace silt::flags {

void FlagYaml::error(const YAML::Node& at, std::string message) {
  diagnostics_->push_back(Diagnostic{file_, line_of(at), column_of(at), std::move(message)});
}

Value FlagYaml::scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return Value(text);  // quoted: a string
  if (text == "true" || text == "True" || text == "TRUE") return Value(true);
  if (text == "false" || text == "False" || text == "FALSE") return Value(false);
  if (text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty()) return Value();
  // A number: JSON's grammar (optional sign, digits, fraction, exponent), nothing else.
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (digits > 0 && i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    size_t exponent_start = ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i, ++exponent_start;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == exponent_start) return Value(text);
  }
  if (digits > 0 && i == text.size()) {
    try {
      return Value(std::stod(text));
    } catch (...) {
      return Value(text);
    }
  }
  return Value(text);
}

Value FlagYaml::value(const YAML::Node& node) {
  if (node.IsScalar()) return scalar(node);
  if (node.IsSequence()) {
    Value::Array items;
    for (const auto& item : node) items.push_back(value(item));
    return Value::array(std::move(items));
  }
  if (node.IsMap()) {
    Value::Object members;
    for (const auto& entry : node) members[entry.first.Scalar()] = value(entry.second);
    return Value::object(std::move(members));
  }
  return Value();
}

std::string FlagYaml::kind_of(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsMap()) return "a mapping";
  if (node.IsSequence()) return "a list";
  Value v = scalar(node);
  if (v.is_bool()) return "a boolean";
  if (v.is_number()) return "a number";
  return fmt::format("the string '{}'", node.Scalar());
}

std::vector<std::pair<std::string, YAML::Node>> FlagYaml::entries(const YAML::Node& map, std::string_view what,
                                                                  const std::vector<std::string>& allowed) {
  std::vector<std::pair<std::string, YAML::Node>> out;
  std::map<std::string, int> first_line;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(key, fmt::format("{}: keys must be names, got {}", what, kind_of(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [it, inserted] = first_line.emplace(name, line_of(key));
    if (!inserted) {
      error(key, fmt::format("{}: '{}' is given twice (first on line {}); keep one", what, name, it->second));
      continue;
    }
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      auto suggestion = closest_name(name, allowed);
      error(key, suggestion ? fmt::format("{}: unknown key '{}' (did you mean '{}'?)", what, name, *suggestion)
                            : fmt::format("{}: unknown key '{}' (expected one of: {})", what, name, join(allowed, ", ")));
      continue;
    }
    out.emplace_back(name, entry.second);
  }
  return out;
}

std::optional<bool> FlagYaml::boolean(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    Value v = scalar(node);
    if (v.is_bool()) return v.as_bool();
  }
  error(node, fmt::format("{} must be true or false, got {}", what, kind_of(node)));
  return std::nullopt;
}

std::optional<double> FlagYaml::number(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    Value v = scalar(node);
    if (v.is_number()) return v.as_number();
  }
  error(node, fmt::format("{} must be a number, got {}", what, kind_of(node)));
  return std::nullopt;
}

std::optional<int64_t> FlagYaml::integer(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar()) {
    Value v = scalar(node);
    if (v.is_integer()) return static_cast<int64_t>(v.as_number());
  }
  error(node, fmt::format("{} must be a whole number, got {}", what, kind_of(node)));
  return std::nullopt;
}

std::optional<std::string> FlagYaml::string(const YAML::Node& node, std::string_view what) {
  if (node.IsScalar() && !node.IsNull()) return node.Scalar();
  error(node, fmt::format("{} must be a string, got {}", what, kind_of(node)));
  return std::nullopt;
}

std::optional<std::vector<std::string>> FlagYaml::strings(const YAML::Node& node, std::string_view what,
                                                           bool allow_single) {
  std::vector<std::string> out;
  if (allow_single && node.IsScalar() && !node.IsNull()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) {
    error(node, fmt::format("{} must be a list of strings, got {}", what, kind_of(node)));
    return std::nullopt;
  }
  bool ok = true;
  for (const auto& item : node) {
    if (!item.IsScalar() || item.IsNull()) {
      error(item, fmt::format("{}: every item must be a string, got {}", what, kind_of(item)));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

bool FlagYaml::clauses(const YAML::Node& node, const std::function<std::optional<Clause>(const YAML::Node&)>& read_one,
                       std::vector<Clause>* out) {
  if (!node.IsSequence()) {
    error(node, fmt::format("clauses must be a list, got {}", kind_of(node)));
    return false;
  }
  bool ok = true;
  for (const auto& item : node) {
    auto clause = read_one(item);
    if (clause) out->push_back(std::move(*clause));
    else ok = false;
  }
  return ok;
}

std::optional<Clause> FlagYaml::finish_clause(Clause clause, const YAML::Node& at, const YAML::Node& op_node,
                                              const YAML::Node& values_node) {
  clause.line = line_of(at);
  clause.column = column_of(at);
  bool ok = true;
  if (!op_node.IsDefined()) {
    error(at, "a clause needs 'op' (one of: " + join(operator_names(), ", ") + ")");
    return std::nullopt;
  }
  auto op_name = string(op_node, "a clause's op");
  if (!op_name) return std::nullopt;
  auto op = operator_from_name(*op_name);
  if (!op) {
    auto suggestion = closest_name(*op_name, operator_names());
    error(op_node, suggestion ? fmt::format("unknown operator '{}' (did you mean '{}'?)", *op_name, *suggestion)
                              : fmt::format("unknown operator '{}' (operators: {})", *op_name, join(operator_names(), ", ")));
    return std::nullopt;
  }
  clause.op = *op;
  if (clause.op != Operator::kSegmentMatch) {
    if (clause.attribute.empty()) {
      error(at, fmt::format("a clause with op {} needs an 'attribute'", *op_name));
      ok = false;
    } else if (clause.attribute_path.empty()) {
      error(at, fmt::format("'{}' is not an attribute reference (write /a/b for a nested attribute, ~1 for '/' "
                            "and ~0 for '~' in a name)",
                            clause.attribute));
      ok = false;
    }
  }
  if (!values_node.IsDefined()) {
    error(at, "a clause needs 'values'");
    return std::nullopt;
  }
  std::vector<YAML::Node> items;
  if (values_node.IsSequence()) {
    for (const auto& item : values_node) items.push_back(item);
  } else {
    items.push_back(values_node);
  }
  for (const YAML::Node& item : items) {
    ClauseValue prepared = prepare_clause_value(clause.op, value(item));
    const Value& v = prepared.value;
    switch (clause.op) {
      case Operator::kMatches:
        if (!prepared.regex) {
          error(item, fmt::format("'{}' is not a regular expression (ECMAScript syntax)", v.to_text()));
          ok = false;
        }
        break;
      case Operator::kBefore:
      case Operator::kAfter:
        if (!prepared.time_ms) {
          error(item, fmt::format("{} is not a date: write epoch milliseconds or RFC 3339 (2025-11-03T00:00:00Z)", v.to_json()));
          ok = false;
        }
        break;
      case Operator::kSemVerEqual:
      case Operator::kSemVerLessThan:
      case Operator::kSemVerGreaterThan:
        if (!prepared.version) {
          error(item, fmt::format("{} is not a semantic version (MAJOR[.MINOR[.PATCH]][-pre][+build])", v.to_json()));
          ok = false;
        }
        break;
      case Operator::kSegmentMatch:
        if (!v.is_string()) {
          error(item, fmt::format("segmentMatch values are segment keys, got {}", v.to_json()));
          ok = false;
        }
        break;
      default: break;
    }
    clause.values.push_back(std::move(prepared));
  }
  if (!ok) return std::nullopt;
  return clause;
}

bool check_rollout(const Rollout& rollout, size_t variation_count, const YAML::Node& at, FlagYaml& yaml,
                   std::string_view units) {
  if (rollout.variations.empty()) {
    yaml.error(at, "a rollout needs at least one variation with a weight");
    return false;
  }
  int64_t total = 0;
  bool ok = true;
  for (const WeightedVariation& weighted : rollout.variations) {
    if (weighted.variation < 0 || static_cast<size_t>(weighted.variation) >= variation_count) {
      yaml.error(at, fmt::format("the rollout names variation {}, but the flag has {} (0 to {})", weighted.variation,
                                 variation_count, static_cast<int64_t>(variation_count) - 1));
      ok = false;
    }
    if (weighted.weight < 0) {
      yaml.error(at, "rollout weights cannot be negative");
      ok = false;
    }
    total += weighted.weight;
  }
  if (ok && total != 100000) {
    if (units == "%") {
      yaml.error(at, fmt::format("the rollout's weights sum to {}%; they must total 100%", fmt::format("{:g}", total / 1000.0)));
    } else {
      yaml.error(at, fmt::format("the rollout's weights sum to {}; they must total 100000", total));
    }
    ok = false;
  }
  return ok;
}

void add_flag(Flag flag, const YAML::Node& at, FlagYaml& yaml, FlagSet* into) {
  auto it = into->flags.find(flag.key);
  if (it != into->flags.end()) {
    yaml.error(at, fmt::format("flag '{}' is defined again (first in {}:{}); keep one", flag.key, it->second.file,
                               it->second.line));
    return;
  }
  std::string key = flag.key;
  into->flags.emplace(std::move(key), std::move(flag));
}

void add_segment(Segment segment, const YAML::Node& at, FlagYaml& yaml, FlagSet* into) {
  auto it = into->segments.find(segment.key);
  if (it != into->segments.end()) {
    yaml.error(at, fmt::format("segment '{}' is defined again (first in {}:{}); keep one", segment.key, it->second.file,
                               it->second.line));
    return;
  }
  std::string key = segment.key;
  into->segments.emplace(std::move(key), std::move(segment));
}

std::optional<FlagFileFormat> flag_file_format(std::string_view file_name) {
  if (file_name.ends_with(".json")) return FlagFileFormat::kLaunchDarklyJson;
  if (file_name.ends_with(".yml") || file_name.ends_with(".yaml")) return FlagFileFormat::kSiltYaml;
  return std::nullopt;
}

void read_flag_file(const std::string& file_name, std::string_view text, FlagFileFormat format, FlagSet* into,
                    std::vector<Diagnostic>* diagnostics) {
  FlagYaml yaml(file_name, diagnostics);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    diagnostics->push_back(Diagnostic{file_name, error.mark.line + 1, error.mark.column + 1,
                                      fmt::format("not valid {}: {}", format == FlagFileFormat::kSiltYaml ? "YAML" : "JSON", error.msg)});
    return;
  }
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file defines nothing
  if (!root.IsMap()) {
    yaml.error(root, fmt::format("a flag file is a mapping of {}, got {}",
                                 format == FlagFileFormat::kSiltYaml ? "flag keys to flags" : "\"flags\", \"segments\" and \"flagValues\"",
                                 FlagYaml::kind_of(root)));
    return;
  }
  try {
    if (format == FlagFileFormat::kSiltYaml) {
      read_silt_flags(root, yaml, into);
    } else {
      read_launchdarkly_flags(root, yaml, into);
    }
  } catch (const YAML::Exception& error) {
    diagnostics->push_back(Diagnostic{file_name, error.mark.line + 1, error.mark.column + 1, error.msg});
  }
}

namespace {

// Segment keys that a list of clauses names through segmentMatch.
void segment_references(const std::vector<Clause>& clauses, std::vector<std::pair<std::string, const Clause*>>* out) {
  for (const Clause& clause : clauses) {
    if (clause.op != Operator::kSegmentMatch) continue;
    for (const ClauseValue& value : clause.values) {
      if (value.value.is_string()) out->emplace_back(value.value.as_string(), &clause);
    }
  }
}

std::vector<std::pair<std::string, const Clause*>> segment_references_of(const Segment& segment) {
  std::vector<std::pair<std::string, const Clause*>> out;
  for (const SegmentRule& rule : segment.rules) segment_references(rule.clauses, &out);
  return out;
}

std::vector<std::pair<std::string, const Clause*>> segment_references_of(const Flag& flag) {
  std::vector<std::pair<std::string, const Clause*>> out;
  for (const Rule& rule : flag.rules) segment_references(rule.clauses, &out);
  return out;
}

// An edge of the graphs whose cycles are reported: a segment matching a segment, a flag needing a
// flag; where it is written.
struct Edge {
  std::string to;
  const std::string* file;
  int line;
  int column;
};

// Depth-first search from every node in order: an edge to a node on the stack closes a cycle,
// reported with its path ("a -> b -> a"). Returns every node on a cycle. `edges` lists only edges to
// existing nodes.
std::set<std::string> find_cycles(const std::vector<std::string>& nodes,
                                  const std::function<std::vector<Edge>(const std::string&)>& edges,
                                  const std::function<void(const Edge&, const std::string& path)>& report) {
  std::map<std::string, int> state;  // 1 on the stack, 2 done
  std::vector<std::string> stack;
  std::set<std::string> on_cycle;
  std::function<void(const std::string&)> visit = [&](const std::string& node) {
    state[node] = 1;
    stack.push_back(node);
    for (const Edge& edge : edges(node)) {
      if (state[edge.to] == 1) {
        std::vector<std::string> cycle(std::find(stack.begin(), stack.end(), edge.to), stack.end());
        cycle.push_back(edge.to);
        report(edge, join(cycle, " -> "));
        on_cycle.insert(cycle.begin(), cycle.end());
      } else if (state[edge.to] == 0) {
        visit(edge.to);
      }
    }
    stack.pop_back();
    state[node] = 2;
  };
  for (const std::string& node : nodes) {
    if (state[node] == 0) visit(node);
  }
  return on_cycle;
}

}  // namespace

void check_flag_set(FlagSet* flags, std::vector<Diagnostic>* diagnostics) {
  auto report = [&](const std::string& file, int line, int column, std::string message) {
    diagnostics->push_back(Diagnostic{file, line, column, std::move(message)});
  };
  auto key_list = [](const auto& map) {
    std::vector<std::string> keys;
    for (const auto& entry : map) keys.push_back(entry.first);
    return keys;
  };
  const std::vector<std::string> flag_keys = key_list(flags->flags);
  const std::vector<std::string> segment_keys = key_list(flags->segments);
  auto unknown = [&](std::string_view what, const std::string& key, const std::vector<std::string>& keys) {
    auto suggestion = closest_name(key, keys);
    return suggestion ? fmt::format("no {} '{}' is defined (did you mean '{}'?)", what, key, *suggestion)
                      : fmt::format("no {} '{}' is defined in the flag files", what, key);
  };

  // Segments: missing references and cycles among segments (a segment's rules matching segments).
  std::set<std::string> bad_segments;
  for (auto& [key, segment] : flags->segments) {
    for (const auto& [name, clause] : segment_references_of(segment)) {
      if (flags->find_segment(name) == nullptr) {
        report(segment.file, clause->line, clause->column, fmt::format("segment '{}': {}", key, unknown("segment", name, segment_keys)));
        bad_segments.insert(key);
      }
    }
  }
  std::set<std::string> segment_cycles = find_cycles(
      segment_keys,
      [&](const std::string& key) {
        const Segment& segment = flags->segments.find(key)->second;
        std::vector<Edge> edges;
        for (const auto& [name, clause] : segment_references_of(segment)) {
          if (flags->find_segment(name) != nullptr) edges.push_back(Edge{name, &segment.file, clause->line, clause->column});
        }
        return edges;
      },
      [&](const Edge& edge, const std::string& path) {
        report(*edge.file, edge.line, edge.column, fmt::format("segments match each other in a cycle: {}", path));
      });
  bad_segments.insert(segment_cycles.begin(), segment_cycles.end());
  for (const std::string& key : bad_segments) flags->segments.find(key)->second.malformed = true;

  // Flags: segments they match, prerequisites that exist, name a variation in range, no cycles.
  for (auto& [key, flag] : flags->flags) {
    for (const auto& [name, clause] : segment_references_of(flag)) {
      if (flags->find_segment(name) == nullptr) {
        report(flag.file, clause->line, clause->column, fmt::format("flag '{}': {}", key, unknown("segment", name, segment_keys)));
        flag.malformed = true;
      }
    }
    for (Prerequisite& prerequisite : flag.prerequisites) {
      const Flag* required = flags->find_flag(prerequisite.key);
      if (required != nullptr && prerequisite.variation_value) {
        auto it = std::find(required->variations.begin(), required->variations.end(), *prerequisite.variation_value);
        if (it == required->variations.end()) {
          report(flag.file, prerequisite.line, prerequisite.column,
                 fmt::format("flag '{}' needs '{}' to serve {}, which is not one of its variations ({})", key,
                             prerequisite.key, prerequisite.variation_value->to_json(), variation_list(*required)));
          flag.malformed = true;
          continue;
        }
        prerequisite.variation = static_cast<int>(it - required->variations.begin());
        prerequisite.variation_value.reset();
      }
      if (required == nullptr) {
        report(flag.file, prerequisite.line, prerequisite.column,
               fmt::format("flag '{}' needs prerequisite '{}': {}", key, prerequisite.key, unknown("flag", prerequisite.key, flag_keys)));
        flag.malformed = true;
      } else if (prerequisite.variation < 0 || static_cast<size_t>(prerequisite.variation) >= required->variations.size()) {
        report(flag.file, prerequisite.line, prerequisite.column,
               fmt::format("flag '{}' needs variation {} of '{}', which has {} variations", key, prerequisite.variation,
                           prerequisite.key, required->variations.size()));
        flag.malformed = true;
      }
    }
  }
  std::set<std::string> in_cycle = find_cycles(
      flag_keys,
      [&](const std::string& key) {
        const Flag& flag = flags->flags.find(key)->second;
        std::vector<Edge> edges;
        for (const Prerequisite& prerequisite : flag.prerequisites) {
          if (flags->find_flag(prerequisite.key) != nullptr) {
            edges.push_back(Edge{prerequisite.key, &flag.file, prerequisite.line, prerequisite.column});
          }
        }
        return edges;
      },
      [&](const Edge& edge, const std::string& path) {
        report(*edge.file, edge.line, edge.column, fmt::format("prerequisites form a cycle: {}", path));
      });
  for (const std::string& key : in_cycle) flags->flags.find(key)->second.malformed = true;
}

}  // namespace silt::flags
