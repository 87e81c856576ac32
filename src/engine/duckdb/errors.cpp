// Classifying DuckDB's errors into silt's codes, and their messages without the SQL excerpt.
#include "engine/duckdb/errors.h"

#include "engine/duckdb/store_file_system.h"

#include <duckdb.h>

#include <cctype>
#include <utility>
#include <vector>

namespace silt::engine::duckdb {

ErrorCode error_code_for(int type) {
  switch (static_cast<duckdb_error_type>(type)) {
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_HTTP:
    case DUCKDB_ERROR_PERMISSION: return ErrorCode::kIo;
    case DUCKDB_ERROR_TRANSACTION: return ErrorCode::kConflict;
    case DUCKDB_ERROR_OUT_OF_MEMORY: return ErrorCode::kOutOfMemory;
    case DUCKDB_ERROR_INTERRUPT: return ErrorCode::kCancelled;
    case DUCKDB_ERROR_NOT_IMPLEMENTED:
    case DUCKDB_ERROR_MISSING_EXTENSION:
    case DUCKDB_ERROR_AUTOLOAD: return ErrorCode::kUnsupported;
    case DUCKDB_ERROR_SERIALIZATION: return ErrorCode::kCorruption;
    case DUCKDB_ERROR_INTERNAL:
    case DUCKDB_ERROR_FATAL:
    case DUCKDB_ERROR_NULL_POINTER:
    case DUCKDB_ERROR_SCHEDULER:
    case DUCKDB_ERROR_OPTIMIZER: return ErrorCode::kInternal;
    case DUCKDB_INVALID_CONFIGURATION:
    case DUCKDB_ERROR_SETTINGS: return ErrorCode::kConfig;
    default: return ErrorCode::kInvalidArgument;  // parser, binder, catalog, conversion, constraint, ...
  }
}

namespace {


// DuckDB's message without its "LINE n: <sql>" excerpt and caret line (text after the caret is
// kept); the excerpt's line number goes to `sql_line`. Callers word messages in their own terms and
// point into their own files, so no caller needs the excerpt.
std::string without_sql_excerpt(const std::string& message, int& sql_line) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  std::vector<std::string> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t caret = i + 1 < lines.size() ? lines[i + 1].find_first_not_of(' ') : std::string::npos;
    bool excerpt = lines[i].rfind("LINE ", 0) == 0 && caret != std::string::npos && lines[i + 1][caret] == '^';
    if (!excerpt) {
      kept.push_back(lines[i]);
      continue;
    }
    if (sql_line == 0) {
      int line = 0;
      for (size_t c = 5; c < lines[i].size() && std::isdigit(static_cast<unsigned char>(lines[i][c])); ++c) {
        line = line * 10 + (lines[i][c] - '0');
      }
      sql_line = line;
    }
    std::string rest = lines[i + 1].substr(caret + 1);
    while (!kept.empty() && kept.back().find_first_not_of(" \t") == std::string::npos) kept.pop_back();
    if (rest.find_first_not_of(' ') != std::string::npos) {
      if (kept.empty()) kept.push_back(rest.substr(rest.find_first_not_of(' ')));
      else kept.back() += rest;
    }
    ++i;  // the caret line
  }
  while (!kept.empty() && kept.back().find_first_not_of(" \t") == std::string::npos) kept.pop_back();
  std::string out;
  for (size_t i = 0; i < kept.size(); ++i) out += (i ? "\n" : "") + kept[i];
  return out;
}

}  // namespace

// The C API reports no error type for a failed prepare: DuckDB's messages begin with the type's
// name ("IO Error: ...", "Binder Error: ..."), which gives the same type.
int error_type_from_message(const std::string& message) {
  static const std::pair<const char*, duckdb_error_type> kPrefixes[] = {
      {"IO Error:", DUCKDB_ERROR_IO},
      {"HTTP Error:", DUCKDB_ERROR_HTTP},
      {"Network Error:", DUCKDB_ERROR_NETWORK},
      {"Permission Error:", DUCKDB_ERROR_PERMISSION},
      {"Out of Memory Error:", DUCKDB_ERROR_OUT_OF_MEMORY},
      {"INTERRUPT Error:", DUCKDB_ERROR_INTERRUPT},
      {"TransactionContext Error:", DUCKDB_ERROR_TRANSACTION},
      {"Not implemented Error:", DUCKDB_ERROR_NOT_IMPLEMENTED},
      {"Missing Extension Error:", DUCKDB_ERROR_MISSING_EXTENSION},
      {"INTERNAL Error:", DUCKDB_ERROR_INTERNAL},
      {"FATAL Error:", DUCKDB_ERROR_FATAL},
      {"Serialization Error:", DUCKDB_ERROR_SERIALIZATION},
  };
  for (const auto& [prefix, type] : kPrefixes) {
    if (message.rfind(prefix, 0) == 0) return type;
  }
  return DUCKDB_ERROR_INVALID_INPUT;  // parser, binder, catalog, conversion, ...
}

Error engine_error(ErrorCode code, const std::string& message) {
  // A store's error raised through DuckDB keeps its code and details (bucket, key, S3 code).
  if (code == ErrorCode::kIo) {
    if (auto stored = store_error_in(message)) return *stored;
  }
  int sql_line = 0;
  std::string text = without_sql_excerpt(message, sql_line);
  Error error(code, text);
  error.set_sql_line(sql_line);
  return error;
}

}  // namespace silt::engine::duckdb
