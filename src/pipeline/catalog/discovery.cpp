#include "pipeline/catalog/discovery.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "delta/snapshot.h"
#include "obs/logger.h"
#include "pipeline/catalog/discovery_internal.h"
#include "pipeline/catalog/type_widening.h"
#include "pipeline/consolidate/landing.h"

namespace silt::pipeline {
namespace {

using nlohmann::json;

bool all_digits(const std::string& text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// parquet, csv or json (landing.h's data_file_format); "" for anything else.
std::string format_of(const std::string& name) {
  auto format = data_file_format(name);
  return format ? landing_format_name(*format) : "";
}

// The folders of a relative path (its file name left out).
std::vector<std::string> folders_of(const std::string& relative) {
  std::vector<std::string> parts = split(relative, '/');
  parts.pop_back();
  return parts;
}

bool hidden(const std::string& relative) {
  for (const auto& part : split(relative, '/')) {
    if (!part.empty() && (part[0] == '_' || part[0] == '.')) return true;
  }
  return false;
}

// A file's folder layout: its style and, for Hive folders, the keys in order.
struct Layout {
  PartitionStyle style = PartitionStyle::kNone;
  std::vector<std::string> keys;
  std::string describe() const {
    if (style == PartitionStyle::kHive) return "Hive folders " + join(keys, "=/") + "=";
    if (style == PartitionStyle::kDateFolders) return keys.size() == 4 ? "YYYY/MM/DD/HH folders" : "YYYY/MM/DD folders";
    return "no partition folders";
  }
  bool operator==(const Layout& other) const { return style == other.style && keys == other.keys; }
};

Layout layout_of(const std::string& relative) {
  std::vector<std::string> folders = folders_of(relative);
  Layout layout;
  if (folders.empty()) return layout;
  bool hive = std::all_of(folders.begin(), folders.end(), [](const std::string& f) {
    size_t eq = f.find('=');
    return eq != std::string::npos && eq > 0;
  });
  if (hive) {
    layout.style = PartitionStyle::kHive;
    for (const auto& f : folders) layout.keys.push_back(f.substr(0, f.find('=')));
    return layout;
  }
  if ((folders.size() == 3 || folders.size() == 4) && all_digits(folders[0], 4) && all_digits(folders[1], 2) &&
      all_digits(folders[2], 2) && (folders.size() == 3 || all_digits(folders[3], 2))) {
    layout.style = PartitionStyle::kDateFolders;
    layout.keys = {"year", "month", "day"};
    if (folders.size() == 4) layout.keys.push_back("hour");
  }
  return layout;  // other folders carry no values
}

bool is_int32(const std::string& v) {
  auto n = parse_int64(v);
  return n && *n >= INT32_MIN && *n <= INT32_MAX;
}
// The type of a Hive partition column from its values: INTEGER, BIGINT, DATE, else VARCHAR.
std::string partition_value_type(const std::set<std::string>& values) {
  bool ints = true, bigints = true, dates = true, any = false;
  for (const auto& v : values) {
    if (v.empty()) continue;
    any = true;
    ints = ints && is_int32(v);
    bigints = bigints && parse_int64(v).has_value();
    dates = dates && is_iso_date(v);
  }
  if (!any) return "VARCHAR";
  if (ints) return "INTEGER";
  if (bigints) return "BIGINT";
  if (dates) return "DATE";
  return "VARCHAR";
}

}  // namespace

const char* schema_policy_name(SchemaPolicy policy) {
  switch (policy) {
    case SchemaPolicy::kLog: return "log";
    case SchemaPolicy::kUpdate: return "update";
    case SchemaPolicy::kFail: return "fail";
  }
  return "log";
}

std::optional<SchemaPolicy> schema_policy_from_name(const std::string& name) {
  if (name == "log") return SchemaPolicy::kLog;
  if (name == "update") return SchemaPolicy::kUpdate;
  if (name == "fail") return SchemaPolicy::kFail;
  return std::nullopt;
}

std::string crawl_state_to_json(const CrawlState& state) {
  json j;
  j["location"] = state.location;
  j["format"] = state.format;
  json schemas = json::array();
  for (const auto& schema : state.schemas) {
    json columns = json::array();
    for (const auto& c : schema) columns.push_back(json::array({c.name, c.type}));
    schemas.push_back(columns);
  }
  j["schemas"] = schemas;
  json files = json::array();
  for (const auto& f : state.files) {
    json item = json::array({f.path, f.size, f.modified_ms, f.rows, f.schema});
    if (!f.error.empty()) item.push_back(f.error);
    files.push_back(item);
  }
  j["files"] = files;
  return j.dump();
}

Result<CrawlState> crawl_state_from_json(const std::string& text, const std::string& origin) {
  try {
    const json j = json::parse(text);
    CrawlState state;
    state.location = j.at("location").get<std::string>();
    state.format = j.at("format").get<std::string>();
    for (const auto& schema : j.at("schemas")) {
      std::vector<CatalogColumn> columns;
      for (const auto& c : schema) columns.push_back({c.at(0).get<std::string>(), c.at(1).get<std::string>(), true});
      state.schemas.push_back(std::move(columns));
    }
    for (const auto& f : j.at("files")) {
      CrawledFile file;
      file.path = f.at(0).get<std::string>();
      file.size = f.at(1).get<int64_t>();
      file.modified_ms = f.at(2).get<int64_t>();
      file.rows = f.at(3).get<int64_t>();
      file.schema = f.at(4).get<int>();
      if (f.size() > 5) file.error = f.at(5).get<std::string>();
      if (file.schema >= static_cast<int>(state.schemas.size())) throw std::runtime_error("schema index out of range");
      state.files.push_back(std::move(file));
    }
    return state;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kCorruption,
                      fmt::format("crawl state {} is not valid: {} (run silt discover with --full to read every file "
                                  "again)",
                                  origin, error.what()));
  }
}

FilePartition file_partition(PartitionStyle style, const std::string& relative_path) {
  FilePartition out;
  if (style == PartitionStyle::kNone) return out;
  std::vector<std::string> folders = folders_of(relative_path);
  out.path = join(folders, "/");
  for (const auto& folder : folders) {
    if (style == PartitionStyle::kHive) {
      std::string value = uri_decode(folder.substr(folder.find('=') + 1));
      out.values.push_back(value == "__HIVE_DEFAULT_PARTITION__" ? "" : value);
    } else {
      out.values.push_back(std::to_string(std::stoi(folder)));
    }
  }
  return out;
}


Result<Discovery> Discoverer::discover(const DiscoverOptions& options) {
  const int64_t started = monotonic_ns();
  SILT_TRY(check_catalog_name(options.name));
  const std::string location = options.location;
  SILT_TRY_ASSIGN(auto previous, catalog_.find(options.name));
  if (previous && previous->location != location) {
    return make_error(ErrorCode::kAlreadyExists,
                      fmt::format("catalog table '{}' is already {} (registered by {}): give another --name, or free "
                                  "the name with silt catalog drop {}",
                                  options.name, previous->location, previous->registered_by, options.name));
  }
  Discovery out;
  out.created = !previous;

  SILT_TRY_ASSIGN(auto listed, fs_.list_recursive(location));
  const std::string prefix = location.empty() || location.back() == '/' ? location : location + "/";
  // A Delta table is registered as itself.
  for (const auto& file : listed) {
    if (starts_with(file.path, prefix + "_delta_log/") && ends_with(file.path, ".json")) {
      SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(fs_, session_.parquet_io(), location));
      SILT_TRY(catalog_.register_delta(options.name, *snapshot, "discover"));
      SILT_TRY_ASSIGN(out.entry, catalog_.get(options.name));
      return out;
    }
  }

