// `silt vacuum TABLE`: deletes the files no version within the retention references (and expired
// log files), or lists them with --dry-run. The deciding is delta::vacuum's; this prints it.
#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "app/cli/report.h"
#include "base/clock.h"
#include "base/duration.h"
#include "base/strings.h"
#include "delta/vacuum.h"

namespace silt::app {

namespace {

using nlohmann::ordered_json;

struct VacuumArgs {
  std::string table;
  std::string retain;
  bool dry_run = false;
  bool force = false;
  bool json = false;
  ProjectArgs project;
};

// The project's default retention for this table, when the table was named through a project
// (silt.yaml `tables: {silver.orders: {retain: 7d}}`); nullopt: the table's own
// delta.deletedFileRetentionDuration. --retain overrides both.
std::optional<int64_t> configured_retention_ms(const ResolvedTable& table) {
  if (!table.project || table.name.empty()) return std::nullopt;
  const auto* defaults = table.project->table_defaults(table.name);
  return defaults ? defaults->retain_ms : std::nullopt;
}

std::string plural(int64_t count, const char* word) {
  return fmt::format("{} {}{}", count, word, count == 1 ? "" : "s");
}

ordered_json files_json(const std::vector<delta::VacuumFile>& files) {
  ordered_json out = ordered_json::array();
  for (const auto& file : files) out.push_back({{"path", file.path}, {"size", file.size}});
  return out;
}

ordered_json report_json(const delta::VacuumReport& report, const ResolvedTable& table) {
  ordered_json out;
  out["table"] = report.table_root;
  if (!table.name.empty()) out["name"] = table.name;
  out["version"] = report.table_version;
  out["dry_run"] = report.dry_run;
  out["retention"] = format_duration_ms(report.retention_ms);
  out["retention_ms"] = report.retention_ms;
  out["default_retention_ms"] = report.default_retention_ms;
  out["minimum_retention_ms"] = report.minimum_retention_ms;
  out["retention_check_enabled"] = report.retention_check_enabled;
  out["cutoff"] = format_timestamp_ms(report.cutoff_ms);
  out["num_files"] = report.num_files;
  out["bytes"] = report.bytes;
  out["files"] = files_json(report.files);
  out["directories_removed"] = report.directories_removed;
  out["files_listed"] = report.files_listed;
  out["young_unreferenced_files"] = report.young_unreferenced_files;
  out["log_retention_ms"] = report.log_retention_ms;
  out["log_boundary_checkpoint"] =
      report.log_boundary_checkpoint ? ordered_json(*report.log_boundary_checkpoint) : ordered_json(nullptr);
  out["num_log_files"] = report.log_files.size();
  out["log_bytes"] = report.log_bytes;
  out["log_files"] = files_json(report.log_files);
  out["start_version"] = report.start_version ? ordered_json(*report.start_version) : ordered_json(nullptr);
  out["end_version"] = report.end_version ? ordered_json(*report.end_version) : ordered_json(nullptr);
  out["duration_ms"] = report.duration_ms;
  return out;
}

void print_human(const delta::VacuumReport& report) {
  const bool dry = report.dry_run;
  std::cout << fmt::format("{} of {} (version {}): retention {}, files unreferenced and modified before {} UTC\n",
                           dry ? "VACUUM DRY RUN" : "VACUUM", report.table_root, report.table_version,
                           format_duration_ms(report.retention_ms), format_timestamp_ms(report.cutoff_ms));
  std::cout << fmt::format("{} {} ({})\n", dry ? "would delete" : "deleted", plural(report.num_files, "file"),
                           format_bytes(report.bytes));
  if (dry) {
    for (const auto& file : report.files) std::cout << fmt::format("  {}  {}\n", file.path, format_bytes(file.size));
  }
  if (report.directories_removed > 0) {
    std::cout << fmt::format("{} {} empty director{}\n", dry ? "would remove" : "removed", report.directories_removed,
                             report.directories_removed == 1 ? "y" : "ies");
  }
  if (report.young_unreferenced_files > 0) {
    std::cout << fmt::format("kept {} not referenced but modified after the cutoff (uncommitted writes?)\n",
                             plural(report.young_unreferenced_files, "file"));
  }
  if (!report.log_files.empty()) {
    std::cout << fmt::format("{} {} ({}) of versions before checkpoint {}\n", dry ? "would delete" : "deleted",
                             plural(static_cast<int64_t>(report.log_files.size()), "expired log file"),
                             format_bytes(report.log_bytes), report.log_boundary_checkpoint.value_or(0));
    if (dry) {
      for (const auto& file : report.log_files) std::cout << fmt::format("  {}  {}\n", file.path, format_bytes(file.size));
    }
  }
  if (report.start_version && report.end_version) {
    std::cout << fmt::format("committed version {} (VACUUM START) and {} (VACUUM END) in {}\n", *report.start_version,
                             *report.end_version, format_duration_ms(report.duration_ms));
  }
}

Status run_vacuum(const VacuumArgs& args, CommandContext& context) {
  std::optional<int64_t> retain;
  if (!args.retain.empty()) {
    retain = parse_duration_ms(args.retain);
    if (!retain) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--retain '{}' is not a duration (for example 168h, 7d or 30m)", args.retain));
    }
  }
  SILT_TRY_ASSIGN(auto table, resolve_table_argument(args.table, args.project, context));
  if (!retain) retain = configured_retention_ms(table);
  SILT_TRY_ASSIGN(auto* session, context.session());
  delta::VacuumOptions options;
  options.retention_ms = retain;
  options.force = args.force;
  options.dry_run = args.dry_run;
  SILT_TRY_ASSIGN(auto report, delta::vacuum(context.fs(), session->parquet_io(), table.root, options));
  if (args.json) {
    std::cout << report_json(report, table).dump(2) << "\n";
  } else {
    print_human(report);
  }
  return Status();
}

}  // namespace

void register_vacuum_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("vacuum", "delete files no version within the retention references");
  auto args = std::make_shared<VacuumArgs>();
  cmd->add_option("table", args->table, "table path (local or s3://) or a project table such as silver.orders")
      ->required()
      ->check(non_empty_path());
  cmd->add_option("--retain", args->retain,
                  "keep files removed or written within this long, e.g. 168h, 7d (default: the table's "
                  "delta.deletedFileRetentionDuration, 7 days)");
  cmd->add_flag("--dry-run", args->dry_run, "list what would be deleted, with sizes; delete nothing");
  cmd->add_flag("--force", args->force, "allow a retention below 7 days or the table's deletedFileRetentionDuration");
  cmd->add_flag("--json", args->json, "print the report as JSON");
  add_project_options(cmd, args->project);
  cmd->callback(wrap(exit_code, context, [args, &context]() -> Status { return run_vacuum(*args, context); }));
}

}  // namespace silt::app
