// Commit protocol: put-if-absent of <version>.json, conflict detection against winning commits,
// bounded retry with randomised back-off, and checkpoints on the configured interval.
#include "delta/transaction.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/ids.h"
#include "base/strings.h"
#include "delta/table_properties.h"
#include "delta/write_rules.h"
#include "obs/logger.h"
#include "obs/metrics.h"

namespace silt::delta {

namespace {

void sleep_backoff(int attempt, int64_t max_backoff_ms) {
  thread_local std::mt19937 engine(std::random_device{}());
  int64_t ceiling = std::min<int64_t>(max_backoff_ms, int64_t{1} << std::min(attempt, 10));
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(1, ceiling));
  std::this_thread::sleep_for(std::chrono::milliseconds(pick(engine)));
}

}  // namespace

Transaction::Transaction(storage::FileSystem& fs, ParquetIo& io, std::string table_root,
                         std::shared_ptr<const Snapshot> read_snapshot)
    : fs_(fs), io_(io), table_root_(std::move(table_root)), read_snapshot_(std::move(read_snapshot)),
      txn_id_(new_uuid()) {}

void Transaction::remove_file(RemoveFile remove) {
  read_files_.insert(canonical_path(remove.path));
  removes_.push_back(std::move(remove));
}

void Transaction::set_app_transaction(std::string app_id, int64_t version) {
  app_txn_ = Txn{std::move(app_id), version, now_ms()};
}

bool Transaction::is_blind_append() const {
  return removes_.empty() && !read_whole_table_ && read_files_.empty() && !metadata_ && !protocol_;
}

bool Transaction::is_commit_info_only() const {
  return adds_.empty() && removes_.empty() && !metadata_ && !protocol_ && !app_txn_;
}

std::string Transaction::build_commit(int64_t version, int64_t timestamp_ms) const {
  nlohmann::ordered_json info;
  info["timestamp"] = timestamp_ms;
  info["operation"] = operation_;
  nlohmann::ordered_json parameters = nlohmann::ordered_json::object();
  for (const auto& [key, value] : parameters_) {
    auto parsed = nlohmann::ordered_json::parse(value, nullptr, false);
    parameters[key] = parsed.is_discarded() ? nlohmann::ordered_json(value) : parsed;
  }
  info["operationParameters"] = std::move(parameters);
  if (read_snapshot_) info["readVersion"] = read_snapshot_->version();
  info["isolationLevel"] = "WriteSerializable";
  info["isBlindAppend"] = is_blind_append();
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  for (const auto& [key, value] : metrics_) metrics[key] = std::to_string(value);
  info["operationMetrics"] = std::move(metrics);
  for (const auto& [key, value] : extra_commit_info_) {
    auto parsed = nlohmann::ordered_json::parse(value, nullptr, false);
    info[key] = parsed.is_discarded() ? nlohmann::ordered_json(value) : parsed;
  }
  info["engineInfo"] = "silt/0.1.0";
  info["txnId"] = txn_id_;
  (void)version;

  std::string out = action_to_json(CommitInfo{info.dump()});
  out.push_back('\n');
  auto append = [&](const Action& action) {
    out += action_to_json(action);
    out.push_back('\n');
  };
  if (protocol_) append(*protocol_);
  if (metadata_) append(*metadata_);
  if (app_txn_) append(*app_txn_);
  for (const auto& remove : removes_) append(remove);
  for (const auto& add : adds_) append(add);
  return out;
}

std::string Transaction::serialize() const {
  nlohmann::ordered_json out;
  out["txn_id"] = txn_id_;
  out["table_root"] = table_root_;
  out["read_version"] = read_version();
  out["operation"] = operation_;
  out["parameters"] = parameters_;
  out["metrics"] = metrics_;
  out["commit_info"] = extra_commit_info_;
  out["read_whole_table"] = read_whole_table_;
  out["read_files"] = read_files_;
  std::string actions;
  auto append = [&](const Action& action) {
    actions += action_to_json(action);
    actions.push_back('\n');
  };
  if (protocol_) append(*protocol_);
  if (metadata_) append(*metadata_);
  if (app_txn_) append(*app_txn_);
  for (const auto& remove : removes_) append(remove);
  for (const auto& add : adds_) append(add);
  out["actions"] = actions;
  return out.dump();
}

