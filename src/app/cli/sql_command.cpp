// `silt sql`: run a query over Delta tables registered as views (name=path[@version]).
#include <CLI/CLI.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/output.h"
#include "app/cli/project_support.h"
#include "pipeline/catalog/catalog_views.h"
#include "pipeline/run/project_views.h"
#include "base/clock.h"
#include "base/strings.h"
#include "delta/file_pruning.h"
#include "delta/snapshot.h"
#include "engine/sql_predicate.h"
#include "obs/logger.h"

namespace silt::app {
namespace {

Result<std::string> read_sql_file(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return make_error(ErrorCode::kNotFound, fmt::format("--file '{}': cannot open the file", path));
    text << in.rdbuf();
  }
  std::string sql = text.str();
  if (trim(sql).empty()) return make_error(ErrorCode::kInvalidArgument, fmt::format("--file '{}' holds no SQL", path));
  return sql;
}

// Every table of the project that exists, as <schema>.<table> and as the model's name, every
// source as source.<name>, and the catalog tables the query reads as catalog.<name>.
template <typename Args>
Status register_project(const Args& args, CommandContext& context, engine::Session& session) {
  SILT_TRY_ASSIGN(auto project, load_project_for_command(args.project, context));
  auto& connection = session.connection();
  for (const auto& model : project->models) {
    std::string root = project->read_location(model);
    auto snapshot = delta::Snapshot::load(context.fs(), session.parquet_io(), root);
    if (!snapshot) {
      if (snapshot.error().code() == ErrorCode::kNotFound) continue;  // not built yet
      return std::move(snapshot).error().with_context(model.qualified_name());
    }
    SILT_TRY_ASSIGN(auto scan, session.scan_sql(**snapshot));
    SILT_TRY(pipeline::register_model_table(connection, model, scan));
    // Its quarantine, when rows were quarantined: <schema>.<table>__quarantine.
    auto quarantine = delta::Snapshot::load(context.fs(), session.parquet_io(), project->quarantine_location(model));
    if (quarantine) {
      SILT_TRY_ASSIGN(auto quarantine_scan, session.scan_sql(**quarantine));
      SILT_TRY(connection.execute(fmt::format("CREATE OR REPLACE VIEW {}.{} AS {}", sql_identifier(model.schema),
                                              sql_identifier(model.table + "__quarantine"), quarantine_scan)));
    } else if (quarantine.error().code() != ErrorCode::kNotFound) {
      return std::move(quarantine).error().with_context(model.qualified_name() + "__quarantine");
    }
  }
  for (const auto& source : project->config.sources) {
    SILT_TRY(connection.execute_script(fmt::format("CREATE SCHEMA IF NOT EXISTS source; CREATE OR REPLACE VIEW source.{} AS {}",
                                            sql_identifier(source.name),
                                            pipeline::source_select_sql(source, sql_string(source.path)))));
  }
  // The catalog tables the query reads (every one for a script of statements).
  SILT_TRY_ASSIGN(auto names, pipeline::catalog_names_in_sql(connection, args.query));
  if (!names || !names->empty()) {
    pipeline::Catalog catalog(context.fs(), project->config.storage_root);
    SILT_TRY(pipeline::register_catalog_tables(session, context.fs(), catalog, names ? *names : std::vector<std::string>()));
  }
  return Status();
}

}  // namespace

