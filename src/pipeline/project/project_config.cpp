// The redacted view of a project config; no parsing here.
#include "pipeline/project/project_config.h"

#include <fmt/format.h>

namespace silt::pipeline {

const char* source_format_name(SourceFormat format) {
  switch (format) {
    case SourceFormat::kCsv: return "csv";
    case SourceFormat::kJson: return "json";
    case SourceFormat::kParquet: return "parquet";
  }
  return "unknown";
}

namespace {

constexpr const char* kRedacted = "***";

void redact(const std::set<std::string>& secrets, const std::string& path, std::string& value) {
  if (secrets.count(path)) value = kRedacted;
}

void redact(const std::set<std::string>& secrets, const std::string& path, std::optional<std::string>& value) {
  if (value && secrets.count(path)) *value = kRedacted;
}

void redact_map(const std::set<std::string>& secrets, const std::string& prefix,
                std::map<std::string, std::string>& values) {
  for (auto& [key, value] : values) redact(secrets, prefix + key, value);
}

}  // namespace

ProjectConfig ProjectConfig::redacted() const {
  ProjectConfig copy = *this;
  const auto& s = secret_fields;
  redact(s, "name", copy.name);
  redact(s, "storage_root", copy.storage_root);
  redact(s, "engine.memory_limit", copy.engine.memory_limit);
  redact(s, "engine.temp_directory", copy.engine.temp_directory);
  redact_map(s, "vars.", copy.vars);
  for (auto& source : copy.sources) {
    const std::string prefix = "sources." + source.name + ".";
    redact(s, prefix + "path", source.path);
    redact_map(s, prefix + "options.", source.options);
  }
  for (size_t i = 0; i < copy.model_paths.size(); ++i) redact(s, fmt::format("model_paths.{}", i), copy.model_paths[i]);
  for (auto& [env_name, env] : copy.environments) {
    const std::string prefix = "environments." + env_name + ".";
    redact(s, prefix + "storage_root", env.storage_root);
    redact(s, prefix + "engine.memory_limit", env.memory_limit);
    redact(s, prefix + "engine.temp_directory", env.temp_directory);
    redact_map(s, prefix + "vars.", env.vars);
  }
  return copy;
}

}  // namespace silt::pipeline

namespace silt::pipeline {

const TableMaintenanceConfig* ProjectConfig::table_defaults(const std::string& table) const {
  for (const auto& entry : tables) {
    if (entry.table == table) return &entry;
  }
  return nullptr;
}

const ScheduleConfig* ProjectConfig::schedule(const std::string& job) const {
  for (const auto& entry : schedules) {
    if (entry.name == job) return &entry;
  }
  return nullptr;
}

}  // namespace silt::pipeline
