// Model configuration with yaml-cpp: the header comment of a model file, the keys of the YAML it
// holds (or of a <model>.yml file), and contracts files. No yaml-cpp exception leaves this file.
#include "pipeline/model/model_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/suggestion.h"

namespace silt::pipeline {

namespace {

constexpr std::string_view kHeaderOpening = "/* silt:";

const std::vector<std::string> kModelKeys = {
    "materialized", "unique_key",    "partition_by", "time_column",      "lookback", "strategy",
    "updated_at",   "check_columns", "hard_deletes", "on_schema_change", "schema",   "alias",
    "description",  "owner",         "tags",         "enabled",          "contract", "checks",
    "on_failure",   "max_quarantine_pct", "on_input_rewrite"};
const std::vector<std::string> kMaterializations = {"table", "append", "merge", "incremental", "snapshot"};
const std::vector<std::string> kStrategies = {"timestamp", "check"};
const std::vector<std::string> kHardDeletes = {"ignore", "invalidate"};
const std::vector<std::string> kSchemaChanges = {"fail", "add_columns"};
const std::vector<std::string> kInputRewrites = {"fail", "full_refresh"};
// Keys that mean something only for one materialization.
const std::vector<std::string> kSnapshotOnlyKeys = {"strategy", "updated_at", "check_columns", "hard_deletes"};

// The keys of kModelKeys that make up a QualityConfig: all a contracts file entry may hold.
const std::vector<std::string> kQualityKeys = {"contract", "checks", "on_failure", "max_quarantine_pct"};
const std::vector<std::string> kOnFailures = {"gate", "quarantine", "warn"};  // in OnFailure order
const std::vector<std::string> kSeverities = {"error", "warn"};              // in Severity order
const std::vector<std::string> kContractKeys = {"columns", "primary_key", "schema_evolution"};
const std::vector<std::string> kColumnKeys = {"type", "nullable"};
const std::vector<std::string> kSchemaEvolutions = {"none", "additive"};
const std::vector<std::string> kCheckOptions = {"name", "severity", "threshold"};
// Check kinds in the order messages list them.
const std::vector<CheckKind> kCheckKinds = {CheckKind::kNotNull,   CheckKind::kUnique,        CheckKind::kPrimaryKey,
                                            CheckKind::kAcceptedValues, CheckKind::kRange, CheckKind::kRegex,
                                            CheckKind::kRelationships, CheckKind::kRowCount, CheckKind::kFreshness,
                                            CheckKind::kExpression, CheckKind::kSql};
// How many characters of an expression check's text its derived name keeps.
constexpr size_t kExpressionNameLength = 40;

std::string_view trim_right(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(0, end);
}

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "nothing";
}

TextPosition position_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// A number written in decimal ("5", "0.5", "1e3"); nullopt on any stray character.
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  double value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A percentage: a number, optionally followed by '%'.
std::optional<double> parse_percentage(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  return parse_number(text);
}

// "30s", "15m", "12h", "2d", "1w" in milliseconds; nullopt unless a positive whole number and a unit.
std::optional<int64_t> parse_duration_ms(std::string_view text) {
  text = trim(text);
  if (text.size() < 2) return std::nullopt;
  int64_t unit_ms = 0;
  switch (std::tolower(static_cast<unsigned char>(text.back()))) {
    case 's': unit_ms = 1000; break;
    case 'm': unit_ms = 60 * 1000; break;
    case 'h': unit_ms = 60 * 60 * 1000; break;
    case 'd': unit_ms = 24 * 60 * 60 * 1000; break;
    case 'w': unit_ms = 7 * 24 * 60 * 60 * 1000; break;
    default: return std::nullopt;
  }
  auto count = parse_int64(text.substr(0, text.size() - 1));
  if (!count || *count <= 0 || *count > std::numeric_limits<int64_t>::max() / unit_ms) return std::nullopt;
  return *count * unit_ms;
}

std::optional<CheckKind> check_kind_named(const std::string& name) {
  for (CheckKind kind : kCheckKinds) {
    if (name == check_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

std::vector<std::string> check_kind_names() {
  std::vector<std::string> names;
  for (CheckKind kind : kCheckKinds) names.push_back(check_kind_name(kind));
  return names;
}

// The first characters of an expression, blanks collapsed, without cutting a UTF-8 character.
std::string expression_excerpt(const std::string& expression) {
  std::string collapsed;
  for (char c : trim(expression)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!collapsed.empty() && collapsed.back() != ' ') collapsed += ' ';
    } else {
      collapsed += c;
    }
  }
  std::string out;
  size_t characters = 0;
  for (char c : collapsed) {
    const bool starts_character = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_character && characters++ == kExpressionNameLength) break;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// The name of a check without `name:`; sql checks are numbered by their position among the
// model's sql checks.
std::string derived_check_name(const CheckSpec& check, int sql_position) {
  const std::string kind = check_kind_name(check.kind);
  switch (check.kind) {
    case CheckKind::kNotNull:
    case CheckKind::kUnique:
    case CheckKind::kPrimaryKey:
    case CheckKind::kAcceptedValues:
    case CheckKind::kRange:
    case CheckKind::kRegex:
    case CheckKind::kFreshness:
      return fmt::format("{}({})", kind, join(check.columns, ", "));
    case CheckKind::kRelationships:
      return fmt::format("{}({} -> {}.{})", kind, check.columns.empty() ? "" : check.columns[0], check.to, check.field);
    case CheckKind::kExpression:
      return fmt::format("{}({})", kind, expression_excerpt(check.expression));
    case CheckKind::kRowCount:
      return kind;
    case CheckKind::kSql:
      return fmt::format("sql_{}", sql_position);
  }
  return kind;
}

// Diagnostics and typed values of YAML nodes, for one file. Copies report to the same place.
class YamlReader {
 public:
  YamlReader(std::string file, std::vector<Diagnostic>* diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics), empty_values_(std::make_shared<EmptyValues>()) {}

  void add(TextPosition at, std::string message) {
    diagnostics_->push_back(Diagnostic{file_, at.line, at.column, std::move(message)});
  }

  // At the node; an empty value (`key:` alone) has the position of whatever follows it, so it is
  // reported at its key instead.
  void error(const YAML::Node& at, std::string message) {
    TextPosition position = position_of(at);
    if (at.IsNull()) {
      for (const auto& [value, key_at] : *empty_values_) {
        if (value.is(at)) {
          position = key_at;
          break;
        }
      }
    }
    add(position, std::move(message));
  }

 protected:
  using Entries = std::vector<std::pair<YAML::Node, YAML::Node>>;

  // The entries of a mapping, in order. Keys that are not names, and names given twice (`what`
  // names them in the message), are reported and left out.
  Entries entries(const YAML::Node& map, const std::string& what, bool ignore_case = false) {
    Entries out;
    std::map<std::string, int> first_line;
    for (const auto& entry : map) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        error(key, fmt::format("keys must be names, got {}", node_kind(key)));
        continue;
      }
      const std::string folded = ignore_case ? to_lower(key.Scalar()) : key.Scalar();
      auto [it, inserted] = first_line.emplace(folded, position_of(key).line);
      if (!inserted) {
        error(key, fmt::format("duplicate {} '{}' (first at line {})", what, key.Scalar(), it->second));
        continue;
      }
      if (entry.second.IsNull()) empty_values_->emplace_back(entry.second, position_of(key));
      out.emplace_back(key, entry.second);
    }
    return out;
  }

  // "unknown key 'x'<context> (did you mean 'y'?)", else the expected names.
  // Returns the suggestion.
  std::optional<std::string> unknown(const YAML::Node& at, const std::string& what, const std::string& name,
                                     const std::vector<std::string>& expected, const std::string& context = "") {
    auto suggestion = closest_name(name, expected);
    if (suggestion) {
      error(at, fmt::format("unknown {} '{}'{} (did you mean '{}'?)", what, name, context, *suggestion));
    } else {
      error(at, fmt::format("unknown {} '{}'{} (expected one of: {})", what, name, context, join(expected, ", ")));
    }
    return suggestion;
  }

  // Any scalar, possibly empty (descriptions).
  std::optional<std::string> scalar(const YAML::Node& node, const std::string& key) {
    if (node.IsScalar()) return node.Scalar();
    error(node, fmt::format("'{}' must be a single value, got {}", key, node_kind(node)));
    return std::nullopt;
  }

  // A non-empty scalar (names).
  std::optional<std::string> text_value(const YAML::Node& node, const std::string& key) {
    auto text = scalar(node, key);
    if (text && trim(*text).empty()) {
      error(node, fmt::format("'{}' must not be empty", key));
      return std::nullopt;
    }
    return text;
  }

  // One name or a list of names (column lists, tags).
  std::vector<std::string> names(const YAML::Node& node, const std::string& key) {
    std::vector<std::string> out;
    if (node.IsScalar()) {
      if (auto text = text_value(node, key)) out.push_back(*text);
      return out;
    }
    if (!node.IsSequence()) {
      error(node, fmt::format("'{}' must be a name or a list of names, got {}", key, node_kind(node)));
      return out;
    }
    for (const auto& item : node) {
      if (!item.IsScalar() || trim(item.Scalar()).empty()) {
        error(item, fmt::format("every item of '{}' must be a name, got {}", key, node_kind(item)));
        continue;
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  // The index of the value among `options` (case-insensitive).
  std::optional<size_t> choice(const YAML::Node& node, const std::string& key, const std::vector<std::string>& options,
                               const std::string& what) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    const std::string lower = to_lower(trim(*text));
    auto it = std::find(options.begin(), options.end(), lower);
    if (it == options.end()) {
      error(node, fmt::format("unknown {} '{}' (expected one of: {})", what, *text, join(options, ", ")));
      return std::nullopt;
    }
    return static_cast<size_t>(it - options.begin());
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& key) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    const std::string lower = to_lower(trim(*text));
    if (lower == "true" || lower == "yes" || lower == "on") return true;
    if (lower == "false" || lower == "no" || lower == "off") return false;
    error(node, fmt::format("'{}' must be true or false, got '{}'", key, *text));
    return std::nullopt;
  }

  size_t problem_count() const { return diagnostics_->size(); }

  using EmptyValues = std::vector<std::pair<YAML::Node, TextPosition>>;  // with their key's position

  std::string file_;
  std::vector<Diagnostic>* diagnostics_;
  std::shared_ptr<EmptyValues> empty_values_;
};

// The quality keys of one model (contract, checks, on_failure, max_quarantine_pct), from its
// configuration or from its entry in a contracts file.
class QualityReader : public YamlReader {
 public:
  explicit QualityReader(const YamlReader& parent) : YamlReader(parent) {}

  void read_key(const std::string& key, const YAML::Node& key_node, const YAML::Node& value, QualityConfig& quality,
                QualityPositions& positions) {
    if (key == "contract") {
      read_contract(value, quality, positions);
    } else if (key == "checks") {
      read_checks(value, quality, positions);
    } else if (key == "on_failure") {
      if (auto index = choice(value, key, kOnFailures, "on_failure")) {
        quality.on_failure = static_cast<OnFailure>(*index);
      } else {
        on_failure_valid_ = false;
      }
    } else if (key == "max_quarantine_pct") {
      max_quarantine_at_ = position_of(key_node);
      auto text = scalar(value, key);
      if (!text) return;
      auto percent = parse_percentage(*text);
      if (!percent || *percent < 0 || *percent > 100) {
        error(value, fmt::format("'max_quarantine_pct' must be a percentage from 0 to 100, got '{}'", *text));
        return;
      }
      quality.max_quarantine_pct = *percent;
    }
  }

  // What depends on several keys, once all are read.
  void finish(const QualityConfig& quality) {
    if (max_quarantine_at_ && on_failure_valid_ && quality.on_failure != OnFailure::kQuarantine) {
      add(*max_quarantine_at_, fmt::format("'max_quarantine_pct' applies only with on_failure: quarantine "
                                           "(on_failure is '{}')",
                                           on_failure_name(quality.on_failure)));
    }
  }

 private:
  void read_contract(const YAML::Node& node, QualityConfig& quality, QualityPositions& positions) {
    if (!node.IsMap()) {
      error(node, fmt::format("'contract' must be a mapping of columns, primary_key and schema_evolution, got {}",
                              node_kind(node)));
      return;
    }
    Contract contract;
    std::vector<TextPosition> types;
    // Nodes are kept in optionals: assigning to a YAML::Node bound to a node rewrites the document.
    std::optional<YAML::Node> primary_key;
    for (const auto& [key, value] : entries(node, "key")) {
      const std::string& name = key.Scalar();
      if (name == "columns") {
        read_contract_columns(value, contract, types);
      } else if (name == "primary_key") {
        primary_key.emplace(value);
        contract.primary_key = names(value, name);
      } else if (name == "schema_evolution") {
        if (auto index = choice(value, name, kSchemaEvolutions, "schema_evolution")) {
          contract.allow_additive_evolution = *index == 1;
        }
      } else {
        unknown(key, "key", name, kContractKeys, " in the contract");
      }
    }
    // Without columns the contract promises a key over whatever the model produces.
    if (primary_key && !contract.columns.empty()) {
      std::vector<std::string> declared;
      for (const auto& column : contract.columns) declared.push_back(column.name);
      auto check = [&](const YAML::Node& item) {
        if (!item.IsScalar()) return;  // reported by names()
        const std::string& column = item.Scalar();
        for (const auto& name : declared) {
          if (to_lower(name) == to_lower(column)) return;
        }
        if (auto suggestion = closest_name(column, declared)) {
          error(item, fmt::format("primary_key column '{}' is not among the contract's columns (did you mean '{}'?)",
                                  column, *suggestion));
        } else {
          error(item, fmt::format("primary_key column '{}' is not among the contract's columns ({})", column,
                                  join(declared, ", ")));
        }
      };
      if (primary_key->IsSequence()) {
        for (const auto& item : *primary_key) check(item);
      } else {
        check(*primary_key);
      }
    }
    quality.contract = std::move(contract);
    positions.column_types = std::move(types);
  }

  void read_contract_columns(const YAML::Node& node, Contract& contract, std::vector<TextPosition>& types) {
    if (!node.IsMap()) {
      error(node, fmt::format("'columns' of the contract must be a mapping from column name to {{type, nullable}}, "
                              "got {}",
                              node_kind(node)));
      return;
    }
    for (const auto& [key, value] : entries(node, "column", /*ignore_case=*/true)) {
      ColumnContract column;
      column.name = key.Scalar();
      if (trim(column.name).empty()) {
        error(key, "contract column names must not be empty");
        continue;
      }
      TextPosition type_at;
      if (value.IsScalar()) {  // order_id: BIGINT
        if (auto type = text_value(value, "type")) {
          column.type = std::string(trim(*type));
          type_at = position_of(value);
        }
      } else if (value.IsMap()) {
        for (const auto& [option, option_value] : entries(value, "key")) {
          const std::string& name = option.Scalar();
          if (name == "type") {
            if (auto type = text_value(option_value, name)) {
              column.type = std::string(trim(*type));
              type_at = position_of(option_value);
            }
          } else if (name == "nullable") {
            column.nullable = boolean(option_value, name);
          } else {
            unknown(option, "key", name, kColumnKeys, fmt::format(" of contract column '{}'", column.name));
          }
        }
      } else if (!value.IsNull()) {  // `order_id:` alone: any type
        error(value, fmt::format("contract column '{}' must be a mapping such as {{type: BIGINT, nullable: false}}, "
                                 "got {}",
                                 column.name, node_kind(value)));
      }
      contract.columns.push_back(std::move(column));
      types.push_back(type_at);
    }
  }

  void read_checks(const YAML::Node& node, QualityConfig& quality, QualityPositions& positions) {
    if (!node.IsSequence()) {
      error(node, fmt::format("'checks' must be a list of checks such as '- not_null: [order_id]', got {}",
                              node_kind(node)));
      return;
    }
    std::map<std::string, int> first_line;  // by check name
    int sql_checks = 0;
    for (const auto& item : node) {
      std::vector<CheckSpec> checks;
      TextPosition target;
      read_check(item, sql_checks, checks, target);
      for (CheckSpec& check : checks) {
        auto [it, inserted] = first_line.emplace(check.name, check.line);
        if (!inserted) {
          error(item, fmt::format("duplicate check name '{}' (first at line {}; give one of them another 'name')",
                                  check.name, it->second));
          continue;
        }
        positions.check_targets.push_back(check.kind == CheckKind::kRelationships ? target : TextPosition{});
        quality.checks.push_back(std::move(check));
      }
    }
  }

  // One list item: one kind key plus name, severity and threshold. A not_null item over several
  // columns becomes one check per column. Nothing is kept of an item with a problem.
  void read_check(const YAML::Node& item, int& sql_checks, std::vector<CheckSpec>& out, TextPosition& target) {
    if (!item.IsMap()) {
      error(item, fmt::format("each check must be a mapping such as 'not_null: [order_id]', got {}", node_kind(item)));
      return;
    }
    const size_t problems = problem_count();
    CheckSpec base;
    base.file = file_;
    base.line = position_of(item).line;
    std::optional<CheckKind> kind;
    std::optional<YAML::Node> parameters, name_node;
    std::vector<YAML::Node> unknown_keys;
    for (const auto& [key, value] : entries(item, "key")) {
      const std::string& name = key.Scalar();
      if (auto found = check_kind_named(name)) {
        if (kind) {
          error(key, fmt::format("a check has one kind, got '{}' after '{}' (start each check with its own '-')", name,
                                 check_kind_name(*kind)));
          continue;
        }
        kind = found;
        parameters.emplace(value);
      } else if (name == "name") {
        name_node.emplace(value);
        if (auto text = text_value(value, name)) base.name = std::string(trim(*text));
      } else if (name == "severity") {
        if (auto index = choice(value, name, kSeverities, "severity")) base.severity = static_cast<Severity>(*index);
      } else if (name == "threshold") {
        if (auto threshold = read_threshold(value)) base.threshold = *threshold;
      } else {
        unknown_keys.push_back(key);
      }
    }
    // An unknown key is a mistyped kind unless the item has a kind or the key is close to an option.
    const std::vector<std::string> kinds = check_kind_names();
    for (const YAML::Node& key : unknown_keys) {
      const std::string& name = key.Scalar();
      if (closest_name(name, kinds) || (!kind && !closest_name(name, kCheckOptions))) {
        unknown(key, "check kind", name, kinds);
      } else {
        unknown(key, "key", name, kCheckOptions, " in a check");
      }
    }
    if (!kind) {
      if (unknown_keys.empty()) error(item, fmt::format("a check needs a kind: one of {}", join(kinds, ", ")));
      return;
    }
    if (*kind == CheckKind::kSql) ++sql_checks;
    if (starts_with(base.name, "contract:")) {
      error(*name_node, "check names starting with 'contract:' are reserved for the checks the contract declares");
    }
    base.kind = *kind;
    std::vector<CheckSpec> checks = read_parameters(*parameters, base, target);
    if (problem_count() != problems) return;
    if (!base.name.empty() && checks.size() > 1) {
      error(*name_node, "'name' cannot be given to a not_null check of several columns (it becomes one check per "
                       "column, each named after its column)");
      return;
    }
    for (CheckSpec& check : checks) {
      if (check.name.empty()) check.name = derived_check_name(check, sql_checks);
    }
    out = std::move(checks);
  }

  // A count of rows (10) or a percentage of the rows checked (5%, 0.5%).
  std::optional<Threshold> read_threshold(const YAML::Node& node) {
    auto text = scalar(node, "threshold");
    if (!text) return std::nullopt;
    const std::string_view value = trim(*text);
    Threshold threshold;
    if (!value.empty() && value.back() == '%') {
      auto percent = parse_number(value.substr(0, value.size() - 1));
      if (percent && *percent >= 0 && *percent <= 100) {
        threshold.percent = *percent;
        return threshold;
      }
    } else if (auto count = parse_int64(value); count && *count >= 0) {
      threshold.count = *count;
      return threshold;
    }
    error(node, fmt::format("'threshold' must be a number of failing rows such as 10 or a percentage from 0% to "
                            "100% such as 5%, got '{}'",
                            *text));
    return std::nullopt;
  }

  // The parameters of a kind written as a mapping; unknown ones are reported, and the names they
  // were taken for go into `suggested` (not reported again as missing).
  std::map<std::string, YAML::Node> mapping_parameters(const YAML::Node& node, const std::string& kind,
                                                       const std::vector<std::string>& allowed,
                                                       std::set<std::string>* suggested = nullptr) {
    std::map<std::string, YAML::Node> out;
    for (const auto& [key, value] : entries(node, "parameter")) {
      const std::string& name = key.Scalar();
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        auto suggestion = unknown(key, "parameter", name, allowed, " of " + kind);
        if (suggestion && suggested != nullptr) suggested->insert(*suggestion);
        continue;
      }
      out.emplace(name, value);
    }
    return out;
  }

  // not_null, unique, primary_key: a column, a list of columns, or {column: x} / {columns: [..]}.
  std::vector<std::string> column_list(const YAML::Node& node, const std::string& kind) {
    std::vector<std::string> columns;
    if (node.IsScalar()) {
      if (auto column = text_value(node, kind)) columns.push_back(*column);
      return columns;
    }
    if (node.IsSequence()) {
      columns = names(node, kind);
      if (node.size() == 0) error(node, fmt::format("'{}' needs at least one column", kind));
      return columns;
    }
    if (!node.IsMap()) {
      error(node, fmt::format("'{}' must be a column, a list of columns or a mapping such as {{columns: [a, b]}}, "
                              "got {}",
                              kind, node_kind(node)));
      return columns;
    }
    std::set<std::string> suggested;
    auto parameters = mapping_parameters(node, kind, {"columns", "column"}, &suggested);
    const bool has_column = parameters.count("column") > 0;
    const bool has_columns = parameters.count("columns") > 0;
    if (has_column && has_columns) {
      error(node, fmt::format("'{}' takes 'column' or 'columns', not both", kind));
    } else if (has_column) {
      if (auto column = text_value(parameters.at("column"), "column")) columns.push_back(*column);
    } else if (has_columns) {
      const YAML::Node& list = parameters.at("columns");
      columns = names(list, "columns");
      if (list.IsSequence() && list.size() == 0) error(list, fmt::format("'{}' needs at least one column", kind));
    } else if (suggested.empty()) {
      error(node, fmt::format("{} needs 'column' or 'columns'", kind));
    }
    return columns;
  }

  std::vector<CheckSpec> read_parameters(const YAML::Node& node, const CheckSpec& base, TextPosition& target) {
    const std::string kind = check_kind_name(base.kind);
    CheckSpec check = base;
    switch (base.kind) {
      case CheckKind::kNotNull: {
        std::vector<CheckSpec> checks;
        for (const std::string& column : column_list(node, kind)) {
          check.columns = {column};
          checks.push_back(check);
        }
        return checks;
      }
      case CheckKind::kUnique:
      case CheckKind::kPrimaryKey:
        check.columns = column_list(node, kind);
        return {check};
      case CheckKind::kExpression:
      case CheckKind::kSql: {
        std::optional<YAML::Node> text_node;
        if (!node.IsMap()) {
          text_node.emplace(node);
        } else {
          auto parameters = mapping_parameters(node, kind, {kind});
          if (!parameters.count(kind)) {
            error(node, fmt::format("{} needs '{}' ({})", kind, kind, what_text(base.kind)));
            return {};
          }
          text_node.emplace(parameters.at(kind));
        }
        if (!text_node->IsScalar()) {
          error(*text_node,
                fmt::format("'{}' must be {}, got {}", kind, what_text(base.kind), node_kind(*text_node)));
          return {};
        }
        if (auto text = text_value(*text_node, kind)) check.expression = std::string(trim(*text));
        return {check};
      }
      default:
        break;
    }

    // The kinds whose parameters are a mapping.
    if (!node.IsMap()) {
      error(node, fmt::format("'{}' must be a mapping such as {}, got {}", kind, example(base.kind), node_kind(node)));
      return {};
    }
    std::set<std::string> suggested;
    auto parameters = mapping_parameters(node, kind, parameter_names(base.kind), &suggested);
    auto require = [&](const std::string& name, const std::string& meaning) -> std::optional<YAML::Node> {
      auto it = parameters.find(name);
      if (it != parameters.end()) return it->second;
      if (!suggested.count(name)) error(node, fmt::format("{} needs '{}' ({})", kind, name, meaning));
      return std::nullopt;
    };
    auto optional = [&](const std::string& name) -> std::optional<YAML::Node> {
      auto it = parameters.find(name);
      if (it == parameters.end()) return std::nullopt;
      return it->second;
    };
    if (base.kind != CheckKind::kRowCount) {
      if (auto column = require("column", "the column checked")) {
        if (auto text = text_value(*column, "column")) check.columns = {*text};
      }
    }
    switch (base.kind) {
      case CheckKind::kAcceptedValues:
        if (auto values = require("values", "the accepted values, as a list")) check.values = accepted_values(*values);
        break;
      case CheckKind::kRange: {
        auto min = optional("min");
        auto max = optional("max");
        if (!min && !max && suggested.empty()) error(node, "range needs 'min' or 'max' (or both)");
        if (min) check.min = text_value(*min, "min");
        if (max) check.max = text_value(*max, "max");
        if (check.min && check.max) {
          auto low = parse_number(*check.min);
          auto high = parse_number(*check.max);
          if (low && high && *low > *high) {
            error(*max, fmt::format("range 'max' {} is less than 'min' {}", *check.max, *check.min));
          }
        }
        break;
      }
      case CheckKind::kRegex:
        if (auto pattern = require("pattern", "the regular expression values must match")) {
          if (auto text = text_value(*pattern, "pattern")) check.pattern = *text;
        }
        break;
      case CheckKind::kRelationships:
        if (auto to = require("to", "the model whose column holds the valid values")) {
          if (auto text = text_value(*to, "to")) {
            check.to = std::string(trim(*text));
            target = position_of(*to);
          }
        }
        if (auto field = require("field", "the column of 'to' holding the valid values")) {
          if (auto text = text_value(*field, "field")) check.field = *text;
        }
        break;
      case CheckKind::kRowCount: {
        auto min = optional("min");
        auto max = optional("max");
        auto change = optional("max_change_pct");
        if (!min && !max && !change && suggested.empty()) {
          error(node, "row_count needs at least one of 'min', 'max', 'max_change_pct'");
        }
        if (min) check.min_rows = row_count_bound(*min, "min");
        if (max) check.max_rows = row_count_bound(*max, "max");
        if (check.min_rows && check.max_rows && *check.min_rows > *check.max_rows) {
          error(*max, fmt::format("row_count 'max' {} is less than 'min' {}", *check.max_rows, *check.min_rows));
        }
        if (change) {
          if (auto text = scalar(*change, "max_change_pct")) {
            auto percent = parse_percentage(*text);
            if (!percent || *percent < 0) {
              error(*change, fmt::format("'max_change_pct' of row_count must be a percentage (0 or more), got '{}'",
                                         *text));
            } else {
              check.max_change_pct = *percent;
            }
          }
        }
        break;
      }
      case CheckKind::kFreshness:
        if (auto age = require("max_age", "how old the newest row may be, such as 12h or 2d")) {
          if (auto text = scalar(*age, "max_age")) {
            if (auto ms = parse_duration_ms(*text)) {
              check.max_age_ms = *ms;
            } else {
              error(*age, fmt::format("'max_age' must be a duration such as 30s, 15m, 12h, 2d or 1w, got '{}'", *text));
            }
          }
        }
        break;
      default:
        break;
    }
    return {check};
  }

  std::vector<std::string> accepted_values(const YAML::Node& node) {
    std::vector<std::string> values;
    if (!node.IsSequence()) {
      error(node, fmt::format("'values' must be a list of values, got {}", node_kind(node)));
      return values;
    }
    if (node.size() == 0) error(node, "'values' must not be empty");
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        error(item, fmt::format("every item of 'values' must be a single value, got {}", node_kind(item)));
        continue;
      }
      values.push_back(item.Scalar());
    }
    return values;
  }

  std::optional<int64_t> row_count_bound(const YAML::Node& node, const std::string& name) {
    auto text = scalar(node, name);
    if (!text) return std::nullopt;
    auto rows = parse_int64(trim(*text));
    if (!rows || *rows < 0) {
      error(node, fmt::format("'{}' of row_count must be a whole number of rows (0 or more), got '{}'", name, *text));
      return std::nullopt;
    }
    return rows;
  }

  static std::string what_text(CheckKind kind) {
    return kind == CheckKind::kSql ? "a query over `this` whose rows are failures" : "a SQL condition on each row";
  }

  static std::vector<std::string> parameter_names(CheckKind kind) {
    switch (kind) {
      case CheckKind::kAcceptedValues: return {"column", "values"};
      case CheckKind::kRange: return {"column", "min", "max"};
      case CheckKind::kRegex: return {"column", "pattern"};
      case CheckKind::kRelationships: return {"column", "to", "field"};
      case CheckKind::kRowCount: return {"min", "max", "max_change_pct"};
      case CheckKind::kFreshness: return {"column", "max_age"};
      default: return {};
    }
  }

  static std::string example(CheckKind kind) {
    switch (kind) {
      case CheckKind::kAcceptedValues: return "{column: status, values: [PLACED, PAID]}";
      case CheckKind::kRange: return "{column: amount, min: 0}";
      case CheckKind::kRegex: return "{column: currency, pattern: '^[A-Z]{3}$'}";
      case CheckKind::kRelationships: return "{column: customer_id, to: silver_customers, field: customer_id}";
      case CheckKind::kRowCount: return "{min: 1}";
      case CheckKind::kFreshness: return "{column: event_ts, max_age: 2d}";
      default: return "";
    }
  }

  bool on_failure_valid_ = true;
  std::optional<TextPosition> max_quarantine_at_;
};

