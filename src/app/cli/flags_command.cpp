// `silt flags list` and `silt flags eval`: the project's flags, and what each serves to a context
// (docs/FLAGS.md).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "pipeline/run/flag_snapshot.h"
#include "app/cli/project_support.h"
#include "base/strings.h"
#include "flags/evaluator.h"
#include "pipeline/flags/flag_files.h"
#include "pipeline/project/project_config.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

ordered_json to_json(const flags::Value& value) { return ordered_json::parse(value.to_json()); }

ordered_json evaluation_json(const std::string& key, const flags::Evaluation& result) {
  ordered_json out;
  out["key"] = key;
  out["value"] = to_json(result.value);
  out["variation"] = result.variation ? ordered_json(*result.variation) : ordered_json(nullptr);
  ordered_json reason;
  reason["kind"] = std::string(flags::reason_kind_name(result.reason.kind));
  if (result.reason.kind == flags::ReasonKind::kRuleMatch) {
    reason["ruleIndex"] = result.reason.rule_index;
    if (!result.reason.rule_id.empty()) reason["ruleId"] = result.reason.rule_id;
  }
  if (result.reason.kind == flags::ReasonKind::kRuleMatch || result.reason.kind == flags::ReasonKind::kFallthrough) {
    reason["inExperiment"] = result.reason.in_experiment;
  }
  if (result.reason.kind == flags::ReasonKind::kPrerequisiteFailed) reason["prerequisiteKey"] = result.reason.prerequisite_key;
  if (result.reason.kind == flags::ReasonKind::kError) reason["errorKind"] = std::string(flags::error_kind_name(result.reason.error_kind));
  out["reason"] = reason;
  out["flag_version"] = result.flag_version;
  return out;
}

std::string evaluation_text(const std::string& key, const flags::Evaluation& result) {
  std::string reason(flags::reason_kind_name(result.reason.kind));
  if (result.reason.kind == flags::ReasonKind::kRuleMatch) reason += fmt::format(" rule {}", result.reason.rule_index);
  if (result.reason.kind == flags::ReasonKind::kPrerequisiteFailed) reason += " " + result.reason.prerequisite_key;
  if (result.reason.kind == flags::ReasonKind::kError) reason += " " + std::string(flags::error_kind_name(result.reason.error_kind));
  if (result.reason.in_experiment) reason += ", in experiment";
  std::string variation = result.variation ? fmt::format("variation {}", *result.variation) : "no variation";
  return fmt::format("{} = {} ({}, {}, flag version {})", key, result.value.to_json(), variation, reason, result.flag_version);
}

struct FlagsArgs {
  ProjectArgs project;
  bool json = false;
  std::string key;
  std::vector<std::string> context;
  std::string contexts_file;
};

