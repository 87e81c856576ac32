// DuckDB C API wrappers. Every duckdb_result is destroyed, including on failure paths.
#include "engine/duckdb/database.h"
#include "engine/duckdb/errors.h"

#include <duckdb.h>

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::engine::duckdb {

namespace {

// Owns a duckdb_result for the duration of a call.
class ResultOwner {
 public:
  ResultOwner() = default;
  ~ResultOwner() { duckdb_destroy_result(&result_); }
  ResultOwner(const ResultOwner&) = delete;
  ResultOwner& operator=(const ResultOwner&) = delete;
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

class ChunkOwner {
 public:
  explicit ChunkOwner(duckdb_data_chunk chunk) : chunk_(chunk) {}
  ~ChunkOwner() {
    if (chunk_) duckdb_destroy_data_chunk(&chunk_);
  }
  ChunkOwner(const ChunkOwner&) = delete;
  ChunkOwner& operator=(const ChunkOwner&) = delete;
  duckdb_data_chunk get() const { return chunk_; }

 private:
  duckdb_data_chunk chunk_;
};

// The error of a failed result, classified by the error type DuckDB reports with it.
Error query_error(duckdb_result* result) {
  const char* message = duckdb_result_error(result);
  return engine_error(error_code_for(duckdb_result_error_type(result)), message ? message : "unknown DuckDB error");
}

class ExtractedOwner {
 public:
  ExtractedOwner() = default;
  ~ExtractedOwner() { duckdb_destroy_extracted(&extracted_); }
  ExtractedOwner(const ExtractedOwner&) = delete;
  ExtractedOwner& operator=(const ExtractedOwner&) = delete;
  duckdb_extracted_statements* get() { return &extracted_; }

 private:
  duckdb_extracted_statements extracted_ = nullptr;
};

// Refuses text holding more than one statement, before anything runs. A syntax error passes: the
// caller's query then reports it as DuckDB words it, having run nothing.
Status check_one_statement(duckdb_connection connection, const std::string& sql) {
  ExtractedOwner extracted;
  idx_t count = duckdb_extract_statements(connection, sql.c_str(), extracted.get());
  if (count > 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("expected one SQL statement, found {}: nothing was run", count));
  }
  return Status();
}

// Reads every chunk of a result whose columns are VARCHAR into rows of optional strings.
Result<TextResult> read_varchar_result(duckdb_result* result) {
  TextResult out;
  idx_t columns = duckdb_column_count(result);
  for (idx_t c = 0; c < columns; ++c) {
    out.column_names.emplace_back(duckdb_column_name(result, c));
    if (duckdb_column_type(result, c) != DUCKDB_TYPE_VARCHAR) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("column '{}' is not VARCHAR in a text result", out.column_names.back()));
    }
    out.column_types.emplace_back("VARCHAR");
  }
  while (true) {
    ChunkOwner chunk(duckdb_fetch_chunk(*result));
    if (!chunk.get()) break;
    idx_t size = duckdb_data_chunk_get_size(chunk.get());
    if (size == 0) break;
    size_t first_row = out.rows.size();
    out.rows.resize(first_row + size, std::vector<std::optional<std::string>>(columns));
    for (idx_t c = 0; c < columns; ++c) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk.get(), c);
      auto* data = static_cast<duckdb_string_t*>(duckdb_vector_get_data(vector));
      uint64_t* validity = duckdb_vector_get_validity(vector);
      for (idx_t r = 0; r < size; ++r) {
        if (validity && !duckdb_validity_row_is_valid(validity, r)) continue;
        duckdb_string_t* cell = &data[r];
        out.rows[first_row + r][c] =
            std::string(duckdb_string_t_data(cell), duckdb_string_t_length(*cell));
      }
    }
  }
  return out;
}

std::string type_name(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UHUGEINT: return "UHUGEINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL: return "DECIMAL";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_LIST: return "LIST";
    case DUCKDB_TYPE_STRUCT: return "STRUCT";
    case DUCKDB_TYPE_MAP: return "MAP";
    case DUCKDB_TYPE_UUID: return "UUID";
    default: return "OTHER";
  }
}

