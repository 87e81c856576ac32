// `silt consolidate JOB` (one execution of a consolidation job of silt.yaml), `silt consolidations`
// (what each execution did) and `silt events` (completion events delivered and pending).
#include <CLI/CLI.hpp>

#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "base/strings.h"
#include "pipeline/consolidate/consolidator.h"
#include "pipeline/events/event_outbox.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

Result<const pipeline::ConsolidationConfig*> find_job(const pipeline::ProjectConfig& config, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& job : config.consolidations) {
    if (job.name == name) return &job;
    names.push_back(job.name);
  }
  if (names.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no consolidation '{}': silt.yaml defines no consolidations (see docs/CONSOLIDATION.md)", name));
  }
  auto best = closest_name(name, names);
  return make_error(ErrorCode::kNotFound, fmt::format("no consolidation '{}' in silt.yaml{} (defined: {})", name,
                                                      best ? fmt::format("; did you mean '{}'?", *best) : "", join(names, ", ")));
}

std::string seconds(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

void print_execution(const pipeline::ConsolidationExecution& e) {
  std::cout << fmt::format("consolidation {}: execution {} ({} of {}, local time {})\n", e.job, e.execution_id,
                           e.execution_sequence, e.total_executions, e.execution_time);
  if (e.status == "planned") {
    std::cout << fmt::format("  would read {} new landing file(s) ({})\n", e.files_in, format_bytes(e.bytes_in));
    for (const auto& path : e.landing_files) std::cout << "    " << path << "\n";
    std::cout << fmt::format("  retention would delete {} landing file(s)\n", e.retention_deleted.size());
    for (const auto& path : e.retention_deleted) std::cout << "    " << path << "\n";
    return;
  }
  if (e.status == "nothing_to_do") {
    std::cout << "  no new landing files: nothing to do\n";
  } else {
    std::cout << fmt::format("  read {} file(s) ({}), {} record(s); {} duplicate(s) removed, {} older than consolidated\n",
                             e.files_in, format_bytes(e.bytes_in), e.records_processed, e.duplicates_removed,
                             e.records_stale);
    std::cout << fmt::format("  wrote {} record(s) in {} file(s) ({}){} to {} ({}), {}\n", e.records_written,
                             e.output_files, format_bytes(e.bytes_out),
                             e.files_rewritten ? fmt::format(", rewrote {} file(s)", e.files_rewritten) : "",
                             e.output_path, e.output_format,
                             e.table_version >= 0 ? fmt::format("table version {}", e.table_version) : "manifests updated");
    for (const auto& p : e.partitions) {
      std::cout << fmt::format("    {}  records {}  duplicates {}  files {}\n", p.date, p.records_processed,
                               p.duplicates_removed, p.output_files);
    }
  }
  for (const auto& q : e.quarantined) std::cout << fmt::format("  quarantined {}: {}\n", q.path, q.reason);
  if (!e.quality.empty()) {
    std::cout << fmt::format("  checks {}", e.quality);
    if (e.records_quarantined > 0) {
      std::cout << fmt::format(": {} record(s) quarantined in {}{}", e.records_quarantined, e.quarantine_table,
                               e.quarantine_version >= 0 ? fmt::format(" (version {})", e.quarantine_version) : "");
    }
    std::cout << "\n";
    for (const auto& c : e.checks) {
      std::cout << fmt::format("    {:<4}  {}{}\n", c.status, c.name,
                               c.status == "pass" ? "" : fmt::format(": {} of {} failing{}", c.failing, c.checked,
                                                                     c.message.empty() ? "" : " (" + c.message + ")"));
    }
  }
  if (!e.retention_deleted.empty()) std::cout << fmt::format("  retention deleted {} landing file(s)\n", e.retention_deleted.size());
  std::cout << fmt::format("  {} in {}\n", e.status, seconds(e.duration_ms));
}

struct ConsolidateArgs {
  ProjectArgs project;
  std::string job, date;
  bool dry_run = false, json = false;
};

int run_consolidate(const ConsolidateArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  auto job = find_job(*config, args.job);
  if (!job) return report_error(job.error());
  auto session = context.session();
  if (!session) return report_error(session.error());
  pipeline::Consolidator consolidator(**session, context.fs(), config->storage_root);
  pipeline::ConsolidateOptions options;
  if (!args.date.empty()) options.date = args.date;
  options.dry_run = args.dry_run;
  auto execution = consolidator.execute(**job, options);
  if (!execution) return report_error(execution.error());
  if (args.json) {
    std::cout << pipeline::execution_to_json(*execution) << "\n";
  } else {
    print_execution(*execution);
    pipeline::EventOutbox outbox(context.fs(), config->storage_root);
    auto pending = outbox.list(execution->job, true);
    if (pending && !pending->empty()) {
      std::cout << fmt::format("  {} event(s) pending delivery (see silt events --pending; retried by the next "
                               "execution or silt events --retry)\n",
                               pending->size());
    }
  }
  return kExitOk;
}

struct HistoryArgs {
  ProjectArgs project;
  std::string job;
  int limit = 20;
  bool json = false;
};

int run_history(const HistoryArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  if (!args.job.empty()) {
    auto job = find_job(*config, args.job);
    if (!job) return report_error(job.error());
  }
  pipeline::ConsolidationHistory history(context.fs(), config->storage_root);
  auto executions = history.list(args.job);
  if (!executions) return report_error(executions.error());
  if (args.json) {
    ordered_json out = ordered_json::array();
    for (const auto& e : *executions) out.push_back(ordered_json::parse(pipeline::execution_to_json(e)));
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  if (executions->empty()) {
    std::cout << "no consolidation has run yet\n";
    return kExitOk;
  }
  std::cout << fmt::format("{:<44} {:<14} {:>9} {:>10} {:>10} {:>6} {:>8}\n", "execution", "status", "files_in",
                           "records", "duplicates", "files", "time");
  int shown = 0;
  for (const auto& e : *executions) {
    if (shown++ >= args.limit) break;
    std::cout << fmt::format("{:<44} {:<14} {:>9} {:>10} {:>10} {:>6} {:>8}\n", e.execution_id,
                             e.status + (e.recovered ? "*" : ""), e.files_in, e.records_processed, e.duplicates_removed,
                             e.output_files, seconds(e.duration_ms));
    if (!e.error.empty()) std::cout << "    " << e.error << "\n";
  }
  return kExitOk;
}

struct EventsArgs {
  ProjectArgs project;
  std::string job;
  bool pending = false, retry = false, json = false;
};

int run_events(const EventsArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  if (!args.job.empty()) {
    auto job = find_job(*config, args.job);
    if (!job) return report_error(job.error());
  }
  pipeline::EventOutbox outbox(context.fs(), config->storage_root);
  int exit = kExitOk;
  if (args.retry) {
    int64_t delivered = 0, failed = 0;
    for (const auto& job : config->consolidations) {
      if (!args.job.empty() && job.name != args.job) continue;
      auto report = outbox.deliver(job.name, job.events);
      if (!report) return report_error(report.error());
      delivered += report->delivered;
      failed += report->failed;
      for (const auto& error : report->errors) std::cerr << "warning: " << error << "\n";
    }
    if (!args.json) std::cout << fmt::format("delivered {}, still pending {}\n", delivered, failed);
    if (failed > 0) exit = kExitFailed;
  }
  auto events = outbox.list(args.job, args.pending);
  if (!events) return report_error(events.error());
  if (args.json) {
    ordered_json out = ordered_json::array();
    for (const auto& event : *events) out.push_back(ordered_json::parse(pipeline::outbox_event_to_json(event)));
    std::cout << out.dump(2) << "\n";
    return exit;
  }
  if (events->empty() && !args.retry) std::cout << (args.pending ? "no pending events\n" : "no events yet\n");
  for (const auto& event : *events) {
    std::vector<std::string> states;
    for (const auto& d : event.deliveries) {
      states.push_back(fmt::format("{} {}{}", d.sink, d.delivered ? "delivered" : "PENDING",
                                   d.delivered ? "" : fmt::format(" ({} attempt(s){})", d.attempts,
                                                                  d.last_error.empty() ? "" : ": " + d.last_error)));
    }
    std::cout << fmt::format("{}  {}  {}\n", event.created_at.substr(0, 19), event.id, join(states, "; "));
  }
  return exit;
}

}  // namespace

void register_consolidate_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto consolidate_args = std::make_shared<ConsolidateArgs>();
  auto* consolidate = app.add_subcommand("consolidate", "run one execution of a consolidation job of silt.yaml");
  add_project_options(consolidate, consolidate_args->project);
  consolidate->add_option("job", consolidate_args->job, "the job's name under consolidations:")->required();
  consolidate->add_option("--date", consolidate_args->date, "only the landing folder of this date (YYYY-MM-DD)");
  consolidate->add_flag("--dry-run", consolidate_args->dry_run, "list what would be read and deleted; write nothing");
  consolidate->add_flag("--json", consolidate_args->json, "print the execution record as JSON");
  consolidate->callback([consolidate_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_consolidate(*consolidate_args, context);
  });

  auto history_args = std::make_shared<HistoryArgs>();
  auto* history = app.add_subcommand("consolidations", "what each execution of the consolidation jobs did");
  add_project_options(history, history_args->project);
  history->add_option("--job", history_args->job, "only this job");
  history->add_option("--limit", history_args->limit, "at most this many executions (newest first; default 20)");
  history->add_flag("--json", history_args->json, "print JSON (every execution)");
  history->callback([history_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_history(*history_args, context);
  });

  auto events_args = std::make_shared<EventsArgs>();
  auto* events = app.add_subcommand("events", "completion events: delivered and pending, per sink");
  add_project_options(events, events_args->project);
  events->add_option("--job", events_args->job, "only this job's events");
  events->add_flag("--pending", events_args->pending, "only events some sink has not received");
  events->add_flag("--retry", events_args->retry, "deliver pending events now (exit 1 if some stay pending)");
  events->add_flag("--json", events_args->json, "print JSON");
  events->callback([events_args, &context, exit_code]() {
    context.begin();
    *exit_code = run_events(*events_args, context);
  });
}

}  // namespace silt::app
