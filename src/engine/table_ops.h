// Table operations that combine the Delta protocol with DuckDB: create, write (append, overwrite,
// replaceWhere), merge by key, delete by predicate, restore, checkpoint. Every operation stages its data files
// first and makes them visible with exactly one commit; a failure leaves the table unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_optimize.h"
#include "storage/file_system.h"

namespace silt::delta {
class Transaction;
}  // namespace silt::delta

namespace silt::engine {

struct CreateOptions {
  std::string schema_sql;                    // "id BIGINT NOT NULL, name VARCHAR"
  std::vector<std::string> partition_by;
  std::map<std::string, std::string> properties;
  std::optional<std::string> name;
  std::optional<std::string> description;
};

enum class WriteMode { kAppend, kOverwrite };

// An operation whose data files are written and whose commit is prepared but not made: commit it
// with TableOps::commit_prepared, in this process or (from its stored form) in another one.
struct PreparedCommit {
  std::string root;
  int64_t read_version = -1;  // the version it was prepared against; -1 when it creates the table
  std::string txn_id;         // recorded in the commit's commitInfo
  std::string transaction;    // delta::Transaction::serialize()
};

struct WriteOptions {
  WriteMode mode = WriteMode::kAppend;
  std::optional<std::string> replace_where;  // with kOverwrite: replace only matching partitions
  std::optional<std::string> app_id;         // idempotent writes: txn(appId, version)
  std::optional<int64_t> app_version;
  std::vector<std::string> partition_by;     // when the write creates the table (or overwrite_schema)
  int64_t target_file_bytes = 256LL << 20;   // rotate data files at about this size
  // A full overwrite takes the input's columns as the new schema (and partition_by, when given, as
  // the new partitioning) instead of checking the input against the table.
  bool overwrite_schema = false;
  // Input columns the table lacks are added to the schema (nullable) in the same commit instead of
  // being refused; existing columns keep their types.
  bool add_new_columns = false;
  // Extra top-level commitInfo fields, values as JSON texts (e.g. a run id: "\"20251103-...\"").
  std::map<std::string, std::string> commit_info;
  // Columns every written row must hold a unique, non-NULL combination of (a table later merged
  // by this key is built with it): InvalidArgument naming a duplicate or NULL key otherwise.
  std::vector<std::string> unique_key;
  // The version the caller based its input on (instead of the latest): commits made since then are
  // checked for conflicts with this write, as if it had started there.
  std::shared_ptr<const delta::Snapshot> read_snapshot;
  // Stop before the commit: the report's `prepared` describes it (report.version stays -1).
  bool prepare_only = false;
};

// MERGE by key: source rows whose key matches target rows update them (or delete them), the
// others are inserted. Keys are table columns; each key may appear once in the source and may not
// be NULL there.
struct MergeOptions {
  std::vector<std::string> keys;
  // SQL predicate over the source row's columns (unqualified, or qualified as `source.<column>`):
  // matched target rows of source rows satisfying it are deleted; such source rows are never
  // inserted.
  std::optional<std::string> delete_when;
  bool update_matched = true;      // matched rows are replaced by the source row
  bool insert_not_matched = true;  // source rows without a match are inserted
  std::optional<std::string> app_id;  // idempotent merges: txn(appId, version)
  std::optional<int64_t> app_version;
  int64_t target_file_bytes = 256LL << 20;
  bool add_new_columns = false;                   // as WriteOptions::add_new_columns
  std::map<std::string, std::string> commit_info;  // as WriteOptions::commit_info
  std::shared_ptr<const delta::Snapshot> read_snapshot;  // as WriteOptions::read_snapshot
  bool prepare_only = false;                             // as WriteOptions::prepare_only
};

// TableOps::publish: what the published table records besides the files.
struct PublishOptions {
  // The source table's root relative to the published table's root ("_versions/schema=v1"); its
  // files are named by this prefix in the published table's add actions.
  std::string prefix;
  std::map<std::string, std::string> configuration;  // set in the published table's metadata
  std::map<std::string, std::string> commit_info;    // as WriteOptions::commit_info
};

struct OperationReport {
  std::string operation;
  int64_t version = -1;        // committed version; -1 when nothing was committed
  bool skipped = false;        // idempotent write already applied
  std::string message;         // for skipped operations: why
  int64_t rows_source = 0;     // rows the input produced
  int64_t rows_written = 0;
  int64_t rows_deleted = 0;
  int64_t rows_copied = 0;     // rows rewritten unchanged (delete, merge)
  int64_t rows_inserted = 0;   // merge: source rows without a match
  int64_t rows_updated = 0;    // merge: matched rows whose values changed
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t files_scanned = 0;   // delete, merge: live files read to find the affected rows (the
                               // others were skipped by their statistics)
  int64_t bytes_added = 0;
  int attempts = 1;
  bool checkpoint_written = false;
  int64_t duration_ms = 0;
  std::optional<PreparedCommit> prepared;  // stopped before the commit (WriteOptions::prepare_only)
  std::vector<std::string> columns_added;  // add_new_columns: the columns the schema gained
};

// A source of rows for writes: a SQL query, or files by glob with a format (csv, json, parquet;
// inferred from the extension when empty).
struct Source {
  std::optional<std::string> query;
  std::optional<std::string> input_glob;
  std::string format;
  // CSV: how DATE and TIMESTAMP values are written, as strftime formats ("%d/%m/%Y"); empty: ISO 8601.
  std::string date_format;
  std::string timestamp_format;
};

class TableOps {
 public:
  TableOps(Session& session, storage::FileSystem& fs) : session_(session), fs_(fs) {}

