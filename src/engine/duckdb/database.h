// RAII owners of DuckDB's C handles (database, connection, results) behind a small API.
// This header stays free of duckdb.h; only engine/duckdb/*.cpp include it.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace silt::engine::duckdb {

// silt's code for a DuckDB error type (a duckdb_error_type value): the one place engine errors are
// classified. Parser, binder, conversion and constraint errors are bad input; I/O and network
// errors Io; a transaction conflict Conflict; out of memory and an interrupt their own codes.
ErrorCode error_code_for(int duckdb_error_type);

struct DatabaseOptions {
  int threads = 0;                 // 0: DuckDB's default (cores)
  std::string memory_limit;        // "" : DuckDB's default (80% of RAM); else "4GB"
  std::string temp_directory;      // "" : DuckDB's default
};

// A fully materialised result whose cells are text (NULL -> nullopt). Column types are the
// DuckDB type names of the original query (BIGINT, VARCHAR, STRUCT(...), ...).
struct TextResult {
  std::vector<std::string> column_names;
  std::vector<std::string> column_types;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// A read-only view of one chunk of a streaming result: typed access without copying cells.
// Valid only inside the callback that receives it.
class ChunkView {
 public:
  size_t size() const { return size_; }
  size_t column_count() const { return columns_.size(); }
  bool is_null(size_t column, size_t row) const;
  std::string_view string_at(size_t column, size_t row) const;  // VARCHAR columns
  int64_t int64_at(size_t column, size_t row) const;            // BIGINT columns
  bool bool_at(size_t column, size_t row) const;                // BOOLEAN columns

 private:
  friend class Connection;
  struct Column {
    void* data = nullptr;
    uint64_t* validity = nullptr;
    int type = 0;
  };
  size_t size_ = 0;
  std::vector<Column> columns_;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> open(const DatabaseOptions& options);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void* handle() const;  // duckdb_database, for Connection only

 private:
  Database();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One connection; not thread-safe (use one per thread). The Database must outlive it.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(Database& database);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs exactly one statement, discarding its result. Every method here except execute_script and
  // query_script refuses text holding more than one statement before running anything, so text
  // spliced into a statement can never become a second one. Errors carry DuckDB's message.
  Status execute(const std::string& sql);
  // Runs several statements of SQL that silt itself built (never user text), discarding results.
  Status execute_script(const std::string& sql);
  // Runs a query whose columns are all VARCHAR and returns the cells.
  Result<TextResult> query_varchar(const std::string& sql);
  // Runs any single SELECT and returns every cell cast to text, with the original column types.
  Result<TextResult> query_text(const std::string& sql);
  // Runs any statement (COPY ... RETURN_STATS included) and returns its cells as text; LIST, STRUCT
  // and MAP cells become JSON (a MAP with text keys becomes an object).
  Result<TextResult> query_any(const std::string& sql);
  // Runs a script of statements one by one; the last statement's cells are returned as text.
  // Errors name the failing statement ("statement 2 of 3: ...").
  Result<TextResult> query_script(const std::string& sql);
  // Streams the result of a query chunk by chunk (about 2048 rows each) to `consume`; its first
  // error stops the stream and is returned.
  Status for_each_chunk(const std::string& sql, const std::function<Status(const ChunkView&)>& consume);
  // First column of the first row, or nullopt when the result is empty or NULL.
  Result<std::optional<std::string>> query_value(const std::string& sql);
  // Interrupts the running query (callable from another thread).
  void interrupt();

 private:
  Connection();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace silt::engine::duckdb
