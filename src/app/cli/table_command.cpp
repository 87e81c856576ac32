// `silt table ...`: create, write, delete, history, info, files, restore, checkpoint (merge: its own file).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/output.h"
#include "app/cli/report.h"
#include "base/clock.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/table_ops.h"

namespace silt::app {

namespace {

using nlohmann::ordered_json;

Result<delta::VersionSpec> version_spec(const std::optional<int64_t>& version, const std::string& as_of) {
  delta::VersionSpec spec;
  if (version && !as_of.empty()) return make_error(ErrorCode::kInvalidArgument, "give --version or --as-of, not both");
  spec.version = version;
  if (!as_of.empty()) {
    auto ms = parse_timestamp_ms(as_of);
    if (!ms) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--as-of '{}' is not a timestamp (expected YYYY-MM-DD[ HH:MM:SS[.fff]], UTC)", as_of));
    }
    spec.timestamp_ms = ms;
  }
  return spec;
}

ordered_json type_json(const delta::DataType& type) { return type.to_string(); }

// Rows of a version from the log's statistics alone (its data files may be gone): the sum over the
// files whose stats count their rows, and how many files have none.
struct RowCount {
  int64_t counted = 0;
  int64_t files_without_stats = 0;
};

RowCount count_rows(const delta::Snapshot& snapshot) {
  RowCount count;
  for (const auto& file : snapshot.files()) {
    auto records = file.num_records();
    if (records) count.counted += *records;
    else ++count.files_without_stats;
  }
  return count;
}

ordered_json snapshot_info(const delta::Snapshot& snapshot, const RowCount& rows) {
  ordered_json out;
  out["location"] = snapshot.table_root();
  out["version"] = snapshot.version();
  out["timestamp"] = format_timestamp_ms(snapshot.timestamp_ms());
  out["id"] = snapshot.metadata().id;
  if (snapshot.metadata().name) out["name"] = *snapshot.metadata().name;
  if (snapshot.metadata().description) out["description"] = *snapshot.metadata().description;
  out["num_files"] = snapshot.files().size();
  out["num_rows"] = rows.files_without_stats ? ordered_json(nullptr) : ordered_json(rows.counted);
  if (rows.files_without_stats) {
    out["num_rows_in_files_with_stats"] = rows.counted;
    out["files_without_stats"] = rows.files_without_stats;
  }
  out["size_bytes"] = snapshot.size_bytes();
  out["partition_columns"] = snapshot.partition_columns();
  ordered_json schema = ordered_json::array();
  auto parsed = snapshot.schema();
  if (parsed) {
    for (const auto& field : parsed->fields) {
      schema.push_back({{"name", field.name}, {"type", type_json(field.type)}, {"nullable", field.nullable}});
    }
  }
  out["schema"] = schema;
  ordered_json protocol;
  protocol["min_reader_version"] = snapshot.protocol().min_reader_version;
  protocol["min_writer_version"] = snapshot.protocol().min_writer_version;
  protocol["reader_features"] = snapshot.protocol().reader_features.value_or(std::vector<std::string>{});
  protocol["writer_features"] = snapshot.protocol().writer_features.value_or(std::vector<std::string>{});
  out["protocol"] = protocol;
  out["properties"] = snapshot.metadata().configuration;
  if (snapshot.checkpoint_version()) out["checkpoint_version"] = *snapshot.checkpoint_version();
  return out;
}

}  // namespace

