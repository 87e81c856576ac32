// An execution's flow: lock, recovery of a crashed predecessor, the new landing files, the SQL
// steps (consolidation_write.cpp), the commit, the history, the events and the retention.
#include "pipeline/consolidate/consolidator.h"

#include <date/tz.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "engine/table_ops.h"
#include "obs/logger.h"
#include "obs/metrics.h"
#include "pipeline/catalog/catalog.h"
#include "pipeline/catalog/catalog_views.h"
#include "pipeline/consolidate/consolidation_internal.h"
#include "pipeline/events/event_outbox.h"
#include "pipeline/run/run_lock.h"

namespace silt::pipeline {
namespace {

using consolidate::LandingLedger;
using consolidate::Writer;
using nlohmann::ordered_json;

// The start's local time in the job's zone: its text, and which of the day's executions it is.
void set_local_time(const ConsolidationConfig& job, int64_t now, ConsolidationExecution& record) {
  const auto instant = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now));
  int minutes = 0;
  try {
    const auto zoned = date::make_zoned(job.partition_by.timezone, std::chrono::floor<std::chrono::seconds>(instant));
    const auto local = zoned.get_local_time();
    const auto day = date::floor<date::days>(local);
    const auto since_midnight = std::chrono::duration_cast<std::chrono::minutes>(local - day);
    minutes = static_cast<int>(since_midnight.count());
    record.execution_time = date::format("%Y-%m-%dT%H:%M:%S", local);
  } catch (const std::exception&) {
    record.execution_time = format_rfc3339_ms(now).substr(0, 19);
  }
  record.total_executions = job.executions_per_day;
  record.execution_sequence = minutes * job.executions_per_day / 1440 + 1;
}

std::string new_execution_id(const std::string& job, int64_t now) {
  std::string stamp = format_rfc3339_ms(now).substr(0, 19);
  std::string compact;
  for (char c : stamp) {
    if (c != '-' && c != ':') compact += c;
  }
  std::random_device device;
  return fmt::format("{}-{}Z-{:04x}", job, compact, device() & 0xffff);
}

void crash_point(const ConsolidateOptions& options, const char* point) {
  std::string wanted = options.crash_at;
  if (wanted.empty()) {
    const char* from_env = std::getenv("SILT_CRASH_AT");
    if (from_env != nullptr) wanted = from_env;
  }
  if (wanted == point) _exit(137);
}

std::vector<SourceFile> source_files(const std::vector<LandingFile>& files, const std::vector<QuarantinedFile>& bad,
                                     const std::vector<LandingFile>& all) {
  std::vector<SourceFile> out;
  for (const auto& file : files) out.push_back({consolidate::kLandingSource, file.path, file.size, file.modified_ms});
  for (const auto& q : bad) {
    for (const auto& file : all) {
      if (file.path == q.path) out.push_back({consolidate::kQuarantinedSource, file.path, file.size, file.modified_ms});
    }
  }
  return out;
}

// Landing files old enough to go, whose every record is consolidated: on the ledger as consumed
// (quarantined files stay).
std::vector<LandingFile> retention_candidates(const ConsolidationConfig& job, const std::vector<LandingFile>& landing,
                                              const std::set<SourceFile>& consumed, int64_t now) {
  std::vector<LandingFile> out;
  if (!job.retention_landing_days) return out;
  const int64_t cutoff = now - static_cast<int64_t>(*job.retention_landing_days) * 86400000LL;
  for (const auto& file : landing) {
    if (file.modified_ms >= cutoff) continue;
    auto it = consumed.find(SourceFile{"", file.path, file.size, file.modified_ms});
    if (it != consumed.end() && it->source != consolidate::kQuarantinedSource) out.push_back(file);
  }
  return out;
}

// One per partition of an execution (a failure's: the execution id), stable across deliveries.
std::string event_id(const ConsolidationExecution& execution, const PartitionResult* partition) {
  return execution.execution_id + (partition ? "." + partition->date : "");
}