  // The data files, by format.
  std::map<std::string, std::vector<storage::FileInfo>> by_format;
  for (const auto& file : listed) {
    if (!starts_with(file.path, prefix)) continue;
    std::string relative = file.path.substr(prefix.size());
    std::string format = hidden(relative) ? "" : format_of(storage::base_name(relative));
    if (format.empty() || (options.format && format != *options.format)) {
      if (out.files_ignored++ == 0) out.ignored_example = relative;
      continue;
    }
    by_format[format].push_back(file);
  }
  if (by_format.empty()) {
    if (listed.empty()) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("nothing to discover: no file under '{}' (check the path)", location));
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("no {} file under '{}' ({} other file(s), e.g. '{}'): silt discovers .parquet, .csv, "
                                  ".tsv, .json, .jsonl and .ndjson files, also compressed (.gz, .zst)",
                                  options.format ? *options.format : "Parquet, CSV or JSON", location, out.files_ignored,
                                  out.ignored_example));
  }
  if (by_format.size() > 1) {
    std::vector<std::string> kinds;
    for (const auto& [format, files] : by_format) {
      kinds.push_back(fmt::format("{} {} file(s), e.g. '{}'", files.size(), format, files.front().path.substr(prefix.size())));
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' holds files of several formats ({}): a table has one format; choose it with "
                                  "--format",
                                  location, join(kinds, "; ")));
  }
  const std::string format = by_format.begin()->first;
  const auto& data_files = by_format.begin()->second;

  // One folder layout for every file.
  Layout layout = layout_of(data_files.front().path.substr(prefix.size()));
  for (const auto& file : data_files) {
    std::string relative = file.path.substr(prefix.size());
    Layout other = layout_of(relative);
    if (!(other == layout)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the files under '{}' are not in one folder layout: '{}' has {}, '{}' has {} (move "
                                    "the odd files, or discover a sub-folder)",
                                    location, data_files.front().path.substr(prefix.size()), layout.describe(), relative,
                                    other.describe()));
    }
  }

  // What is known from the last crawl, and what must be read.
  CrawlState state;
  if (previous && previous->kind == "files" && !options.full) {
    SILT_TRY_ASSIGN(auto text, catalog_.crawl_state(options.name));
    if (!text.empty()) {
      SILT_TRY_ASSIGN(state, crawl_state_from_json(text, options.name));
      if (state.format != format) state = CrawlState();
    }
  }
  if (previous && previous->kind == "files" && previous->format != format) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' now holds {} files where catalog table '{}' has {} files", location, format,
                                  options.name, previous->format));
  }
  if (previous && previous->kind == "files" && !previous->partition_columns.empty()) {
    std::vector<std::string> keys;
    for (const auto& c : previous->partition_columns) keys.push_back(c.name);
    if (keys != layout.keys) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the files under '{}' now have {} where catalog table '{}' has partitions {}: drop "
                                    "the entry (silt catalog drop {}) and discover it again",
                                    location, layout.describe(), options.name, join(keys, ", "), options.name));
    }
  }
  state.location = location;
  state.format = format;
  std::map<std::string, CrawledFile> known;
  for (auto& file : state.files) known.emplace(file.path, std::move(file));
  std::vector<CrawledFile> files;
  CrawlSummary crawl;
  crawl.policy = schema_policy_name(options.policy);
  for (const auto& info : data_files) {
    CrawledFile file;
    file.path = info.path.substr(prefix.size());
    file.size = info.size;
    file.modified_ms = info.modified_ms;
    auto it = known.find(file.path);
    if (it != known.end()) {
      if (it->second.size == file.size && it->second.modified_ms == file.modified_ms) {
        file = std::move(it->second);
      } else {
        crawl.files_changed += 1;
        file.schema = -2;  // to read
      }
      known.erase(it);
    } else {
      crawl.files_new += 1;
      file.schema = -2;
    }
    files.push_back(std::move(file));
  }
  crawl.files_removed = static_cast<int64_t>(known.size());
  std::vector<CrawledFile*> to_read;
  for (auto& file : files) {
    if (file.schema == -2) to_read.push_back(&file);
  }
  SILT_LOG_INFO("discover {}: {} file(s) listed, {} to read", options.name, files.size(), to_read.size());
  SILT_TRY(read_file_schemas(session_, fs_, location, format, state, to_read));
  state.files = std::move(files);

  // The schema: the union of the files read now against the entry's; an update takes in every
  // file, so changes an earlier crawl only logged are applied too.
  bool first = !previous || previous->kind != "files";
  std::vector<const CrawledFile*> read_now;
  if (!first && options.policy == SchemaPolicy::kUpdate) {
    for (const auto& file : state.files) read_now.push_back(&file);
  } else {
    for (const CrawledFile* file : to_read) read_now.push_back(file);
  }
  std::vector<CatalogColumn> base = first ? std::vector<CatalogColumn>() : previous->columns;
  SchemaMerge merge = merge_schemas(base, state, read_now, first, options.policy == SchemaPolicy::kUpdate);
  crawl.changes = merge.changes;
  bool any_change = !merge.changes.empty();
  if (options.policy == SchemaPolicy::kFail && any_change) {
    std::vector<std::string> lines;
    for (const auto& c : merge.changes) lines.push_back("  " + describe_schema_change(c));
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("catalog table '{}': the schema of the files changed (policy fail, nothing was "
                                  "changed):\n{}\nrerun with --policy update to widen the entry, or --policy log to "
                                  "keep it and record the files",
                                  options.name, join(lines, "\n")));
  }
  crawl.applied = any_change && (first || options.policy == SchemaPolicy::kUpdate);
  std::vector<CatalogColumn> columns = (first || options.policy == SchemaPolicy::kUpdate) ? merge.columns : base;
  for (const auto& file : state.files) {
    if (file.schema < 0) {
      crawl.files_unreadable += 1;
      out.unreadable.push_back(file);
    }
  }
  if (columns.empty()) {
    std::string why = out.unreadable.empty() ? "" : fmt::format(": '{}': {}", out.unreadable.front().path, out.unreadable.front().error);
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("no readable {} file under '{}' ({} unreadable){}", format, location,
                                  out.unreadable.size(), why));
  }

  // Partitions and totals.
  CatalogEntry entry;
  entry.name = options.name;
  entry.kind = "files";
  entry.location = location;
  entry.format = format;
  entry.registered_by = "discover";
  entry.partition_style = layout.style;
  std::map<std::string, CatalogPartition> partitions;
  std::vector<std::set<std::string>> values(layout.keys.size());
  for (const auto& file : state.files) {
    if (file.schema < 0) continue;
    FilePartition fp = file_partition(layout.style, file.path);
    CatalogPartition& p = partitions[fp.path];
    if (p.files == 0) {
      p.path = fp.path;
      p.values = fp.values;
      p.rows = 0;
    }
    p.files += 1;
    p.bytes += file.size;
    p.rows = file.rows < 0 || p.rows < 0 ? -1 : p.rows + file.rows;
    for (size_t i = 0; i < fp.values.size() && i < values.size(); ++i) values[i].insert(fp.values[i]);
  }
  entry.rows = 0;  // the totals are the partitions'
  for (auto& [path, p] : partitions) {
    entry.files += p.files;
    entry.bytes += p.bytes;
    entry.rows = p.rows < 0 || entry.rows < 0 ? -1 : entry.rows + p.rows;
    entry.partitions.push_back(std::move(p));
  }
  for (size_t i = 0; i < layout.keys.size(); ++i) {
    std::string type = layout.style == PartitionStyle::kDateFolders ? "INTEGER" : partition_value_type(values[i]);
    if (!first && i < previous->partition_columns.size()) {
      WidenedType widened = widen_type(previous->partition_columns[i].type, type);
      type = widened.how == Widening::kSame ? previous->partition_columns[i].type : widened.type;
    }
    entry.partition_columns.push_back({layout.keys[i], type, true});
  }
  for (const auto& p : entry.partition_columns) {
    for (const auto& c : columns) {
      if (to_lower(c.name) == to_lower(p.name)) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("the files under '{}' hold a column '{}' and their folders a partition of the "
                                      "same name: rename one of them",
                                      location, c.name));
      }
    }
  }
  entry.columns = std::move(columns);
  // A CSV table's delimiter and header (for its DDL), sniffed once.
  if (!first && previous->format == "csv") entry.options = previous->options;
  if (format == "csv" && entry.options.empty()) {
    for (const auto& file : state.files) {
      if (file.schema < 0) continue;
      SILT_TRY_ASSIGN(auto path, session_.files().readable(fs_, storage::join_path(location, file.path), false));
      auto sniffed = session_.connection().query_varchar(fmt::format(
          "SELECT Delimiter, CAST(HasHeader AS VARCHAR), Quote FROM sniff_csv({})", sql_string(path)));
      if (sniffed && !sniffed->rows.empty()) {
        entry.options["delimiter"] = sniffed->rows[0][0].value_or(",");
        entry.options["header"] = sniffed->rows[0][1].value_or("true");
        entry.options["quote"] = sniffed->rows[0][2].value_or("\"");
      }
      break;
    }
  }
  int64_t now = options.now_ms ? options.now_ms : now_ms();
  entry.updated_at = format_rfc3339_ms(now);
  entry.created_at = first ? entry.updated_at : previous->created_at;
  crawl.at = entry.updated_at;
  crawl.duration_ms = (monotonic_ns() - started) / 1000000;
  entry.last_crawl = crawl;
  // The entry first: a crash before the state is written makes the next crawl read the new files again.
  SILT_TRY(catalog_.put(entry));
  SILT_TRY(catalog_.put_crawl_state(options.name, crawl_state_to_json(state)));
  out.entry = std::move(entry);
  return out;
}

}  // namespace silt::pipeline
