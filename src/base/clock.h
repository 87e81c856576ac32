// Wall-clock and monotonic time in the units the Delta log uses (epoch milliseconds).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace silt {

int64_t now_ms();           // wall clock, epoch milliseconds
int64_t monotonic_ns();     // for durations only

// "2025-11-03 10:00:00[.fff]" or "2025-11-03T10:00:00[.fff][Z]" or "2025-11-03" (UTC) -> epoch ms.
std::optional<int64_t> parse_timestamp_ms(std::string_view text);
// RFC 3339 with its offset: "2025-11-03T10:00:00[.fff](Z|+hh:mm|-hh:mm)" -> epoch ms (digits past
// milliseconds are dropped); nullopt for anything else.
std::optional<int64_t> parse_rfc3339_ms(std::string_view text);
// Epoch ms -> "2025-11-03 10:00:00.123" (UTC).
std::string format_timestamp_ms(int64_t epoch_ms);
// Epoch ms -> "2025-11-03T10:00:00.123+00:00" (RFC 3339, UTC).
std::string format_rfc3339_ms(int64_t epoch_ms);

}  // namespace silt
