// The SQL of an execution: landing files read and de-duplicated in one pass, reconciled with the
// output, and written as Delta (one commit); plain partitions are in consolidation_plain.cpp.
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "engine/table_ops.h"
#include "pipeline/consolidate/consolidation_internal.h"

namespace silt::pipeline::consolidate {

using nlohmann::ordered_json;

std::string partition_path(const ConsolidationConfig& job, int year, int month, int day) {
  std::string path = fmt::format("year={:04}", year);
  if (job.partition_by.levels.size() > 1) path += fmt::format("/month={:02}", month);
  if (job.partition_by.levels.size() > 2) path += fmt::format("/day={:02}", day);
  return path;
}

// --- reading -------------------------------------------------------------------------------

std::string Writer::keys_sql(const std::string& alias) const {
  std::vector<std::string> parts;
  for (const auto& key : job_.key) parts.push_back((alias.empty() ? "" : alias + ".") + sql_identifier(key));
  return join(parts, ", ");
}

std::string Writer::keys_join(const std::string& left, const std::string& right) const {
  std::vector<std::string> parts;
  for (const auto& key : job_.key) {
    parts.push_back(fmt::format("{0}.{2} = {1}.{2}", left, right, sql_identifier(key)));
  }
  return join(parts, " AND ");
}

Result<std::vector<std::string>> Writer::readable_paths(const std::vector<LandingFile>& files) {
  std::vector<std::string> paths;
  for (const auto& file : files) paths.push_back(file.path);
  return session_.files().readable(fs_, paths, true);
}

Result<std::string> Writer::landing_read_sql(const std::vector<std::string>& readable) const {
  const std::string list = sql_string_list(readable);
  switch (job_.input.format) {
    case LandingFormat::kParquet:
      return fmt::format("read_parquet({}, filename='_silt_landing_file', union_by_name=true)", list);
    case LandingFormat::kCsv:
      return fmt::format("read_csv({}, filename='_silt_landing_file', union_by_name=true, header=true)", list);
    case LandingFormat::kJson:
      return fmt::format("read_json({}, filename='_silt_landing_file', union_by_name=true, format='auto')", list);
  }
  return make_error(ErrorCode::kInternal, "unknown landing format");
}

Status Writer::quarantine_and_retry(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined,
                                    const Error& failure) {
  // Each file is read alone to find the ones that cannot be read, which are quarantined (or fail
  // the execution); the rest are read again together.
  auto& db = session_.connection();
  std::vector<LandingFile> good;
  size_t bad = 0;
  for (auto& file : files) {
    SILT_TRY_ASSIGN(auto path, readable_paths({file}));
    SILT_TRY_ASSIGN(auto one, landing_read_sql(path));
    Status read = db.execute("SELECT count(*) FROM (SELECT * FROM " + one + ")");
    if (read.ok()) {
      good.push_back(file);
      continue;
    }
    const std::string reason = session_.files().with_store_paths(read.error().message());
    if (job_.fail_on_bad_file) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("landing file {} cannot be read: {} (consolidation '{}' has on_bad_file: fail; "
                                    "nothing was published)", file.path, reason, job_.name));
    }
    quarantined.push_back({file.path, reason});
    ++bad;
  }
  if (bad == 0) {
    return make_error(failure.code() == ErrorCode::kInternal ? ErrorCode::kInternal : ErrorCode::kInvalidArgument,
                      fmt::format("the landing files of consolidation '{}' cannot be read together (do their schemas "
                                  "conflict?): {}", job_.name, session_.files().with_store_paths(failure.message())));
  }
  files = std::move(good);
  if (files.empty()) return Status::ok_status();
  return read_landing(files, quarantined);
}

