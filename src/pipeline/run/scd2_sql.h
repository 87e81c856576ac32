// SCD2 for materialized: snapshot models. The table keeps every version of a key with valid_from,
// valid_to and is_current; a run closes the current rows whose tracked values changed (check
// strategy: check_columns; timestamp strategy: updated_at) and adds their new versions, adds new
// keys, and with hard_deletes: invalidate closes keys the input no longer has.
#pragma once

#include <string>

#include "base/status.h"
#include "engine/duckdb/database.h"
#include "pipeline/model/model.h"

namespace silt::pipeline {

// The columns silt adds to a snapshot model's rows.
inline const char* const kScdColumns[] = {"valid_from", "valid_to", "is_current"};

// InvalidArgument when the model's rows (`input`, a relation) already have a column silt adds.
Status check_scd2_input(engine::duckdb::Connection& connection, const Model& model, const std::string& input);

// The rows to merge into the table by (key, valid_from): on the first build (`initial`) every input
// row as a current version; later, the closed current rows (from the view silt_target, the table's
// current version) and the new versions. `run_timestamp` is valid_from of check-strategy versions.
// Refuses an input with a key on more than one row.
Result<std::string> scd2_changes_sql(engine::duckdb::Connection& connection, const Model& model,
                                     const std::string& input, const std::string& run_timestamp, bool initial);

}  // namespace silt::pipeline
