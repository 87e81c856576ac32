// Loads and validates a project's silt.yaml into a ProjectConfig. Reports every problem found (not just
// the first) as diagnostics sorted by file, line and column; never runs anything and never throws.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/project/project_config.h"

namespace silt::pipeline {

// Reads <project_dir>/silt.yaml. `environment` selects the environment whose overrides apply; when
// empty, SILT_ENV is used, then the project's `default_env`, else none. ${VAR} and ${VAR:-default} in
// string values are taken from the process environment; relative paths are resolved against the
// project directory. On any problem returns ErrorCode::kConfig ("silt.yaml: 3 problems") and, when
// `diagnostics` is not null, appends every problem to it (sorted). Thread-compatible: reads the
// process environment with getenv.
Result<ProjectConfig> load_project(const std::string& project_dir, const std::string& environment,
                                   std::vector<Diagnostic>* diagnostics);

}  // namespace silt::pipeline
