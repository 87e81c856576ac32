// `silt validate`: checks a project (its silt.yaml) and reports every problem with file:line:col.
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "pipeline/project/project_loader.h"

namespace silt::app {

void register_validate_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("validate", "check a project and report every problem with file:line:col");
  struct Args {
    std::string project = ".";
    std::string environment;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--project", args->project, "project directory holding silt.yaml (default: .)");
  cmd->add_option("--env", args->environment, "environment to apply (default: SILT_ENV, then default_env)");
  cmd->add_flag("--json", args->json, "print the result as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    std::vector<pipeline::Diagnostic> diagnostics;
    auto project = pipeline::load_project(args->project, args->environment, &diagnostics);
    if (args->json) {
      nlohmann::ordered_json out;
      out["ok"] = project.has_value();
      if (project) {
        out["project"] = project->name;
        out["environment"] = project->environment;
        out["storage"] = project->redacted().storage_root;
        out["sources"] = project->sources.size();
      }
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& diagnostic : diagnostics) {
        list.push_back({{"file", diagnostic.file},
                        {"line", diagnostic.line},
                        {"column", diagnostic.column},
                        {"message", diagnostic.message}});
      }
      out["diagnostics"] = list;
      std::cout << out.dump(2) << "\n";
    } else if (project) {
      std::cout << fmt::format("ok: project '{}'{} ({} source{}, storage {})\n", project->name,
                               project->environment.empty() ? "" : " in environment '" + project->environment + "'",
                               project->sources.size(), project->sources.size() == 1 ? "" : "s",
                               project->redacted().storage_root);
    } else {
      for (const auto& diagnostic : diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
      std::cerr << fmt::format("error: {} problem{} in {}\n", diagnostics.size(), diagnostics.size() == 1 ? "" : "s",
                               args->project);
    }
    *exit_code = project ? kExitOk : kExitUsage;
  });
}

}  // namespace silt::app
