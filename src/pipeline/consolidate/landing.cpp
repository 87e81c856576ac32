#include "pipeline/consolidate/landing.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {
namespace {

bool all_digits(const std::string& text, size_t length) {
  return text.size() == length && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool valid_date(int year, int month, int day) {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int limit = kDays[month - 1];
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) limit = 29;
  return day <= limit;
}

std::string strip_compression(std::string name) {
  for (const char* suffix : {".gz", ".zst", ".gzip", ".zstd"}) {
    if (ends_with(name, suffix)) return name.substr(0, name.size() - std::string(suffix).size());
  }
  return name;
}

}  // namespace

bool is_iso_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const std::string y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
  if (!all_digits(y, 4) || !all_digits(m, 2) || !all_digits(d, 2)) return false;
  return valid_date(std::stoi(y), std::stoi(m), std::stoi(d));
}

std::optional<LandingFormat> data_file_format(const std::string& name) {
  if (name.empty() || name[0] == '_' || name[0] == '.') return std::nullopt;
  if (ends_with(to_lower(name), ".parquet")) return LandingFormat::kParquet;
  const std::string lower = strip_compression(to_lower(name));
  if (ends_with(lower, ".csv") || ends_with(lower, ".tsv")) return LandingFormat::kCsv;
  if (ends_with(lower, ".json") || ends_with(lower, ".jsonl") || ends_with(lower, ".ndjson")) return LandingFormat::kJson;
  return std::nullopt;
}

bool is_landing_data_file(LandingFormat format, const std::string& name) { return data_file_format(name) == format; }

std::optional<LandingFile> parse_landing_path(LandingLayout layout, const std::string& relative) {
  std::vector<std::string> parts = split(relative, '/');
  if (parts.empty()) return std::nullopt;
  parts.pop_back();  // the file name
  for (const auto& part : parts) {
    if (part.empty() || part[0] == '_' || part[0] == '.') return std::nullopt;  // hidden folders (_staging, .tmp)
  }
  LandingFile file;
  if (layout == LandingLayout::kDatePath) {
    if (parts.size() != 3 || !all_digits(parts[0], 4) || !all_digits(parts[1], 2) || !all_digits(parts[2], 2)) {
      return std::nullopt;
    }
    if (!valid_date(std::stoi(parts[0]), std::stoi(parts[1]), std::stoi(parts[2]))) return std::nullopt;
    file.date = fmt::format("{}-{}-{}", parts[0], parts[1], parts[2]);
    return file;
  }
  for (const auto& part : parts) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos || eq == 0) return std::nullopt;
    file.hive[part.substr(0, eq)] = part.substr(eq + 1);
  }
  auto value = [&](const char* key) -> std::string {
    auto it = file.hive.find(key);
    return it == file.hive.end() ? "" : it->second;
  };
  for (const char* key : {"dt", "date", "partition_date"}) {
    if (is_iso_date(value(key))) {
      file.date = value(key);
      return file;
    }
  }
  const std::string y = value("year"), m = value("month"), d = value("day");
  if (all_digits(y, 4) && !m.empty() && !d.empty() && m.size() <= 2 && d.size() <= 2 &&
      std::all_of(m.begin(), m.end(), ::isdigit) && std::all_of(d.begin(), d.end(), ::isdigit)) {
    const std::string text = fmt::format("{}-{:0>2}-{:0>2}", y, m, d);
    if (is_iso_date(text)) file.date = text;
  }
  return file;
}

Result<std::vector<LandingFile>> list_landing(storage::FileSystem& fs, const ConsolidationInput& input,
                                              const std::optional<std::string>& date, int64_t* ignored) {
  std::string root = input.path;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  std::string listed = root;
  if (date && input.layout == LandingLayout::kDatePath) {
    listed = fmt::format("{}/{}/{}/{}", root, date->substr(0, 4), date->substr(5, 2), date->substr(8, 2));
  }
  SILT_TRY_ASSIGN(auto infos, fs.list_recursive(listed));
  std::vector<LandingFile> files;
  int64_t skipped = 0;
  for (auto& info : infos) {
    if (!starts_with(info.path, root + "/")) continue;
    const std::string relative = info.path.substr(root.size() + 1);
    if (!is_landing_data_file(input.format, storage::base_name(relative))) {
      ++skipped;
      continue;
    }
    auto parsed = parse_landing_path(input.layout, relative);
    if (!parsed || (date && parsed->date != *date)) {
      ++skipped;
      continue;
    }
    parsed->path = std::move(info.path);
    parsed->size = info.size;
    parsed->modified_ms = info.modified_ms;
    files.push_back(std::move(*parsed));
  }
  std::sort(files.begin(), files.end(), [](const LandingFile& a, const LandingFile& b) {
    return std::tie(a.modified_ms, a.path) < std::tie(b.modified_ms, b.path);
  });
  if (ignored != nullptr) *ignored = skipped;
  return files;
}

}  // namespace silt::pipeline
