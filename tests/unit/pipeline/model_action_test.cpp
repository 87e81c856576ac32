// choose_action: the one decision `silt run` and `silt plan` share.
#include <gtest/gtest.h>

#include "pipeline/run/model_action.h"

namespace silt::pipeline {
namespace {

ModelConfig config(Materialization materialized, std::vector<std::string> unique_key = {}) {
  ModelConfig c;
  c.materialized = materialized;
  c.unique_key = std::move(unique_key);
  return c;
}

TEST(ModelActionTest, EachMaterializationOnAMissingAnExistingAndARebuiltTable) {
  struct Case {
    ModelConfig config;
    ModelAction existing;
  };
  std::vector<Case> cases = {
      {config(Materialization::kTable), ModelAction::kReplace},
      {config(Materialization::kAppend), ModelAction::kAppend},
      {config(Materialization::kMerge, {"id"}), ModelAction::kMerge},
      {config(Materialization::kIncremental), ModelAction::kReplaceWindow},
      {config(Materialization::kIncremental, {"id"}), ModelAction::kMergeWindow},
      {config(Materialization::kSnapshot, {"id"}), ModelAction::kSnapshot},
  };
  for (const auto& test : cases) {
    std::string name = materialization_name(test.config.materialized);
    EXPECT_EQ(choose_action(test.config, false, false), ModelAction::kCreate) << name;
    EXPECT_EQ(choose_action(test.config, false, true), ModelAction::kCreate) << name;
    EXPECT_EQ(choose_action(test.config, true, false), test.existing) << name;
    EXPECT_EQ(choose_action(test.config, true, true), ModelAction::kReplace) << name;
  }
  EXPECT_STREQ(model_action_name(ModelAction::kMergeWindow), "merge window");
  EXPECT_TRUE(is_rebuild(ModelAction::kCreate));
  EXPECT_FALSE(is_rebuild(ModelAction::kSnapshot));
}

}  // namespace
}  // namespace silt::pipeline