void append_json_string(std::string* out, std::string_view text) {
  out->push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (c < 0x20) *out += fmt::format("\\u{:04x}", c);
        else out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

// Renders one cell of a vector as text (scalars) or JSON (nested); `json` forces JSON quoting.
std::optional<std::string> cell_text(duckdb_vector vector, duckdb_logical_type type, idx_t row, bool json) {
  uint64_t* validity = duckdb_vector_get_validity(vector);
  if (validity && !duckdb_validity_row_is_valid(validity, row)) {
    if (json) return std::string("null");
    return std::nullopt;
  }
  void* data = duckdb_vector_get_data(vector);
  duckdb_type id = duckdb_get_type_id(type);
  std::string out;
  switch (id) {
    case DUCKDB_TYPE_VARCHAR: {
      auto* cell = &static_cast<duckdb_string_t*>(data)[row];
      std::string_view text(duckdb_string_t_data(cell), duckdb_string_t_length(*cell));
      if (!json) return std::string(text);
      append_json_string(&out, text);
      return out;
    }
    case DUCKDB_TYPE_BOOLEAN: return std::string(static_cast<bool*>(data)[row] ? "true" : "false");
    case DUCKDB_TYPE_TINYINT: return std::to_string(static_cast<int8_t*>(data)[row]);
    case DUCKDB_TYPE_SMALLINT: return std::to_string(static_cast<int16_t*>(data)[row]);
    case DUCKDB_TYPE_INTEGER: return std::to_string(static_cast<int32_t*>(data)[row]);
    case DUCKDB_TYPE_BIGINT: return std::to_string(static_cast<int64_t*>(data)[row]);
    case DUCKDB_TYPE_UTINYINT: return std::to_string(static_cast<uint8_t*>(data)[row]);
    case DUCKDB_TYPE_USMALLINT: return std::to_string(static_cast<uint16_t*>(data)[row]);
    case DUCKDB_TYPE_UINTEGER: return std::to_string(static_cast<uint32_t*>(data)[row]);
    case DUCKDB_TYPE_UBIGINT: return std::to_string(static_cast<uint64_t*>(data)[row]);
    case DUCKDB_TYPE_DOUBLE: return fmt::format("{}", static_cast<double*>(data)[row]);
    case DUCKDB_TYPE_FLOAT: return fmt::format("{}", static_cast<float*>(data)[row]);
    case DUCKDB_TYPE_LIST:
    case DUCKDB_TYPE_MAP: {
      auto* entry = &static_cast<duckdb_list_entry*>(data)[row];
      duckdb_vector child = duckdb_list_vector_get_child(vector);
      duckdb_logical_type child_type = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(type)
                                                              : nullptr;
      if (id == DUCKDB_TYPE_MAP) {
        duckdb_logical_type key_type = duckdb_map_type_key_type(type);
        duckdb_logical_type value_type = duckdb_map_type_value_type(type);
        duckdb_vector keys = duckdb_struct_vector_get_child(child, 0);
        duckdb_vector values = duckdb_struct_vector_get_child(child, 1);
        out = "{";
        for (idx_t i = 0; i < entry->length; ++i) {
          if (i) out += ",";
          auto key = cell_text(keys, key_type, entry->offset + i, false);
          append_json_string(&out, key ? *key : "");
          out += ":";
          out += *cell_text(values, value_type, entry->offset + i, true);
        }
        out += "}";
        duckdb_destroy_logical_type(&key_type);
        duckdb_destroy_logical_type(&value_type);
        return out;
      }
      out = "[";
      for (idx_t i = 0; i < entry->length; ++i) {
        if (i) out += ",";
        out += *cell_text(child, child_type, entry->offset + i, true);
      }
      out += "]";
      duckdb_destroy_logical_type(&child_type);
      return out;
    }
    case DUCKDB_TYPE_STRUCT: {
      idx_t count = duckdb_struct_type_child_count(type);
      out = "{";
      for (idx_t i = 0; i < count; ++i) {
        if (i) out += ",";
        char* name = duckdb_struct_type_child_name(type, i);
        append_json_string(&out, name);
        duckdb_free(name);
        out += ":";
        duckdb_logical_type child_type = duckdb_struct_type_child_type(type, i);
        out += *cell_text(duckdb_struct_vector_get_child(vector, i), child_type, row, true);
        duckdb_destroy_logical_type(&child_type);
      }
      out += "}";
      return out;
    }
    default: return std::string(json ? "null" : "");
  }
}

// Splits a script at the semicolons that end statements: not inside quotes ('...', "..."), dollar
// quotes ($$...$$, $tag$...$tag$) or comments (--, /* */). Pieces holding only blanks and comments
// are dropped.
std::vector<std::string> split_statements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  bool has_code = false;
  size_t i = 0;
  auto flush = [&]() {
    if (has_code) out.push_back(current);
    current.clear();
    has_code = false;
  };
  while (i < sql.size()) {
    char c = sql[i];
    if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t end = sql.find('\n', i);
      end = end == std::string::npos ? sql.size() : end;
      current.append(sql, i, end - i);
      i = end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      size_t end = sql.find("*/", i + 2);
      end = end == std::string::npos ? sql.size() : end + 2;
      current.append(sql, i, end - i);
      i = end;
    } else if (c == '\'' || c == '"') {
      size_t end = i + 1;
      while (end < sql.size()) {
        if (sql[end] == c) {
          if (end + 1 < sql.size() && sql[end + 1] == c) {
            end += 2;  // doubled quote
            continue;
          }
          break;
        }
        ++end;
      }
      end = std::min(end + 1, sql.size());
      current.append(sql, i, end - i);
      has_code = true;
      i = end;
    } else if (c == '$') {
      size_t tag_end = sql.find('$', i + 1);
      bool is_tag = tag_end != std::string::npos;
      for (size_t k = i + 1; is_tag && k < tag_end; ++k) {
        if (!std::isalnum(static_cast<unsigned char>(sql[k])) && sql[k] != '_') is_tag = false;
      }
      if (!is_tag) {
        current += c;
        has_code = true;
        ++i;
        continue;
      }
      std::string tag = sql.substr(i, tag_end - i + 1);
      size_t end = sql.find(tag, tag_end + 1);
      end = end == std::string::npos ? sql.size() : end + tag.size();
      current.append(sql, i, end - i);
      has_code = true;
      i = end;
    } else if (c == ';') {
      flush();
      ++i;
    } else {
      current += c;
      if (!std::isspace(static_cast<unsigned char>(c))) has_code = true;
      ++i;
    }
  }
  flush();
  return out;
}

}  // namespace

