// _delta_log listing and file-name parsing (20-digit versions, 10-digit part numbers).
#include "delta/log_listing.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::delta {

namespace {

bool all_digits(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct PartialCheckpoint {
  int64_t parts = 0;
  std::map<int64_t, std::string> found;
};

}  // namespace

int64_t LogListing::latest_version() const {
  int64_t latest = -1;
  if (!commits.empty()) latest = commits.rbegin()->first;
  if (!checkpoints.empty()) latest = std::max(latest, checkpoints.rbegin()->first);
  return latest;
}

std::string log_dir(const std::string& table_root) { return storage::join_path(table_root, "_delta_log"); }

std::string commit_file_path(const std::string& table_root, int64_t version) {
  return storage::join_path(log_dir(table_root), fmt::format("{:020}.json", version));
}

std::string checkpoint_file_path(const std::string& table_root, int64_t version) {
  return storage::join_path(log_dir(table_root), fmt::format("{:020}.checkpoint.parquet", version));
}

std::string last_checkpoint_path(const std::string& table_root) {
  return storage::join_path(log_dir(table_root), "_last_checkpoint");
}

Result<LogListing> list_log(storage::FileSystem& fs, const std::string& table_root, int64_t from_version) {
  // "<version:20>" sorts before every file of that version ("<version:20>.json", ".checkpoint...").
  std::string start_after =
      from_version > 0 ? storage::join_path(log_dir(table_root), fmt::format("{:020}", from_version)) : "";
  SILT_TRY_ASSIGN(auto files, storage::list_after(fs, log_dir(table_root), start_after));
  LogListing listing;
  std::map<std::pair<int64_t, int64_t>, PartialCheckpoint> multipart;  // (version, parts)
  for (auto& file : files) {
    std::string_view name(file.path);
    size_t slash = name.rfind('/');
    if (slash != std::string_view::npos) name = name.substr(slash + 1);
    if (name.size() < 21 || !all_digits(name.substr(0, 20), 20) || name[20] != '.') continue;
    int64_t version = *parse_int64(name.substr(0, 20));
    std::string_view rest = name.substr(21);
    if (rest == "json") {
      listing.commits.emplace(version, std::move(file));
    } else if (rest == "checkpoint.parquet") {
      listing.checkpoints[version] = CheckpointFiles{version, {file.path}};
    } else if (starts_with(rest, "checkpoint.") && ends_with(rest, ".parquet")) {
      // checkpoint.<part:10>.<parts:10>.parquet ; UUID-named (v2) checkpoints are not listed.
      std::string_view middle = rest.substr(11, rest.size() - 11 - 8);
      if (middle.size() == 21 && middle[10] == '.' && all_digits(middle.substr(0, 10), 10) &&
          all_digits(middle.substr(11), 10)) {
        int64_t part = *parse_int64(middle.substr(0, 10));
        int64_t parts = *parse_int64(middle.substr(11));
        auto& partial = multipart[{version, parts}];
        partial.parts = parts;
        partial.found[part] = file.path;
      }
    }
  }
  for (auto& [key, partial] : multipart) {
    if (static_cast<int64_t>(partial.found.size()) != partial.parts) continue;
    if (listing.checkpoints.count(key.first)) continue;  // prefer a classic checkpoint of the same version
    CheckpointFiles checkpoint{key.first, {}};
    for (auto& [part, path] : partial.found) checkpoint.paths.push_back(path);
    listing.checkpoints[key.first] = std::move(checkpoint);
  }
  return listing;
}

}  // namespace silt::delta