  Result<OperationReport> create(const std::string& root, const CreateOptions& options);
  Result<OperationReport> write(const std::string& root, const Source& source, const WriteOptions& options);
  // Rewrites only the files holding keys the merge changes (partition values and statistics of the
  // key columns skip the others), writes inserted rows to new files, and commits once. Matched
  // rows identical to their source row are left in place, so repeating a merge commits nothing.
  // InvalidArgument for duplicate or NULL source keys (naming them), unknown key columns, and
  // updates or deletes on an append-only table. Without changes, nothing is committed (skipped)
  // unless an app id must be recorded.
  Result<OperationReport> merge(const std::string& root, const Source& source, const MergeOptions& options);
  Result<OperationReport> remove_where(const std::string& root, const std::string& predicate);
  Result<OperationReport> restore(const std::string& root, int64_t version);
  Result<OperationReport> checkpoint(const std::string& root);
  // Rewrites small files (or, with options.zorder, whole partitions in Z-order) into files near
  // the target size: one commit removing and adding with dataChange false, which conflicts only
  // with concurrent commits that removed the same files (table_optimize.cpp). InvalidArgument for a
  // predicate over data columns, an unknown or partition Z-order column, more than four of them.
  Result<OptimizeReport> optimize(const std::string& root, const OptimizeOptions& options);
  // Makes the table at `root` hold exactly the live files of `source`, a table under
  // `root`/options.prefix, with its schema and partitioning: one commit that removes the files it
  // held and adds the source's by relative path. No data file is read, copied or written; a table
  // that does not exist is created. Skipped when it already holds those files and metadata.
  Result<OperationReport> publish(const std::string& root, const delta::Snapshot& source, const PublishOptions& options);
  // Makes a prepared commit. Idempotent: when a commit with its txn id already exists after its
  // read version, reports that version instead of committing again. Conflicts with commits made
  // since the read version are checked as for any commit.
  Result<OperationReport> commit_prepared(const PreparedCommit& prepared);

  Result<std::shared_ptr<const delta::Snapshot>> load(const std::string& root, delta::VersionSpec spec = {});

  // SQL text reading the source (read_csv/read_json/read_parquet or the query). With a schema,
  // CSV columns that the table knows are parsed directly as the table's types.
  Result<std::string> source_sql(const Source& source, const delta::Schema* schema = nullptr);

 private:
  struct StagedFiles;
  Result<OperationReport> merge_impl(const std::string& root, const Source& source, const MergeOptions& options);
  Result<OperationReport> write_impl(const std::string& root, const Source& source, const WriteOptions& options);
  // Writes the rows of `select_sql` as data files of `root` (not yet committed). `data_change`:
  // the add actions' dataChange (false for files that only rearrange existing rows).
  // With `single_partition`, every row belongs to that partition (of `partition_columns`): the
  // files go to its directory and rotate at the target size (DuckDB rotates only unpartitioned
  // output). `target_file_bytes` 0: exactly one file holding the rows in the query's order.
  // `row_group_rows` > 0: Parquet row groups of that many rows (DuckDB rotates files
  // only between row groups, so a small target needs small row groups to be met).
  Result<StagedFiles> stage(const std::string& root, const std::string& select_sql, const delta::Schema& schema,
                            const std::vector<std::string>& partition_columns, int64_t target_file_bytes,
                            bool data_change = true, const delta::PartitionValues* single_partition = nullptr,
                            int64_t row_group_rows = 0);
  // OPTIMIZE's Z-order rewrite of `scan_sql` (table_optimize.cpp): files of about
  // `target_file_bytes` (from the input's bytes per row) holding consecutive runs of the Z-curve.
  Result<StagedFiles> stage_zordered(const std::string& root, const std::string& scan_sql, const delta::Schema& schema,
                                     const std::vector<std::string>& partition_columns,
                                     const std::vector<std::string>& zorder, const delta::PartitionValues* partition,
                                     int64_t target_file_bytes, std::optional<double> row_bytes,
                                     int64_t row_group_rows);
  void discard(const std::string& root, const StagedFiles& staged);
  // Commits `txn` (whose actions include `staged`), deleting the staged files if the commit fails,
  // and completes `report` with the commit's version, attempts and file counts.
  Result<OperationReport> commit_staged(delta::Transaction& txn, const std::string& root, const StagedFiles& staged,
                                        OperationReport report, int64_t files_removed, int64_t started_ns,
                                        bool prepare_only);
  // The columns of a table name or a (SELECT ...) as a Delta schema; nullable unless DuckDB knows a
  // column is NOT NULL (a table's constraint; a query's columns are all nullable).
  Result<delta::Schema> input_schema(const std::string& relation);
  // add_new_columns: `schema` gains the input columns it lacks (reported in `report`); returns the
  // metadata to commit when it changed.
  Result<std::optional<delta::Metadata>> evolve_schema(const delta::Snapshot& snapshot, const std::string& select_sql,
                                                       delta::Schema& schema, OperationReport& report);
  Result<std::vector<size_t>> files_matching_partition_predicate(const delta::Snapshot& snapshot,
                                                                 const std::string& predicate);
  // InvalidArgument naming the option (`option`, worded `term` in the message) unless `predicate`
  // binds over the `allowed` columns.
  Status check_columns_in_predicate(const delta::Schema& schema, const std::string& predicate,
                                    const std::vector<std::string>& allowed, const char* option, const char* term);

  Session& session_;
  storage::FileSystem& fs_;
};

}  // namespace silt::engine
