// Input reading for writes and merges; see input_reader.h.
#include "engine/input_reader.h"

#include <map>
#include <regex>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/ids.h"
#include "base/strings.h"
#include "engine/table_ops.h"
#include "engine/type_mapping.h"

namespace silt::engine {

namespace {

// The fields of a CSV header line: `delimiter`-separated, '"' quotes with "" for a quote inside.
std::vector<std::string> header_fields(std::string_view line, char delimiter) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  for (auto& field : fields) field = std::string(trim(field));
  return fields;
}

// A decimal column is read with as many fraction digits as fit beside its integer digits, so that
// conform_source sees (and refuses) a value the column's scale would round.
std::string read_type(const delta::DataType& type, const std::string& table_type) {
  if (type.kind != delta::DataType::Kind::kDecimal) return table_type;
  int integer_digits = type.precision - type.scale;
  int scale = std::max(type.scale, std::min(38 - integer_digits, 28));
  return fmt::format("DECIMAL(38,{})", scale);
}

std::string format_of(const std::string& glob, const std::string& given) {
  std::string format = to_lower(given);
  if (!format.empty()) return format;
  std::string lower = to_lower(glob);
  if (ends_with(lower, ".csv") || ends_with(lower, ".csv.gz") || ends_with(lower, ".tsv")) return "csv";
  if (ends_with(lower, ".json") || ends_with(lower, ".jsonl") || ends_with(lower, ".ndjson") || ends_with(lower, ".json.gz")) {
    return "json";
  }
  if (ends_with(lower, ".parquet")) return "parquet";
  return "";
}

}  // namespace

Result<InputRead> InputReader::read(const Source& source, const delta::Schema* schema) {
  InputRead out;
  if (source.query) {
    out.sql = *source.query;
    return out;
  }
  if (!source.input_glob) {
    return make_error(ErrorCode::kInvalidArgument, "no input: give an input glob or a query")
        .set_option("input", "an input glob or a query");
  }
  const std::string& glob = *source.input_glob;
  std::string format = format_of(glob, source.format);
  if (format.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot tell the format of '{}' from its extension; give the format (csv, json or "
                                  "parquet)",
                                  glob))
        .set_option("format", "give the format (csv, json or parquet)");
  }
  // Fail early, naming the glob, when it matches nothing.
  SILT_TRY_ASSIGN(auto matched, files_.glob(connection_, fs_, glob));
  if (matched.empty()) return make_error(ErrorCode::kNotFound, fmt::format("no input files match '{}'", glob));
  if (format != "csv" && format != "json" && format != "parquet") {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("unknown format '{}' (expected one of: csv, json, parquet)", source.format));
  }
  for (const auto& file : matched) out.files.push_back(file.path);
  SILT_TRY_ASSIGN(auto locals, files_.readable(fs_, out.files, /*immutable=*/false));
  if (format == "csv") {
    if (schema && !ends_with(to_lower(glob), ".gz")) {
      SILT_TRY_ASSIGN(auto read, read_csv_with_schema(matched, locals, ends_with(to_lower(glob), ".tsv"), *schema, source));
      read.files = std::move(out.files);
      return read;
    }
    std::string reader = "read_csv(" + sql_string_list(locals) + ", header = true";
    if (!source.date_format.empty()) reader += ", dateformat = " + sql_string(source.date_format);
    if (!source.timestamp_format.empty()) reader += ", timestampformat = " + sql_string(source.timestamp_format);
    out.sql = "SELECT * FROM " + reader + ")";
    return out;
  }
  if (format == "json") {
    // Empty files hold no rows (DuckDB would read one as a single column named json).
    std::vector<std::string> paths;
    for (size_t i = 0; i < matched.size(); ++i) {
      if (matched[i].size != 0) paths.push_back(locals[i]);
    }
    if (paths.empty()) {
      if (!schema) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("every file matching '{}' is empty: there are no rows to write, nor columns "
                                      "to create the table with",
                                      glob));
      }
      std::string columns;
      for (const auto& field : schema->fields) {
        SILT_TRY_ASSIGN(auto type, to_duckdb_type(field.type));
        columns += (columns.empty() ? "" : ", ") + ("CAST(NULL AS " + type + ") AS " + sql_identifier(field.name));
      }
      out.sql = "SELECT " + columns + " WHERE false";
      return out;
    }
    std::string list = sql_string_list(paths);
    std::string reader = "read_json_auto(" + list;
    if (schema) {
      // The keys the table knows are parsed as the table's types ("2025-11-03" into DATE), so a bad
      // value fails naming the file and line.
      // read_json reads only the keys listed in `columns`, so unknown keys keep their detected
      // type and conform_source still refuses them.
      auto detected = connection_.query_varchar("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " +
                                                reader + "))");
      if (!detected) {
        std::string message = files_.with_store_paths(detected.error().message());
        return std::move(detected).error().with_message(std::move(message));
      }
      std::string columns;
      for (const auto& row : detected->rows) {
        if (!row[0]) continue;
        const auto* field = schema->find(*row[0]);
        std::string type = row[1].value_or("VARCHAR");
        if (field) {
          // JSON numbers are doubles: a decimal column is read as one (DuckDB's JSON reader goes
          // through a double anyway), and conform_source refuses a value the scale would round.
          SILT_TRY_ASSIGN(type, to_duckdb_type(field->type));
          if (field->type.kind == delta::DataType::Kind::kDecimal) type = "DOUBLE";
        }
        if (!columns.empty()) columns += ", ";
        columns += sql_string(*row[0]) + ": " + sql_string(type);
      }
      if (!columns.empty()) reader = "read_json(" + list + ", columns = {" + columns + "}";
      out.json = true;
    }
    out.sql = "SELECT * FROM " + reader + ")";
    return out;
  }
  out.sql = "SELECT * FROM read_parquet(" + sql_string_list(locals) + ")";
  return out;
}

