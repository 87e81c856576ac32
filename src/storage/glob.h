// File-name patterns over any FileSystem, with the rules DuckDB's readers apply to local paths:
// '*' and '?' match within one path component, "[...]" a character set, and a "**" component any
// number of directories (none included).
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "storage/file_system.h"

namespace silt::storage {

// True when `path` (a full path) matches `pattern` (a full path with wildcards).
bool glob_match(const std::string& pattern, const std::string& path);

// True when `pattern` holds a wildcard ('*', '?', '[').
bool has_wildcard(const std::string& pattern);

// The files of `fs` matching `pattern`, sorted by path; a pattern without wildcards names one file
// (an empty result when it does not exist). Lists only below the pattern's fixed leading directories.
Result<std::vector<FileInfo>> glob(FileSystem& fs, const std::string& pattern);

}  // namespace silt::storage
