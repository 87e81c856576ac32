// Shadow runs of versioned models: every version computed on the same input snapshot into
// temporary tables, each compared with the baseline version by key, the report written beside the
// run record. Nothing is committed and the published table does not move.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "engine/row_diff.h"
#include "pipeline/run/model_executor.h"

namespace silt::pipeline {

Status ModelExecutor::execute_shadow(const Model& model, const std::string& baseline, ModelRun& out) {
  auto& connection = session_.connection();
  std::vector<std::string> key = model.config.diff_key.empty() ? model.config.unique_key : model.config.diff_key;
  if (key.empty()) {
    return make_error(ErrorCode::kConfig,
                      fmt::format("{}: a shadow run compares versions row by row and needs a key: set 'diff_key' "
                                  "(or 'unique_key')",
                                  model.file));
  }
  // The inputs once, as they are now, for every version.
  SILT_TRY_ASSIGN(auto inputs, load_inputs(model, nullptr));
  SILT_TRY(register_inputs(model, inputs, out));
  for (const auto& name : model.sources) {
    SILT_TRY_ASSIGN(const SourceConfig* source, find_source(name));
    auto files = list_source(*source);
    if (!files) return std::move(files).error().with_context(model.file);
    SILT_TRY(register_source_view(*source, *files, false));
  }
  const bool incremental = !context_.full_refresh && ops_.load(context_.project->version_location(model, baseline)).has_value();
  SILT_TRY(set_variables(model, incremental, model_window(model, context_.run_date, incremental)));

  auto table_of = [](size_t index) { return fmt::format("silt_shadow_{}", index); };
  size_t baseline_index = 0;
  for (size_t i = 0; i < model.versions.size(); ++i) {
    const ModelVersion& version = model.versions[i];
    if (version.name == baseline) baseline_index = i;
    Status computed = connection.execute(fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}", table_of(i), model_body(version.sql)));
    if (!computed.ok()) return Error(computed.code(), model_sql_error(model.as_version(version), computed.error()));
  }

  nlohmann::ordered_json report = {{"run_id", context_.run_id},
                                   {"model", model.name},
                                   {"table", model.qualified_name()},
                                   {"baseline", baseline},
                                   {"key", key},
                                   {"diffs", nlohmann::ordered_json::array()}};
  std::vector<std::string> summaries;
  for (size_t i = 0; i < model.versions.size(); ++i) {
    if (i == baseline_index) continue;
    engine::DiffOptions options;
    options.key = key;
    auto diff = engine::diff_relations(connection, table_of(baseline_index), table_of(i), options);
    if (!diff) return std::move(diff).error().with_context(fmt::format("{}: comparing {} with {}", model.file, baseline, model.versions[i].name));
    diff->left_name = baseline;
    diff->right_name = model.versions[i].name;
    out.shadow_versions.push_back(model.versions[i].name);
    summaries.push_back(format_row_diff(*diff));
    report["diffs"].push_back(nlohmann::ordered_json::parse(engine::row_diff_to_json(*diff)));
  }
  std::vector<std::string> drops;
  for (size_t i = 0; i < model.versions.size(); ++i) drops.push_back("DROP TABLE IF EXISTS " + table_of(i));
  (void)connection.execute_script(join(drops, "; "));

  out.diff_report = fmt::format("{}/{}.{}.diff.json", context_.diff_directory, context_.run_id, model.name);
  SILT_TRY(context_.fs->write(out.diff_report, report.dump(2) + "\n"));
  if (out.action.empty()) out.action = "shadow";
  std::string summary = join(summaries, "");
  while (!summary.empty() && summary.back() == '\n') summary.pop_back();
  out.message = out.message.empty() ? summary : out.message + "; shadow: " + summary;
  return Status();
}

}  // namespace silt::pipeline
