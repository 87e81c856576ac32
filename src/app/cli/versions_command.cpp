// `silt publish MODEL VERSION` (consumers read another version, nothing recomputed or copied) and
// `silt diff` (two versions of a versioned model, or any two table versions, compared by key).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "base/clock.h"
#include "base/strings.h"
#include "engine/row_diff.h"
#include "engine/table_ops.h"
#include "pipeline/run/publish.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

Result<const pipeline::Model*> versioned_model(const pipeline::Project& project, const std::string& name) {
  const pipeline::Model* model = project.find(name);
  if (!model) {
    std::vector<std::string> names;
    for (const auto& candidate : project.models) {
      if (candidate.versioned()) names.push_back(candidate.name);
    }
    auto best = closest_name(name, names);
    return make_error(ErrorCode::kNotFound, fmt::format("no model '{}'{}", name,
                                                        best ? fmt::format(" (did you mean '{}'?)", *best) : ""));
  }
  if (!model->versioned()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model '{}' has no versions (give it 'versions' and 'version_flag')", model->name));
  }
  return model;
}

struct PublishArgs {
  ProjectArgs project;
  std::string model, version, why;
  bool json = false;
};

int run_publish(const PublishArgs& args, CommandContext& context) {
  auto project = load_project_for_command(args.project, context);
  if (!project) return report_error(project.error());
  auto model = versioned_model(**project, args.model);
  if (!model) return report_error(model.error());
  auto session = context.session();
  if (!session) return report_error(session.error());
  engine::TableOps ops(**session, context.fs());
  const int64_t started = monotonic_ns();
  auto before = pipeline::published_version(ops, **project, **model);
  if (!before) return report_error(before.error());
  std::map<std::string, std::string> info = {{"siltCommand", ordered_json("publish").dump()},
                                             {"siltModel", ordered_json((*model)->name).dump()},
                                             {"siltVersion", ordered_json(args.version).dump()},
                                             {"siltPublishedBy", ordered_json(current_user()).dump()}};
  if (!args.why.empty()) info["siltWhy"] = ordered_json(args.why).dump();
  auto published = pipeline::publish_version(ops, **project, **model, args.version, info);
  if (!published) return report_error(published.error());
  const int64_t elapsed_us = (monotonic_ns() - started) / 1000;
  const auto& report = published->report;
  if (args.json) {
    ordered_json out = {{"model", (*model)->name},
                        {"table", (*model)->qualified_name()},
                        {"version", args.version},
                        {"previous_version", *before},
                        {"table_version", report.version},
                        {"skipped", report.skipped},
                        {"source_version", published->source_version},
                        {"files", published->files},
                        {"files_added", report.files_added},
                        {"files_removed", report.files_removed},
                        {"duration_ms", static_cast<double>(elapsed_us) / 1000.0}};
    std::cout << out.dump(2) << "\n";
  } else if (report.skipped) {
    std::cout << fmt::format("{} already reads version {} (table version {}): nothing committed\n",
                             (*model)->qualified_name(), args.version, report.version);
  } else {
    std::cout << fmt::format("published version {} of {} as table version {}{}: {} file{} of {} version {}, nothing "
                             "copied ({:.1f} ms)\n",
                             args.version, (*model)->name, report.version,
                             before->empty() ? "" : fmt::format(" (was {})", *before), published->files,
                             published->files == 1 ? "" : "s",
                             pipeline::version_directory(args.version), published->source_version,
                             static_cast<double>(elapsed_us) / 1000.0);
  }
  return kExitOk;
}

struct DiffArgs {
  ProjectArgs project;
  std::vector<std::string> operands;
  std::vector<std::string> key;
  int samples = 10;
  bool json = false;
};

// A side of a diff: "TABLE" or "TABLE@VERSION", TABLE a model (name or schema.table).
struct Side {
  std::string name;
  std::string root;
  std::optional<int64_t> version;
  const pipeline::Model* model = nullptr;
};

Result<Side> parse_side(const pipeline::Project& project, const std::string& text) {
  Side side;
  side.name = text;
  std::string table = text;
  if (size_t at = text.rfind('@'); at != std::string::npos) {
    table = text.substr(0, at);
    auto version = parse_int64(text.substr(at + 1));
    if (!version || *version < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("'{}': the version after '@' must be a table version number, such as {}@3", text, table));
    }
    side.version = *version;
  }
  side.model = project.find(table);
  if (!side.model) {
    std::vector<std::string> names;
    for (const auto& model : project.models) names.push_back(model.qualified_name());
    auto best = closest_name(table, names);
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no table '{}'{}", table, best ? fmt::format(" (did you mean '{}'?)", *best) : ""));
  }
  side.root = project.table_location(*side.model);
  return side;
}