// Stores the execution's events (one per partition; one without a partition for a failure) in
// the outbox and, when asked, delivers every pending event of the job.
Status announce(storage::FileSystem& fs, const std::string& storage_root, const ConsolidationConfig& job,
                const ConsolidationExecution& record, bool deliver, std::vector<std::string>* errors) {
  if (job.events.empty()) return Status::ok_status();
  EventOutbox outbox(fs, storage_root);
  auto enqueue = [&](const PartitionResult* partition) -> Status {
    OutboxEvent event;
    event.id = event_id(record, partition);
    event.job = job.name;
    event.key = job.name + "|" + (partition ? partition->date : "");
    event.created_at = format_rfc3339_ms(now_ms());
    event.payload = consolidation_event_json(record, partition);
    return outbox.enqueue(std::move(event), job.events);
  };
  if (record.status == "completed") {
    for (const auto& partition : record.partitions) SILT_TRY(enqueue(&partition));
  } else if (record.status == "failed") {
    SILT_TRY(enqueue(nullptr));
  }
  if (!deliver) return Status::ok_status();
  SILT_TRY_ASSIGN(auto report, outbox.deliver(job.name, job.events));
  if (errors != nullptr) *errors = report.errors;
  return Status::ok_status();
}

}  // namespace

std::string consolidation_event_json(const ConsolidationExecution& execution, const PartitionResult* partition) {
  const bool ok = execution.status == "completed";
  ordered_json j;
  j["event_type"] = ok ? "consolidation_completed" : "consolidation_failed";
  j["event_id"] = event_id(execution, partition);
  j["partition_date"] = partition ? partition->date : (execution.partitions.empty() ? "" : execution.partitions.front().date);
  j["execution_sequence"] = execution.execution_sequence;
  j["total_executions"] = execution.total_executions;
  j["records_processed"] = partition ? partition->records_processed : execution.records_processed;
  j["duplicates_removed"] = partition ? partition->duplicates_removed : execution.duplicates_removed;
  j["output_files"] = partition ? partition->output_files : execution.output_files;
  j["output_format"] = execution.output_format;
  j["output_path"] = partition ? partition->path : execution.output_path;
  j["execution_time"] = execution.execution_time;
  j["completed_at"] = execution.completed_at;
  j["job_name"] = execution.job;
  if (!ok) j["error"] = execution.error;
  return j.dump();
}

void Consolidator::register_in_catalog(const ConsolidationConfig& job) {
  if (job.output.format != OutputFormat::kDelta) return;
  auto snapshot = delta::Snapshot::load(fs_, session_.parquet_io(), job.output.path);
  Status status = snapshot ? Catalog(fs_, storage_root_).register_delta(job.name, **snapshot, "consolidation " + job.name)
                           : Status(std::move(snapshot).error());
  if (!status.ok()) SILT_LOG_WARN("catalog: consolidation '{}' is not registered: {}", job.name, status.message());
}

Status Consolidator::commit_quarantine(const ConsolidationConfig& job, ConsolidationExecution& record) {
  auto committed = engine::TableOps(session_, fs_).commit_prepared(*record.quarantine_commit);
  if (!committed) {
    return std::move(committed).error().with_context(fmt::format(
        "consolidation '{}': its output is committed, its quarantined records are not yet (the next execution commits "
        "them)", job.name));
  }
  record.quarantine_version = committed->version;
  record.quarantine_commit.reset();
  auto snapshot = delta::Snapshot::load(fs_, session_.parquet_io(), consolidate::quarantine_location(job));
  Status status = snapshot ? Catalog(fs_, storage_root_).register_delta(job.name + "__quarantine", **snapshot,
                                                                         "consolidation " + job.name)
                           : Status(std::move(snapshot).error());
  if (!status.ok()) SILT_LOG_WARN("catalog: the quarantine of '{}' is not registered: {}", job.name, status.message());
  return Status::ok_status();
}

