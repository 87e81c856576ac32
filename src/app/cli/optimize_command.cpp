// `silt optimize TABLE`: bin-packs small files, or rewrites partitions in Z-order, in one commit
// with dataChange false. The planning and writing are TableOps::optimize's; this prints it.
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "app/cli/report.h"
#include "base/memory_size.h"
#include "base/strings.h"
#include "engine/table_ops.h"

namespace silt::app {

namespace {

using nlohmann::ordered_json;

struct OptimizeArgs {
  std::string table;
  std::string where;
  std::string zorder;
  std::string target_file_size;
  bool dry_run = false;
  bool json = false;
  ProjectArgs project;
};

std::vector<std::string> column_list(const std::string& text) {
  std::vector<std::string> columns;
  for (const auto& part : split(text, ',')) {
    std::string column(trim(part));
    if (!column.empty()) columns.push_back(column);
  }
  return columns;
}

ordered_json report_json(const engine::OptimizeReport& report, const ResolvedTable& table, bool dry_run) {
  ordered_json out;
  out["table"] = table.root;
  if (!table.name.empty()) out["name"] = table.name;
  out["version"] = report.version;
  out["committed"] = !report.skipped;
  out["dry_run"] = dry_run;
  if (!report.message.empty()) out["message"] = report.message;
  out["zorder"] = report.zorder;
  out["target_file_bytes"] = report.target_file_bytes;
  out["partitions_selected"] = report.partitions_total;
  out["files_considered"] = report.files_considered;
  out["files_removed"] = report.files_removed;
  out["files_added"] = report.files_added;
  out["bytes_removed"] = report.bytes_removed;
  out["bytes_added"] = report.bytes_added;
  out["rows"] = report.rows;
  ordered_json partitions = ordered_json::array();
  for (const auto& partition : report.partitions) {
    partitions.push_back({{"partition", partition.partition},
                          {"files_removed", partition.files_removed},
                          {"bytes_removed", partition.bytes_removed},
                          {"files_added", partition.files_added},
                          {"bytes_added", partition.bytes_added},
                          {"rewrites", partition.slices}});
  }
  out["partitions"] = std::move(partitions);
  out["attempts"] = report.attempts;
  out["duration_ms"] = report.duration_ms;
  return out;
}

void print_human(const engine::OptimizeReport& report, const ResolvedTable& table, bool dry_run) {
  const std::string what = report.zorder.empty() ? "bin-packing" : "Z-order by " + join(report.zorder, ", ");
  std::cout << fmt::format("OPTIMIZE{} of {} ({}, target {}): {} in {}\n", dry_run ? " DRY RUN" : "",
                           table.name.empty() ? table.root : table.name, what, format_bytes(report.target_file_bytes),
                           fmt::format("{} file{}", report.files_considered, report.files_considered == 1 ? "" : "s"),
                           fmt::format("{} partition{}", report.partitions_total,
                                       report.partitions_total == 1 ? "" : "s"));
  for (const auto& partition : report.partitions) {
    std::string label = partition.partition.empty() ? "(table)" : partition.partition;
    if (dry_run) {
      std::cout << fmt::format("  {}: would rewrite {} files ({})\n", label, partition.files_removed,
                               format_bytes(partition.bytes_removed));
    } else {
      std::cout << fmt::format("  {}: {} files ({}) -> {} ({})\n", label, partition.files_removed,
                               format_bytes(partition.bytes_removed), partition.files_added,
                               format_bytes(partition.bytes_added));
    }
  }
  if (report.skipped) {
    std::cout << report.message << "\n";
    return;
  }
  std::cout << fmt::format("committed version {}: {} files removed, {} added, {} rows rewritten in {:.1f} s\n",
                           report.version, report.files_removed, report.files_added, report.rows,
                           static_cast<double>(report.duration_ms) / 1000.0);
}

Status run_optimize(const OptimizeArgs& args, CommandContext& context) {
  engine::OptimizeOptions options;
  if (!args.target_file_size.empty()) {
    auto size = parse_memory_size(args.target_file_size);
    if (!size) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--target-file-size '{}': {}", args.target_file_size, size.error().message()));
    }
    options.target_file_bytes = *size;
  }
  options.zorder = column_list(args.zorder);
  if (!args.where.empty()) options.where = args.where;
  options.dry_run = args.dry_run;
  SILT_TRY_ASSIGN(auto table, resolve_table_argument(args.table, args.project, context));
  // A project's per-table settings (silt.yaml `tables:`) fill what the command line leaves out.
  if (table.project && !table.name.empty()) {
    if (const auto* defaults = table.project->table_defaults(table.name)) {
      if (args.zorder.empty()) options.zorder = defaults->zorder;
      if (args.target_file_size.empty() && defaults->target_file_size) {
        options.target_file_bytes = *defaults->target_file_size;
      }
    }
  }
  SILT_TRY_ASSIGN(auto* session, context.session());
  engine::TableOps ops(*session, context.fs());
  SILT_TRY_ASSIGN(auto report, ops.optimize(table.root, options));
  if (args.json) {
    std::cout << report_json(report, table, args.dry_run).dump(2) << "\n";
  } else {
    print_human(report, table, args.dry_run);
  }
  return Status();
}

}  // namespace

void register_optimize_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("optimize", "compact small files, or rewrite them in Z-order for file skipping");
  auto args = std::make_shared<OptimizeArgs>();
  cmd->add_option("table", args->table, "table path (local or s3://) or a project table such as silver.orders")
      ->required()
      ->check(non_empty_path());
  cmd->add_option("--where", args->where,
                  "only the partitions matching this SQL predicate over partition columns, e.g. "
                  "\"order_date >= DATE '2025-11-01'\"");
  cmd->add_option("--zorder", args->zorder,
                  "rewrite every file of each selected partition in Z-order of these 1-4 data columns "
                  "(comma-separated), e.g. order_date,ccy");
  cmd->add_option("--target-file-size", args->target_file_size, "size of the files written, e.g. 128MB (default 128MiB)");
  cmd->add_flag("--dry-run", args->dry_run, "list the partitions and files that would be rewritten; write nothing");
  cmd->add_flag("--json", args->json, "print the report as JSON");
  add_project_options(cmd, args->project);
  cmd->callback(wrap(exit_code, context, [args, &context]() -> Status { return run_optimize(*args, context); }));
}

}  // namespace silt::app
