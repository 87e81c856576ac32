// SCD2 (materialized: snapshot) as SQL: which current rows close and which versions open.
#include "pipeline/run/scd2_sql.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/run/model_executor.h"

namespace silt::pipeline {

Status check_scd2_input(engine::duckdb::Connection& connection, const Model& model, const std::string& input) {
  for (const char* column : kScdColumns) {
    auto has = connection.query_value("SELECT count(*) FROM (DESCRIBE " + input + ") WHERE lower(column_name) = " +
                                      sql_string(column));
    if (has && *has && **has != "0") {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("{}: a snapshot model may not return a column named '{}' (silt adds "
                                    "valid_from, valid_to and is_current)",
                                    model.file, column));
    }
  }
  return Status();
}

Result<std::string> scd2_changes_sql(engine::duckdb::Connection& connection, const Model& model,
                                     const std::string& input, const std::string& run_timestamp, bool initial) {
  const auto& config = model.config;
  bool by_time = config.strategy == SnapshotStrategy::kTimestamp;
  std::string run_ts = "TIMESTAMP " + sql_string(run_timestamp);
  auto valid_from = [&](const std::string& alias) {
    return by_time ? "CAST(" + alias + "." + sql_identifier(config.updated_at) + " AS TIMESTAMP)" : run_ts;
  };
  std::string key_list;
  for (const auto& key : config.unique_key) key_list += (key_list.empty() ? "" : ", ") + sql_identifier(key);
  // One row per key: which version of a key is "current" would otherwise be arbitrary.
  SILT_TRY_ASSIGN(auto duplicate,
                  connection.query_varchar("SELECT CAST(count(*) AS VARCHAR), CAST(" +
                                                      (config.unique_key.size() == 1 ? key_list
                                                                                     : "(" + key_list + ")") +
                                                      " AS VARCHAR) FROM " + input + " GROUP BY " + key_list +
                                                      " HAVING count(*) > 1 LIMIT 1"));
  if (!duplicate.rows.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("{}: key {} = {} appears in {} rows; a snapshot model must return one row per key",
                                  model.file, join(config.unique_key, ", "), duplicate.rows[0][1].value_or("NULL"),
                                  duplicate.rows[0][0].value_or("?")));
  }
  if (initial) {
    return "SELECT silt_src.*, " + valid_from("silt_src") +
           " AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM " + input + " AS silt_src";
  }
  std::string on = keys_condition(config.unique_key, "silt_src", "silt_cur");
  std::string changed;
  if (by_time) {
    changed = "silt_src." + sql_identifier(config.updated_at) + " > silt_cur." + sql_identifier(config.updated_at);
  } else {
    std::vector<std::string> parts;
    for (const auto& column : config.check_columns) {
      parts.push_back("silt_src." + sql_identifier(column) + " IS DISTINCT FROM silt_cur." + sql_identifier(column));
    }
    changed = "(" + join(parts, " OR ") + ")";
  }
  // Rows to merge on (key, valid_from): current rows that close (updated in place) and new current
  // rows (inserted).
  std::string sql =
      "WITH silt_cur AS (SELECT * FROM silt_target WHERE is_current), "
      "silt_changed AS (SELECT silt_src.*, " + valid_from("silt_src") + " AS silt_close_at FROM " + input + " AS silt_src "
      "JOIN silt_cur ON " + on + " WHERE " + changed + "), "
      "silt_new AS (SELECT silt_src.* FROM " + input + " AS silt_src ANTI JOIN silt_cur ON " + on + ") "
      "SELECT silt_cur.* REPLACE (silt_changed.silt_close_at AS valid_to, false AS is_current) FROM silt_cur JOIN "
      "silt_changed ON " + keys_condition(config.unique_key, "silt_changed", "silt_cur") +
      " UNION ALL BY NAME SELECT silt_changed.* EXCLUDE (silt_close_at), silt_changed.silt_close_at AS valid_from, "
      "CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM silt_changed"
      " UNION ALL BY NAME SELECT silt_src.*, " + valid_from("silt_src") +
      " AS valid_from, CAST(NULL AS TIMESTAMP) AS valid_to, true AS is_current FROM silt_new AS silt_src";
  if (config.hard_deletes == HardDeletes::kInvalidate) {
    sql += " UNION ALL BY NAME SELECT silt_cur.* REPLACE (" + run_ts +
           " AS valid_to, false AS is_current) FROM silt_cur ANTI JOIN " + input + " AS silt_src ON " + on;
  }
  return sql;
}

}  // namespace silt::pipeline
