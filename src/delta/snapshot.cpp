// Log replay: checkpoint + commits -> live state, following the reconciliation rules of the
// Delta protocol (file key = canonical path + DV id; last protocol/metaData/txn wins).
#include "delta/snapshot.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/strings.h"
#include "delta/log_listing.h"
#include "delta/table_features.h"
#include "obs/logger.h"

namespace silt::delta {

namespace {

struct ReplayState {
  std::optional<Protocol> protocol;
  std::optional<Metadata> metadata;
  // A checkpoint holds each live file once: its adds are kept as a plain list, and only files
  // touched by later commits are tracked by key (hashing every key of a large checkpoint was
  // most of the cost of opening it).
  std::vector<AddFile> checkpoint_files;
  std::unordered_set<std::string> replaced_keys;  // keys added or removed after the checkpoint
  std::unordered_map<std::string, AddFile> files;
  std::unordered_map<std::string, RemoveFile> tombstones;
  std::map<std::string, int64_t> app_versions;
  std::map<std::string, DomainMetadata> domains;
  bool schema_changed = false;

  // The live files, in no particular order.
  std::vector<AddFile> take_files() {
    if (replaced_keys.empty() && files.empty()) return std::move(checkpoint_files);
    std::vector<AddFile> out;
    out.reserve(checkpoint_files.size() + files.size());
    for (auto& add : checkpoint_files) {
      if (!replaced_keys.empty() && replaced_keys.count(file_key(add.path, add.deletion_vector))) continue;
      out.push_back(std::move(add));
    }
    for (auto& [key, add] : files) out.push_back(std::move(add));
    return out;
  }

  void apply_checkpoint(CheckpointActions&& actions) {
    if (checkpoint_files.empty()) {
      checkpoint_files = std::move(actions.adds);
    } else {
      // Multi-part checkpoints: parts are disjoint.
      checkpoint_files.insert(checkpoint_files.end(), std::make_move_iterator(actions.adds.begin()),
                              std::make_move_iterator(actions.adds.end()));
    }
    for (auto& action : actions.others) apply(std::move(action));
  }

  void apply(Action&& action) {
    std::visit(
        [&](auto&& value) {
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, Protocol>) {
            protocol = std::move(value);
          } else if constexpr (std::is_same_v<T, Metadata>) {
            if (metadata && metadata->schema_string != value.schema_string) schema_changed = true;
            metadata = std::move(value);
          } else if constexpr (std::is_same_v<T, AddFile>) {
            std::string key = file_key(value.path, value.deletion_vector);
            tombstones.erase(key);
            if (!checkpoint_files.empty()) replaced_keys.insert(key);
            files.insert_or_assign(std::move(key), std::move(value));
          } else if constexpr (std::is_same_v<T, RemoveFile>) {
            std::string key = file_key(value.path, value.deletion_vector);
            files.erase(key);
            if (!checkpoint_files.empty()) replaced_keys.insert(key);
            tombstones.insert_or_assign(std::move(key), std::move(value));
          } else if constexpr (std::is_same_v<T, Txn>) {
            app_versions[value.app_id] = value.version;
          } else if constexpr (std::is_same_v<T, DomainMetadata>) {
            if (value.removed) domains.erase(value.domain);
            else domains[value.domain] = std::move(value);
          }
        },
        std::move(action));
  }
};

}  // namespace

Result<std::vector<Action>> read_commit(storage::FileSystem& fs, const std::string& table_root, int64_t version) {
  std::string path = commit_file_path(table_root, version);
  auto text = fs.read(path);
  if (!text) return std::move(text).error().with_context(fmt::format("reading commit {}", version));
  auto actions = parse_actions(*text);
  if (!actions) return std::move(actions).error().with_context(fmt::format("commit file {}", path));
  return actions;
}

std::vector<CommitTimestamp> commit_timestamps(const LogListing& listing) {
  std::vector<CommitTimestamp> out;
  out.reserve(listing.commits.size());
  int64_t previous = INT64_MIN;
  for (const auto& [version, file] : listing.commits) {
    int64_t ts = file.modified_ms;
    if (previous != INT64_MIN && ts <= previous) ts = previous + 1;
    out.push_back({version, ts});
    previous = ts;
  }
  return out;
}