int run_diff(const DiffArgs& args, CommandContext& context) {
  auto project = load_project_for_command(args.project, context);
  if (!project) return report_error(project.error());
  std::vector<Side> sides;
  std::vector<std::string> key = args.key;
  if (args.operands.size() == 3) {
    auto model = versioned_model(**project, args.operands[0]);
    if (!model) return report_error(model.error());
    for (size_t i = 1; i < 3; ++i) {
      if (!(*model)->find_version(args.operands[i])) {
        return report_error(make_error(ErrorCode::kInvalidArgument,
                                       fmt::format("model '{}' has no version '{}'", (*model)->name, args.operands[i])));
      }
      sides.push_back(Side{args.operands[i], (*project)->version_location(**model, args.operands[i]), std::nullopt, *model});
    }
  } else if (args.operands.size() == 2) {
    for (const auto& operand : args.operands) {
      auto side = parse_side(**project, operand);
      if (!side) return report_error(side.error());
      sides.push_back(std::move(*side));
    }
  } else {
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   "give MODEL VERSION VERSION (silt diff tbar_hydrated v1 v2) or two tables "
                                   "(silt diff silver.orders@3 silver.orders@5)"));
  }
  if (key.empty()) {
    const auto& config = sides[0].model->config;
    key = config.diff_key.empty() ? config.unique_key : config.diff_key;
  }
  if (key.empty()) {
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   fmt::format("give --key: {} has no diff_key or unique_key to match rows by",
                                               sides[0].model->name)));
  }
  auto session = context.session();
  if (!session) return report_error(session.error());
  engine::TableOps ops(**session, context.fs());
  std::vector<std::string> relations;
  for (const auto& side : sides) {
    auto snapshot = ops.load(side.root, delta::VersionSpec{side.version, std::nullopt});
    if (!snapshot) return report_error(std::move(snapshot).error().with_context(side.name));
    auto scan = (*session)->scan_sql(**snapshot);
    if (!scan) return report_error(scan.error());
    relations.push_back("(" + *scan + ")");
  }
  engine::DiffOptions options;
  options.key = key;
  options.sample_rows = args.samples;
  auto diff = engine::diff_relations((*session)->connection(), relations[0], relations[1], options);
  if (!diff) return report_error(diff.error());
  diff->left_name = sides[0].name;
  diff->right_name = sides[1].name;
  if (args.json) {
    std::cout << engine::row_diff_to_json(*diff) << "\n";
  } else {
    std::cout << engine::format_row_diff(*diff);
    auto samples = ordered_json::parse(diff->samples_json);
    for (const auto& sample : samples) std::cout << "  " << sample.dump() << "\n";
  }
  return kExitOk;
}

}  // namespace

void register_versions_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto publish_args = std::make_shared<PublishArgs>();
  auto* publish = app.add_subcommand("publish", "make consumers of a versioned model read one of its versions");
  add_project_options(publish, publish_args->project);
  publish->add_option("model", publish_args->model, "the versioned model (name or schema.table)")->required();
  publish->add_option("version", publish_args->version, "the version to publish, e.g. v1")->required();
  publish->add_option("--why", publish_args->why, "recorded in the commit, for the audit trail");
  publish->add_flag("--json", publish_args->json, "print JSON");
  publish->callback([publish_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_publish(*publish_args, context);
  });

  auto diff_args = std::make_shared<DiffArgs>();
  auto* diff = app.add_subcommand("diff", "compare two versions of a versioned model, or two table versions, by key");
  add_project_options(diff, diff_args->project);
  diff->add_option("operands", diff_args->operands, "MODEL VERSION VERSION, or TABLE[@N] TABLE[@N]")->required();
  diff->add_option("--key", diff_args->key, "columns that identify a row (default: diff_key or unique_key)")->delimiter(',');
  diff->add_option("--samples", diff_args->samples, "differing rows to show (default 10)")->check(CLI::Range(0, 10000));
  diff->add_flag("--json", diff_args->json, "print JSON");
  diff->callback([diff_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_diff(*diff_args, context);
  });
}

}  // namespace silt::app