struct Database::Impl {
  duckdb_database database = nullptr;
  ~Impl() {
    if (database) duckdb_close(&database);
  }
};

Database::Database() : impl_(std::make_unique<Impl>()) {}
Database::~Database() = default;
void* Database::handle() const { return impl_->database; }

Result<std::unique_ptr<Database>> Database::open(const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database());
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) {
    return make_error(ErrorCode::kInternal, "cannot create DuckDB configuration");
  }
  auto set = [&](const char* name, const std::string& value) -> Status {
    if (duckdb_set_config(config, name, value.c_str()) == DuckDBError) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("invalid DuckDB setting {}='{}'", name, value));
    }
    return Status();
  };
  Status status;
  if (options.threads > 0) status = set("threads", std::to_string(options.threads));
  if (status.ok() && !options.memory_limit.empty()) status = set("memory_limit", options.memory_limit);
  if (status.ok() && !options.temp_directory.empty()) status = set("temp_directory", options.temp_directory);
  // Extensions cannot be downloaded here; never try.
  if (status.ok()) status = set("autoinstall_known_extensions", "false");
  if (status.ok()) status = set("autoload_known_extensions", "false");
  if (!status.ok()) {
    duckdb_destroy_config(&config);
    return status.error();
  }
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &db->impl_->database, config, &error) == DuckDBError) {
    std::string message = error ? error : "unknown error";
    if (error) duckdb_free(error);
    duckdb_destroy_config(&config);
    return make_error(ErrorCode::kInternal, "cannot open DuckDB: " + message);
  }
  duckdb_destroy_config(&config);
  return db;
}

struct Connection::Impl {
  duckdb_connection connection = nullptr;
  ~Impl() {
    if (connection) duckdb_disconnect(&connection);
  }
};

Connection::Connection() : impl_(std::make_unique<Impl>()) {}
Connection::~Connection() = default;

Result<std::unique_ptr<Connection>> Connection::open(Database& database) {
  std::unique_ptr<Connection> connection(new Connection());
  if (duckdb_connect(static_cast<duckdb_database>(database.handle()), &connection->impl_->connection) ==
      DuckDBError) {
    return make_error(ErrorCode::kInternal, "cannot connect to DuckDB");
  }
  return connection;
}

