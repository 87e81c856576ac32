#include "flags/semver.h"

#include <algorithm>
#include <cctype>


namespace silt::flags {

namespace {

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A numeric part: digits, no leading zero unless it is "0".
std::optional<uint64_t> numeric_part(std::string_view text) {
  if (!all_digits(text) || (text.size() > 1 && text[0] == '0') || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) value = value * 10 + static_cast<uint64_t>(c - '0');
  return value;
}

bool identifier_chars(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

// Calls `each` with the dot-separated parts of `text`; false as soon as `each` does.
template <typename Each>
bool each_part(std::string_view text, Each each) {
  while (true) {
    size_t dot = text.find('.');
    if (!each(text.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    text.remove_prefix(dot + 1);
  }
}

std::optional<SemVer> parse_semver(std::string_view text) {
  std::string_view rest = text;
  size_t plus = rest.find('+');
  if (plus != std::string_view::npos) {
    if (!each_part(rest.substr(plus + 1), identifier_chars)) return std::nullopt;
    rest = rest.substr(0, plus);
  }
  std::string_view prerelease;
  size_t dash = rest.find('-');
  if (dash != std::string_view::npos) {
    prerelease = rest.substr(dash + 1);
    rest = rest.substr(0, dash);
    if (prerelease.empty()) return std::nullopt;
  }
  SemVer version;
  uint64_t* fields[] = {&version.major, &version.minor, &version.patch};
  size_t count = 0;
  bool numbers_ok = each_part(rest, [&](std::string_view part) {
    if (count == 3) return false;
    auto value = numeric_part(part);
    if (!value) return false;
    *fields[count++] = *value;
    return true;
  });
  if (!numbers_ok) return std::nullopt;
  if (!prerelease.empty()) {
    bool ok = each_part(prerelease, [&](std::string_view part) {
      if (!identifier_chars(part)) return false;
      if (all_digits(part) && part.size() > 1 && part[0] == '0') return false;
      version.prerelease.emplace_back(part);
      return true;
    });
    if (!ok) return std::nullopt;
  }
  return version;
}

int compare_semver(const SemVer& a, const SemVer& b) {
  auto three_way = [](uint64_t x, uint64_t y) { return x < y ? -1 : (x > y ? 1 : 0); };
  if (int c = three_way(a.major, b.major)) return c;
  if (int c = three_way(a.minor, b.minor)) return c;
  if (int c = three_way(a.patch, b.patch)) return c;
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return a.prerelease.empty() == b.prerelease.empty() ? 0 : (a.prerelease.empty() ? 1 : -1);
  }
  for (size_t i = 0; i < a.prerelease.size() && i < b.prerelease.size(); ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    bool x_number = all_digits(x);
    bool y_number = all_digits(y);
    if (x_number && y_number) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (int c = x.compare(y)) return c < 0 ? -1 : 1;
    } else if (x_number != y_number) {
      return x_number ? -1 : 1;
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
  }
  return three_way(a.prerelease.size(), b.prerelease.size());
}

}  // namespace silt::flags
