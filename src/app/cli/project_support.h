// Loading a project for the commands that work on one (run, plan, backfill, runs, sql, dag).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "app/cli/context.h"
#include "pipeline/model/model.h"

namespace CLI {
class App;
}

namespace silt::app {

struct ProjectArgs {
  std::string directory = ".";
  std::string environment;
};

// --project DIR and --env NAME.
void add_project_options(CLI::App* command, ProjectArgs& args);

// Loads and validates the whole project. On problems, prints each as file:line:col to stderr and
// fails with a Config error ("<n> problems in <dir>; see above"). Global --threads, --memory-limit
// and --temp-dir, when given, override the project's engine settings; the project's `s3:` block
// configures the context's S3 client.
Result<std::unique_ptr<pipeline::Project>> load_project_for_command(const ProjectArgs& args,
                                                                   CommandContext& context);
// silt.yaml only (for commands that do not need the models, such as `silt runs`).
Result<pipeline::ProjectConfig> load_config_for_command(const ProjectArgs& args, CommandContext& context);

// Who runs the command, for audit records: $SILT_USER, else $USER or $LOGNAME, else "unknown".
std::string current_user();

}  // namespace silt::app
