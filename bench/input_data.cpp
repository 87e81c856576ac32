// The shared benchmark input: deterministic rows with ten mixed-type columns (integers, doubles,
// a decimal, strings, a date, a UTC timestamp) written once per size as a zstd Parquet file.
#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "harness.h"

namespace silt::bench {

const char* const kInputSchemaSql =
    "id BIGINT, customer_id INTEGER, quantity INTEGER, price DOUBLE, amount DECIMAL(18,2), name VARCHAR, "
    "region VARCHAR, order_date DATE, created_at TIMESTAMP WITH TIME ZONE, discount DOUBLE";

namespace {

// Row i of the data set; hash() makes values look random but keeps them reproducible.
std::string rows_sql(int64_t rows) {
  return fmt::format(
      "SELECT i AS id, "
      "CAST(hash(i) % 100000 AS INTEGER) AS customer_id, "
      "CAST(i % 50 + 1 AS INTEGER) AS quantity, "
      "CAST(hash(i * 3 + 1) % 1000000 AS DOUBLE) / 100 AS price, "
      "CAST(CAST(hash(i * 7 + 2) % 10000000 AS BIGINT) / 100.0 AS DECIMAL(18,2)) AS amount, "
      "'customer_' || CAST(hash(i) % 100000 AS VARCHAR) AS name, "
      "['north', 'south', 'east', 'west', 'central'][i % 5 + 1] AS region, "
      "DATE '2020-01-01' + CAST(i % 1826 AS INTEGER) AS order_date, "
      "to_timestamp(1704067200 + i) AS created_at, "
      "CAST(i % 100 AS DOUBLE) / 100 AS discount "
      "FROM range({}) t(i)",
      rows);
}

}  // namespace

Result<std::string> Bench::input_parquet(int64_t rows) {
  for (const auto& [size, path] : inputs_) {
    if (size == rows) return path;
  }
  std::string path = scratch(fmt::format("input_{}.parquet", rows));
  progress(fmt::format("generating {} input rows -> {}", rows, path));
  int64_t start = monotonic_ns();
  SILT_TRY_ASSIGN(auto session, open_session());
  SILT_TRY(session->connection().execute("COPY (" + rows_sql(rows) + ") TO " + sql_string(path) +
                                         " (FORMAT parquet, COMPRESSION zstd)"));
  progress(fmt::format("  generated in {}", format_seconds(seconds_since(start))));
  inputs_.emplace_back(rows, path);
  return path;
}

}  // namespace silt::bench
