// Cron expressions of schedules: five fields (minute, hour, day of month, month, day of week) with
// lists, ranges, steps and names (JAN-DEC, SUN-SAT), or a macro (@yearly, @monthly, @weekly,
// @daily, @midnight, @hourly). Evaluated on local wall-clock time; which instant a local time is
// (and what happens on DST days) is the scheduler's business, not this file's.
#pragma once

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace silt::pipeline {

// A local wall-clock minute: minutes since 1970-01-01 00:00 on the local calendar (no zone).
using LocalMinute = int64_t;

class CronExpression {
 public:
  // Config error naming the field (position and name) and the bad value, e.g.
  // "cron \"30 25 * * *\": field 2 (hour) '25' is out of range 0-23".
  static Result<CronExpression> parse(const std::string& text);

  // The first local minute strictly after `after` that matches; nullopt when none within eight
  // years (only an impossible date such as "0 0 30 2 *" has none).
  std::optional<LocalMinute> next_after(LocalMinute after) const;
  bool matches(LocalMinute minute) const;

  const std::string& text() const { return text_; }

 private:
  bool day_matches(int year, unsigned month, unsigned day, unsigned weekday) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;      // 1-31
  std::bitset<13> months_;    // 1-12
  std::bitset<7> weekdays_;   // 0 = Sunday
  bool any_day_ = false;      // day of month was '*'
  bool any_weekday_ = false;  // day of week was '*'
};

// "2027-03-28T02:30" for a local minute, and back (nullopt for a malformed text).
std::string format_local_minute(LocalMinute minute);
std::optional<LocalMinute> parse_local_minute(const std::string& text);

}  // namespace silt::pipeline
