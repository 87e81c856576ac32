// The secret values of this process (a project's variables and reader options that came from
// environment variables): every message, log line, run record and quality report passes through
// redact() before it leaves the process, so a secret that reached an error text (a DuckDB conversion
// error quoting a value, say) is never shown. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace silt {

// Registers a secret; values shorter than 4 characters are not (they would blot out ordinary text).
void add_secret(std::string value);
// `text` with every registered secret replaced by "***".
std::string redact(std::string_view text);

}  // namespace silt
