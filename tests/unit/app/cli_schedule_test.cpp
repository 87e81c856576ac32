// `silt schedule list` through the real binary: fire times across Berlin's spring-forward day as
// JSON (local, UTC, the policy's note), the human listing, and commands that are not silt's or
// name a missing consolidation (exit 2, the silt.yaml line named).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;

class CliSchedule : public SiltCli {};

TEST_F(CliSchedule, ListShowsWhatThePolicyDoesOnADstDay) {
  write_file("silt.yaml",
             "name: shop\nstorage: ./lake\n"
             "schedules:\n"
             "  nightly:\n"
             "    cron: \"30 2 * * *\"\n"
             "    timezone: Europe/Berlin\n"
             "    command: run\n"
             "  housekeeping:\n"
             "    cron: \"0 4 * * SUN\"\n"
             "    command: optimize silver.orders && vacuum silver.orders --retain 168h\n");
  json jobs = silt_json({"schedule", "list", "--from", "2027-03-27T00:00:00Z", "--count", "3", "--json"});
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["job"], "nightly");
  EXPECT_EQ(jobs[0]["cron"], "30 2 * * *");
  EXPECT_EQ(jobs[0]["timezone"], "Europe/Berlin");
  ASSERT_EQ(jobs[0]["fires"].size(), 3u);
  EXPECT_EQ(jobs[0]["fires"][0]["local"], "2027-03-27T02:30:00+01:00");
  EXPECT_EQ(jobs[0]["fires"][0]["utc"], "2027-03-27T01:30:00Z");
  EXPECT_EQ(jobs[0]["fires"][0]["note"], "");
  EXPECT_EQ(jobs[0]["fires"][1]["local"], "2027-03-28T03:00:00+02:00");
  EXPECT_EQ(jobs[0]["fires"][1]["utc"], "2027-03-28T01:00:00Z");
  EXPECT_NE(jobs[0]["fires"][1]["note"].get<std::string>().find("does not exist"), std::string::npos)
      << jobs[0]["fires"][1]["note"];
  EXPECT_EQ(jobs[0]["fires"][2]["utc"], "2027-03-29T00:30:00Z");
  EXPECT_EQ(jobs[1]["timezone"], "UTC");
  EXPECT_EQ(jobs[1]["fires"][0]["utc"], "2027-03-28T04:00:00Z");

  CommandResult human = silt({"schedule", "list", "--from", "2027-03-27T00:00:00Z", "--count", "2"});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("nightly: \"30 2 * * *\" in Europe/Berlin -> run"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("2027-03-28T03:00:00+02:00  (2027-03-28T01:00:00Z)"), std::string::npos) << human.out;
}

TEST_F(CliSchedule, ACommandThatIsNotSiltsOrAMissingConsolidationIsAConfigError) {
  write_file("silt.yaml",
             "name: shop\nstorage: ./lake\n"
             "schedules:\n"
             "  weekly:\n"
             "    cron: \"0 4 * * SUN\"\n"
             "    command: optimise silver.orders\n"
             "  chargebacks:\n"
             "    cron: \"30 0,6,12,18 * * *\"\n"
             "    timezone: America/Sao_Paulo\n"
             "    command: consolidate chargebaks\n");
  CommandResult bad = silt({"schedule", "list"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("silt.yaml:4: schedule 'weekly' runs 'optimise', which is not a silt command (did you "
                         "mean 'optimize'?)"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("silt.yaml:7: schedule 'chargebacks' runs consolidation 'chargebaks', which silt.yaml "
                         "does not define"),
            std::string::npos)
      << bad.err;

  CommandResult from = silt({"schedule", "list", "--from", "next tuesday"});
  EXPECT_EQ(from.exit_code, 2);
  EXPECT_NE(from.err.find("--from 'next tuesday' is not a time"), std::string::npos) << from.err;
}

}  // namespace
}  // namespace silt::testing
