// Which landing files a job has consolidated: the IngestLog chain of a Delta output, or the
// markers of a plain output's completed executions.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "engine/table_ops.h"
#include "pipeline/consolidate/consolidation_internal.h"

namespace silt::pipeline::consolidate {

using nlohmann::ordered_json;

std::string LandingLedger::marker_directory() const { return job_.output.path + "/_silt/consolidate"; }

Result<std::optional<int64_t>> LandingLedger::recorded_version() {
  if (recorded_) return *recorded_;
  engine::TableOps ops(session_, fs_);
  auto snapshot = ops.load(job_.output.path);
  if (!snapshot) {
    if (snapshot.error().code() != ErrorCode::kNotFound) return std::move(snapshot).error();
    recorded_.emplace();
  } else {
    recorded_.emplace((*snapshot)->app_version(IngestLog::kAppId));
  }
  return *recorded_;
}

Result<std::set<SourceFile>> LandingLedger::consumed() {
  if (job_.output.format == OutputFormat::kDelta) {
    SILT_TRY_ASSIGN(auto recorded, recorded_version());
    return IngestLog(fs_, job_.output.path).load(recorded);
  }
  std::set<SourceFile> files;
  SILT_TRY_ASSIGN(auto markers, fs_.list(marker_directory()));
  for (const auto& marker : markers) {
    if (!ends_with(marker.path, ".json")) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(marker.path));
    try {
      const auto parsed = nlohmann::json::parse(text);
      for (const auto& item : parsed.at("files")) {
        files.insert({item.value("source", ""), item.at("path").get<std::string>(), item.at("size").get<int64_t>(),
                      item.at("modified_ms").get<int64_t>()});
      }
    } catch (const std::exception& error) {
      return make_error(ErrorCode::kCorruption, fmt::format("{}: not a consolidation marker ({})", marker.path, error.what()));
    }
  }
  return files;
}

Result<int64_t> LandingLedger::begin(const std::vector<SourceFile>& files) {
  if (job_.output.format == OutputFormat::kDelta) {
    SILT_TRY_ASSIGN(auto recorded, recorded_version());
    return IngestLog(fs_, job_.output.path).write_manifest(recorded, false, files);
  }
  SILT_TRY_ASSIGN(auto markers, fs_.list(marker_directory()));
  int64_t next = 1;
  for (const auto& marker : markers) {
    auto number = parse_int64(storage::base_name(marker.path).substr(0, 20));
    if (number) next = std::max(next, *number + 1);
  }
  return next;
}

Status LandingLedger::finish(int64_t number, const std::vector<SourceFile>& files) {
  if (job_.output.format == OutputFormat::kDelta) return Status::ok_status();
  ordered_json items = ordered_json::array();
  for (const auto& file : files) {
    items.push_back({{"source", file.source}, {"path", file.path}, {"size", file.size}, {"modified_ms", file.modified_ms}});
  }
  ordered_json marker = {{"number", number}, {"files", items}};
  return fs_.put_if_absent(fmt::format("{}/{:020}.json", marker_directory(), number), marker.dump());
}

Result<bool> LandingLedger::committed(int64_t number) {
  if (job_.output.format == OutputFormat::kDelta) {
    SILT_TRY_ASSIGN(auto recorded, recorded_version());
    return recorded && *recorded >= number;
  }
  return fs_.exists(fmt::format("{}/{:020}.json", marker_directory(), number));
}

}  // namespace silt::pipeline::consolidate
