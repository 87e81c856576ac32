// Semantic versions as LaunchDarkly's semVer operators read them: MAJOR[.MINOR[.PATCH]] with an
// optional -prerelease and +build (build ignored in comparisons); missing parts are 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace silt::flags {

struct SemVer {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
};

std::optional<SemVer> parse_semver(std::string_view text);
// Precedence by semver.org: numbers, then a version with a prerelease is lower than one without,
// then prerelease identifiers left to right (numeric ones numerically and lower than alphanumeric).
int compare_semver(const SemVer& a, const SemVer& b);

}  // namespace silt::flags
