// What every command gets: global options, the storage and the engine session, created lazily.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "engine/session.h"
#include "storage/file_system.h"
#include "storage/routing_file_system.h"

namespace silt::app {

struct GlobalOptions {
  int threads = 0;
  std::string memory_limit;
  std::string temp_directory;
  std::string log_level = "warn";
};

class CommandContext {
 public:
  // `options` is filled in by the argument parser and must outlive the context.
  explicit CommandContext(const GlobalOptions& options) : options_(options) {}

  // Applies global options that take effect before a command runs (log level).
  void begin();

  const GlobalOptions& options() const { return options_; }
  // Local paths on the local disk, s3:// paths on S3.
  storage::FileSystem& fs();
  // A project's S3 settings, applied before the first s3:// path is touched.
  Status use_s3_settings(const storage::s3::S3Settings& settings);
  Result<engine::Session*> session();
  // An absolute, normalised table location from a user path; a URI (s3://...) stays as given, less
  // trailing slashes.
  std::string table_location(const std::string& user_path) const;

 private:
  const GlobalOptions& options_;
  std::unique_ptr<storage::RoutingFileSystem> fs_;
  std::unique_ptr<engine::Session> session_;
};

// Exit codes (documented in docs/CLI.md).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitConflict = 3;
constexpr int kExitInternal = 70;

// Prints "error: <message>" (and a hint for some codes) to stderr; returns the exit code.
int report_error(const Error& error);

}  // namespace silt::app
