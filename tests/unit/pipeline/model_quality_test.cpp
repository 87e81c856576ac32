// The quality rules a run's gate and `silt check` share.
#include <gtest/gtest.h>

#include "pipeline/quality/model_quality.h"

namespace silt::pipeline {
namespace {

CheckResult result(CheckKind kind, const char* status) {
  // Statuses by name, as reports store them.
  CheckResult r;
  r.name = check_kind_name(kind);
  r.kind = kind;
  r.status = check_status_from_name(status).value();
  return r;
}

TEST(QualityVerdictTest, RowAndTableFailuresWarningsAndTheContract) {
  EXPECT_STREQ(quality_verdict({}).outcome(), "passed");
  auto row = quality_verdict({result(CheckKind::kNotNull, "fail"), result(CheckKind::kUnique, "pass")});
  EXPECT_TRUE(row.row_failed);
  EXPECT_FALSE(row.table_failed);
  EXPECT_STREQ(row.outcome(), "failed");
  auto table = quality_verdict({result(CheckKind::kRowCount, "fail")});
  EXPECT_FALSE(table.row_failed);
  EXPECT_TRUE(table.table_failed);
  auto warned = quality_verdict({result(CheckKind::kRange, "warn"), result(CheckKind::kNotNull, "pass")});
  EXPECT_FALSE(warned.failed());
  EXPECT_STREQ(warned.outcome(), "warned");
  // Contract columns that do not match fail the table even when every check passed.
  auto contract = quality_verdict({result(CheckKind::kNotNull, "pass")}, /*contract_failed=*/true);
  EXPECT_TRUE(contract.table_failed);
  EXPECT_STREQ(contract.outcome(), "failed");
}

TEST(ModelChecksTest, TheContractAddsItsChecksAfterTheModelsOwn) {
  QualityConfig quality;
  CheckSpec own;
  own.name = "amount_positive";
  own.kind = CheckKind::kExpression;
  quality.checks.push_back(own);
  EXPECT_EQ(model_checks(quality).size(), 1u);
  Contract contract;
  contract.columns.push_back({"id", "BIGINT", false});
  contract.primary_key = {"id"};
  quality.contract = contract;
  auto checks = model_checks(quality);
  ASSERT_GE(checks.size(), 3u);
  EXPECT_EQ(checks[0].name, "amount_positive");
  bool not_null = false, primary_key = false;
  for (const auto& check : checks) {
    not_null |= check.kind == CheckKind::kNotNull;
    primary_key |= check.kind == CheckKind::kPrimaryKey;
  }
  EXPECT_TRUE(not_null);
  EXPECT_TRUE(primary_key);
}

}  // namespace
}  // namespace silt::pipeline
