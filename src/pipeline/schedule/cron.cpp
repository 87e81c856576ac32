#include "pipeline/schedule/cron.h"

#include <array>
#include <cctype>
#include <cstdio>
#include <vector>

#include <date/date.h>
#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {
namespace {

struct Field {
  const char* name;
  int low, high;
  std::array<const char*, 12> names;  // names[i] stands for low + i ("" = none)
};

constexpr Field kFields[5] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
    {"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
};

std::string expand_macro(const std::string& text) {
  const std::string lower = to_lower(text);
  if (lower == "@yearly" || lower == "@annually") return "0 0 1 1 *";
  if (lower == "@monthly") return "0 0 1 * *";
  if (lower == "@weekly") return "0 0 * * 0";
  if (lower == "@daily" || lower == "@midnight") return "0 0 * * *";
  if (lower == "@hourly") return "0 * * * *";
  return text;
}

// The values a field's text allows, as bits low..high; an error message otherwise.
Result<std::vector<bool>> parse_field(const std::string& expression, int position, const std::string& text) {
  const Field& field = kFields[position];
  auto fail = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kConfig, fmt::format("cron \"{}\": field {} ({}) '{}' {}", expression, position + 1,
                                                      field.name, text, why));
  };
  auto value = [&](const std::string& token) -> Result<int> {
    std::string upper = token;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (size_t i = 0; i < field.names.size(); ++i) {
      if (field.names[i] != nullptr && upper == field.names[i]) return field.low + static_cast<int>(i);
    }
    auto number = parse_int64(token);
    if (!number) {
      return fail(fmt::format("has '{}', which is not a number{}", token,
                              field.names[0] != nullptr ? fmt::format(" or a name ({}...)", field.names[0]) : ""));
    }
    if (*number < field.low || *number > field.high) {
      return fail(fmt::format("is out of range {}-{}", field.low, field.high));
    }
    return static_cast<int>(*number);
  };
  std::vector<bool> allowed(field.high + 1, false);
  if (text.empty()) return fail("is empty");
  for (const auto& item : split(text, ',')) {
    if (item.empty()) return fail("has an empty list item");
    std::string range = item;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      auto parsed = parse_int64(item.substr(slash + 1));
      if (!parsed || *parsed < 1 || *parsed > field.high) {
        return fail(fmt::format("has step '{}'; a step is a number from 1 to {}", item.substr(slash + 1), field.high));
      }
      step = static_cast<int>(*parsed);
    }
    int first = field.low, last = field.high;
    if (range == "*" || range == "?") {
      if (position == 4) last = 6;
    } else if (auto dash = range.find('-'); dash != std::string::npos) {
      SILT_TRY_ASSIGN(first, value(range.substr(0, dash)));
      SILT_TRY_ASSIGN(last, value(range.substr(dash + 1)));
      if (last < first) return fail(fmt::format("has range {} whose end comes before its start", range));
    } else {
      SILT_TRY_ASSIGN(first, value(range));
      last = item.find('/') != std::string::npos ? field.high : first;  // "5/10": from 5 on
    }
    for (int v = first; v <= last; v += step) allowed[v] = true;
  }
  return allowed;
}

}  // namespace

Result<CronExpression> CronExpression::parse(const std::string& text) {
  const std::string expanded = expand_macro(std::string(trim(text)));
  if (!expanded.empty() && expanded[0] == '@') {
    return make_error(ErrorCode::kConfig, fmt::format("cron \"{}\": unknown macro; use @yearly, @annually, @monthly, "
                                                      "@weekly, @daily, @midnight or @hourly", text));
  }
  std::vector<std::string> fields;
  for (const auto& part : split(expanded, ' ')) {
    if (!part.empty()) fields.push_back(part);
  }
  if (fields.size() != 5) {
    return make_error(ErrorCode::kConfig,
                      fmt::format("cron \"{}\": has {} field(s); a cron has 5: minute hour day-of-month month day-of-week "
                                  "(e.g. \"30 0,6,12,18 * * *\")", text, fields.size()));
  }
  CronExpression cron;
  cron.text_ = text;
  for (int position = 0; position < 5; ++position) {
    SILT_TRY_ASSIGN(auto allowed, parse_field(text, position, fields[position]));
    for (size_t v = 0; v < allowed.size(); ++v) {
      if (!allowed[v]) continue;
      switch (position) {
        case 0: cron.minutes_.set(v); break;
        case 1: cron.hours_.set(v); break;
        case 2: cron.days_.set(v); break;
        case 3: cron.months_.set(v); break;
        case 4: cron.weekdays_.set(v % 7); break;
      }
    }
  }
  cron.any_day_ = fields[2] == "*" || fields[2] == "?";
  cron.any_weekday_ = fields[4] == "*" || fields[4] == "?";
  return cron;
}

bool CronExpression::day_matches(int, unsigned month, unsigned day, unsigned weekday) const {
  if (!months_.test(month)) return false;
  // As in Vixie cron: when both day fields are restricted, either one matching is enough.
  if (!any_day_ && !any_weekday_) return days_.test(day) || weekdays_.test(weekday);
  return days_.test(day) && weekdays_.test(weekday);
}

bool CronExpression::matches(LocalMinute minute) const {
  const date::sys_days day{date::days{minute >= 0 ? minute / 1440 : (minute - 1439) / 1440}};
  const int64_t in_day = minute - day.time_since_epoch().count() * 1440;
  const date::year_month_day ymd{day};
  const date::weekday weekday{day};
  return day_matches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     weekday.c_encoding()) &&
         hours_.test(in_day / 60) && minutes_.test(in_day % 60);
}

std::optional<LocalMinute> CronExpression::next_after(LocalMinute after) const {
  const LocalMinute start = after + 1;
  int64_t day_number = start >= 0 ? start / 1440 : (start - 1439) / 1440;
  int64_t from = start - day_number * 1440;  // first minute of the day to consider
  for (int i = 0; i < 8 * 366; ++i, ++day_number, from = 0) {
    const date::sys_days day{date::days{day_number}};
    const date::year_month_day ymd{day};
    if (!day_matches(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     date::weekday{day}.c_encoding())) {
      continue;
    }
    for (int64_t hour = from / 60; hour < 24; ++hour) {
      if (!hours_.test(hour)) continue;
      for (int64_t minute = hour == from / 60 ? from % 60 : 0; minute < 60; ++minute) {
        if (minutes_.test(minute)) return day_number * 1440 + hour * 60 + minute;
      }
    }
  }
  return std::nullopt;
}

std::string format_local_minute(LocalMinute minute) {
  const int64_t day_number = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440;
  const int64_t in_day = minute - day_number * 1440;
  const date::year_month_day ymd{date::sys_days{date::days{day_number}}};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), in_day / 60, in_day % 60);
}

std::optional<LocalMinute> parse_local_minute(const std::string& text) {
  int year = 0;
  unsigned month = 0, day = 0, hour = 0, minute = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%4d-%2u-%2uT%2u:%2u%c", &year, &month, &day, &hour, &minute, &tail) != 5) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{year}, date::month{month}, date::day{day}};
  if (!ymd.ok() || hour > 23 || minute > 59) return std::nullopt;
  return static_cast<int64_t>(date::sys_days{ymd}.time_since_epoch().count()) * 1440 + hour * 60 + minute;
}

}  // namespace silt::pipeline
