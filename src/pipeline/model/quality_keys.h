// The quality keys of a mapping other than a model's configuration: a consolidation job of
// silt.yaml (pipeline/project/project_consolidations.cpp) holds `checks`, `on_failure` and
// `max_quarantine_pct` with the meaning they have for a model (docs/QUALITY.md).
#pragma once

#include <string>
#include <vector>

#include "base/diagnostic.h"
#include "pipeline/quality/quality.h"

namespace YAML {
class Node;
}

namespace silt::pipeline {

// The keys a job may hold: checks, on_failure, max_quarantine_pct.
const std::vector<std::string>& job_quality_keys();

// Reads those keys of `map` (its other keys are the caller's) into `quality`; every problem is
// appended to `diagnostics` with `file`, line and column.
void read_job_quality_keys(const YAML::Node& map, const std::string& file, std::vector<Diagnostic>* diagnostics,
                           QualityConfig& quality);

}  // namespace silt::pipeline