Result<CheckEnvironment> Consolidator::check_environment(const ConsolidationConfig& job, int64_t now) {
  CheckEnvironment environment;
  environment.now_timestamp = format_rfc3339_ms(now).substr(0, 23);
  environment.now_timestamp[10] = ' ';
  // row_count's max_change_pct compares with the records of the job's previous execution.
  SILT_TRY_ASSIGN(auto executions, ConsolidationHistory(fs_, storage_root_).list(job.name));
  for (const auto& execution : executions) {
    if (execution.status == "completed" && execution.records_processed > 0) {
      environment.previous_rows = execution.records_written + execution.records_quarantined;
      break;
    }
  }
  // relationships look values up in the catalog's tables.
  environment.resolve_table = [this](const std::string& table) -> Result<std::string> {
    Catalog catalog(fs_, storage_root_);
    const std::string name = to_lower(table);
    SILT_TRY(register_catalog_tables(session_, fs_, catalog, {name}));
    return "catalog." + sql_identifier(name);
  };
  return environment;
}

Result<std::optional<ConsolidationExecution>> Consolidator::recover(const ConsolidationConfig& job) {
  ConsolidationHistory history(fs_, storage_root_);
  SILT_TRY_ASSIGN(auto pending, history.pending(job.name));
  if (!pending) return std::optional<ConsolidationExecution>();
  ConsolidationExecution record = std::move(*pending);
  LandingLedger ledger(session_, fs_, job);
  bool committed = false;
  if (record.ledger_number >= 0) {
    SILT_TRY_ASSIGN(committed, ledger.committed(record.ledger_number));
  }
  record.recovered = true;
  record.completed_at = format_rfc3339_ms(now_ms());
  if (committed && record.quarantine_commit) SILT_TRY(commit_quarantine(job, record));
  record.quarantine_commit.reset();
  if (committed) {
    record.status = "completed";
    SILT_LOG_WARN("consolidation '{}': execution {} was interrupted after its commit; its history and events are "
                  "completed now", job.name, record.execution_id);
  } else {
    record.status = "interrupted";
    record.error = "the execution stopped before its commit; its landing files are read again by the next execution";
    record.partitions.clear();
  }
  SILT_TRY(history.save(record));
  if (committed) register_in_catalog(job);
  if (committed) SILT_TRY(announce(fs_, storage_root_, job, record, false, nullptr));
  SILT_TRY(history.clear_pending(job.name));
  return std::optional<ConsolidationExecution>(std::move(record));
}

