// Whether a store enforces `If-None-Match: *` on PUT (the Delta commit primitive), found by trying
// it on a scratch key, and the commit lock that stands in where it does not.
#pragma once

#include <string>

#include "base/status.h"
#include "storage/s3/s3_client.h"

namespace silt::storage::s3 {

struct ConditionalWriteProbe {
  bool enforced = false;    // a second conditional PUT of the scratch key was refused
  std::string scratch_key;  // the key tried (removed afterwards)
};

// Creates `<prefix>_silt_probe/<random>` in `bucket` with If-None-Match: *, repeats it (a store
// that enforces the condition answers 412), then deletes the key. Errors are the client's
// (credentials, permission, a missing bucket).
Result<ConditionalWriteProbe> probe_conditional_writes(S3Client& client, const std::string& bucket,
                                                       const std::string& prefix);

// A lock on a local file held across the check and the PUT of a commit, for stores that do not
// enforce conditional writes: it orders the writers of one machine (every writer must name the same
// file), nothing more.
class CommitLock {
 public:
  // Blocks until the lock on `path` is held; Config error naming the file when it cannot be opened.
  static Result<CommitLock> acquire(const std::string& path);
  CommitLock(CommitLock&& other) noexcept;
  CommitLock& operator=(CommitLock&&) = delete;
  CommitLock(const CommitLock&) = delete;
  ~CommitLock();

 private:
  explicit CommitLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace silt::storage::s3