// Loads the project's configuration and flags; prints the flag files' problems to stderr.
Result<std::pair<pipeline::ProjectConfig, pipeline::FlagFiles>> load_flags(const FlagsArgs& args, CommandContext& context) {
  SILT_TRY_ASSIGN(pipeline::ProjectConfig config, load_config_for_command(args.project, context));
  SILT_TRY_ASSIGN(pipeline::FlagFiles files, pipeline::load_flag_files(context.fs(), config.project_dir));
  for (const Diagnostic& diagnostic : files.diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
  return std::pair{std::move(config), std::move(files)};
}

int run_list(const FlagsArgs& args, CommandContext& context) {
  auto loaded = load_flags(args, context);
  if (!loaded) return report_error(loaded.error());
  const pipeline::FlagFiles& files = loaded->second;
  if (args.json) {
    ordered_json list = ordered_json::array();
    for (const auto& [key, flag] : files.flags.flags) {
      ordered_json item;
      item["key"] = key;
      item["on"] = flag.on;
      ordered_json variations = ordered_json::array();
      for (const auto& value : flag.variations) variations.push_back(to_json(value));
      item["variations"] = variations;
      item["version"] = flag.version;
      item["rules"] = flag.rules.size();
      item["prerequisites"] = flag.prerequisites.size();
      item["file"] = fmt::format("{}:{}", flag.file, flag.line);
      item["malformed"] = flag.malformed;
      if (!flag.description.empty()) item["description"] = flag.description;
      list.push_back(item);
    }
    ordered_json problems = ordered_json::array();
    for (const Diagnostic& d : files.diagnostics) problems.push_back(format_diagnostic(d));
    ordered_json out;
    out["flags"] = list;
    out["segments"] = files.flags.segments.size();
    out["problems"] = problems;
    std::cout << out.dump(2) << "\n";
  } else if (files.flags.flags.empty()) {
    std::cout << "no flags (flag files go in " << loaded->first.project_dir << "/flags: *.yml, *.json)\n";
  } else {
    for (const auto& [key, flag] : files.flags.flags) {
      std::cout << fmt::format("{}  {}  [{}]  version {}  {} rules  {}:{}{}\n", key, flag.on ? "on " : "off", flags::variation_list(flag),
                               flag.version, flag.rules.size(), flag.file, flag.line, flag.malformed ? "  MALFORMED" : "");
    }
  }
  return files.diagnostics.empty() ? kExitOk : kExitUsage;
}

int run_eval(const FlagsArgs& args, CommandContext& context) {
  auto loaded = load_flags(args, context);
  if (!loaded) return report_error(loaded.error());
  const pipeline::FlagFiles& files = loaded->second;
  flags::Evaluator evaluator(files.flags);
  if (files.flags.find_flag(args.key) == nullptr) {
    auto suggestion = closest_name(args.key, [&] {
      std::vector<std::string> keys;
      for (const auto& entry : files.flags.flags) keys.push_back(entry.first);
      return keys;
    }());
    std::cerr << fmt::format("warning: no flag '{}' in the flag files{}; it evaluates to FLAG_NOT_FOUND\n", args.key,
                             suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : "");
  }
  if (args.contexts_file.empty()) {
    auto job = pipeline::job_context(args.context, loaded->first.name);
    if (!job) return report_error(job.error());
    flags::Evaluation result = evaluator.evaluate(args.key, *job);
    std::cout << (args.json ? evaluation_json(args.key, result).dump() : evaluation_text(args.key, result)) << "\n";
    return kExitOk;
  }
  if (!args.context.empty()) {
    return report_error(make_error(ErrorCode::kInvalidArgument, "give --context or --contexts, not both"));
  }
  std::ifstream in(args.contexts_file);
  if (!in) {
    return report_error(make_error(ErrorCode::kNotFound, fmt::format("cannot read --contexts file '{}'", args.contexts_file)));
  }
  int bad_lines = 0;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (trim(line).empty()) continue;
    auto value = flags::parse_json(line);
    Result<flags::Context> parsed = value ? flags::context_from_value(*value) : Result<flags::Context>(value.error());
    if (!parsed) {
      std::cerr << fmt::format("{}:{}: {}\n", args.contexts_file, number, parsed.error().message());
      ++bad_lines;
      continue;
    }
    flags::Evaluation result = evaluator.evaluate(args.key, *parsed);
    std::cout << (args.json ? evaluation_json(args.key, result).dump() : evaluation_text(args.key, result)) << "\n";
  }
  return bad_lines == 0 ? kExitOk : kExitUsage;
}

}  // namespace

void register_flags_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* flags = app.add_subcommand("flags", "feature flags of the project: list them, evaluate them");
  flags->require_subcommand(1);

  auto list_args = std::make_shared<FlagsArgs>();
  auto* list = flags->add_subcommand("list", "every flag in the project's flag files, and their problems");
  add_project_options(list, list_args->project);
  list->add_flag("--json", list_args->json, "print JSON");
  list->callback([list_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_list(*list_args, context);
  });

  register_flags_serve_command(*flags, context, exit_code);
  register_flags_set_commands(*flags, context, exit_code);

  auto eval_args = std::make_shared<FlagsArgs>();
  auto* eval = flags->add_subcommand("eval", "what a flag serves to a context, and why");
  add_project_options(eval, eval_args->project);
  eval->add_option("key", eval_args->key, "the flag key")->required();
  eval->add_option("--context", eval_args->context,
                   "NAME=VALUE attribute of the job context (kind job, key the project's name; kind=... and key=... change them)");
  eval->add_option("--contexts", eval_args->contexts_file, "a file of contexts, one JSON object per line; one result per line");
  eval->add_flag("--json", eval_args->json, "print JSON");
  eval->callback([eval_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_eval(*eval_args, context);
  });
}

}  // namespace silt::app