Status Writer::read_landing(std::vector<LandingFile>& files, std::vector<QuarantinedFile>& quarantined) {
  auto& db = session_.connection();
  // The whole read is tried first (one pass: the fast path); a failure looks for bad files.
  SILT_TRY_ASSIGN(auto readable, readable_paths(files));
  SILT_TRY_ASSIGN(auto read_sql, landing_read_sql(readable));
  auto described = db.query_text("DESCRIBE SELECT * FROM " + read_sql);
  if (!described) return quarantine_and_retry(files, quarantined, described.error());

  columns_.clear();
  std::map<std::string, std::string> types;
  for (const auto& row : described->rows) {
    if (!row[0] || *row[0] == "_silt_landing_file") continue;
    columns_.emplace_back(*row[0], row[1].value_or("VARCHAR"));
    types[to_lower(*row[0])] = row[1].value_or("VARCHAR");
  }
  std::vector<std::string> names;
  for (const auto& [name, type] : columns_) names.push_back(name);
  auto require = [&](const std::string& column, const char* role) -> Status {
    if (types.count(to_lower(column))) return Status::ok_status();
    auto best = closest_name(column, names);
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the landing files of consolidation '{}' have no column '{}' ({}){}; their columns: {}",
                                  job_.name, column, role, best ? fmt::format(" (did you mean '{}'?)", *best) : "",
                                  join(names, ", ")));
  };
  for (const auto& key : job_.key) SILT_TRY(require(key, "its key"));
  SILT_TRY(require(job_.latest_by, "latest_by"));
  if (!job_.partition_by.column.empty()) SILT_TRY(require(job_.partition_by.column, "partition_by.column"));
  for (const auto& level : job_.partition_by.levels) {
    if (types.count(level)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("the landing files of consolidation '{}' have a column '{}', which is also the name of "
                                    "an output partition level (partition_by.layout): rename the column",
                                    job_.name, level));
    }
  }

  // Each landing file with its order (later wins ties) and folder date.
  std::string values;
  for (size_t i = 0; i < files.size(); ++i) {
    values += fmt::format("{}({}, {}, {}, {})", i ? ", " : "", sql_string(readable[i]), i,
                          files[i].date.empty() ? "NULL" : "DATE " + sql_string(files[i].date), sql_string(files[i].path));
  }
  SILT_TRY(db.execute("CREATE OR REPLACE TEMP TABLE _silt_landing AS SELECT * FROM (VALUES " + values +
                      ") AS t(file, rank, landing_date, path)"));

  std::string local;
  const std::string zone = sql_string(job_.partition_by.timezone);
  if (job_.partition_by.column.empty()) {
    for (const auto& file : files) {
      if (file.date.empty()) {
        return make_error(ErrorCode::kInvalidArgument,
                          fmt::format("landing file {} lies in no dated folder, and consolidation '{}' takes partitions from "
                                      "the folders' dates: give partition_by.column", file.path, job_.name));
      }
    }
    local = "CAST(l.landing_date AS TIMESTAMP)";
  } else {
    const std::string column = "r." + sql_identifier(job_.partition_by.column);
    const std::string type = types[to_lower(job_.partition_by.column)];
    std::string expression;
    if (type == "TIMESTAMP WITH TIME ZONE") expression = fmt::format("timezone({}, {})", zone, column);
    else if (starts_with(type, "TIMESTAMP")) expression = fmt::format("timezone({}, CAST({} AS TIMESTAMPTZ))", zone, column);
    else if (type == "DATE") expression = fmt::format("CAST({} AS TIMESTAMP)", column);
    else if (type == "VARCHAR") expression = fmt::format("timezone({}, TRY_CAST({} AS TIMESTAMPTZ))", zone, column);
    else {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("partition_by.column '{}' of consolidation '{}' is {}; it must be a timestamp or a date",
                                    job_.partition_by.column, job_.name, type));
    }
    local = fmt::format("coalesce({}, CAST(l.landing_date AS TIMESTAMP))", expression);
  }
  std::string levels;
  for (const auto& level : job_.partition_by.levels) levels += fmt::format(", CAST({}(_silt_local) AS INTEGER) AS {}", level, level);
  const std::string keys = keys_sql("");
  const std::string latest = sql_identifier(job_.latest_by);
  // One pass: read, order within each key (latest_by, then the later landing file), keep the first.
  const std::string winners = fmt::format(
      "CREATE OR REPLACE TEMP TABLE _silt_winners AS "
      "SELECT * EXCLUDE (_silt_local){levels}, count(*) OVER (PARTITION BY {keys}) AS _silt_copies FROM ("
      "SELECT r.* EXCLUDE (_silt_landing_file), {local} AS _silt_local, l.rank AS _silt_rank "
      "FROM {read} AS r JOIN _silt_landing AS l ON r._silt_landing_file = l.file) "
      "QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {latest} DESC NULLS LAST, _silt_rank DESC) = 1",
      fmt::arg("levels", levels), fmt::arg("keys", keys), fmt::arg("local", local), fmt::arg("read", read_sql),
      fmt::arg("latest", latest));
  Status built = db.execute(winners);
  if (!built.ok()) return quarantine_and_retry(files, quarantined, built.error());
  std::vector<std::string> null_checks;
  for (const auto& key : job_.key) null_checks.push_back(sql_identifier(key) + " IS NULL");
  SILT_TRY_ASSIGN(auto nulls, db.query_text("SELECT w._silt_copies, l.file FROM _silt_winners w JOIN _silt_landing l ON "
                                            "w._silt_rank = l.rank WHERE " + join(null_checks, " OR ") + " LIMIT 1"));
  if (!nulls.rows.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{} landing record(s) of consolidation '{}' have no key ({} is NULL), one in {}; nothing "
                                  "was published",
                                  nulls.rows[0][0].value_or("?"), job_.name, join(job_.key, ", "),
                                  session_.files().store_path(nulls.rows[0][1].value_or("?"))));
  }
  return Status::ok_status();
}

