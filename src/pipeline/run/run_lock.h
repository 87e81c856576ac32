// One run of a project at a time: a lock file <storage>/_silt/locks/<name>.json made with
// put_if_absent (so exactly one of several runs starting together gets it), holding the run id,
// process id, host and start time, and removed when the run ends. A lock whose process is gone
// (same host, no such process) is taken over; one held on another host is reported, with the file
// to remove if that run is known to be dead. Runs with different lock names may run at once.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "storage/file_system.h"

namespace silt::pipeline {

class RunLock {
 public:
  // Takes the lock `name` for `run_id`; Conflict ("run X has been in progress since ...") when a
  // live run holds it.
  static Result<RunLock> acquire(storage::FileSystem& fs, const std::string& storage_root, const std::string& name,
                                 const std::string& run_id);
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&&) = delete;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();  // releases the lock if this run still holds it

  const std::string& path() const { return path_; }

 private:
  RunLock(storage::FileSystem& fs, std::string path, std::string content)
      : fs_(&fs), path_(std::move(path)), content_(std::move(content)) {}
  storage::FileSystem* fs_;
  std::string path_;
  std::string content_;  // what this run wrote; empty once moved from
};

}  // namespace silt::pipeline
