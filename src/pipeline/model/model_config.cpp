// Model configuration with yaml-cpp: the header comment of a model file and the keys of the YAML it
// holds (or of a <model>.yml file). No yaml-cpp exception leaves this file.
#include "pipeline/model/model_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/suggestion.h"

namespace silt::pipeline {

namespace {

constexpr std::string_view kHeaderOpening = "/* silt:";

const std::vector<std::string> kModelKeys = {
    "materialized", "unique_key",   "partition_by", "time_column",      "lookback", "strategy",
    "updated_at",   "check_columns", "hard_deletes", "on_schema_change", "schema",   "alias",
    "description",  "owner",        "tags",         "enabled"};
const std::vector<std::string> kMaterializations = {"table", "append", "merge", "incremental", "snapshot"};
const std::vector<std::string> kStrategies = {"timestamp", "check"};
const std::vector<std::string> kHardDeletes = {"ignore", "invalidate"};
const std::vector<std::string> kSchemaChanges = {"fail", "add_columns"};
// Keys that mean something only for one materialization.
const std::vector<std::string> kSnapshotOnlyKeys = {"strategy", "updated_at", "check_columns", "hard_deletes"};

std::string_view trim_right(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(0, end);
}

bool is_identifier(const std::string& text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
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

class ConfigReader {
 public:
  ConfigReader(std::string file, std::vector<Diagnostic>* diagnostics)
      : file_(std::move(file)), diagnostics_(diagnostics) {}

  void add(TextPosition at, std::string message) {
    diagnostics_->push_back(Diagnostic{file_, at.line, at.column, std::move(message)});
  }

  void error(const YAML::Node& at, std::string message) { add(position_of(at), std::move(message)); }

  void read(const YAML::Node& root, ParsedModelConfig& out) {
    if (root.IsNull() || !root.IsDefined()) return;  // an empty configuration: every default
    if (!root.IsMap()) {
      error(root, fmt::format("the model configuration must be a mapping of keys, got {}", node_kind(root)));
      return;
    }
    std::map<std::string, int> first_line;
    for (const auto& entry : root) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        error(key, fmt::format("keys must be names, got {}", node_kind(key)));
        continue;
      }
      const std::string& name = key.Scalar();
      auto [it, inserted] = first_line.emplace(name, position_of(key).line);
      if (!inserted) {
        error(key, fmt::format("duplicate key '{}' (first at line {})", name, it->second));
        continue;
      }
      if (std::find(kModelKeys.begin(), kModelKeys.end(), name) == kModelKeys.end()) {
        if (auto suggestion = closest_name(name, kModelKeys)) {
          error(key, fmt::format("unknown key '{}' (did you mean '{}'?)", name, *suggestion));
        } else {
          error(key, fmt::format("unknown key '{}' (expected one of: {})", name, join(kModelKeys, ", ")));
        }
        continue;
      }
      out.keys[name] = position_of(key);
      out.values[name] = position_of(entry.second);
      read_key(name, entry.second, out.config);
    }
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

  std::optional<bool> boolean(const YAML::Node& node, const std::string& key) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    const std::string lower = to_lower(trim(*text));
    if (lower == "true" || lower == "yes" || lower == "on") return true;
    if (lower == "false" || lower == "no" || lower == "off") return false;
    error(node, fmt::format("'{}' must be true or false, got '{}'", key, *text));
    return std::nullopt;
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
    if (config.materialized != Materialization::kSnapshot) {
      for (const auto& key : kSnapshotOnlyKeys) {
        if (out.keys.count(key)) {
          add(out.keys.at(key), fmt::format("'{}' applies only to materialized: snapshot (this model is '{}')", key, kind));
        }
      }
    }
  }

  std::string file_;
  std::vector<Diagnostic>* diagnostics_;
  bool materialized_valid_ = true;
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

ParsedModelConfig parse_model_config(const std::string& yaml, const std::string& file,
                                     std::vector<Diagnostic>* diagnostics) {
  ParsedModelConfig out;
  ConfigReader reader(file, diagnostics);
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
    reader.add({1, 1}, std::string("cannot read the model configuration: ") + e.what());
  }
  return out;
}

}  // namespace silt::pipeline
