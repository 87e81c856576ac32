// What the Delta layer needs from a Parquet engine, declared here and implemented above
// (engine/parquet_io.cpp), so protocol code stays free of any SQL or Parquet library.
#pragma once

#include <string>

#include "base/status.h"

namespace silt::delta {

class ParquetIo {
 public:
  virtual ~ParquetIo() = default;

  // Reads a checkpoint Parquet file and returns its rows as newline-delimited JSON actions, one
  // object per row keyed by the non-null action column ({"add":{...}}). Columns that are not
  // actions are dropped. Corruption when the file is not a readable Parquet file.
  virtual Result<std::string> read_checkpoint(const std::string& path) = 0;

  // Encodes newline-delimited JSON actions as a checkpoint Parquet file with the schema Spark
  // writes, and returns the file's bytes (the caller stores them atomically).
  virtual Result<std::string> encode_checkpoint(const std::string& ndjson_actions) = 0;
};

}  // namespace silt::delta
