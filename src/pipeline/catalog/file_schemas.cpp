#include "pipeline/catalog/discovery_internal.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/catalog/type_widening.h"

namespace silt::pipeline {
namespace {

constexpr size_t kFooterBatch = 1000;  // Parquet files whose footers one query reads

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

// One change, counted once per column, kind and resulting type.
struct ChangeKey {
  std::string column, kind, to;
  bool operator<(const ChangeKey& o) const { return std::tie(column, kind, to) < std::tie(o.column, o.kind, o.to); }
};

// Reads the schemas (and Parquet row counts) of `files` into them, through one DuckDB session.
class SchemaReader {
 public:
  SchemaReader(engine::Session& session, storage::FileSystem& fs, std::string location, std::string format,
               CrawlState& state)
      : session_(session), fs_(fs), location_(std::move(location)), format_(std::move(format)), state_(state) {
    for (size_t i = 0; i < state_.schemas.size(); ++i) index_[fingerprint(state_.schemas[i])] = static_cast<int>(i);
  }

  Status read(std::vector<CrawledFile*>& files) {
    if (format_ == "parquet") {
      for (size_t begin = 0; begin < files.size(); begin += kFooterBatch) {
        std::vector<CrawledFile*> batch(files.begin() + static_cast<long>(begin),
                                        files.begin() + static_cast<long>(std::min(files.size(), begin + kFooterBatch)));
        if (!read_parquet_batch(batch).ok()) {
          for (CrawledFile* file : batch) {  // find the unreadable ones
            std::vector<CrawledFile*> one = {file};
            Status single = read_parquet_batch(one);
            if (!single.ok()) mark_unreadable(*file, single.message());
          }
        }
      }
      return Status();
    }
    for (CrawledFile* file : files) {
      SILT_TRY_ASSIGN(auto path, readable(*file));
      auto described = session_.connection().query_varchar(
          fmt::format("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {}({}, hive_partitioning = false))",
                      file_reader_function(format_),
                      sql_string(path)));
      if (!described) {
        mark_unreadable(*file, described.error().message());
        continue;
      }
      std::vector<CatalogColumn> columns;
      for (const auto& row : described->rows) columns.push_back({*row[0], normalize_type(*row[1]), true});
      file->schema = intern(columns);
      file->rows = -1;
    }
    return Status();
  }

 private:
  Result<std::string> readable(const CrawledFile& file) {
    return session_.files().readable(fs_, storage::join_path(location_, file.path), /*immutable=*/false);
  }

  Status read_parquet_batch(std::vector<CrawledFile*>& batch) {
    std::vector<std::string> paths;
    std::map<std::string, CrawledFile*> by_path;
    for (CrawledFile* file : batch) {
      SILT_TRY_ASSIGN(auto path, readable(*file));
      paths.push_back(path);
      by_path[path] = file;
    }
    auto& connection = session_.connection();
    SILT_TRY_ASSIGN(auto schema, connection.query_varchar(fmt::format(
                                     "SELECT file_name, name, CAST(coalesce(num_children, 0) AS VARCHAR), "
                                     "coalesce(duckdb_type, '') FROM parquet_schema({})",
                                     sql_string_list(paths))));
    SILT_TRY_ASSIGN(auto counts, connection.query_varchar(fmt::format(
                                     "SELECT file_name, CAST(num_rows AS VARCHAR) FROM parquet_file_metadata({})",
                                     sql_string_list(paths))));
    // Rows come file by file in schema order: the root, then each column depth first.
    std::map<std::string, std::vector<CatalogColumn>> columns;
    std::set<std::string> nested;
    std::map<std::string, int64_t> pending;  // descendants of the current node still to skip, per file
    std::map<std::string, bool> seen_root;
    for (const auto& row : schema.rows) {
      const std::string& file = *row[0];
      int64_t children = parse_int64(*row[2]).value_or(0);
      if (!seen_root[file]) {
        seen_root[file] = true;
        columns[file];
        continue;
      }
      int64_t& skip = pending[file];
      if (skip > 0) {
        skip += children - 1;
        continue;
      }
      if (children > 0) {
        nested.insert(file);
        skip = children;
        continue;
      }
      columns[file].push_back({*row[1], normalize_type(*row[3]), true});
    }
    for (const auto& path : nested) {  // nested columns: DuckDB's own description of the file
      SILT_TRY_ASSIGN(auto described, connection.query_varchar(fmt::format(
                                          "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({}, hive_partitioning = false))",
                                          sql_string(path))));
      columns[path].clear();
      for (const auto& r : described.rows) columns[path].push_back({*r[0], normalize_type(*r[1]), true});
    }
    for (const auto& row : counts.rows) {
      auto it = by_path.find(*row[0]);
      if (it != by_path.end()) it->second->rows = parse_int64(*row[1]).value_or(-1);
    }
    for (auto& [path, file] : by_path) {
      auto found = columns.find(path);
      if (found == columns.end()) return make_error(ErrorCode::kInternal, "no schema read for " + file->path);
      file->schema = intern(found->second);
      file->error.clear();
    }
    return Status();
  }

