// JSON encoding of Delta actions: simdjson for reading (log replay is the hot path), nlohmann's
// ordered_json for writing. Unknown fields and actions are ignored on read.
#include <fmt/format.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "delta/actions.h"

namespace silt::delta {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

class FieldError {
 public:
  std::string message;
};

std::optional<element> field(const object& obj, std::string_view name) {
  element value;
  if (obj.at_key(name).get(value) != simdjson::SUCCESS) return std::nullopt;
  if (value.is_null()) return std::nullopt;
  return value;
}

bool get_string(const object& obj, std::string_view name, std::string* out) {
  auto value = field(obj, name);
  if (!value) return false;
  std::string_view text;
  if (value->get_string().get(text) != simdjson::SUCCESS) return false;
  out->assign(text);
  return true;
}

std::optional<std::string> optional_string(const object& obj, std::string_view name) {
  std::string out;
  if (!get_string(obj, name, &out)) return std::nullopt;
  return out;
}

std::optional<int64_t> optional_int(const object& obj, std::string_view name) {
  auto value = field(obj, name);
  if (!value) return std::nullopt;
  int64_t number = 0;
  if (value->get_int64().get(number) == simdjson::SUCCESS) return number;
  double real = 0;
  if (value->get_double().get(real) == simdjson::SUCCESS) return static_cast<int64_t>(real);
  std::string_view text;
  if (value->get_string().get(text) == simdjson::SUCCESS) return parse_int64(text);
  return std::nullopt;
}

std::optional<bool> optional_bool(const object& obj, std::string_view name) {
  auto value = field(obj, name);
  if (!value) return std::nullopt;
  bool flag = false;
  if (value->get_bool().get(flag) != simdjson::SUCCESS) return std::nullopt;
  return flag;
}

// Values of a string map; non-string values keep their JSON text.
std::optional<StringMap> optional_string_map(const object& obj, std::string_view name) {
  auto value = field(obj, name);
  if (!value) return std::nullopt;
  object map_object;
  if (value->get_object().get(map_object) != simdjson::SUCCESS) return std::nullopt;
  StringMap out;
  for (auto [key, item] : map_object) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) {
      out.emplace(std::string(key), std::string(text));
    } else if (!item.is_null()) {
      out.emplace(std::string(key), simdjson::minify(item));
    }
  }
  return out;
}

std::optional<PartitionValues> optional_partition_values(const object& obj, std::string_view name) {
  auto value = field(obj, name);
  if (!value) return std::nullopt;
  object map_object;
  if (value->get_object().get(map_object) != simdjson::SUCCESS) return std::nullopt;
  PartitionValues out;
  for (auto [key, item] : map_object) {
    std::string_view text;
    if (item.is_null()) {
      out.emplace(std::string(key), std::nullopt);
    } else if (item.get_string().get(text) == simdjson::SUCCESS) {
      if (text.empty()) out.emplace(std::string(key), std::nullopt);
      else out.emplace(std::string(key), std::string(text));
    } else {
      out.emplace(std::string(key), simdjson::minify(item));
    }
  }
  return out;
}

