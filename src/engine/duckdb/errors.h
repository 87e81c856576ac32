// DuckDB's errors as silt Errors: the code from DuckDB's error type (error_code_for, declared in
// database.h), the message without DuckDB's echo of the SQL. For engine/duckdb/*.cpp only.
#pragma once

#include <string>

#include "base/status.h"
#include "engine/duckdb/database.h"

namespace silt::engine::duckdb {

// The error type a DuckDB message names in its prefix ("IO Error: ..."), for failures the C API
// reports without a type (a failed prepare); DUCKDB_ERROR_INVALID_INPUT when it names none known.
int error_type_from_message(const std::string& message);

// An Error with `code` and `message` minus its "LINE n:" excerpt (n becomes Error::sql_line()).
Error engine_error(ErrorCode code, const std::string& message);

}  // namespace silt::engine::duckdb
