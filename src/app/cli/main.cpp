// silt command-line entry point: global options, subcommands, and the final exit code.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "base/memory_size.h"
#include "base/strings.h"
#include "app/cli/context.h"
#include "obs/logger.h"

int main(int argc, char** argv) {
  using namespace silt::app;
  CLI::App app{"silt: lakehouse pipelines on Delta Lake tables, powered by DuckDB"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "silt 0.1.0 (DuckDB 1.4.4)");
  GlobalOptions options;
  app.add_option("--threads", options.threads, "DuckDB worker threads, 1 to 4096 (default: one per core)")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            auto number = silt::parse_int64(value);
            return number && *number >= 1 && *number <= 4096
                       ? std::string()
                       : "'" + value + "' is not a number of threads from 1 to 4096";
          },
          "N"));
  app.add_option("--memory-limit", options.memory_limit, "DuckDB memory limit, e.g. 4GB (default: 75% of physical memory)")
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            auto size = silt::parse_memory_size(value);
            return size ? std::string() : size.error().message();
          },
          "SIZE"));
  app.add_option("--temp-dir", options.temp_directory, "where DuckDB spills and checkpoints are staged (default: <system temp>/silt-spill-<uid>)");
  app.add_option("--log-level", options.log_level, "debug|info|warn|error|off (default warn)")
      ->check(CLI::IsMember({"debug", "info", "warn", "error", "off"}));

  CommandContext context(options);
  int exit_code = kExitOk;
  register_table_commands(app, context, &exit_code);
  register_sql_command(app, context, &exit_code);
  register_validate_command(app, context, &exit_code);
  register_run_commands(app, context, &exit_code);
  register_quality_commands(app, context, &exit_code);
  register_init_command(app, context, &exit_code);
  register_dag_command(app, context, &exit_code);
  register_storage_commands(app, context, &exit_code);
  register_flags_commands(app, context, &exit_code);
  register_versions_commands(app, context, &exit_code);
  register_consolidate_commands(app, context, &exit_code);
  register_catalog_commands(app, context, &exit_code);
  register_optimize_command(app, context, &exit_code);
  register_schedule_commands(app, context, &exit_code);
  register_vacuum_command(app, context, &exit_code);

  // Nothing may escape as an exception: a bug becomes a message and the documented exit code.
  try {
    // A deliberate failure for the test that proves this handler (undocumented).
    if (const char* fault = std::getenv("SILT_FAULT_INJECT"); fault && std::string(fault) == "throw") {
      throw std::runtime_error("fault injected by SILT_FAULT_INJECT");
    }
    // The first word that is not a global option must be a command: say which ones exist.
    for (int i = 1; i < argc; ++i) {
      std::string word = argv[i];
      if (word == "--threads" || word == "--memory-limit" || word == "--temp-dir" || word == "--log-level") {
        ++i;
        continue;
      }
      if (!word.empty() && word[0] == '-') continue;
      std::vector<std::string> names;
      for (const auto* command : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(command->get_name());
      if (std::find(names.begin(), names.end(), word) != names.end()) break;
      std::fprintf(stderr, "silt: unknown command '%s' (commands: %s; see silt --help)\n", word.c_str(),
                   silt::join(names, ", ").c_str());
      return kExitUsage;
    }
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? kExitOk : kExitUsage;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "silt: internal error: %s (this is a bug in silt; please report it with the command)\n",
                 error.what());
    return kExitInternal;
  } catch (...) {
    std::fprintf(stderr, "silt: internal error: an unknown exception (this is a bug in silt; please report it)\n");
    return kExitInternal;
  }
  return exit_code;
}