std::optional<std::vector<std::string>> optional_string_list(const object& obj, std::string_view name) {
  auto value = field(obj, name);
  if (!value) return std::nullopt;
  simdjson::dom::array array;
  if (value->get_array().get(array) != simdjson::SUCCESS) return std::nullopt;
  std::vector<std::string> out;
  for (auto item : array) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

std::optional<DeletionVector> optional_dv(const object& obj) {
  auto value = field(obj, "deletionVector");
  if (!value) return std::nullopt;
  object dv_object;
  if (value->get_object().get(dv_object) != simdjson::SUCCESS) return std::nullopt;
  DeletionVector dv;
  get_string(dv_object, "storageType", &dv.storage_type);
  get_string(dv_object, "pathOrInlineDv", &dv.path_or_inline_dv);
  if (auto offset = optional_int(dv_object, "offset")) dv.offset = static_cast<int32_t>(*offset);
  dv.size_in_bytes = static_cast<int32_t>(optional_int(dv_object, "sizeInBytes").value_or(0));
  dv.cardinality = optional_int(dv_object, "cardinality").value_or(0);
  return dv;
}

Result<AddFile> parse_add(const object& obj) {
  AddFile add;
  if (!get_string(obj, "path", &add.path)) return make_error(ErrorCode::kCorruption, "add action without a path");
  add.partition_values = optional_partition_values(obj, "partitionValues").value_or(PartitionValues{});
  add.size = optional_int(obj, "size").value_or(0);
  add.modification_time = optional_int(obj, "modificationTime").value_or(0);
  add.data_change = optional_bool(obj, "dataChange").value_or(true);
  add.stats = optional_string(obj, "stats");
  if (!add.stats) {
    // Checkpoints may carry typed stats only (stats_parsed); keep them in the JSON form.
    if (auto parsed = field(obj, "stats_parsed")) add.stats = simdjson::minify(*parsed);
  }
  add.tags = optional_string_map(obj, "tags");
  add.deletion_vector = optional_dv(obj);
  add.base_row_id = optional_int(obj, "baseRowId");
  add.default_row_commit_version = optional_int(obj, "defaultRowCommitVersion");
  add.clustering_provider = optional_string(obj, "clusteringProvider");
  return add;
}

Result<RemoveFile> parse_remove(const object& obj) {
  RemoveFile remove;
  if (!get_string(obj, "path", &remove.path)) {
    return make_error(ErrorCode::kCorruption, "remove action without a path");
  }
  remove.deletion_timestamp = optional_int(obj, "deletionTimestamp");
  remove.data_change = optional_bool(obj, "dataChange").value_or(true);
  remove.extended_file_metadata = optional_bool(obj, "extendedFileMetadata");
  remove.partition_values = optional_partition_values(obj, "partitionValues");
  remove.size = optional_int(obj, "size");
  remove.stats = optional_string(obj, "stats");
  remove.tags = optional_string_map(obj, "tags");
  remove.deletion_vector = optional_dv(obj);
  remove.base_row_id = optional_int(obj, "baseRowId");
  remove.default_row_commit_version = optional_int(obj, "defaultRowCommitVersion");
  return remove;
}

Result<Metadata> parse_metadata(const object& obj) {
  Metadata metadata;
  get_string(obj, "id", &metadata.id);
  metadata.name = optional_string(obj, "name");
  metadata.description = optional_string(obj, "description");
  if (auto format = field(obj, "format")) {
    object format_object;
    if (format->get_object().get(format_object) == simdjson::SUCCESS) {
      get_string(format_object, "provider", &metadata.format_provider);
      metadata.format_options = optional_string_map(format_object, "options").value_or(StringMap{});
    }
  }
  metadata.schema_string = optional_string(obj, "schemaString");
  metadata.partition_columns = optional_string_list(obj, "partitionColumns").value_or(std::vector<std::string>{});
  metadata.configuration = optional_string_map(obj, "configuration").value_or(StringMap{});
  metadata.created_time = optional_int(obj, "createdTime");
  return metadata;
}

Result<Protocol> parse_protocol(const object& obj) {
  Protocol protocol;
  auto reader = optional_int(obj, "minReaderVersion");
  auto writer = optional_int(obj, "minWriterVersion");
  if (!reader || !writer) {
    return make_error(ErrorCode::kCorruption, "protocol action without minReaderVersion/minWriterVersion");
  }
  protocol.min_reader_version = static_cast<int32_t>(*reader);
  protocol.min_writer_version = static_cast<int32_t>(*writer);
  protocol.reader_features = optional_string_list(obj, "readerFeatures");
  protocol.writer_features = optional_string_list(obj, "writerFeatures");
  return protocol;
}

Result<std::optional<Action>> parse_action_object(const object& line) {
  for (auto [key, value] : line) {
    if (value.is_null()) continue;  // checkpoint rows converted to JSON carry the other columns as null
    object body;
    if (value.get_object().get(body) != simdjson::SUCCESS) continue;
    if (key == "add") {
      SILT_TRY_ASSIGN(auto add, parse_add(body));
      return std::optional<Action>(std::move(add));
    }
    if (key == "remove") {
      SILT_TRY_ASSIGN(auto remove, parse_remove(body));
      return std::optional<Action>(std::move(remove));
    }
    if (key == "metaData") {
      SILT_TRY_ASSIGN(auto metadata, parse_metadata(body));
      return std::optional<Action>(std::move(metadata));
    }
    if (key == "protocol") {
      SILT_TRY_ASSIGN(auto protocol, parse_protocol(body));
      return std::optional<Action>(std::move(protocol));
    }
    if (key == "txn") {
      Txn txn;
      if (!get_string(body, "appId", &txn.app_id)) return make_error(ErrorCode::kCorruption, "txn without appId");
      txn.version = optional_int(body, "version").value_or(0);
      txn.last_updated = optional_int(body, "lastUpdated");
      return std::optional<Action>(std::move(txn));
    }
    if (key == "commitInfo") {
      return std::optional<Action>(CommitInfo{simdjson::minify(value)});
    }
    if (key == "domainMetadata") {
      DomainMetadata domain;
      get_string(body, "domain", &domain.domain);
      get_string(body, "configuration", &domain.configuration);
      domain.removed = optional_bool(body, "removed").value_or(false);
      return std::optional<Action>(std::move(domain));
    }
  }
  return std::optional<Action>();
}

nlohmann::ordered_json partition_values_json(const PartitionValues& values) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : values) {
    if (value) out[key] = *value;
    else out[key] = nullptr;
  }
  return out;
}

