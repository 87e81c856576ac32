// The table-property rules of docs/delta-support.md ("Table properties").
#include "delta/table_properties.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <functional>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::delta {

namespace {

bool is_boolean(const std::string& value) {
  std::string lower = to_lower(value);
  return lower == "true" || lower == "false";
}

bool is_integer_at_least(const std::string& value, int64_t minimum) {
  auto parsed = parse_int64(std::string(trim(value)));
  return parsed && *parsed >= minimum;
}

// Spark's interval strings: "interval 30 days", "interval 1 week", "7 days".
// "interval 7 days" (the "interval" word optional; units second .. week, singular or plural) in
// milliseconds; nullopt when not such an interval.
std::optional<int64_t> interval_value_ms(const std::string& value) {
  auto words = split(to_lower(std::string(trim(value))), ' ');
  std::vector<std::string> parts;
  for (auto& word : words) {
    if (!word.empty()) parts.push_back(word);
  }
  if (!parts.empty() && parts[0] == "interval") parts.erase(parts.begin());
  if (parts.size() != 2 || !is_integer_at_least(parts[0], 0)) return std::nullopt;
  std::string unit = parts[1];
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  int64_t unit_ms = 0;
  if (unit == "second") unit_ms = 1000;
  else if (unit == "minute") unit_ms = 60 * 1000;
  else if (unit == "hour") unit_ms = 3600 * 1000;
  else if (unit == "day") unit_ms = 24 * 3600 * 1000;
  else if (unit == "week") unit_ms = 7LL * 24 * 3600 * 1000;
  else return std::nullopt;
  auto count = parse_int64(parts[0]);
  if (!count || *count > INT64_MAX / unit_ms) return std::nullopt;
  return *count * unit_ms;
}

bool is_interval(const std::string& value) { return interval_value_ms(value).has_value(); }

struct Rule {
  const char* key;
  const char* accepted;                              // for the message
  std::function<bool(const std::string&)> valid;
};

// Keys whose values silt writes correctly (or that concern only other writers' habits).
const std::vector<Rule>& rules() {
  static const std::vector<Rule> kRules = {
      {"delta.appendOnly", "true or false", is_boolean},
      {"delta.checkpointInterval", "a positive integer", [](const std::string& v) { return is_integer_at_least(v, 1); }},
      {"delta.logRetentionDuration", "an interval such as 'interval 30 days'", is_interval},
      {"delta.deletedFileRetentionDuration", "an interval such as 'interval 7 days'", is_interval},
      {"delta.setTransactionRetentionDuration", "an interval such as 'interval 7 days'", is_interval},
      {"delta.dataSkippingNumIndexedCols", "an integer of -1 or more",
       [](const std::string& v) { return is_integer_at_least(v, -1); }},
      {"delta.dataSkippingStatsColumns", "a list of column names", [](const std::string& v) { return !trim(v).empty(); }},
      {"delta.checkpoint.writeStatsAsJson", "true or false", is_boolean},
      {"delta.checkpoint.writeStatsAsStruct", "true or false", is_boolean},
      {"delta.isolationLevel", "Serializable or WriteSerializable",
       [](const std::string& v) { return v == "Serializable" || v == "WriteSerializable"; }},
      {"delta.targetFileSize", "a positive number of bytes", [](const std::string& v) { return is_integer_at_least(v, 1); }},
      {"delta.tuneFileSizesForRewrites", "true or false", is_boolean},
      {"delta.autoOptimize.optimizeWrite", "true or false", is_boolean},
      {"delta.autoOptimize.autoCompact", "true or false", is_boolean},
      {"delta.randomizeFilePrefixes", "true or false", is_boolean},
      {"delta.randomPrefixLength", "a positive integer", [](const std::string& v) { return is_integer_at_least(v, 1); }},
      {"delta.compatibility.symlinkFormatManifest.enabled", "false",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      // Features silt does not write: only their "off" value may be given.
      {"delta.columnMapping.mode", "none (silt does not write column mapping)",
       [](const std::string& v) { return to_lower(v) == "none"; }},
      {"delta.enableDeletionVectors", "false (silt does not write deletion vectors)",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      {"delta.enableChangeDataFeed", "false (silt does not write the change data feed)",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      {"delta.enableRowTracking", "false (silt does not write row tracking)",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      {"delta.enableTypeWidening", "false (silt does not write type widening)",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      {"delta.enableInCommitTimestamps", "false (silt does not write in-commit timestamps)",
       [](const std::string& v) { return to_lower(v) == "false"; }},
      {"delta.checkpointPolicy", "classic (silt does not write v2 checkpoints)",
       [](const std::string& v) { return to_lower(v) == "classic"; }},
  };
  return kRules;
}

// Prefixes of keys that always name features silt does not write.
const char* refused_prefix(const std::string& key) {
  if (starts_with(key, "delta.feature.")) return "table features are set by silt from what it writes";
  if (starts_with(key, "delta.constraints.")) return "CHECK constraints are not enforced by silt";
  if (key == "delta.minReaderVersion" || key == "delta.minWriterVersion") return "silt chooses the protocol versions";
  if (starts_with(key, "delta.enableIcebergCompat") || starts_with(key, "delta.universalFormat.")) {
    return "silt does not write Iceberg metadata";
  }
  return nullptr;
}

}  // namespace

Status validate_table_properties(const std::map<std::string, std::string>& properties) {
  for (const auto& [key, value] : properties) {
    if (!starts_with(to_lower(key), "delta.")) continue;
    if (const char* why = refused_prefix(key)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("table property '{}' cannot be set: {}", key, why));
    }
    const Rule* rule = nullptr;
    const Rule* closest = nullptr;
    size_t best = 1000;
    for (const auto& candidate : rules()) {
      if (key == candidate.key) rule = &candidate;
      size_t distance = static_cast<size_t>(edit_distance(to_lower(key), to_lower(candidate.key)));
      if (distance < best) {
        best = distance;
        closest = &candidate;
      }
    }
    if (!rule) {
      std::string hint = closest && best <= 3 ? fmt::format(" (did you mean '{}'?)", closest->key) : "";
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("unknown table property '{}'{}: silt refuses delta.* keys it does not know, "
                                    "since other engines may read them as features; docs/delta-support.md lists "
                                    "the known ones",
                                    key, hint));
    }
    if (!rule->valid(value)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("table property {}='{}' is not valid: expected {}", key, value, rule->accepted));
    }
  }
  return Status();
}

Result<int64_t> checkpoint_interval(const std::map<std::string, std::string>& properties) {
  auto it = properties.find("delta.checkpointInterval");
  if (it == properties.end()) return int64_t{10};
  auto parsed = parse_int64(std::string(trim(it->second)));
  if (!parsed || *parsed < 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("table property delta.checkpointInterval='{}' is not a positive integer",
                                  it->second));
  }
  return *parsed;
}

namespace {

// An interval-valued property, or its default; InvalidArgument naming the key and the value.
Result<int64_t> interval_property_ms(const std::map<std::string, std::string>& properties, const char* key,
                                     int64_t fallback_ms, const char* example) {
  auto it = properties.find(key);
  if (it == properties.end()) return fallback_ms;
  auto parsed = interval_value_ms(it->second);
  if (!parsed) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("table property {}='{}' is not an interval such as '{}'", key, it->second, example));
  }
  return *parsed;
}

}  // namespace

Result<int64_t> deleted_file_retention_ms(const std::map<std::string, std::string>& properties) {
  return interval_property_ms(properties, "delta.deletedFileRetentionDuration", int64_t{7} * 24 * 3600 * 1000,
                              "interval 7 days");
}

Result<int64_t> log_retention_ms(const std::map<std::string, std::string>& properties) {
  return interval_property_ms(properties, "delta.logRetentionDuration", int64_t{30} * 24 * 3600 * 1000,
                              "interval 30 days");
}

Result<bool> append_only(const std::map<std::string, std::string>& properties) {
  auto it = properties.find("delta.appendOnly");
  if (it == properties.end()) return false;
  if (!is_boolean(it->second)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("table property delta.appendOnly='{}' is neither true nor false: silt will not "
                                  "guess whether the table may lose rows",
                                  it->second));
  }
  return to_lower(it->second) == "true";
}

}  // namespace silt::delta
