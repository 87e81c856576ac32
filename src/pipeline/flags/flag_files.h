// The project's flag files as a provider: flags/*.yml, *.yaml (silt's format) and *.json
// (LaunchDarkly's flag data) under the project directory, read through a FileSystem and read again
// when one of them changes.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "base/status.h"
#include "flags/flag.h"
#include "storage/file_system.h"

namespace silt::pipeline {

// One load of the flag files: the flags (malformed ones marked), every problem, the files read.
struct FlagFiles {
  flags::FlagSet flags;
  std::vector<Diagnostic> diagnostics;  // files named relative to the project ("flags/tbar.yml")
  std::vector<storage::FileInfo> files;
};

// Reads every flag file under `<project_dir>/flags` (sorted by name). No directory: no flags, no
// error. An unreadable file is an error.
Result<FlagFiles> load_flag_files(storage::FileSystem& fs, const std::string& project_dir);

class FlagFileProvider {
 public:
  FlagFileProvider(storage::FileSystem& fs, std::string project_dir) : fs_(fs), project_dir_(std::move(project_dir)) {}

  // The current flags, re-read when a file was added, removed or changed (size, modification time or
  // ETag) since the last load. When a reload fails the last good load stays (and `reload_error`, if
  // given, receives the failure to log); with no good load yet, the error.
  Result<std::shared_ptr<const FlagFiles>> current(std::optional<Error>* reload_error = nullptr);

 private:
  storage::FileSystem& fs_;
  std::string project_dir_;
  std::mutex mutex_;
  std::shared_ptr<const FlagFiles> loaded_;
};

}  // namespace silt::pipeline
