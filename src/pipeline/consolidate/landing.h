// The landing zone of a consolidation job: the files small writers leave under
// <path>/YYYY/MM/DD/ (or Hive folders k=v/...), with the date each folder stands for.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/project/consolidation_config.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct LandingFile {
  std::string path;  // store path
  int64_t size = 0;
  int64_t modified_ms = 0;
  std::string date;  // "2025-11-03" from the folders (YYYY/MM/DD, or Hive year/month/day, dt or date); "" if none
  std::map<std::string, std::string> hive;  // Hive folder values, in path order (hive layout)
};

// The format of the data `name` (a file's last component) holds: .parquet; .csv, .tsv; .json,
// .jsonl, .ndjson (these also compressed: .gz, .zst). nullopt for other names and for names
// starting with '_' or '.'.
std::optional<LandingFormat> data_file_format(const std::string& name);
// Whether `name` holds data in `format` (data_file_format).
bool is_landing_data_file(LandingFormat format, const std::string& name);

// The folders of `relative` (a path below the landing root, file name last) as a LandingFile's
// date and Hive values; nullopt when they do not follow `layout` (YYYY/MM/DD: three folders of
// 4, 2 and 2 digits forming a valid date).
std::optional<LandingFile> parse_landing_path(LandingLayout layout, const std::string& relative);

// Every data file of the landing zone, sorted by (modification time, path): the order in which
// ties between records are broken (later wins). With `date` ("2025-11-03"), only that date's
// folder (YYYY/MM/DD layout) or files whose Hive date is it. Files outside the layout are left
// out and counted in *ignored when it is not null.
Result<std::vector<LandingFile>> list_landing(storage::FileSystem& fs, const ConsolidationInput& input,
                                              const std::optional<std::string>& date, int64_t* ignored = nullptr);

// "2025-11-03" when `text` is a valid calendar date in that form.
bool is_iso_date(const std::string& text);

}  // namespace silt::pipeline
