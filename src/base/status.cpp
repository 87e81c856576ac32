// Names of error codes, for messages and JSON output.
#include "base/status.h"

namespace silt {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "Ok";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kConflict: return "Conflict";
    case ErrorCode::kCorruption: return "Corruption";
    case ErrorCode::kIo: return "Io";
    case ErrorCode::kTimeout: return "Timeout";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kConfig: return "Config";
    case ErrorCode::kQualityFailed: return "QualityFailed";
    case ErrorCode::kOutOfMemory: return "OutOfMemory";
    case ErrorCode::kCancelled: return "Cancelled";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

bool is_retryable(ErrorCode code) {
  return code == ErrorCode::kConflict || code == ErrorCode::kIo || code == ErrorCode::kTimeout;
}

const Error& Status::ok_error() {
  static const Error error(ErrorCode::kInternal, "internal error: the error of a successful status was asked for");
  return error;
}

}  // namespace silt
