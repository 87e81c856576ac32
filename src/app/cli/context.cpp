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
