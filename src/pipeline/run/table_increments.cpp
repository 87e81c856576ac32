// Increments of input tables for append models; see table_increments.h.
#include "pipeline/run/table_increments.h"

#include <set>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "delta/actions.h"

namespace silt::pipeline {

Result<std::optional<std::map<std::string, int64_t>>> recorded_inputs(storage::FileSystem& fs,
                                                                      const delta::Snapshot& target,
                                                                      const std::string& model_name) {
  // The model's commits are the table's newest ones; older commits (a manual write, a restore) are
  // looked through up to a bound.
  constexpr int64_t kLookBack = 200;
  for (int64_t version = target.version(); version >= 0 && version > target.version() - kLookBack; --version) {
    auto actions = delta::read_commit(fs, target.table_root(), version);
    if (!actions) {
      if (actions.error().code() == ErrorCode::kNotFound) break;  // cleaned up: older commits are gone
      return std::move(actions).error();
    }
    for (const auto& action : *actions) {
      const auto* info = std::get_if<delta::CommitInfo>(&action);
      if (!info) continue;
      auto parsed = nlohmann::json::parse(info->json, nullptr, false);
      if (!parsed.is_object() || parsed.value("siltModel", std::string()) != model_name) continue;
      std::map<std::string, int64_t> inputs;
      if (parsed.contains("siltInputs") && parsed["siltInputs"].is_object()) {
        for (const auto& [table, value] : parsed["siltInputs"].items()) {
          if (value.is_number_integer()) inputs[table] = value.get<int64_t>();
        }
      }
      return std::optional<std::map<std::string, int64_t>>(std::move(inputs));
    }
  }
  return std::optional<std::map<std::string, int64_t>>();
}

Result<TableIncrement> table_increment(storage::FileSystem& fs, const delta::Snapshot& input, int64_t since) {
  TableIncrement out;
  std::set<std::string> added;  // canonical paths added after `since`
  for (int64_t version = since + 1; version <= input.version(); ++version) {
    SILT_TRY_ASSIGN(auto actions, delta::read_commit(fs, input.table_root(), version));
    int64_t removed = 0;
    std::string operation = "?";
    for (const auto& action : actions) {
      if (const auto* add = std::get_if<delta::AddFile>(&action)) {
        if (add->data_change) added.insert(delta::canonical_path(add->path));
      } else if (const auto* remove = std::get_if<delta::RemoveFile>(&action)) {
        if (remove->data_change) ++removed;
      } else if (const auto* info = std::get_if<delta::CommitInfo>(&action)) {
        auto parsed = nlohmann::json::parse(info->json, nullptr, false);
        if (parsed.is_object()) operation = parsed.value("operation", std::string("?"));
      }
    }
    if (removed > 0 && out.rewrite.empty()) {
      out.rewrite = fmt::format("version {} ({}) removed {} file{}", version, operation, removed,
                                removed == 1 ? "" : "s");
    }
  }
  const auto& files = input.files();
  for (size_t i = 0; i < files.size(); ++i) {
    if (added.count(delta::canonical_path(files[i].path))) out.files.push_back(i);
  }
  return out;
}

}  // namespace silt::pipeline