Result<std::unique_ptr<Transaction>> Transaction::deserialize(storage::FileSystem& fs, ParquetIo& io,
                                                              std::string table_root,
                                                              std::shared_ptr<const Snapshot> read_snapshot,
                                                              const std::string& text) {
  auto in = nlohmann::json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object() || !in.contains("actions") || !in.contains("txn_id")) {
    return make_error(ErrorCode::kCorruption, fmt::format("not a serialized transaction for {}", table_root));
  }
  auto txn = std::make_unique<Transaction>(fs, io, std::move(table_root), std::move(read_snapshot));
  try {
    if (in.value("read_version", int64_t{-1}) != txn->read_version()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the transaction was prepared against version {} of {}, not {}",
                                    in.value("read_version", int64_t{-1}), txn->table_root_, txn->read_version()));
    }
    txn->txn_id_ = in.at("txn_id").get<std::string>();
    txn->operation_ = in.at("operation").get<std::string>();
    txn->parameters_ = in.at("parameters").get<std::map<std::string, std::string>>();
    txn->metrics_ = in.at("metrics").get<std::map<std::string, int64_t>>();
    txn->extra_commit_info_ = in.at("commit_info").get<std::map<std::string, std::string>>();
    txn->read_whole_table_ = in.at("read_whole_table").get<bool>();
    txn->read_files_ = in.at("read_files").get<std::set<std::string>>();
    SILT_TRY_ASSIGN(auto actions, parse_actions(in.at("actions").get<std::string>()));
    for (auto& action : actions) {
      if (auto* protocol = std::get_if<Protocol>(&action)) txn->protocol_ = std::move(*protocol);
      else if (auto* metadata = std::get_if<Metadata>(&action)) txn->metadata_ = std::move(*metadata);
      else if (auto* app = std::get_if<Txn>(&action)) txn->app_txn_ = std::move(*app);
      else if (auto* remove = std::get_if<RemoveFile>(&action)) txn->removes_.push_back(std::move(*remove));
      else if (auto* add = std::get_if<AddFile>(&action)) txn->adds_.push_back(std::move(*add));
    }
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kCorruption,
                      fmt::format("damaged serialized transaction for {}: {}", txn->table_root_, e.what()));
  }
  return txn;
}

Result<std::optional<int64_t>> Transaction::find_commit(storage::FileSystem& fs, const std::string& table_root,
                                                        int64_t after_version, const std::string& txn_id) {
  SILT_TRY_ASSIGN(auto listing, list_log(fs, table_root, after_version + 1));
  int64_t latest = listing.latest_version();
  for (int64_t version = after_version + 1; version <= latest; ++version) {
    SILT_TRY_ASSIGN(auto actions, read_commit(fs, table_root, version));
    for (const auto& action : actions) {
      const auto* info = std::get_if<CommitInfo>(&action);
      if (!info) continue;
      auto parsed = nlohmann::json::parse(info->json, nullptr, false);
      if (!parsed.is_discarded() && parsed.value("txnId", std::string()) == txn_id) return std::optional<int64_t>(version);
    }
  }
  return std::optional<int64_t>();
}

Status Transaction::check_append_only() const {
  const Metadata* metadata = metadata_ ? &*metadata_ : (read_snapshot_ ? &read_snapshot_->metadata() : nullptr);
  if (!metadata) return Status();
  bool removes_data = std::any_of(removes_.begin(), removes_.end(), [](const RemoveFile& r) { return r.data_change; });
  return delta::check_append_only(*metadata, table_root_, removes_data, operation_ + " would remove data");
}

Status Transaction::check_conflicts(int64_t winning_version, const std::vector<Action>& winning) const {
  // Nothing of ours can be invalidated: the commit records provenance only.
  if (is_commit_info_only()) return Status();
  auto conflict = [&](const std::string& what) {
    return make_error(ErrorCode::kConflict,
                      fmt::format("concurrent commit {} to {} conflicts with this {}: {}", winning_version,
                                  table_root_, operation_, what));
  };
  bool winner_removes = false;
  for (const auto& action : winning) {
    if (std::holds_alternative<Protocol>(action)) return conflict("the winning commit changed the protocol");
    if (std::holds_alternative<Metadata>(action)) return conflict("the winning commit changed the table metadata");
    if (const auto* txn = std::get_if<Txn>(&action)) {
      if (app_txn_ && txn->app_id == app_txn_->app_id) {
        return conflict(fmt::format("the winning commit recorded app id '{}' version {}", txn->app_id, txn->version));
      }
    }
    if (const auto* remove = std::get_if<RemoveFile>(&action)) {
      if (remove->data_change) winner_removes = true;
      std::string path = canonical_path(remove->path);
      if (read_files_.count(path)) return conflict(fmt::format("it removed file {} that this operation read", path));
    }
  }
  if (metadata_ || protocol_) {
    // Our metadata change was validated against the read snapshot only.
    for (const auto& action : winning) {
      if (std::holds_alternative<AddFile>(action)) return conflict("it added files while this commit changes metadata");
    }
  }
  // Under WriteSerializable, the winner's blind appends do not invalidate what we read; a winner
  // that also removed files changed data we may have read.
  if (read_whole_table_ && winner_removes) return conflict("it rewrote data this operation read");
  return Status();
}

