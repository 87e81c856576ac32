#include "pipeline/consolidate/consolidation_record.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::pipeline {

using nlohmann::ordered_json;

std::string execution_to_json(const ConsolidationExecution& e) {
  ordered_json j;
  j["job"] = e.job;
  j["execution_id"] = e.execution_id;
  j["status"] = e.status;
  if (!e.error.empty()) j["error"] = e.error;
  if (e.recovered) j["recovered"] = true;
  j["execution_time"] = e.execution_time;
  j["started_at"] = e.started_at;
  j["completed_at"] = e.completed_at;
  j["execution_sequence"] = e.execution_sequence;
  j["total_executions"] = e.total_executions;
  j["output_path"] = e.output_path;
  j["output_format"] = e.output_format;
  j["files_in"] = e.files_in;
  j["bytes_in"] = e.bytes_in;
  j["records_processed"] = e.records_processed;
  j["duplicates_removed"] = e.duplicates_removed;
  j["records_written"] = e.records_written;
  j["records_stale"] = e.records_stale;
  j["output_files"] = e.output_files;
  j["bytes_out"] = e.bytes_out;
  j["files_rewritten"] = e.files_rewritten;
  j["duration_ms"] = e.duration_ms;
  if (e.table_version >= 0) j["table_version"] = e.table_version;
  if (e.ledger_number >= 0) j["ledger_number"] = e.ledger_number;
  ordered_json partitions = ordered_json::array();
  for (const auto& p : e.partitions) {
    partitions.push_back({{"date", p.date}, {"path", p.path}, {"records_processed", p.records_processed},
                          {"duplicates_removed", p.duplicates_removed}, {"records_written", p.records_written},
                          {"records_stale", p.records_stale}, {"records_quarantined", p.records_quarantined},
                          {"output_files", p.output_files}, {"bytes_out", p.bytes_out}});
  }
  j["partitions"] = partitions;
  ordered_json quarantined = ordered_json::array();
  for (const auto& q : e.quarantined) quarantined.push_back({{"path", q.path}, {"reason", q.reason}});
  j["quarantined"] = quarantined;
  if (!e.quality.empty()) {
    j["quality"] = e.quality;
    ordered_json checks = ordered_json::array();
    for (const auto& c : e.checks) {
      ordered_json check = {{"name", c.name}, {"severity", c.severity}, {"status", c.status}, {"failing", c.failing},
                            {"checked", c.checked}};
      if (!c.message.empty()) check["message"] = c.message;
      checks.push_back(std::move(check));
    }
    j["checks"] = checks;
    j["records_quarantined"] = e.records_quarantined;
  }
  if (!e.quarantine_table.empty()) j["quarantine_table"] = e.quarantine_table;
  if (e.quarantine_version >= 0) j["quarantine_version"] = e.quarantine_version;
  if (e.quarantine_commit) {
    const auto& c = *e.quarantine_commit;
    j["quarantine_commit"] = {{"root", c.root}, {"read_version", c.read_version}, {"txn_id", c.txn_id},
                              {"transaction", c.transaction}};
  }
  if (!e.retention_deleted.empty()) j["retention_deleted"] = e.retention_deleted;
  if (!e.landing_files.empty()) j["landing_files"] = e.landing_files;
  return j.dump(2);
}