Result<ConsolidationExecution> Consolidator::execute(const ConsolidationConfig& job, const ConsolidateOptions& options) {
  const int64_t now = options.now_ms > 0 ? options.now_ms : now_ms();
  const int64_t started = monotonic_ns();
  ConsolidationExecution record;
  record.job = job.name;
  record.execution_id = options.execution_id.empty() ? new_execution_id(job.name, now) : options.execution_id;
  record.started_at = format_rfc3339_ms(now);
  record.output_path = job.output.path;
  record.output_format = output_format_name(job.output.format);
  set_local_time(job, now, record);
  if (options.date && !is_iso_date(*options.date)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--date '{}' is not a date (use YYYY-MM-DD, such as 2025-11-03)", *options.date));
  }

  std::optional<RunLock> lock;
  if (!options.dry_run) {
    SILT_TRY_ASSIGN(auto taken, RunLock::acquire(fs_, storage_root_, "consolidate-" + job.name, record.execution_id));
    lock.emplace(std::move(taken));
    SILT_TRY(recover(job).status());
  }
  ConsolidationHistory history(fs_, storage_root_);
  LandingLedger ledger(session_, fs_, job);
  Writer writer(session_, fs_, job, record.execution_id);

  auto finish = [&](Status status) -> Result<ConsolidationExecution> {
    writer.drop_temporaries();
    record.duration_ms = (monotonic_ns() - started) / 1000000;
    record.completed_at = format_rfc3339_ms(now_ms());
    if (!status.ok()) {
      record.status = "failed";
      record.error = status.error().message();
      obs::counter_add(fmt::format("silt.consolidation.failed{{job={}}}", job.name));
    }
    if (options.dry_run) return record;
    SILT_TRY(history.save(record));
    if (record.status == "completed") crash_point(options, "before_event");
    std::vector<std::string> errors;
    Status announced = announce(fs_, storage_root_, job, record, options.deliver_events, &errors);
    if (!announced.ok()) SILT_LOG_WARN("consolidation '{}': events not stored: {}", job.name, announced.error().message());
    (void)history.clear_pending(job.name);
    if (!status.ok()) return status.error();
    return record;
  };

  int64_t ignored = 0;
  SILT_TRY_ASSIGN(auto landing, list_landing(fs_, job.input, options.date, &ignored));
  SILT_TRY_ASSIGN(auto consumed, ledger.consumed());
  std::vector<LandingFile> fresh;
  for (const auto& file : landing) {
    if (!consumed.count(SourceFile{"", file.path, file.size, file.modified_ms})) fresh.push_back(file);
  }
  const auto expired = retention_candidates(job, landing, consumed, now);
  for (const auto& file : fresh) {
    record.files_in += 1;
    record.bytes_in += file.size;
  }
  if (options.dry_run) {
    record.status = "planned";
    for (const auto& file : fresh) record.landing_files.push_back(file.path);
    for (const auto& file : expired) record.retention_deleted.push_back(file.path);
    return finish(Status::ok_status());
  }

  // Retention of what earlier executions consolidated.
  auto apply_retention = [&]() {
    if (expired.empty()) return;
    std::vector<std::string> paths;
    for (const auto& file : expired) paths.push_back(file.path);
    Status removed = fs_.remove_many(paths);
    if (removed.ok()) record.retention_deleted = paths;
    else SILT_LOG_WARN("consolidation '{}': retention could not delete landing files: {}", job.name, removed.error().message());
  };

  if (fresh.empty()) {
    record.status = "nothing_to_do";
    apply_retention();
    return finish(Status::ok_status());
  }
  std::vector<LandingFile> readable = fresh;
  Status read = writer.read_landing(readable, record.quarantined);
  if (!read.ok()) return finish(read);
  for (const auto& q : record.quarantined) {
    SILT_LOG_WARN("consolidation '{}': landing file {} quarantined: {}", job.name, q.path, q.reason);
  }
  const auto consumed_now = source_files(readable, record.quarantined, fresh);
  if (readable.empty()) {
    // Only bad files: they are recorded so that they are not read again until replaced.
    SILT_TRY_ASSIGN(auto number, ledger.begin(consumed_now));
    record.ledger_number = number;
    if (job.output.format != OutputFormat::kDelta) SILT_TRY(ledger.finish(number, consumed_now));
    record.status = "completed";
    return finish(Status::ok_status());
  }
  Status reconciled = writer.reconcile(record);
  if (!reconciled.ok()) return finish(reconciled);
  if (!job.quality.checks.empty()) {
    SILT_TRY_ASSIGN(auto environment, check_environment(job, now));
    Status checked = writer.check_quality(std::move(environment), record);
    if (!checked.ok()) return finish(checked);
  }

  SILT_TRY_ASSIGN(auto number, ledger.begin(consumed_now));
  record.ledger_number = number;
  auto quarantine = writer.prepare_quarantine(number);
  if (!quarantine) return finish(std::move(quarantine).error());
  record.quarantine_commit = std::move(*quarantine);
  record.status = "committing";
  SILT_TRY(history.set_pending(record));
  crash_point(options, "before_commit");
  Status written = job.output.format == OutputFormat::kDelta ? writer.write_delta(number, record) : writer.write_plain(record);
  if (written.ok()) written = ledger.finish(number, consumed_now);
  if (!written.ok()) return finish(written);
  if (record.quarantine_commit) {
    crash_point(options, "before_quarantine_commit");
    // The output is committed: a failure here leaves the pending record, which the next
    // execution completes (this commit included).
    SILT_TRY(commit_quarantine(job, record));
  }
  record.status = "completed";
  SILT_TRY(history.set_pending(record));
  crash_point(options, "after_commit");
  register_in_catalog(job);
  obs::counter_add(fmt::format("silt.consolidation.records{{job={}}}", job.name), record.records_processed);
  apply_retention();
  return finish(Status::ok_status());
}

}  // namespace silt::pipeline