nlohmann::ordered_json dv_json(const DeletionVector& dv) {
  nlohmann::ordered_json out;
  out["storageType"] = dv.storage_type;
  out["pathOrInlineDv"] = dv.path_or_inline_dv;
  if (dv.offset) out["offset"] = *dv.offset;
  out["sizeInBytes"] = dv.size_in_bytes;
  out["cardinality"] = dv.cardinality;
  return out;
}

}  // namespace

std::string DeletionVector::unique_id() const {
  std::string id = storage_type + path_or_inline_dv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

RemoveFile remove_for(const AddFile& file, int64_t deletion_timestamp, bool data_change) {
  RemoveFile remove;
  remove.path = file.path;
  remove.deletion_timestamp = deletion_timestamp;
  remove.data_change = data_change;
  remove.extended_file_metadata = true;
  remove.partition_values = file.partition_values;
  remove.size = file.size;
  remove.stats = file.stats;
  return remove;
}

std::optional<int64_t> AddFile::num_records() const {
  if (!stats) return std::nullopt;
  thread_local simdjson::dom::parser parser;  // reused: allocating one per call dominated table info
  element doc;
  if (parser.parse(*stats).get(doc) != simdjson::SUCCESS) return std::nullopt;
  object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  return optional_int(obj, "numRecords");
}

Result<std::vector<Action>> parse_actions(std::string_view ndjson) {
  std::vector<Action> actions;
  simdjson::dom::parser parser;
  size_t line_number = 0;
  size_t start = 0;
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) end = ndjson.size();
    ++line_number;
    std::string_view line = trim(ndjson.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    element doc;
    auto error = parser.parse(line.data(), line.size(), true).get(doc);
    if (error != simdjson::SUCCESS) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("line {}: malformed JSON ({})", line_number, simdjson::error_message(error)));
    }
    object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) {
      return make_error(ErrorCode::kCorruption, fmt::format("line {}: an action must be a JSON object", line_number));
    }
    auto action = parse_action_object(obj);
    if (!action) return std::move(action).error().with_context(fmt::format("line {}", line_number));
    if (action->has_value()) actions.push_back(std::move(**action));
  }
  return actions;
}

