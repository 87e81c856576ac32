// The probe and the local commit lock.
#include "storage/s3/conditional_writes.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/ids.h"

namespace silt::storage::s3 {

Result<ConditionalWriteProbe> probe_conditional_writes(S3Client& client, const std::string& bucket,
                                                       const std::string& prefix) {
  ConditionalWriteProbe probe;
  probe.scratch_key = prefix + "_silt_probe/" + new_uuid();
  SILT_TRY(client.put_object(bucket, probe.scratch_key, "silt conditional-write probe 1", true).status());
  auto second = client.put_object(bucket, probe.scratch_key, "silt conditional-write probe 2", true);
  Status removed = client.delete_object(bucket, probe.scratch_key);
  if (second) {
    probe.enforced = false;
  } else if (second.error().code() == ErrorCode::kAlreadyExists) {
    probe.enforced = true;
  } else {
    return std::move(second).error();
  }
  SILT_TRY(removed);
  return probe;
}

Result<CommitLock> CommitLock::acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCode::kConfig, fmt::format("cannot open the commit lock {}: {} (s3.commit_lock names a "
                                                      "file on this machine that every writer can open)",
                                                      path, std::strerror(errno)));
  }
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int error = errno;
    ::close(fd);
    return make_error(ErrorCode::kIo, fmt::format("cannot lock the commit lock {}: {}", path, std::strerror(error)));
  }
  return CommitLock(fd);
}

CommitLock::CommitLock(CommitLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

CommitLock::~CommitLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace silt::storage::s3
