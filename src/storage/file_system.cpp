// Path helpers and the contract's default paging, shared by all FileSystem implementations.
#include "storage/file_system.h"

#include <algorithm>

namespace silt::storage {

std::string base_name(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<ListPage> FileSystem::list_page(const std::string& dir, const std::string& start_after, size_t max_files) {
  SILT_TRY_ASSIGN(auto files, list(dir));
  std::string after = base_name(start_after);
  ListPage page;
  for (auto& file : files) {
    if (!after.empty() && base_name(file.path) <= after) continue;
    if (page.files.size() == std::max<size_t>(max_files, 1)) {
      page.next_start_after = page.files.back().path;
      break;
    }
    page.files.push_back(std::move(file));
  }
  return page;
}

std::optional<std::string> FileSystem::local_path(const std::string&) const { return std::nullopt; }

Status FileSystem::remove_many(const std::vector<std::string>& paths) {
  for (const auto& path : paths) SILT_TRY(remove(path));
  return Status();
}

namespace {

class BufferedWriteStream : public WriteStream {
 public:
  BufferedWriteStream(FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Status append(std::string_view data) override {
    if (closed_) return make_error(ErrorCode::kInternal, "append to the closed stream of " + path_);
    buffer_.append(data);
    return Status();
  }
  Status close() override {
    if (closed_) return make_error(ErrorCode::kInternal, "the stream of " + path_ + " is already closed");
    closed_ = true;
    return fs_.write(path_, buffer_);
  }

 private:
  FileSystem& fs_;
  std::string path_;
  std::string buffer_;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<WriteStream>> FileSystem::open_write(const std::string& path) {
  if (path.empty()) return make_error(ErrorCode::kInvalidArgument, "empty file path");
  return std::unique_ptr<WriteStream>(std::make_unique<BufferedWriteStream>(*this, path));
}

Result<std::vector<FileInfo>> list_after(FileSystem& fs, const std::string& dir, const std::string& start_after) {
  constexpr size_t kPageSize = 1000;  // as S3's ListObjectsV2
  std::vector<FileInfo> out;
  std::string next = start_after;
  while (true) {
    SILT_TRY_ASSIGN(auto page, fs.list_page(dir, next, kPageSize));
    for (auto& file : page.files) out.push_back(std::move(file));
    if (page.next_start_after.empty()) break;
    next = page.next_start_after;
  }
  return out;
}

std::string join_path(const std::string& base, const std::string& child) {
  if (base.empty()) return child;
  if (child.empty()) return base;
  bool base_slash = base.back() == '/';
  bool child_slash = child.front() == '/';
  if (base_slash && child_slash) return base + child.substr(1);
  if (base_slash || child_slash) return base + child;
  return base + "/" + child;
}

}  // namespace silt::storage
