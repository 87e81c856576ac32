// Storing and listing quality reports as JSON files under <storage_root>/_quality/<table>/.
#include "pipeline/quality/quality_store.h"

#include "base/redaction.h"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "obs/logger.h"

namespace silt::pipeline {
namespace {

constexpr size_t kStampLength = 19;  // "20251103T101500123Z"

// "2025-11-03 10:15:00.123" -> "20251103T101500123Z".
std::string compact_stamp(int64_t epoch_ms) {
  std::string compact;
  for (char c : format_timestamp_ms(epoch_ms).substr(0, 23)) {
    if (c == ' ') compact += 'T';
    else if (c != '-' && c != ':' && c != '.') compact += c;
  }
  return compact + "Z";
}

struct StoredFile {
  std::string path;
  std::string table;
  std::string stamp;
  std::string run_id;
};

}  // namespace

QualityStore::QualityStore(storage::FileSystem& fs, std::string storage_root)
    : fs_(fs), directory_(std::move(storage_root) + "/_quality") {}

std::string QualityStore::file_name(const QualityReport& report) {
  return fmt::format("{}-{}.json", compact_stamp(report.checked_ms), report.run_id.empty() ? "check" : report.run_id);
}

Result<std::string> QualityStore::save(const QualityReport& report) {
  if (report.table.empty() || report.table.find('/') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("cannot store a quality report for table '{}'", report.table));
  }
  std::string path = directory_ + "/" + report.table + "/" + file_name(report);
  SILT_TRY_CONTEXT(fs_.write(path, redact(quality_report_to_json(report))), "saving the quality report");
  return path;
}

Result<std::vector<QualityReport>> QualityStore::list(const QualityFilter& filter) {
  SILT_TRY_ASSIGN(auto files, fs_.list_recursive(directory_));
  bool by_table_directory = filter.table.find('.') != std::string::npos;
  std::vector<StoredFile> candidates;
  for (const auto& file : files) {
    if (file.path.size() <= directory_.size() + 1 || file.path.compare(0, directory_.size() + 1, directory_ + "/") != 0) {
      continue;
    }
    std::string relative = file.path.substr(directory_.size() + 1);
    size_t slash = relative.find('/');
    if (slash == std::string::npos || relative.find('/', slash + 1) != std::string::npos) continue;
    std::string name = relative.substr(slash + 1);
    // <stamp>-<run>.json
    if (name.size() < kStampLength + 7 || !ends_with(name, ".json") || name[kStampLength] != '-') continue;
    StoredFile stored{file.path, relative.substr(0, slash), name.substr(0, kStampLength),
                      name.substr(kStampLength + 1, name.size() - kStampLength - 6)};
    if (by_table_directory && to_lower(stored.table) != to_lower(filter.table)) continue;
    if (!filter.run_id.empty() && stored.run_id != filter.run_id) continue;
    candidates.push_back(std::move(stored));
  }
  std::sort(candidates.begin(), candidates.end(), [](const StoredFile& a, const StoredFile& b) {
    return std::tie(b.stamp, a.table, b.path) < std::tie(a.stamp, b.table, a.path);
  });
  std::vector<QualityReport> reports;
  for (const auto& candidate : candidates) {
    auto text = fs_.read(candidate.path);
    if (!text) continue;  // removed meanwhile
    auto report = quality_report_from_json(*text, candidate.path);
    if (!report) {
      SILT_LOG_WARN("skipping {}", report.error().message());
      continue;
    }
    if (!filter.table.empty() && !by_table_directory && to_lower(report->model) != to_lower(filter.table)) continue;
    reports.push_back(std::move(*report));
    if (filter.limit && reports.size() >= filter.limit) break;
  }
  return reports;
}

}  // namespace silt::pipeline