std::string action_to_json(const Action& action) {
  nlohmann::ordered_json out;
  std::visit(
      [&](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Protocol>) {
          nlohmann::ordered_json body;
          body["minReaderVersion"] = value.min_reader_version;
          body["minWriterVersion"] = value.min_writer_version;
          if (value.reader_features) body["readerFeatures"] = *value.reader_features;
          if (value.writer_features) body["writerFeatures"] = *value.writer_features;
          out["protocol"] = std::move(body);
        } else if constexpr (std::is_same_v<T, Metadata>) {
          nlohmann::ordered_json body;
          body["id"] = value.id;
          if (value.name) body["name"] = *value.name;
          if (value.description) body["description"] = *value.description;
          body["format"] = {{"provider", value.format_provider},
                            {"options", nlohmann::ordered_json(value.format_options)}};
          if (value.schema_string) body["schemaString"] = *value.schema_string;
          body["partitionColumns"] = value.partition_columns;
          body["configuration"] = nlohmann::ordered_json(value.configuration);
          if (value.created_time) body["createdTime"] = *value.created_time;
          out["metaData"] = std::move(body);
        } else if constexpr (std::is_same_v<T, AddFile>) {
          nlohmann::ordered_json body;
          body["path"] = value.path;
          body["partitionValues"] = partition_values_json(value.partition_values);
          body["size"] = value.size;
          body["modificationTime"] = value.modification_time;
          body["dataChange"] = value.data_change;
          if (value.stats) body["stats"] = *value.stats;
          if (value.tags) body["tags"] = *value.tags;
          if (value.deletion_vector) body["deletionVector"] = dv_json(*value.deletion_vector);
          if (value.base_row_id) body["baseRowId"] = *value.base_row_id;
          if (value.default_row_commit_version) body["defaultRowCommitVersion"] = *value.default_row_commit_version;
          if (value.clustering_provider) body["clusteringProvider"] = *value.clustering_provider;
          out["add"] = std::move(body);
        } else if constexpr (std::is_same_v<T, RemoveFile>) {
          nlohmann::ordered_json body;
          body["path"] = value.path;
          if (value.deletion_timestamp) body["deletionTimestamp"] = *value.deletion_timestamp;
          body["dataChange"] = value.data_change;
          if (value.extended_file_metadata) body["extendedFileMetadata"] = *value.extended_file_metadata;
          if (value.partition_values) body["partitionValues"] = partition_values_json(*value.partition_values);
          if (value.size) body["size"] = *value.size;
          if (value.stats) body["stats"] = *value.stats;
          if (value.tags) body["tags"] = *value.tags;
          if (value.deletion_vector) body["deletionVector"] = dv_json(*value.deletion_vector);
          if (value.base_row_id) body["baseRowId"] = *value.base_row_id;
          if (value.default_row_commit_version) body["defaultRowCommitVersion"] = *value.default_row_commit_version;
          out["remove"] = std::move(body);
        } else if constexpr (std::is_same_v<T, Txn>) {
          nlohmann::ordered_json body;
          body["appId"] = value.app_id;
          body["version"] = value.version;
          if (value.last_updated) body["lastUpdated"] = *value.last_updated;
          out["txn"] = std::move(body);
        } else if constexpr (std::is_same_v<T, CommitInfo>) {
          out["commitInfo"] = nlohmann::ordered_json::parse(value.json, nullptr, false);
        } else if constexpr (std::is_same_v<T, DomainMetadata>) {
          out["domainMetadata"] = {{"domain", value.domain},
                                   {"configuration", value.configuration},
                                   {"removed", value.removed}};
        }
      },
      action);
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string canonical_path(std::string_view log_path) {
  std::string decoded = uri_decode(log_path);
  // file:/x, file:///x and /x name the same file.
  if (starts_with(decoded, "file://")) {
    decoded = decoded.substr(7);
    if (!starts_with(decoded, "/")) decoded = "/" + decoded;
  } else if (starts_with(decoded, "file:")) {
    decoded = decoded.substr(5);
  }
  return decoded;
}

std::string file_key(std::string_view log_path, const std::optional<DeletionVector>& dv) {
  std::string key = canonical_path(log_path);
  if (dv) {
    key.push_back('\x1f');
    key += dv->unique_id();
  }
  return key;
}

std::optional<LastCheckpoint> parse_last_checkpoint(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (parser.parse(text.data(), text.size()).get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  LastCheckpoint out;
  if (object["version"].get_int64().get(out.version) != simdjson::SUCCESS) return std::nullopt;
  int64_t adds = 0;
  if (object["numOfAddFiles"].get_int64().get(adds) == simdjson::SUCCESS) out.num_add_files = adds;
  return out;
}

}  // namespace silt::delta