  void mark_unreadable(CrawledFile& file, const std::string& message) {
    file.schema = -1;
    file.rows = -1;
    file.error = first_line(session_.files().with_store_paths(message));
  }

  static std::string fingerprint(const std::vector<CatalogColumn>& columns) {
    std::string out;
    for (const auto& c : columns) out += c.name + '\x1f' + c.type + '\x1e';
    return out;
  }

  int intern(const std::vector<CatalogColumn>& columns) {
    std::string key = fingerprint(columns);
    auto it = index_.find(key);
    if (it != index_.end()) return it->second;
    state_.schemas.push_back(columns);
    int index = static_cast<int>(state_.schemas.size()) - 1;
    index_[key] = index;
    return index;
  }

  engine::Session& session_;
  storage::FileSystem& fs_;
  std::string location_;
  std::string format_;
  CrawlState& state_;
  std::map<std::string, int> index_;
};

}  // namespace

const char* file_reader_function(const std::string& format) {
  if (format == "csv") return "read_csv";
  if (format == "json") return "read_json";
  return "read_parquet";
}

Status read_file_schemas(engine::Session& session, storage::FileSystem& fs, const std::string& location,
                         const std::string& format, CrawlState& state, std::vector<CrawledFile*>& files) {
  SchemaReader reader(session, fs, location, format, state);
  return reader.read(files);
}

SchemaMerge merge_schemas(const std::vector<CatalogColumn>& base, const CrawlState& state,
                          const std::vector<const CrawledFile*>& files, bool first, bool to_varchar) {
  SchemaMerge merge;
  merge.columns = base;
  std::map<ChangeKey, size_t> found;  // -> index in merge.changes
  auto record = [&](const std::string& column, const std::string& kind, const std::string& from, const std::string& to,
                    const std::string& seen, const std::string& file) {
    ChangeKey key{to_lower(column), kind, to + '|' + seen};
    auto it = found.find(key);
    if (it == found.end()) {
      found.emplace(key, merge.changes.size());
      merge.changes.push_back({column, kind, from, to, seen, file, 1});
    } else {
      merge.changes[it->second].files += 1;
    }
  };
  for (const CrawledFile* file : files) {
    if (file->schema < 0) continue;
    for (const auto& column : state.schemas[static_cast<size_t>(file->schema)]) {
      auto at = std::find_if(merge.columns.begin(), merge.columns.end(),
                             [&](const CatalogColumn& c) { return to_lower(c.name) == to_lower(column.name); });
      if (at == merge.columns.end()) {
        if (!first) record(column.name, "added", "", column.type, column.type, file->path);
        merge.columns.push_back(column);
        continue;
      }
      WidenedType widened = widen_type(at->type, column.type);
      if (widened.how == Widening::kSame) continue;
      if (widened.how == Widening::kWidened) {
        if (!first) record(column.name, "widened", at->type, widened.type, column.type, file->path);
        at->type = widened.type;
        continue;
      }
      merge.conflicts = true;
      record(column.name, "conflict", at->type, "VARCHAR", column.type, file->path);
      if (to_varchar) at->type = "VARCHAR";
    }
  }
  return merge;
}

std::string describe_schema_change(const SchemaChange& c) {
  if (c.kind == "added") return fmt::format("{}: new column {} ({} file(s), e.g. {})", c.column, c.to, c.files, c.file);
  if (c.kind == "conflict") {
    return fmt::format("{}: {} where files hold {}: only VARCHAR holds both (conflict; {} file(s), e.g. {})", c.column,
                       c.from, c.seen, c.files, c.file);
  }
  return fmt::format("{}: {} -> {} (widened for {}; {} file(s), e.g. {})", c.column, c.from, c.to, c.seen, c.files,
                     c.file);
}

}  // namespace silt::pipeline
