// Quality reports of one project storage root, one JSON file per checked data set under
// <storage_root>/_quality/<table>/<YYYYMMDDTHHMMSSmmmZ>-<run id or "check">.json. Files are written
// whole (atomic FileSystem::write) and never rewritten.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/quality/quality.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct QualityFilter {
  std::string table;   // qualified table name or model name; "" = every table
  std::string run_id;  // "" = every run; "check" = reports of `silt check`
  size_t limit = 0;    // at most this many reports (0 = all)
};

// Thread-safe as far as the FileSystem is (no state of its own).
class QualityStore {
 public:
  QualityStore(storage::FileSystem& fs, std::string storage_root);

  // Writes the report (checked_ms names the file: set it) and returns the file's path.
  Result<std::string> save(const QualityReport& report);
  // Reports matching the filter, newest first across tables (by checked time, then table name).
  // Unreadable reports are skipped with a warning.
  Result<std::vector<QualityReport>> list(const QualityFilter& filter = {});
  std::string directory() const { return directory_; }

  // "20251103T101500123Z-<run id>.json" ("check" for an empty run id).
  static std::string file_name(const QualityReport& report);

 private:
  storage::FileSystem& fs_;
  std::string directory_;
};

}  // namespace silt::pipeline
