// What a schedule does when its local fire time does not exist (spring forward) or exists twice
// (fall back) in its time zone: the explicit DST policy of a schedule, resolved to UTC instants.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/schedule/cron.h"

namespace silt::pipeline {

enum class SkippedTimePolicy {
  kRunAtNextValidTime,  // 02:30 that does not exist runs at the first time after the gap (03:00)
  kSkip,                // does not run that day
};
enum class RepeatedTimePolicy {
  kRunOnce,   // the first of the two instants (before the clocks go back)
  kRunLast,   // the second one (after)
  kRunTwice,  // both
};

struct DstPolicy {
  SkippedTimePolicy skipped = SkippedTimePolicy::kRunAtNextValidTime;
  RepeatedTimePolicy repeated = RepeatedTimePolicy::kRunOnce;
};

// "run_at_next_valid_time" | "skip"; "run_once" | "run_last" | "run_twice" (Config error listing
// the choices otherwise).
Result<SkippedTimePolicy> parse_skipped_policy(const std::string& text);
Result<RepeatedTimePolicy> parse_repeated_policy(const std::string& text);
const char* policy_name(SkippedTimePolicy policy);
const char* policy_name(RepeatedTimePolicy policy);

struct ZonedFire {
  int64_t utc_seconds = 0;
  std::string local;  // "2027-03-28T03:00:00+02:00"
  std::string utc;    // "2027-03-28T01:00:00Z"
  std::string note;   // "" on ordinary days; what the policy did on DST days
};

// The instants at which a fire planned for local wall-clock `minute` in `zone` runs: none, one or
// two. NotFound for an unknown IANA zone name.
Result<std::vector<ZonedFire>> resolve_fire(LocalMinute minute, const std::string& zone, const DstPolicy& policy);

// Checks that `zone` is an IANA time zone of the system's zoneinfo (Config error naming it).
Status check_time_zone(const std::string& zone);

// The first `count` fires of `cron` in `zone` strictly after the UTC instant `after_utc_seconds`,
// in time order, each instant once (two local times that the policy moves to one instant fire
// once). Fewer when the cron has no more fire times.
Result<std::vector<ZonedFire>> plan_fires(const CronExpression& cron, const std::string& zone, const DstPolicy& policy,
                                          int64_t after_utc_seconds, size_t count);

}  // namespace silt::pipeline