class ConfigReader : public YamlReader {
 public:
  ConfigReader(std::string file, std::vector<Diagnostic>* diagnostics)
      : YamlReader(std::move(file), diagnostics), quality_(*this) {}

  void read(const YAML::Node& root, ParsedModelConfig& out) {
    if (root.IsNull() || !root.IsDefined()) return;  // an empty configuration: every default
    if (!root.IsMap()) {
      error(root, fmt::format("the model configuration must be a mapping of keys, got {}", node_kind(root)));
      return;
    }
    for (const auto& [key, value] : entries(root, "key")) {
      const std::string& name = key.Scalar();
      if (std::find(kModelKeys.begin(), kModelKeys.end(), name) == kModelKeys.end()) {
        unknown(key, "key", name, kModelKeys);
        continue;
      }
      out.keys[name] = position_of(key);
      out.values[name] = position_of(value);
      if (std::find(kQualityKeys.begin(), kQualityKeys.end(), name) != kQualityKeys.end()) {
        if (!out.first_quality_key) out.first_quality_key = position_of(key);
        quality_.read_key(name, key, value, out.config.quality, out.quality);
      } else {
        read_key(name, value, out.config);
      }
    }
    quality_.finish(out.config.quality);
    check_consistency(out);
  }

 private:
  void read_key(const std::string& key, const YAML::Node& value, ModelConfig& config) {
    if (key == "materialized") {
      if (auto index = choice(value, key, kMaterializations, "materialization")) {
        config.materialized = static_cast<Materialization>(*index);
      } else {
        materialized_valid_ = false;
      }
    } else if (key == "unique_key") {
      config.unique_key = names(value, key);
    } else if (key == "partition_by") {
      config.partition_by = names(value, key);
    } else if (key == "time_column") {
      if (auto text = text_value(value, key)) config.time_column = *text;
    } else if (key == "lookback") {
      if (auto days = lookback_days(value)) config.lookback_days = *days;
    } else if (key == "strategy") {
      if (auto index = choice(value, key, kStrategies, "strategy")) config.strategy = static_cast<SnapshotStrategy>(*index);
    } else if (key == "updated_at") {
      if (auto text = text_value(value, key)) config.updated_at = *text;
    } else if (key == "check_columns") {
      config.check_columns = names(value, key);
    } else if (key == "hard_deletes") {
      if (auto index = choice(value, key, kHardDeletes, "hard_deletes")) config.hard_deletes = static_cast<HardDeletes>(*index);
    } else if (key == "on_schema_change") {
      if (auto index = choice(value, key, kSchemaChanges, "on_schema_change")) config.allow_schema_evolution = *index == 1;
    } else if (key == "on_input_rewrite") {
      if (auto index = choice(value, key, kInputRewrites, "on_input_rewrite")) config.rebuild_on_input_rewrite = *index == 1;
    } else if (key == "schema" || key == "alias") {
      if (auto text = text_value(value, key)) {
        if (!is_identifier(*text)) {
          error(value, fmt::format("invalid {} '{}' (use letters, digits and underscores, not starting with a digit)",
                                   key, *text));
        } else {
          (key == "schema" ? config.schema : config.alias) = *text;
        }
      }
    } else if (key == "description") {
      if (auto text = scalar(value, key)) config.description = *text;
    } else if (key == "owner") {
      if (auto text = scalar(value, key)) config.owner = *text;
    } else if (key == "tags") {
      config.tags = names(value, key);
    } else if (key == "enabled") {
      if (auto flag = boolean(value, key)) config.enabled = *flag;
    }
  }

