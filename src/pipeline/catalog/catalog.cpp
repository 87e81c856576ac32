#include "pipeline/catalog/catalog.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "engine/type_mapping.h"

namespace silt::pipeline {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr const char* kEntrySuffix = ".json";
constexpr const char* kCrawlSuffix = ".crawl.json";

ordered_json columns_to_json(const std::vector<CatalogColumn>& columns) {
  ordered_json out = ordered_json::array();
  for (const auto& c : columns) out.push_back({{"name", c.name}, {"type", c.type}, {"nullable", c.nullable}});
  return out;
}

std::vector<CatalogColumn> columns_from_json(const json& j) {
  std::vector<CatalogColumn> out;
  for (const auto& c : j) out.push_back({c.at("name").get<std::string>(), c.at("type").get<std::string>(), c.value("nullable", true)});
  return out;
}

}  // namespace

const char* partition_style_name(PartitionStyle style) {
  switch (style) {
    case PartitionStyle::kNone: return "none";
    case PartitionStyle::kHive: return "hive";
    case PartitionStyle::kDateFolders: return "date_folders";
  }
  return "none";
}

std::string catalog_entry_to_json(const CatalogEntry& e) {
  ordered_json j;
  j["name"] = e.name;
  j["kind"] = e.kind;
  j["location"] = e.location;
  j["format"] = e.format;
  j["registered_by"] = e.registered_by;
  j["columns"] = columns_to_json(e.columns);
  j["partition_style"] = partition_style_name(e.partition_style);
  j["partition_columns"] = columns_to_json(e.partition_columns);
  j["files"] = e.files;
  j["bytes"] = e.bytes;
  j["rows"] = e.rows >= 0 ? ordered_json(e.rows) : ordered_json();
  if (e.version >= 0) j["version"] = e.version;
  if (!e.options.empty()) j["options"] = e.options;
  j["created_at"] = e.created_at;
  j["updated_at"] = e.updated_at;
  ordered_json partitions = ordered_json::array();
  for (const auto& p : e.partitions) {
    partitions.push_back({{"path", p.path}, {"values", p.values}, {"files", p.files}, {"bytes", p.bytes},
                          {"rows", p.rows >= 0 ? ordered_json(p.rows) : ordered_json()}});
  }
  j["partitions"] = partitions;
  if (e.last_crawl) {
    const CrawlSummary& c = *e.last_crawl;
    ordered_json changes = ordered_json::array();
    for (const auto& s : c.changes) {
      changes.push_back({{"column", s.column}, {"kind", s.kind}, {"from", s.from}, {"to", s.to}, {"seen", s.seen}, {"file", s.file},
                         {"files", s.files}});
    }
    j["last_crawl"] = {{"at", c.at},
                       {"policy", c.policy},
                       {"files_new", c.files_new},
                       {"files_changed", c.files_changed},
                       {"files_removed", c.files_removed},
                       {"files_unreadable", c.files_unreadable},
                       {"changes", changes},
                       {"applied", c.applied},
                       {"duration_ms", c.duration_ms}};
  }
  return j.dump(2);
}

Result<CatalogEntry> catalog_entry_from_json(const std::string& text, const std::string& origin) {
  try {
    const json j = json::parse(text);
    CatalogEntry e;
    e.name = j.at("name").get<std::string>();
    e.kind = j.at("kind").get<std::string>();
    e.location = j.at("location").get<std::string>();
    e.format = j.at("format").get<std::string>();
    e.registered_by = j.value("registered_by", "");
    e.columns = columns_from_json(j.at("columns"));
    std::string style = j.value("partition_style", "none");
    e.partition_style = style == "hive" ? PartitionStyle::kHive
                        : style == "date_folders" ? PartitionStyle::kDateFolders
                                                  : PartitionStyle::kNone;
    e.partition_columns = columns_from_json(j.value("partition_columns", json::array()));
    e.files = j.value("files", int64_t{0});
    e.bytes = j.value("bytes", int64_t{0});
    e.rows = j.contains("rows") && j["rows"].is_number() ? j["rows"].get<int64_t>() : -1;
    e.version = j.value("version", int64_t{-1});
    if (j.contains("options")) e.options = j["options"].get<std::map<std::string, std::string>>();
    e.created_at = j.value("created_at", "");
    e.updated_at = j.value("updated_at", "");
    for (const auto& p : j.value("partitions", json::array())) {
      CatalogPartition partition;
      partition.path = p.at("path").get<std::string>();
      partition.values = p.at("values").get<std::vector<std::string>>();
      partition.files = p.value("files", int64_t{0});
      partition.bytes = p.value("bytes", int64_t{0});
      partition.rows = p.contains("rows") && p["rows"].is_number() ? p["rows"].get<int64_t>() : -1;
      e.partitions.push_back(std::move(partition));
    }
    if (j.contains("last_crawl")) {
      const json& c = j["last_crawl"];
      CrawlSummary crawl;
      crawl.at = c.value("at", "");
      crawl.policy = c.value("policy", "");
      crawl.files_new = c.value("files_new", int64_t{0});
      crawl.files_changed = c.value("files_changed", int64_t{0});
      crawl.files_removed = c.value("files_removed", int64_t{0});
      crawl.files_unreadable = c.value("files_unreadable", int64_t{0});
      crawl.applied = c.value("applied", false);
      crawl.duration_ms = c.value("duration_ms", int64_t{0});
      for (const auto& s : c.value("changes", json::array())) {
        crawl.changes.push_back({s.value("column", ""), s.value("kind", ""), s.value("from", ""), s.value("to", ""),
                                 s.value("seen", ""), s.value("file", ""), s.value("files", int64_t{0})});
      }
      e.last_crawl = std::move(crawl);
    }
    return e;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kCorruption,
                      fmt::format("catalog entry {} is not valid: {} (remove it and discover or commit the table again)",
                                  origin, error.what()));
  }
}

