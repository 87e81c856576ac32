// `silt dag`: prints a project's models in run order with what each reads, as text, Graphviz dot or
// JSON. Validates the project first (like `silt validate`) and runs nothing.
#include <CLI/CLI.hpp>

#include <iostream>
#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "base/strings.h"
#include "pipeline/model/model.h"

namespace silt::app {

namespace {

// What a model reads, by table name: models as schema.table, sources as source.<name>.
std::vector<std::string> inputs(const pipeline::Project& project, const pipeline::Model& model) {
  std::vector<std::string> out;
  for (const std::string& name : model.depends_on) {
    if (const pipeline::Model* dependency = project.find(name)) out.push_back(dependency->qualified_name());
  }
  for (const std::string& source : model.sources) out.push_back("source." + source);
  return out;
}

std::string dot_id(const std::string& name) { return "\"" + replace_all(name, "\"", "\\\"") + "\""; }

void print_text(const pipeline::Project& project, const std::vector<const pipeline::Model*>& models) {
  for (const pipeline::Model* model : models) {
    std::string line = fmt::format("{} ({}, {})", model->qualified_name(), model->name,
                                   pipeline::materialization_name(model->config.materialized));
    const std::vector<std::string> read = inputs(project, *model);
    if (!read.empty()) line += " <- " + join(read, ", ");
    std::cout << line << "\n";
  }
}

// Edges point the way data flows (input -> model); sources are drawn as cylinders.
void print_dot(const pipeline::Project& project, const std::vector<const pipeline::Model*>& models) {
  std::cout << "digraph silt {\n  rankdir=LR;\n  node [shape=box];\n";
  std::set<std::string> sources;
  for (const pipeline::Model* model : models) {
    for (const std::string& source : model->sources) sources.insert("source." + source);
  }
  for (const std::string& source : sources) std::cout << "  " << dot_id(source) << " [shape=cylinder];\n";
  for (const pipeline::Model* model : models) {
    std::cout << fmt::format("  {} [label=\"{}\\n{}\"];\n", dot_id(model->qualified_name()), model->qualified_name(),
                             pipeline::materialization_name(model->config.materialized));
  }
  // Inputs outside the selection are drawn, dashed, so every edge has both ends labelled.
  std::set<std::string> shown;
  for (const pipeline::Model* model : models) shown.insert(model->qualified_name());
  std::set<std::string> outside;
  for (const pipeline::Model* model : models) {
    for (const std::string& input : inputs(project, *model)) {
      if (!shown.count(input) && !sources.count(input)) outside.insert(input);
    }
  }
  for (const std::string& input : outside) std::cout << "  " << dot_id(input) << " [style=dashed];\n";
  for (const pipeline::Model* model : models) {
    for (const std::string& input : inputs(project, *model)) {
      std::cout << fmt::format("  {} -> {};\n", dot_id(input), dot_id(model->qualified_name()));
    }
  }
  std::cout << "}\n";
}

void print_json(const pipeline::Project& project, const std::vector<const pipeline::Model*>& models) {
  nlohmann::ordered_json out;
  out["project"] = project.config.redacted().name;
  out["environment"] = project.config.environment;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const pipeline::Model* model : models) {
    list.push_back({{"name", model->name},
                    {"table", model->qualified_name()},
                    {"materialized", pipeline::materialization_name(model->config.materialized)},
                    {"depends_on", model->depends_on},
                    {"sources", model->sources},
                    {"file", model->file}});
  }
  out["models"] = list;
  std::cout << out.dump(2) << "\n";
}

}  // namespace

void register_dag_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("dag", "print the models in run order with the tables and sources they read");
  struct Args {
    std::string project = ".";
    std::string environment;
    std::vector<std::string> select;
    std::string format = "text";
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("--project", args->project, "project directory holding silt.yaml (default: .)");
  cmd->add_option("--env", args->environment, "environment to apply (default: SILT_ENV, then default_env)");
  cmd->add_option("--select,-s", args->select,
                  "models to show: name or schema.table, '+' before for ancestors and after for descendants, "
                  "tag:<tag>, schema:<schema> (default: every enabled model)");
  cmd->add_option("--format", args->format, "text (default), dot (Graphviz) or json")
      ->check(CLI::IsMember({"text", "dot", "json"}));
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    std::vector<pipeline::Diagnostic> diagnostics;
    auto project = pipeline::load_full_project(args->project, args->environment, &diagnostics);
    if (!project) {
      if (diagnostics.empty()) {
        *exit_code = report_error(project.error());
        return;
      }
      for (const auto& diagnostic : diagnostics) std::cerr << format_diagnostic(diagnostic) << "\n";
      std::cerr << fmt::format("error: {} problem{} in {} (see silt validate)\n", diagnostics.size(),
                               diagnostics.size() == 1 ? "" : "s", args->project);
      *exit_code = kExitUsage;
      return;
    }
    auto selected = pipeline::select_models(*project, args->select);
    if (!selected) {
      *exit_code = report_error(selected.error());
      return;
    }
    std::vector<const pipeline::Model*> models;
    for (const pipeline::Model& model : project->models) {
      if (selected->count(model.name)) models.push_back(&model);
    }
    if (args->format == "json") {
      print_json(*project, models);
    } else if (args->format == "dot") {
      print_dot(*project, models);
    } else {
      print_text(*project, models);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace silt::app