Result<InputRead> InputReader::read_csv_with_schema(const std::vector<storage::FileInfo>& files,
                                                    const std::vector<std::string>& locals, bool tsv,
                                                    const delta::Schema& schema, const Source& source) {
  char delimiter = tsv ? '\t' : ',';
  // Every file's header, read by silt: one layout for all files, empty files left out.
  std::vector<std::string> paths;
  std::vector<std::string> header;
  std::string header_file;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& path = files[i].path;
    SILT_TRY_ASSIGN(auto head, fs_.read_range(path, 0, 1 << 16));
    std::string_view text(head);
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) {
      if (end == std::string_view::npos || trim(text).empty()) continue;  // an empty file: no rows
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} line 1: the header line is empty; a CSV input starts with a header naming "
                                    "its columns ({})",
                                    path, join(schema.field_names(), ",")));
    }
    if (end == std::string_view::npos && head.size() == (1 << 16)) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: the header line is longer than 64 KiB", path));
    }
    auto fields = header_fields(line, delimiter);
    if (header.empty()) {
      header = fields;
      header_file = path;
    } else {
      bool same = fields.size() == header.size();
      for (size_t k = 0; same && k < fields.size(); ++k) same = to_lower(fields[k]) == to_lower(header[k]);
      if (!same) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("{} has the header '{}' but {} has '{}': one write reads files of one layout "
                                      "(write them separately)",
                                      path, join(fields, ","), header_file, join(header, ",")));
      }
    }
    paths.push_back(locals[i]);
  }
  InputRead out;
  if (paths.empty()) {
    std::string columns;
    for (const auto& field : schema.fields) {
      SILT_TRY_ASSIGN(auto type, to_duckdb_type(field.type));
      columns += (columns.empty() ? "" : ", ") + ("CAST(NULL AS " + type + ") AS " + sql_identifier(field.name));
    }
    out.sql = "SELECT " + columns + " WHERE false";
    return out;
  }
  for (const auto& name : header) {
    if (name.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{} line 1: a column of the header has no name ('{}')", header_file,
                                    join(header, std::string(1, delimiter))));
    }
  }
  // Columns the table does not know keep the type DuckDB detects (schema evolution adds them so).
  std::map<std::string, std::string> detected;
  {
    std::string sniffed = "read_csv(" + sql_string_list(paths) + ", header = true)";
    auto described = connection_.query_varchar("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " +
                                               sniffed + ")");
    if (described) {
      for (const auto& row : described->rows) {
        if (row[0] && row[1]) detected[to_lower(*row[0])] = *row[1];
      }
    }
  }
  std::string columns;
  for (const auto& name : header) {
    std::string type = "VARCHAR";
    if (const auto* field = schema.find(name)) {
      SILT_TRY_ASSIGN(auto table_type, to_duckdb_type(field->type));
      type = read_type(field->type, table_type);
    } else if (auto it = detected.find(to_lower(name)); it != detected.end()) {
      type = it->second;
    }
    columns += (columns.empty() ? "" : ", ") + (sql_string(name) + ": " + sql_string(type));
  }
  std::string id = replace_all(new_uuid(), "-", "");
  out.rejects_table = "silt_rejects_" + id;
  out.rejects_scan = "silt_rejects_scan_" + id;
  std::string reader = fmt::format(
      "read_csv({}, header = true, auto_detect = false, delim = {}, quote = '\"', escape = '\"', "
      "strict_mode = true, columns = {{{}}}, store_rejects = true, rejects_table = {}, rejects_scan = {}",
      sql_string_list(paths), sql_string(std::string(1, delimiter)), columns, sql_string(out.rejects_table),
      sql_string(out.rejects_scan));
  if (!source.date_format.empty()) reader += ", dateformat = " + sql_string(source.date_format);
  if (!source.timestamp_format.empty()) reader += ", timestampformat = " + sql_string(source.timestamp_format);
  out.sql = "SELECT * FROM " + reader + ")";
  return out;
}