Status check_catalog_name(const std::string& name) {
  bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
  }
  if (ok) return Status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("catalog name '{}' is not valid: use letters, digits and '_', starting with a letter "
                                "or '_' (for example landing_chargebacks)",
                                name));
}

Catalog::Catalog(storage::FileSystem& fs, const std::string& storage_root)
    : fs_(fs), root_(storage::join_path(storage_root, "_silt/catalog")) {}

std::string Catalog::entry_path(const std::string& name) const {
  return storage::join_path(root_, to_lower(name) + kEntrySuffix);
}

Result<std::vector<CatalogEntry>> Catalog::list() {
  SILT_TRY_ASSIGN(auto files, fs_.list(root_));
  std::vector<CatalogEntry> entries;
  for (const auto& file : files) {
    std::string name = storage::base_name(file.path);
    if (!ends_with(name, kEntrySuffix) || ends_with(name, kCrawlSuffix)) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    SILT_TRY_ASSIGN(auto entry, catalog_entry_from_json(text, file.path));
    entries.push_back(std::move(entry));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return entries;
}

Result<std::optional<CatalogEntry>> Catalog::find(const std::string& name) {
  std::string path = entry_path(name);
  auto text = fs_.read(path);
  if (!text) {
    if (text.error().code() == ErrorCode::kNotFound) return std::optional<CatalogEntry>();
    return std::move(text).error();
  }
  SILT_TRY_ASSIGN(auto entry, catalog_entry_from_json(*text, path));
  return std::optional<CatalogEntry>(std::move(entry));
}

Result<CatalogEntry> Catalog::get(const std::string& name) {
  SILT_TRY_ASSIGN(auto found, find(name));
  if (found) return std::move(*found);
  SILT_TRY_ASSIGN(auto entries, list());
  std::vector<std::string> names;
  for (const auto& entry : entries) names.push_back(entry.name);
  if (names.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("no catalog table '{}': the catalog is empty (silt discover PATH --name NAME adds "
                                  "files; models and consolidations writing Delta add their tables when they commit)",
                                  name));
  }
  auto best = closest_name(name, names);
  return make_error(ErrorCode::kNotFound, fmt::format("no catalog table '{}'{} (the catalog holds: {})", name,
                                                      best ? fmt::format("; did you mean '{}'?", *best) : "",
                                                      join(names, ", ")));
}

Status Catalog::put(const CatalogEntry& entry) {
  SILT_TRY(check_catalog_name(entry.name));
  return fs_.write(entry_path(entry.name), catalog_entry_to_json(entry));
}

Status Catalog::remove(const std::string& name) {
  SILT_TRY(fs_.remove(storage::join_path(root_, to_lower(name) + kCrawlSuffix)));
  return fs_.remove(entry_path(name));
}

Result<std::string> Catalog::crawl_state(const std::string& name) {
  auto text = fs_.read(storage::join_path(root_, to_lower(name) + kCrawlSuffix));
  if (!text && text.error().code() == ErrorCode::kNotFound) return std::string();
  return text;
}

Status Catalog::put_crawl_state(const std::string& name, const std::string& state) {
  return fs_.write(storage::join_path(root_, to_lower(name) + kCrawlSuffix), state);
}

Status Catalog::register_delta(const std::string& name, const delta::Snapshot& snapshot,
                               const std::string& registered_by) {
  SILT_TRY_ASSIGN(auto previous, find(name));
  if (previous && previous->location != snapshot.table_root()) {
    return make_error(ErrorCode::kAlreadyExists,
                      fmt::format("catalog table '{}' is already {} (registered by {}); {} at {} is not registered "
                                  "under that name (silt catalog drop {} frees it)",
                                  name, previous->location, previous->registered_by, registered_by,
                                  snapshot.table_root(), name));
  }
  CatalogEntry entry;
  entry.name = name;
  entry.kind = "delta";
  entry.location = snapshot.table_root();
  entry.format = "delta";
  entry.registered_by = registered_by;
  SILT_TRY_ASSIGN(auto schema, snapshot.schema());
  const auto& partition_names = snapshot.partition_columns();
  std::vector<CatalogColumn> partition_columns(partition_names.size());
  for (const auto& field : schema.fields) {
    SILT_TRY_ASSIGN(auto type, engine::to_duckdb_type(field.type));
    CatalogColumn column{field.name, type, field.nullable};
    auto at = std::find_if(partition_names.begin(), partition_names.end(),
                           [&](const std::string& p) { return to_lower(p) == to_lower(field.name); });
    if (at != partition_names.end()) {
      partition_columns[static_cast<size_t>(at - partition_names.begin())] = column;
    } else {
      entry.columns.push_back(column);
    }
  }
  entry.partition_columns = std::move(partition_columns);
  entry.partition_style = entry.partition_columns.empty() ? PartitionStyle::kNone : PartitionStyle::kHive;
  entry.files = static_cast<int64_t>(snapshot.files().size());
  entry.bytes = snapshot.size_bytes();
  entry.rows = snapshot.num_records();
  entry.version = snapshot.version();
  entry.updated_at = format_rfc3339_ms(now_ms());
  entry.created_at = previous && previous->kind == "delta" ? previous->created_at : entry.updated_at;
  return put(entry);
}

}  // namespace silt::pipeline
