#include "app/cli/project_support.h"

#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>

namespace silt::app {

void add_project_options(CLI::App* command, ProjectArgs& args) {
  command->add_option("--project", args.directory, "project directory holding silt.yaml (default: .)");
  command->add_option("--env", args.environment, "environment to apply (default: SILT_ENV, then default_env)");
}

Result<std::unique_ptr<pipeline::Project>> load_project_for_command(const ProjectArgs& args) {
  std::vector<pipeline::Diagnostic> diagnostics;
  auto project = pipeline::load_full_project(args.directory, args.environment, &diagnostics);
  if (!project) {
    if (diagnostics.empty()) return std::move(project).error();
    for (const auto& diagnostic : diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
    return make_error(ErrorCode::kConfig,
                      fmt::format("{} problem{} in project {}; see above (`silt validate` lists them too)",
                                  diagnostics.size(), diagnostics.size() == 1 ? "" : "s", args.directory));
  }
  return std::make_unique<pipeline::Project>(std::move(*project));
}

}  // namespace silt::app
