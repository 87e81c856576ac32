// LocalFileSystem on POSIX calls. Every system error becomes a Status naming the path; nothing
// throws, and no temp file outlives a failed call (only a crash leaves one behind).
#include "storage/local/local_file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "base/clock.h"

namespace silt::storage {
namespace {

constexpr int kTempNameAttempts = 16;
constexpr size_t kMaxTempBaseLength = 120;  // keeps ".<name>.tmp.<pid>.<random>" under NAME_MAX

std::string system_message(int error_number) { return std::generic_category().message(error_number); }

Error io_error(const std::string& action, const std::string& path, int error_number) {
  return make_error(ErrorCode::kIo, action + " '" + path + "': " + system_message(error_number));
}

Error not_found(const std::string& path) {
  return make_error(ErrorCode::kNotFound, "no such file '" + path + "'");
}

bool is_missing(int error_number) { return error_number == ENOENT || error_number == ENOTDIR; }

int64_t mtime_ms(const struct stat& info) {
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1000 + info.st_mtim.tv_nsec / 1000000;
}

// A replaced file is a new inode (temp + rename), so inode, size and modification time change.
std::string etag_of(const struct stat& info) {
  return fmt::format("{:x}-{:x}-{:x}.{:x}", static_cast<uint64_t>(info.st_ino), static_cast<uint64_t>(info.st_size),
                     static_cast<uint64_t>(info.st_mtim.tv_sec), static_cast<uint64_t>(info.st_mtim.tv_nsec));
}

FileInfo file_info(std::string path, const struct stat& info) {
  return FileInfo{std::move(path), static_cast<int64_t>(info.st_size), mtime_ms(info), etag_of(info)};
}

// Owns one file descriptor; closes it on destruction.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&&) = delete;
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

  // Closes now, returning 0 or the errno of close(2). On Linux the descriptor is released even
  // when close reports EINTR, so that case is not an error.
  int close() {
    int fd = std::exchange(fd_, -1);
    if (fd < 0 || ::close(fd) == 0 || errno == EINTR) return 0;
    return errno;
  }

 private:
  int fd_;
};

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

int open_retrying(const char* path, int flags, mode_t mode = 0) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// A file path must name something inside a directory: non-empty, no trailing '/'.
Status validate_file_path(const std::string& path) {
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "empty file path");
  if (path.back() == '/') {
    return make_error(ErrorCode::kInvalidArgument, "file path '" + path + "' ends with '/'");
  }
  return Status();
}

struct PathParts {
  std::string dir;
  std::string name;
};

PathParts split_path(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  size_t dir_end = slash;
  while (dir_end > 0 && path[dir_end - 1] == '/') --dir_end;  // "a//b" -> "a"
  if (dir_end == 0) return {"/", path.substr(slash + 1)};
  return {path.substr(0, dir_end), path.substr(slash + 1)};
}

uint64_t random_u64() {
  // Seeded once per thread. A forked child inherits the parent's state, which is why the pid is
  // part of every temp name as well.
  thread_local std::mt19937_64 generator([] {
    static std::atomic<uint64_t> counter{0};
    uint64_t seed = static_cast<uint64_t>(monotonic_ns()) ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ULL) ^
                    std::hash<std::thread::id>()(std::this_thread::get_id());
    try {
      std::random_device device;
      seed ^= (static_cast<uint64_t>(device()) << 32) ^ device();
    } catch (...) {
      // No entropy source: the clock, counter and thread id above still make seeds distinct.
    }
    return std::mt19937_64(seed);
  }());
  return generator();
}

std::string temp_path_for(const PathParts& parts) {
  char suffix[64];
  std::snprintf(suffix, sizeof(suffix), ".tmp.%ld.%016llx", static_cast<long>(::getpid()),
                static_cast<unsigned long long>(random_u64()));
  std::string name = "." + parts.name.substr(0, kMaxTempBaseLength) + suffix;
  return parts.dir == "/" ? "/" + name : parts.dir + "/" + name;
}

Status write_all(int fd, std::string_view data, const std::string& path) {
  const char* cursor = data.data();
  size_t remaining = data.size();
  while (remaining > 0) {
    ssize_t written = ::write(fd, cursor, remaining);
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("writing", path, errno);
    }
    cursor += written;
    remaining -= static_cast<size_t>(written);
  }
  return Status();
}