// --- reconciling with the output -------------------------------------------------------------------

Result<std::vector<std::string>> Writer::plain_output_files() {
  SILT_TRY_ASSIGN(auto all, fs_.list_recursive(job_.output.path));
  std::vector<std::string> files;
  for (const auto& file : all) {
    if (storage::base_name(file.path) != "_manifest.json") continue;
    const std::string dir = file.path.substr(0, file.path.size() - std::string("/_manifest.json").size());
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    try {
      const auto parsed = nlohmann::json::parse(text);
      for (const auto& item : parsed.at("files")) files.push_back(dir + "/" + item.at("name").get<std::string>());
    } catch (const std::exception& error) {
      return make_error(ErrorCode::kCorruption, fmt::format("{}: not a partition manifest ({})", file.path, error.what()));
    }
  }
  return files;
}

Result<std::string> Writer::output_read_sql(const std::vector<std::string>& files, bool keys_only) {
  SILT_TRY_ASSIGN(auto readable, session_.files().readable(fs_, files, true));
  const std::string list = sql_string_list(readable);
  std::string columns;
  for (const auto& [name, type] : columns_) {
    columns += fmt::format("{}{}: {}", columns.empty() ? "" : ", ", sql_string(name), sql_string(type));
  }
  std::string select = keys_only ? keys_sql("") + ", " + sql_identifier(job_.latest_by) + ", _silt_file" : "*";
  switch (job_.output.format) {
    case OutputFormat::kParquet:
      return fmt::format("(SELECT {} FROM read_parquet({}, filename='_silt_file', union_by_name=true))", select, list);
    case OutputFormat::kCsv:
      return fmt::format("(SELECT {} FROM read_csv({}, filename='_silt_file', header={}, delim={}, quote={}, columns={{{}}}))",
                         select, list, job_.output.csv_header ? "true" : "false", sql_string(job_.output.csv_delimiter),
                         sql_string(job_.output.csv_quote), columns);
    case OutputFormat::kJson:
      return fmt::format("(SELECT {} FROM read_json({}, filename='_silt_file', format='newline_delimited', columns={{{}}}))",
                         select, list, columns);
    case OutputFormat::kDelta: break;
  }
  return make_error(ErrorCode::kInternal, "not a plain output");
}

