// What a run does to a model's table, decided once from its materialization: the one dispatch
// that `silt run` (materialize.cpp) and `silt plan` (runner.cpp) share.
#pragma once

#include "pipeline/model/model.h"

namespace silt::pipeline {

enum class ModelAction {
  kCreate,         // the table does not exist: build it from the model's rows
  kReplace,        // rebuild it (a table model, --full-refresh, an append model whose input rewrote rows)
  kAppend,         // append the rows (append models)
  kMerge,          // merge by unique_key (merge models)
  kReplaceWindow,  // replace the window's partitions of time_column (incremental without unique_key)
  kMergeWindow,    // merge the window's rows by unique_key (incremental with unique_key)
  kSnapshot,       // close changed current rows and add new versions (SCD2)
};

// "create", "replace", "append", "merge", "replace window", "merge window", "snapshot".
const char* model_action_name(ModelAction action);

// `rebuild`: build from scratch although the table exists (--full-refresh, or an append model
// over tables whose input rewrote rows).
ModelAction choose_action(const ModelConfig& config, bool table_exists, bool rebuild);

inline bool is_rebuild(ModelAction action) { return action == ModelAction::kCreate || action == ModelAction::kReplace; }

}  // namespace silt::pipeline
