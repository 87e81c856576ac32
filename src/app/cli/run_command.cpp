// `silt run`, `silt plan`, `silt backfill`, `silt runs`: running a project's models and its run history.
#include <CLI/CLI.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/output.h"
#include "app/cli/project_support.h"
#include "base/clock.h"
#include "base/strings.h"
#include "pipeline/flags/ofrep_client.h"
#include "pipeline/run/runner.h"

namespace silt::app {
namespace {

std::atomic<int> g_stop_signal{0};
extern "C" void remember_stop_signal(int signal_number) { g_stop_signal = signal_number; }

// While alive, SIGINT and SIGTERM cancel the runner's run (the models running are interrupted,
// the others skipped, the record says "cancelled") instead of killing the process mid-write. A
// watcher thread turns the signal into Runner::cancel, which is not safe inside a handler.
class CancelOnSignal {
 public:
  explicit CancelOnSignal(pipeline::Runner& runner) : runner_(runner) {
    g_stop_signal = 0;
    struct sigaction action = {};
    action.sa_handler = remember_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
    watcher_ = std::thread([this] {
      while (!done_) {
        if (g_stop_signal != 0 && !runner_.cancelled()) {
          std::cerr << "silt: stopping the run (signal " << g_stop_signal << "); interrupting running models\n";
          runner_.cancel();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~CancelOnSignal() {
    done_ = true;
    watcher_.join();
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
  }
  CancelOnSignal(const CancelOnSignal&) = delete;
  CancelOnSignal& operator=(const CancelOnSignal&) = delete;

 private:
  pipeline::Runner& runner_;
  std::atomic<bool> done_{false};
  std::thread watcher_;
  struct sigaction previous_int_ = {};
  struct sigaction previous_term_ = {};
};

using json = nlohmann::ordered_json;

std::string seconds(int64_t ms) { return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0); }

std::string counted(int64_t count, const char* noun) { return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s"); }

// Progress on a terminal (standard error): one line as each model starts and ends. Silent when
// standard error is not a terminal, so logs and CI output hold only the summary.
class ProgressPrinter : public pipeline::RunObserver {
 public:
  explicit ProgressPrinter(bool enabled) : enabled_(enabled), started_ns_(monotonic_ns()) {}

  void model_started(const pipeline::ModelRun& model, int index, int total) override {
    if (!enabled_) return;
    (void)index;
    std::cerr << fmt::format("[ -/{}] {:<28} started      (elapsed {})\n", total, model.table, elapsed());
  }
  void model_finished(const pipeline::ModelRun& model, int index, int total) override {
    if (!enabled_) return;
    std::cerr << fmt::format("[{}/{}] {:<28} {:<12} (elapsed {}){}\n", index, total, model.table,
                             pipeline::model_status_name(model.status), elapsed(),
                             model.status == pipeline::ModelStatus::kSuccess
                                 ? fmt::format(" {} out in {}", counted(model.rows_out, "row"), seconds(model.duration_ms))
                                 : "");
  }

 private:
  std::string elapsed() const { return seconds((monotonic_ns() - started_ns_) / 1000000); }
  bool enabled_;
  int64_t started_ns_;
};

std::string version_text(int64_t version) { return version < 0 ? "-" : std::to_string(version); }

// "12 pass, 1 warn, 2 fail" for a model with checks; "" without.
std::string checks_text(const pipeline::ModelRun& model) {
  if (model.checks.empty()) return "";
  std::vector<std::string> parts;
  for (auto status : {pipeline::CheckStatus::kPass, pipeline::CheckStatus::kWarn, pipeline::CheckStatus::kFail}) {
    if (int count = model.count_checks(status)) {
      parts.push_back(fmt::format("{} {}", count, pipeline::check_status_name(status)));
    }
  }
  return join(parts, ", ");
}

engine::duckdb::TextResult models_table(const pipeline::RunRecord& record) {
  bool with_checks = std::any_of(record.models.begin(), record.models.end(),
                                 [](const pipeline::ModelRun& model) { return !model.checks.empty(); });
  engine::duckdb::TextResult table;
  table.column_names = {"model", "table", "action", "status", "rows_in", "rows_out", "version", "time", "note"};
  table.column_types = {"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "VARCHAR", "VARCHAR", "VARCHAR"};
  if (with_checks) {
    table.column_names.insert(table.column_names.begin() + 8, "checks");
    table.column_types.insert(table.column_types.begin() + 8, "VARCHAR");
  }
  for (const auto& model : record.models) {
    std::string note = model.status == pipeline::ModelStatus::kFailed ? model.error : model.message;
    if (auto newline = note.find('\n'); newline != std::string::npos) note = note.substr(0, newline);
    if (note.size() > 100) note = note.substr(0, 97) + "...";
    std::vector<std::optional<std::string>> row{model.model, model.table, model.action,
                                                pipeline::model_status_name(model.status),
                                                std::to_string(model.rows_in), std::to_string(model.rows_out),
                                                version_text(model.version_written), seconds(model.duration_ms), note};
    if (with_checks) row.insert(row.begin() + 8, checks_text(model));
    table.rows.push_back(std::move(row));
  }
  return table;
}

void print_failures(const pipeline::RunRecord& record) {
  for (const auto& model : record.models) {
    if (model.status == pipeline::ModelStatus::kFailed) {
      std::cerr << fmt::format("error: model '{}' failed: {}\n", model.model, model.error);
    }
  }
}

void print_summary(const pipeline::RunRecord& record) {
  std::cout << fmt::format("run {}  date {}  {}: {}, {} succeeded, {} failed, {} skipped, {}\n", record.run_id,
                           record.run_date, pipeline::run_status_name(record.status), counted(static_cast<int64_t>(record.models.size()), "model"),
                           record.count(pipeline::ModelStatus::kSuccess), record.count(pipeline::ModelStatus::kFailed),
                           record.count(pipeline::ModelStatus::kSkipped),
                           seconds(record.finished_ms - record.started_ms));
  std::cout << render_table(models_table(record));
  if (record.flags) {
    for (const auto& flag : record.flags->flags) {
      std::string detail = flag.reason;
      if (flag.reason == "RULE_MATCH") detail += fmt::format(" rule {}", flag.rule_index);
      if (!flag.error_kind.empty()) detail += " " + flag.error_kind;
      std::cout << fmt::format("flag {} = {} ({}, flag version {}) for {}{}\n", flag.key,
                               flag.variant.empty() ? flag.value : flag.variant, detail, flag.flag_version,
                               record.flags->context_key,
                               record.flags->replayed_from.empty() ? "" : " (replayed from run " + record.flags->replayed_from + ")");
    }
  }
  for (const auto& model : record.models) {
    if (model.version.empty()) continue;
    std::cout << fmt::format("{}: version {}: {}{}\n", model.model, model.version, model.version_reason,
                             model.published_version >= 0
                                 ? fmt::format("; published as {} version {}", model.table, model.published_version)
                                 : "");
    if (!model.diff_report.empty()) {
      std::cout << fmt::format("{}: shadow diff (nothing committed), report {}\n{}\n", model.model, model.diff_report,
                               model.message);
    }
  }
  if (record.degraded()) {
    std::cout << "degraded: " << join(record.degraded_reasons, "; ") << "\n";
  }
}

struct RunArgs {
  ProjectArgs project;
  std::vector<std::string> select;
  std::string date;
  bool full_refresh = false;
  int threads = 1;
  std::string resume;
  std::string lock = "project";
  bool json = false;
  std::vector<std::string> context;
  std::string flags_from;
  std::vector<std::string> shadow;
  std::string flags_url;
  int flags_timeout_ms = 2000;
  std::unique_ptr<pipeline::OfrepProvider> ofrep;  // when --flags-url is given
};

// A run date as given on the command line: YYYY-MM-DD, a real date from 1900 to 9999.
CLI::Validator run_date_validator() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return pipeline::parse_date_days(value)
                   ? std::string()
                   : "'" + value + "' is not a date YYYY-MM-DD from 1900-01-01 to 9999-12-31";
      },
      "YYYY-MM-DD");
}

void add_run_options(CLI::App* cmd, RunArgs& args, bool with_date) {
  add_project_options(cmd, args.project);
  cmd->add_option("-s,--select", args.select,
                  "models to run: name, schema.table, name+ (and descendants), +name (and ancestors), "
                  "schema:<layer>, tag:<tag> (repeatable; default: all)");
  if (with_date) {
    cmd->add_option("--date", args.date, "run date YYYY-MM-DD (default: today, UTC)")->check(run_date_validator());
  }
  cmd->add_flag("--full-refresh", args.full_refresh, "rebuild the selected tables from scratch");
  cmd->add_option("--lock", args.lock,
                  "the run lock to hold (default 'project'): runs of selections without common models may use "
                  "different names to run at once");
  cmd->add_option("--threads", args.threads, "models run at once (default 1)")->check(CLI::Range(1, 64));
  cmd->add_flag("--json", args.json, "print the run record as JSON");
  cmd->add_option("--context", args.context,
                  "an attribute of the job context flags are evaluated for, NAME=VALUE (repeatable; key=... sets the "
                  "key, default the project's name)");
  cmd->add_option("--flags-url", args.flags_url,
                  "evaluate flags with this OFREP server (e.g. http://127.0.0.1:8016, `silt flags serve`) instead of "
                  "the flag files (default: $SILT_FLAGS_URL)");
  cmd->add_option("--flags-timeout", args.flags_timeout_ms, "OFREP timeout in milliseconds (default 2000)")
      ->check(CLI::Range(1, 600000));
}

void set_flag_options(pipeline::RunOptions& options, RunArgs& args) {
  std::string url = args.flags_url;
  if (url.empty()) {
    if (const char* from_env = std::getenv("SILT_FLAGS_URL")) url = from_env;
  }
  if (!url.empty() && !args.ofrep) {
    pipeline::OfrepOptions ofrep;
    ofrep.url = url;
    ofrep.timeout_ms = args.flags_timeout_ms;
    args.ofrep = std::make_unique<pipeline::OfrepProvider>(std::move(ofrep));
  }
  options.flag_provider = args.ofrep.get();
  options.context = args.context;
  options.flags_from = args.flags_from;
  options.shadow = args.shadow;
}

int finish_run(const Result<pipeline::RunRecord>& record, bool as_json) {
  if (!record) return report_error(record.error());
  if (as_json) {
    std::cout << pipeline::run_record_to_json(*record);
  } else {
    print_summary(*record);
  }
  print_failures(*record);
  return record->status == pipeline::RunStatus::kSuccess ? kExitOk : kExitFailed;
}

void register_run(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "run the project's models (one commit per model)");
  auto args = std::make_shared<RunArgs>();
  add_run_options(cmd, *args, true);
  cmd->add_option("--resume", args->resume, "re-run the models that failed or were skipped in this run id");
  cmd->add_option("--flags-from", args->flags_from, "evaluate no flag: use the flags this run id recorded");
  cmd->add_option("--shadow", args->shadow,
                  "run every version of these versioned models on the same input and report their differences; "
                  "they commit nothing and their published tables do not move (repeatable)");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto project = load_project_for_command(args->project, context);
    if (!project) {
      *exit_code = report_error(project.error());
      return;
    }
    if (!args->resume.empty() && (!args->select.empty() || !args->date.empty() || args->full_refresh)) {
      *exit_code = report_error(Error(ErrorCode::kInvalidArgument,
                                      "--resume re-runs a run as it was: do not combine it with --select, --date or "
                                      "--full-refresh"));
      return;
    }
    pipeline::RunOptions options;
    options.run_date = args->date;
    options.selectors = args->select;
    options.full_refresh = args->full_refresh;
    options.threads = args->threads;
    options.lock = args->lock;
    options.resume_run_id = args->resume;
    set_flag_options(options, *args);
    ProgressPrinter progress(!args->json && isatty(STDERR_FILENO));
    pipeline::Runner runner(**project, context.fs());
    CancelOnSignal cancel_on_signal(runner);
    *exit_code = finish_run(runner.run(options, &progress), args->json);
  });
}

void register_backfill(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("backfill", "run the models once per date of a range, in order");
  auto args = std::make_shared<RunArgs>();
  std::shared_ptr<std::string> from = std::make_shared<std::string>(), to = std::make_shared<std::string>();
  add_run_options(cmd, *args, false);
  cmd->add_option("--from", *from, "first date, YYYY-MM-DD")->required()->check(run_date_validator());
  cmd->add_option("--to", *to, "last date, YYYY-MM-DD (inclusive)")->required()->check(run_date_validator());
  cmd->callback([args, from, to, &context, exit_code]() {
    context.begin();
    auto first = pipeline::parse_date_days(*from);
    auto last = pipeline::parse_date_days(*to);
    if (!first || !last || *first > *last) {
      *exit_code = report_error(Error(ErrorCode::kInvalidArgument,
                                      fmt::format("--from '{}' --to '{}': expected two dates YYYY-MM-DD, the first "
                                                  "not after the second",
                                                  *from, *to)));
      return;
    }
    if (*last - *first > 3660) {
      *exit_code = report_error(Error(ErrorCode::kInvalidArgument, "a backfill covers at most 10 years of dates"));
      return;
    }
    auto project = load_project_for_command(args->project, context);
    if (!project) {
      *exit_code = report_error(project.error());
      return;
    }
    pipeline::Runner runner(**project, context.fs());
    CancelOnSignal cancel_on_signal(runner);
    ProgressPrinter progress(!args->json && isatty(STDERR_FILENO));
    json records = json::array();
    *exit_code = kExitOk;
    for (int64_t day = *first; day <= *last; ++day) {
      pipeline::RunOptions options;
      options.run_date = pipeline::format_date_days(day);
      options.selectors = args->select;
      options.full_refresh = args->full_refresh && day == *first;  // rebuild once, then go incremental
      options.threads = args->threads;
      options.lock = args->lock;
      options.command = "backfill";
      set_flag_options(options, *args);
      auto record = runner.run(options, &progress);
      if (runner.cancelled()) {
        *exit_code = kExitFailed;
        if (record) print_summary(*record);
        std::cerr << fmt::format("error: backfill cancelled at {}\n", options.run_date);
        return;
      }
      if (!record) {
        *exit_code = report_error(record.error());
        return;
      }
      if (args->json) {
        records.push_back(json::parse(pipeline::run_record_to_json(*record)));
      } else {
        print_summary(*record);
      }
      print_failures(*record);
      if (record->status != pipeline::RunStatus::kSuccess) {
        *exit_code = kExitFailed;
        {
          std::cerr << fmt::format("error: backfill stopped at {}; fix the failure, then `silt run --resume {}` and "
                                   "`silt backfill --from {} --to {}`\n",
                                   options.run_date, record->run_id, pipeline::format_date_days(day + 1), *to);
        }
        break;
      }
    }
    if (args->json) std::cout << records.dump(2) << "\n";
  });
}

void register_plan(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("plan", "show what `silt run` would do, in which order and why; runs nothing");
  auto args = std::make_shared<RunArgs>();
  add_project_options(cmd, args->project);
  cmd->add_option("-s,--select", args->select, "models (as for `silt run`)");
  cmd->add_option("--date", args->date, "run date YYYY-MM-DD (default: today, UTC)")->check(run_date_validator());
  cmd->add_flag("--full-refresh", args->full_refresh, "plan a rebuild from scratch");
  cmd->add_flag("--json", args->json, "print the plan as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto project = load_project_for_command(args->project, context);
    if (!project) {
      *exit_code = report_error(project.error());
      return;
    }
    pipeline::RunOptions options;
    options.run_date = args->date;
    options.selectors = args->select;
    options.full_refresh = args->full_refresh;
    pipeline::Runner runner(**project, context.fs());
    auto plan = runner.plan(options);
    if (!plan) {
      *exit_code = report_error(plan.error());
      return;
    }
    if (args->json) {
      json out = json::array();
      for (const auto& model : *plan) {
        json item = {{"model", model.model},
                     {"table", model.table},
                     {"materialized", model.materialized},
                     {"depends_on", model.depends_on},
                     {"table_exists", model.table_exists},
                     {"table_version", model.table_version},
                     {"action", model.action},
                     {"reason", model.reason}};
        if (!model.window_start.empty()) {
          item["window_start"] = model.window_start;
          item["window_end"] = model.window_end;
        }
        if (model.new_files >= 0) {
          item["new_files"] = model.new_files;
          item["known_files"] = model.known_files;
        }
        out.push_back(std::move(item));
      }
      std::cout << out.dump(2) << "\n";
    } else {
      engine::duckdb::TextResult table;
      table.column_names = {"#", "model", "table", "materialized", "version", "action", "why"};
      table.column_types = {"BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"};
      int index = 0;
      for (const auto& model : *plan) {
        table.rows.push_back({std::to_string(++index), model.model, model.table, model.materialized,
                              version_text(model.table_version), model.action, model.reason});
      }
      std::cout << fmt::format("plan for {} ({})\n",
                               args->date.empty() ? format_timestamp_ms(now_ms()).substr(0, 10) + " (today)" : args->date,
                               counted(static_cast<int64_t>(plan->size()), "model"));
      std::cout << render_table(table);
    }
    *exit_code = kExitOk;
  });
}

void register_runs(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("runs", "run history: newest first, or one run's models");
  struct Args {
    ProjectArgs project;
    std::string run_id;
    size_t limit = 20;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  add_project_options(cmd, args->project);
  cmd->add_option("run_id", args->run_id, "show this run's models");
  cmd->add_option("--limit", args->limit, "at most this many runs (default 20, 0 = all)");
  cmd->add_flag("--json", args->json, "print as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto project = load_config_for_command(args->project, context);
    if (!project) {
      *exit_code = report_error(project.error());
      return;
    }
    pipeline::RunStore store(context.fs(), project->storage_root);
    if (!args->run_id.empty()) {
      auto record = store.load(args->run_id);
      if (!record) {
        *exit_code = report_error(record.error());
        return;
      }
      if (args->json) {
        std::cout << pipeline::run_record_to_json(*record);
      } else {
        print_summary(*record);
      }
      *exit_code = kExitOk;
      return;
    }
    auto records = store.list(args->limit);
    if (!records) {
      *exit_code = report_error(records.error());
      return;
    }
    if (args->json) {
      json out = json::array();
      for (const auto& record : *records) out.push_back(json::parse(pipeline::run_record_to_json(record)));
      std::cout << out.dump(2) << "\n";
    } else {
      engine::duckdb::TextResult table;
      table.column_names = {"run_id", "command", "date", "status", "models", "failed", "skipped",
                            "rows_out", "started_at", "duration"};
      table.column_types = {"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "BIGINT",
                            "BIGINT", "VARCHAR", "VARCHAR"};
      for (const auto& record : *records) {
        int64_t rows = 0;
        for (const auto& model : record.models) rows += model.rows_out;
        table.rows.push_back({record.run_id, record.command, record.run_date, pipeline::run_status_name(record.status),
                              std::to_string(record.models.size()),
                              std::to_string(record.count(pipeline::ModelStatus::kFailed)),
                              std::to_string(record.count(pipeline::ModelStatus::kSkipped)), std::to_string(rows),
                              format_timestamp_ms(record.started_ms).substr(0, 19),
                              record.finished_ms ? seconds(record.finished_ms - record.started_ms) : "-"});
      }
      if (records->empty()) {
        std::cout << "no runs yet\n";
      } else {
        std::cout << render_table(table);
      }
    }
    *exit_code = kExitOk;
  });
}

void register_recover(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("recover", "complete linked commits (rows and quarantined rows) a crashed run left "
                                            "half made");
  auto args = std::make_shared<ProjectArgs>();
  add_project_options(cmd, *args);
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto project = load_project_for_command(*args, context);
    if (!project) {
      *exit_code = report_error(project.error());
      return;
    }
    pipeline::Runner runner(**project, context.fs());
    auto completed = runner.recover();
    if (!completed) {
      *exit_code = report_error(completed.error());
      return;
    }
    std::cout << (*completed ? fmt::format("completed {} record{} of linked commits\n", *completed,
                                           *completed == 1 ? "" : "s")
                             : std::string("nothing to recover\n"));
    *exit_code = kExitOk;
  });
}

}  // namespace

void register_run_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  register_run(app, context, exit_code);
  register_backfill(app, context, exit_code);
  register_plan(app, context, exit_code);
  register_runs(app, context, exit_code);
  register_recover(app, context, exit_code);
}

}  // namespace silt::app