Status Connection::execute(const std::string& sql) {
  SILT_TRY(check_one_statement(impl_->connection, sql));
  return execute_script(sql);
}

Status Connection::execute_script(const std::string& sql) {
  ResultOwner result;
  if (duckdb_query(impl_->connection, sql.c_str(), result.get()) == DuckDBError) {
    return query_error(result.get());
  }
  return Status();
}

Result<TextResult> Connection::query_varchar(const std::string& sql) {
  SILT_TRY(check_one_statement(impl_->connection, sql));
  ResultOwner result;
  if (duckdb_query(impl_->connection, sql.c_str(), result.get()) == DuckDBError) {
    return query_error(result.get());
  }
  return read_varchar_result(result.get());
}

Result<TextResult> Connection::query_text(const std::string& sql) {
  // Types first (from a prepared statement, no execution), then the cells cast to VARCHAR, so
  // every type prints as DuckDB prints it. Statements other than SELECT run as they are.
  std::string body = std::string(trim(sql));
  while (!body.empty() && body.back() == ';') body.pop_back();
  SILT_TRY(check_one_statement(impl_->connection, body));
  std::vector<std::string> types;
  {
    duckdb_prepared_statement prepared = nullptr;
    if (duckdb_prepare(impl_->connection, body.c_str(), &prepared) == DuckDBError) {
      const char* error = duckdb_prepare_error(prepared);
      std::string message = error ? error : "cannot prepare the statement";
      duckdb_destroy_prepare(&prepared);
      return engine_error(error_code_for(error_type_from_message(message)), message);
    }
    bool is_select = duckdb_prepared_statement_type(prepared) == DUCKDB_STATEMENT_TYPE_SELECT;
    idx_t columns = duckdb_prepared_statement_column_count(prepared);
    for (idx_t c = 0; c < columns; ++c) {
      duckdb_logical_type type = duckdb_prepared_statement_column_logical_type(prepared, c);
      types.emplace_back(type_name(duckdb_get_type_id(type)));
      duckdb_destroy_logical_type(&type);
    }
    duckdb_destroy_prepare(&prepared);
    if (!is_select) return query_any(sql);
  }
  ResultOwner result;
  std::string wrapped = "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (" + body + "\n)";
  if (duckdb_query(impl_->connection, wrapped.c_str(), result.get()) == DuckDBError) {
    return query_error(result.get());
  }
  SILT_TRY_ASSIGN(auto text, read_varchar_result(result.get()));
  if (types.size() == text.column_types.size()) text.column_types = std::move(types);
  return text;
}

Result<TextResult> Connection::query_any(const std::string& sql) {
  SILT_TRY(check_one_statement(impl_->connection, sql));
  ResultOwner result;
  if (duckdb_query(impl_->connection, sql.c_str(), result.get()) == DuckDBError) {
    return query_error(result.get());
  }
  TextResult out;
  idx_t columns = duckdb_column_count(result.get());
  std::vector<duckdb_logical_type> types;
  for (idx_t c = 0; c < columns; ++c) {
    out.column_names.emplace_back(duckdb_column_name(result.get(), c));
    types.push_back(duckdb_column_logical_type(result.get(), c));
    out.column_types.push_back(type_name(duckdb_get_type_id(types.back())));
  }
  while (true) {
    ChunkOwner chunk(duckdb_fetch_chunk(*result.get()));
    if (!chunk.get()) break;
    idx_t size = duckdb_data_chunk_get_size(chunk.get());
    if (size == 0) break;
    for (idx_t r = 0; r < size; ++r) {
      std::vector<std::optional<std::string>> row;
      for (idx_t c = 0; c < columns; ++c) {
        row.push_back(cell_text(duckdb_data_chunk_get_vector(chunk.get(), c), types[c], r, false));
      }
      out.rows.push_back(std::move(row));
    }
  }
  for (auto& type : types) duckdb_destroy_logical_type(&type);
  return out;
}

