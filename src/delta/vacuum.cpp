// VACUUM over any storage::FileSystem: the referenced set from the latest snapshot, candidates from
// one recursive listing, deletions in remove_many batches between VACUUM START and END commits,
// then expired log files. Never deletes a hidden name, a referenced file or a young file.
#include "delta/vacuum.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/duration.h"
#include "base/strings.h"
#include "delta/actions.h"
#include "delta/log_listing.h"
#include "delta/schema.h"
#include "delta/snapshot.h"
#include "delta/table_features.h"
#include "delta/table_properties.h"
#include "delta/transaction.h"
#include "obs/logger.h"
#include "obs/metrics.h"

namespace silt::delta {

namespace {

std::string without_trailing_slashes(std::string root) {
  while (root.size() > 1 && root.back() == '/' && !ends_with(root, "://")) root.pop_back();
  return root;
}

// "a//b/./c" -> "a/b/c": the form both the log's paths and the listing's are compared in.
std::string clean_relative(std::string_view path) {
  std::string out;
  for (const auto& part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (!out.empty()) out.push_back('/');
    out += part;
  }
  return out;
}

// A path of the log as a path relative to the table root; nullopt when it lies outside the root.
std::optional<std::string> relative_log_path(const std::string& root, const std::string& log_path) {
  std::string path = canonical_path(log_path);
  bool absolute = starts_with(path, "/") || path.find("://") != std::string::npos;
  if (!absolute) return clean_relative(path);
  // Hadoop's names for the same S3 objects.
  for (const char* scheme : {"s3a://", "s3n://"}) {
    if (starts_with(path, scheme)) path = "s3://" + path.substr(6);
  }
  std::string prefix = root == "/" ? root : root + "/";
  if (!starts_with(path, prefix)) return std::nullopt;
  return clean_relative(std::string_view(path).substr(prefix.size()));
}

bool is_hidden_path(const std::string& relative, const std::vector<std::string>& partition_columns) {
  for (const auto& part : split(relative, '/')) {
    if (is_hidden_from_vacuum(part, partition_columns)) return true;
  }
  return false;
}

// The version a _delta_log file name starts with ("<20 digits>."), and what follows the dot.
std::optional<std::pair<int64_t, std::string>> log_file_version(const std::string& name) {
  if (name.size() < 22 || name[20] != '.') return std::nullopt;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  }
  auto version = parse_int64(std::string_view(name).substr(0, 20));
  if (!version) return std::nullopt;
  return std::make_pair(*version, name.substr(21));
}

// Log files VACUUM may expire: commits, checksums and (classic or multi-part) checkpoints.
bool is_expirable_log_file(const std::string& rest) {
  return rest == "json" || rest == "crc" || (starts_with(rest, "checkpoint.") && ends_with(rest, ".parquet"));
}

std::string retention_text(int64_t ms) { return format_duration_ms(ms); }

// What a delete batch is made of: the store's path and the report's entry.
struct Candidate {
  std::string path;
  VacuumFile file;
};

// The directories (relative, never the root) whose every listed file is deleted, deepest first.
std::vector<std::string> emptied_directories(const std::vector<storage::FileInfo>& listed, const std::string& root,
                                             const std::vector<Candidate>& deleted) {
  std::unordered_map<std::string, std::pair<int64_t, int64_t>> counts;  // dir -> (files below, deleted below)
  auto each_directory = [](const std::string& relative, auto&& visit) {
    for (size_t slash = relative.find('/'); slash != std::string::npos; slash = relative.find('/', slash + 1)) {
      visit(relative.substr(0, slash));
    }
  };
  size_t prefix = root == "/" ? 1 : root.size() + 1;
  for (const auto& file : listed) {
    if (file.path.size() <= prefix) continue;
    each_directory(clean_relative(std::string_view(file.path).substr(prefix)),
                   [&](const std::string& dir) { ++counts[dir].first; });
  }
  for (const auto& candidate : deleted) {
    each_directory(candidate.file.path, [&](const std::string& dir) { ++counts[dir].second; });
  }
  std::vector<std::string> out;
  for (const auto& [dir, count] : counts) {
    if (count.first == count.second) out.push_back(dir);
  }
  // Deepest first, so a parent is tried after its children.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    auto depth = [](const std::string& s) { return std::count(s.begin(), s.end(), '/'); };
    return depth(a) != depth(b) ? depth(a) > depth(b) : a < b;
  });
  return out;
}

