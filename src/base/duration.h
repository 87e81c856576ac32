// Durations as users write them in configuration and on the command line: "30m", "168h", "7d",
// "1h30m", "45s", "500ms", "2w"; and back into the shortest such text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silt {

// One or more <whole number><unit> parts, units ms, s, m, h, d, w (case-insensitive), optional
// spaces between parts ("1h 30m"); also Delta's "interval 7 days" form (units second(s),
// minute(s), hour(s), day(s), week(s)). nullopt for anything else, a negative or an overflowing
// value.
std::optional<int64_t> parse_duration_ms(std::string_view text);

// 604800000 -> "7d", 5400000 -> "1h30m", 1500 -> "1s500ms", 0 -> "0s".
std::string format_duration_ms(int64_t ms);

}  // namespace silt
