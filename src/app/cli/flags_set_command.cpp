// `silt flags set` (change a flag in its YAML file, atomically, with an audit record) and
// `silt flags history` (the audit records), on the `flags` subcommand.
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/output.h"
#include "app/cli/project_support.h"
#include "base/clock.h"
#include "base/strings.h"
#include "flags/flag_edit.h"
#include "flags/flag_file.h"
#include "pipeline/flags/flag_audit.h"
#include "pipeline/flags/flag_files.h"
#include "pipeline/project/project_config.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

struct SetArgs {
  ProjectArgs project;
  std::string key, why, fallthrough, rollout;
  bool on = false, off = false, json = false;
  std::vector<std::string> targets;
};

// "v1=50,v2=50" or "v2=KEY": NAME=VALUE pairs.
Result<std::vector<std::pair<std::string, std::string>>> pairs(const std::string& text, const char* option) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& part : split(text, ',')) {
    size_t equals = part.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == part.size()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} '{}': expected VARIATION=VALUE, such as {}", option, part,
                                    std::string(option) == "--rollout" ? "v1=90,v2=10" : "v2=tbar-backfill"));
    }
    out.emplace_back(std::string(trim(part.substr(0, equals))), std::string(trim(part.substr(equals + 1))));
  }
  return out;
}

Result<flags::FlagChange> change_of(const SetArgs& args, std::string* described) {
  flags::FlagChange change;
  std::vector<std::string> parts;
  if (args.on && args.off) return make_error(ErrorCode::kInvalidArgument, "give --on or --off, not both");
  if (args.on || args.off) {
    change.on = args.on;
    parts.push_back(args.on ? "--on" : "--off");
  }
  if (!args.fallthrough.empty() && !args.rollout.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "give --fallthrough or --rollout, not both (both set the fallthrough)");
  }
  if (!args.fallthrough.empty()) {
    change.fallthrough = args.fallthrough;
    parts.push_back("--fallthrough " + args.fallthrough);
  }
  if (!args.rollout.empty()) {
    SILT_TRY_ASSIGN(auto weights, pairs(args.rollout, "--rollout"));
    for (const auto& [variation, percent] : weights) {
      auto number = parse_int64(percent);
      if (!number) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("--rollout {}={}: the weight must be a whole percentage", variation, percent));
      }
      change.rollout.emplace_back(variation, static_cast<int>(*number));
    }
    parts.push_back("--rollout " + args.rollout);
  }
  for (const auto& target : args.targets) {
    SILT_TRY_ASSIGN(auto parsed, pairs(target, "--target"));
    for (auto& pair : parsed) change.targets.push_back(pair);
    parts.push_back("--target " + target);
  }
  if (change.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "nothing to change: give --on, --off, --fallthrough, --rollout or --target");
  }
  *described = join(parts, " ");
  return change;
}

int run_set(const SetArgs& args, CommandContext& context) {
  std::string described;
  auto change = change_of(args, &described);
  if (!change) return report_error(change.error());
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  auto loaded = pipeline::load_flag_files(context.fs(), config->project_dir);
  if (!loaded) return report_error(loaded.error());
  // The file defining the flag, as the load recorded it.
  const flags::Flag* flag = loaded->flags.find_flag(args.key);
  if (!flag) {
    std::vector<std::string> keys;
    for (const auto& [key, known] : loaded->flags.flags) keys.push_back(key);
    auto best = closest_name(args.key, keys);
    return report_error(make_error(ErrorCode::kNotFound,
                                   fmt::format("no flag '{}' in {}/flags{}", args.key, config->project_dir,
                                               best ? fmt::format(" (did you mean '{}'?)", *best) : "")));
  }
  if (flags::flag_file_format(flag->file) != flags::FlagFileFormat::kSiltYaml) {
    return report_error(make_error(ErrorCode::kUnsupported,
                                   fmt::format("flag '{}' comes from LaunchDarkly's JSON ({}): change it where that "
                                               "file is exported from, or move the flag to a YAML flag file",
                                               args.key, flag->file)));
  }
  const std::string path = config->project_dir + "/" + flag->file;
  auto read = context.fs().read(path);
  if (!read) return report_error(read.error());
  const std::string text = std::move(*read);
  const std::string& shown = flag->file;
  auto edit = flags::edit_flag(shown, text, args.key, *change);
  if (!edit) return report_error(edit.error());
  // The changed file must read without problems before it replaces the old one.
  flags::FlagSet check;
  std::vector<Diagnostic> problems;
  flags::read_flag_file(shown, edit->text, flags::FlagFileFormat::kSiltYaml, &check, &problems);
  if (!problems.empty()) {
    for (const auto& problem : problems) std::cerr << "error: " << format_diagnostic(problem) << "\n";
    return report_error(make_error(ErrorCode::kInvalidArgument,
                                   fmt::format("the change would make {} invalid; nothing was written", shown)));
  }
  pipeline::FlagAuditRecord record;
  record.at_ms = now_ms();
  record.who = current_user();
  record.why = args.why;
  record.key = args.key;
  record.file = shown;
  record.change = described;
  record.before = edit->before_json;
  record.after = edit->after_json;
  record.version_before = edit->version_before;
  record.version_after = edit->version_after;
  if (Status written = context.fs().write(path, edit->text); !written.ok()) return report_error(written.error());
  pipeline::FlagAudit audit(context.fs(), config->storage_root);
  if (Status saved = audit.append(record); !saved.ok()) {
    return report_error(saved.error().with_context(
        fmt::format("{} was changed, but its audit record could not be written", shown)));
  }
  if (args.json) {
    ordered_json out = {{"key", args.key},       {"file", shown},
                        {"change", described},   {"version_before", record.version_before},
                        {"version_after", record.version_after}, {"who", record.who},
                        {"why", record.why},     {"audit_id", record.id}};
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("flag {}: {} (version {} -> {}) in {}; recorded for {}: {}\n", args.key, described,
                             record.version_before, record.version_after, shown, record.who, record.why);
  }
  return kExitOk;
}