void register_sql_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("sql", "run a SQL query over Delta tables");
  struct Args {
    std::vector<std::string> tables;
    std::string format = "table";
    std::string query;
    std::string file;
    ProjectArgs project;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--table", args->tables,
                  "register a table: name=path, name=path@<version> or name=path@<timestamp> (repeatable; '@@' is an '@' of the path)")
      ->allow_extra_args(false);
  cmd->add_option("--format", args->format, "table (default), csv or json")->check(CLI::IsMember({"table", "csv", "json"}));
  auto* query_option = cmd->add_option("query", args->query, "the SQL query (or a script of statements; the last one's result is shown)");
  auto* file_option = cmd->add_option("-f,--file", args->file, "read the SQL from a file ('-': standard input)");
  query_option->excludes(file_option);
  auto* project_option = cmd->add_option("--project", args->project.directory,
                                         "register the tables and sources of this project (default: the current "
                                         "directory when it holds silt.yaml)");
  cmd->add_option("--env", args->project.environment, "the project's environment (default: SILT_ENV, then default_env)");

  file_option->excludes(query_option);
  cmd->callback([args, project_option, &context, exit_code]() {
    context.begin();
    auto run = [&]() -> Status {
      if (!args->file.empty()) {
        SILT_TRY_ASSIGN(args->query, read_sql_file(args->file));
      } else if (args->query.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "give the SQL query as an argument or with --file PATH");
      }
      SILT_TRY_ASSIGN(auto* session, context.session());
      if (project_option->count() > 0) {
        SILT_TRY(register_project(*args, context, *session));
      } else if (std::filesystem::exists("silt.yaml")) {
        // The current directory's project, when it loads: a broken model must not stop ad-hoc SQL.
        Status registered = register_project(*args, context, *session);
        if (!registered.ok()) {
          std::cerr << "warning: the project's tables are not registered: " << registered.message() << "\n";
        }
      }
      std::map<std::string, std::string> names;  // lower-case name -> the spec that gave it
      for (const auto& spec : args->tables) {
        auto eq = spec.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("--table '{}' must be name=path[@version], e.g. orders=./lake/orders@3", spec));
        }
        std::string name = spec.substr(0, eq);
        auto [previous, fresh] = names.emplace(to_lower(name), spec);
        if (!fresh) {
          return make_error(ErrorCode::kInvalidArgument,
                            fmt::format("--table '{}' and --table '{}' give the same name (names are "
                                        "case-insensitive): give each table its own name",
                                        previous->second, spec));
        }
        // "@@" is a literal '@' in the path; a single '@' starts the version or timestamp.
        std::string location;
        std::optional<std::string> suffix;
        std::string rest = spec.substr(eq + 1);
        for (size_t i = 0; i < rest.size(); ++i) {
          if (rest[i] != '@') {
            location += rest[i];
          } else if (i + 1 < rest.size() && rest[i + 1] == '@') {
            location += '@';
            ++i;
          } else {
            suffix = rest.substr(i + 1);
            break;
          }
        }
        delta::VersionSpec version;
        if (suffix) {
          if (auto number = parse_int64(*suffix)) {
            version.version = *number;
          } else if (auto ms = parse_timestamp_ms(*suffix)) {
            version.timestamp_ms = *ms;
          } else {
            return make_error(ErrorCode::kInvalidArgument,
                              fmt::format("--table '{}': '@{}' is neither a version number nor a timestamp (a path holding '@' "
                                          "writes it as '@@')",
                                          spec, *suffix));
          }
        }
        auto snapshot = delta::Snapshot::load(context.fs(), session->parquet_io(), context.table_location(location), version);
        if (!snapshot) return std::move(snapshot).error().with_context(fmt::format("table '{}'", name));
        // Files whose statistics rule out the query's filter on this table are not read at all.
        engine::ScanOptions scan;
        if (auto filter = engine::table_filter_from_query(session->connection(), args->query, name)) {
          if (auto schema = (*snapshot)->schema()) {
            scan.file_indices = delta::files_maybe_matching(**snapshot, *schema, *filter);
            SILT_LOG_INFO("table '{}': reading {} of {} files after data skipping", name, scan.file_indices->size(),
                          (*snapshot)->files().size());
          }
        }
        SILT_TRY_CONTEXT(session->register_snapshot(name, **snapshot, scan), fmt::format("table '{}'", name));
      }
      auto result = session->connection().query_script(args->query);
      if (!result) return make_error(result.error().code(), "query failed: " + result.error().message());
      OutputFormat format = OutputFormat::kTable;
      parse_output_format(args->format, &format);
      if (format == OutputFormat::kCsv) std::cout << render_csv(*result);
      else if (format == OutputFormat::kJson) std::cout << render_json(*result);
      else std::cout << render_table(*result);
      return Status();
    };
    Status status = run();
    *exit_code = status.ok() ? kExitOk : report_error(status.error());
  });
}

}  // namespace silt::app