  // Days: 3 or "3d".
  std::optional<int> lookback_days(const YAML::Node& node) {
    auto text = scalar(node, "lookback");
    if (!text) return std::nullopt;
    std::string number(trim(*text));
    if (!number.empty() && (number.back() == 'd' || number.back() == 'D')) number.pop_back();
    auto days = parse_int64(number);
    if (!days || *days < 0 || *days > 100000) {
      error(node, fmt::format("'lookback' must be a whole number of days such as 3 or 3d, got '{}'", *text));
      return std::nullopt;
    }
    return static_cast<int>(*days);
  }

  // What each materialization needs, and keys that belong to another one. Skipped when the
  // materialization itself is invalid (its error says enough).
  void check_consistency(const ParsedModelConfig& out) {
    if (!materialized_valid_) return;
    const ModelConfig& config = out.config;
    const std::string kind = materialization_name(config.materialized);
    const bool has_materialized = out.values.count("materialized") > 0;
    auto require = [&](bool present, const std::string& message) {
      if (present || !has_materialized) return;
      add(out.values.at("materialized"), message);
    };
    switch (config.materialized) {
      case Materialization::kMerge:
        require(!config.unique_key.empty(), "materialized: merge needs 'unique_key' (the columns that identify a row)");
        break;
      case Materialization::kIncremental:
        require(!config.time_column.empty(),
                "materialized: incremental needs 'time_column' (the date column whose days a run recomputes)");
        if (!config.time_column.empty() && config.unique_key.empty() &&
            std::find(config.partition_by.begin(), config.partition_by.end(), config.time_column) ==
                config.partition_by.end()) {
          require(false, fmt::format("materialized: incremental without 'unique_key' replaces whole days, so "
                                     "'partition_by' must include time_column '{}'",
                                     config.time_column));
        }
        break;
      case Materialization::kSnapshot:
        require(!config.unique_key.empty(), "materialized: snapshot needs 'unique_key' (the columns that identify a row)");
        if (config.strategy == SnapshotStrategy::kTimestamp) {
          require(!config.updated_at.empty(),
                  "materialized: snapshot with strategy timestamp needs 'updated_at' (the column that changes with a row)");
        } else {
          require(!config.check_columns.empty(),
                  "materialized: snapshot with strategy check needs 'check_columns' (the columns compared for changes)");
        }
        break;
      case Materialization::kTable:
      case Materialization::kAppend:
        break;
    }
    if (config.materialized != Materialization::kIncremental && out.keys.count("lookback")) {
      add(out.keys.at("lookback"),
          fmt::format("'lookback' applies only to materialized: incremental (this model is '{}')", kind));
    }
    if (config.materialized != Materialization::kAppend && out.keys.count("on_input_rewrite")) {
      add(out.keys.at("on_input_rewrite"),
          fmt::format("'on_input_rewrite' applies only to materialized: append (this model is '{}')", kind));
    }
    if (config.materialized != Materialization::kSnapshot) {
      for (const auto& key : kSnapshotOnlyKeys) {
        if (out.keys.count(key)) {
          add(out.keys.at(key), fmt::format("'{}' applies only to materialized: snapshot (this model is '{}')", key, kind));
        }
      }
    }
  }

