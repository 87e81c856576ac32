// The shared node readers of silt.yaml.
#include "pipeline/project/project_yaml_internal.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {

std::string quoted_list(const std::vector<std::string>& names) { return join(names, ", "); }

void ProjectYamlReader::add(int line, int column, std::string message) {
  diagnostics_.push_back(Diagnostic{file_, line, column, std::move(message)});
}

void ProjectYamlReader::error(const YAML::Node& at, std::string message) {
  const YAML::Mark mark = at.Mark();
  if (mark.line < 0) {
    add(0, 0, std::move(message));
  } else {
    add(mark.line + 1, mark.column + 1, std::move(message));
  }
}

// Unknown and duplicate keys of a mapping; `where` is "" at the top level or " in engine" etc.
void ProjectYamlReader::check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    if (!key.IsScalar()) {
      error(key, fmt::format("keys must be names{}, got {}", where, node_kind(key)));
      continue;
    }
    const std::string& name = key.Scalar();
    auto [it, inserted] = seen.emplace(name, key.Mark());
    if (!inserted) {
      error(key, fmt::format("duplicate key '{}'{} (first at line {})", name, where, it->second.line + 1));
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
    if (auto suggestion = closest_name(name, allowed)) {
      error(key, fmt::format("unknown key '{}'{} (did you mean '{}'?)", name, where, *suggestion));
    } else {
      error(key, fmt::format("unknown key '{}'{} (expected one of: {})", name, where, quoted_list(allowed)));
    }
  }
}

// Replaces ${VAR} and ${VAR:-default}; "$${" is a literal "${". Sets *from_environment when any
// part of the result came from the process environment (so the value is treated as a secret).
std::optional<std::string> ProjectYamlReader::substitute(const YAML::Node& at, const std::string& text, bool* from_environment) {
  std::string out;
  bool ok = true;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string::npos) {
      error(at, fmt::format("unterminated '${{' in '{}' (write '$${{' for a literal '${{')", text));
      return std::nullopt;
    }
    const std::string inner = text.substr(i + 2, close - i - 2);
    const size_t separator = inner.find(":-");
    const std::string variable = separator == std::string::npos ? inner : inner.substr(0, separator);
    i = close + 1;
    if (!is_identifier(variable)) {
      error(at, fmt::format("invalid environment variable name '{}' in '${{{}}}'", variable, inner));
      ok = false;
      continue;
    }
    const char* value = std::getenv(variable.c_str());
    if (separator != std::string::npos) {
      if (value != nullptr && *value != '\0') {
        out += value;
        *from_environment = true;
      } else {
        out += inner.substr(separator + 2);
      }
    } else if (value != nullptr) {
      out += value;
      *from_environment = true;
    } else {
      error(at, fmt::format("environment variable '{}' is not set (set it, or write ${{{}:-default}})",
                            variable, variable));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

// A scalar value after substitution; `what` names it in messages, `field` is its secret path.
std::optional<std::string> ProjectYamlReader::string_value(const YAML::Node& node, const std::string& what, const std::string& field) {
  if (!node.IsScalar()) {
    error(node, fmt::format("'{}' must be a string, got {}", what, node_kind(node)));
    return std::nullopt;
  }
  bool from_environment = false;
  auto value = substitute(node, node.Scalar(), &from_environment);
  if (value && from_environment) secrets_.insert(field);
  return value;
}

std::optional<std::string> ProjectYamlReader::required_string(const YAML::Node& map, const std::string& key, const std::string& where,
                                           const std::string& field) {
  const YAML::Node node = map[key];
  if (!node) {
    error(map, fmt::format("missing required key '{}'{}", key, where));
    return std::nullopt;
  }
  auto value = string_value(node, key, field);
  if (value && value->empty()) {
    error(node, fmt::format("'{}'{} must not be empty", key, where));
    return std::nullopt;
  }
  return value;
}

bool ProjectYamlReader::expect_map(const YAML::Node& node, const std::string& what) {
  if (node.IsMap()) return true;
  error(node, fmt::format("'{}' must be a mapping, got {}", what, node_kind(node)));
  return false;
}

// Keys of free-form mappings (vars, options, environments): only duplicates and non-scalar keys.
void ProjectYamlReader::check_keys_unique(const YAML::Node& map, const std::string& where) {
  std::map<std::string, YAML::Mark> seen;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) {
      error(entry.first, fmt::format("keys must be names{}, got {}", where, node_kind(entry.first)));
      continue;
    }
    auto [it, inserted] = seen.emplace(entry.first.Scalar(), entry.first.Mark());
    if (!inserted) {
      error(entry.first, fmt::format("duplicate key '{}'{} (first at line {})", entry.first.Scalar(), where,
                                     it->second.line + 1));
    }
  }
}

}  // namespace silt::pipeline
