// Which source files a table has ingested, kept with the table so that ingestion is exactly once.
//
// Each ingesting commit records txn(appId "silt.ingest", version N) in the Delta log; the files it
// read are listed in <table>/_silt/ingest/<N>.json, created (never overwritten) *before* the commit.
// Manifest N names the version it extends ("previous"), so the committed manifests form a chain
// from the table's recorded version back to the first ingestion (or to a reset by a full refresh).
// Manifests of attempts that never committed (a crash, or a concurrent run that lost the commit
// race) are not on the chain and are ignored, so the set of ingested files always matches the
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

  // Files of the committed ingestions: the chain from the table's recorded txn version for kAppId
  // (nullopt when none) back to the first manifest or the newest reset (a full refresh).
  Result<std::set<SourceFile>> load(std::optional<int64_t> recorded_version);
  // Creates a manifest for an ingestion extending `recorded_version` and returns its number, which
  // the commit must record as txn version. Numbers are never reused: an existing manifest (another
  // attempt's) is skipped.
  Result<int64_t> write_manifest(std::optional<int64_t> recorded_version, bool reset,
                                 const std::vector<SourceFile>& files);

 private:
  std::string manifest_path(int64_t version) const;

  storage::FileSystem& fs_;
  std::string directory_;
};

}  // namespace silt::pipeline
