#include "app/cli/project_support.h"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/project/project_loader.h"

namespace silt::app {

void add_project_options(CLI::App* command, ProjectArgs& args) {
  command->add_option("--project", args.directory, "project directory holding silt.yaml (default: .)");
  command->add_option("--env", args.environment, "environment to apply (default: SILT_ENV, then default_env)");
}

namespace {

Error problems_error(const std::vector<pipeline::Diagnostic>& diagnostics, const std::string& directory) {
  for (const auto& diagnostic : diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
  return Error(ErrorCode::kConfig, fmt::format("{} problem{} in project {}; see above (`silt validate` lists them too)",
                                               diagnostics.size(), diagnostics.size() == 1 ? "" : "s", directory));
}

}  // namespace

Result<std::unique_ptr<pipeline::Project>> load_project_for_command(const ProjectArgs& args,
                                                                   CommandContext& context) {
  const GlobalOptions& global = context.options();
  std::vector<pipeline::Diagnostic> diagnostics;
  auto project = pipeline::load_full_project(args.directory, args.environment, &diagnostics);
  if (!project) {
    if (diagnostics.empty()) return std::move(project).error();
    return problems_error(diagnostics, args.directory);
  }
  auto& engine = project->config.engine;
  if (global.threads > 0) engine.threads = global.threads;
  if (!global.memory_limit.empty()) engine.memory_limit = global.memory_limit;
  if (!global.temp_directory.empty()) engine.temp_directory = global.temp_directory;
  SILT_TRY(context.use_s3_settings(project->config.s3));
  return std::make_unique<pipeline::Project>(std::move(*project));
}

Result<pipeline::ProjectConfig> load_config_for_command(const ProjectArgs& args, CommandContext& context) {
  std::vector<pipeline::Diagnostic> diagnostics;
  auto config = pipeline::load_project(args.directory, args.environment, &diagnostics);
  if (!config && !diagnostics.empty()) return problems_error(diagnostics, args.directory);
  if (config) SILT_TRY(context.use_s3_settings(config->s3));
  return config;
}

Result<ResolvedTable> resolve_table_argument(const std::string& text, const ProjectArgs& args,
                                             CommandContext& context) {
  ResolvedTable table;
  std::error_code error;
  bool looks_like_path = text.find('/') != std::string::npos || text.find("://") != std::string::npos ||
                         starts_with(text, ".") || starts_with(text, "~") || std::filesystem::exists(text, error);
  bool has_project = std::filesystem::exists(std::filesystem::path(args.directory) / "silt.yaml", error);
  if (looks_like_path || !has_project) {
    table.root = context.table_location(text);
    return table;
  }
  SILT_TRY_ASSIGN(auto project, load_project_for_command(args, context));
  const pipeline::Model* model = project->find(text);
  if (!model) {
    std::vector<std::string> names;
    for (const auto& candidate : project->models) names.push_back(candidate.qualified_name());
    auto best = closest_name(text, names);
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no table '{}' in project {} and no such path{} (name a path or a table such as "
                                  "silver.orders; `silt dag` lists them)",
                                  text, project->config.project_dir,
                                  best ? fmt::format(" (did you mean '{}'?)", *best) : ""));
  }
  table.root = project->table_location(*model);
  table.name = model->qualified_name();
  table.project = std::move(project->config);
  return table;
}

std::string current_user() {
  for (const char* name : {"SILT_USER", "USER", "LOGNAME"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return "unknown";
}

}  // namespace silt::app
