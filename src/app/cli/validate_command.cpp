// `silt validate`: checks a whole project (silt.yaml and every model: configuration, SQL, references,
// dependency cycles) and reports every problem with file:line:col. Runs nothing.
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "pipeline/flags/flag_files.h"
#include "pipeline/run/flag_snapshot.h"
#include "pipeline/model/model.h"

namespace silt::app {

namespace {

std::string counted(size_t count, const char* noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

}  // namespace

void register_validate_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("validate", "check a project and its models; report every problem with file:line:col");
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
    pipeline::Project partial;
    auto project = pipeline::load_full_project(args->project, args->environment, &diagnostics, &partial);
    if (!project && diagnostics.empty()) {
      // Not a problem of the project: DuckDB could not be started to parse the models.
      *exit_code = report_error(project.error());
      return;
    }
    // Counts come from what loaded, so a project with problems still reports its size.
    const pipeline::ProjectConfig& config = partial.config;
    // The flag files are part of the project.
    size_t flag_count = 0;
    if (!config.project_dir.empty()) {
      auto flag_files = pipeline::load_flag_files(context.fs(), config.project_dir);
      if (!flag_files) {
        *exit_code = report_error(flag_files.error());
        return;
      }
      flag_count = flag_files->flags.flags.size();
      diagnostics.insert(diagnostics.end(), flag_files->diagnostics.begin(), flag_files->diagnostics.end());
      auto versions = pipeline::check_version_flags(partial, flag_files->flags);
      diagnostics.insert(diagnostics.end(), versions.begin(), versions.end());
    }
    const bool ok = project.has_value() && diagnostics.empty();
    if (args->json) {
      nlohmann::ordered_json out;
      out["ok"] = ok;
      if (!config.name.empty()) {
        const pipeline::ProjectConfig redacted = config.redacted();
        out["project"] = redacted.name;
        out["environment"] = config.environment;
        out["storage"] = redacted.storage_root;
      }
      out["models"] = partial.models.size();
      out["sources"] = config.sources.size();
      out["flags"] = flag_count;
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (const auto& diagnostic : diagnostics) {
        list.push_back({{"file", diagnostic.file},
                        {"line", diagnostic.line},
                        {"column", diagnostic.column},
                        {"message", diagnostic.message}});
      }
      out["problems"] = list;
      std::cout << out.dump(2) << "\n";
    } else if (ok) {
      std::cout << fmt::format("project '{}'{}: {}, {}{}: no problems\n", config.redacted().name,
                               config.environment.empty() ? "" : " (env " + config.environment + ")",
                               counted(project->models.size(), "model"), counted(config.sources.size(), "source"),
                               flag_count == 0 ? "" : ", " + counted(flag_count, "flag"));
    } else {
      for (const auto& diagnostic : diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
      std::cerr << fmt::format("error: {} in {}\n", counted(diagnostics.size(), "problem"), args->project);
    }
    *exit_code = ok ? kExitOk : kExitUsage;
  });
}

}  // namespace silt::app
