// Which source files a table has ingested, kept with the table so that ingestion is exactly once.
//
// Each ingesting commit N records txn(appId "silt.ingest", version N) in the Delta log; the files it
// read are listed in <table>/_silt/ingest/<N>.json, written *before* the commit. A manifest whose
// number is above the table's recorded txn version belongs to a commit that never happened and is
// ignored (and overwritten by the next attempt), so the set of ingested files always matches the
// table's content. A file is identified by (path, size, modification time): a file rewritten in
// place is ingested again.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "base/status.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct SourceFile {
  std::string source;  // source name
  std::string path;
  int64_t size = 0;
  int64_t modified_ms = 0;

  auto identity() const { return std::tie(path, size, modified_ms); }
  bool operator<(const SourceFile& other) const { return identity() < other.identity(); }
};

class IngestLog {
 public:
  static constexpr const char* kAppId = "silt.ingest";

  IngestLog(storage::FileSystem& fs, const std::string& table_root);

  // Files of committed ingestions 1..recorded_version (the table's txn version for kAppId; nullopt
  // when none), starting at the newest manifest marked as a reset (a full refresh).
  Result<std::set<SourceFile>> load(std::optional<int64_t> recorded_version);
  // Records the files the ingestion numbered `version` reads; call before committing it.
  Status write_manifest(int64_t version, bool reset, const std::vector<SourceFile>& files);

 private:
  std::string manifest_path(int64_t version) const;

  storage::FileSystem& fs_;
  std::string directory_;
};

}  // namespace silt::pipeline
