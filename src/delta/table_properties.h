// Table properties (metaData.configuration) silt knows: which values are valid, which name features
// silt does not write (and so may not be set, or other engines would misread the table).
#pragma once

#include <map>
#include <string>

#include "base/status.h"

namespace silt::delta {

// Checks every `delta.*` key of properties a user sets: a known key with a valid value, not one
// that turns on a feature silt does not write (column mapping, deletion vectors, change data feed,
// CHECK constraints, ...). InvalidArgument naming the key, the value and what is accepted; unknown
// `delta.*` keys are refused with the closest known one. Keys outside `delta.` are the user's own.
Status validate_table_properties(const std::map<std::string, std::string>& properties);

// delta.checkpointInterval of a table (default 10); refuses a value that is not a positive integer.
Result<int64_t> checkpoint_interval(const std::map<std::string, std::string>& properties);

// delta.deletedFileRetentionDuration in milliseconds (default 7 days): how long a removed file's
// tombstone is kept in checkpoints (and so how long VACUUM must leave the file).
Result<int64_t> deleted_file_retention_ms(const std::map<std::string, std::string>& properties);

// delta.logRetentionDuration in milliseconds (default 30 days): how long commit and checkpoint
// files are kept before log cleanup (VACUUM) may delete them.
Result<int64_t> log_retention_ms(const std::map<std::string, std::string>& properties);

// delta.appendOnly: true when "true" (any case); an invalid value is refused rather than read as false.
Result<bool> append_only(const std::map<std::string, std::string>& properties);

}  // namespace silt::delta