  QualityReader quality_;
  bool materialized_valid_ = true;
};

// A contracts file: model name -> the quality keys of that model.
class ContractsReader : public YamlReader {
 public:
  using YamlReader::YamlReader;

  void read(const YAML::Node& root, std::vector<ContractsEntry>& out) {
    if (root.IsNull() || !root.IsDefined()) return;  // an empty file
    if (!root.IsMap()) {
      error(root, fmt::format("a contracts file must be a mapping from model name to its contract and checks, got {}",
                              node_kind(root)));
      return;
    }
    for (const auto& [key, value] : entries(root, "model", /*ignore_case=*/true)) {
      ContractsEntry entry;
      entry.model = key.Scalar();
      entry.at = position_of(key);
      if (!value.IsMap()) {
        const std::string message =
            fmt::format("the entry of model '{}' must be a mapping of {}, got {}", entry.model,
                        join(kQualityKeys, ", "), node_kind(value));
        if (value.IsNull()) {
          add(entry.at, message);  // an empty value has no position of its own
        } else {
          error(value, message);
        }
        continue;
      }
      QualityReader quality(*this);
      for (const auto& [option, option_value] : entries(value, "key")) {
        const std::string& name = option.Scalar();
        if (std::find(kQualityKeys.begin(), kQualityKeys.end(), name) != kQualityKeys.end()) {
          quality.read_key(name, option, option_value, entry.quality, entry.positions);
        } else if (std::find(kModelKeys.begin(), kModelKeys.end(), name) != kModelKeys.end()) {
          error(option, fmt::format("'{}' belongs in the model's own configuration (a contracts file holds only: {})",
                                    name, join(kQualityKeys, ", ")));
        } else {
          unknown(option, "key", name, kQualityKeys);
        }
      }
      quality.finish(entry.quality);
      out.push_back(std::move(entry));
    }
  }
};

}  // namespace

