// The project run lock; see run_lock.h.
#include "pipeline/run/run_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace silt::pipeline {

namespace {

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof(buffer) - 1) != 0) return "unknown";
  return buffer;
}

// True when the holder is a process of this host that no longer exists.
bool holder_is_dead(const nlohmann::json& holder) {
  if (holder.value("host", std::string()) != host_name()) return false;
  int64_t pid = holder.value("pid", int64_t{0});
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

Result<RunLock> RunLock::acquire(storage::FileSystem& fs, const std::string& storage_root, const std::string& name,
                                 const std::string& run_id) {
  std::string root = storage_root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string path = root + "/_silt/locks/" + name + ".json";
  nlohmann::ordered_json mine;
  mine["run_id"] = run_id;
  mine["pid"] = static_cast<int64_t>(::getpid());
  mine["host"] = host_name();
  mine["started"] = format_timestamp_ms(now_ms());
  std::string content = mine.dump();
  for (int attempt = 0; attempt < 3; ++attempt) {
    Status created = fs.put_if_absent(path, content);
    if (created.ok()) return RunLock(fs, path, content);
    if (created.code() != ErrorCode::kAlreadyExists) return created.error().with_context("taking the run lock");
    auto text = fs.read(path);
    if (!text) {
      if (text.error().code() == ErrorCode::kNotFound) continue;  // released meanwhile: try again
      return std::move(text).error().with_context("reading the run lock");
    }
    auto holder = nlohmann::json::parse(*text, nullptr, false);
    if (!holder.is_object()) {
      return make_error(ErrorCode::kConflict,
                        fmt::format("the run lock {} is unreadable; if no run is in progress, remove it", path));
    }
    if (holder_is_dead(holder)) {
      // Taken over only if it still is the dead run's lock (another run may have taken it meanwhile).
      auto again = fs.read(path);
      if (again && *again == *text) SILT_TRY(fs.remove(path));
      continue;
    }
    return make_error(ErrorCode::kConflict,
                      fmt::format("run {} has been in progress since {} (process {} on {}); wait for it to end, or "
                                  "run models it does not touch with a lock of their own (--lock NAME); if that "
                                  "run is known to be dead, remove {}",
                                  holder.value("run_id", std::string("?")), holder.value("started", std::string("?")),
                                  holder.value("pid", int64_t{0}), holder.value("host", std::string("?")), path));
  }
  return make_error(ErrorCode::kConflict, fmt::format("could not take the run lock {}: it changed hands repeatedly", path));
}

RunLock::RunLock(RunLock&& other) noexcept
    : fs_(other.fs_), path_(std::move(other.path_)), content_(std::move(other.content_)) {
  other.content_.clear();
}

RunLock::~RunLock() {
  if (content_.empty()) return;
  auto text = fs_->read(path_);
  if (text && *text == content_) (void)fs_->remove(path_);
}

}  // namespace silt::pipeline
