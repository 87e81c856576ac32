// publish_version and published_version (see publish.h).
#include "pipeline/run/publish.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {

namespace {
constexpr const char* kPublishedVersionKey = "silt.published.version";
constexpr const char* kPublishedSourceKey = "silt.published.sourceVersion";
}  // namespace

Result<PublishResult> publish_version(engine::TableOps& ops, const Project& project, const Model& model,
                                      const std::string& version, const std::map<std::string, std::string>& commit_info) {
  if (!model.find_version(version)) {
    std::vector<std::string> names;
    for (const auto& known : model.versions) names.push_back(known.name);
    return make_error(ErrorCode::kInvalidArgument, fmt::format("model '{}' has no version '{}' (its versions: {})",
                                                               model.name, version, join(names, ", ")));
  }
  auto snapshot = ops.load(project.version_location(model, version));
  if (!snapshot) {
    if (snapshot.error().code() == ErrorCode::kNotFound) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("version {} of {} has no table yet: run it first (a flag serving {}, or "
                                    "`silt run --select {}` with a context the flag serves it to)",
                                    version, model.qualified_name(), version, model.name));
    }
    return std::move(snapshot).error();
  }
  engine::PublishOptions options;
  options.prefix = version_directory(version);
  options.configuration = {{kPublishedVersionKey, version},
                           {kPublishedSourceKey, std::to_string((*snapshot)->version())}};
  options.commit_info = commit_info;
  SILT_TRY_ASSIGN(auto report, ops.publish(project.table_location(model), **snapshot, options));
  PublishResult result;
  result.report = std::move(report);
  result.source_version = (*snapshot)->version();
  result.files = static_cast<int64_t>((*snapshot)->files().size());
  return result;
}

Result<std::string> published_version(engine::TableOps& ops, const Project& project, const Model& model) {
  auto snapshot = ops.load(project.table_location(model));
  if (!snapshot) {
    if (snapshot.error().code() == ErrorCode::kNotFound) return std::string();
    return std::move(snapshot).error();
  }
  return (*snapshot)->property(kPublishedVersionKey, "");
}

}  // namespace silt::pipeline
