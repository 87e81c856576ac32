// Changing one flag in one of silt's YAML flag files: on/off, the fallthrough (a variation or a
// rollout), individual targets. Only the flag's own section of the text is rewritten (the rest of
// the file, comments included, stays as it was); its `version` goes up by one. No I/O here.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace silt::flags {

struct FlagChange {
  std::optional<bool> on;
  std::optional<std::string> fallthrough;                  // a variation, by value as written
  std::vector<std::pair<std::string, int>> rollout;        // fallthrough rollout: variation -> percent
  std::vector<std::pair<std::string, std::string>> targets;  // variation -> a job key to serve it to

  bool empty() const { return !on && !fallthrough && rollout.empty() && targets.empty(); }
};

struct FlagEdit {
  std::string text;         // the whole file, changed
  std::string before_json;  // the flag's section before and after, as JSON
  std::string after_json;
  int version_before = 1;
  int version_after = 2;
};

// Whether `text` (silt's YAML) defines flag `key` at its top level.
bool defines_flag(const std::string& text, const std::string& key);

// The file with `change` applied to flag `key`. InvalidArgument when a variation named is not one
// of the flag's, a rollout does not total 100, or the file cannot be read as YAML.
Result<FlagEdit> edit_flag(const std::string& file_name, const std::string& text, const std::string& key,
                           const FlagChange& change);

}  // namespace silt::flags
