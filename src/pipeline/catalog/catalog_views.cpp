#include "pipeline/catalog/catalog_views.h"

#include <map>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/sql_references.h"
#include "pipeline/catalog/discovery.h"

namespace silt::pipeline {
namespace {

constexpr const char* kCatalogSchema = "catalog";
// Up to this many partitions, one reader per partition (pruned by filters on partition columns);
// beyond it, one reader over every file and the partition values looked up by file name.
constexpr size_t kMaxPartitionBranches = 32;

std::string typed_literal(const std::string& value, const std::string& type) {
  if (value.empty()) return fmt::format("CAST(NULL AS {})", type);
  return fmt::format("CAST({} AS {})", sql_string(value), type);
}

// The entry's columns over `source` (a FROM item), with `present` the columns its files hold.
std::string column_list(const CatalogEntry& entry, const std::set<std::string>& present) {
  std::vector<std::string> items;
  for (const auto& c : entry.columns) {
    if (present.count(to_lower(c.name))) {
      items.push_back(fmt::format("CAST({0} AS {1}) AS {0}", sql_identifier(c.name), c.type));
    } else {
      items.push_back(fmt::format("CAST(NULL AS {}) AS {}", c.type, sql_identifier(c.name)));
    }
  }
  return join(items, ", ");
}

struct PartitionFiles {
  std::vector<std::string> values;
  std::vector<std::string> paths;  // store paths
  std::set<std::string> present;   // lower-case column names some file holds
};

}  // namespace

Result<std::string> catalog_files_select_sql(engine::Session& session, storage::FileSystem& fs, Catalog& catalog,
                                             const CatalogEntry& entry) {
  SILT_TRY_ASSIGN(auto text, catalog.crawl_state(entry.name));
  if (text.empty()) {
    return make_error(ErrorCode::kNotFound, fmt::format("catalog table '{}' has no crawl state: run silt discover {} "
                                                        "--name {} again",
                                                        entry.name, entry.location, entry.name));
  }
  SILT_TRY_ASSIGN(auto state, crawl_state_from_json(text, entry.name));
  std::map<std::string, PartitionFiles> partitions;
  for (const auto& file : state.files) {
    if (file.schema < 0) continue;
    FilePartition fp = file_partition(entry.partition_style, file.path);
    PartitionFiles& p = partitions[fp.path];
    p.values = fp.values;
    p.paths.push_back(storage::join_path(entry.location, file.path));
    for (const auto& c : state.schemas[static_cast<size_t>(file.schema)]) p.present.insert(to_lower(c.name));
  }
  if (partitions.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("catalog table '{}' has no readable file (run silt discover again)", entry.name));
  }
  const std::string reader = file_reader_function(entry.format);
  auto partition_literals = [&](const std::vector<std::string>& values) {
    std::string out;
    for (size_t i = 0; i < entry.partition_columns.size(); ++i) {
      const auto& column = entry.partition_columns[i];
      out += fmt::format(", {} AS {}", typed_literal(i < values.size() ? values[i] : "", column.type),
                         sql_identifier(column.name));
    }
    return out;
  };
  if (partitions.size() <= kMaxPartitionBranches) {
    std::vector<std::string> branches;
    for (const auto& [path, p] : partitions) {
      SILT_TRY_ASSIGN(auto readable, session.files().readable(fs, p.paths, /*immutable=*/false));
      branches.push_back(fmt::format("SELECT {}{} FROM {}({}, union_by_name = true, hive_partitioning = false)",
                                     column_list(entry, p.present),
                                     partition_literals(p.values), reader, sql_string_list(readable)));
    }
    return join(branches, " UNION ALL ");
  }
  std::vector<std::string> all_paths;
  std::set<std::string> present;
  std::vector<std::string> lookup;
  for (const auto& [path, p] : partitions) {
    SILT_TRY_ASSIGN(auto readable, session.files().readable(fs, p.paths, /*immutable=*/false));
    for (const auto& r : readable) {
      all_paths.push_back(r);
      std::string row = sql_string(r);
      for (size_t i = 0; i < entry.partition_columns.size(); ++i) {
        row += ", " + typed_literal(i < p.values.size() ? p.values[i] : "", entry.partition_columns[i].type);
      }
      lookup.push_back("(" + row + ")");
    }
    present.insert(p.present.begin(), p.present.end());
  }
  std::vector<std::string> names = {"silt_file"};
  std::string partition_select;
  for (const auto& c : entry.partition_columns) {
    names.push_back(sql_identifier(c.name));
    partition_select += ", silt_partitions." + sql_identifier(c.name);
  }
  return fmt::format(
      "SELECT {}{} FROM {}({}, union_by_name = true, hive_partitioning = false, filename = 'silt_file') AS silt_rows JOIN (VALUES {}) AS "
      "silt_partitions({}) USING (silt_file)",
      column_list(entry, present), partition_select, reader, sql_string_list(all_paths), join(lookup, ", "),
      join(names, ", "));
}

Status register_catalog_tables(engine::Session& session, storage::FileSystem& fs, Catalog& catalog,
                               const std::vector<std::string>& names) {
  std::vector<CatalogEntry> entries;
  if (names.empty()) {
    SILT_TRY_ASSIGN(entries, catalog.list());
  } else {
    for (const auto& name : names) {
      SILT_TRY_ASSIGN(auto entry, catalog.get(name));
      entries.push_back(std::move(entry));
    }
  }
  auto& connection = session.connection();
  SILT_TRY(connection.execute(fmt::format("CREATE SCHEMA IF NOT EXISTS {}", kCatalogSchema)));
  for (const auto& entry : entries) {
    std::string select;
    if (entry.kind == "delta") {
      auto snapshot = delta::Snapshot::load(fs, session.parquet_io(), entry.location);
      if (!snapshot) return std::move(snapshot).error().with_context(fmt::format("catalog table '{}'", entry.name));
      SILT_TRY_ASSIGN(select, session.scan_sql(**snapshot));
    } else {
      SILT_TRY_ASSIGN(select, catalog_files_select_sql(session, fs, catalog, entry));
    }
    SILT_TRY_CONTEXT(connection.execute(fmt::format("CREATE OR REPLACE VIEW {}.{} AS {}", kCatalogSchema,
                                                    sql_identifier(entry.name), select)),
                     fmt::format("catalog table '{}'", entry.name));
  }
  return Status();
}

Result<std::optional<std::vector<std::string>>> catalog_names_in_sql(engine::duckdb::Connection& connection,
                                                                     const std::string& sql) {
  SILT_TRY_ASSIGN(auto parsed, engine::find_sql_references(connection, sql));
  if (!parsed.ok) return std::optional<std::vector<std::string>>();
  std::set<std::string> names;
  for (const auto& table : parsed.tables) {
    if (table.catalog.empty() && to_lower(table.schema) == kCatalogSchema) names.insert(to_lower(table.table));
  }
  return std::optional<std::vector<std::string>>(std::vector<std::string>(names.begin(), names.end()));
}

}  // namespace silt::pipeline
