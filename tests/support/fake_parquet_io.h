// A ParquetIo for Delta-layer unit tests: a "checkpoint file" holds the NDJSON actions verbatim,
// so log replay and checkpoint logic are tested without DuckDB.
#pragma once

#include <string>

#include "delta/parquet_io.h"
#include "storage/file_system.h"

namespace silt::testing {

class FakeParquetIo : public delta::ParquetIo {
 public:
  // The file system is the one checkpoints are written to; reads use the one the caller names.
  explicit FakeParquetIo(storage::FileSystem&) {}

  Result<delta::CheckpointActions> read_checkpoint(storage::FileSystem& fs, const std::string& path) override {
    auto bytes = fs.read(path);
    if (!bytes) return std::move(bytes).error();
    if (bytes->rfind("NDJSON\n", 0) != 0) return make_error(ErrorCode::kCorruption, "not a checkpoint: " + path);
    auto actions = delta::parse_actions(bytes->substr(7));
    if (!actions) return std::move(actions).error();
    delta::CheckpointActions out;
    for (auto& action : *actions) {
      if (auto* add = std::get_if<delta::AddFile>(&action)) out.adds.push_back(std::move(*add));
      else out.others.push_back(std::move(action));
    }
    return out;
  }
  Result<std::string> encode_checkpoint(const std::string& ndjson_actions) override {
    return "NDJSON\n" + ndjson_actions;
  }
};

}  // namespace silt::testing
