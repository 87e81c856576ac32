// Memory sizes as users write them ("4GB", "512 MiB", "1.5GB"): the one parser for the CLI's
// --memory-limit and silt.yaml's engine.memory_limit, and the engine's default limit.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace silt {

// Bytes of a size: a positive number (decimals allowed) and a unit among B, KB, MB, GB, TB (powers of
// 1000) and KiB, MiB, GiB, TiB (powers of 1024), case-insensitive, with optional blanks between.
// InvalidArgument (what is wrong, and the accepted form) for anything else: no unit, zero, a sign,
// or a size beyond 1 PiB.
Result<int64_t> parse_memory_size(const std::string& text);

// The machine's physical memory in bytes (4 GiB when it cannot be told).
int64_t physical_memory_bytes();

// The engine's memory limit when none is set: 75% of physical memory, at least 256 MiB.
int64_t default_memory_limit_bytes();

}  // namespace silt
