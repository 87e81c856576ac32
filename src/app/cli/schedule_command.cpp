// `silt schedule list`: every job of silt.yaml's `schedules:`, its cron and time zone, and its next
// fire times after --from (local and UTC, with what the DST policy did), after checking that each
// job's command is a silt command whose consolidation exists.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "app/cli/report.h"
#include "base/clock.h"
#include "base/strings.h"
#include "pipeline/schedule/dst_policy.h"

namespace silt::app {

namespace {

using nlohmann::ordered_json;

struct ScheduleListArgs {
  std::string from;
  int count = 5;
  bool json = false;
  ProjectArgs project;
};

// Every step of every job names a subcommand of this binary, and `consolidate NAME` a
// consolidation of the project: Config errors at the job's line of silt.yaml.
Status check_commands(const pipeline::ProjectConfig& config, const CLI::App& app) {
  std::vector<std::string> problems;
  std::vector<std::string> commands;
  for (const auto* sub : const_cast<CLI::App&>(app).get_subcommands([](CLI::App*) { return true; })) {
    commands.push_back(sub->get_name());
  }
  std::vector<std::string> consolidations;
  for (const auto& consolidation : config.consolidations) consolidations.push_back(consolidation.name);
  const std::string file = config.project_dir + "/silt.yaml";
  for (const auto& job : config.schedules) {
    for (const auto& step : job.steps) {
      if (step.empty()) continue;
      const std::string& word = step[0];
      if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
        auto close = closest_name(word, commands);
        problems.push_back(fmt::format("{}:{}: schedule '{}' runs '{}', which is not a silt command{} (commands: {})",
                                       file, job.line, job.name, word,
                                       close ? fmt::format(" (did you mean '{}'?)", *close) : "",
                                       join(commands, ", ")));
        continue;
      }
      if (word == "consolidate" && step.size() > 1 && !starts_with(step[1], "-") &&
          std::find(consolidations.begin(), consolidations.end(), step[1]) == consolidations.end()) {
        auto close = closest_name(step[1], consolidations);
        problems.push_back(fmt::format("{}:{}: schedule '{}' runs consolidation '{}', which silt.yaml does not "
                                       "define{}",
                                       file, job.line, job.name, step[1],
                                       close ? fmt::format(" (did you mean '{}'?)", *close)
                                             : consolidations.empty()
                                                   ? std::string(" (it has no consolidations)")
                                                   : fmt::format(" (consolidations: {})", join(consolidations, ", "))));
      }
    }
  }
  if (problems.empty()) return Status();
  return make_error(ErrorCode::kConfig, join(problems, "\n"));
}

Status run_list(const ScheduleListArgs& args, const CLI::App& app, CommandContext& context) {
  int64_t from_ms = now_ms();
  if (!args.from.empty()) {
    auto parsed = parse_rfc3339_ms(args.from);
    if (!parsed) parsed = parse_timestamp_ms(args.from);
    if (!parsed) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("--from '{}' is not a time such as 2027-03-27T00:00:00Z", args.from));
    }
    from_ms = *parsed;
  }
  if (args.count < 1 || args.count > 1000) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("--count {} must be between 1 and 1000", args.count));
  }
  SILT_TRY_ASSIGN(auto config, load_config_for_command(args.project, context));
  SILT_TRY(check_commands(config, app));
  // Floor division: a --from before 1970 still plans from the right second.
  const int64_t from_seconds = from_ms >= 0 ? from_ms / 1000 : -((-from_ms + 999) / 1000);
  ordered_json jobs = ordered_json::array();
  for (const auto& job : config.schedules) {
    SILT_TRY_ASSIGN(auto fires, pipeline::plan_fires(job.cron, job.timezone, job.dst, from_seconds - 1,
                                                     static_cast<size_t>(args.count)));
    ordered_json entry;
    entry["job"] = job.name;
    entry["cron"] = job.cron_text;
    entry["timezone"] = job.timezone;
    entry["command"] = job.command;
    entry["dst"] = {{"skipped", pipeline::policy_name(job.dst.skipped)},
                    {"repeated", pipeline::policy_name(job.dst.repeated)}};
    ordered_json list = ordered_json::array();
    for (const auto& fire : fires) list.push_back({{"local", fire.local}, {"utc", fire.utc}, {"note", fire.note}});
    entry["fires"] = std::move(list);
    jobs.push_back(std::move(entry));
  }
  if (args.json) {
    std::cout << jobs.dump(2) << "\n";
    return Status();
  }
  if (jobs.empty()) {
    std::cout << "no schedules in " << config.project_dir << "/silt.yaml (add a `schedules:` section)\n";
    return Status();
  }
  for (const auto& job : jobs) {
    std::cout << fmt::format("{}: \"{}\" in {} -> {}\n", job["job"].get<std::string>(), job["cron"].get<std::string>(),
                             job["timezone"].get<std::string>(), job["command"].get<std::string>());
    for (const auto& fire : job["fires"]) {
      std::string note = fire["note"].get<std::string>();
      std::cout << fmt::format("  {}  ({}){}\n", fire["local"].get<std::string>(), fire["utc"].get<std::string>(),
                               note.empty() ? "" : "  " + note);
    }
  }
  return Status();
}

}  // namespace

void register_schedule_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* schedule = app.add_subcommand("schedule", "the jobs of silt.yaml's schedules: section");
  schedule->require_subcommand(1);
  auto* list = schedule->add_subcommand("list", "each job's cron, time zone and next fire times (local and UTC)");
  auto args = std::make_shared<ScheduleListArgs>();
  list->add_option("--from", args->from, "list fire times after this instant, e.g. 2027-03-27T00:00:00Z (default now)");
  list->add_option("--count", args->count, "fire times per job (default 5)");
  list->add_flag("--json", args->json, "print [{job, cron, timezone, command, dst, fires: [{local, utc, note}]}]");
  add_project_options(list, args->project);
  list->callback(wrap(exit_code, context, [args, &app, &context]() -> Status { return run_list(*args, app, context); }));
}

}  // namespace silt::app
