// Data skipping decisions per predicate kind, with partition values and stats (case table).
#include <gtest/gtest.h>

#include "delta/actions.h"
#include "delta/file_pruning.h"
#include "delta/snapshot.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"

namespace silt::delta {
namespace {

using Op = Predicate::Op;

class FilePruningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string schema =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
        R"({"name":"s","type":"string","nullable":true,"metadata":{}},)"
        R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
        R"j({"name":"amount","type":"decimal(10,2)","nullable":true,"metadata":{}},)j"
        R"({"name":"d","type":"date","nullable":true,"metadata":{}}]})";
    Metadata metadata;
    metadata.id = "x";
    metadata.schema_string = schema;
    metadata.partition_columns = {"d"};
    auto file = [](const char* path, const char* d, const char* stats) {
      AddFile add;
      add.path = path;
      add.partition_values = {{"d", d ? std::optional<std::string>(d) : std::nullopt}};
      if (stats) add.stats = stats;
      return add;
    };
    std::string log = action_to_json(Protocol{}) + "\n" + action_to_json(metadata) + "\n" +
                      action_to_json(file("f0", "2025-01-01",
                                          R"({"numRecords":10,"minValues":{"id":1,"s":"apple","ts":"2025-01-01T10:00:00.000Z","amount":0.3},"maxValues":{"id":10,"s":"mango","ts":"2025-01-01T11:00:00.123Z","amount":0.3},"nullCount":{"id":0,"s":2,"ts":0,"amount":0}})")) +
                      "\n" +
                      action_to_json(file("f1", "2025-01-02",
                                          R"({"numRecords":5,"minValues":{"id":20,"s":"pear"},"maxValues":{"id":30,"s":"zucchini"},"nullCount":{"id":0,"s":0,"ts":5}})")) +
                      "\n" + action_to_json(file("f2", nullptr, nullptr)) + "\n";
    ASSERT_TRUE(fs_.write(commit_file_path("/t", 0), log).ok());
    testing::FakeParquetIo io(fs_);
    auto loaded = Snapshot::load(fs_, io, "/t");
    ASSERT_TRUE(loaded) << loaded.error().message();
    snapshot_ = *loaded;
    schema_ = *snapshot_->schema();
  }

  std::vector<std::string> kept(const Predicate& predicate) {
    std::vector<std::string> out;
    for (size_t index : files_maybe_matching(*snapshot_, schema_, predicate)) out.push_back(snapshot_->files()[index].path);
    return out;
  }

  storage::MemoryFileSystem fs_;
  std::shared_ptr<const Snapshot> snapshot_;
  Schema schema_;
};

TEST_F(FilePruningTest, CaseTable) {
  using V = std::vector<std::string>;
  struct Case {
    Predicate predicate;
    V expected;
  };
  Predicate is_null;
  is_null.kind = Predicate::Kind::kIsNull;
  is_null.column = "s";
  Predicate ts_all_null;
  ts_all_null.kind = Predicate::Kind::kIsNotNull;
  ts_all_null.column = "ts";
  Predicate in;
  in.kind = Predicate::Kind::kIn;
  in.column = "id";
  in.values = {"15", "25"};
  Predicate numeric_vs_string = Predicate::compare("s", Op::kEq, "5");
  numeric_vs_string.numeric_literals = true;
  Case cases[] = {
      {Predicate::compare("id", Op::kEq, "5"), V{"f0", "f2"}},
      {Predicate::compare("id", Op::kGt, "10"), V{"f1", "f2"}},
      {Predicate::compare("id", Op::kGe, "10"), V{"f0", "f1", "f2"}},
      {Predicate::compare("id", Op::kLt, "1"), V{"f2"}},
      {Predicate::compare("id", Op::kLe, "1"), V{"f0", "f2"}},
      {Predicate::compare("s", Op::kEq, "banana"), V{"f0", "f2"}},
      {Predicate::compare("s", Op::kGt, "n"), V{"f1", "f2"}},
      {Predicate::compare("d", Op::kEq, "2025-01-02"), V{"f1"}},           // partitions are exact; NULL never equal
      {Predicate::compare("ts", Op::kGt, "2025-01-01 11:00:00.123"), V{"f0", "f2"}},  // max is truncated: +1 ms
      {Predicate::compare("ts", Op::kGt, "2025-01-01 11:00:00.124"), V{"f2"}},        // f1: ts all NULL
      {Predicate::compare("amount", Op::kGe, "0.3"), V{"f0", "f1", "f2"}},  // double-rounded stats stay bounds
      {Predicate::compare("amount", Op::kGt, "0.31"), V{"f1", "f2"}},
      {Predicate::all_of({Predicate::compare("id", Op::kGt, "5"), Predicate::compare("s", Op::kEq, "zz")}), V{"f2"}},
      {Predicate::any_of({Predicate::compare("id", Op::kEq, "5"), Predicate::compare("id", Op::kEq, "25")}),
       V{"f0", "f1", "f2"}},
      {is_null, V{"f0", "f2"}},
      {ts_all_null, V{"f0", "f2"}},
      {in, V{"f1", "f2"}},
      {numeric_vs_string, V{"f0", "f1", "f2"}},
      {Predicate::unknown(), V{"f0", "f1", "f2"}},
      {Predicate::compare("id", Op::kEq, "not a number"), V{"f0", "f1", "f2"}},
  };
  int index = 0;
  for (const auto& c : cases) {
    EXPECT_EQ(kept(c.predicate), c.expected) << "case " << index;
    ++index;
  }
}

}  // namespace
}  // namespace silt::delta
