// Cron expressions on local wall-clock minutes: fields, names, macros, the day-of-month/day-of-week
// rule, next fire times across month and leap-year ends, and errors naming the bad field.
#include "pipeline/schedule/cron.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace silt::pipeline {
namespace {

LocalMinute at(const std::string& text) {
  auto minute = parse_local_minute(text);
  EXPECT_TRUE(minute) << text;
  return minute.value_or(0);
}

// The next `count` fire times after `from`, formatted.
std::vector<std::string> fires(const std::string& cron, const std::string& from, int count) {
  auto expression = CronExpression::parse(cron);
  EXPECT_TRUE(expression) << (expression ? "" : expression.error().message());
  std::vector<std::string> out;
  if (!expression) return out;
  LocalMinute cursor = at(from);
  for (int i = 0; i < count; ++i) {
    auto next = expression->next_after(cursor);
    if (!next) break;
    out.push_back(format_local_minute(*next));
    cursor = *next;
  }
  return out;
}

std::string error_of(const std::string& cron) {
  auto expression = CronExpression::parse(cron);
  EXPECT_FALSE(expression) << cron;
  return expression ? "" : expression.error().message();
}

TEST(Cron, TheChargebackScheduleFiresFourTimesADay) {
  EXPECT_EQ(fires("30 0,6,12,18 * * *", "2025-11-03T06:30", 5),
            (std::vector<std::string>{"2025-11-03T12:30", "2025-11-03T18:30", "2025-11-04T00:30", "2025-11-04T06:30",
                                      "2025-11-04T12:30"}));
}

TEST(Cron, NamesRangesStepsAndMacros) {
  // Sundays at 04:00 (2025-11-02 is a Sunday); 7 is Sunday too.
  EXPECT_EQ(fires("0 4 * * SUN", "2025-11-01T00:00", 2), (std::vector<std::string>{"2025-11-02T04:00", "2025-11-09T04:00"}));
  EXPECT_EQ(fires("0 4 * * 7", "2025-11-01T00:00", 1), (std::vector<std::string>{"2025-11-02T04:00"}));
  EXPECT_EQ(fires("*/20 9-10 * * mon-fri", "2025-11-07T10:30", 3),  // a Friday, then the weekend
            (std::vector<std::string>{"2025-11-07T10:40", "2025-11-10T09:00", "2025-11-10T09:20"}));
  EXPECT_EQ(fires("5/30 * * * *", "2025-11-03T00:00", 3),
            (std::vector<std::string>{"2025-11-03T00:05", "2025-11-03T00:35", "2025-11-03T01:05"}));
  EXPECT_EQ(fires("0 0 1 jan,Jul *", "2025-02-01T00:00", 2), (std::vector<std::string>{"2025-07-01T00:00", "2026-01-01T00:00"}));
  EXPECT_EQ(fires("@daily", "2025-12-31T23:59", 1), (std::vector<std::string>{"2026-01-01T00:00"}));
  EXPECT_EQ(fires("@hourly", "2025-12-31T23:00", 1), (std::vector<std::string>{"2026-01-01T00:00"}));
  EXPECT_EQ(fires("@weekly", "2025-11-03T00:00", 1), (std::vector<std::string>{"2025-11-09T00:00"}));
  EXPECT_EQ(fires("@yearly", "2025-06-01T00:00", 1), (std::vector<std::string>{"2026-01-01T00:00"}));
}

TEST(Cron, BothDayFieldsRestrictedMatchEither) {
  // The 13th, or any Friday: Friday 2025-11-07, Thursday 2025-11-13, Friday 2025-11-14.
  EXPECT_EQ(fires("0 12 13 * FRI", "2025-11-06T00:00", 3),
            (std::vector<std::string>{"2025-11-07T12:00", "2025-11-13T12:00", "2025-11-14T12:00"}));
}

TEST(Cron, MonthEndsAndLeapDays) {
  EXPECT_EQ(fires("0 0 31 * *", "2025-01-31T00:00", 2), (std::vector<std::string>{"2025-03-31T00:00", "2025-05-31T00:00"}));
  EXPECT_EQ(fires("0 0 29 2 *", "2025-01-01T00:00", 2), (std::vector<std::string>{"2028-02-29T00:00", "2032-02-29T00:00"}));
  EXPECT_TRUE(fires("0 0 30 2 *", "2025-01-01T00:00", 1).empty());  // never
}

TEST(Cron, MatchesIsTheSameRuleAsNextAfter) {
  auto cron = CronExpression::parse("15 2 * * 1-5");
  ASSERT_TRUE(cron);
  EXPECT_TRUE(cron->matches(at("2025-11-03T02:15")));   // Monday
  EXPECT_FALSE(cron->matches(at("2025-11-02T02:15")));  // Sunday
  EXPECT_FALSE(cron->matches(at("2025-11-03T02:16")));
}

TEST(Cron, BadExpressionsNameTheField) {
  EXPECT_EQ(error_of("30 25 * * *"), "cron \"30 25 * * *\": field 2 (hour) '25' is out of range 0-23");
  EXPECT_NE(error_of("0 0 * FOO *").find("field 4 (month) 'FOO'"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * * *").find("has 6 field(s)"), std::string::npos);
  EXPECT_NE(error_of("*/0 * * * *").find("field 1 (minute) '*/0' has step '0'"), std::string::npos);
  EXPECT_NE(error_of("0 0 10-5 * *").find("field 3 (day of month)"), std::string::npos);
  EXPECT_NE(error_of("0 0 1,,2 * *").find("empty list item"), std::string::npos);
  EXPECT_NE(error_of("@sometimes").find("unknown macro"), std::string::npos);
  EXPECT_NE(error_of("0 0 0 * *").find("out of range 1-31"), std::string::npos);
}

TEST(Cron, LocalMinutesRoundTrip) {
  EXPECT_EQ(format_local_minute(at("2027-03-28T02:30")), "2027-03-28T02:30");
  EXPECT_EQ(format_local_minute(at("1969-12-31T23:59")), "1969-12-31T23:59");
  EXPECT_FALSE(parse_local_minute("2027-02-30T00:00"));
  EXPECT_FALSE(parse_local_minute("2027-03-28 02:30"));
}

}  // namespace
}  // namespace silt::pipeline
