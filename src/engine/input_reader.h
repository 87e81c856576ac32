// How the rows of a write's or merge's input are read: a query as it is, or files by glob with
// DuckDB's readers. Against an existing table, CSV is read by its header and the table's types with
// the parser's sniffing off (so a row with the wrong number of fields, an unterminated quote, a
// date in another format or invalid UTF-8 is an error, not a guess), and every bad line is kept
// with its file, line and column; empty files hold no rows. Decimal columns are read wide, so that
// conform_source can refuse values that would be rounded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/schema.h"
#include "engine/duckdb/database.h"
#include "engine/file_bridge.h"
#include "storage/file_system.h"

namespace silt::engine {

struct Source;

struct InputRead {
  std::string sql;            // a SELECT giving the input's rows
  std::string rejects_table;  // CSV read against a schema: the table DuckDB stores bad lines in
  std::string rejects_scan;
  bool json = false;          // JSON files read against a schema
  std::vector<std::string> files;  // the input files (store paths), when the source is files
};

class InputReader {
 public:
  // Files are read from `fs` through `files` (the session's bridge).
  InputReader(duckdb::Connection& connection, storage::FileSystem& fs, FileBridge& files)
      : connection_(connection), fs_(fs), files_(files) {}

  // The SELECT over `source`; with `schema` (the table's), files are parsed as its types.
  Result<InputRead> read(const Source& source, const delta::Schema* schema);
  // After the rows were consumed: InvalidArgument naming the first bad line ("orders.csv line 3,
  // column 'amount': ...: <the line>") and how many there were; ok when none. Drops the tables.
  Status check_rejects(const InputRead& read);
  // A failure while the rows were consumed, told as a bad input line when the reader reported one
  // ("orders.json line 2: Failed to cast value to numerical: \"x\" (...)"), else as it is, with
  // the input's store paths.
  Error explain_failure(const InputRead& read, Error error) const;
  // For a source of JSON files whose reading failed as bad input: the first line that is not valid
  // JSON ("malformed JSON in <file> line N: <line>"; DuckDB's own line numbers can be off by one);
  // nullopt when every line parses or the source is not JSON files.
  std::optional<Error> malformed_json(const Source& source);

 private:
  Result<InputRead> read_csv_with_schema(const std::vector<storage::FileInfo>& files,
                                         const std::vector<std::string>& locals, bool tsv,
                                         const delta::Schema& schema, const Source& source);

  duckdb::Connection& connection_;
  storage::FileSystem& fs_;
  FileBridge& files_;
};

}  // namespace silt::engine