Status fsync_directory(const std::string& dir) {
  FileDescriptor fd(open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("opening directory", dir, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL && errno != ENOTSUP) {
    // EINVAL/ENOTSUP: the file system does not sync directories; there is nothing more to do.
    return io_error("syncing directory", dir, errno);
  }
  return Status();
}

// Creates a new temp file beside the target (a fresh name each attempt); returns its path and an
// open descriptor the caller owns.
Result<std::pair<std::string, int>> create_temp_file(const PathParts& parts) {
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < kTempNameAttempts && fd < 0; ++attempt) {
    temp = temp_path_for(parts);
    fd = open_retrying(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST) return io_error("creating temp file", temp, errno);
  }
  if (fd < 0) return io_error("creating temp file", temp, EEXIST);
  return std::make_pair(std::move(temp), fd);
}

// Writes `data` to a fresh temp file beside the target and syncs it; returns the temp path.
// On failure the temp file is gone.
Result<std::string> stage_temp_file(const PathParts& parts, const std::string& data) {
  SILT_TRY_ASSIGN(auto created, create_temp_file(parts));
  std::string temp = std::move(created.first);
  FileDescriptor owner(created.second);
  Status status = write_all(owner.get(), data, temp);
  if (status.ok() && ::fsync(owner.get()) != 0) status = io_error("syncing", temp, errno);
  int close_error = owner.close();
  if (status.ok() && close_error != 0) status = io_error("closing", temp, close_error);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status.error();
  }
  return temp;
}

bool link_unsupported(int error_number) {
  return error_number == EPERM || error_number == ENOTSUP || error_number == EOPNOTSUPP ||
         error_number == ENOSYS;
}

// Appends the regular files below the open directory `fd` (shown as `shown_dir`) to `out`.
// Symlinks to files count as files; symlinked directories are not followed (no cycles).
Status collect_files(int fd, const std::string& shown_dir, bool recursive, std::vector<FileInfo>& out) {
  DirHandle dir(::fdopendir(fd));
  if (!dir) {
    int error_number = errno;
    ::close(fd);
    return io_error("listing", shown_dir, error_number);
  }
  int dir_fd = ::dirfd(dir.get());
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) return io_error("listing", shown_dir, errno);
      break;
    }
    std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string shown = join_path(shown_dir, name);
    struct stat info;
    if (::fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // removed while we list
      return io_error("inspecting", shown, errno);
    }
    if (S_ISDIR(info.st_mode)) {
      if (!recursive) continue;
      int child = ::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (child < 0) {
        if (is_missing(errno)) continue;
        return io_error("listing", shown, errno);
      }
      SILT_TRY(collect_files(child, shown, recursive, out));
      continue;
    }
    if (S_ISLNK(info.st_mode) && ::fstatat(dir_fd, name.c_str(), &info, 0) != 0) {
      if (is_missing(errno)) continue;  // dangling link
      return io_error("inspecting", shown, errno);
    }
    if (!S_ISREG(info.st_mode)) continue;
    out.push_back(file_info(std::move(shown), info));
  }
  return Status();
}

Result<std::vector<FileInfo>> list_files(const std::string& dir, bool recursive) {
  if (dir.empty()) return make_error(ErrorCode::kInvalidArgument, "empty directory path");
  std::vector<FileInfo> files;
  int fd = open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (is_missing(errno)) return files;
    return io_error("listing", dir, errno);
  }
  SILT_TRY(collect_files(fd, dir, recursive, files));
  std::sort(files.begin(), files.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return files;
}

// Opens a regular file for reading: NotFound when missing or not a regular file.
Result<FileDescriptor> open_for_read(const std::string& path, struct stat& info) {
  SILT_TRY(validate_file_path(path));
  FileDescriptor fd(open_retrying(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (is_missing(errno)) return not_found(path);
    return io_error("opening", path, errno);
  }
  if (::fstat(fd.get(), &info) != 0) return io_error("inspecting", path, errno);
  if (!S_ISREG(info.st_mode)) return make_error(ErrorCode::kNotFound, "'" + path + "' is not a file");
  return fd;
}

// Streams into a temp file beside the target; close() syncs it and renames it into place, as
// write() does. Destroyed unclosed, it removes the temp file.
class LocalWriteStream : public WriteStream {
 public:
  LocalWriteStream(std::string path, PathParts parts, std::string temp, int fd)
      : path_(std::move(path)), parts_(std::move(parts)), temp_(std::move(temp)), fd_(fd) {}
  ~LocalWriteStream() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }
  LocalWriteStream(const LocalWriteStream&) = delete;
  LocalWriteStream& operator=(const LocalWriteStream&) = delete;

  Status append(std::string_view data) override {
    if (fd_ < 0) return make_error(ErrorCode::kInternal, "append to the closed stream of '" + path_ + "'");
    return write_all(fd_, data, temp_);
  }
  Status close() override {
    if (fd_ < 0) return make_error(ErrorCode::kInternal, "the stream of '" + path_ + "' is already closed");
    int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0) {
      int error_number = errno;
      ::close(fd);
      return io_error("syncing", temp_, error_number);
    }
    if (::close(fd) != 0) return io_error("closing", temp_, errno);
    if (::rename(temp_.c_str(), path_.c_str()) != 0) return io_error("replacing", path_, errno);
    committed_ = true;
    return fsync_directory(parts_.dir).with_context("wrote '" + path_ + "' but could not make it durable");
  }

 private:
  std::string path_;
  PathParts parts_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

