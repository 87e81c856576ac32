// A Delta log on an in-memory store for tests of replay and commits: write commit files of
// actions, load snapshots, with a fake Parquet reader for checkpoints.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"

namespace silt::delta {

inline constexpr const char* kRoot = "/lake/t";
inline constexpr const char* kSchema =
    R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"d","type":"string","nullable":true,"metadata":{}}]})";

class DeltaLogTest : public ::testing::Test {
 protected:
  DeltaLogTest() : io_(fs_) {}

  void commit(int64_t version, const std::vector<Action>& actions) {
    std::string text;
    for (const auto& action : actions) text += action_to_json(action) + "\n";
    ASSERT_TRUE(fs_.put_if_absent(commit_file_path(kRoot, version), text).ok());
  }
  static Metadata metadata() {
    Metadata m;
    m.id = "id-1";
    m.schema_string = kSchema;
    m.partition_columns = {"d"};
    return m;
  }
  static AddFile add(const std::string& path, int64_t records, std::optional<std::string> d = "x") {
    AddFile a;
    a.path = path;
    a.partition_values = {{"d", d}};
    a.size = 100;
    a.stats = fmt::format(R"({{"numRecords":{}}})", records);
    return a;
  }
  static RemoveFile remove(const std::string& path) {
    RemoveFile r;
    r.path = path;
    r.deletion_timestamp = 1;
    return r;
  }
  Result<std::shared_ptr<const Snapshot>> load(VersionSpec spec = {}) { return Snapshot::load(fs_, io_, kRoot, spec); }

  storage::MemoryFileSystem fs_;
  testing::FakeParquetIo io_;
};

}  // namespace silt::delta
