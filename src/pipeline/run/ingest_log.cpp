#include "pipeline/run/ingest_log.h"

#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::pipeline {

using json = nlohmann::json;

IngestLog::IngestLog(storage::FileSystem& fs, const std::string& table_root)
    : fs_(fs), directory_(table_root + "/_silt/ingest") {}

std::string IngestLog::manifest_path(int64_t version) const { return fmt::format("{}/{:020}.json", directory_, version); }

Status IngestLog::write_manifest(int64_t version, bool reset, const std::vector<SourceFile>& files) {
  json out;
  out["version"] = version;
  out["reset"] = reset;
  out["files"] = json::array();
  for (const auto& file : files) {
    out["files"].push_back({{"source", file.source}, {"path", file.path}, {"size", file.size},
                            {"modified_ms", file.modified_ms}});
  }
  return fs_.write(manifest_path(version), out.dump() + "\n");
}

Result<std::set<SourceFile>> IngestLog::load(std::optional<int64_t> recorded_version) {
  std::set<SourceFile> files;
  if (!recorded_version) return files;
  SILT_TRY_ASSIGN(auto listed, fs_.list(directory_));
  std::map<int64_t, std::string> manifests;  // version -> path, committed ones only
  for (const auto& info : listed) {
    std::string name = info.path.substr(info.path.rfind('/') + 1);
    if (name.size() != 25 || name.substr(20) != ".json") continue;
    auto version = parse_int64(name.substr(0, 20));
    if (version && *version >= 1 && *version <= *recorded_version) manifests[*version] = info.path;
  }
  std::vector<json> parsed;
  for (auto it = manifests.rbegin(); it != manifests.rend(); ++it) {
    SILT_TRY_ASSIGN(auto text, fs_.read(it->second));
    json manifest = json::parse(text, nullptr, false);
    if (manifest.is_discarded() || !manifest.contains("files")) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("{}: damaged ingestion manifest; the table's record of ingested files is "
                                    "incomplete (a full refresh rebuilds it)",
                                    it->second));
    }
    parsed.push_back(std::move(manifest));
    if (parsed.back().value("reset", false)) break;  // older manifests were replaced by this one
  }
  try {
    for (const auto& manifest : parsed) {
      for (const auto& file : manifest["files"]) {
        files.insert(SourceFile{file.value("source", ""), file.at("path").get<std::string>(),
                                file.at("size").get<int64_t>(), file.at("modified_ms").get<int64_t>()});
      }
    }
  } catch (const json::exception& e) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: damaged ingestion manifest ({})", directory_, e.what()));
  }
  return files;
}

}  // namespace silt::pipeline
