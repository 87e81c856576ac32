// Clock functions; timestamp text is always interpreted as UTC.
#include "base/clock.h"

#include <cctype>

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

std::string format_rfc3339_ms(int64_t epoch_ms) {
  std::string text = format_timestamp_ms(epoch_ms);
  text[10] = 'T';
  return text + "+00:00";
}

static bool digits_at(std::string_view text, size_t at, size_t count, int* out) {
  if (at + count > text.size()) return false;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

std::optional<int64_t> parse_rfc3339_ms(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!digits_at(text, 0, 4, &year) || text.size() < 20 || text[4] != '-' || !digits_at(text, 5, 2, &month) ||
      text[7] != '-' || !digits_at(text, 8, 2, &day) || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !digits_at(text, 11, 2, &hour) || text[13] != ':' || !digits_at(text, 14, 2, &minute) || text[16] != ':' ||
      !digits_at(text, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  size_t at = 19;
  int64_t fraction_ms = 0;
  if (at < text.size() && text[at] == '.') {
    ++at;
    int64_t scale = 100;
    size_t start = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at]))) {
      fraction_ms += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  if (at >= text.size()) return std::nullopt;
  int offset_minutes = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    ++at;
  } else if (text[at] == '+' || text[at] == '-') {
    int offset_hour, offset_minute;
    if (!digits_at(text, at + 1, 2, &offset_hour) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !digits_at(text, at + 4, 2, &offset_minute)) {
      return std::nullopt;
    }
    offset_minutes = (offset_hour * 60 + offset_minute) * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + fraction_ms;
}

}  // namespace silt
