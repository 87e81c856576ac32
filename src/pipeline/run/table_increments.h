// What an append model reading tables has not read yet: the data files each input table gained
// since the versions the model's last commit recorded (as streaming reads of Delta tables do).
// An input that removed or rewrote rows in between (delete, merge, overwrite) cannot be read as
// an increment: the caller refuses or rebuilds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/snapshot.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// The input versions (by qualified table name) that the newest commit of `model_name` to `target`
// recorded (commitInfo siltInputs); nullopt when no commit of the table names the model.
Result<std::optional<std::map<std::string, int64_t>>> recorded_inputs(storage::FileSystem& fs,
                                                                      const delta::Snapshot& target,
                                                                      const std::string& model_name);

struct TableIncrement {
  std::vector<size_t> files;  // indices into the input's snapshot files: those added after `since`
  // Non-empty when a commit after `since` removed data: "version 7 (MERGE) removed 2 files".
  std::string rewrite;
};

// The files `input` gained in the versions after `since` (up to its own version).
Result<TableIncrement> table_increment(storage::FileSystem& fs, const delta::Snapshot& input, int64_t since);

}  // namespace silt::pipeline
