// Listing of a table's _delta_log: commit files by version and complete checkpoints. Hidden and
// unknown files are ignored; multi-part checkpoints count only when every part is present.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/file_system.h"

namespace silt::delta {

struct CheckpointFiles {
  int64_t version = 0;
  std::vector<std::string> paths;  // one (classic) or all parts in order (multi-part)
};

struct LogListing {
  std::map<int64_t, storage::FileInfo> commits;   // version -> commit file
  std::map<int64_t, CheckpointFiles> checkpoints;  // complete checkpoints only

  bool empty() const { return commits.empty() && checkpoints.empty(); }
  int64_t latest_version() const;  // -1 when empty
};

std::string log_dir(const std::string& table_root);
std::string commit_file_path(const std::string& table_root, int64_t version);
std::string checkpoint_file_path(const std::string& table_root, int64_t version);
std::string last_checkpoint_path(const std::string& table_root);

// The log's commits and complete checkpoints; with `from_version` > 0, only those of that version
// and later (the files before it are not even listed: a store lists from a key on).
Result<LogListing> list_log(storage::FileSystem& fs, const std::string& table_root, int64_t from_version = 0);

}  // namespace silt::delta
