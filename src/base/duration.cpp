#include "base/duration.h"

#include <cctype>
#include <limits>
#include <vector>

namespace silt {

namespace {

std::optional<int64_t> unit_ms(std::string unit) {
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit == "ms" || unit == "millisecond" || unit == "milliseconds") return 1;
  if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") return 1000;
  if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") return 60'000;
  if (unit == "h" || unit == "hour" || unit == "hours") return 3'600'000;
  if (unit == "d" || unit == "day" || unit == "days") return 86'400'000;
  if (unit == "w" || unit == "week" || unit == "weeks") return 604'800'000;
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  size_t i = 0;
  auto skip_spaces = [&]() {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip_spaces();
  // Delta's "interval 7 days".
  constexpr std::string_view kInterval = "interval";
  if (text.size() - i > kInterval.size()) {
    bool matches = true;
    for (size_t k = 0; k < kInterval.size(); ++k) {
      matches = matches && std::tolower(static_cast<unsigned char>(text[i + k])) == kInterval[k];
    }
    if (matches && std::isspace(static_cast<unsigned char>(text[i + kInterval.size()]))) i += kInterval.size();
  }
  int64_t total = 0;
  int parts = 0;
  while (true) {
    skip_spaces();
    if (i == text.size()) break;
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (number > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[i] - '0');
      ++i;
    }
    skip_spaces();
    std::string unit;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) unit += text[i++];
    auto scale = unit_ms(unit);
    if (!scale) return std::nullopt;
    if (number > 0 && *scale > (std::numeric_limits<int64_t>::max() - total) / number) return std::nullopt;
    total += number * *scale;
    ++parts;
  }
  if (parts == 0) return std::nullopt;
  return total;
}

std::string format_duration_ms(int64_t ms) {
  if (ms <= 0) return "0s";
  struct Unit {
    int64_t size;
    const char* name;
  };
  static const std::vector<Unit> kUnits = {
      {86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  std::string out;
  for (const auto& unit : kUnits) {
    if (ms >= unit.size) {
      out += std::to_string(ms / unit.size) + unit.name;
      ms %= unit.size;
    }
  }
  return out;
}

}  // namespace silt
