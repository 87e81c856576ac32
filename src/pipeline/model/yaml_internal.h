// Reading YAML with yaml-cpp for the model configuration (model_config.cpp, quality_yaml.cpp, yaml_values.cpp):
// node positions and kinds, typed values with a diagnostic naming file, line and column for each
// problem, and the quality keys (contract, checks, on_failure, max_quarantine_pct) of one model.
// Internal to src/pipeline/model/: nothing else includes yaml-cpp, and no yaml-cpp exception leaves.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/model_config.h"

namespace silt::pipeline {

std::string_view trim_right(std::string_view text);

std::string node_kind(const YAML::Node& node);

TextPosition position_of(const YAML::Node& node);

// A number written in decimal ("5", "0.5", "1e3"); nullopt on any stray character.
std::optional<double> parse_number(std::string_view text);

// A percentage: a number, optionally followed by '%'.
std::optional<double> parse_percentage(std::string_view text);

// "30s", "15m", "12h", "2d", "1w" in milliseconds; nullopt unless a positive whole number and a unit.
std::optional<int64_t> parse_duration_ms(std::string_view text);

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

// The quality keys of one model, from its configuration or from its entry in a contracts file
// (quality_yaml.cpp): read_key for each key of kQualityKeys, then finish() once all were read.
class QualityKeysReader {
 public:
  explicit QualityKeysReader(const YamlReader& parent);
  ~QualityKeysReader();
  QualityKeysReader(const QualityKeysReader&) = delete;
  QualityKeysReader& operator=(const QualityKeysReader&) = delete;

  void read_key(const std::string& key, const YAML::Node& key_node, const YAML::Node& value, QualityConfig& quality,
                QualityPositions& positions);
  // What depends on several keys, once all are read.
  void finish(const QualityConfig& quality);

 private:
  class Reader;
  std::unique_ptr<Reader> reader_;
};

}  // namespace silt::pipeline