Result<std::vector<FileInfo>> LocalFileSystem::list(const std::string& dir) { return list_files(dir, false); }

Result<ListPage> LocalFileSystem::list_page(const std::string& dir, const std::string& start_after, size_t max_files) {
  if (dir.empty()) return make_error(ErrorCode::kInvalidArgument, "empty directory path");
  ListPage page;
  int fd = open_retrying(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (is_missing(errno)) return page;
    return io_error("listing", dir, errno);
  }
  DirHandle handle(::fdopendir(fd));
  if (!handle) {
    int error_number = errno;
    ::close(fd);
    return io_error("listing", dir, error_number);
  }
  // Names first: only those after `start_after` are inspected (a long log listed from its last
  // checkpoint stats a few files, not all of them).
  std::string after = base_name(start_after);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(handle.get());
    if (entry == nullptr) {
      if (errno != 0) return io_error("listing", dir, errno);
      break;
    }
    std::string name = entry->d_name;
    if (name == "." || name == ".." || (!after.empty() && name <= after)) continue;
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  max_files = std::max<size_t>(max_files, 1);
  int dir_fd = ::dirfd(handle.get());
  for (const auto& name : names) {
    if (page.files.size() == max_files) {
      page.next_start_after = page.files.back().path;
      break;
    }
    struct stat info;
    if (::fstatat(dir_fd, name.c_str(), &info, 0) != 0) {
      if (is_missing(errno)) continue;  // removed while we list, or a dangling link
      return io_error("inspecting", join_path(dir, name), errno);
    }
    if (!S_ISREG(info.st_mode)) continue;
    page.files.push_back(file_info(join_path(dir, name), info));
  }
  return page;
}

Result<std::vector<FileInfo>> LocalFileSystem::list_recursive(const std::string& dir) {
  return list_files(dir, true);
}

Result<FileInfo> LocalFileSystem::stat(const std::string& path) {
  SILT_TRY(validate_file_path(path));
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (is_missing(errno)) return not_found(path);
    return io_error("inspecting", path, errno);
  }
  if (!S_ISREG(info.st_mode)) return make_error(ErrorCode::kNotFound, "'" + path + "' is not a file");
  return file_info(path, info);
}

Result<bool> LocalFileSystem::exists(const std::string& path) {
  SILT_TRY(validate_file_path(path));
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    if (is_missing(errno)) return false;
    return io_error("inspecting", path, errno);
  }
  return S_ISREG(info.st_mode);
}

Result<std::string> LocalFileSystem::read(const std::string& path) {
  struct stat info;
  SILT_TRY_ASSIGN(FileDescriptor fd, open_for_read(path, info));
  std::string data(static_cast<size_t>(info.st_size), '\0');
  size_t filled = 0;
  char overflow[16 * 1024];  // bytes beyond the size fstat saw (a file that grew meanwhile)
  while (true) {
    bool into_data = filled < data.size();
    ssize_t got = into_data ? ::read(fd.get(), data.data() + filled, data.size() - filled)
                            : ::read(fd.get(), overflow, sizeof(overflow));
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("reading", path, errno);
    }
    if (got == 0) break;
    if (into_data) {
      filled += static_cast<size_t>(got);
    } else {
      data.append(overflow, static_cast<size_t>(got));
      filled = data.size();
    }
  }
  data.resize(filled);
  return data;
}

Result<std::string> LocalFileSystem::read_range(const std::string& path, int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) {
    return make_error(ErrorCode::kInvalidArgument, "negative range (offset " + std::to_string(offset) +
                                                       ", length " + std::to_string(length) + ") for '" +
                                                       path + "'");
  }
  struct stat info;
  SILT_TRY_ASSIGN(FileDescriptor fd, open_for_read(path, info));
  int64_t available = std::max<int64_t>(0, static_cast<int64_t>(info.st_size) - offset);
  std::string data(static_cast<size_t>(std::min(length, available)), '\0');
  size_t filled = 0;
  while (filled < data.size()) {
    ssize_t got = ::pread(fd.get(), data.data() + filled, data.size() - filled,
                          static_cast<off_t>(offset + static_cast<int64_t>(filled)));
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("reading", path, errno);
    }
    if (got == 0) break;  // shrank since fstat: return what exists
    filled += static_cast<size_t>(got);
  }
  data.resize(filled);
  return data;
}

