// The typed form of a project file (silt.yaml) after validation, environment selection and ${VAR}
// substitution. Plain values only: no YAML types here (the parser lives in project_loader.cpp).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "pipeline/project/consolidation_config.h"
#include "pipeline/project/schedule_config.h"
#include "storage/s3/s3_settings.h"

namespace silt::pipeline {

// Problems in project and model files are base's Diagnostic (base/diagnostic.h).
using silt::Diagnostic;
using silt::format_diagnostic;

// DuckDB session settings; empty or 0 means DuckDB's default.
struct EngineSettings {
  int threads = 0;
  std::string memory_limit;    // "4GB", "512MiB"
  std::string temp_directory;  // absolute after loading
};

enum class SourceFormat { kCsv, kJson, kParquet };
const char* source_format_name(SourceFormat format);

// Raw files read by models: a path or glob plus reader options passed to DuckDB's reader.
struct SourceConfig {
  std::string name;
  SourceFormat format = SourceFormat::kCsv;
  std::string path;  // absolute (or a URI) after loading; may contain glob characters
  std::map<std::string, std::string> options;
};

// Overrides applied when the environment is selected; unset fields keep the project's values.
struct EnvironmentConfig {
  std::optional<std::string> storage_root;
  std::map<std::string, std::string> vars;  // merged over the project's vars
  std::optional<int> threads;
  std::optional<std::string> memory_limit;
  std::optional<std::string> temp_directory;
  storage::s3::S3Settings s3;  // set fields override the project's s3: block
  bool s3_credentials_given = false;
};

struct ProjectConfig {
  std::string project_dir;  // absolute
  std::string name;
  std::string storage_root;  // absolute (or a URI such as s3://bucket/prefix)
  storage::s3::S3Settings s3;  // the `s3:` block; unset fields come from the AWS environment
  EngineSettings engine;
  std::map<std::string, std::string> vars;
  std::vector<SourceConfig> sources;
  std::vector<std::string> model_paths;  // absolute
  std::vector<ConsolidationConfig> consolidations;  // in file order
  std::vector<ScheduleConfig> schedules;            // in file order
  std::vector<TableMaintenanceConfig> tables;       // per-table optimize/vacuum defaults
  std::map<std::string, EnvironmentConfig> environments;
  std::string environment;  // the selected environment, "" for none; its overrides are applied above

  // Fields whose value came (in whole or part) from an environment variable, by path:
  // "storage_root", "engine.memory_limit", "engine.temp_directory", "vars.<key>",
  // "sources.<name>.path", "sources.<name>.options.<key>", "model_paths.<index>",
  // "environments.<env>.storage_root", "environments.<env>.vars.<key>", ...
  std::set<std::string> secret_fields;

  // The `tables:` entry of a table name or path, if any.
  const TableMaintenanceConfig* table_defaults(const std::string& table) const;
  const ScheduleConfig* schedule(const std::string& name) const;

  // A copy for printing: every field listed in secret_fields reads "***".
  ProjectConfig redacted() const;
};

}  // namespace silt::pipeline
