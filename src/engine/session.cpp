// Session set-up and the snapshot-to-SQL translation (one read_parquet per partition group,
// partition values as typed literals so DuckDB folds filters on them and prunes whole groups).
#include "engine/session.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/memory_size.h"
#include "base/strings.h"
#include "delta/actions.h"
#include "delta/file_pruning.h"
#include "engine/duckdb/store_file_system.h"
#include "engine/parquet_io.h"
#include "engine/type_mapping.h"

namespace silt::engine {

Session::~Session() {
  if (!catalog_.empty() && connection_) {
    // The catalog belongs to the database, not the connection: detach it with the session.
    (void)connection_->execute_script("USE memory; DETACH DATABASE IF EXISTS " + sql_identifier(catalog_) + ";");
  }
}

namespace {
void remove_stale_staging_files(const std::string& directory);
}  // namespace

Result<std::unique_ptr<Session>> Session::open(const SessionOptions& options) {
  std::unique_ptr<Session> session(new Session());
  // Every resource setting is explicit, so a run behaves the same on a laptop and in CI.
  SessionOptions resolved = options;
  if (resolved.threads <= 0) resolved.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (resolved.memory_limit.empty()) {
    resolved.memory_limit = std::to_string(default_memory_limit_bytes() >> 20) + "MiB";
  }
  if (resolved.temp_directory.empty()) {
    std::error_code ignored;
    resolved.temp_directory =
        (std::filesystem::temp_directory_path(ignored) / ("silt-spill-" + std::to_string(getuid()))).string();
  }
  session->options_ = resolved;
  remove_stale_staging_files(resolved.temp_directory);
  duckdb::DatabaseOptions db_options;
  db_options.threads = resolved.threads;
  db_options.memory_limit = resolved.memory_limit;
  db_options.temp_directory = resolved.temp_directory;
  SILT_TRY_ASSIGN(auto database, duckdb::Database::open(db_options));
  session->database_ = std::move(database);
  session->files_ = std::make_shared<FileBridge>();
  SILT_TRY(duckdb::register_store_file_system(*session->database_, session->files_));
  SILT_TRY_ASSIGN(session->connection_, duckdb::Connection::open(*session->database_));
  SILT_TRY(session->configure_connection());
  return session;
}

Result<std::unique_ptr<Session>> Session::open_sibling() {
  std::unique_ptr<Session> sibling(new Session());
  sibling->options_ = options_;
  sibling->database_ = database_;
  sibling->files_ = files_;
  SILT_TRY_ASSIGN(sibling->connection_, duckdb::Connection::open(*database_));
  std::string catalog = "silt_session_" + replace_all(new_uuid(), "-", "").substr(0, 16);
  SILT_TRY(sibling->connection_->execute_script("ATTACH ':memory:' AS " + sql_identifier(catalog) + "; USE " +
                                                sql_identifier(catalog) + ";"));
  sibling->catalog_ = catalog;
  SILT_TRY(sibling->configure_connection());
  return sibling;
}

Status Session::configure_connection() {
  // partitioned_write_max_open_files: DuckDB's default of 100 splits a write touching more
  // partitions into many small files per partition.
  SILT_TRY(connection_->execute_script(
      "SET TimeZone = 'UTC'; SET parquet_metadata_cache = true; SET partitioned_write_max_open_files = 4096;"));
  parquet_io_ = std::make_unique<DuckParquetIo>(*connection_, *files_, options_.temp_directory);
  return Status();
}

namespace {

// Up to this many partition values, a scan is one read_parquet per value (DuckDB then prunes whole
// values by filters on partition columns); beyond it, one read_parquet with a lookup by file name.
constexpr size_t kMaxPartitionBranches = 32;

// UNION ALL of branches [begin, end) as a balanced tree. A flat chain of N branches nests N deep:
// DuckDB refuses more than 1000 levels (a table with over ~1000 partition values could not be
// read) and binds long chains in quadratic time (bench/count_bench.cpp).
std::string union_all(const std::vector<std::string>& branches, size_t begin, size_t end) {
  if (end - begin == 1) return branches[begin];
  size_t middle = begin + (end - begin) / 2;
  return "SELECT * FROM ((" + union_all(branches, begin, middle) + ")\nUNION ALL\n(" +
         union_all(branches, middle, end) + "))";
}

// True when DuckDB's Hive partitioning would read exactly the log's partition values from every
// file's path: each value is non-NULL, made only of characters no encoding changes, and appears as
// the only `<column>=<value>` directory for its column below the table root, whose own path has no
// '=' (DuckDB would read that too). Partition values must still come from the log; this only
// proves the paths agree with it.
bool hive_paths_match_log(const delta::Snapshot& snapshot, const delta::Schema& schema,
                          const std::vector<size_t>& indices) {
  if (snapshot.table_root().find('=') != std::string::npos) return false;
  for (const auto& column : snapshot.partition_columns()) {
    const auto* field = schema.find(column);
    if (!field) return false;
    const auto& type = field->type;
    bool simple = type.kind == delta::DataType::Kind::kDecimal ||
                  (type.kind == delta::DataType::Kind::kPrimitive && !type.is_primitive("timestamp") &&
                   !type.is_primitive("timestamp_ntz") && !type.is_primitive("binary") && !type.is_primitive("void"));
    if (!simple) return false;
    for (char c : column) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
  }
  auto plain = [](const std::string& value) {
    if (value.empty() || value == "NULL" || value == "__HIVE_DEFAULT_PARTITION__") return false;
    for (char c : value) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
  };
  for (size_t index : indices) {
    const auto& file = snapshot.files()[index];
    std::string path = delta::canonical_path(file.path);
    if (starts_with(path, "/") || path.find("://") != std::string::npos) return false;  // only relative paths
    std::map<std::string, std::string> seen;
    for (const auto& segment : split(path, '/')) {
      auto eq = segment.find('=');
      if (eq == std::string::npos) continue;
      if (!seen.emplace(segment.substr(0, eq), segment.substr(eq + 1)).second) return false;
    }
    if (seen.size() != snapshot.partition_columns().size()) return false;
    for (const auto& column : snapshot.partition_columns()) {
      auto value = file.partition_values.find(column);
      auto on_path = seen.find(column);
      if (value == file.partition_values.end() || !value->second || on_path == seen.end()) return false;
      if (!plain(*value->second) || on_path->second != *value->second) return false;
    }
  }
  return true;
}

// The top-level column names (lower case) of each Parquet file. parquet_schema() lists every schema
// element depth-first (the root, then each column followed by its children: list/element,
// key_value/key/value, struct fields); a nested child named like a missing top-level column must not
// count as that column, so the tree is walked by num_children.
Result<std::map<std::string, std::set<std::string>>> top_level_columns(duckdb::Connection& connection,
                                                                      const std::vector<std::string>& paths) {
  std::map<std::string, std::set<std::string>> out;
  if (paths.empty()) return out;
  SILT_TRY_ASSIGN(auto result, connection.query_varchar("SELECT file_name, name, coalesce(num_children, 0)::VARCHAR FROM parquet_schema(" +
                                                         sql_string_list(paths) + ")"));
  struct Walk {
    bool root_seen = false;
    std::vector<int64_t> remaining;  // children still to come of each open element
  };
  std::map<std::string, Walk> walks;
  for (const auto& row : result.rows) {
    if (!row[0]) continue;
    auto& walk = walks[*row[0]];
    int64_t children = parse_int64(row[2].value_or("0")).value_or(0);
    if (!walk.root_seen) {
      walk.root_seen = true;
      out[*row[0]];  // a file with no columns still has an entry
      continue;
    }
    if (walk.remaining.empty() && row[1]) out[*row[0]].insert(to_lower(*row[1]));
    if (!walk.remaining.empty()) --walk.remaining.back();
    if (children > 0) {
      walk.remaining.push_back(children);
    } else {
      while (!walk.remaining.empty() && walk.remaining.back() == 0) walk.remaining.pop_back();
    }
  }
  return out;
}

// Checkpoint staging files of processes that were killed mid-checkpoint: removed after an hour
// (a live checkpoint write takes seconds).
void remove_stale_staging_files(const std::string& directory) {
  std::error_code error;
  auto horizon = std::filesystem::file_time_type::clock::now() - std::chrono::hours(1);
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    const auto& entry = *it;
    if (entry.path().filename().string().rfind("silt-checkpoint-", 0) != 0) continue;
    std::error_code ignored;
    if (entry.last_write_time(ignored) < horizon) std::filesystem::remove(entry.path(), ignored);
  }
}

}  // namespace

