// A row-level comparison of two relations by key: row counts, keys only on one side, per common
// column how many matched rows differ, columns only on one side, and sample differing rows. All
// counts come from one FULL OUTER JOIN; the samples from a second, bounded query.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/duckdb/database.h"

namespace silt::engine {

struct DiffOptions {
  std::vector<std::string> key;  // columns both sides have; rows match when all are equal (NULL never matches)
  int sample_rows = 10;
};

struct ColumnDiff {
  std::string column;
  std::string left_type, right_type;
  int64_t changed = 0;  // matched rows whose values differ (NULL vs value counts, NULL vs NULL does not)
};

struct RowDiff {
  std::string left_name, right_name;  // for reports: "v1", "silver.orders@3"
  std::vector<std::string> key;
  int64_t left_rows = 0, right_rows = 0;
  int64_t matched = 0;       // key pairs found on both sides
  int64_t only_left = 0;     // left rows whose key the right lacks
  int64_t only_right = 0;
  int64_t rows_changed = 0;  // matched pairs with any column different
  bool duplicate_keys = false;  // a key appears more than once on a side: counts are of pairs
  std::vector<ColumnDiff> columns;  // common columns except the key, in the left's order
  std::vector<std::string> columns_only_left, columns_only_right;
  std::string samples_json = "[]";  // [{"key": {...}, "in": "both|left|right", "changes": {col: {"left", "right"}}}]

  bool identical() const {
    return only_left == 0 && only_right == 0 && rows_changed == 0 && columns_only_left.empty() &&
           columns_only_right.empty();
  }
};

// `left_sql` and `right_sql` are relations (a table name or a parenthesised SELECT).
Result<RowDiff> diff_relations(duckdb::Connection& connection, const std::string& left_sql,
                               const std::string& right_sql, const DiffOptions& options);

std::string row_diff_to_json(const RowDiff& diff);  // indented, for reports and --json
std::string format_row_diff(const RowDiff& diff);   // for people: a few lines

}  // namespace silt::engine
