// A ParquetIo for Delta-layer unit tests: a "checkpoint file" holds the NDJSON actions verbatim,
// so log replay and checkpoint logic are tested without DuckDB.
#pragma once

#include <string>

#include "delta/parquet_io.h"
#include "storage/file_system.h"

namespace silt::testing {

class FakeParquetIo : public delta::ParquetIo {
 public:
  explicit FakeParquetIo(storage::FileSystem& fs) : fs_(fs) {}

  Result<std::string> read_checkpoint(const std::string& path) override {
    auto bytes = fs_.read(path);
    if (!bytes) return std::move(bytes).error();
    if (bytes->rfind("NDJSON\n", 0) != 0) return make_error(ErrorCode::kCorruption, "not a checkpoint: " + path);
    return bytes->substr(7);
  }
  Result<std::string> encode_checkpoint(const std::string& ndjson_actions) override {
    return "NDJSON\n" + ndjson_actions;
  }

 private:
  storage::FileSystem& fs_;
};

}  // namespace silt::testing
