#include "delta/file_stats.h"

#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"

namespace silt::delta {
namespace {

using nlohmann::json;

// A printed bound -> the JSON value Delta stats use for that column type; nullopt to omit.
std::optional<json> stat_value(const std::string& text, const DataType& type) {
  if (type.kind == DataType::Kind::kDecimal) {
    try {
      return json(std::stod(text));  // JSON number; readers compare decimals exactly from text
    } catch (...) {
      return std::nullopt;
    }
  }
  if (type.kind != DataType::Kind::kPrimitive) return std::nullopt;
  const std::string& n = type.name;
  if (n == "long" || n == "integer" || n == "short" || n == "byte") {
    auto value = parse_int64(text);
    if (!value) return std::nullopt;
    return json(*value);
  }
  if (n == "float" || n == "double") {
    try {
      double value = std::stod(text);
      if (std::isnan(value) || std::isinf(value)) return std::nullopt;
      return json(value);
    } catch (...) {
      return std::nullopt;
    }
  }
  if (n == "string") {
    if (text.size() > 64) return std::nullopt;  // long strings: keep no bound rather than a wrong one
    return json(text);
  }
  if (n == "date") return json(text);
  if (n == "timestamp") {
    // "2025-01-01 10:00:00.123456+00" -> "2025-01-01T10:00:00.123Z" (truncated to milliseconds;
    // readers widen a max by 1 ms, as Spark does).
    auto ms = parse_timestamp_ms(text.substr(0, text.find_first_of("+", 10)));
    if (!ms) return std::nullopt;
    std::string formatted = format_timestamp_ms(*ms);
    formatted[10] = 'T';
    return json(formatted + "Z");
  }
  return std::nullopt;
}

}  // namespace

std::string encode_file_stats(const Schema& schema, const std::vector<std::string>& partition_columns,
                              int64_t num_records, const std::map<std::string, ColumnStatsText>& columns) {
  std::set<std::string> partition_set(partition_columns.begin(), partition_columns.end());
  nlohmann::ordered_json stats;
  stats["numRecords"] = num_records;
  json min_values = json::object(), max_values = json::object(), null_count = json::object();
  for (const auto& field : schema.fields) {
    if (partition_set.count(field.name)) continue;
    auto it = columns.find(field.name);
    if (it == columns.end()) continue;
    const ColumnStatsText& column = it->second;
    if (column.null_count) null_count[field.name] = *column.null_count;
    if (column.min) {
      if (auto value = stat_value(*column.min, field.type)) min_values[field.name] = *value;
    }
    if (column.max) {
      if (auto value = stat_value(*column.max, field.type)) max_values[field.name] = *value;
    }
  }
  stats["minValues"] = std::move(min_values);
  stats["maxValues"] = std::move(max_values);
  stats["nullCount"] = std::move(null_count);
  return stats.dump();
}

}  // namespace silt::delta