Result<std::shared_ptr<const Snapshot>> Snapshot::load(storage::FileSystem& fs, ParquetIo& io,
                                                        const std::string& table_root, VersionSpec spec) {
  // _last_checkpoint, when it describes a checkpoint, says where to list from and how many files
  // that checkpoint must hold.
  std::optional<LastCheckpoint> hint;
  if (auto text = fs.read(last_checkpoint_path(table_root))) hint = parse_last_checkpoint(*text);
  if (hint && hint->version > 0 && !spec.timestamp_ms && (!spec.version || *spec.version >= hint->version)) {
    auto listing = list_log(fs, table_root, hint->version);
    if (listing && listing->checkpoints.count(hint->version)) {
      auto loaded = replay(fs, io, table_root, spec, *listing, hint, /*from_hint=*/true);
      if (loaded) return loaded;
    }
  }
  SILT_TRY_ASSIGN(auto listing, list_log(fs, table_root));
  return replay(fs, io, table_root, spec, listing, hint, /*from_hint=*/false);
}

Result<std::shared_ptr<const Snapshot>> Snapshot::replay(storage::FileSystem& fs, ParquetIo& io,
                                                          const std::string& table_root, VersionSpec spec,
                                                          const LogListing& listing,
                                                          const std::optional<LastCheckpoint>& hint, bool from_hint) {
  if (listing.empty()) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("'{}' is not a Delta table (no commits in {}/_delta_log)", table_root, table_root));
  }
  int64_t latest = listing.latest_version();
  int64_t target = latest;
  auto timestamps = commit_timestamps(listing);
  if (spec.version) {
    if (*spec.version < 0 || *spec.version > latest) {
      return make_error(ErrorCode::kNotFound, fmt::format("version {} does not exist; the table has versions up to {}",
                                                          *spec.version, latest));
    }
    target = *spec.version;
  } else if (spec.timestamp_ms) {
    if (timestamps.empty() || *spec.timestamp_ms < timestamps.front().timestamp_ms) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("timestamp {} is before the earliest available commit ({})",
                                    format_timestamp_ms(*spec.timestamp_ms),
                                    timestamps.empty() ? std::string("none")
                                                       : format_timestamp_ms(timestamps.front().timestamp_ms)));
    }
    if (*spec.timestamp_ms > timestamps.back().timestamp_ms) {
      // As Spark and Kernel do by default: a timestamp after the last commit is an error, not "latest".
      return make_error(ErrorCode::kNotFound,
                        fmt::format("timestamp {} is after the latest commit (version {} at {})",
                                    format_timestamp_ms(*spec.timestamp_ms), timestamps.back().version,
                                    format_timestamp_ms(timestamps.back().timestamp_ms)));
    }
    target = timestamps.front().version;
    for (const auto& entry : timestamps) {
      if (entry.timestamp_ms <= *spec.timestamp_ms) target = entry.version;
    }
  }

  // Newest complete checkpoint at or before the target; fall back to older ones if unreadable.
  std::vector<const CheckpointFiles*> candidates;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (it->first <= target) candidates.push_back(&it->second);
  }
  if (!from_hint) candidates.push_back(nullptr);  // replay from version 0

  Error last_error(ErrorCode::kNotFound, "");
  std::optional<Error> checkpoint_error;  // why the newest checkpoint could not be used, if it could not
  for (const CheckpointFiles* checkpoint : candidates) {
    int64_t start = checkpoint ? checkpoint->version + 1 : 0;
    // Every commit in [start, target] must exist.
    bool contiguous = true;
    int64_t missing = -1;
    for (int64_t v = start; v <= target; ++v) {
      if (!listing.commits.count(v)) {
        contiguous = false;
        missing = v;
        break;
      }
    }
    if (!contiguous) {
      if (checkpoint == nullptr && !listing.commits.empty() && listing.commits.begin()->first > 0 &&
          missing < listing.commits.begin()->first) {
        last_error = Error(ErrorCode::kNotFound,
                           fmt::format("cannot reconstruct version {}: commits before {} were cleaned up and no "
                                       "checkpoint covers them",
                                       target, listing.commits.begin()->first));
      } else {
        last_error = Error(ErrorCode::kCorruption,
                           fmt::format("versions are not contiguous: commit {} is missing from {}/_delta_log",
                                       missing, table_root));
      }
      continue;
    }

    ReplayState state;
    bool checkpoint_ok = true;
    if (checkpoint) {
      for (const auto& part : checkpoint->paths) {
        auto actions = io.read_checkpoint(fs, part);
        if (!actions) {
          last_error = std::move(actions).error().with_context("reading checkpoint " + part);
          if (!checkpoint_error) checkpoint_error = last_error;
          checkpoint_ok = false;
          break;
        }
        state.apply_checkpoint(std::move(*actions));
      }
    }
    if (checkpoint_ok && checkpoint) {
      // A checkpoint that is valid Parquet can still be wrong: it must hold the protocol and the
      // metadata, and as many files as _last_checkpoint says it has.
      std::string problem;
      if (!state.protocol) problem = "it holds no protocol action";
      else if (!state.metadata) problem = "it holds no metaData action";
      else if (hint && hint->version == checkpoint->version && hint->num_add_files &&
               *hint->num_add_files != static_cast<int64_t>(state.checkpoint_files.size())) {
        problem = fmt::format("it holds {} add actions where _last_checkpoint says numOfAddFiles {}",
                              state.checkpoint_files.size(), *hint->num_add_files);
      }
      if (!problem.empty()) {
        last_error = Error(ErrorCode::kCorruption, fmt::format("checkpoint {} of version {} is not usable: {}",
                                                               join(checkpoint->paths, ", "), checkpoint->version,
                                                               problem));
        if (!checkpoint_error) checkpoint_error = last_error;
        checkpoint_ok = false;
      }
    }
    if (!checkpoint_ok) {
      if (from_hint) return last_error;  // the caller lists the whole log and tries again
      SILT_LOG_WARN("{}; reading {} from an older checkpoint or the commits instead", last_error.message(),
                    table_root);
      continue;
    }
    for (int64_t v = start; v <= target; ++v) {
      SILT_TRY_ASSIGN(auto actions, read_commit(fs, table_root, v));
      for (auto& action : actions) state.apply(std::move(action));
    }
    if (!state.protocol) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("no protocol action found in the log of {} at version {}", table_root, target));
    }
    if (!state.metadata) {
      return make_error(ErrorCode::kCorruption,
                        fmt::format("no metaData action found in the log of {} at version {}", table_root, target));
    }
    SILT_TRY_CONTEXT(check_readable(*state.protocol), fmt::format("cannot read {}", table_root));

    std::shared_ptr<Snapshot> snapshot(new Snapshot());
    snapshot->table_root_ = table_root;
    snapshot->store_ = &fs;
    snapshot->version_ = target;
    snapshot->protocol_ = std::move(*state.protocol);
    snapshot->metadata_ = std::move(*state.metadata);
    if (snapshot->metadata_.schema_string) {
      auto schema = parse_schema(*snapshot->metadata_.schema_string);
      if (!schema) return std::move(schema).error().with_context(fmt::format("schema of {}", table_root));
      snapshot->schema_ = std::move(*schema);
    }
    snapshot->files_ = state.take_files();
    std::sort(snapshot->files_.begin(), snapshot->files_.end(),
              [](const AddFile& a, const AddFile& b) { return a.path < b.path; });
    for (auto& [key, remove] : state.tombstones) snapshot->tombstones_.push_back(std::move(remove));
    std::sort(snapshot->tombstones_.begin(), snapshot->tombstones_.end(),
              [](const RemoveFile& a, const RemoveFile& b) { return a.path < b.path; });
    snapshot->app_versions_ = std::move(state.app_versions);
    snapshot->domains_ = std::move(state.domains);
    if (checkpoint) snapshot->checkpoint_version_ = checkpoint->version;
    snapshot->schema_changed_ = state.schema_changed;
    for (const auto& entry : timestamps) {
      if (entry.version == target) snapshot->timestamp_ms_ = entry.timestamp_ms;
    }
    return std::shared_ptr<const Snapshot>(std::move(snapshot));
  }
  // No fallback worked: an unreadable checkpoint is the cause to report, not only the missing commits.
  if (checkpoint_error) {
    return Error(ErrorCode::kCorruption, checkpoint_error->message() + "; " + last_error.message());
  }
  return last_error;
}

Result<Schema> Snapshot::schema() const {
  if (!schema_) {
    return make_error(ErrorCode::kCorruption, fmt::format("the metadata of {} has no schemaString", table_root_));
  }
  return *schema_;
}

std::optional<int64_t> Snapshot::app_version(const std::string& app_id) const {
  auto it = app_versions_.find(app_id);
  if (it == app_versions_.end()) return std::nullopt;
  return it->second;
}

std::string Snapshot::property(const std::string& key, const std::string& fallback) const {
  auto it = metadata_.configuration.find(key);
  return it == metadata_.configuration.end() ? fallback : it->second;
}

std::string Snapshot::absolute_path(const std::string& log_path) const {
  std::string path = canonical_path(log_path);
  if (starts_with(path, "/") || path.find("://") != std::string::npos) return path;
  return storage::join_path(table_root_, path);
}

int64_t Snapshot::num_records() const {
  int64_t total = 0;
  for (const auto& file : files_) {
    auto records = file.num_records();
    if (!records) return -1;
    total += *records;
  }
  return total;
}

int64_t Snapshot::size_bytes() const {
  int64_t total = 0;
  for (const auto& file : files_) total += file.size;
  return total;
}

}  // namespace silt::delta
