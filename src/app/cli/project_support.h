// Loading a project for the commands that work on one (run, plan, backfill, runs, sql, dag).
#pragma once

#include <memory>
#include <optional>
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

// A table named on the command line (maintenance commands such as `silt vacuum`).
struct ResolvedTable {
  std::string root;  // absolute location (or s3://...)
  std::string name;  // the project's qualified table name (silver.orders); "" for a path
  // The project the name was resolved in (for its per-table settings); nullopt for a path.
  std::optional<pipeline::ProjectConfig> project;
};

// TABLE as a path (anything with '/' or "://", starting with '.' or '~', or that exists on local
// disk) or, when `args.directory` holds a silt.yaml, a table of that project: a qualified name
// (silver.orders) or a model name. The project is loaded (its S3 settings apply) only for a
// name. NotFound naming the closest table of the project for an unknown name.
Result<ResolvedTable> resolve_table_argument(const std::string& text, const ProjectArgs& args,
                                             CommandContext& context);

// Who runs the command, for audit records: $SILT_USER, else $USER or $LOGNAME, else "unknown".
std::string current_user();

}  // namespace silt::app
