// The rules of a model's quality checks, shared by a run's gate (pipeline/run/quality_gate.cpp)
// and `silt check`: which checks a model declares, what its output columns must be, the row count
// a change is compared with, and what a set of results means.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {

// The model's `checks:` followed by those its contract implies.
std::vector<CheckSpec> model_checks(const QualityConfig& quality);

// The contract's column rules on `relation` (a view or table): ok without a contract.
Status check_relation_contract(engine::duckdb::Connection& connection, const QualityConfig& quality,
                               const std::string& relation, const std::string& model_file);

// Rows of a snapshot: the sum of its files' numRecords, counted by a scan when a file lacks them.
Result<int64_t> snapshot_row_count(engine::Session& session, const delta::Snapshot& snapshot);

// What a set of results means.
struct QualityVerdict {
  bool row_failed = false;    // a failed row-level check (rows can be quarantined)
  bool table_failed = false;  // a failed table-level check, or the contract's columns
  bool warned = false;        // a warn-severity check that did not pass
  bool failed() const { return row_failed || table_failed; }
  // "failed", "warned" or "passed": the outcome of checks that decide nothing (`silt check`).
  const char* outcome() const { return failed() ? "failed" : warned ? "warned" : "passed"; }
};
QualityVerdict quality_verdict(const std::vector<CheckResult>& results, bool contract_failed = false);

// The failed checks, a line each ("\n  - name: message (allowed: ...)") with their example rows.
std::string describe_check_failures(const std::vector<CheckResult>& results);

}  // namespace silt::pipeline
