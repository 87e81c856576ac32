// Process-wide counters (commit retries, files written, ...), read by commands that report them.
// Thread-safe; names are dotted ("delta.commit.retries").
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace silt::obs {

void counter_add(const std::string& name, int64_t delta = 1);
int64_t counter_value(const std::string& name);
std::map<std::string, int64_t> counters_snapshot();

}  // namespace silt::obs
