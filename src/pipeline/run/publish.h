// Publishing a version of a versioned model: the published table (what consumers read) repointed
// at the version's current data files by relative path, in one commit, copying nothing.
#pragma once

#include <map>
#include <string>

#include "base/status.h"
#include "engine/table_ops.h"
#include "pipeline/model/model.h"

namespace silt::pipeline {

struct PublishResult {
  engine::OperationReport report;  // of the published table's commit (skipped when already published)
  int64_t source_version = -1;     // the version table's version published
  int64_t files = 0;               // data files the published table now holds
};

// NotFound when the version has no table yet (it never ran: `silt run --context ...` first).
Result<PublishResult> publish_version(engine::TableOps& ops, const Project& project, const Model& model,
                                      const std::string& version, const std::map<std::string, std::string>& commit_info);

// The version the published table points at now ("" when it does not exist or was not published).
Result<std::string> published_version(engine::TableOps& ops, const Project& project, const Model& model);

}  // namespace silt::pipeline
