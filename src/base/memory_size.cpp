// Parsing of memory sizes; see memory_size.h.
#include "base/memory_size.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt {

Result<int64_t> parse_memory_size(const std::string& text) {
  const std::string form = "expected a size such as 512MB, 4GB or 1.5GiB";
  std::string trimmed(trim(text));
  size_t i = 0;
  while (i < trimmed.size() && (std::isdigit(static_cast<unsigned char>(trimmed[i])) || trimmed[i] == '.')) ++i;
  std::string number_text = trimmed.substr(0, i);
  std::string unit = to_lower(std::string(trim(trimmed.substr(i))));
  size_t dots = 0;
  for (char c : number_text) dots += c == '.';
  if (number_text.empty() || dots > 1 || number_text == "." || number_text.front() == '.' || number_text.back() == '.') {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a memory size: {}", text, form));
  }
  static const std::map<std::string, double> kUnits = {
      {"b", 1},         {"kb", 1e3},           {"mb", 1e6},           {"gb", 1e9},
      {"tb", 1e12},     {"kib", 1024.0},       {"mib", 1048576.0},    {"gib", 1073741824.0},
      {"tib", 1099511627776.0}};
  auto it = kUnits.find(unit);
  if (it == kUnits.end()) {
    if (unit.empty()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("memory size '{}' has no unit ({})", text, form));
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("memory size '{}' has an unknown unit '{}' ({})", text, unit, form));
  }
  double bytes = std::stod(number_text) * it->second;
  constexpr double kMax = 1125899906842624.0;  // 1 PiB
  if (!(bytes >= 1)) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("memory size '{}' must be more than zero", text));
  }
  if (bytes > kMax) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("memory size '{}' is beyond what silt accepts (1 PiB)", text));
  }
  return static_cast<int64_t>(std::llround(bytes));
}

int64_t physical_memory_bytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : (int64_t{4} << 30);
}

int64_t default_memory_limit_bytes() { return std::max<int64_t>(physical_memory_bytes() * 3 / 4, int64_t{256} << 20); }

}  // namespace silt
