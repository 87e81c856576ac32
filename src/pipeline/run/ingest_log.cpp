#include "pipeline/run/ingest_log.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::pipeline {

using json = nlohmann::json;

IngestLog::IngestLog(storage::FileSystem& fs, const std::string& table_root)
    : fs_(fs), directory_(table_root + "/_silt/ingest") {}

std::string IngestLog::manifest_path(int64_t version) const { return fmt::format("{}/{:020}.json", directory_, version); }

Result<int64_t> IngestLog::write_manifest(std::optional<int64_t> recorded_version, bool reset,
                                          const std::vector<SourceFile>& files) {
  json out;
  out["previous"] = recorded_version.value_or(0);
  out["reset"] = reset;
  out["files"] = json::array();
  for (const auto& file : files) {
    out["files"].push_back({{"source", file.source}, {"path", file.path}, {"size", file.size},
                            {"modified_ms", file.modified_ms}});
  }
  std::string text = out.dump() + "\n";
  // Above every number in use: the recorded version and any manifest on disk.
  int64_t version = recorded_version.value_or(0);
  SILT_TRY_ASSIGN(auto listed, fs_.list(directory_));
  for (const auto& info : listed) {
    std::string name = info.path.substr(info.path.rfind('/') + 1);
    if (name.size() != 25 || name.substr(20) != ".json") continue;
    if (auto number = parse_int64(name.substr(0, 20))) version = std::max(version, *number);
  }
  SILT_TRY(fs_.create_directories(directory_));
  for (int attempt = 0; attempt < 100; ++attempt) {
    ++version;
    Status created = fs_.put_if_absent(manifest_path(version), text);
    if (created.ok()) return version;
    if (created.code() != ErrorCode::kAlreadyExists) return created.error();
  }
  return make_error(ErrorCode::kConflict, fmt::format("{}: cannot create an ingestion manifest", directory_));
}

Result<std::set<SourceFile>> IngestLog::load(std::optional<int64_t> recorded_version) {
  std::set<SourceFile> files;
  int64_t version = recorded_version.value_or(0);
  int64_t steps = 0;
  while (version > 0) {
    std::string path = manifest_path(version);
    auto text = fs_.read(path);
    if (!text) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("{}: missing ingestion manifest {} recorded by the table; the record of ingested "
                                    "files is incomplete (a full refresh rebuilds it)",
                                    directory_, version));
    }
    json manifest = json::parse(*text, nullptr, false);
    if (manifest.is_discarded() || !manifest.contains("files") || !manifest.contains("previous")) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("{}: damaged ingestion manifest; the record of ingested files is incomplete (a full "
                                    "refresh rebuilds it)",
                                    path));
    }
    try {
      for (const auto& file : manifest["files"]) {
        files.insert(SourceFile{file.value("source", ""), file.at("path").get<std::string>(),
                                file.at("size").get<int64_t>(), file.at("modified_ms").get<int64_t>()});
      }
      int64_t previous = manifest["previous"].get<int64_t>();
      if (manifest.value("reset", false) || previous >= version || ++steps > 10'000'000) break;
      version = previous;
    } catch (const json::exception& e) {
      return make_error(ErrorCode::kCorruption, fmt::format("{}: damaged ingestion manifest ({})", path, e.what()));
    }
  }
  return files;
}

}  // namespace silt::pipeline
