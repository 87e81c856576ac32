// Commits on an in-memory store: blind appends that retry, conflicts by the files an operation
// read, app-id idempotence under concurrency, append-only tables, checkpoints every N commits.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "delta/actions.h"
#include "delta/snapshot.h"
#include "delta/transaction.h"
#include "storage/memory/memory_file_system.h"
#include "support/fake_parquet_io.h"
#include "unit/delta/delta_log_fixture.h"

namespace silt::delta {
namespace {

using TransactionTest = DeltaLogTest;

TEST_F(TransactionTest, BlindAppendsRetryAndConflictsAreDetected) {
  commit(0, {Protocol{}, metadata(), add("a", 1)});
  auto base = load();
  ASSERT_TRUE(base);
  // Two blind appends from the same read version: the second retries at version 2.
  Transaction first(fs_, io_, kRoot, *base);
  first.add_file(add("b", 1));
  Transaction second(fs_, io_, kRoot, *base);
  second.add_file(add("c", 1));
  auto r1 = first.commit();
  auto r2 = second.commit();
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->version, 1);
  EXPECT_EQ(r2->version, 2);
  EXPECT_EQ(r2->attempts, 2);
  // A delete of a file another commit removed meanwhile conflicts, naming the winner.
  Transaction deleter(fs_, io_, kRoot, *base);
  deleter.remove_file(remove("a"));
  Transaction other(fs_, io_, kRoot, *base);
  other.remove_file(remove("a"));
  ASSERT_TRUE(other.commit());
  auto lost = deleter.commit();
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kConflict);
  EXPECT_NE(lost.error().message().find("concurrent commit 3"), std::string::npos) << lost.error().message();
  // Metadata changes conflict with anything.
  auto latest = load();
  Transaction evolve(fs_, io_, kRoot, *latest);
  evolve.set_metadata(metadata());
  Transaction append(fs_, io_, kRoot, *latest);
  append.add_file(add("d", 1));
  ASSERT_TRUE(evolve.commit());
  auto refused = append.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
}

TEST_F(TransactionTest, ConflictsFollowTheFilesAnOperationRead) {
  commit(0, {Protocol{}, metadata(), add("a", 1), add("b", 1), add("c", 1)});
  auto base = load();
  // This operation read "a" (and removes it); a winner that rewrote only "b" does not conflict.
  Transaction reader(fs_, io_, kRoot, *base);
  reader.mark_file_read("a");
  reader.remove_file(remove("a"));
  Transaction winner(fs_, io_, kRoot, *base);
  winner.remove_file(remove("b"));
  winner.add_file(add("b2", 1));
  ASSERT_TRUE(winner.commit());
  auto committed = reader.commit();
  ASSERT_TRUE(committed) << committed.error().message();
  EXPECT_EQ(committed->version, 2);
  // One that read "c" conflicts with a winner that removed "c".
  auto latest = load();
  Transaction scanned(fs_, io_, kRoot, *latest);
  scanned.mark_file_read("c");
  scanned.add_file(add("d", 1));
  Transaction remover(fs_, io_, kRoot, *latest);
  remover.remove_file(remove("c"));
  ASSERT_TRUE(remover.commit());
  auto refused = scanned.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("removed file c"), std::string::npos) << refused.error().message();
  // A whole-table reader conflicts with any removal, but not with a blind append.
  latest = load();
  Transaction overwrite(fs_, io_, kRoot, *latest);
  overwrite.mark_read_whole_table();
  overwrite.add_file(add("e", 1));
  Transaction appender(fs_, io_, kRoot, *latest);
  appender.add_file(add("f", 1));
  ASSERT_TRUE(appender.commit());
  EXPECT_TRUE(overwrite.commit());
}

TEST_F(TransactionTest, SameAppIdConcurrentlyConflicts) {
  commit(0, {Protocol{}, metadata()});
  auto base = load();
  Transaction a(fs_, io_, kRoot, *base);
  a.set_app_transaction("stream", 1);
  a.add_file(add("a", 1));
  Transaction b(fs_, io_, kRoot, *base);
  b.set_app_transaction("stream", 1);
  b.add_file(add("b", 1));
  ASSERT_TRUE(a.commit());
  auto refused = b.commit();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  EXPECT_NE(refused.error().message().find("stream"), std::string::npos);
}

TEST_F(TransactionTest, AppendOnlyRefusesRemoves) {
  Metadata m = metadata();
  m.configuration["delta.appendOnly"] = "true";
  commit(0, {Protocol{}, m, add("a", 1)});
  auto base = load();
  Transaction txn(fs_, io_, kRoot, *base);
  txn.remove_file(remove("a"));
  auto refused = txn.commit();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("append-only"), std::string::npos);
}

TEST_F(TransactionTest, CheckpointEveryTenCommits) {
  commit(0, {Protocol{}, metadata()});
  for (int v = 1; v <= 10; ++v) {
    auto base = load();
    Transaction txn(fs_, io_, kRoot, *base);
    txn.add_file(add(fmt::format("f{}", v), 1));
    auto result = txn.commit();
    ASSERT_TRUE(result);
    EXPECT_EQ(result->checkpoint_written, v == 10);
  }
  auto exists = fs_.exists(checkpoint_file_path(kRoot, 10));
  ASSERT_TRUE(exists);
  EXPECT_TRUE(*exists);
}

}  // namespace
}  // namespace silt::delta
