// Reading flag files into a FlagSet: silt's YAML flag files (flags/*.yml, docs/FLAGS.md) and
// LaunchDarkly's flag data JSON ({"flags": {...}, "segments": {...}, "flagValues": {...}}, the
// shape of its file data source and of a flags/segments export). Text in, flags and diagnostics out:
// no I/O here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/diagnostic.h"
#include "flags/flag.h"

namespace silt::flags {

enum class FlagFileFormat { kSiltYaml, kLaunchDarklyJson };

// By extension: .json is LaunchDarkly's JSON, .yml/.yaml silt's YAML; nullopt otherwise.
std::optional<FlagFileFormat> flag_file_format(std::string_view file_name);

// Adds the flags and segments of one file to `into`; each problem goes to `diagnostics` as
// file:line:column. A flag or segment with a problem is still added, marked malformed (it then
// evaluates to its default with MALFORMED_FLAG); one that is defined again (in this file or an
// earlier one) is reported and the first definition kept. `file_name` is how messages name the file.
void read_flag_file(const std::string& file_name, std::string_view text, FlagFileFormat format, FlagSet* into,
                    std::vector<Diagnostic>* diagnostics);

// Checks that need every file: prerequisites and segments that exist, and no cycles among
// prerequisites or among segments. Flags in a cycle, or that need a missing flag or segment, are
// marked malformed.
void check_flag_set(FlagSet* flags, std::vector<Diagnostic>* diagnostics);

}  // namespace silt::flags
