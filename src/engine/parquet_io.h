// DuckDB's implementation of delta::ParquetIo: checkpoint Parquet <-> newline-delimited actions.
#pragma once

#include <string>

#include "delta/parquet_io.h"
#include "engine/duckdb/database.h"
#include "engine/file_bridge.h"

namespace silt::engine {

class DuckParquetIo : public delta::ParquetIo {
 public:
  // The connection and the bridge must outlive this object; temp files go to `temp_directory` (or
  // the system's).
  DuckParquetIo(duckdb::Connection& connection, FileBridge& files, std::string temp_directory)
      : connection_(connection), files_(files), temp_directory_(std::move(temp_directory)) {}

  Result<delta::CheckpointActions> read_checkpoint(storage::FileSystem& fs, const std::string& path) override;
  Result<std::string> encode_checkpoint(const std::string& ndjson_actions) override;

 private:
  duckdb::Connection& connection_;
  FileBridge& files_;
  std::string temp_directory_;
};

}  // namespace silt::engine
