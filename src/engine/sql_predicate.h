// Turns SQL predicates into delta::Predicate for file skipping, using DuckDB's own parser
// (json_serialize_sql), so the translation accepts exactly the SQL DuckDB accepts. Parts it does
// not understand become "unknown" (no skipping), never an error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/file_pruning.h"
#include "engine/duckdb/database.h"

namespace silt::engine {

// `predicate_sql` is a boolean SQL expression ("amount > 5 AND status = 'PAID'").
Result<delta::Predicate> predicate_from_sql(duckdb::Connection& connection, const std::string& predicate_sql);

// For a query that reads `table_name` once, directly in a single SELECT's FROM, the WHERE clause
// of that SELECT as a predicate; nullopt when the query shape gives no safe filter.
std::optional<delta::Predicate> table_filter_from_query(duckdb::Connection& connection, const std::string& query,
                                                        const std::string& table_name);

}  // namespace silt::engine
