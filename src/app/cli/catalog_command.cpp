// `silt discover PATH --name NAME` (the crawler) and `silt catalog list | show | ddl | drop`.
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "base/strings.h"
#include "pipeline/catalog/catalog.h"
#include "pipeline/catalog/catalog_ddl.h"
#include "pipeline/catalog/discovery.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

std::string rows_text(int64_t rows) { return rows >= 0 ? std::to_string(rows) : "unknown"; }

std::string partition_names(const pipeline::CatalogEntry& e) {
  std::vector<std::string> names;
  for (const auto& c : e.partition_columns) names.push_back(c.name);
  return names.empty() ? "none" : join(names, ", ");
}

struct DiscoverArgs {
  ProjectArgs project;
  std::string path, name, policy = "log", format;
  bool full = false, json = false;
};

int run_discover(const DiscoverArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  auto policy = pipeline::schema_policy_from_name(args.policy);
  auto session = context.session();
  if (!session) return report_error(session.error());
  pipeline::Catalog catalog(context.fs(), config->storage_root);
  pipeline::Discoverer discoverer(**session, context.fs(), catalog);
  pipeline::DiscoverOptions options;
  options.location = context.table_location(args.path);
  options.name = args.name;
  options.policy = *policy;  // CLI11 checked the name
  if (!args.format.empty()) options.format = args.format;
  options.full = args.full;
  auto found = discoverer.discover(options);
  if (!found) return report_error(found.error());
  const pipeline::CatalogEntry& e = found->entry;
  if (args.json) {
    ordered_json out = ordered_json::parse(pipeline::catalog_entry_to_json(e));
    out.erase("partitions");
    out["partition_count"] = e.partitions.size();
    out["created"] = found->created;
    ordered_json unreadable = ordered_json::array();
    for (const auto& f : found->unreadable) unreadable.push_back({{"path", f.path}, {"error", f.error}});
    out["unreadable"] = unreadable;
    out["files_ignored"] = found->files_ignored;
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (e.kind == "delta") {
    std::cout << fmt::format("registered Delta table {} as catalog.{}: version {}, {} file(s) ({}), {} row(s), {} "
                             "column(s), partitions {}\n",
                             e.location, e.name, e.version, e.files, format_bytes(e.bytes), rows_text(e.rows),
                             e.columns.size(), partition_names(e));
    return kExitOk;
  }
  const auto& crawl = *e.last_crawl;
  std::cout << fmt::format("{} catalog.{}: {} {} file(s) ({}), {} row(s), {} column(s), {} partition(s) ({}, {})\n",
                           found->created ? "discovered" : "re-crawled", e.name, e.files, e.format,
                           format_bytes(e.bytes), rows_text(e.rows), e.columns.size(), e.partitions.size(),
                           partition_names(e), pipeline::partition_style_name(e.partition_style));
  if (!found->created) {
    std::cout << fmt::format("  since the last crawl: {} new, {} changed, {} removed file(s)\n", crawl.files_new,
                             crawl.files_changed, crawl.files_removed);
  }
  if (!crawl.changes.empty()) {
    std::cout << fmt::format("  schema changes (policy {}, {}):\n", crawl.policy,
                             crawl.applied ? "applied to the entry" : "NOT applied; --policy update widens the entry");
    for (const auto& c : crawl.changes) std::cout << "    " << pipeline::describe_schema_change(c) << "\n";
  }
  for (const auto& f : found->unreadable) std::cout << fmt::format("  unreadable, left out: {}: {}\n", f.path, f.error);
  if (found->files_ignored > 0) {
    std::cout << fmt::format("  ignored {} file(s) that are not {} data (e.g. {})\n", found->files_ignored, e.format,
                             found->ignored_example);
  }
  std::cout << fmt::format("  in {:.2f} s; query it as catalog.{}\n", static_cast<double>(crawl.duration_ms) / 1000.0,
                           e.name);
  return kExitOk;
}

struct CatalogArgs {
  ProjectArgs project;
  std::string name, dialect, schema;
  bool json = false;
};

int run_list(const CatalogArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::Catalog catalog(context.fs(), config->storage_root);
  auto entries = catalog.list();
  if (!entries) return report_error(entries.error());
  if (args.json) {
    ordered_json out = ordered_json::array();
    for (const auto& e : *entries) {
      ordered_json item = ordered_json::parse(pipeline::catalog_entry_to_json(e));
      item.erase("partitions");
      item["partition_count"] = e.partitions.size();
      out.push_back(item);
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (entries->empty()) {
    std::cout << "the catalog is empty (silt discover PATH --name NAME adds files; Delta models and consolidations "
                 "add their tables when they commit)\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<28} {:<8} {:>8} {:>10} {:>12} {:<20} {}\n", "name", "format", "files", "bytes", "rows",
                           "partitions", "location");
  for (const auto& e : *entries) {
    std::cout << fmt::format("{:<28} {:<8} {:>8} {:>10} {:>12} {:<20} {}\n", e.name, e.format, e.files,
                             format_bytes(e.bytes), rows_text(e.rows), partition_names(e), e.location);
  }
  return kExitOk;
}

int run_show(const CatalogArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::Catalog catalog(context.fs(), config->storage_root);
  auto entry = catalog.get(args.name);
  if (!entry) return report_error(entry.error());
  const auto& e = *entry;
  if (args.json) {
    std::cout << pipeline::catalog_entry_to_json(e) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("catalog.{}  ({} {}, registered by {})\n", e.name, e.kind, e.format, e.registered_by);
  std::cout << fmt::format("  location   {}\n", e.location);
  if (e.version >= 0) std::cout << fmt::format("  version    {}\n", e.version);
  std::cout << fmt::format("  files      {} ({}), rows {}\n", e.files, format_bytes(e.bytes), rows_text(e.rows));
  std::cout << fmt::format("  updated    {} (created {})\n", e.updated_at, e.created_at);
  std::cout << "  columns\n";
  for (const auto& c : e.columns) std::cout << fmt::format("    {:<28} {}{}\n", c.name, c.type, c.nullable ? "" : " NOT NULL");
  if (!e.partition_columns.empty()) {
    std::cout << fmt::format("  partitions ({}, {} value(s))\n", pipeline::partition_style_name(e.partition_style),
                             e.partitions.size());
    for (const auto& c : e.partition_columns) std::cout << fmt::format("    {:<28} {}\n", c.name, c.type);
    size_t shown = 0;
    for (const auto& p : e.partitions) {
      if (shown++ == 20) {
        std::cout << fmt::format("    ... {} more (--json lists every one)\n", e.partitions.size() - 20);
        break;
      }
      std::cout << fmt::format("    {:<28} {:>6} file(s) {:>10} {:>10} row(s)\n", p.path, p.files, format_bytes(p.bytes),
                               rows_text(p.rows));
    }
  }
  if (e.last_crawl) {
    const auto& c = *e.last_crawl;
    std::cout << fmt::format("  last crawl {} (policy {}): {} new, {} changed, {} removed, {} unreadable file(s)\n", c.at,
                             c.policy, c.files_new, c.files_changed, c.files_removed, c.files_unreadable);
    for (const auto& change : c.changes) {
      std::cout << fmt::format("    {}{}\n", pipeline::describe_schema_change(change), c.applied ? "" : " [not applied]");
    }
  }
  return kExitOk;
}

int run_ddl(const CatalogArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::Catalog catalog(context.fs(), config->storage_root);
  auto entry = catalog.get(args.name);
  if (!entry) return report_error(entry.error());
  pipeline::DdlOptions options;
  options.schema = args.schema;
  std::string ddl = pipeline::catalog_ddl(*entry, *pipeline::ddl_dialect_from_name(args.dialect), options);
  if (args.json) {
    std::cout << ordered_json{{"name", entry->name}, {"dialect", args.dialect}, {"ddl", ddl}}.dump(2) << "\n";
  } else {
    std::cout << ddl;
  }
  return kExitOk;
}

int run_drop(const CatalogArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::Catalog catalog(context.fs(), config->storage_root);
  auto entry = catalog.get(args.name);
  if (!entry) return report_error(entry.error());
  Status removed = catalog.remove(args.name);
  if (!removed.ok()) return report_error(removed.error());
  if (!args.json) std::cout << fmt::format("dropped catalog.{} (its files at {} are untouched)\n", entry->name, entry->location);
  else std::cout << ordered_json{{"dropped", entry->name}, {"location", entry->location}}.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void register_catalog_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto discover_args = std::make_shared<DiscoverArgs>();
  auto* discover = app.add_subcommand("discover", "find the schema and partitions of a folder of files and add it to the catalog");
  add_project_options(discover, discover_args->project);
  discover->add_option("path", discover_args->path, "the folder (a local path or s3://bucket/prefix)")->required();
  discover->add_option("--name", discover_args->name, "the catalog name (queried as catalog.NAME)")->required();
  discover->add_option("--policy", discover_args->policy,
                       "when the files' schema changed: log (keep the entry, report; default), update (widen the "
                       "entry) or fail")
      ->check(CLI::IsMember({"log", "update", "fail"}));
  discover->add_option("--format", discover_args->format, "only files of this format")
      ->check(CLI::IsMember({"parquet", "csv", "json"}));
  discover->add_flag("--full", discover_args->full, "read every file's schema again, not only new and changed files");
  discover->add_flag("--json", discover_args->json, "print the entry as JSON");
  discover->callback([discover_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_discover(*discover_args, context);
  });

  auto* catalog = app.add_subcommand("catalog", "the tables of the catalog: list, show, ddl, drop");
  catalog->require_subcommand(1);
  auto add = [&](const char* name, const char* help, int (*run)(const CatalogArgs&, CommandContext&), bool named,
                 bool dialect) {
    auto args = std::make_shared<CatalogArgs>();
    auto* command = catalog->add_subcommand(name, help);
    add_project_options(command, args->project);
    if (named) command->add_option("name", args->name, "the catalog table")->required();
    if (dialect) {
      command->add_option("--dialect", args->dialect, "athena, trino or spark")
          ->required()
          ->check(CLI::IsMember({"athena", "trino", "spark"}));
      command->add_option("--schema", args->schema, "create the table in this database or schema");
    }
    command->add_flag("--json", args->json, "print JSON");
    command->callback([args, run, &context, exit_code]() {
      context.begin();
      *exit_code = run(*args, context);
    });
  };
  add("list", "every catalog table", run_list, false, false);
  add("show", "a catalog table: columns, partitions, files, the last crawl", run_show, true, false);
  add("ddl", "the CREATE TABLE that reads the table's files in Athena, Trino or Spark", run_ddl, true, true);
  add("drop", "remove a table from the catalog (its files stay)", run_drop, true, false);
}

}  // namespace silt::app