std::optional<ConfigHeader> find_config_header(const std::string& sql, const std::string& file,
                                               std::vector<Diagnostic>* diagnostics) {
  const std::vector<std::string> lines = split(sql, '\n');
  size_t first = 0;
  while (first < lines.size() && trim(lines[first]).empty()) ++first;
  if (first == lines.size()) return std::nullopt;

  const int opening_line = static_cast<int>(first) + 1;
  if (trim_right(lines[first]) != kHeaderOpening) {
    // Something that looks like a header but is not one would silently be an ordinary comment.
    const std::string_view stripped = trim(lines[first]);
    if (starts_with(stripped, "/* silt:") || starts_with(stripped, "/*silt:")) {
      const int column = static_cast<int>(lines[first].find('/')) + 1;
      diagnostics->push_back(Diagnostic{file, opening_line, column,
                                        "the configuration header must start with a line '/* silt:' alone, "
                                        "at the start of the line, with its keys on the following lines"});
    }
    return std::nullopt;
  }

  ConfigHeader header;
  header.start = {opening_line, 1};
  header.yaml.assign(first + 1, '\n');
  bool ok = true;
  for (size_t i = first + 1; i < lines.size(); ++i) {
    if (trim(lines[i]) == "*/") {
      if (!ok) return std::nullopt;
      return header;
    }
    // SQL block comments nest and end at the first "*/": either marker inside the YAML would
    // change where DuckDB thinks the comment ends.
    for (const char* marker : {"/*", "*/"}) {
      const size_t at = lines[i].find(marker);
      if (at == std::string::npos) continue;
      diagnostics->push_back(Diagnostic{file, static_cast<int>(i) + 1, static_cast<int>(at) + 1,
                                        fmt::format("'{}' inside the configuration header (SQL comments nest, so "
                                                    "it would change where the header ends)",
                                                    marker)});
      ok = false;
    }
    header.yaml += lines[i];
    header.yaml += '\n';
  }
  diagnostics->push_back(Diagnostic{file, opening_line, 1,
                                    "the configuration header has no closing line '*/'"});
  return std::nullopt;
}

