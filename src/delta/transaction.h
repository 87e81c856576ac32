// Optimistic transactions: stage actions against a read snapshot, then create the next commit
// file with put-if-absent. On a lost race the winning commits are checked for logical conflicts;
// without one the commit is retried at the next version (bounded, with backoff).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "delta/parquet_io.h"
#include "delta/snapshot.h"
#include "storage/file_system.h"

namespace silt::delta {

struct CommitOptions {
  int max_attempts = 200;           // total tries of put-if-absent, including the first
  int64_t max_backoff_ms = 200;     // upper bound of one randomised back-off sleep
  bool write_checkpoints = true;    // every delta.checkpointInterval commits (default 10)
};

struct CommitResult {
  int64_t version = 0;
  int attempts = 1;                 // 1 when no race was lost
  bool checkpoint_written = false;
};

class Transaction {
 public:
  // `read_snapshot` null means the table does not exist yet: the commit creates version 0.
  Transaction(storage::FileSystem& fs, ParquetIo& io, std::string table_root,
              std::shared_ptr<const Snapshot> read_snapshot);

  const std::shared_ptr<const Snapshot>& read_snapshot() const { return read_snapshot_; }
  int64_t read_version() const { return read_snapshot_ ? read_snapshot_->version() : -1; }

  void set_operation(std::string operation) { operation_ = std::move(operation); }
  // Operation parameters and metrics go into commitInfo (values are JSON texts, e.g. "\"x\"" or "5").
  void set_parameter(const std::string& key, std::string json_value) { parameters_[key] = std::move(json_value); }
  void set_metric(const std::string& key, int64_t value) { metrics_[key] = value; }
  // Extra top-level commitInfo fields (JSON text values), e.g. a run id.
  void set_commit_info_field(const std::string& key, std::string json_value) {
    extra_commit_info_[key] = std::move(json_value);
  }

  void set_metadata(Metadata metadata) { metadata_ = std::move(metadata); }
  void set_protocol(Protocol protocol) { protocol_ = std::move(protocol); }
  void add_file(AddFile add) { adds_.push_back(std::move(add)); }
  void remove_file(RemoveFile remove);
  // Records txn(appId, version) in the commit, for idempotent writes.
  void set_app_transaction(std::string app_id, int64_t version);

  // Declares that the transaction read table data: the whole table, or only some files.
  // Without either, the transaction is a blind append.
  void mark_read_whole_table() { read_whole_table_ = true; }
  void mark_file_read(const std::string& path) { read_files_.insert(canonical_path(path)); }

  bool is_blind_append() const;
  // True when the commit would hold nothing but commitInfo (VACUUM START/END): such a commit
  // changes no table state, so no concurrent commit conflicts with it.
  bool is_commit_info_only() const;

  // Commits; Conflict (naming the winning version) on a logical conflict or when attempts run out.
  // A commitInfo-only transaction never conflicts: a lost race only moves it to the next version.
  Result<CommitResult> commit(const CommitOptions& options = {});

  // Every commit carries this id in its commitInfo ("txnId"), so a commit can be recognised later.
  const std::string& txn_id() const { return txn_id_; }
  // The whole transaction (actions, operation, parameters, metrics, what it read, its id) as JSON
  // text, to commit it later, possibly from another process (see deserialize).
  std::string serialize() const;
  // A transaction equal to the serialized one, over `read_snapshot` (which must be the version it
  // was prepared against; null when it creates the table).
  static Result<std::unique_ptr<Transaction>> deserialize(storage::FileSystem& fs, ParquetIo& io,
                                                          std::string table_root,
                                                          std::shared_ptr<const Snapshot> read_snapshot,
                                                          const std::string& text);
  // The version of a commit after `after_version` whose commitInfo carries `txn_id`, if any.
  static Result<std::optional<int64_t>> find_commit(storage::FileSystem& fs, const std::string& table_root,
                                                    int64_t after_version, const std::string& txn_id);

 private:
  std::string build_commit(int64_t version, int64_t timestamp_ms) const;
  Status check_conflicts(int64_t winning_version, const std::vector<Action>& winning) const;
  Status check_append_only() const;

  storage::FileSystem& fs_;
  ParquetIo& io_;
  std::string table_root_;
  std::shared_ptr<const Snapshot> read_snapshot_;
  std::string operation_ = "WRITE";
  std::string txn_id_;
  std::map<std::string, std::string> parameters_;
  std::map<std::string, int64_t> metrics_;
  std::map<std::string, std::string> extra_commit_info_;
  std::optional<Metadata> metadata_;
  std::optional<Protocol> protocol_;
  std::vector<AddFile> adds_;
  std::vector<RemoveFile> removes_;
  std::optional<Txn> app_txn_;
  bool read_whole_table_ = false;
  std::set<std::string> read_files_;
};

// Writes a classic checkpoint of `snapshot` and updates _last_checkpoint.
Status write_checkpoint(storage::FileSystem& fs, ParquetIo& io, const Snapshot& snapshot);

}  // namespace silt::delta
