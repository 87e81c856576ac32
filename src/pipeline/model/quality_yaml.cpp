// The quality keys of a model's configuration or contracts-file entry: contract (columns, types,
// nullability, primary key, schema evolution), checks with their parameters, severities and
// thresholds, on_failure and max_quarantine_pct; see yaml_internal.h.
#include "pipeline/model/yaml_internal.h"

#include <cctype>
#include <set>

namespace silt::pipeline {

namespace {

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

}  // namespace

class QualityKeysReader::Reader : public QualityReader {
 public:
  using QualityReader::QualityReader;
};

QualityKeysReader::QualityKeysReader(const YamlReader& parent) : reader_(std::make_unique<Reader>(parent)) {}
QualityKeysReader::~QualityKeysReader() = default;

void QualityKeysReader::read_key(const std::string& key, const YAML::Node& key_node, const YAML::Node& value,
                                 QualityConfig& quality, QualityPositions& positions) {
  reader_->read_key(key, key_node, value, quality, positions);
}

void QualityKeysReader::finish(const QualityConfig& quality) { reader_->finish(quality); }

}  // namespace silt::pipeline
