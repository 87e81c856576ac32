// FlagAudit: JSON records in the storage (see flag_audit.h).
#include "pipeline/flags/flag_audit.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "obs/logger.h"
#include "pipeline/run/run_record.h"

namespace silt::pipeline {

using json = nlohmann::json;

FlagAudit::FlagAudit(storage::FileSystem& fs, const std::string& storage_root) : fs_(fs) {
  std::string root = storage_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  directory_ = root + "/_silt/flag_audit";
}

Status FlagAudit::append(FlagAuditRecord& record) {
  record.id = new_run_id(record.at_ms);
  json out = {{"id", record.id},
              {"at", format_timestamp_ms(record.at_ms)},
              {"who", record.who},
              {"why", record.why},
              {"key", record.key},
              {"file", record.file},
              {"change", record.change},
              {"version_before", record.version_before},
              {"version_after", record.version_after},
              {"before", json::parse(record.before, nullptr, false)},
              {"after", json::parse(record.after, nullptr, false)}};
  return fs_.put_if_absent(directory_ + "/" + record.id + ".json", out.dump(2) + "\n");
}

Result<std::vector<FlagAuditRecord>> FlagAudit::list(const std::string& key) {
  SILT_TRY_ASSIGN(auto files, fs_.list(directory_));
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::vector<FlagAuditRecord> out;
  for (const auto& file : files) {
    if (!ends_with(file.path, ".json")) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    json in = json::parse(text, nullptr, false);
    if (in.is_discarded() || !in.is_object()) {
      SILT_LOG_WARN("{}: not a flag audit record (invalid JSON); skipped", file.path);
      continue;
    }
    FlagAuditRecord record;
    record.id = in.value("id", "");
    record.at_ms = parse_timestamp_ms(in.value("at", "")).value_or(0);
    record.who = in.value("who", "");
    record.why = in.value("why", "");
    record.key = in.value("key", "");
    record.file = in.value("file", "");
    record.change = in.value("change", "");
    record.version_before = in.value("version_before", 0);
    record.version_after = in.value("version_after", 0);
    record.before = in.contains("before") ? in["before"].dump() : "null";
    record.after = in.contains("after") ? in["after"].dump() : "null";
    if (key.empty() || record.key == key) out.push_back(std::move(record));
  }
  return out;
}

}  // namespace silt::pipeline
