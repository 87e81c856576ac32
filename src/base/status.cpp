// Names of error codes, for messages and JSON output.
#include "base/status.h"

namespace silt {

const char* error_code_name(ErrorCode code) {
  switch (code) {
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
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

}  // namespace silt
