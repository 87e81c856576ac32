// The steps of an execution that speak SQL (consolidation_write.cpp), for the flow in
// consolidator.cpp. Internal to src/pipeline/consolidate/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/session.h"
#include "pipeline/consolidate/consolidation_record.h"
#include "pipeline/consolidate/landing.h"
#include "pipeline/project/consolidation_config.h"
#include "pipeline/run/ingest_log.h"

namespace silt::pipeline::consolidate {

// Which landing files are consolidated: for Delta output, the IngestLog chain of the table (its
// commits record txn(silt.ingest, N)); for plain output, one marker per completed execution under
// <output>/_silt/consolidate/<N>.json, written after every partition of the execution was
// published. Quarantined files are on it too (source "quarantined"), so a bad file is not read
// again until it is replaced.
class LandingLedger {
 public:
  LandingLedger(engine::Session& session, storage::FileSystem& fs, const ConsolidationConfig& job)
      : session_(session), fs_(fs), job_(job) {}

  Result<std::set<SourceFile>> consumed();
  // The number the execution consuming `files` records: Delta writes the manifest now (before
  // the commit), plain output only reserves the next number.
  Result<int64_t> begin(const std::vector<SourceFile>& files);
  // Plain output: every partition is published; the files are consolidated.
  Status finish(int64_t number, const std::vector<SourceFile>& files);
  Result<bool> committed(int64_t number);
  // Delta: the txn version the table records (nullopt before the first execution).
  Result<std::optional<int64_t>> recorded_version();

 private:
  std::string marker_directory() const;

  engine::Session& session_;
  storage::FileSystem& fs_;
  const ConsolidationConfig& job_;
};

class Writer {
 public:
  Writer(engine::Session& session, storage::FileSystem& fs, const ConsolidationConfig& job, std::string execution_id)
      : session_(session), fs_(fs), job_(job), execution_id_(std::move(execution_id)) {}

  // Reads `files` (bad ones moved to `quarantined`, or an error when the job fails on them),
  // de-duplicates them by key into the execution's records, and fills the record's input
  // metrics and partitions.
  Status read_landing(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined,
                      ConsolidationExecution& record);
  // Compares with what the output holds: records older than the consolidated ones are left out.
  Status reconcile(ConsolidationExecution& record);
  // Delta: one commit (a write creating the table, or a MERGE by key) recording txn(silt.ingest,
  // ledger_number).
  Status write_delta(int64_t ledger_number, ConsolidationExecution& record);
  // Plain formats: per partition, new files staged and published, then its _manifest.json, then
  // the files it replaced removed.
  Status write_plain(ConsolidationExecution& record);
  void drop_temporaries();

 private:
  Status quarantine_and_retry(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined,
                              ConsolidationExecution& record, const Error& failure);
  std::string keys_sql(const std::string& alias) const;
  std::string keys_join(const std::string& left, const std::string& right) const;
  std::string partition_select_sql() const;
  Result<std::string> landing_read_sql(const std::vector<LandingFile>& files);
  Result<std::string> output_read_sql(const std::vector<std::string>& files, bool keys_only);
  Result<std::vector<std::string>> plain_output_files();

  engine::Session& session_;
  storage::FileSystem& fs_;
  const ConsolidationConfig& job_;
  std::string execution_id_;
  std::vector<std::pair<std::string, std::string>> columns_;  // data columns of the landing files: name, type
  bool output_exists_ = false;
};

// "year=2025/month=11/day=03" for the partition of a record's year, month and day.
std::string partition_path(const ConsolidationConfig& job, int year, int month, int day);

}  // namespace silt::pipeline::consolidate
