#include "pipeline/run/pending_commits.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "obs/logger.h"

namespace silt::pipeline {

using json = nlohmann::json;

PendingStore::PendingStore(storage::FileSystem& fs, const std::string& storage_root)
    : fs_(fs), directory_(storage_root + "/_silt/pending") {}

std::string PendingStore::path(const PendingCommits& pending) const {
  return directory_ + "/" + pending.run_id + "__" + pending.model + ".json";
}

Status PendingStore::save(const PendingCommits& pending) {
  json out;
  out["run_id"] = pending.run_id;
  out["model"] = pending.model;
  out["commits"] = json::array();
  for (const auto& commit : pending.commits) {
    out["commits"].push_back({{"root", commit.root},
                              {"read_version", commit.read_version},
                              {"txn_id", commit.txn_id},
                              {"transaction", commit.transaction}});
  }
  return fs_.write(path(pending), out.dump() + "\n");
}

Status PendingStore::remove(const PendingCommits& pending) { return fs_.remove(path(pending)); }

Result<std::vector<PendingCommits>> PendingStore::list() {
  SILT_TRY_ASSIGN(auto files, fs_.list(directory_));
  std::vector<PendingCommits> out;
  for (const auto& file : files) {
    if (file.path.size() < 5 || file.path.compare(file.path.size() - 5, 5, ".json") != 0) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    json in = json::parse(text, nullptr, false);
    if (in.is_discarded() || !in.contains("commits")) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("{}: damaged record of pending commits; inspect it, complete the commits by hand "
                                    "or remove it",
                                    file.path));
    }
    PendingCommits pending;
    try {
      pending.run_id = in.at("run_id").get<std::string>();
      pending.model = in.at("model").get<std::string>();
      for (const auto& item : in.at("commits")) {
        engine::PreparedCommit commit;
        commit.root = item.at("root").get<std::string>();
        commit.read_version = item.at("read_version").get<int64_t>();
        commit.txn_id = item.at("txn_id").get<std::string>();
        commit.transaction = item.at("transaction").get<std::string>();
        pending.commits.push_back(std::move(commit));
      }
    } catch (const json::exception& e) {
      return make_error(ErrorCode::kCorruption, fmt::format("{}: damaged record of pending commits ({})", file.path,
                                                            e.what()));
    }
    out.push_back(std::move(pending));
  }
  return out;
}

Result<std::vector<int64_t>> PendingStore::complete(engine::TableOps& ops, const PendingCommits& pending) {
  std::vector<int64_t> versions;
  for (const auto& commit : pending.commits) {
    auto report = ops.commit_prepared(commit);
    if (!report) {
      return std::move(report).error().with_context(
          fmt::format("completing the commits of run {} for model '{}' ({})", pending.run_id, pending.model, path(pending)));
    }
    versions.push_back(report->version);
  }
  SILT_TRY(remove(pending));
  return versions;
}

void crash_point(const char* point) {
  const char* wanted = std::getenv("SILT_CRASH_AT");
  if (wanted && std::strcmp(wanted, point) == 0) {
    SILT_LOG_WARN("SILT_CRASH_AT={}: killing the process", point);
    ::kill(::getpid(), SIGKILL);
  }
}

}  // namespace silt::pipeline
