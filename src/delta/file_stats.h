// Writing a data file's statistics as Delta's `stats` JSON (numRecords, minValues, maxValues,
// nullCount); file_pruning.cpp reads them. Bounds arrive as text, as a Parquet writer prints them,
// and take the JSON form of their column's Delta type; a bound without a safe form (long strings,
// NaN, nested types) is left out, so readers keep no bound rather than a wrong one.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "delta/schema.h"

namespace silt::delta {

struct ColumnStatsText {
  std::optional<std::string> min;
  std::optional<std::string> max;
  std::optional<int64_t> null_count;
};

// The stats JSON of one file: `columns` by column name (schema spelling); partition columns and
// columns without an entry get no statistics.
std::string encode_file_stats(const Schema& schema, const std::vector<std::string>& partition_columns,
                              int64_t num_records, const std::map<std::string, ColumnStatsText>& columns);

}  // namespace silt::delta