// Removes `dirs` (relative to root) on local disk; only empty directories go (rmdir semantics).
// Stores without local paths have no directories of their own: those vanish with their last file.
int64_t remove_empty_directories(storage::FileSystem& fs, const std::string& root,
                                 const std::vector<std::string>& dirs) {
  auto local_root = fs.local_path(root);
  if (!local_root) return static_cast<int64_t>(dirs.size());
  int64_t removed = 0;
  for (const auto& dir : dirs) {
    std::error_code error;
    std::filesystem::path path = std::filesystem::path(*local_root) / dir;
    if (std::filesystem::is_directory(path, error) && std::filesystem::remove(path, error) && !error) ++removed;
  }
  return removed;
}

Status remove_in_batches(storage::FileSystem& fs, const std::vector<Candidate>& files, size_t batch_size,
                         int64_t* removed) {
  batch_size = std::max<size_t>(batch_size, 1);
  std::vector<std::string> batch;
  for (size_t i = 0; i < files.size(); i += batch_size) {
    batch.clear();
    for (size_t k = i; k < std::min(files.size(), i + batch_size); ++k) batch.push_back(files[k].path);
    SILT_TRY(fs.remove_many(batch));
    *removed += static_cast<int64_t>(batch.size());
  }
  return Status();
}

// Tombstones of commits a checkpoint already folded in, for a retention longer than the table's:
// checkpoints keep tombstones only for delta.deletedFileRetentionDuration, so a file removed
// within a longer retention may be named only by its commit.
Status add_folded_tombstones(storage::FileSystem& fs, const std::string& root, const LogListing& listing,
                             int64_t checkpoint_version, int64_t cutoff_ms, std::unordered_set<std::string>& kept) {
  for (const auto& [version, file] : listing.commits) {
    if (version > checkpoint_version) break;
    // A commit made before the cutoff removed its files before the cutoff too.
    if (file.modified_ms < cutoff_ms) continue;
    SILT_TRY_ASSIGN(auto actions, read_commit(fs, root, version));
    for (const auto& action : actions) {
      const auto* remove = std::get_if<RemoveFile>(&action);
      if (!remove || (remove->deletion_timestamp && *remove->deletion_timestamp < cutoff_ms)) continue;
      if (auto relative = relative_log_path(root, remove->path)) kept.insert(*relative);
    }
  }
  return Status();
}

// Commits VACUUM START or END: commitInfo only, so no concurrent commit conflicts with it.
Result<int64_t> commit_marker(storage::FileSystem& fs, ParquetIo& io, const std::string& root,
                              const std::shared_ptr<const Snapshot>& snapshot, const std::string& operation,
                              const std::map<std::string, std::string>& parameters,
                              const std::map<std::string, int64_t>& metrics) {
  Transaction txn(fs, io, root, snapshot);
  txn.set_operation(operation);
  for (const auto& [key, value] : parameters) txn.set_parameter(key, value);
  for (const auto& [key, value] : metrics) txn.set_metric(key, value);
  auto committed = txn.commit();
  if (!committed) return std::move(committed).error().with_context(fmt::format("committing {} to {}", operation, root));
  return committed->version;
}