Status InputReader::check_rejects(const InputRead& read) {
  if (read.rejects_table.empty()) return Status();
  auto first = connection_.query_varchar(fmt::format(
      "SELECT s.file_path, CAST(e.line AS VARCHAR), e.column_name, CAST(e.error_type AS VARCHAR), e.csv_line, "
      "e.error_message, CAST(count(DISTINCT (s.file_path, e.line)) OVER () AS VARCHAR) "
      "FROM {} e JOIN {} s USING (scan_id, file_id) ORDER BY s.file_path, e.line LIMIT 1",
      read.rejects_table, read.rejects_scan));
  (void)connection_.execute("DROP TABLE IF EXISTS " + read.rejects_table);
  (void)connection_.execute("DROP TABLE IF EXISTS " + read.rejects_scan);
  if (!first || first->rows.empty()) return Status();  // no table: DuckDB saw no bad line
  const auto& row = first->rows[0];
  std::string line = std::string(trim(row[4].value_or("")));
  if (line.size() > 120) line = line.substr(0, 117) + "...";
  int64_t bad = parse_int64(row[6].value_or("1")).value_or(1);
  std::string kind = row[3].value_or("");
  std::string what = row[5].value_or("");
  if (kind == "CAST") what += " (values are read as the table's column types; dates as YYYY-MM-DD unless a date format is given)";
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("{} line {}, column '{}': {}: {}{}", files_.store_path(row[0].value_or("?")),
                                row[1].value_or("?"),
                                row[2].value_or("?"), what, line,
                                bad > 1 ? fmt::format(" ({} bad lines in all; nothing was written)", bad)
                                        : std::string(" (nothing was written)")));
}

Error InputReader::explain_failure(const InputRead& read, Error error) const {
  std::string message = files_.with_store_paths(error.message());
  Error mapped = std::move(error).with_message(std::move(message));
  if (!read.json) return mapped;
  // DuckDB's JSON reader: 'JSON transform error in file "<path>", in line <n>: <reason>\n<hint>'.
  static const std::regex kTransform(R"re(JSON transform error in file "([^"]*)", in line ([0-9]+): ([^\n]*))re");
  std::smatch match;
  const std::string& text = mapped.message();
  if (!std::regex_search(text, match, kTransform)) return mapped;
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("{} line {}: {} (values are read as the table's column types; nothing was written)",
                           match[1].str(), match[2].str(), match[3].str()));
}

std::optional<Error> InputReader::malformed_json(const Source& source) {
  if (!source.input_glob || format_of(*source.input_glob, source.format) != "json") return std::nullopt;
  auto files = files_.glob(connection_, fs_, *source.input_glob);
  if (!files) return std::nullopt;
  for (const auto& file : *files) {
    auto text = fs_.read(file.path);
    if (!text) continue;
    // Newline-delimited JSON only: a file that is one JSON document (array) is judged whole.
    if (nlohmann::json::accept(*text)) continue;
    size_t line_number = 0, start = 0;
    while (start <= text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      ++line_number;
      std::string_view line = trim(std::string_view(*text).substr(start, end - start));
      if (!line.empty() && !nlohmann::json::accept(line)) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("malformed JSON in {} line {}: {}", file.path, line_number,
                                 line.size() > 80 ? std::string(line.substr(0, 77)) + "..." : std::string(line)));
      }
      start = end + 1;
    }
  }
  return std::nullopt;
}

}  // namespace silt::engine
