// Looking models up in a loaded Project and selecting them for run/plan/dag ("orders+", "+gold.x",
// "tag:daily", "schema:silver"). Works on the loaded graph only; reads no files.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/model.h"

namespace silt::pipeline {

const Model* Project::find(std::string_view name) const {
  for (const Model& model : models) {
    if (model.name == name || model.qualified_name() == name) return &model;
  }
  // Identifiers are case-insensitive in SQL; accept any case when it is unambiguous.
  const Model* found = nullptr;
  const std::string lower = to_lower(name);
  for (const Model& model : models) {
    if (to_lower(model.name) == lower || to_lower(model.qualified_name()) == lower) {
      if (found != nullptr && found != &model) return nullptr;
      found = &model;
    }
  }
  return found;
}

std::vector<std::string> Project::dependents(const std::string& name) const {
  std::vector<std::string> out;
  for (const Model& model : models) {
    if (std::find(model.depends_on.begin(), model.depends_on.end(), name) != model.depends_on.end()) {
      out.push_back(model.name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Project::table_location(const Model& model) const {
  std::string root = config.storage_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string location = root + "/" + model.schema + "/" + model.table;
  if (!model.version.empty()) location += "/" + version_directory(model.version);
  return location;
}

std::string Project::version_location(const Model& model, const std::string& version) const {
  Model base = model;
  base.version.clear();
  return table_location(base) + "/" + version_directory(version);
}

std::string Project::read_location(const Model& model, const std::string& version) const {
  if (!model.versioned() || model.config.published) return table_location(model);
  return version_location(model, version.empty() ? model.fallback_version() : version);
}

std::string version_directory(const std::string& version) { return "_versions/schema=" + version; }

const ModelVersion* Model::find_version(std::string_view wanted) const {
  for (const ModelVersion& version : versions) {
    if (version.name == wanted) return &version;
  }
  return nullptr;
}

const std::string& Model::fallback_version() const {
  static const std::string kNone;
  if (!config.default_version.empty()) return config.default_version;
  return versions.empty() ? kNone : versions.front().name;
}

Model Model::as_version(const ModelVersion& version) const {
  Model out = *this;
  out.file = version.file;
  out.path = version.path;
  out.sql = version.sql;
  out.references = version.references;
  out.depends_on = version.depends_on;
  out.sources = version.sources;
  out.catalog_tables = version.catalog_tables;
  out.versions.clear();
  out.version = version.name;
  return out;
}

namespace {

// Selectors may also be written together: "a+ tag:daily" or "a,b".
std::vector<std::string> split_selectors(const std::vector<std::string>& selectors) {
  std::vector<std::string> out;
  for (const std::string& selector : selectors) {
    std::string current;
    for (char c : selector) {
      if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
        if (!current.empty()) out.push_back(std::move(current));
        current.clear();
      } else {
        current += c;
      }
    }
    if (!current.empty()) out.push_back(std::move(current));
  }
  return out;
}

std::string listed(std::set<std::string> names) {
  return names.empty() ? std::string("none") : join(std::vector<std::string>(names.begin(), names.end()), ", ");
}

// The models one selector (without its '+' marks) names.
Result<std::vector<const Model*>> match(const Project& project, const std::string& selector) {
  std::vector<const Model*> matched;
  if (starts_with(selector, "schema:") || starts_with(selector, "tag:")) {
    const bool by_schema = starts_with(selector, "schema:");
    const std::string wanted = to_lower(selector.substr(selector.find(':') + 1));
    std::set<std::string> available;
    for (const Model& model : project.models) {
      if (by_schema) {
        available.insert(model.schema);
        if (to_lower(model.schema) == wanted) matched.push_back(&model);
      } else {
        for (const std::string& tag : model.config.tags) {
          available.insert(tag);
          if (to_lower(tag) == wanted) {
            matched.push_back(&model);
            break;
          }
        }
      }
    }
    if (matched.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("no model {} '{}' ({}: {})", by_schema ? "in schema" : "has tag",
                                    selector.substr(selector.find(':') + 1), by_schema ? "schemas" : "tags",
                                    listed(available)));
    }
    return matched;
  }
  const Model* model = project.find(selector);
  if (model == nullptr) {
    std::vector<std::string> names;
    for (const Model& candidate : project.models) names.push_back(candidate.name);
    for (const Model& candidate : project.models) names.push_back(candidate.qualified_name());
    if (auto best = closest_name(selector, names)) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("unknown model '{}' (did you mean '{}'?)", selector, *best));
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown model '{}' (name a model, a table such as silver.orders, "
                                  "tag:<tag> or schema:<schema>)",
                                  selector));
  }
  if (!model->config.enabled) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model '{}' is disabled (enabled: false in {})", model->name, model->file));
  }
  matched.push_back(model);
  return matched;
}

// Adds every model reachable from `name` through depends_on (upstream) or dependents to `out`.
void reachable(const Project& project, const std::string& name, bool upstream, std::set<std::string>& out) {
  std::vector<std::string> pending = {name};
  std::set<std::string> visited = {name};
  while (!pending.empty()) {
    const Model* model = project.find(pending.back());
    pending.pop_back();
    if (model == nullptr) continue;
    for (const std::string& next : upstream ? model->depends_on : project.dependents(model->name)) {
      if (!visited.insert(next).second) continue;
      out.insert(next);
      pending.push_back(next);
    }
  }
}

}  // namespace

Result<std::set<std::string>> select_models(const Project& project, const std::vector<std::string>& selectors) {
  std::set<std::string> selected;
  const std::vector<std::string> parts = split_selectors(selectors);
  if (parts.empty()) {
    for (const Model& model : project.models) {
      if (model.config.enabled) selected.insert(model.name);
    }
    return selected;
  }

  for (const std::string& part : parts) {
    const bool ancestors = part.front() == '+';
    const bool descendants = part.size() > 1 && part.back() == '+';
    const std::string core = part.substr(ancestors ? 1 : 0, part.size() - (ancestors ? 1 : 0) - (descendants ? 1 : 0));
    if (core.empty()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("empty model selector '{}'", part));
    }
    SILT_TRY_ASSIGN(auto matched, match(project, core));
    for (const Model* model : matched) {
      selected.insert(model->name);
      if (ancestors) reachable(project, model->name, /*upstream=*/true, selected);
      if (descendants) reachable(project, model->name, /*upstream=*/false, selected);
    }
  }
  // Disabled models reached through '+' or a tag are left out: they do not run.
  for (const Model& model : project.models) {
    if (!model.config.enabled) selected.erase(model.name);
  }
  return selected;
}

}  // namespace silt::pipeline