void register_table_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  CLI::App* table = app.add_subcommand("table", "create, write and inspect Delta tables");
  table->require_subcommand(1);

  // --- create ---
  {
    auto* cmd = table->add_subcommand("create", "create an empty table");
    struct Args {
      std::string path, schema, name, description;
      std::vector<std::string> partition_by, properties;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--schema", args->schema, "columns, e.g. \"id BIGINT NOT NULL, name VARCHAR\"")->required();
    cmd->add_option("--partition-by", args->partition_by, "partition columns")->delimiter(',');
    cmd->add_option("--property", args->properties, "table property key=value (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--name", args->name, "table name stored in the metadata");
    cmd->add_option("--description", args->description, "table description");
    cmd->add_flag("--json", args->json, "print the result as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      engine::CreateOptions options;
      options.schema_sql = args->schema;
      options.partition_by = args->partition_by;
      for (const auto& property : args->properties) {
        auto eq = property.find('=');
        if (eq == std::string::npos || eq == 0) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("--property '{}' must be key=value, e.g. delta.appendOnly=true", property));
        }
        options.properties[property.substr(0, eq)] = property.substr(eq + 1);
      }
      if (!args->name.empty()) options.name = args->name;
      if (!args->description.empty()) options.description = args->description;
      SILT_TRY_ASSIGN(auto report, ops.create(context.table_location(args->path), options));
      print_report(report, args->json);
      return Status();
    }));
  }

  // --- write ---
  {
    auto* cmd = table->add_subcommand("write", "append to or overwrite a table from files or a query");
    struct Args {
      std::string path, mode = "append", replace_where, schema_mode;
      RowSourceFlags rows;
      std::vector<std::string> partition_by;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    add_row_source_flags(*cmd, args->rows, "write");
    cmd->add_option("--mode", args->mode, "append (default) or overwrite")->check(CLI::IsMember({"append", "overwrite"}));
    cmd->add_option("--replace-where", args->replace_where,
                    "with --mode overwrite: replace only partitions matching this predicate");
    cmd->add_option("--partition-by", args->partition_by,
                    "partition columns when the write creates the table (or, with --schema-mode overwrite, "
                    "the new partitioning)")
        ->delimiter(',');
    cmd->add_option("--schema-mode", args->schema_mode,
                    "merge: columns of the input the table lacks are added to its schema; overwrite (with --mode "
                    "overwrite): the input's columns replace the schema")
        ->check(CLI::IsMember({"merge", "overwrite"}));
    cmd->add_flag("--json", args->json, "print the result as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto source, source_from_flags(args->rows, "write"));
      if (!args->replace_where.empty() && args->mode != "overwrite") {
        return make_error(ErrorCode::kInvalidArgument, "--replace-where needs --mode overwrite");
      }
      if (args->schema_mode == "overwrite" && (args->mode != "overwrite" || !args->replace_where.empty())) {
        return make_error(ErrorCode::kInvalidArgument,
                          "--schema-mode overwrite replaces the whole table: it needs --mode overwrite without "
                          "--replace-where (use --schema-mode merge to add columns to an append)");
      }
      if (!args->partition_by.empty() && args->schema_mode == "merge") {
        return make_error(ErrorCode::kInvalidArgument,
                          "--partition-by cannot change the partitioning with --schema-mode merge: use "
                          "--mode overwrite --schema-mode overwrite");
      }
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      engine::WriteOptions options;
      options.mode = args->mode == "overwrite" ? engine::WriteMode::kOverwrite : engine::WriteMode::kAppend;
      if (!args->replace_where.empty()) options.replace_where = args->replace_where;
      if (!args->rows.app_id.empty()) options.app_id = args->rows.app_id;
      options.app_version = args->rows.app_version;
      options.partition_by = args->partition_by;
      options.add_new_columns = args->schema_mode == "merge";
      options.overwrite_schema = args->schema_mode == "overwrite";
      SILT_TRY_ASSIGN(auto report, ops.write(context.table_location(args->path), source, options));
      print_report(report, args->json);
      return Status();
    }));
  }

  // --- delete ---
  {
    auto* cmd = table->add_subcommand("delete", "delete the rows matching a predicate");
    struct Args {
      std::string path, where;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--where", args->where, "SQL predicate over the table's columns")->required();
    cmd->add_flag("--json", args->json, "print the result as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      SILT_TRY_ASSIGN(auto report, ops.remove_where(context.table_location(args->path), args->where));
      print_report(report, args->json);
      return Status();
    }));
  }

  // --- restore ---
  {
    auto* cmd = table->add_subcommand("restore", "make an earlier version current again (a new commit)");
    struct Args {
      std::string path;
      int64_t version = 0;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--version", args->version, "version to restore")->required();
    cmd->add_flag("--json", args->json, "print the result as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      SILT_TRY_ASSIGN(auto report, ops.restore(context.table_location(args->path), args->version));
      print_report(report, args->json);
      return Status();
    }));
  }

  // --- checkpoint ---
  {
    auto* cmd = table->add_subcommand("checkpoint", "write a checkpoint of the latest version");
    struct Args {
      std::string path;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_flag("--json", args->json, "print the result as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      SILT_TRY_ASSIGN(auto report, ops.checkpoint(context.table_location(args->path)));
      print_report(report, args->json);
      return Status();
    }));
  }

  // --- info ---
  {
    auto* cmd = table->add_subcommand("info", "version, size, schema and protocol of a table");
    struct Args {
      std::string path, as_of;
      std::optional<int64_t> version;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--version", args->version, "time travel to a version");
    cmd->add_option("--as-of", args->as_of, "time travel to a timestamp (UTC)");
    cmd->add_flag("--json", args->json, "print as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      SILT_TRY_ASSIGN(auto spec, version_spec(args->version, args->as_of));
      SILT_TRY_ASSIGN(auto snapshot, ops.load(context.table_location(args->path), spec));
      // From the log alone: the data files of an old version may have been vacuumed.
      RowCount rows = count_rows(*snapshot);
      auto info = snapshot_info(*snapshot, rows);
      if (args->json) {
        std::cout << info.dump(2) << "\n";
        return Status();
      }
      std::cout << fmt::format("table      {}\n", snapshot->table_root());
      std::cout << fmt::format("version    {} ({})\n", snapshot->version(), info["timestamp"].get<std::string>());
      std::string row_text = std::to_string(rows.counted);
      if (rows.files_without_stats) {
        row_text = fmt::format("unknown ({} of {} files have no statistics; {} rows in the others)",
                               rows.files_without_stats, snapshot->files().size(), rows.counted);
      }
      std::cout << fmt::format("files      {}\nrows       {}\nsize       {}\n", snapshot->files().size(), row_text,
                               format_bytes(snapshot->size_bytes()));
      std::cout << fmt::format("partitions {}\n",
                               snapshot->partition_columns().empty() ? "(none)" : join(snapshot->partition_columns(), ", "));
      std::cout << fmt::format("protocol   reader {} / writer {}\n", snapshot->protocol().min_reader_version,
                               snapshot->protocol().min_writer_version);
      std::cout << "schema\n";
      for (const auto& field : info["schema"]) {
        std::cout << fmt::format("  {:<24} {}{}\n", field["name"].get<std::string>(), field["type"].get<std::string>(),
                                 field["nullable"].get<bool>() ? "" : " NOT NULL");
      }
      for (const auto& [key, value] : snapshot->metadata().configuration) {
        std::cout << fmt::format("property   {}={}\n", key, value);
      }
      return Status();
    }));
  }

  // --- files ---
  {
    auto* cmd = table->add_subcommand("files", "the live data files of a version");
    struct Args {
      std::string path, as_of;
      std::optional<int64_t> version;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--version", args->version, "time travel to a version");
    cmd->add_option("--as-of", args->as_of, "time travel to a timestamp (UTC)");
    cmd->add_flag("--json", args->json, "print as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      SILT_TRY_ASSIGN(auto* session, context.session());
      engine::TableOps ops(*session, context.fs());
      SILT_TRY_ASSIGN(auto spec, version_spec(args->version, args->as_of));
      SILT_TRY_ASSIGN(auto snapshot, ops.load(context.table_location(args->path), spec));
      ordered_json files = ordered_json::array();
      engine::duckdb::TextResult table;
      table.column_names = {"path", "size", "rows", "partition_values", "modification_time"};
      table.column_types = {"VARCHAR", "BIGINT", "BIGINT", "VARCHAR", "VARCHAR"};
      for (const auto& file : snapshot->files()) {
        ordered_json partition = ordered_json::object();
        for (const auto& [key, value] : file.partition_values) {
          partition[key] = value ? ordered_json(*value) : ordered_json(nullptr);
        }
        auto records = file.num_records();
        ordered_json entry;
        entry["path"] = file.path;
        entry["size"] = file.size;
        entry["num_records"] = records ? ordered_json(*records) : ordered_json(nullptr);
        entry["partition_values"] = partition;
        entry["modification_time"] = file.modification_time;
        if (file.stats) entry["stats"] = ordered_json::parse(*file.stats, nullptr, false);
        files.push_back(entry);
        table.rows.push_back({file.path, std::to_string(file.size),
                              records ? std::optional<std::string>(std::to_string(*records)) : std::nullopt,
                              partition.dump(), format_timestamp_ms(file.modification_time)});
      }
      if (args->json) std::cout << files.dump(2) << "\n";
      else std::cout << render_table(table, 1000000);
      return Status();
    }));
  }

  // --- history ---
  {
    auto* cmd = table->add_subcommand("history", "the commits of a table, newest first");
    struct Args {
      std::string path;
      int64_t limit = 0;
      bool json = false;
    };
    auto args = std::make_shared<Args>();
    cmd->add_option("path", args->path, "table location")->required()->check(non_empty_path());
    cmd->add_option("--limit", args->limit, "show at most this many commits");
    cmd->add_flag("--json", args->json, "print as JSON");
    cmd->callback(wrap(exit_code, context, [args, &context]() -> Status {
      std::string root = context.table_location(args->path);
      SILT_TRY_ASSIGN(auto listing, delta::list_log(context.fs(), root));
      if (listing.commits.empty()) {
        return make_error(ErrorCode::kNotFound, fmt::format("'{}' is not a Delta table (no commits)", root));
      }
      auto timestamps = delta::commit_timestamps(listing);
      ordered_json history = ordered_json::array();
      engine::duckdb::TextResult table;
      table.column_names = {"version", "timestamp", "operation", "parameters", "metrics"};
      table.column_types = {"BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"};
      int64_t shown = 0;
      for (auto it = timestamps.rbegin(); it != timestamps.rend(); ++it) {
        if (args->limit > 0 && shown >= args->limit) break;
        ++shown;
        SILT_TRY_ASSIGN(auto actions, delta::read_commit(context.fs(), root, it->version));
        ordered_json info = ordered_json::object();
        for (const auto& action : actions) {
          if (const auto* commit_info = std::get_if<delta::CommitInfo>(&action)) {
            info = ordered_json::parse(commit_info->json, nullptr, false);
          }
        }
        ordered_json entry;
        entry["version"] = it->version;
        entry["timestamp"] = format_timestamp_ms(it->timestamp_ms);
        entry["operation"] = info.value("operation", "");
        entry["operation_parameters"] = info.contains("operationParameters") ? info["operationParameters"] : ordered_json::object();
        entry["operation_metrics"] = info.contains("operationMetrics") ? info["operationMetrics"] : ordered_json::object();
        if (info.contains("readVersion")) entry["read_version"] = info["readVersion"];
        if (info.contains("isBlindAppend")) entry["is_blind_append"] = info["isBlindAppend"];
        if (info.contains("engineInfo")) entry["engine_info"] = info["engineInfo"];
        entry["commit_info"] = info;
        table.rows.push_back({std::to_string(it->version), entry["timestamp"].get<std::string>(),
                              entry["operation"].get<std::string>(), entry["operation_parameters"].dump(),
                              entry["operation_metrics"].dump()});
        history.push_back(std::move(entry));
      }
      if (args->json) std::cout << history.dump(2) << "\n";
      else std::cout << render_table(table, 1000000);
      return Status();
    }));
  }

  register_table_merge_command(*table, context, exit_code);
}

}  // namespace silt::app
