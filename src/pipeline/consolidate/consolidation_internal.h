// The steps of an execution that speak SQL (consolidation_write.cpp, consolidation_plain.cpp), for the flow in
// consolidator.cpp. Internal to src/pipeline/consolidate/.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/strings.h"
#include "engine/session.h"
#include "pipeline/consolidate/consolidation_record.h"
#include "pipeline/consolidate/landing.h"
#include "pipeline/project/consolidation_config.h"
#include "pipeline/quality/quality.h"
#include "pipeline/run/ingest_log.h"

namespace silt::pipeline::consolidate {

// SourceFile::source of the ledger's entries: files read, and files quarantined.
inline constexpr const char* kLandingSource = "landing";
inline constexpr const char* kQuarantinedSource = "quarantined";

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
  // Delta: the txn version the table records (nullopt before the first execution), loaded once:
  // the job's lock keeps other executions from moving it while this ledger is in use.
  Result<std::optional<int64_t>> recorded_version();

 private:
  std::string marker_directory() const;

  engine::Session& session_;
  storage::FileSystem& fs_;
  const ConsolidationConfig& job_;
  std::optional<std::optional<int64_t>> recorded_;  // recorded_version(), once loaded
};

class Writer {
 public:
  Writer(engine::Session& session, storage::FileSystem& fs, const ConsolidationConfig& job, std::string execution_id)
      : session_(session), fs_(fs), job_(job), execution_id_(std::move(execution_id)) {}

  // Reads `files` (bad ones moved to `quarantined`, or an error when the job fails on them) and
  // de-duplicates them by key into the execution's records (_silt_winners).
  Status read_landing(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined);
  // Compares with what the output holds: records older than the consolidated ones are left out;
  // fills the record's counts and partitions.
  Status reconcile(ConsolidationExecution& record);
  // Delta: one commit (a write creating the table, or a MERGE by key) recording txn(silt.ingest,
  // ledger_number).
  Status write_delta(int64_t ledger_number, ConsolidationExecution& record);
  // Plain formats: per partition, new files staged and published, then its _manifest.json, then
  // the files it replaced removed.
  Status write_plain(ConsolidationExecution& record);
  // The job's checks on the records about to be written (after reconcile; `environment` without
  // its relation): QualityFailed when they gate the execution (nothing is written); with
  // on_failure: quarantine, the failing records leave what is written, counted in the record.
  Status check_quality(CheckEnvironment environment, ConsolidationExecution& record);
  // The quarantine table's commit of the failing records, prepared (files written) with
  // txn(silt.ingest, ledger_number); nullopt when nothing is quarantined.
  Result<std::optional<engine::PreparedCommit>> prepare_quarantine(int64_t ledger_number);
  void drop_temporaries();

 private:
  Status quarantine_and_retry(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined,
                              const Error& failure);
  std::string keys_sql(const std::string& alias) const;
  std::string keys_join(const std::string& left, const std::string& right) const;
  std::string data_columns_sql() const;  // the landing files' columns, quoted, in order
  // The paths under which DuckDB reads `files`, and the read of those paths (with their file names).
  Result<std::vector<std::string>> readable_paths(const std::vector<LandingFile>& files);
  Result<std::string> landing_read_sql(const std::vector<std::string>& readable) const;
  Result<std::string> output_read_sql(const std::vector<std::string>& files, bool keys_only);
  Result<std::vector<std::string>> plain_output_files();

  engine::Session& session_;
  storage::FileSystem& fs_;
  const ConsolidationConfig& job_;
  std::string execution_id_;
  std::vector<std::pair<std::string, std::string>> columns_;  // data columns of the landing files: name, type
  bool output_exists_ = false;
  std::shared_ptr<const delta::Snapshot> snapshot_;  // Delta: the table reconcile() compared with
  bool quarantining_ = false;  // check_quality() set records aside (in _silt_checked)
};

// The Delta table a job's quarantined records go to: <output path>__quarantine.
std::string quarantine_location(const ConsolidationConfig& job);

// A count cell of a text result (0 when NULL or not a number).
inline int64_t int_cell(const std::optional<std::string>& cell) { return cell ? parse_int64(*cell).value_or(0) : 0; }

// "year=2025/month=11/day=03" for the partition of a record's year, month and day.
std::string partition_path(const ConsolidationConfig& job, int year, int month, int day);

}  // namespace silt::pipeline::consolidate