Result<TextResult> Connection::query_script(const std::string& sql) {
  std::vector<std::string> statements = split_statements(sql);
  if (statements.empty()) return make_error(ErrorCode::kInvalidArgument, "the script holds no statement");
  size_t count = statements.size();
  if (count == 1) return query_text(statements[0]);
  for (size_t i = 0; i + 1 < count; ++i) {
    Status status = execute(statements[i]);
    if (!status.ok()) {
      return Error(status.code(), fmt::format("statement {} of {}: {}", i + 1, count, status.message()));
    }
  }
  // The last statement's result as query_text gives it (every type printed as DuckDB prints it).
  auto result = query_text(statements.back());
  if (!result) {
    return Error(result.error().code(),
                 fmt::format("statement {} of {}: {}", count, count, result.error().message()));
  }
  return result;
}

bool ChunkView::is_null(size_t column, size_t row) const {
  const Column& c = columns_[column];
  return c.validity && !duckdb_validity_row_is_valid(c.validity, row);
}

std::string_view ChunkView::string_at(size_t column, size_t row) const {
  auto* cell = &static_cast<duckdb_string_t*>(columns_[column].data)[row];
  return std::string_view(duckdb_string_t_data(cell), duckdb_string_t_length(*cell));
}

int64_t ChunkView::int64_at(size_t column, size_t row) const {
  return static_cast<int64_t*>(columns_[column].data)[row];
}

bool ChunkView::bool_at(size_t column, size_t row) const { return static_cast<bool*>(columns_[column].data)[row]; }

Status Connection::for_each_chunk(const std::string& sql, const std::function<Status(const ChunkView&)>& consume) {
  // A streaming result: chunks are produced as they are fetched, so the whole result is never
  // held in memory next to what the consumer builds from it.
  duckdb_prepared_statement prepared = nullptr;
  if (duckdb_prepare(impl_->connection, sql.c_str(), &prepared) == DuckDBError) {
    const char* error = duckdb_prepare_error(prepared);
    std::string message = error ? error : "cannot prepare the query";
    duckdb_destroy_prepare(&prepared);
    return engine_error(error_code_for(error_type_from_message(message)), message);
  }
  duckdb_pending_result pending = nullptr;
  duckdb_state state = duckdb_pending_prepared_streaming(prepared, &pending);
  duckdb_destroy_prepare(&prepared);
  if (state == DuckDBError) {
    const char* error = duckdb_pending_error(pending);
    std::string message = error ? error : "cannot start the query";
    duckdb_destroy_pending(&pending);
    return engine_error(error_code_for(error_type_from_message(message)), message);
  }
  ResultOwner result;
  state = duckdb_execute_pending(pending, result.get());
  duckdb_destroy_pending(&pending);
  if (state == DuckDBError) return query_error(result.get());
  idx_t columns = duckdb_column_count(result.get());
  std::vector<duckdb_type> types;
  for (idx_t c = 0; c < columns; ++c) {
    duckdb_type type = duckdb_column_type(result.get(), c);
    if (type != DUCKDB_TYPE_VARCHAR && type != DUCKDB_TYPE_BIGINT && type != DUCKDB_TYPE_BOOLEAN) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("column '{}' must be VARCHAR, BIGINT or BOOLEAN for streaming",
                                    duckdb_column_name(result.get(), c)));
    }
    types.push_back(type);
  }
  ChunkView view;
  view.columns_.resize(columns);
  while (true) {
    ChunkOwner chunk(duckdb_fetch_chunk(*result.get()));
    if (!chunk.get()) break;
    view.size_ = duckdb_data_chunk_get_size(chunk.get());
    if (view.size_ == 0) break;
    for (idx_t c = 0; c < columns; ++c) {
      duckdb_vector vector = duckdb_data_chunk_get_vector(chunk.get(), c);
      view.columns_[c].data = duckdb_vector_get_data(vector);
      view.columns_[c].validity = duckdb_vector_get_validity(vector);
      view.columns_[c].type = static_cast<int>(types[c]);
    }
    SILT_TRY(consume(view));
  }
  // A streaming query that fails midway ends the stream: report its error.
  const char* error = duckdb_result_error(result.get());
  if (error && *error) return query_error(result.get());
  return Status();
}

Result<std::optional<std::string>> Connection::query_value(const std::string& sql) {
  SILT_TRY_ASSIGN(auto text, query_text(sql));
  if (text.rows.empty() || text.rows[0].empty()) return std::optional<std::string>();
  return text.rows[0][0];
}

void Connection::interrupt() { duckdb_interrupt(impl_->connection); }

}  // namespace silt::engine::duckdb
