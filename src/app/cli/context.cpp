// Command context and the mapping from error codes to exit codes.
#include "app/cli/context.h"

#include "base/redaction.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "obs/logger.h"

namespace silt::app {

void CommandContext::begin() {
  obs::LogLevel level;
  if (obs::parse_log_level(options_.log_level, &level)) obs::set_log_level(level);
}

storage::FileSystem& CommandContext::fs() {
  if (!fs_) fs_ = std::make_unique<storage::RoutingFileSystem>();
  return *fs_;
}

Status CommandContext::use_s3_settings(const storage::s3::S3Settings& settings) {
  if (!fs_) fs_ = std::make_unique<storage::RoutingFileSystem>();
  return fs_->set_s3_settings(settings);
}

Result<engine::Session*> CommandContext::session() {
  if (!session_) {
    engine::SessionOptions options;
    options.threads = options_.threads;
    options.memory_limit = options_.memory_limit;
    options.temp_directory = options_.temp_directory;
    SILT_TRY_ASSIGN(session_, engine::Session::open(options));
    // s3:// paths in a user's SQL (read_parquet, COPY ... TO) go through silt's S3 client.
    session_->files().route_uris_to(fs());
  }
  return session_.get();
}

std::string CommandContext::table_location(const std::string& user_path) const {
  if (user_path.find("://") != std::string::npos) {
    std::string text = user_path;
    while (text.size() > 1 && text.back() == '/' && !text.ends_with("://")) text.pop_back();
    return text;
  }
  std::error_code error;
  auto absolute = std::filesystem::absolute(user_path, error);
  if (error) return user_path;
  std::string text = absolute.lexically_normal().string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

namespace {

// The engine's words for an option (Error::option_term) -> the flags that set it on the command line.
std::string flag_wording(const Error& error) {
  static const std::map<std::string, std::string> kFlags = {
      {"an input glob or a query", "--input or --query"},
      {"give the format (csv, json or parquet)", "pass --format csv|json|parquet"},
      {"key column", "key column (--key)"},
      {"delete condition", "--delete-when"},
      {"an app id and an app version", "--app-id and --app-version"},
      {"merge without updating matched rows", "merge with --no-update"},
      {"(no updates, no delete condition)", "(--no-update, no --delete-when)"},
      {"the partitioning", "--partition-by"},
      {"partitioning", "--partition-by"},
      {"schema", "--schema"},
      {"the replace-where predicate", "--replace-where"},
      {"replace-where predicate", "--replace-where"},
      {"delete predicate", "--where"},
      {"optimize predicate", "--where"},
      {"set the force option", "pass --force"},
  };
  std::string message = error.message();
  if (error.option().empty()) return message;
  auto flag = kFlags.find(error.option_term());
  size_t at = message.find(error.option_term());
  if (flag == kFlags.end() || at == std::string::npos) return message;
  return message.replace(at, error.option_term().size(), flag->second);
}

}  // namespace

int report_error(const Error& error) {
  std::string line = fmt::format("error: {}\n", redact(flag_wording(error)));
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
