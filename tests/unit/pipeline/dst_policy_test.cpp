// Local fire times resolved in IANA zones on DST days, against instants worked out by hand from
// the zones' published rules (Berlin: last Sunday of March 02:00 -> 03:00, last Sunday of October
// 03:00 -> 02:00; New York: second Sunday of March, first Sunday of November, at 02:00; Sao Paulo:
// DST until 2019, UTC-3 all year after).
#include "pipeline/schedule/dst_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace silt::pipeline {
namespace {

struct Expected {
  std::string local, utc;
};

std::vector<Expected> resolve(const std::string& local, const std::string& zone, DstPolicy policy = {}) {
  auto minute = parse_local_minute(local);
  EXPECT_TRUE(minute) << local;
  auto fires = resolve_fire(minute.value_or(0), zone, policy);
  EXPECT_TRUE(fires) << (fires ? "" : fires.error().message());
  std::vector<Expected> out;
  if (fires) {
    for (const auto& fire : *fires) out.push_back({fire.local, fire.utc});
  }
  return out;
}

bool operator==(const Expected& a, const Expected& b) { return a.local == b.local && a.utc == b.utc; }
void PrintTo(const Expected& e, std::ostream* os) { *os << e.local << " / " << e.utc; }

TEST(DstPolicy, OrdinaryDaysHaveOneInstant) {
  EXPECT_EQ(resolve("2027-01-15T02:30", "Europe/Berlin"),
            (std::vector<Expected>{{"2027-01-15T02:30:00+01:00", "2027-01-15T01:30:00Z"}}));
  EXPECT_EQ(resolve("2027-07-15T02:30", "America/New_York"),
            (std::vector<Expected>{{"2027-07-15T02:30:00-04:00", "2027-07-15T06:30:00Z"}}));
  EXPECT_EQ(resolve("2025-11-03T00:30", "America/Sao_Paulo"),
            (std::vector<Expected>{{"2025-11-03T00:30:00-03:00", "2025-11-03T03:30:00Z"}}));
}

TEST(DstPolicy, ASkippedTimeRunsAtTheEndOfTheGapOrNotAtAll) {
  EXPECT_EQ(resolve("2027-03-28T02:30", "Europe/Berlin"),
            (std::vector<Expected>{{"2027-03-28T03:00:00+02:00", "2027-03-28T01:00:00Z"}}));
  EXPECT_EQ(resolve("2027-03-14T02:30", "America/New_York"),
            (std::vector<Expected>{{"2027-03-14T03:00:00-04:00", "2027-03-14T07:00:00Z"}}));
  // Brazil's last DST start: 2018-11-04, 00:00 -> 01:00.
  EXPECT_EQ(resolve("2018-11-04T00:30", "America/Sao_Paulo"),
            (std::vector<Expected>{{"2018-11-04T01:00:00-02:00", "2018-11-04T03:00:00Z"}}));
  DstPolicy skip;
  skip.skipped = SkippedTimePolicy::kSkip;
  EXPECT_TRUE(resolve("2027-03-28T02:30", "Europe/Berlin", skip).empty());
  auto fires = resolve_fire(*parse_local_minute("2027-03-28T02:30"), "Europe/Berlin", {});
  ASSERT_TRUE(fires);
  EXPECT_EQ((*fires)[0].note, "02:30 does not exist; run_at_next_valid_time");
}

TEST(DstPolicy, ARepeatedTimeRunsOnceLastOrTwice) {
  const std::vector<Expected> both = {{"2027-10-31T02:30:00+02:00", "2027-10-31T00:30:00Z"},
                                      {"2027-10-31T02:30:00+01:00", "2027-10-31T01:30:00Z"}};
  DstPolicy policy;
  EXPECT_EQ(resolve("2027-10-31T02:30", "Europe/Berlin", policy), (std::vector<Expected>{both[0]}));
  policy.repeated = RepeatedTimePolicy::kRunLast;
  EXPECT_EQ(resolve("2027-10-31T02:30", "Europe/Berlin", policy), (std::vector<Expected>{both[1]}));
  policy.repeated = RepeatedTimePolicy::kRunTwice;
  EXPECT_EQ(resolve("2027-10-31T02:30", "Europe/Berlin", policy), both);
  // New York falls back at 02:00 EDT to 01:00 EST: 01:30 happens twice; 02:30 once.
  policy.repeated = RepeatedTimePolicy::kRunTwice;
  EXPECT_EQ(resolve("2027-11-07T01:30", "America/New_York", policy),
            (std::vector<Expected>{{"2027-11-07T01:30:00-04:00", "2027-11-07T05:30:00Z"},
                                   {"2027-11-07T01:30:00-05:00", "2027-11-07T06:30:00Z"}}));
  EXPECT_EQ(resolve("2027-11-07T02:30", "America/New_York", policy),
            (std::vector<Expected>{{"2027-11-07T02:30:00-05:00", "2027-11-07T07:30:00Z"}}));
  // Brazil's last DST end: 2019-02-17, 00:00 -> 23:00 the day before; no DST after.
  EXPECT_EQ(resolve("2019-02-16T23:30", "America/Sao_Paulo", policy).size(), 2u);
  EXPECT_EQ(resolve("2027-02-20T23:30", "America/Sao_Paulo", policy),
            (std::vector<Expected>{{"2027-02-20T23:30:00-03:00", "2027-02-21T02:30:00Z"}}));
}

std::vector<std::string> planned(const std::string& cron, const std::string& zone, const std::string& after_utc,
                                 size_t count, DstPolicy policy = {}) {
  auto expression = CronExpression::parse(cron);
  EXPECT_TRUE(expression);
  auto after = parse_local_minute(after_utc);  // minutes since the epoch, read as UTC
  EXPECT_TRUE(after);
  auto fires = plan_fires(*expression, zone, policy, *after * 60, count);
  EXPECT_TRUE(fires) << (fires ? "" : fires.error().message());
  std::vector<std::string> out;
  if (fires) {
    for (const auto& fire : *fires) out.push_back(fire.local + (fire.note.empty() ? "" : " (" + fire.note + ")"));
  }
  return out;
}

TEST(DstPolicy, PlannedFiresCrossTheDstDaysInTimeOrder) {
  EXPECT_EQ(planned("30 2 * * *", "Europe/Berlin", "2027-03-27T00:00", 3),
            (std::vector<std::string>{"2027-03-27T02:30:00+01:00",
                                      "2027-03-28T03:00:00+02:00 (02:30 does not exist; run_at_next_valid_time)",
                                      "2027-03-29T02:30:00+02:00"}));
  DstPolicy skip;
  skip.skipped = SkippedTimePolicy::kSkip;
  EXPECT_EQ(planned("30 2 * * *", "Europe/Berlin", "2027-03-27T00:00", 2, skip),
            (std::vector<std::string>{"2027-03-27T02:30:00+01:00", "2027-03-29T02:30:00+02:00"}));
  DstPolicy twice;
  twice.repeated = RepeatedTimePolicy::kRunTwice;
  auto fall_back = planned("30 * * * *", "America/New_York", "2027-11-07T04:00", 4, twice);
  ASSERT_EQ(fall_back.size(), 4u);
  EXPECT_EQ(fall_back[0].substr(0, 25), "2027-11-07T00:30:00-04:00");
  EXPECT_EQ(fall_back[1].substr(0, 25), "2027-11-07T01:30:00-04:00");
  EXPECT_EQ(fall_back[2].substr(0, 25), "2027-11-07T01:30:00-05:00");
  EXPECT_EQ(fall_back[3].substr(0, 25), "2027-11-07T02:30:00-05:00");
  // The chargebacks job: four runs a day in Sao Paulo, UTC-3 all year.
  EXPECT_EQ(planned("30 0,6,12,18 * * *", "America/Sao_Paulo", "2027-03-27T00:00", 5),
            (std::vector<std::string>{"2027-03-27T00:30:00-03:00", "2027-03-27T06:30:00-03:00", "2027-03-27T12:30:00-03:00",
                                      "2027-03-27T18:30:00-03:00", "2027-03-28T00:30:00-03:00"}));
}

TEST(DstPolicy, BadZonesAndPoliciesAreNamed) {
  EXPECT_EQ(resolve_fire(0, "Mars/Olympus", {}).error().code(), ErrorCode::kNotFound);
  EXPECT_NE(check_time_zone("Europe/Berlinn").error().message().find("unknown time zone 'Europe/Berlinn'"), std::string::npos);
  EXPECT_TRUE(check_time_zone("America/Sao_Paulo").ok());
  EXPECT_NE(parse_skipped_policy("later").error().message().find("run_at_next_valid_time or skip"), std::string::npos);
  EXPECT_NE(parse_repeated_policy("both").error().message().find("run_once, run_last or run_twice"), std::string::npos);
  EXPECT_EQ(*parse_repeated_policy("run_twice"), RepeatedTimePolicy::kRunTwice);
}

}  // namespace
}  // namespace silt::pipeline
