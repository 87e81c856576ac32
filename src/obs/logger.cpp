// Logger implementation: one mutex serialises writes to stderr.
#include "obs/logger.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "base/clock.h"
#include "base/redaction.h"

namespace silt::obs {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kWarn)};
std::mutex g_mutex;  // guards stderr writes
}  // namespace

void set_log_level(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

bool parse_log_level(std::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn") *level = LogLevel::kWarn;
  else if (text == "error") *level = LogLevel::kError;
  else if (text == "off") *level = LogLevel::kOff;
  else return false;
  return true;
}

void log_line(LogLevel level, std::string_view message) {
  static const char* kNames[] = {"debug", "info", "warn", "error"};
  std::lock_guard<std::mutex> lock(g_mutex);
  std::string line = fmt::format("{} {:5} {}\n", format_timestamp_ms(now_ms()), kNames[static_cast<int>(level)],
                                 redact(message));
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace silt::obs
