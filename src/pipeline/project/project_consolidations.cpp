// silt.yaml's `consolidations:` jobs (pipeline/project/consolidation_config.h).
#include <date/tz.h>

#include <fmt/format.h>

#include "base/memory_size.h"
#include "base/strings.h"
#include "pipeline/model/quality_keys.h"
#include "pipeline/project/project_yaml_internal.h"

namespace silt::pipeline {

const char* landing_format_name(LandingFormat format) {
  switch (format) {
    case LandingFormat::kParquet: return "parquet";
    case LandingFormat::kCsv: return "csv";
    case LandingFormat::kJson: return "json";
  }
  return "?";
}

const char* output_format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kDelta: return "delta";
    case OutputFormat::kParquet: return "parquet";
    case OutputFormat::kCsv: return "csv";
    case OutputFormat::kJson: return "json";
  }
  return "?";
}

std::string EventSinkConfig::label() const {
  switch (kind) {
    case Kind::kKafka: return "kafka:" + topic;
    case Kind::kWebhook: return "webhook:" + url;
    case Kind::kFile: return "file:" + path;
  }
  return "?";
}

namespace {

const std::vector<std::string> kJobKeys = {"input", "key", "latest_by", "partition_by", "output", "events",
                                           "retention", "executions_per_day", "on_bad_file",
                                           "checks", "on_failure", "max_quarantine_pct"};
const std::vector<std::string> kInputKeys = {"path", "layout", "format"};
const std::vector<std::string> kPartitionKeys = {"timezone", "column", "layout"};
const std::vector<std::string> kOutputKeys = {"path", "format", "compression", "csv", "files", "target_file_size"};
const std::vector<std::string> kCsvKeys = {"delimiter", "header", "quote"};
const std::vector<std::string> kKafkaKeys = {"brokers", "topic", "options"};
const std::vector<std::string> kWebhookKeys = {"url", "headers", "retries"};
const std::vector<std::string> kRetentionKeys = {"landing_days"};

class JobReader {
 public:
  JobReader(ProjectYamlReader& reader, const std::function<std::string(const std::string&)>& resolve)
      : reader_(reader), resolve_(resolve) {}

  std::optional<ConsolidationConfig> read(const std::string& name, const YAML::Node& key_node, const YAML::Node& body) {
    ConsolidationConfig job;
    job.name = name;
    job.line = key_node.Mark().line + 1;
    where_ = " in consolidation '" + name + "'";
    field_ = "consolidations." + name + ".";
    if (!is_identifier(name)) {
      reader_.error(key_node, fmt::format("invalid consolidation name '{}' (use letters, digits and underscores)", name));
      ok_ = false;
    }
    if (!reader_.expect_map(body, "consolidations." + name)) return std::nullopt;
    reader_.check_keys(body, kJobKeys, where_);
    read_input(body, job);
    read_key(body, job);
    if (auto latest = reader_.required_string(body, "latest_by", where_, field_ + "latest_by")) {
      if (!is_identifier(*latest)) {
        reader_.error(body["latest_by"], fmt::format("'latest_by' must be a column name, got '{}'", *latest));
        ok_ = false;
      }
      job.latest_by = *latest;
    } else {
      ok_ = false;
    }
    if (const YAML::Node partition = body["partition_by"]) read_partitioning(partition, job.partition_by);
    read_output(body, job);
    if (const YAML::Node events = body["events"]) read_events(events, job.events);
    if (const YAML::Node retention = body["retention"]) read_retention(retention, job);
    if (const YAML::Node executions = body["executions_per_day"]) {
      auto number = integer(executions, "executions_per_day", 1, 1440);
      if (number) job.executions_per_day = static_cast<int>(*number);
    }
    if (const YAML::Node bad = body["on_bad_file"]) {
      if (auto text = reader_.string_value(bad, "on_bad_file", field_ + "on_bad_file")) {
        if (*text == "fail") job.fail_on_bad_file = true;
        else if (*text != "quarantine") fail(bad, fmt::format("'on_bad_file' must be quarantine or fail, got '{}'", *text));
      }
    }
    const size_t problems = reader_.diagnostics().size();
    read_job_quality_keys(body, reader_.file(), &reader_.diagnostics(), job.quality);
    if (reader_.diagnostics().size() != problems) ok_ = false;
    if (!ok_) return std::nullopt;
    return job;
  }

 private:
  void fail(const YAML::Node& at, std::string message) {
    reader_.error(at, std::move(message) + where_);
    ok_ = false;
  }

