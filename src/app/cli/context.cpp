// Command context and the mapping from error codes to exit codes.
#include "app/cli/context.h"

#include "base/redaction.h"

#include <cstdio>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "obs/logger.h"
#include "storage/local/local_file_system.h"

namespace silt::app {

void CommandContext::begin() {
  obs::LogLevel level;
  if (obs::parse_log_level(options_.log_level, &level)) obs::set_log_level(level);
}

storage::FileSystem& CommandContext::fs() {
  if (!fs_) fs_ = std::make_unique<storage::LocalFileSystem>();
  return *fs_;
}

Result<engine::Session*> CommandContext::session() {
  if (!session_) {
    engine::SessionOptions options;
    options.threads = options_.threads;
    options.memory_limit = options_.memory_limit;
    options.temp_directory = options_.temp_directory;
    SILT_TRY_ASSIGN(session_, engine::Session::open(options));
  }
  return session_.get();
}

std::string CommandContext::table_location(const std::string& user_path) const {
  std::error_code error;
  auto absolute = std::filesystem::absolute(user_path, error);
  if (error) return user_path;
  std::string text = absolute.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

std::string without_sql_excerpt(const std::string& message) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    lines.push_back(message.substr(start, end - start));
    start = end + 1;
  }
  std::vector<std::string> kept;
  for (size_t i = 0; i < lines.size(); ++i) {
    size_t caret = i + 1 < lines.size() ? lines[i + 1].find_first_not_of(' ') : std::string::npos;
    bool excerpt = lines[i].rfind("LINE ", 0) == 0 && caret != std::string::npos && lines[i + 1][caret] == '^';
    if (!excerpt) {
      kept.push_back(lines[i]);
      continue;
    }
    std::string rest = lines[i + 1].substr(caret + 1);
    while (!kept.empty() && kept.back().find_first_not_of(" \t") == std::string::npos) kept.pop_back();
    if (rest.find_first_not_of(' ') != std::string::npos) {
      if (kept.empty()) kept.push_back(rest.substr(rest.find_first_not_of(' ')));
      else kept.back() += rest;
    }
    ++i;  // the caret line
  }
  while (!kept.empty() && kept.back().find_first_not_of(" \t") == std::string::npos) kept.pop_back();
  std::string out;
  for (size_t i = 0; i < kept.size(); ++i) out += (i ? "\n" : "") + kept[i];
  return out;
}

int report_error(const Error& error) {
  std::string line = fmt::format("error: {}\n", redact(error.message()));
  std::fputs(line.c_str(), stderr);
  switch (error.code()) {
    case ErrorCode::kConflict: return kExitConflict;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kConfig:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kUnsupported: return kExitUsage;
    case ErrorCode::kInternal: return kExitInternal;
    default: return kExitFailed;
  }
}

}  // namespace silt::app
