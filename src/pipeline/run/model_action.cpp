// The choice of a model's action; see model_action.h.
#include "pipeline/run/model_action.h"

namespace silt::pipeline {

const char* model_action_name(ModelAction action) {
  switch (action) {
    case ModelAction::kCreate: return "create";
    case ModelAction::kReplace: return "replace";
    case ModelAction::kAppend: return "append";
    case ModelAction::kMerge: return "merge";
    case ModelAction::kReplaceWindow: return "replace window";
    case ModelAction::kMergeWindow: return "merge window";
    case ModelAction::kSnapshot: return "snapshot";
  }
  return "?";
}

ModelAction choose_action(const ModelConfig& config, bool table_exists, bool rebuild) {
  if (!table_exists) return ModelAction::kCreate;
  if (rebuild) return ModelAction::kReplace;
  switch (config.materialized) {
    case Materialization::kTable: return ModelAction::kReplace;
    case Materialization::kAppend: return ModelAction::kAppend;
    case Materialization::kMerge: return ModelAction::kMerge;
    case Materialization::kIncremental:
      return config.unique_key.empty() ? ModelAction::kReplaceWindow : ModelAction::kMergeWindow;
    case Materialization::kSnapshot: return ModelAction::kSnapshot;
  }
  return ModelAction::kReplace;
}

}  // namespace silt::pipeline