Status Writer::reconcile(ConsolidationExecution& record) {
  auto& db = session_.connection();
  const std::string keys = keys_sql("");
  std::string existing_sql;
  output_exists_ = false;
  if (job_.output.format == OutputFormat::kDelta) {
    engine::TableOps ops(session_, fs_);
    auto snapshot = ops.load(job_.output.path);
    if (snapshot) {
      output_exists_ = true;
      snapshot_ = *snapshot;
      engine::ScanOptions scan;
      scan.with_file_column = true;
      SILT_TRY_ASSIGN(auto sql, session_.scan_sql(**snapshot, scan));
      existing_sql = fmt::format("(SELECT {}, {}, _silt_file FROM ({}))", keys, sql_identifier(job_.latest_by), sql);
    } else if (snapshot.error().code() != ErrorCode::kNotFound) {
      return std::move(snapshot).error();
    }
  } else {
    SILT_TRY_ASSIGN(auto files, plain_output_files());
    if (!files.empty()) {
      output_exists_ = true;
      SILT_TRY_ASSIGN(existing_sql, output_read_sql(files, true));
    }
  }
  const std::string latest = sql_identifier(job_.latest_by);
  if (output_exists_) {
    SILT_TRY(db.execute(fmt::format("CREATE OR REPLACE TEMP TABLE _silt_existing AS SELECT {k}, {l} AS _silt_latest, "
                                    "_silt_file FROM {e} AS e SEMI JOIN _silt_winners AS w ON {on}",
                                    fmt::arg("k", keys_sql("e")), fmt::arg("l", "e." + latest), fmt::arg("e", existing_sql),
                                    fmt::arg("on", keys_join("e", "w")))));
  } else {
    std::string empty;
    for (const auto& key : job_.key) {
      for (const auto& [name, type] : columns_) {
        if (to_lower(name) == to_lower(key)) empty += fmt::format("CAST(NULL AS {}) AS {}, ", type, sql_identifier(name));
      }
    }
    std::string latest_type = "VARCHAR";
    for (const auto& [name, type] : columns_) {
      if (to_lower(name) == to_lower(job_.latest_by)) latest_type = type;
    }
    SILT_TRY(db.execute(fmt::format("CREATE OR REPLACE TEMP TABLE _silt_existing AS SELECT {}CAST(NULL AS {}) AS "
                                    "_silt_latest, CAST(NULL AS VARCHAR) AS _silt_file LIMIT 0",
                                    empty, latest_type)));
  }
  // A landing record older than the consolidated one of its key is stale: left out (ties: the
  // landing record, which arrived later, wins).
  SILT_TRY(db.execute(fmt::format(
      "CREATE OR REPLACE TEMP TABLE _silt_stale AS SELECT w.* FROM _silt_winners AS w JOIN _silt_existing AS e ON {on} "
      "WHERE e._silt_latest > w.{l} OR (w.{l} IS NULL AND e._silt_latest IS NOT NULL)",
      fmt::arg("on", keys_join("w", "e")), fmt::arg("l", latest))));
  SILT_TRY(db.execute(fmt::format("CREATE OR REPLACE TEMP VIEW _silt_accepted AS SELECT * FROM _silt_winners AS w ANTI "
                                  "JOIN _silt_stale AS s ON {}",
                                  keys_join("w", "s"))));

  // Per partition: landing records read, duplicates among them, stale ones.
  const auto& levels = job_.partition_by.levels;
  auto level_or_one = [&](size_t i) { return i < levels.size() ? levels[i] : std::string("1"); };
  const std::string ymd = fmt::format("{} AS y, {} AS m, {} AS d", level_or_one(0), level_or_one(1), level_or_one(2));
  SILT_TRY_ASSIGN(auto counts, db.query_text(fmt::format(
      "SELECT y, m, d, sum(_silt_copies), sum(_silt_copies - 1), count(*) FROM (SELECT {}, _silt_copies FROM _silt_winners) "
      "GROUP BY ALL ORDER BY ALL", ymd)));
  SILT_TRY_ASSIGN(auto stale, db.query_text(fmt::format(
      "SELECT y, m, d, count(*) FROM (SELECT {} FROM _silt_stale) GROUP BY ALL", ymd)));
  std::map<std::tuple<int, int, int>, int64_t> stale_by_partition;
  for (const auto& row : stale.rows) {
    stale_by_partition[{static_cast<int>(int_cell(row[0])), static_cast<int>(int_cell(row[1])), static_cast<int>(int_cell(row[2]))}] =
        int_cell(row[3]);
  }
  record.partitions.clear();
  record.records_processed = record.duplicates_removed = record.records_written = record.records_stale = 0;
  for (const auto& row : counts.rows) {
    const int y = static_cast<int>(int_cell(row[0])), m = static_cast<int>(int_cell(row[1])), d = static_cast<int>(int_cell(row[2]));
    PartitionResult partition;
    partition.date = fmt::format("{:04}-{:02}-{:02}", y, m, d);
    partition.path = job_.output.path + "/" + partition_path(job_, y, m, d);
    partition.records_processed = int_cell(row[3]);
    partition.duplicates_removed = int_cell(row[4]);
    partition.records_stale = stale_by_partition[{y, m, d}];
    partition.records_written = int_cell(row[5]) - partition.records_stale;
    record.records_processed += partition.records_processed;
    record.duplicates_removed += partition.duplicates_removed;
    record.records_written += partition.records_written;
    record.records_stale += partition.records_stale;
    record.partitions.push_back(std::move(partition));
  }
  return Status::ok_status();
}

