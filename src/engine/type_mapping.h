// Mapping between Delta schema types and DuckDB SQL types, both directions.
#pragma once

#include <string>

#include "base/status.h"
#include "delta/schema.h"

namespace silt::engine {

// Delta type -> DuckDB type text ("BIGINT", "DECIMAL(12,2)", "STRUCT(\"a\" INTEGER)", ...).
// Unsupported (variant, timestamp_ntz handled as TIMESTAMP) types give Unsupported.
Result<std::string> to_duckdb_type(const delta::DataType& type);
// DuckDB type text as printed by DESCRIBE -> Delta type; Unsupported for types Delta lacks
// (unsigned integers, HUGEINT, INTERVAL, UUID, ...), naming the type.
Result<delta::DataType> from_duckdb_type(const std::string& duckdb_type);

// A partition value string from the log as a SQL literal of the column's type ("NULL" for null).
Result<std::string> partition_value_literal(const std::optional<std::string>& value, const delta::DataType& type);

}  // namespace silt::engine
