// Clock functions; timestamp text is always interpreted as UTC.
#include "base/clock.h"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

namespace silt {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> parse_timestamp_ms(std::string_view text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::string buffer(text);
  int consumed = 0;
  if (std::sscanf(buffer.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3) return std::nullopt;
  size_t pos = static_cast<size_t>(consumed);
  int64_t millis = 0;
  if (pos < buffer.size()) {
    if (buffer[pos] != ' ' && buffer[pos] != 'T') return std::nullopt;
    ++pos;
    int n = 0;
    if (std::sscanf(buffer.c_str() + pos, "%2d:%2d:%2d%n", &hour, &minute, &second, &n) != 3) {
      n = 0;
      if (std::sscanf(buffer.c_str() + pos, "%2d:%2d%n", &hour, &minute, &n) != 2) return std::nullopt;
    }
    pos += static_cast<size_t>(n);
    if (pos < buffer.size() && buffer[pos] == '.') {
      ++pos;
      int64_t scale = 100;
      while (pos < buffer.size() && buffer[pos] >= '0' && buffer[pos] <= '9') {
        millis += (buffer[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
    }
    if (pos < buffer.size() && buffer[pos] == 'Z') ++pos;
    if (pos != buffer.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL + millis;
}

std::string format_timestamp_ms(int64_t epoch_ms) {
  int64_t days = epoch_ms >= 0 ? epoch_ms / 86400000 : (epoch_ms - 86399999) / 86400000;
  int64_t rest = epoch_ms - days * 86400000;
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += (m <= 2);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:03}", y, m, d, rest / 3600000, (rest / 60000) % 60,
                     (rest / 1000) % 60, rest % 1000);
}

}  // namespace silt