Status LocalFileSystem::write(const std::string& path, const std::string& data) {
  SILT_TRY(validate_file_path(path));
  PathParts parts = split_path(path);
  SILT_TRY(create_directories(parts.dir));
  SILT_TRY_ASSIGN(std::string temp, stage_temp_file(parts, data));
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error_number = errno;
    ::unlink(temp.c_str());
    return io_error("replacing", path, error_number);
  }
  return fsync_directory(parts.dir).with_context("wrote '" + path + "' but could not make it durable");
}

Result<std::unique_ptr<WriteStream>> LocalFileSystem::open_write(const std::string& path) {
  SILT_TRY(validate_file_path(path));
  PathParts parts = split_path(path);
  SILT_TRY(create_directories(parts.dir));
  SILT_TRY_ASSIGN(auto created, create_temp_file(parts));
  return std::unique_ptr<WriteStream>(
      std::make_unique<LocalWriteStream>(path, std::move(parts), std::move(created.first), created.second));
}

Status LocalFileSystem::put_if_absent(const std::string& path, const std::string& data) {
  SILT_TRY(validate_file_path(path));
  auto already_exists = [&] { return make_error(ErrorCode::kAlreadyExists, "'" + path + "' already exists"); };
  // Cheap early answer for the common lost race; link() below is what decides.
  struct stat info;
  if (::lstat(path.c_str(), &info) == 0) return already_exists();

  PathParts parts = split_path(path);
  SILT_TRY(create_directories(parts.dir));
  SILT_TRY_ASSIGN(std::string temp, stage_temp_file(parts, data));
  // link(2) never replaces an existing name, and the temp file is complete and synced, so the
  // target appears whole or not at all and exactly one caller (thread or process) wins.
  if (::link(temp.c_str(), path.c_str()) == 0) {
    ::unlink(temp.c_str());  // the target keeps the data; a leftover temp name is only clutter
  } else {
    int error_number = errno;
#if defined(__linux__) && defined(RENAME_NOREPLACE)
    if (link_unsupported(error_number)) {
      if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) {
        return fsync_directory(parts.dir).with_context("created '" + path + "' but could not make it durable");
      }
      error_number = errno;
    }
#else
    (void)link_unsupported;
#endif
    ::unlink(temp.c_str());
    if (error_number == EEXIST) return already_exists();
    return io_error("creating", path, error_number);
  }
  return fsync_directory(parts.dir).with_context("created '" + path + "' but could not make it durable");
}

Status LocalFileSystem::remove(const std::string& path) {
  SILT_TRY(validate_file_path(path));
  if (::unlink(path.c_str()) != 0 && !is_missing(errno)) return io_error("removing", path, errno);
  return Status();
}

Status LocalFileSystem::create_directories(const std::string& dir) {
  if (dir.empty()) return make_error(ErrorCode::kInvalidArgument, "empty directory path");
  struct stat info;
  if (::stat(dir.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return Status();
    return io_error("creating directory", dir, ENOTDIR);
  }
  // mkdir -p: each prefix ending at a '/' (or the end), skipping the root and repeated slashes.
  for (size_t end = 1; end <= dir.size(); ++end) {
    if (end < dir.size() && dir[end] != '/') continue;
    if (dir[end - 1] == '/') continue;
    std::string prefix = dir.substr(0, end);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return io_error("creating directory", prefix, errno);
  }
  if (::stat(dir.c_str(), &info) != 0) return io_error("creating directory", dir, errno);
  if (!S_ISDIR(info.st_mode)) return io_error("creating directory", dir, ENOTDIR);
  return Status();
}

Status LocalFileSystem::set_modified_ms(const std::string& path, int64_t modified_ms) {
  SILT_TRY(stat(path));  // NotFound for a missing file or a directory
  int64_t seconds = modified_ms / 1000;
  int64_t millis = modified_ms % 1000;
  if (millis < 0) {  // floor division for times before 1970
    millis += 1000;
    seconds -= 1;
  }
  struct timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;  // leave the access time alone
  times[1].tv_sec = static_cast<time_t>(seconds);
  times[1].tv_nsec = static_cast<long>(millis * 1000000);
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) != 0) {
    if (is_missing(errno)) return not_found(path);
    return io_error("setting modification time of", path, errno);
  }
  return Status();
}

}  // namespace silt::storage
