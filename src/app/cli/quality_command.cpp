// `silt check` (a model's quality checks on its table as committed) and `silt quality` (the stored
// quality reports). Neither writes a table: `silt check` stores only its report.
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
#include "engine/table_ops.h"
#include "pipeline/quality/quality.h"
#include "pipeline/quality/model_quality.h"
#include "pipeline/quality/quality_store.h"
#include "pipeline/run/runner.h"

namespace silt::app {
namespace {

using json = nlohmann::ordered_json;

constexpr const char* kCheckedView = "silt_checked";

std::string version_text(int64_t version) { return version < 0 ? "-" : std::to_string(version); }

Result<const pipeline::Model*> find_model(const pipeline::Project& project, const std::string& name) {
  if (const pipeline::Model* model = project.find(name)) return model;
  std::vector<std::string> names;
  for (const auto& model : project.models) names.push_back(model.name);
  for (const auto& model : project.models) names.push_back(model.qualified_name());
  if (auto best = closest_name(name, names)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown model '{}' (did you mean '{}'?)", name, *best));
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("unknown model '{}' (name a model or a table such as silver.orders; `silt dag` lists "
                                "them)",
                                name));
}

// Rows of a snapshot: from the log's statistics when every file has them, else counted.
int count_status(const pipeline::QualityReport& report, pipeline::CheckStatus status) {
  int count = 0;
  for (const auto& result : report.results) count += result.status == status ? 1 : 0;
  return count;
}

engine::duckdb::TextResult results_table(const pipeline::QualityReport& report) {
  engine::duckdb::TextResult table;
  table.column_names = {"check", "severity", "status", "failing", "checked", "threshold", "message"};
  table.column_types = {"VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "VARCHAR", "VARCHAR"};
  for (const auto& result : report.results) {
    table.rows.push_back({result.name, std::string(pipeline::severity_name(result.severity)),
                          std::string(pipeline::check_status_name(result.status)),
                          std::to_string(result.failing), std::to_string(result.checked), result.threshold,
                          result.message});
  }
  return table;
}

// The results, then each failing check's full message and example rows.
void print_results(const pipeline::QualityReport& report) {
  std::cout << render_table(results_table(report));
  for (const auto& result : report.results) {
    if (result.status == pipeline::CheckStatus::kPass) continue;
    std::cout << fmt::format("\n{} {}: {}\n", pipeline::check_status_name(result.status), result.name, result.message);
    if (result.examples.empty()) continue;
    engine::duckdb::TextResult examples;
    examples.column_names = result.example_columns;
    examples.column_types.assign(result.example_columns.size(), "VARCHAR");
    examples.rows = result.examples;
    std::string label;
    if (pipeline::is_row_level(result.kind)) {
      label = fmt::format("examples ({} of {} failing rows)", result.examples.size(), result.failing);
    } else if (result.kind == pipeline::CheckKind::kSql) {
      label = fmt::format("rows the query returned ({} of {})", result.examples.size(), result.failing);
    } else {
      label = fmt::format("keys at fault ({} shown)", result.examples.size());
    }
    std::cout << label << ":\n" << render_table(examples);
  }
}

std::string report_heading(const pipeline::QualityReport& report) {
  return fmt::format("{} version {} ({} rows): {}, {} passed, {} warned, {} failed", report.table,
                     version_text(report.table_version), report.rows_checked, report.outcome,
                     count_status(report, pipeline::CheckStatus::kPass),
                     count_status(report, pipeline::CheckStatus::kWarn),
                     count_status(report, pipeline::CheckStatus::kFail));
}

struct CheckArgs {
  ProjectArgs project;
  std::string model;
  std::optional<int64_t> version;
  bool json = false;
};

// Runs the checks of one model on its table; returns the exit code.
Result<int> run_check(const CheckArgs& args, CommandContext& context) {
  SILT_TRY_ASSIGN(auto project, load_project_for_command(args.project, context));
  SILT_TRY_ASSIGN(const pipeline::Model* model, find_model(*project, args.model));
  const pipeline::QualityConfig& quality = model->config.quality;
  std::vector<pipeline::CheckSpec> checks = pipeline::model_checks(quality);
  if (checks.empty() && !quality.contract) {
    std::cout << fmt::format("model '{}' has no checks or contract (add `checks:` to its configuration in {})\n",
                             model->name, model->file);
    return kExitOk;
  }

  SILT_TRY_ASSIGN(auto session, engine::Session::open(pipeline::engine_session_options(project->config.engine)));
  engine::TableOps ops(*session, context.fs());
  delta::VersionSpec spec;
  spec.version = args.version;
  auto snapshot = ops.load(project->table_location(*model), spec);
  if (!snapshot) {
    if (snapshot.error().code() == ErrorCode::kNotFound && !args.version) {
      return make_error(ErrorCode::kNotFound, fmt::format("table {} of model '{}' does not exist yet (`silt run -s {}` "
                                                          "builds it)",
                                                          model->qualified_name(), model->name, model->name));
    }
    return std::move(snapshot).error().with_context(fmt::format("table {}", model->qualified_name()));
  }
  SILT_TRY(session->register_snapshot(kCheckedView, **snapshot));

  pipeline::CheckEnvironment environment;
  environment.relation = kCheckedView;
  int references = 0;
  environment.resolve_table = [&](const std::string& table) -> Result<std::string> {
    const pipeline::Model* target = project->find(table);
    if (target == nullptr) return make_error(ErrorCode::kNotFound, fmt::format("unknown model or table '{}'", table));
    auto latest = ops.load(project->table_location(*target));
    if (!latest) {
      if (latest.error().code() == ErrorCode::kNotFound) {
        return make_error(ErrorCode::kNotFound, fmt::format("table {} does not exist yet", target->qualified_name()));
      }
      return std::move(latest).error();
    }
    std::string view = fmt::format("silt_reference_{}", ++references);
    SILT_TRY(session->register_snapshot(view, **latest));
    return view;
  };
  int64_t version = (*snapshot)->version();
  if (version > 0) {
    delta::VersionSpec previous;
    previous.version = version - 1;
    SILT_TRY_ASSIGN(auto before, ops.load(project->table_location(*model), previous));
    SILT_TRY_ASSIGN(environment.previous_rows, pipeline::snapshot_row_count(*session, *before));
  }
  int64_t checked_ms = now_ms();
  environment.now_timestamp = format_timestamp_ms(checked_ms);

  SILT_TRY_ASSIGN(auto results, pipeline::evaluate_checks(session->connection(), checks, environment));

  Status contract_status =
      pipeline::check_relation_contract(session->connection(), quality, kCheckedView, model->file);

  pipeline::QualityReport report;
  report.table = model->qualified_name();
  report.model = model->name;
  report.table_version = version;
  report.outcome = pipeline::quality_verdict(results, !contract_status.ok()).outcome();
  if (results.empty()) {
    SILT_TRY_ASSIGN(report.rows_checked, pipeline::snapshot_row_count(*session, **snapshot));
  } else {
    report.rows_checked = results.front().checked;
  }
  report.checked_ms = checked_ms;
  report.results = std::move(results);
  pipeline::QualityStore store(context.fs(), project->config.storage_root);
  SILT_TRY(store.save(report));

  if (args.json) {
    std::cout << pipeline::quality_report_to_json(report);
  } else {
    std::cout << report_heading(report) << "\n";
    print_results(report);
  }
  if (!contract_status.ok()) std::cerr << "error: " << contract_status.message() << "\n";
  return report.outcome == "failed" ? kExitFailed : kExitOk;
}

void register_check(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("check", "run a model's quality checks on its table (latest or --version); writes "
                                          "only the quality report");
  auto args = std::make_shared<CheckArgs>();
  add_project_options(cmd, args->project);
  cmd->add_option("model", args->model, "model name or table (schema.table)")->required();
  cmd->add_option("--version", args->version, "check this version of the table (default: the latest)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "print the quality report as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto code = run_check(*args, context);
    *exit_code = code ? *code : report_error(code.error());
  });
}

void register_quality(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("quality", "stored quality reports, newest first (with --table or --run: each "
                                            "check's results)");
  struct Args {
    ProjectArgs project;
    std::string table;
    std::string run_id;
    size_t limit = 20;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  add_project_options(cmd, args->project);
  cmd->add_option("--table", args->table, "only this table (schema.table) or model");
  cmd->add_option("--run", args->run_id, "only the reports of this run id (`check` for those of `silt check`)");
  cmd->add_option("--limit", args->limit, "at most this many reports (default 20, 0 = all)");
  cmd->add_flag("--json", args->json, "print the reports as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto config = load_config_for_command(args->project, context);
    if (!config) {
      *exit_code = report_error(config.error());
      return;
    }
    pipeline::QualityStore store(context.fs(), config->storage_root);
    auto reports = store.list({args->table, args->run_id, args->limit});
    if (!reports) {
      *exit_code = report_error(reports.error());
      return;
    }
    *exit_code = kExitOk;
    if (args->json) {
      json out = json::array();
      for (const auto& report : *reports) out.push_back(json::parse(pipeline::quality_report_to_json(report)));
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (reports->empty()) {
      std::cout << (args->table.empty() && args->run_id.empty() ? "no quality reports yet\n"
                                                                : "no quality reports match\n");
      return;
    }
    if (!args->table.empty() || !args->run_id.empty()) {
      bool first = true;
      for (const auto& report : *reports) {
        std::cout << (first ? "" : "\n")
                  << fmt::format("{}  run {}  {}\n", report_heading(report),
                                 report.run_id.empty() ? "check" : report.run_id,
                                 format_timestamp_ms(report.checked_ms).substr(0, 19));
        print_results(report);
        first = false;
      }
      return;
    }
    engine::duckdb::TextResult table;
    table.column_names = {"table", "run", "version", "outcome", "pass", "warn", "fail", "checked_at"};
    table.column_types = {"VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "BIGINT", "VARCHAR"};
    for (const auto& report : *reports) {
      table.rows.push_back({report.table, report.run_id.empty() ? "check" : report.run_id,
                            version_text(report.table_version), report.outcome,
                            std::to_string(count_status(report, pipeline::CheckStatus::kPass)),
                            std::to_string(count_status(report, pipeline::CheckStatus::kWarn)),
                            std::to_string(count_status(report, pipeline::CheckStatus::kFail)),
                            format_timestamp_ms(report.checked_ms).substr(0, 19)});
    }
    std::cout << render_table(table);
  });
}

}  // namespace

void register_quality_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  register_check(app, context, exit_code);
  register_quality(app, context, exit_code);
}

}  // namespace silt::app