// Step 5 of vacuum(): the expired log files, deleted unless a dry run.
Status clean_log(storage::FileSystem& fs, ParquetIo& io, const std::string& root, const Snapshot& snapshot,
                 const VacuumOptions& options, VacuumReport& report) {
  SILT_TRY_ASSIGN(report.log_retention_ms, log_retention_ms(snapshot.metadata().configuration));
  int64_t cutoff = report.now_ms - report.log_retention_ms;
  SILT_TRY_ASSIGN(auto listing, list_log(fs, root));
  SILT_TRY_ASSIGN(auto files, storage::list_after(fs, log_dir(root), ""));
  std::unordered_map<std::string, int64_t> modified;
  for (const auto& file : files) modified[file.path] = file.modified_ms;

  // The newest checkpoint whose commit, and every commit before it, is older than the cutoff.
  std::optional<int64_t> boundary;
  int64_t newest = INT64_MIN;
  auto commit = listing.commits.begin();
  for (const auto& [version, checkpoint] : listing.checkpoints) {
    for (; commit != listing.commits.end() && commit->first <= version; ++commit) {
      newest = std::max(newest, commit->second.modified_ms);
    }
    int64_t time = newest;
    if (!listing.commits.count(version)) {  // its commit was cleaned up by another engine
      for (const auto& part : checkpoint.paths) time = std::max(time, modified[part]);
    }
    if (time < cutoff) boundary = version;
  }
  if (!boundary || *boundary == 0) return Status();
  // Versions from the boundary on will load from this checkpoint alone: it must be readable.
  if (snapshot.checkpoint_version() != boundary) {
    for (const auto& part : listing.checkpoints.at(*boundary).paths) {
      auto actions = io.read_checkpoint(fs, part);
      bool complete = false;
      if (actions) {
        bool protocol = false, metadata = false;
        for (const auto& action : actions->others) {
          protocol = protocol || std::holds_alternative<Protocol>(action);
          metadata = metadata || std::holds_alternative<Metadata>(action);
        }
        complete = listing.checkpoints.at(*boundary).paths.size() > 1 || (protocol && metadata);
      }
      if (!complete) {
        SILT_LOG_WARN("log of {} not cleaned: checkpoint {} cannot be read ({})", root, part,
                      actions ? "no protocol or metaData" : actions.error().message());
        return Status();
      }
    }
  }
  report.log_boundary_checkpoint = boundary;
  std::vector<Candidate> expired;
  for (const auto& file : files) {
    std::string name = storage::base_name(file.path);
    auto parsed = log_file_version(name);
    if (!parsed || parsed->first >= *boundary || !is_expirable_log_file(parsed->second)) continue;
    if (file.modified_ms >= cutoff) continue;
    expired.push_back({file.path, VacuumFile{"_delta_log/" + name, file.size}});
    report.log_bytes += file.size;
  }
  std::sort(expired.begin(), expired.end(), [](const Candidate& a, const Candidate& b) { return a.file.path < b.file.path; });
  for (const auto& candidate : expired) report.log_files.push_back(candidate.file);
  if (options.dry_run || expired.empty()) return Status();
  int64_t removed = 0;
  SILT_TRY_CONTEXT(remove_in_batches(fs, expired, options.delete_batch_size, &removed),
                   fmt::format("deleting expired log files of {} (versions before {})", root, *boundary));
  obs::counter_add("delta.vacuum.log_files_deleted", removed);
  return Status();
}

}  // namespace

bool is_hidden_from_vacuum(const std::string& name, const std::vector<std::string>& partition_columns) {
  if (name.empty() || (name[0] != '_' && name[0] != '.')) return false;
  for (const auto& column : partition_columns) {
    if (starts_with(name, column + "=")) return false;
  }
  return true;
}