Result<CommitResult> Transaction::commit(const CommitOptions& options) {
  SILT_TRY(check_append_only());
  int64_t version = read_version() + 1;
  CommitResult result;
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    result.attempts = attempt;
    std::string body = build_commit(version, now_ms());
    std::string path = commit_file_path(table_root_, version);
    Status status = fs_.put_if_absent(path, body);
    if (status.ok()) {
      result.version = version;
      if (attempt > 1) obs::counter_add("delta.commit.retries", attempt - 1);
      obs::counter_add("delta.commits");
      break;
    }
    if (status.code() != ErrorCode::kAlreadyExists) {
      // The outcome is unknown if the store failed after writing; check whether our commit landed.
      auto existing = fs_.read(path);
      if (existing && *existing == body) {
        result.version = version;
        break;
      }
      return status.error().with_context(fmt::format("committing version {} of {}", version, table_root_));
    }
    if (!read_snapshot_) {
      return make_error(ErrorCode::kAlreadyExists, fmt::format("table {} already exists", table_root_));
    }
    // Lost the race: check every commit that won since our read version.
    SILT_TRY_ASSIGN(auto listing, list_log(fs_, table_root_, version));  // the winners only
    int64_t latest = std::max(listing.latest_version(), version);
    for (int64_t winner = version; winner <= latest; ++winner) {
      SILT_TRY_ASSIGN(auto actions, read_commit(fs_, table_root_, winner));
      SILT_TRY(check_conflicts(winner, actions));
    }
    version = latest + 1;
    if (attempt == options.max_attempts) {
      return make_error(ErrorCode::kConflict,
                        fmt::format("gave up committing to {} after {} attempts; latest winning version is {}",
                                    table_root_, attempt, latest));
    }
    sleep_backoff(attempt, options.max_backoff_ms);
  }

  if (options.write_checkpoints && result.version > 0) {
    const Metadata& metadata = metadata_ ? *metadata_ : read_snapshot_->metadata();
    // A bad value (written by another engine) falls back to the default: the commit is made.
    int64_t interval = checkpoint_interval(metadata.configuration).value_or(10);
    if (interval > 0 && result.version % interval == 0) {
      auto snapshot = Snapshot::load(fs_, io_, table_root_, VersionSpec{result.version, std::nullopt});
      Status status = snapshot ? write_checkpoint(fs_, io_, **snapshot) : snapshot.status();
      if (status.ok()) {
        result.checkpoint_written = true;
      } else {
        // The commit is durable; a missing checkpoint only costs read time.
        SILT_LOG_WARN("checkpoint {} of {} not written: {}", result.version, table_root_, status.message());
      }
    }
  }
  return result;
}

Status write_checkpoint(storage::FileSystem& fs, ParquetIo& io, const Snapshot& snapshot) {
  std::string ndjson;
  int64_t actions = 0;
  auto append = [&](const Action& action) {
    ndjson += action_to_json(action);
    ndjson.push_back('\n');
    ++actions;
  };
  append(snapshot.protocol());
  append(snapshot.metadata());
  for (const auto& [app_id, version] : snapshot.app_versions()) append(Txn{app_id, version, std::nullopt});
  for (const auto& [domain, value] : snapshot.domains()) append(value);
  SILT_TRY_ASSIGN(int64_t retention_ms, deleted_file_retention_ms(snapshot.metadata().configuration));
  int64_t horizon = now_ms() - retention_ms;
  for (const auto& remove : snapshot.tombstones()) {
    if (remove.deletion_timestamp && *remove.deletion_timestamp < horizon) continue;
    RemoveFile copy = remove;
    copy.stats.reset();
    copy.tags.reset();
    append(copy);
  }
  for (const auto& add : snapshot.files()) {
    AddFile copy = add;
    copy.data_change = false;
    append(copy);
  }
  SILT_TRY_ASSIGN(auto bytes, io.encode_checkpoint(ndjson));
  std::string path = checkpoint_file_path(snapshot.table_root(), snapshot.version());
  SILT_TRY(fs.write(path, bytes));
  nlohmann::ordered_json last;
  last["version"] = snapshot.version();
  last["size"] = actions;
  last["sizeInBytes"] = static_cast<int64_t>(bytes.size());
  last["numOfAddFiles"] = static_cast<int64_t>(snapshot.files().size());
  return fs.write(last_checkpoint_path(snapshot.table_root()), last.dump());
}

}  // namespace silt::delta
