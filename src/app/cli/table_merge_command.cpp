// `silt table merge`: upsert rows from files or a query into a table by key (TableOps::merge).
#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/report.h"
#include "engine/table_ops.h"

namespace silt::app {

void register_table_merge_command(CLI::App& table, CommandContext& context, int* exit_code) {
  auto* cmd = table.add_subcommand("merge", "update, delete and insert rows by key from files or a query");
  struct Args {
    std::string path, delete_when, schema_mode;
    RowSourceFlags rows;
    std::vector<std::string> keys;
    bool no_update = false;
    bool no_insert = false;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
  add_row_source_flags(*cmd, args->rows, "merge");
  cmd->add_option("--key", args->keys, "key columns matching input rows to table rows, e.g. order_id or a,b")
      ->delimiter(',')
      ->required();
  cmd->add_option("--delete-when", args->delete_when,
                  "SQL predicate over the input row (columns unqualified or as source.<column>): matched rows are "
                  "deleted");
  cmd->add_flag("--no-update", args->no_update, "leave matched rows as they are");
  cmd->add_flag("--no-insert", args->no_insert, "do not insert input rows without a match");
  cmd->add_option("--schema-mode", args->schema_mode,
                  "merge: columns of the input the table lacks are added to its schema (NULL in rows the merge "
                  "does not write)")
      ->check(CLI::IsMember({"merge"}));
  cmd->add_flag("--json", args->json, "print the result as JSON");
  cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
    SILT_TRY_ASSIGN(auto source, source_from_flags(args->rows, "merge"));
    SILT_TRY_ASSIGN(auto* session, context.session());
    engine::TableOps ops(*session, context.fs());
    engine::MergeOptions options;
    options.keys = args->keys;
    if (!args->delete_when.empty()) options.delete_when = args->delete_when;
    options.update_matched = !args->no_update;
    options.insert_not_matched = !args->no_insert;
    if (!args->rows.app_id.empty()) options.app_id = args->rows.app_id;
    options.app_version = args->rows.app_version;
    options.add_new_columns = args->schema_mode == "merge";
    SILT_TRY_ASSIGN(auto report, ops.merge(context.table_location(args->path), source, options));
    print_report(report, args->json);
    return Status();
  }));
}

}  // namespace silt::app