Result<VacuumReport> vacuum(storage::FileSystem& fs, ParquetIo& io, const std::string& table_root,
                            const VacuumOptions& options) {
  int64_t started_ns = monotonic_ns();
  const std::string root = without_trailing_slashes(table_root);
  VacuumReport report;
  report.table_root = root;
  report.dry_run = options.dry_run;
  report.now_ms = options.now_ms.value_or(now_ms());

  SILT_TRY_ASSIGN(auto snapshot, Snapshot::load(fs, io, root));
  report.table_version = snapshot->version();
  // Deleting files is writing the table: only a protocol silt can write (vacuumProtocolCheck).
  // Column invariants constrain rows, and VACUUM writes none: they are not checked here.
  SILT_TRY_CONTEXT(check_writable(snapshot->protocol(), snapshot->metadata(), Schema{}),
                   fmt::format("cannot vacuum {}", root));
  for (const auto& file : snapshot->files()) {
    if (file.deletion_vector && file.deletion_vector->storage_type != "i") {
      return make_error(ErrorCode::kUnsupported,
                        fmt::format("cannot vacuum {}: file {} has a deletion vector file, which silt does not "
                                    "track",
                                    root, file.path));
    }
  }

  const auto& configuration = snapshot->metadata().configuration;
  SILT_TRY_ASSIGN(report.default_retention_ms, deleted_file_retention_ms(configuration));
  report.retention_ms = options.retention_ms.value_or(report.default_retention_ms);
  report.minimum_retention_ms = std::max(kMinimumVacuumRetentionMs, report.default_retention_ms);
  report.retention_check_enabled = !options.force;
  if (report.retention_ms < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("cannot vacuum {}: a retention cannot be negative", root));
  }
  if (!options.force && report.retention_ms < report.minimum_retention_ms) {
    std::string why = report.default_retention_ms > kMinimumVacuumRetentionMs
                          ? fmt::format("the table's delta.deletedFileRetentionDuration is {}",
                                        retention_text(report.default_retention_ms))
                          : fmt::format("files must stay at least {} so readers of older versions and writers "
                                        "that have not committed yet keep theirs",
                                        retention_text(kMinimumVacuumRetentionMs));
    std::string source = options.retention_ms ? "" : " (the table's delta.deletedFileRetentionDuration)";
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("cannot vacuum {} with a retention of {}{}: the minimum is {} ({}); set the force "
                             "option to vacuum with it anyway, deleting files that versions younger than the "
                             "minimum may still need",
                             root, retention_text(report.retention_ms), source,
                             retention_text(report.minimum_retention_ms), why))
        .set_reason("vacuum_retention_too_short",
                    {{"retention_ms", std::to_string(report.retention_ms)},
                     {"minimum_ms", std::to_string(report.minimum_retention_ms)}})
        .set_option("force", "set the force option");
  }
  report.cutoff_ms = report.now_ms - report.retention_ms;

  // What versions within the retention reference: the live files and the unexpired tombstones (a
  // tombstone without a deletion time counts as unexpired, as in silt's checkpoints).
  std::unordered_set<std::string> kept;
  kept.reserve(snapshot->files().size() + snapshot->tombstones().size());
  for (const auto& file : snapshot->files()) {
    if (auto relative = relative_log_path(root, file.path)) kept.insert(*relative);
  }
  for (const auto& remove : snapshot->tombstones()) {
    if (remove.deletion_timestamp && *remove.deletion_timestamp < report.cutoff_ms) continue;
    if (auto relative = relative_log_path(root, remove.path)) kept.insert(*relative);
  }
  if (snapshot->checkpoint_version() && report.retention_ms > report.default_retention_ms) {
    SILT_TRY_ASSIGN(auto listing, list_log(fs, root));
    SILT_TRY(add_folded_tombstones(fs, root, listing, *snapshot->checkpoint_version(), report.cutoff_ms, kept));
  }

  SILT_TRY_ASSIGN(auto listed, fs.list_recursive(root));
  const auto& partition_columns = snapshot->partition_columns();
  const size_t prefix = root == "/" ? 1 : root.size() + 1;
  std::vector<Candidate> candidates;
  for (const auto& file : listed) {
    if (file.path.size() <= prefix) continue;
    std::string relative = clean_relative(std::string_view(file.path).substr(prefix));
    if (is_hidden_path(relative, partition_columns)) continue;
    ++report.files_listed;
    if (kept.count(relative)) continue;
    if (file.modified_ms >= report.cutoff_ms) {
      ++report.young_unreferenced_files;
      continue;
    }
    candidates.push_back({file.path, VacuumFile{relative, file.size}});
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.file.path < b.file.path; });
  for (const auto& candidate : candidates) {
    report.files.push_back(candidate.file);
    report.bytes += candidate.file.size;
  }
  report.num_files = static_cast<int64_t>(candidates.size());
  auto directories = emptied_directories(listed, root, candidates);

  if (options.dry_run) {
    report.directories_removed = static_cast<int64_t>(directories.size());
    if (options.clean_log) SILT_TRY(clean_log(fs, io, root, *snapshot, options, report));
    report.duration_ms = (monotonic_ns() - started_ns) / 1'000'000;
    return report;
  }

  std::map<std::string, std::string> start_parameters = {
      {"retentionCheckEnabled", report.retention_check_enabled ? "true" : "false"},
      {"defaultRetentionMillis", std::to_string(report.default_retention_ms)}};
  if (options.retention_ms) start_parameters["specifiedRetentionMillis"] = std::to_string(report.retention_ms);
  SILT_TRY_ASSIGN(report.start_version,
                  commit_marker(fs, io, root, snapshot, "VACUUM START", start_parameters,
                                {{"numFilesToDelete", report.num_files}, {"sizeOfDataToDelete", report.bytes}}));

  int64_t deleted = 0;
  Status removed = remove_in_batches(fs, candidates, options.delete_batch_size, &deleted);
  if (removed.ok()) report.directories_removed = remove_empty_directories(fs, root, directories);
  auto end = commit_marker(fs, io, root, snapshot, "VACUUM END",
                           {{"status", removed.ok() ? "\"COMPLETED\"" : "\"FAILED\""}},
                           {{"numDeletedFiles", deleted}, {"numVacuumedDirectories", report.directories_removed}});
  obs::counter_add("delta.vacuum.files_deleted", deleted);
  if (!removed.ok()) {
    return removed.error().with_context(fmt::format("vacuum of {} deleted {} of {} files, then failed", root,
                                                    deleted, report.num_files));
  }
  if (!end) {
    return std::move(end).error().with_context(
        fmt::format("vacuum of {} deleted {} files but did not record it", root, deleted));
  }
  report.end_version = *end;

  if (options.clean_log) SILT_TRY(clean_log(fs, io, root, *snapshot, options, report));
  report.duration_ms = (monotonic_ns() - started_ns) / 1'000'000;
  return report;
}

}  // namespace silt::delta
