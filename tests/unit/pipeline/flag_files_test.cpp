// pipeline/flags: the project's flag files through a FileSystem, read again when they change, and the
// last good load kept when a reload fails.
#include <gtest/gtest.h>

#include "flags/evaluator.h"
#include "pipeline/flags/flag_files.h"
#include "storage/memory/memory_file_system.h"
#include "storage/testing/fault_injecting_file_system.h"

namespace silt::pipeline {
namespace {

flags::Value served(const FlagFiles& files, const std::string& key) {
  return flags::Evaluator(files.flags).evaluate(key, flags::Context(flags::SingleContext("job", "j"))).value;
}

TEST(FlagFilesTest, ReadsEveryFlagFileAndReloadsOnChange) {
  storage::MemoryFileSystem fs;
  ASSERT_TRUE(fs.write("/p/flags/a.yml", "a: {variations: [v1, v2], fallthrough: v1}\n").ok());
  ASSERT_TRUE(fs.write("/p/flags/b.json", R"({"flagValues": {"b": 7}})").ok());
  ASSERT_TRUE(fs.write("/p/flags/notes.txt", "not a flag file").ok());
  FlagFileProvider provider(fs, "/p");
  auto first = provider.current();
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ((*first)->files.size(), 2u);
  EXPECT_EQ(served(**first, "a"), flags::Value("v1"));
  EXPECT_EQ(served(**first, "b"), flags::Value(7));
  // Unchanged: the same load.
  EXPECT_EQ(provider.current()->get(), first->get());
  ASSERT_TRUE(fs.write("/p/flags/a.yml", "a: {variations: [v1, v2], fallthrough: v2}\n").ok());
  auto second = provider.current();
  ASSERT_TRUE(second);
  EXPECT_NE(second->get(), first->get());
  EXPECT_EQ(served(**second, "a"), flags::Value("v2"));
  ASSERT_TRUE(fs.remove("/p/flags/b.json").ok());
  EXPECT_EQ(provider.current().value()->flags.find_flag("b"), nullptr);
}

TEST(FlagFilesTest, AFailedReloadKeepsTheLastGoodLoad) {
  storage::MemoryFileSystem memory;
  storage::FaultInjectingFileSystem fs(memory);
  ASSERT_TRUE(memory.write("/p/flags/a.yml", "a: {variations: [v1, v2], fallthrough: v1}\n").ok());
  FlagFileProvider provider(fs, "/p");
  ASSERT_TRUE(provider.current());
  ASSERT_TRUE(memory.write("/p/flags/a.yml", "a: {variations: [v1, v2], fallthrough: v2}\n").ok());
  fs.fail_on_read(1);
  std::optional<Error> reload_error;
  auto kept = provider.current(&reload_error);
  ASSERT_TRUE(kept);
  ASSERT_TRUE(reload_error.has_value());
  EXPECT_EQ(served(**kept, "a"), flags::Value("v1"));
  // The next look, with the store back, loads the change.
  EXPECT_EQ(served(*provider.current().value(), "a"), flags::Value("v2"));
  // With no good load at all, the error.
  storage::FaultInjectingFileSystem failing(memory);
  failing.fail_on_read(1);
  FlagFileProvider fresh(failing, "/p");
  EXPECT_FALSE(fresh.current());
}

TEST(FlagFilesTest, NoFlagDirectoryIsNoFlags) {
  storage::MemoryFileSystem fs;
  auto files = load_flag_files(fs, "/p");
  ASSERT_TRUE(files);
  EXPECT_TRUE(files->flags.flags.empty());
  EXPECT_TRUE(files->diagnostics.empty());
}

}  // namespace
}  // namespace silt::pipeline