// --- writing ---------------------------------------------------------------------------------

std::string Writer::data_columns_sql() const {
  std::string columns;
  for (const auto& [name, type] : columns_) columns += (columns.empty() ? "" : ", ") + sql_identifier(name);
  return columns;
}

Status Writer::write_delta(int64_t ledger_number, ConsolidationExecution& record) {
  engine::TableOps ops(session_, fs_);
  std::set<std::string> before;
  if (snapshot_) {
    for (const auto& file : snapshot_->files()) before.insert(file.path);
  }
  std::string select = data_columns_sql();
  for (const auto& level : job_.partition_by.levels) select += ", " + level;
  engine::Source source;
  source.query = fmt::format("SELECT {} FROM _silt_accepted", select);
  const int64_t target = job_.output.target_file_bytes > 0 ? job_.output.target_file_bytes : (1LL << 30);
  const std::map<std::string, std::string> info = {
      {"siltConsolidation", ordered_json({{"job", job_.name}, {"execution_id", execution_id_}}).dump()}};
  engine::OperationReport report;
  if (!output_exists_) {
    engine::WriteOptions options;
    options.partition_by = job_.partition_by.levels;
    options.app_id = IngestLog::kAppId;
    options.app_version = ledger_number;
    options.target_file_bytes = target;
    options.commit_info = info;
    SILT_TRY_ASSIGN(report, ops.write(job_.output.path, source, options));
  } else {
    engine::MergeOptions options;
    options.keys = job_.key;
    options.app_id = IngestLog::kAppId;
    options.app_version = ledger_number;
    options.target_file_bytes = target;
    options.commit_info = info;
    options.add_new_columns = true;
    options.read_snapshot = snapshot_;  // what the stale records were judged against
    SILT_TRY_ASSIGN(report, ops.merge(job_.output.path, source, options));
  }
  record.table_version = report.version;
  record.output_files = report.files_added;
  record.bytes_out = report.bytes_added;
  record.files_rewritten = report.files_removed;
  // Which partition each new file is in.
  SILT_TRY_ASSIGN(auto after, ops.load(job_.output.path));
  for (const auto& file : after->files()) {
    if (before.count(file.path)) continue;
    auto value = [&](const std::string& level) -> int {
      auto it = file.partition_values.find(level);
      return it == file.partition_values.end() || !it->second ? 1 : static_cast<int>(parse_int64(*it->second).value_or(1));
    };
    const auto& levels = job_.partition_by.levels;
    const std::string path = job_.output.path + "/" +
                             partition_path(job_, value(levels[0]), levels.size() > 1 ? value(levels[1]) : 1,
                                            levels.size() > 2 ? value(levels[2]) : 1);
    bool found = false;
    for (auto& partition : record.partitions) {
      if (partition.path != path) continue;
      ++partition.output_files;
      partition.bytes_out += file.size;
      found = true;
    }
    if (!found) {  // a partition touched only because a key left it
      PartitionResult partition;
      partition.path = path;
      partition.date = fmt::format("{:04}-{:02}-{:02}", value(levels[0]), levels.size() > 1 ? value(levels[1]) : 1,
                                   levels.size() > 2 ? value(levels[2]) : 1);
      partition.output_files = 1;
      partition.bytes_out = file.size;
      record.partitions.push_back(std::move(partition));
    }
  }
  return Status::ok_status();
}

void Writer::drop_temporaries() {
  auto& db = session_.connection();
  for (const char* name : {"_silt_accepted", "_silt_check_rows"}) {
    (void)db.execute(fmt::format("DROP VIEW IF EXISTS {}", name));
  }
  for (const char* name : {"_silt_checked", "_silt_stale", "_silt_existing", "_silt_winners", "_silt_landing"}) {
    (void)db.execute(fmt::format("DROP TABLE IF EXISTS {}", name));
  }
}

}  // namespace silt::pipeline::consolidate
