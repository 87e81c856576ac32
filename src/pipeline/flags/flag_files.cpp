#include "pipeline/flags/flag_files.h"

#include <algorithm>

#include "flags/flag_file.h"

namespace silt::pipeline {

namespace {

std::string flags_dir(const std::string& project_dir) { return project_dir + "/flags"; }

Result<std::vector<storage::FileInfo>> list_flag_files(storage::FileSystem& fs, const std::string& project_dir) {
  const std::string dir = flags_dir(project_dir);
  std::vector<storage::FileInfo> files;
  SILT_TRY_ASSIGN(std::vector<storage::FileInfo> listed, fs.list(dir));  // a missing directory lists nothing
  for (storage::FileInfo& file : listed) {
    if (flags::flag_file_format(file.path)) files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

bool same_files(const std::vector<storage::FileInfo>& a, const std::vector<storage::FileInfo>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].path != b[i].path || a[i].size != b[i].size || a[i].modified_ms != b[i].modified_ms || a[i].etag != b[i].etag) {
      return false;
    }
  }
  return true;
}

// Reads and checks the listed files.
Result<FlagFiles> load_listed(storage::FileSystem& fs, const std::string& project_dir, std::vector<storage::FileInfo> files) {
  FlagFiles out;
  out.files = std::move(files);
  for (const storage::FileInfo& file : out.files) {
    SILT_TRY_ASSIGN(std::string text, fs.read(file.path));
    std::string shown = file.path;
    if (shown.starts_with(project_dir + "/")) shown = shown.substr(project_dir.size() + 1);
    flags::read_flag_file(shown, text, *flags::flag_file_format(file.path), &out.flags, &out.diagnostics);
  }
  flags::check_flag_set(&out.flags, &out.diagnostics);
  return out;
}

}  // namespace

Result<FlagFiles> load_flag_files(storage::FileSystem& fs, const std::string& project_dir) {
  SILT_TRY_ASSIGN(std::vector<storage::FileInfo> files, list_flag_files(fs, project_dir));
  return load_listed(fs, project_dir, std::move(files));
}

Result<std::shared_ptr<const FlagFiles>> FlagFileProvider::current(std::optional<Error>* reload_error) {
  std::lock_guard lock(mutex_);
  auto failed = [&](Error error) -> Result<std::shared_ptr<const FlagFiles>> {
    if (!loaded_) return error;
    if (reload_error != nullptr) *reload_error = std::move(error);
    return loaded_;
  };
  auto files = list_flag_files(fs_, project_dir_);
  if (!files) return failed(files.error());
  if (loaded_ && same_files(loaded_->files, *files)) return loaded_;
  auto load = load_listed(fs_, project_dir_, std::move(*files));
  if (!load) return failed(load.error());
  loaded_ = std::make_shared<const FlagFiles>(std::move(*load));
  return loaded_;
}

}  // namespace silt::pipeline
