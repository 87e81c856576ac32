// edit_flag: only the flag's section changes (other flags and comments stay), the version goes up,
// variations named must be the flag's, rollouts must total 100, targets move between variations.
#include <gtest/gtest.h>

#include "flags/flag_edit.h"
#include "flags/flag_file.h"

namespace silt::flags {
namespace {

constexpr const char* kFile =
    "# the TBAR flags\n"
    "tbar.version:\n"
    "  variations: [v1, v2]\n"
    "  off_variation: v1\n"
    "  targets: {v1: [a, b]}\n"
    "  fallthrough: {rollout: {v1: 90, v2: 10}, bucket_by: region}\n"
    "\n"
    "# another flag, untouched\n"
    "other.flag:\n"
    "  variations: [true, false]\n"
    "  fallthrough: true\n";

TEST(FlagEditTest, ChangesOnlyTheFlagsSection) {
  FlagChange change;
  change.fallthrough = "v1";
  change.on = false;
  auto edit = edit_flag("flags/tbar.yml", kFile, "tbar.version", change);
  ASSERT_TRUE(edit) << edit.error().message();
  EXPECT_EQ(edit->version_before, 1);
  EXPECT_EQ(edit->version_after, 2);
  EXPECT_EQ(edit->text.rfind("# the TBAR flags\ntbar.version:\n", 0), 0u) << edit->text;
  EXPECT_NE(edit->text.find("\n\n# another flag, untouched\nother.flag:\n  variations: [true, false]\n"), std::string::npos)
      << edit->text;
  FlagSet flags;
  std::vector<Diagnostic> problems;
  read_flag_file("flags/tbar.yml", edit->text, FlagFileFormat::kSiltYaml, &flags, &problems);
  EXPECT_TRUE(problems.empty()) << (problems.empty() ? "" : format_diagnostic(problems[0]));
  const Flag* flag = flags.find_flag("tbar.version");
  ASSERT_NE(flag, nullptr);
  EXPECT_FALSE(flag->on);
  EXPECT_EQ(flag->version, 2);
  EXPECT_FALSE(flag->fallthrough.rollout.has_value());
  ASSERT_NE(flags.find_flag("other.flag"), nullptr);
  EXPECT_NE(edit->before_json.find("\"bucket_by\":\"region\""), std::string::npos);
  EXPECT_NE(edit->after_json.find("\"fallthrough\":\"v1\""), std::string::npos);
}

TEST(FlagEditTest, RolloutsKeepTheirBucketingAndTargetsMove) {
  FlagChange change;
  change.rollout = {{"v1", 50}, {"v2", 50}};
  change.targets = {{"v2", "a"}};
  auto edit = edit_flag("flags/tbar.yml", kFile, "tbar.version", change);
  ASSERT_TRUE(edit) << edit.error().message();
  FlagSet flags;
  std::vector<Diagnostic> problems;
  read_flag_file("flags/tbar.yml", edit->text, FlagFileFormat::kSiltYaml, &flags, &problems);
  ASSERT_TRUE(problems.empty()) << format_diagnostic(problems[0]);
  EXPECT_NE(edit->text.find("bucket_by: region"), std::string::npos) << edit->text;
  EXPECT_NE(edit->text.find("v1: [b]"), std::string::npos) << edit->text;
  EXPECT_NE(edit->text.find("v2: [a]"), std::string::npos) << edit->text;
}

TEST(FlagEditTest, RefusesWhatWouldBreakTheFlag) {
  FlagChange unknown;
  unknown.fallthrough = "v3";
  auto edit = edit_flag("flags/tbar.yml", kFile, "tbar.version", unknown);
  ASSERT_FALSE(edit);
  EXPECT_NE(edit.error().message().find("'v3' is not a variation of flag 'tbar.version' (its variations: v1, v2)"),
            std::string::npos);
  FlagChange weights;
  weights.rollout = {{"v1", 60}, {"v2", 60}};
  edit = edit_flag("flags/tbar.yml", kFile, "tbar.version", weights);
  ASSERT_FALSE(edit);
  EXPECT_NE(edit.error().message().find("total 120%"), std::string::npos);
  EXPECT_EQ(edit_flag("flags/tbar.yml", kFile, "no.such", unknown).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(defines_flag(kFile, "other.flag"));
  EXPECT_FALSE(defines_flag(kFile, "v1"));
}

}  // namespace
}  // namespace silt::flags