struct HistoryArgs {
  ProjectArgs project;
  std::string key;
  bool json = false;
};

int run_history(const HistoryArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::FlagAudit audit(context.fs(), config->storage_root);
  auto records = audit.list(args.key);
  if (!records) return report_error(records.error());
  if (args.json) {
    ordered_json out = ordered_json::array();
    for (const auto& record : *records) {
      out.push_back({{"id", record.id},
                     {"at", format_timestamp_ms(record.at_ms)},
                     {"key", record.key},
                     {"who", record.who},
                     {"why", record.why},
                     {"file", record.file},
                     {"change", record.change},
                     {"version_before", record.version_before},
                     {"version_after", record.version_after},
                     {"before", ordered_json::parse(record.before, nullptr, false)},
                     {"after", ordered_json::parse(record.after, nullptr, false)}});
    }
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (records->empty()) {
    std::cout << (args.key.empty() ? "no flag changes recorded\n" : fmt::format("no changes of flag {} recorded\n", args.key));
    return kExitOk;
  }
  engine::duckdb::TextResult table;
  table.column_names = {"at", "key", "who", "change", "version", "why"};
  table.column_types = {"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"};
  for (const auto& record : *records) {
    table.rows.push_back({format_timestamp_ms(record.at_ms), record.key, record.who, record.change,
                          fmt::format("{} -> {}", record.version_before, record.version_after), record.why});
  }
  std::cout << render_table(table);
  return kExitOk;
}

}  // namespace

void register_flags_set_commands(CLI::App& flags_command, CommandContext& context, int* exit_code) {
  auto set_args = std::make_shared<SetArgs>();
  auto* set = flags_command.add_subcommand("set", "change a flag in its YAML file, with an audit record");
  add_project_options(set, set_args->project);
  set->add_option("key", set_args->key, "the flag key")->required();
  set->add_flag("--on", set_args->on, "turn targeting on");
  set->add_flag("--off", set_args->off, "turn the flag off: it serves its off variation");
  set->add_option("--fallthrough", set_args->fallthrough, "serve this variation to contexts no target or rule matches");
  set->add_option("--rollout", set_args->rollout, "fallthrough rollout by percent, e.g. v1=90,v2=10");
  set->add_option("--target", set_args->targets, "serve VARIATION to job KEY: VARIATION=KEY (repeatable)");
  set->add_option("--why", set_args->why, "why the flag changes (recorded)")->required();
  set->add_flag("--json", set_args->json, "print JSON");
  set->callback([set_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_set(*set_args, context);
  });

  auto history_args = std::make_shared<HistoryArgs>();
  auto* history = flags_command.add_subcommand("history", "the recorded changes of flags (silt flags set)");
  add_project_options(history, history_args->project);
  history->add_option("key", history_args->key, "only this flag's changes");
  history->add_flag("--json", history_args->json, "print JSON");
  history->callback([history_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_history(*history_args, context);
  });
}

}  // namespace silt::app
