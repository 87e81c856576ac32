// The audit trail of flag changes made with `silt flags set`: one JSON record per change (who,
// when, why, the flag before and after) under <storage_root>/_silt/flag_audit/, named so that name
// order is time order. One object per change, so concurrent writers never overwrite each other.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct FlagAuditRecord {
  std::string id;       // the record's name: "<time>-<random>"
  int64_t at_ms = 0;
  std::string who;
  std::string why;
  std::string key;
  std::string file;     // the flag file changed, relative to the project
  std::string change;   // the command line's change: "--fallthrough v1"
  std::string before;   // the flag's section as JSON
  std::string after;
  int version_before = 0;
  int version_after = 0;
};

class FlagAudit {
 public:
  FlagAudit(storage::FileSystem& fs, const std::string& storage_root);
  Status append(FlagAuditRecord& record);  // sets record.id
  // Oldest first; only `key`'s when not empty.
  Result<std::vector<FlagAuditRecord>> list(const std::string& key = "");

 private:
  storage::FileSystem& fs_;
  std::string directory_;
};

}  // namespace silt::pipeline
