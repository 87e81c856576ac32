// The quality keys of a consolidation job, read by the model configuration's quality reader.
#include "pipeline/model/quality_keys.h"

#include "pipeline/model/yaml_internal.h"

namespace silt::pipeline {

const std::vector<std::string>& job_quality_keys() {
  static const std::vector<std::string> keys = {"checks", "on_failure", "max_quarantine_pct"};
  return keys;
}

void read_job_quality_keys(const YAML::Node& map, const std::string& file, std::vector<Diagnostic>* diagnostics,
                           QualityConfig& quality) {
  YamlReader parent(file, diagnostics);
  QualityKeysReader reader(parent);
  QualityPositions positions;
  for (const auto& entry : map) {
    if (!entry.first.IsScalar()) continue;  // the caller reports keys that are not names
    const std::string key = entry.first.Scalar();
    for (const auto& wanted : job_quality_keys()) {
      if (key == wanted) reader.read_key(key, entry.first, entry.second, quality, positions);
    }
  }
  reader.finish(quality);
}

}  // namespace silt::pipeline
