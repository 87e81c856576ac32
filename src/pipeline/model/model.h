// The models of a project: SQL files with their configuration, resolved to tables, with the
// dependencies found by DuckDB's parser, ordered as a DAG. Plain values only (no YAML or DuckDB types).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pipeline/project/project_config.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {

// How a model's result becomes its table.
enum class Materialization {
  kTable,        // the table is replaced by the result on every run
  kAppend,       // the result is appended; models reading file sources see only files not yet ingested
  kMerge,        // the result is merged by unique_key (update or insert)
  kIncremental,  // a run for date D computes [D - lookback, D] and merges by unique_key, or replaces
                 // those dates' partitions (time_column) when there is no unique_key
  kSnapshot,     // SCD type 2 history by unique_key: valid_from, valid_to, is_current
};
const char* materialization_name(Materialization materialization);

enum class SnapshotStrategy { kTimestamp, kCheck };  // change detected by updated_at, or by check_columns
enum class HardDeletes { kIgnore, kInvalidate };     // keys missing from the result: kept, or closed

struct ModelConfig {
  Materialization materialized = Materialization::kTable;
  std::vector<std::string> unique_key;    // merge, incremental (optional), snapshot (required)
  std::vector<std::string> partition_by;
  std::string time_column;                // incremental: required
  int lookback_days = 0;                  // incremental: D - lookback .. D
  SnapshotStrategy strategy = SnapshotStrategy::kTimestamp;
  std::string updated_at;                 // snapshot, strategy timestamp
  std::vector<std::string> check_columns; // snapshot, strategy check
  HardDeletes hard_deletes = HardDeletes::kInvalidate;
  bool allow_schema_evolution = false;    // additive new columns become a metadata commit
  // append reading tables: when an input rewrote or removed rows since the last run, rebuild the
  // model from its inputs (on_input_rewrite: full_refresh) instead of failing.
  bool rebuild_on_input_rewrite = false;
  std::string schema;                     // layer; "" -> the model file's directory name
  std::string alias;                      // table name; "" -> derived from the model name
  std::string description;
  std::string owner;
  std::vector<std::string> tags;
  bool enabled = true;
  QualityConfig quality;                  // contract, checks, on_failure (model config or contracts/*.yml)
  // Versioned models: each version's SQL file as written (relative to the configuration file's
  // directory), in the order written. A run computes the version `version_flag` names; with
  // `published`, consumers read a table that points at that version's files.
  std::vector<std::pair<std::string, std::string>> versions;
  std::string version_flag;
  std::string default_version;            // when the flag cannot be evaluated; "" -> the first version
  bool published = true;
  bool fallback_on_gate = false;          // a version failing its gate falls back to the default version
  std::vector<std::string> diff_key;      // the key shadow diffs match rows by; empty -> unique_key
};


// A table name as written in a model's SQL, with its position in the model file (1-based).
struct TableReference {
  std::string schema;  // "" when unqualified
  std::string name;
  int line = 0;
  int column = 0;
};

// One version of a versioned model: its SQL and what that SQL reads.
struct ModelVersion {
  std::string name;   // "v1"
  std::string file;   // relative to the project directory
  std::string path;   // absolute
  std::string sql;
  std::vector<TableReference> references;
  std::vector<std::string> depends_on;
  std::vector<std::string> sources;
  std::vector<std::string> catalog_tables;
};

struct Model {
  std::string name;   // file stem; unique in the project
  std::string file;   // relative to the project directory, e.g. "models/silver/silver_orders.sql"
  std::string path;   // absolute
  std::string sql;    // the whole file text (config comment included, so DuckDB's LINE n = file line n)
  ModelConfig config;
  std::string schema;  // resolved layer, e.g. "silver"
  std::string table;   // resolved table name, e.g. "orders"
  std::vector<TableReference> references;  // every table read, CTE names excluded
  std::vector<std::string> depends_on;     // model names, sorted, unique
  std::vector<std::string> sources;        // source names read (schema "source"), sorted, unique
  std::vector<std::string> catalog_tables; // catalog tables read (schema "catalog"), lower case, sorted, unique

  std::vector<ModelVersion> versions;      // versioned models (their depends_on and sources are the union)
  std::string version;  // set by as_version: this is that version of the model, with its own table

  std::string qualified_name() const { return schema + "." + table; }
  bool versioned() const { return !versions.empty(); }
  const ModelVersion* find_version(std::string_view name) const;
  // The version the model runs when its flag cannot say: default_version, else the first.
  const std::string& fallback_version() const;
  // The model as one of its versions: that version's SQL, file and references.
  Model as_version(const ModelVersion& version) const;
};

// The directory of a version's table under the published table's root: "_versions/schema=v1".
std::string version_directory(const std::string& version);

// A whole project: silt.yaml plus its models, validated, in dependency order.
struct Project {
  ProjectConfig config;
  std::vector<Model> models;  // topologically sorted (dependencies first; ties by name)

  // By model name ("silver_orders") or qualified table name ("silver.orders"); nullptr when unknown.
  const Model* find(std::string_view name) const;
  // Names of the models that depend on `name` directly.
  std::vector<std::string> dependents(const std::string& name) const;
  // Storage location of a model's table: <storage_root>/<schema>/<table>; for a model as one of its
  // versions (Model::as_version), that version's table (version_location).
  std::string table_location(const Model& model) const;
  // Where a model's quarantined rows go: <table location>__quarantine.
  std::string quarantine_location(const Model& model) const { return table_location(model) + "__quarantine"; }
  // Where a versioned model's version lives: <table location>/_versions/schema=<version>, under the
  // published table's root in a directory Delta's VACUUM leaves alone (its name starts with '_').
  std::string version_location(const Model& model, const std::string& version) const;
  // Where readers of a model's table read: the table, except for an unpublished versioned model,
  // whose `version` (default: its fallback version) is read.
  std::string read_location(const Model& model, const std::string& version = "") const;
};

// Loads silt.yaml and every model under the model paths, parses each model's SQL with DuckDB to find
// its references, resolves them and orders the DAG. Reports every problem (config keys, values,
// SQL syntax, unknown tables with "did you mean", duplicate names, cycles naming their members,
// configuration inconsistent with the materialization) as diagnostics sorted by file:line:col, and
// fails with ErrorCode::kConfig when there is any.
Result<Project> load_full_project(const std::string& project_dir, const std::string& environment,
                                  std::vector<Diagnostic>* diagnostics);
// The same, and when `partial` is not null it receives what could be loaded even when there are
// problems (for reports such as `silt validate --json`): the config and models when silt.yaml is
// valid, models possibly incomplete and not in dependency order; left untouched when silt.yaml is not.
Result<Project> load_full_project(const std::string& project_dir, const std::string& environment,
                                  std::vector<Diagnostic>* diagnostics, Project* partial);

// Model selection for run/plan/dag: each selector is a model name or qualified table name,
// optionally with '+' suffix (and all descendants) and/or '+' prefix (and all ancestors);
// "schema:<layer>" selects a layer, "tag:<tag>" a tag. Empty selectors select every enabled model.
// Unknown names are InvalidArgument with a "did you mean". Returns model names.
Result<std::set<std::string>> select_models(const Project& project, const std::vector<std::string>& selectors);

}  // namespace silt::pipeline
