// What the Delta layer needs from a Parquet engine, declared here and implemented above
// (engine/parquet_io.cpp), so protocol code stays free of any SQL or Parquet library.
#pragma once

#include <string>

#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "storage/file_system.h"

namespace silt::delta {

// A checkpoint's actions, with the add actions (nearly all rows of a large one) kept apart so
// they can become a snapshot's file list without another copy.
struct CheckpointActions {
  std::vector<AddFile> adds;
  std::vector<Action> others;
};

class ParquetIo {
 public:
  virtual ~ParquetIo() = default;

  // Reads the actions of a checkpoint Parquet file (one per row, from the row's non-null action
  // column: add, remove, metaData, protocol, txn, domainMetadata); other columns are ignored, and
  // add stats come from `stats`, else from `stats_parsed`. Corruption when the file is not a
  // readable checkpoint. The file is read from `fs`.
  virtual Result<CheckpointActions> read_checkpoint(storage::FileSystem& fs, const std::string& path) = 0;

  // Encodes newline-delimited JSON actions as a checkpoint Parquet file with the schema Spark
  // writes, and returns the file's bytes (the caller stores them atomically).
  virtual Result<std::string> encode_checkpoint(const std::string& ndjson_actions) = 0;
};

}  // namespace silt::delta
