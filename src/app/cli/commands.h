// Registration of every subcommand on the CLI11 application. Each command file adds its
// subcommands and sets a callback that stores the command's exit code.
#pragma once

namespace CLI {
class App;
}

namespace silt::app {

class CommandContext;

// `run` receives the exit code of the command that ran.
void register_table_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt table merge`, on the `table` subcommand (called by register_table_commands).
void register_table_merge_command(CLI::App& table, CommandContext& context, int* exit_code);
void register_sql_command(CLI::App& app, CommandContext& context, int* exit_code);
void register_validate_command(CLI::App& app, CommandContext& context, int* exit_code);
// `silt run`, `silt plan`, `silt backfill`, `silt runs`.
void register_run_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt check`, `silt quality`.
void register_quality_commands(CLI::App& app, CommandContext& context, int* exit_code);
void register_init_command(CLI::App& app, CommandContext& context, int* exit_code);
void register_dag_command(CLI::App& app, CommandContext& context, int* exit_code);
// `silt flags list`, `silt flags eval`.
void register_flags_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt flags serve`, on the `flags` subcommand (called by register_flags_commands).
void register_flags_serve_command(CLI::App& flags, CommandContext& context, int* exit_code);
// `silt flags set` and `silt flags history`, on the `flags` subcommand.
void register_flags_set_commands(CLI::App& flags, CommandContext& context, int* exit_code);
// `silt publish` and `silt diff`.
void register_versions_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt consolidate`, `silt consolidations`, `silt events`.
void register_consolidate_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt discover`, `silt catalog list|show|ddl|drop`.
void register_catalog_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt storage check`.
void register_storage_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt schedule list`.
void register_schedule_commands(CLI::App& app, CommandContext& context, int* exit_code);
// `silt optimize`.
void register_optimize_command(CLI::App& app, CommandContext& context, int* exit_code);
// `silt vacuum`.
void register_vacuum_command(CLI::App& app, CommandContext& context, int* exit_code);

}  // namespace silt::app
