#include "pipeline/schedule/dst_policy.h"

#include <algorithm>
#include <chrono>

#include <date/tz.h>
#include <fmt/format.h>

namespace silt::pipeline {
namespace {

std::string offset_text(std::chrono::seconds offset) {
  const int64_t total = offset.count();
  const int64_t magnitude = total < 0 ? -total : total;
  return fmt::format("{}{:02}:{:02}", total < 0 ? '-' : '+', magnitude / 3600, magnitude % 3600 / 60);
}

ZonedFire fire_at(date::sys_seconds instant, std::chrono::seconds offset, std::string note) {
  ZonedFire fire;
  fire.utc_seconds = instant.time_since_epoch().count();
  fire.local = date::format("%Y-%m-%dT%H:%M:%S", instant + offset) + offset_text(offset);
  fire.utc = date::format("%Y-%m-%dT%H:%M:%SZ", instant);
  fire.note = std::move(note);
  return fire;
}

std::string hh_mm(LocalMinute minute) { return format_local_minute(minute).substr(11); }

}  // namespace

Result<SkippedTimePolicy> parse_skipped_policy(const std::string& text) {
  if (text == "run_at_next_valid_time") return SkippedTimePolicy::kRunAtNextValidTime;
  if (text == "skip") return SkippedTimePolicy::kSkip;
  return make_error(ErrorCode::kConfig,
                    fmt::format("dst.skipped '{}' is not a policy; use run_at_next_valid_time or skip", text));
}

Result<RepeatedTimePolicy> parse_repeated_policy(const std::string& text) {
  if (text == "run_once") return RepeatedTimePolicy::kRunOnce;
  if (text == "run_last") return RepeatedTimePolicy::kRunLast;
  if (text == "run_twice") return RepeatedTimePolicy::kRunTwice;
  return make_error(ErrorCode::kConfig,
                    fmt::format("dst.repeated '{}' is not a policy; use run_once, run_last or run_twice", text));
}

const char* policy_name(SkippedTimePolicy policy) {
  return policy == SkippedTimePolicy::kSkip ? "skip" : "run_at_next_valid_time";
}

const char* policy_name(RepeatedTimePolicy policy) {
  switch (policy) {
    case RepeatedTimePolicy::kRunOnce: return "run_once";
    case RepeatedTimePolicy::kRunLast: return "run_last";
    case RepeatedTimePolicy::kRunTwice: return "run_twice";
  }
  return "run_once";
}

Status check_time_zone(const std::string& zone) {
  try {
    (void)date::locate_zone(zone);
    return Status();
  } catch (const std::exception&) {
    return make_error(ErrorCode::kConfig, fmt::format("unknown time zone '{}': use an IANA name such as "
                                                      "America/Sao_Paulo, Europe/Berlin or UTC", zone));
  }
}

Result<std::vector<ZonedFire>> resolve_fire(LocalMinute minute, const std::string& zone, const DstPolicy& policy) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(zone);
  } catch (const std::exception&) {
    return make_error(ErrorCode::kNotFound, fmt::format("unknown time zone '{}'", zone));
  }
  const date::local_seconds local{std::chrono::minutes{minute}};
  const date::local_info info = tz->get_info(local);
  std::vector<ZonedFire> fires;
  switch (info.result) {
    case date::local_info::unique:
      fires.push_back(fire_at(date::sys_seconds{local.time_since_epoch() - info.first.offset}, info.first.offset, ""));
      break;
    case date::local_info::nonexistent: {
      if (policy.skipped == SkippedTimePolicy::kSkip) break;
      // The gap ends at the transition: the first valid local time after it.
      const date::sys_seconds transition = info.second.begin;
      fires.push_back(fire_at(transition, info.second.offset,
                              fmt::format("{} does not exist; run_at_next_valid_time", hh_mm(minute))));
      break;
    }
    case date::local_info::ambiguous: {
      const auto first = date::sys_seconds{local.time_since_epoch() - info.first.offset};
      const auto second = date::sys_seconds{local.time_since_epoch() - info.second.offset};
      const std::string what = fmt::format("{} happens twice; {}", hh_mm(minute), policy_name(policy.repeated));
      if (policy.repeated != RepeatedTimePolicy::kRunLast) fires.push_back(fire_at(first, info.first.offset, what));
      if (policy.repeated != RepeatedTimePolicy::kRunOnce) fires.push_back(fire_at(second, info.second.offset, what));
      break;
    }
  }
  return fires;
}

Result<std::vector<ZonedFire>> plan_fires(const CronExpression& cron, const std::string& zone, const DstPolicy& policy,
                                          int64_t after_utc_seconds, size_t count) {
  const date::time_zone* tz = nullptr;
  try {
    tz = date::locate_zone(zone);
  } catch (const std::exception&) {
    return make_error(ErrorCode::kNotFound, fmt::format("unknown time zone '{}'", zone));
  }
  // Local times are walked from a day before the instant's local time (offsets move local time
  // by hours, and a repeated hour's second instants come after later local times' first ones);
  // the walk goes on a day past the last fire kept, so nothing earlier can still appear.
  const date::sys_seconds after{std::chrono::seconds{after_utc_seconds}};
  const auto local_after = tz->to_local(after);
  LocalMinute cursor = std::chrono::floor<std::chrono::minutes>(local_after.time_since_epoch()).count() - 1440;
  std::vector<ZonedFire> fires;
  while (true) {
    auto next = cron.next_after(cursor);
    if (!next) break;
    cursor = *next;
    if (fires.size() >= count) {
      std::sort(fires.begin(), fires.end(), [](const ZonedFire& a, const ZonedFire& b) { return a.utc_seconds < b.utc_seconds; });
      fires.resize(count);
      const int64_t last_local_minute = (fires.back().utc_seconds + 86400 * 2) / 60;  // far enough in any offset
      if (cursor > last_local_minute) break;
    }
    SILT_TRY_ASSIGN(auto resolved, resolve_fire(*next, zone, policy));
    for (auto& fire : resolved) {
      if (fire.utc_seconds <= after_utc_seconds) continue;
      bool seen = false;
      for (const auto& kept : fires) seen = seen || kept.utc_seconds == fire.utc_seconds;
      if (!seen) fires.push_back(std::move(fire));
    }
  }
  std::sort(fires.begin(), fires.end(), [](const ZonedFire& a, const ZonedFire& b) { return a.utc_seconds < b.utc_seconds; });
  if (fires.size() > count) fires.resize(count);
  return fires;
}

}  // namespace silt::pipeline