Result<ConsolidationExecution> execution_from_json(const std::string& text, const std::string& origin) {
  try {
    const auto j = nlohmann::json::parse(text);
    ConsolidationExecution e;
    e.job = j.at("job").get<std::string>();
    e.execution_id = j.at("execution_id").get<std::string>();
    e.status = j.at("status").get<std::string>();
    e.error = j.value("error", "");
    e.recovered = j.value("recovered", false);
    e.execution_time = j.value("execution_time", "");
    e.started_at = j.value("started_at", "");
    e.completed_at = j.value("completed_at", "");
    e.execution_sequence = j.value("execution_sequence", 0);
    e.total_executions = j.value("total_executions", 0);
    e.output_path = j.value("output_path", "");
    e.output_format = j.value("output_format", "");
    e.files_in = j.value("files_in", int64_t{0});
    e.bytes_in = j.value("bytes_in", int64_t{0});
    e.records_processed = j.value("records_processed", int64_t{0});
    e.duplicates_removed = j.value("duplicates_removed", int64_t{0});
    e.records_written = j.value("records_written", int64_t{0});
    e.records_stale = j.value("records_stale", int64_t{0});
    e.output_files = j.value("output_files", int64_t{0});
    e.bytes_out = j.value("bytes_out", int64_t{0});
    e.files_rewritten = j.value("files_rewritten", int64_t{0});
    e.duration_ms = j.value("duration_ms", int64_t{0});
    e.table_version = j.value("table_version", int64_t{-1});
    e.ledger_number = j.value("ledger_number", int64_t{-1});
    for (const auto& p : j.value("partitions", nlohmann::json::array())) {
      PartitionResult r;
      r.date = p.value("date", "");
      r.path = p.value("path", "");
      r.records_processed = p.value("records_processed", int64_t{0});
      r.duplicates_removed = p.value("duplicates_removed", int64_t{0});
      r.records_written = p.value("records_written", int64_t{0});
      r.records_stale = p.value("records_stale", int64_t{0});
      r.records_quarantined = p.value("records_quarantined", int64_t{0});
      r.output_files = p.value("output_files", int64_t{0});
      r.bytes_out = p.value("bytes_out", int64_t{0});
      e.partitions.push_back(std::move(r));
    }
    for (const auto& q : j.value("quarantined", nlohmann::json::array())) {
      e.quarantined.push_back({q.value("path", ""), q.value("reason", "")});
    }
    e.quality = j.value("quality", "");
    for (const auto& c : j.value("checks", nlohmann::json::array())) {
      e.checks.push_back({c.value("name", ""), c.value("severity", ""), c.value("status", ""),
                          c.value("failing", int64_t{0}), c.value("checked", int64_t{0}), c.value("message", "")});
    }
    e.records_quarantined = j.value("records_quarantined", int64_t{0});
    e.quarantine_table = j.value("quarantine_table", "");
    e.quarantine_version = j.value("quarantine_version", int64_t{-1});
    if (j.contains("quarantine_commit")) {
      const auto& c = j.at("quarantine_commit");
      engine::PreparedCommit commit;
      commit.root = c.at("root").get<std::string>();
      commit.read_version = c.at("read_version").get<int64_t>();
      commit.txn_id = c.at("txn_id").get<std::string>();
      commit.transaction = c.at("transaction").get<std::string>();
      e.quarantine_commit = std::move(commit);
    }
    e.retention_deleted = j.value("retention_deleted", std::vector<std::string>{});
    e.landing_files = j.value("landing_files", std::vector<std::string>{});
    return e;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not a consolidation record ({})", origin, error.what()));
  }
}

ConsolidationHistory::ConsolidationHistory(storage::FileSystem& fs, const std::string& storage_root)
    : fs_(fs), root_(storage::join_path(storage_root, "_silt/consolidations")) {}

std::string ConsolidationHistory::job_directory(const std::string& job) const { return storage::join_path(root_, job); }

Status ConsolidationHistory::save(const ConsolidationExecution& execution) {
  return fs_.write(storage::join_path(job_directory(execution.job), execution.execution_id + ".json"),
                   execution_to_json(execution));
}

Result<std::vector<ConsolidationExecution>> ConsolidationHistory::list(const std::string& job) {
  SILT_TRY_ASSIGN(auto files, fs_.list_recursive(job.empty() ? root_ : job_directory(job)));
  std::vector<ConsolidationExecution> out;
  for (const auto& file : files) {
    const std::string name = storage::base_name(file.path);
    if (name == "pending.json" || !ends_with(name, ".json")) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    SILT_TRY_ASSIGN(auto execution, execution_from_json(text, file.path));
    out.push_back(std::move(execution));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.started_at, a.execution_id) > std::tie(b.started_at, b.execution_id);
  });
  return out;
}

Result<std::optional<ConsolidationExecution>> ConsolidationHistory::pending(const std::string& job) {
  const std::string path = storage::join_path(job_directory(job), "pending.json");
  auto text = fs_.read(path);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) return std::optional<ConsolidationExecution>();
    return std::move(text).error();
  }
  SILT_TRY_ASSIGN(auto execution, execution_from_json(*text, path));
  return std::optional<ConsolidationExecution>(std::move(execution));
}

Status ConsolidationHistory::set_pending(const ConsolidationExecution& execution) {
  return fs_.write(storage::join_path(job_directory(execution.job), "pending.json"), execution_to_json(execution));
}

Status ConsolidationHistory::clear_pending(const std::string& job) {
  return fs_.remove(storage::join_path(job_directory(job), "pending.json"));
}

}  // namespace silt::pipeline
