// The chargebacks example's demo end to end: two landings of a day, four consolidation jobs each
// checked against a reference computed from the landing files, discovery of the landing zone and
// the catalog (the demo exits non-zero on any mismatch).
#include <gtest/gtest.h>

#include "support/run_command.h"

namespace silt::testing {
namespace {

TEST(ChargebacksDemo, RunsToTheEndAndMatchesTheReference) {
  CommandResult result = run_command({"env", std::string("SILT=") + SILT_BINARY,
                                      std::string(SILT_SOURCE_DIR) + "/examples/chargebacks/demo", "--files", "200",
                                      "--records", "40"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  for (const char* format : {"delta", "csv", "parquet", "json"}) {
    EXPECT_NE(result.out.find(std::string(format) + ": matches the reference"), std::string::npos) << result.out;
  }
  EXPECT_NE(result.out.find("catalog.landing_chargebacks: 8000 rows, as the files"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("TBLPROPERTIES ('table_type' = 'DELTA')"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("chargebacks demo: done"), std::string::npos) << result.out;
}

}  // namespace
}  // namespace silt::testing
