// Process-wide logger: human-readable lines to stderr at or above the configured level.
// Thread-safe. Must not be used for command output (that goes to stdout from app/).
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace silt::obs {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };

void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug|info|warn|error|off"; returns false on anything else.
bool parse_log_level(std::string_view text, LogLevel* level);
void log_line(LogLevel level, std::string_view message);

template <typename... Args>
void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < log_level()) return;
  log_line(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace silt::obs

#define SILT_LOG_DEBUG(...) ::silt::obs::log(::silt::obs::LogLevel::kDebug, __VA_ARGS__)
#define SILT_LOG_INFO(...) ::silt::obs::log(::silt::obs::LogLevel::kInfo, __VA_ARGS__)
#define SILT_LOG_WARN(...) ::silt::obs::log(::silt::obs::LogLevel::kWarn, __VA_ARGS__)