  std::optional<int64_t> integer(const YAML::Node& node, const std::string& what, int64_t low, int64_t high) {
    auto text = reader_.string_value(node, what, field_ + what);
    if (!text) return std::nullopt;
    auto number = parse_int64(trim(*text));
    if (!number || *number < low || *number > high) {
      fail(node, fmt::format("'{}' must be a whole number from {} to {}, got '{}'", what, low, high, *text));
      return std::nullopt;
    }
    return number;
  }

  void read_input(const YAML::Node& body, ConsolidationConfig& job) {
    const YAML::Node input = body["input"];
    if (!input) {
      reader_.error(body, "missing required key 'input' (the landing files: {path, layout, format})" + where_);
      ok_ = false;
      return;
    }
    if (!reader_.expect_map(input, "input" + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys(input, kInputKeys, " in the input" + where_);
    if (auto path = reader_.required_string(input, "path", " in the input" + where_, field_ + "input.path")) {
      job.input.path = resolve_(*path);
    } else {
      ok_ = false;
    }
    if (const YAML::Node layout = input["layout"]) {
      if (auto text = reader_.string_value(layout, "layout", field_ + "input.layout")) {
        if (*text == "YYYY/MM/DD") job.input.layout = LandingLayout::kDatePath;
        else if (*text == "hive") job.input.layout = LandingLayout::kHive;
        else fail(layout, fmt::format("unknown input layout '{}' (expected 'YYYY/MM/DD' or 'hive')", *text));
      }
    }
    if (const YAML::Node format = input["format"]) {
      if (auto text = reader_.string_value(format, "format", field_ + "input.format")) {
        const std::string lower = to_lower(*text);
        if (lower == "parquet") job.input.format = LandingFormat::kParquet;
        else if (lower == "csv") job.input.format = LandingFormat::kCsv;
        else if (lower == "json") job.input.format = LandingFormat::kJson;
        else fail(format, fmt::format("unknown input format '{}' (expected one of: 'parquet', 'csv', 'json')", *text));
      }
    }
  }

  void read_key(const YAML::Node& body, ConsolidationConfig& job) {
    const YAML::Node key = body["key"];
    if (!key) {
      reader_.error(body, "missing required key 'key' (the column, or list of columns, identifying a record)" + where_);
      ok_ = false;
      return;
    }
    std::vector<YAML::Node> nodes;
    if (key.IsSequence()) {
      for (const auto& item : key) nodes.push_back(item);
    } else {
      nodes.push_back(key);
    }
    for (const auto& node : nodes) {
      auto text = reader_.string_value(node, "key", field_ + "key");
      if (!text) {
        ok_ = false;
        continue;
      }
      if (!is_identifier(*text)) {
        fail(node, fmt::format("'key' must name columns, got '{}'", *text));
        continue;
      }
      job.key.push_back(*text);
    }
    if (job.key.empty() && ok_) fail(key, "'key' must name at least one column");
  }

  void read_partitioning(const YAML::Node& node, ConsolidationPartitioning& out) {
    if (!reader_.expect_map(node, "partition_by" + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys(node, kPartitionKeys, " in partition_by" + where_);
    if (const YAML::Node column = node["column"]) {
      if (auto text = reader_.string_value(column, "column", field_ + "partition_by.column")) {
        if (!is_identifier(*text)) fail(column, fmt::format("'column' must be a column name, got '{}'", *text));
        else out.column = *text;
      }
    }
    if (const YAML::Node zone = node["timezone"]) {
      if (auto text = reader_.string_value(zone, "timezone", field_ + "partition_by.timezone")) {
        try {
          date::locate_zone(*text);
          out.timezone = *text;
        } catch (const std::exception&) {
          fail(zone, fmt::format("unknown time zone '{}' (use an IANA name such as America/Sao_Paulo or UTC)", *text));
        }
      }
    }
    if (const YAML::Node layout = node["layout"]) {
      if (auto text = reader_.string_value(layout, "layout", field_ + "partition_by.layout")) {
        std::vector<std::string> levels;
        bool good = true;
        for (const std::string& part : split(*text, '/')) {
          if (part.empty()) continue;
          std::string level = part;
          if (!level.empty() && level.back() == '=') level.pop_back();
          if (level != "year" && level != "month" && level != "day") good = false;
          levels.push_back(level);
        }
        const bool ordered = levels == std::vector<std::string>{"year"} ||
                             levels == std::vector<std::string>{"year", "month"} ||
                             levels == std::vector<std::string>{"year", "month", "day"};
        if (!good || !ordered) {
          fail(layout, fmt::format("unknown partition layout '{}' (expected 'year=/month=/day=', 'year=/month=' or "
                                   "'year=')",
                                   *text));
        } else {
          out.levels = levels;
        }
      }
    }
  }

  void read_output(const YAML::Node& body, ConsolidationConfig& job) {
    const YAML::Node output = body["output"];
    const std::string where = " in the output" + where_;
    if (!output) {
      reader_.error(body, "missing required key 'output' (where consolidated partitions go: {path, format})" + where_);
      ok_ = false;
      return;
    }
    if (!reader_.expect_map(output, "output" + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys(output, kOutputKeys, where);
    ConsolidationOutput& out = job.output;
    if (auto path = reader_.required_string(output, "path", where, field_ + "output.path")) {
      out.path = resolve_(*path);
      while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
    } else {
      ok_ = false;
    }
    if (const YAML::Node format = output["format"]) {
      if (auto text = reader_.string_value(format, "format", field_ + "output.format")) {
        const std::string lower = to_lower(*text);
        if (lower == "delta") out.format = OutputFormat::kDelta;
        else if (lower == "parquet") out.format = OutputFormat::kParquet;
        else if (lower == "csv") out.format = OutputFormat::kCsv;
        else if (lower == "json") out.format = OutputFormat::kJson;
        else fail(format, fmt::format("unknown output format '{}' (expected one of: 'delta', 'parquet', 'csv', 'json')",
                                      *text));
      }
    }
    if (const YAML::Node compression = output["compression"]) {
      if (auto text = reader_.string_value(compression, "compression", field_ + "output.compression")) {
        const std::string lower = to_lower(*text);
        const bool columnar = out.format == OutputFormat::kDelta || out.format == OutputFormat::kParquet;
        const std::vector<std::string> allowed = columnar ? std::vector<std::string>{"snappy", "zstd", "gzip", "none"}
                                                          : std::vector<std::string>{"gzip", "zstd", "none"};
        if (std::find(allowed.begin(), allowed.end(), lower) == allowed.end()) {
          fail(compression, fmt::format("compression '{}' is not available for {} output (expected one of: {})", *text,
                                        output_format_name(out.format), quoted_list(allowed)));
        } else {
          out.compression = lower;
        }
      }
    }
    if (const YAML::Node csv = output["csv"]) {
      if (out.format != OutputFormat::kCsv) {
        fail(csv, "'csv' options apply only to csv output");
      } else if (reader_.expect_map(csv, "csv" + where)) {
        reader_.check_keys(csv, kCsvKeys, " in csv" + where);
        if (const YAML::Node delimiter = csv["delimiter"]) {
          auto text = reader_.string_value(delimiter, "delimiter", field_ + "output.csv.delimiter");
          if (text && text->size() != 1) fail(delimiter, fmt::format("'delimiter' must be one character, got '{}'", *text));
          else if (text) out.csv_delimiter = *text;
        }
        if (const YAML::Node quote = csv["quote"]) {
          auto text = reader_.string_value(quote, "quote", field_ + "output.csv.quote");
          if (text && text->size() != 1) fail(quote, fmt::format("'quote' must be one character, got '{}'", *text));
          else if (text) out.csv_quote = *text;
        }
        if (const YAML::Node header = csv["header"]) {
          auto text = reader_.string_value(header, "header", field_ + "output.csv.header");
          if (text && *text != "true" && *text != "false") fail(header, fmt::format("'header' must be true or false, got '{}'", *text));
          else if (text) out.csv_header = *text == "true";
        }
      }
    }
    const YAML::Node files = output["files"];
    const YAML::Node size = output["target_file_size"];
    if (files && size) fail(size, "give 'files' or 'target_file_size', not both");
    if (files) {
      if (auto number = integer(files, "files", 1, 10000)) out.files = static_cast<int>(*number);
    }
    if (size) {
      if (auto text = reader_.string_value(size, "target_file_size", field_ + "output.target_file_size")) {
        auto bytes = parse_memory_size(*text);
        if (!bytes || *bytes < (1 << 20)) {
          fail(size, fmt::format("'target_file_size' must be a size of at least 1MB such as 128MB, got '{}'", *text));
        } else {
          out.target_file_bytes = static_cast<int64_t>(*bytes);
        }
      }
    }
  }

  void read_string_map(const YAML::Node& node, const std::string& what, const std::string& field,
                       std::map<std::string, std::string>& out) {
    if (!reader_.expect_map(node, what + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys_unique(node, " in " + what + where_);
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;
      if (auto value = reader_.string_value(entry.second, entry.first.Scalar(), field + entry.first.Scalar())) {
        out.emplace(entry.first.Scalar(), *value);
      }
    }
  }

  void read_events(const YAML::Node& events, std::vector<EventSinkConfig>& out) {
    if (events.IsNull()) return;
    if (!events.IsSequence()) {
      fail(events, fmt::format("'events' must be a list of sinks (kafka, webhook, file), got {}", node_kind(events)));
      return;
    }
    int index = 0;
    for (const auto& node : events) {
      const std::string field = fmt::format("{}events.{}.", field_, index++);
      if (!node.IsMap() || node.size() != 1) {
        fail(node, "each event sink is one of {kafka: {...}}, {webhook: {...}} or {file: PATH}");
        continue;
      }
      const std::string kind = node.begin()->first.Scalar();
      const YAML::Node body = node.begin()->second;
      EventSinkConfig sink;
      if (kind == "file") {
        sink.kind = EventSinkConfig::Kind::kFile;
        auto path = reader_.string_value(body, "file", field + "path");
        if (!path || path->empty()) {
          fail(body, "'file' must be the path of a JSON-lines file");
          continue;
        }
        sink.path = resolve_(*path);
      } else if (kind == "kafka") {
        sink.kind = EventSinkConfig::Kind::kKafka;
        if (!reader_.expect_map(body, "kafka" + where_)) {
          ok_ = false;
          continue;
        }
        reader_.check_keys(body, kKafkaKeys, " in kafka" + where_);
        auto brokers = reader_.required_string(body, "brokers", " in kafka" + where_, field + "brokers");
        auto topic = reader_.required_string(body, "topic", " in kafka" + where_, field + "topic");
        if (!brokers || !topic) {
          ok_ = false;
          continue;
        }
        sink.brokers = *brokers;
        sink.topic = *topic;
        if (const YAML::Node options = body["options"]) read_string_map(options, "kafka options", field + "options.", sink.options);
      } else if (kind == "webhook") {
        sink.kind = EventSinkConfig::Kind::kWebhook;
        if (!reader_.expect_map(body, "webhook" + where_)) {
          ok_ = false;
          continue;
        }
        reader_.check_keys(body, kWebhookKeys, " in webhook" + where_);
        auto url = reader_.required_string(body, "url", " in webhook" + where_, field + "url");
        if (!url) {
          ok_ = false;
          continue;
        }
        if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
          fail(body["url"], fmt::format("'url' must start with http:// or https://, got '{}'", *url));
          continue;
        }
        sink.url = *url;
        if (const YAML::Node headers = body["headers"]) read_string_map(headers, "webhook headers", field + "headers.", sink.headers);
        if (const YAML::Node retries = body["retries"]) {
          if (auto number = integer(retries, "retries", 0, 100)) sink.retries = static_cast<int>(*number);
        }
      } else {
        fail(node.begin()->first, fmt::format("unknown event sink '{}' (expected kafka, webhook or file)", kind));
        continue;
      }
      out.push_back(std::move(sink));
    }
  }

  void read_retention(const YAML::Node& node, ConsolidationConfig& job) {
    if (node.IsNull()) return;
    if (!reader_.expect_map(node, "retention" + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys(node, kRetentionKeys, " in retention" + where_);
    if (const YAML::Node days = node["landing_days"]) {
      if (auto number = integer(days, "landing_days", 1, 36500)) job.retention_landing_days = static_cast<int>(*number);
    }
  }

  ProjectYamlReader& reader_;
  const std::function<std::string(const std::string&)>& resolve_;
  std::string where_, field_;
  bool ok_ = true;
};

}  // namespace

void read_consolidations(ProjectYamlReader& reader, const YAML::Node& node,
                         const std::function<std::string(const std::string&)>& resolve,
                         std::vector<ConsolidationConfig>& out) {
  if (node.IsNull()) return;
  if (!reader.expect_map(node, "consolidations")) return;
  reader.check_keys_unique(node, " in consolidations");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) continue;
    const std::string& name = entry.first.Scalar();
    bool seen = false;
    for (const auto& job : out) seen = seen || job.name == name;
    if (seen) continue;  // duplicate, reported above
    JobReader job_reader(reader, resolve);
    if (auto job = job_reader.read(name, entry.first, entry.second)) out.push_back(std::move(*job));
  }
}

}  // namespace silt::pipeline
