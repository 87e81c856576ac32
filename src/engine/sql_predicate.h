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

// Checks a user's predicate before any SQL runs with it: it must be exactly one SQL expression (text
// that would close it and add a clause or a second statement is refused by DuckDB's parser, before
// anything executes), bind against the columns of `relation_sql` (a SELECT, aliased `source`), and
// be BOOLEAN. InvalidArgument otherwise; messages start with `what` (e.g. "--where 'x'").
Status check_predicate(duckdb::Connection& connection, const std::string& predicate, const std::string& relation_sql,
                       const std::string& what);

// True when `expression` parses as exactly one SQL expression; else `*problem` says why. Parses only.
bool is_single_expression(duckdb::Connection& connection, const std::string& expression, std::string* problem);

// For a query that reads `table_name` once, directly in a single SELECT's FROM, the WHERE clause
// of that SELECT as a predicate; nullopt when the query shape gives no safe filter.
std::optional<delta::Predicate> table_filter_from_query(duckdb::Connection& connection, const std::string& query,
                                                        const std::string& table_name);

}  // namespace silt::engine