Result<std::string> Session::scan_sql(const delta::Snapshot& snapshot, const ScanOptions& options) {
  SILT_TRY_ASSIGN(auto schema, snapshot.schema());
  const auto& partition_columns = snapshot.partition_columns();
  std::set<std::string> partition_set;
  for (const auto& column : partition_columns) partition_set.insert(to_lower(column));

  std::vector<size_t> indices;
  if (options.file_indices) {
    indices = *options.file_indices;
  } else {
    for (size_t i = 0; i < snapshot.files().size(); ++i) indices.push_back(i);
  }

  // Column types once.
  std::vector<std::string> sql_types;
  for (const auto& field : schema.fields) {
    SILT_TRY_ASSIGN(auto type, to_duckdb_type(field.type));
    sql_types.push_back(type);
  }

  if (indices.empty()) {
    std::string select;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      if (i) select += ", ";
      select += "CAST(NULL AS " + sql_types[i] + ") AS " + sql_identifier(schema.fields[i].name);
    }
    if (options.with_file_column) select += std::string(select.empty() ? "" : ", ") + "CAST(NULL AS VARCHAR) AS _silt_file";
    if (select.empty()) select = "NULL AS _silt_empty";
    return "SELECT " + select + " WHERE false";
  }

  // The path DuckDB opens for each scanned file: the store's own on local disk, else a cached copy.
  std::vector<std::string> locals(snapshot.files().size());
  {
    std::vector<std::string> store_paths;
    for (size_t index : indices) store_paths.push_back(snapshot.absolute_path(snapshot.files()[index].path));
    SILT_TRY_ASSIGN(auto readable, files_->readable(snapshot.store(), store_paths, /*immutable=*/true));
    for (size_t k = 0; k < indices.size(); ++k) locals[indices[k]] = std::move(readable[k]);
  }
  const std::string file_column = FileBridge::in_place(snapshot.store(), snapshot.table_root()) ? "filename" : files_->store_path_sql("filename");

  // Group files by their partition values (the tuple, as text), keeping log order within a group.
  std::map<std::vector<std::optional<std::string>>, std::vector<size_t>> groups;
  for (size_t index : indices) {
    const auto& file = snapshot.files()[index];
    std::vector<std::optional<std::string>> key;
    for (const auto& column : partition_columns) {
      std::optional<std::string> value;
      for (const auto& [name, item] : file.partition_values) {
        if (to_lower(name) == to_lower(column)) value = item;
      }
      key.push_back(value);
    }
    groups[key].push_back(index);
  }

  // Files written before a column was added lack it: find which top-level columns those files
  // really hold. A log replayed from version 0 shows every schema change; after a checkpoint, which
  // hides the history, only files whose statistics do not name every column can be such files.
  std::map<std::string, std::set<std::string>> file_columns;
  std::vector<size_t> suspects;
  if (snapshot.schema_changed()) {
    suspects = indices;
  } else if (snapshot.checkpoint_version()) {
    std::set<size_t> wanted(indices.begin(), indices.end());
    for (size_t index : delta::files_maybe_lacking_columns(snapshot, schema)) {
      if (wanted.count(index)) suspects.push_back(index);
    }
  }
  bool check_columns = !suspects.empty();
  std::set<std::string> all_columns;  // lower-case, for files known to hold every column
  for (const auto& field : schema.fields) all_columns.insert(to_lower(field.name));
  if (check_columns) {
    std::vector<std::string> suspect_paths;
    for (size_t index : suspects) suspect_paths.push_back(locals[index]);
    SILT_TRY_ASSIGN(file_columns, top_level_columns(*connection_, suspect_paths));
  }
  // The SELECT list over one reader: data columns cast to the table's types (NULL when no file of
  // the reader has the column), partition columns from `partition_value(position, field)`.
  auto select_list = [&](const std::vector<std::string>& paths,
                         const std::function<Result<std::string>(size_t, const delta::StructField&)>& partition_value)
      -> Result<std::string> {
    std::set<std::string> present;  // lower-case names present in at least one of the files
    if (check_columns) {
      for (const auto& path : paths) {
        auto it = file_columns.find(path);
        if (it == file_columns.end()) {
          present = all_columns;
          break;
        }
        present.insert(it->second.begin(), it->second.end());
      }
    }
    std::string select;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      const auto& field = schema.fields[i];
      if (i) select += ", ";
      std::string lower = to_lower(field.name);
      if (partition_set.count(lower)) {
        size_t position = 0;
        for (size_t p = 0; p < partition_columns.size(); ++p) {
          if (to_lower(partition_columns[p]) == lower) position = p;
        }
        SILT_TRY_ASSIGN(auto value, partition_value(position, field));
        select += value + " AS " + sql_identifier(field.name);
      } else if (field.type.is_primitive("void") || (check_columns && !present.count(lower))) {
        select += "CAST(NULL AS " + sql_types[i] + ") AS " + sql_identifier(field.name);
      } else {
        select += "CAST(" + sql_identifier(field.name) + " AS " + sql_types[i] + ") AS " + sql_identifier(field.name);
      }
    }
    if (options.with_file_column) select += std::string(select.empty() ? "" : ", ") + file_column + " AS _silt_file";
    return select;
  };
  auto reader_sql = [&](const std::vector<std::string>& paths, bool with_filename) {
    return "read_parquet(" + sql_string_list(paths) + ", binary_as_string=false" +
           (with_filename ? ", filename=true" : "") + (check_columns ? ", union_by_name=true" : "") + ")";
  };

  if (groups.size() > kMaxPartitionBranches) {
    // Many partition values: one reader over every file. One branch per value would make DuckDB
    // plan thousands of scans.
    std::vector<std::string> paths;
    for (size_t index : indices) paths.push_back(locals[index]);
    if (hive_paths_match_log(snapshot, schema, indices)) {
      // Every file's directory names spell exactly the log's values: DuckDB's Hive reader yields
      // the same typed values and prunes files on filters by itself.
      std::string types;
      for (const auto& column : partition_columns) {
        SILT_TRY_ASSIGN(auto type, to_duckdb_type(schema.find(column)->type));
        if (!types.empty()) types += ", ";
        types += sql_string(column) + ": " + sql_string(type);
      }
      SILT_TRY_ASSIGN(auto select, select_list(paths, [&](size_t position, const delta::StructField& field)
                                                          -> Result<std::string> {
                        SILT_TRY_ASSIGN(auto type, to_duckdb_type(field.type));
                        return "CAST(" + sql_identifier(partition_columns[position]) + " AS " + type + ")";
                      }));
      std::string reader = "read_parquet(" + sql_string_list(paths) + ", binary_as_string=false" +
                           (options.with_file_column ? ", filename=true" : "") +
                           (check_columns ? ", union_by_name=true" : "") +
                           ", hive_partitioning=true, hive_types_autocast=false, hive_types={" + types + "})";
      return "SELECT " + select + " FROM " + reader;
    }
    // Otherwise each partition column is looked up by file name in a MAP of typed values.
    std::vector<std::string> maps(partition_columns.size());
    for (size_t p = 0; p < partition_columns.size(); ++p) {
      const auto* field = schema.find(partition_columns[p]);
      if (!field) continue;
      std::string entries;
      for (size_t k = 0; k < indices.size(); ++k) {
        const auto& file = snapshot.files()[indices[k]];
        std::optional<std::string> value;
        for (const auto& [name, item] : file.partition_values) {
          if (to_lower(name) == to_lower(partition_columns[p])) value = item;
        }
        SILT_TRY_ASSIGN(auto literal, partition_value_literal(value, field->type));
        if (!entries.empty()) entries += ", ";
        entries += sql_string(paths[k]) + ": " + literal;
      }
      maps[p] = "MAP {" + entries + "}";
    }
    SILT_TRY_ASSIGN(auto select, select_list(paths, [&](size_t position, const delta::StructField&) -> Result<std::string> {
                      return "(" + maps[position] + ")[filename]";
                    }));
    return "SELECT " + select + " FROM " + reader_sql(paths, true);
  }

  std::vector<std::string> branches;  // one SELECT per partition group
  for (const auto& [key, members] : groups) {
    std::vector<std::string> paths;
    for (size_t index : members) paths.push_back(locals[index]);
    SILT_TRY_ASSIGN(auto select,
                    select_list(paths, [&](size_t position, const delta::StructField& field) {
                      return partition_value_literal(key[position], field.type);
                    }));
    branches.push_back("SELECT " + select + " FROM " + reader_sql(paths, options.with_file_column));
  }
  return union_all(branches, 0, branches.size());
}

Status Session::register_snapshot(const std::string& view_name, const delta::Snapshot& snapshot,
                                  const ScanOptions& options) {
  SILT_TRY_ASSIGN(auto sql, scan_sql(snapshot, options));
  Status status = connection_->execute("CREATE OR REPLACE TEMP VIEW " + sql_identifier(view_name) + " AS " + sql);
  if (!status.ok() && status.code() == ErrorCode::kInvalidArgument) {
    // The SQL is ours and reads only the table's live files: DuckDB's "invalid input" here is a
    // damaged data file (not Parquet, truncated), not a usage error.
    return make_error(ErrorCode::kCorruption, fmt::format("cannot read the data files of {} at version {}: {}",
                                                          snapshot.table_root(), snapshot.version(),
                                                          files_->with_store_paths(status.message())));
  }
  return status;
}

}  // namespace silt::engine
