// The tables a SQL query reads, found by DuckDB's own parser (json_serialize_sql), so dependency
// discovery accepts exactly the SQL DuckDB accepts. Parses only: nothing is bound or executed.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/duckdb/database.h"

namespace silt::engine {

// A table named in a FROM clause (or a join, subquery, CTE body, set operation, expression).
struct SqlTableReference {
  std::string catalog;  // "" unless written as catalog.schema.table
  std::string schema;   // "" when unqualified
  std::string table;
  size_t offset = 0;    // byte offset of the reference in the SQL text
};

// Why a text is not a single SELECT.
enum class SqlProblem {
  kNone,
  kSyntax,              // DuckDB's parser rejected it
  kNotSelect,           // a statement other than SELECT (CREATE, INSERT, PRAGMA, ...)
  kMultipleStatements,  // more than one SELECT
  kEmpty,               // no statement at all (only comments or blanks)
};

// What the parser found in one SQL text. `ok` is false when the text is not a single SELECT: either
// a syntax error (`error_offset` set when DuckDB reports a position) or another statement kind.
struct SqlReferences {
  bool ok = false;
  SqlProblem problem = SqlProblem::kNone;
  std::string error;                 // DuckDB's parser message, or why the text is not a single SELECT
  bool has_error_offset = false;
  size_t error_offset = 0;           // byte offset of a syntax error
  int statement_count = 0;           // 0 when the text has no statement (only comments or blanks)
  std::vector<SqlTableReference> tables;  // in text order; unqualified names of CTEs in scope excluded
  std::vector<std::string> cte_names;     // every CTE defined anywhere in the query, sorted, unique
};

// Parses `sql` with DuckDB (the text travels as a quoted string literal, so any text is safe) and
// collects its table references. A SQL problem is reported in the value (ok == false); the Result
// fails only when DuckDB itself cannot be queried. Uses `connection` only for this call.
Result<SqlReferences> find_sql_references(duckdb::Connection& connection, const std::string& sql);

}  // namespace silt::engine