namespace {

// Parses `yaml` and hands the document to `reader`; YAML syntax errors become diagnostics at their
// position.
template <typename Reader, typename Out>
void read_document(Reader& reader, const std::string& yaml, Out& out, const char* what) {
  try {
    const YAML::Node root = YAML::Load(yaml);
    reader.read(root, out);
  } catch (const YAML::Exception& e) {
    if (e.mark.line >= 0) {
      reader.add({e.mark.line + 1, e.mark.column + 1}, "invalid YAML: " + e.msg);
    } else {
      reader.add({1, 1}, "invalid YAML: " + e.msg);
    }
  } catch (const std::exception& e) {
    reader.add({1, 1}, std::string("cannot read the ") + what + ": " + e.what());
  }
}

}  // namespace

ParsedModelConfig parse_model_config(const std::string& yaml, const std::string& file,
                                     std::vector<Diagnostic>* diagnostics) {
  ParsedModelConfig out;
  ConfigReader reader(file, diagnostics);
  read_document(reader, yaml, out, "model configuration");
  return out;
}

std::vector<ContractsEntry> parse_contracts_file(const std::string& yaml, const std::string& file,
                                                 std::vector<Diagnostic>* diagnostics) {
  std::vector<ContractsEntry> out;
  ContractsReader reader(file, diagnostics);
  read_document(reader, yaml, out, "contracts file");
  return out;
}

}  // namespace silt::pipeline
