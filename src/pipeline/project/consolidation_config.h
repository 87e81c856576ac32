// The typed form of silt.yaml's `consolidations:` jobs: landing files of many small writers read
// exactly once, de-duplicated by key and written as partitions (see docs/CONSOLIDATION.md). Plain
// values only; the parser is project_consolidations.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/quality/quality.h"

namespace silt::pipeline {

enum class LandingLayout {
  kDatePath,  // <path>/YYYY/MM/DD/<file>
  kHive,      // <path>/k=v/.../<file>
};

enum class LandingFormat { kParquet, kCsv, kJson };
const char* landing_format_name(LandingFormat format);

enum class OutputFormat { kDelta, kParquet, kCsv, kJson };
const char* output_format_name(OutputFormat format);

struct ConsolidationInput {
  std::string path;  // absolute or s3://
  LandingLayout layout = LandingLayout::kDatePath;
  LandingFormat format = LandingFormat::kParquet;
};

// How output partitions are named. With a column, each row's partition is the date of that
// timestamp in `timezone`; without one, the date of the landing folder the row came from.
struct ConsolidationPartitioning {
  std::string column;                 // "" = from the input path's date
  std::string timezone = "UTC";       // IANA name
  std::vector<std::string> levels = {"year", "month", "day"};  // any of year, month, day, in order
};

struct ConsolidationOutput {
  std::string path;
  OutputFormat format = OutputFormat::kDelta;
  std::string compression;  // "" = the format's default (zstd for parquet/delta, none for csv/json)
  std::string csv_delimiter = ",";
  bool csv_header = true;
  std::string csv_quote = "\"";
  int files = 1;                      // per execution and partition (ignored when target_file_bytes > 0)
  int64_t target_file_bytes = 0;      // 0 = `files`
};

struct EventSinkConfig {
  enum class Kind { kKafka, kWebhook, kFile } kind = Kind::kFile;
  std::string brokers, topic;                    // kafka
  std::map<std::string, std::string> options;    // kafka: extra librdkafka properties
  std::string url;                               // webhook
  std::map<std::string, std::string> headers;    // webhook
  int retries = 5;                               // webhook: attempts after the first
  std::string path;                              // file (JSON lines)
  std::string label() const;                     // "kafka:topic", "webhook:url", "file:path"
};

struct ConsolidationConfig {
  std::string name;
  int line = 0;  // where it is defined in silt.yaml
  ConsolidationInput input;
  std::vector<std::string> key;
  std::string latest_by;
  ConsolidationPartitioning partition_by;
  ConsolidationOutput output;
  std::vector<EventSinkConfig> events;
  std::optional<int> retention_landing_days;
  int executions_per_day = 4;
  // A landing file that cannot be read: quarantined by name with the reason and the rest
  // consolidated ("quarantine"), or the execution fails and nothing is published ("fail").
  bool fail_on_bad_file = false;
  // `checks`, `on_failure` and `max_quarantine_pct` (docs/QUALITY.md), evaluated on the records an
  // execution is about to publish; quarantined records go to the Delta table <output>__quarantine.
  QualityConfig quality;
};

}  // namespace silt::pipeline
