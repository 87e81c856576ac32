// Reading silt.yaml's nodes into values while collecting every problem as a Diagnostic with its
// line and column: the helpers the project loader's sections share (project_loader.cpp and
// project_s3.cpp). Internal to src/pipeline/project/.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/project/project_loader.h"
#include "storage/s3/s3_settings.h"

namespace silt::pipeline {

// "a, b, c".
std::string quoted_list(const std::vector<std::string>& names);
// "a mapping", "a list", "'text'", "nothing": how messages describe a node (shared with the model
// configuration's readers, pipeline/model/yaml_values.cpp).
std::string node_kind(const YAML::Node& node);

class ProjectYamlReader {
 public:
  explicit ProjectYamlReader(std::string file) : file_(std::move(file)) {}

  std::vector<Diagnostic>& diagnostics() { return diagnostics_; }
  const std::string& file() const { return file_; }
  // Fields whose values came from the process environment (treated as secrets).
  std::set<std::string> take_secrets() { return std::move(secrets_); }

  void add(int line, int column, std::string message);
  void error(const YAML::Node& at, std::string message);

  // Unknown and duplicate keys of a mapping; `where` is "" at the top level or " in engine" etc.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where);
  // Keys of free-form mappings (vars, options, environments): only duplicates and non-scalar keys.
  void check_keys_unique(const YAML::Node& map, const std::string& where);
  // Replaces ${VAR} and ${VAR:-default}; "$${" is a literal "${". Sets *from_environment when any
  // part of the result came from the process environment (so the value is treated as a secret).
  std::optional<std::string> substitute(const YAML::Node& at, const std::string& text, bool* from_environment);
  // A scalar value after substitution; `what` names it in messages, `field` is its secret path.
  std::optional<std::string> string_value(const YAML::Node& node, const std::string& what, const std::string& field);
  std::optional<std::string> required_string(const YAML::Node& map, const std::string& key, const std::string& where,
                                             const std::string& field);
  bool expect_map(const YAML::Node& node, const std::string& what);

 protected:
  std::set<std::string> secrets_;

 private:
  std::string file_;
  std::vector<Diagnostic> diagnostics_;
};

// An `s3:` block (the project's, or an environment's with field prefix "environments.<env>.") into
// `out`; *credentials_given says whether it named credentials. `what` is "s3" or
// "s3 of environment prod".
// `consolidations:` (project_consolidations.cpp); `resolve` makes paths absolute.
void read_consolidations(ProjectYamlReader& reader, const YAML::Node& node,
                         const std::function<std::string(const std::string&)>& resolve,
                         std::vector<ConsolidationConfig>& out);

// `schedules:` and `tables:` (project_schedules.cpp).
void read_schedules(ProjectYamlReader& reader, const YAML::Node& node, std::vector<ScheduleConfig>& out);
void read_tables(ProjectYamlReader& reader, const YAML::Node& node, std::vector<TableMaintenanceConfig>& out);

void read_s3_block(ProjectYamlReader& reader, const YAML::Node& s3, const std::string& what, const std::string& field_prefix,
                   storage::s3::S3Settings& out, bool* credentials_given);

}  // namespace silt::pipeline
