// Commits to several tables that must all happen (a model's rows and its quarantined rows): every
// commit is prepared (data files written) before the first one is made, and the prepared set is
// recorded under <storage>/_silt/pending/<run_id>__<model>.json. After a crash the record is
// completed (roll forward) by the next run or by `silt recover`: each commit is made unless it
// already is (commits carry their transaction id), so no table ever keeps its half without the
// other's.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "engine/table_ops.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct PendingCommits {
  std::string run_id;
  std::string model;
  std::vector<engine::PreparedCommit> commits;  // made in this order
};

class PendingStore {
 public:
  PendingStore(storage::FileSystem& fs, const std::string& storage_root);

  Status save(const PendingCommits& pending);
  Status remove(const PendingCommits& pending);
  // Every pending record, oldest first.
  Result<std::vector<PendingCommits>> list();
  // Makes every commit of `pending` (idempotently), then removes the record. Returns the version of
  // each commit, in order.
  Result<std::vector<int64_t>> complete(engine::TableOps& ops, const PendingCommits& pending);

 private:
  std::string path(const PendingCommits& pending) const;

  storage::FileSystem& fs_;
  std::string directory_;
};

// Test hook: when the environment variable SILT_CRASH_AT equals `point`, the process kills itself
// (SIGKILL) here, to test recovery from a crash at that exact point.
void crash_point(const char* point);

}  // namespace silt::pipeline
