// Model configuration with yaml-cpp: the header comment of a model file, the keys of the YAML it
// holds (or of a <model>.yml file), and contracts files; the quality keys are read by
// quality_yaml.cpp. No yaml-cpp exception leaves this file.
#include "pipeline/model/model_config.h"
#include "pipeline/model/yaml_internal.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {

namespace {

constexpr std::string_view kHeaderOpening = "/* silt:";

const std::vector<std::string> kModelKeys = {
    "materialized", "unique_key",    "partition_by", "time_column",      "lookback", "strategy",
    "updated_at",   "check_columns", "hard_deletes", "on_schema_change", "schema",   "alias",
    "description",  "owner",         "tags",         "enabled",          "contract", "checks",
    "on_failure",   "max_quarantine_pct", "on_input_rewrite", "versions", "version_flag", "default_version",
    "published", "fallback_on_gate", "diff_key"};
// Keys that mean something only for a versioned model.
const std::vector<std::string> kVersionedOnlyKeys = {"version_flag", "default_version", "published",
                                                     "fallback_on_gate"};
const std::vector<std::string> kMaterializations = {"table", "append", "merge", "incremental", "snapshot"};
const std::vector<std::string> kStrategies = {"timestamp", "check"};
const std::vector<std::string> kHardDeletes = {"ignore", "invalidate"};
const std::vector<std::string> kSchemaChanges = {"fail", "add_columns"};
const std::vector<std::string> kInputRewrites = {"fail", "full_refresh"};
// Keys that mean something only for one materialization.
const std::vector<std::string> kSnapshotOnlyKeys = {"strategy", "updated_at", "check_columns", "hard_deletes"};

// The keys of kModelKeys that make up a QualityConfig: all a contracts file entry may hold.
const std::vector<std::string> kQualityKeys = {"contract", "checks", "on_failure", "max_quarantine_pct"};

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
      } else if (name == "versions") {
        read_versions(value, out);
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
    } else if (key == "version_flag" || key == "default_version") {
      if (auto text = text_value(value, key)) (key == "version_flag" ? config.version_flag : config.default_version) = *text;
    } else if (key == "published") {
      if (auto flag = boolean(value, key)) config.published = *flag;
    } else if (key == "fallback_on_gate") {
      if (auto flag = boolean(value, key)) config.fallback_on_gate = *flag;
    } else if (key == "diff_key") {
      config.diff_key = names(value, key);
    }
  }

  // versions: {v1: model_v1.sql, v2: model_v2.sql}
  void read_versions(const YAML::Node& node, ParsedModelConfig& out) {
    if (!node.IsMap() || node.size() == 0) {
      error(node, fmt::format("'versions' must map each version name to its SQL file, such as "
                              "{{v1: orders_v1.sql, v2: orders_v2.sql}}, got {}",
                              node.IsMap() ? "an empty mapping" : node_kind(node)));
      return;
    }
    for (const auto& [key, value] : entries(node, "version")) {
      const std::string& name = key.Scalar();
      if (!is_version_name(name)) {
        error(key, fmt::format("invalid version name '{}' (use letters, digits, '_' and '-', at most 64 characters)",
                               name));
        continue;
      }
      auto file = text_value(value, "versions." + name);
      if (!file) continue;
      if (!ends_with(*file, ".sql")) {
        error(value, fmt::format("the file of version '{}' must be a .sql file, got '{}'", name, *file));
        continue;
      }
      out.config.versions.emplace_back(name, *file);
      out.version_files[name] = position_of(value);
    }
  }

  static bool is_version_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
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
    if (config.versions.empty() && !out.keys.count("versions")) {
      for (const auto& key : kVersionedOnlyKeys) {
        if (out.keys.count(key)) {
          add(out.keys.at(key), fmt::format("'{}' applies only to a versioned model (set 'versions' too)", key));
        }
      }
    }
    if (!config.versions.empty()) {
      if (config.version_flag.empty() && !out.keys.count("version_flag")) {
        add(out.keys.at("versions"),
            "a versioned model needs 'version_flag': the flag whose value names the version a run computes");
      }
      if (!config.default_version.empty()) {
        std::vector<std::string> names;
        for (const auto& [name, file] : config.versions) names.push_back(name);
        if (std::find(names.begin(), names.end(), config.default_version) == names.end()) {
          add(out.values.at("default_version"),
              fmt::format("default_version '{}' is not one of the versions ({})", config.default_version,
                          join(names, ", ")));
        }
      }
    }
    if (config.materialized != Materialization::kSnapshot) {
      for (const auto& key : kSnapshotOnlyKeys) {
        if (out.keys.count(key)) {
          add(out.keys.at(key), fmt::format("'{}' applies only to materialized: snapshot (this model is '{}')", key, kind));
        }
      }
    }
  }

  QualityKeysReader quality_;
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
      QualityKeysReader quality(*this);
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
