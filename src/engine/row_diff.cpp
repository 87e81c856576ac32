// diff_relations: one FULL OUTER JOIN for every count, a bounded one for samples.
#include "engine/row_diff.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::engine {

namespace {

using nlohmann::ordered_json;

struct Columns {
  std::vector<std::string> names, types;
  int index(const std::string& name) const {
    for (size_t i = 0; i < names.size(); ++i) {
      if (to_lower(names[i]) == to_lower(name)) return static_cast<int>(i);
    }
    return -1;
  }
};

Result<Columns> columns_of(duckdb::Connection& connection, const std::string& relation) {
  SILT_TRY_ASSIGN(auto described, connection.query_text("SELECT * FROM " + relation + " AS silt_relation LIMIT 0"));
  return Columns{described.column_names, described.column_types};
}

int64_t number(const std::optional<std::string>& cell) { return cell ? parse_int64(*cell).value_or(0) : 0; }

}  // namespace

Result<RowDiff> diff_relations(duckdb::Connection& connection, const std::string& left_sql,
                               const std::string& right_sql, const DiffOptions& options) {
  SILT_TRY_ASSIGN(auto left, columns_of(connection, left_sql));
  SILT_TRY_ASSIGN(auto right, columns_of(connection, right_sql));
  RowDiff diff;
  diff.key = options.key;
  if (options.key.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "a diff needs a key: the columns that identify a row (--key)");
  }
  for (const auto& key : options.key) {
    if (left.index(key) < 0 || right.index(key) < 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("key column '{}' is not on both sides (left: {}; right: {})", key,
                                    join(left.names, ", "), join(right.names, ", ")));
    }
  }
  auto is_key = [&](const std::string& name) {
    return std::any_of(options.key.begin(), options.key.end(), [&](const std::string& k) { return to_lower(k) == to_lower(name); });
  };
  for (size_t i = 0; i < left.names.size(); ++i) {
    int other = right.index(left.names[i]);
    if (other < 0) {
      diff.columns_only_left.push_back(left.names[i]);
    } else if (!is_key(left.names[i])) {
      diff.columns.push_back({left.names[i], left.types[i], right.types[static_cast<size_t>(other)], 0});
    }
  }
  for (const auto& name : right.names) {
    if (left.index(name) < 0) diff.columns_only_right.push_back(name);
  }

  // l.c vs r.c: values of different types compare as text.
  auto differs = [&](const ColumnDiff& column) {
    std::string l = "l." + sql_identifier(column.column), r = "r." + sql_identifier(column.column);
    if (column.left_type != column.right_type) {
      l = "CAST(" + l + " AS VARCHAR)";
      r = "CAST(" + r + " AS VARCHAR)";
    }
    return l + " IS DISTINCT FROM " + r;
  };
  std::vector<std::string> on;
  for (const auto& key : options.key) on.push_back(fmt::format("l.{0} = r.{0}", sql_identifier(key)));
  const std::string join_sql = fmt::format(
      "(SELECT *, true AS silt_in_left FROM {}) AS l FULL OUTER JOIN (SELECT *, true AS silt_in_right FROM {}) AS r "
      "ON {}",
      left_sql, right_sql, join(on, " AND "));
  std::vector<std::string> any_change;
  for (const auto& column : diff.columns) any_change.push_back(differs(column));
  const std::string changed = any_change.empty() ? "false" : "(" + join(any_change, " OR ") + ")";
  const std::string both = "l.silt_in_left AND r.silt_in_right";

  std::vector<std::string> aggregates = {
      "count(*) FILTER (WHERE " + both + ")", "count(*) FILTER (WHERE r.silt_in_right IS NULL)",
      "count(*) FILTER (WHERE l.silt_in_left IS NULL)", "count(*) FILTER (WHERE " + both + " AND " + changed + ")"};
  for (const auto& column : diff.columns) {
    aggregates.push_back("count(*) FILTER (WHERE " + both + " AND " + differs(column) + ")");
  }
  std::vector<std::string> cast;
  for (const auto& aggregate : aggregates) cast.push_back("CAST(" + aggregate + " AS VARCHAR)");
  SILT_TRY_ASSIGN(auto counts, connection.query_varchar("SELECT " + join(cast, ", ") + " FROM " + join_sql));
  const auto& row = counts.rows.at(0);
  diff.matched = number(row[0]);
  diff.only_left = number(row[1]);
  diff.only_right = number(row[2]);
  diff.rows_changed = number(row[3]);
  for (size_t i = 0; i < diff.columns.size(); ++i) diff.columns[i].changed = number(row[4 + i]);
  SILT_TRY_ASSIGN(auto sizes, connection.query_varchar(fmt::format(
                                  "SELECT CAST((SELECT count(*) FROM {}) AS VARCHAR), CAST((SELECT count(*) FROM {}) AS VARCHAR)",
                                  left_sql, right_sql)));
  diff.left_rows = number(sizes.rows.at(0)[0]);
  diff.right_rows = number(sizes.rows.at(0)[1]);
  diff.duplicate_keys = diff.matched + diff.only_left != diff.left_rows || diff.matched + diff.only_right != diff.right_rows;

  // Samples: rows on one side only, or with a change.
  if (options.sample_rows > 0 && !(diff.only_left == 0 && diff.only_right == 0 && diff.rows_changed == 0)) {
    std::vector<std::string> select;
    for (const auto& key : options.key) {
      select.push_back(fmt::format("CAST(coalesce(l.{0}, r.{0}) AS VARCHAR)", sql_identifier(key)));
    }
    select.push_back("CAST(l.silt_in_left IS NOT NULL AS VARCHAR)");
    select.push_back("CAST(r.silt_in_right IS NOT NULL AS VARCHAR)");
    for (const auto& column : diff.columns) {
      select.push_back("CAST(" + differs(column) + " AS VARCHAR)");
      select.push_back("CAST(l." + sql_identifier(column.column) + " AS VARCHAR)");
      select.push_back("CAST(r." + sql_identifier(column.column) + " AS VARCHAR)");
    }
    // The first differing rows found (the join stops early when differences are common), then
    // sorted by key; each sample column is named so the outer query can order by the key's.
    std::vector<std::string> named, order;
    for (size_t i = 0; i < select.size(); ++i) named.push_back(fmt::format("{} AS silt_c{}", select[i], i));
    for (size_t i = 0; i < options.key.size(); ++i) order.push_back(fmt::format("silt_k{}", i));
    std::vector<std::string> keys;
    for (size_t i = 0; i < options.key.size(); ++i) {
      keys.push_back(fmt::format("coalesce(l.{0}, r.{0}) AS silt_k{1}", sql_identifier(options.key[i]), i));
    }
    std::vector<std::string> outer;
    for (size_t i = 0; i < select.size(); ++i) outer.push_back(fmt::format("silt_c{}", i));
    SILT_TRY_ASSIGN(auto samples,
                    connection.query_varchar(fmt::format(
                        "SELECT {} FROM (SELECT {}, {} FROM {} WHERE NOT coalesce({}, false) OR {} LIMIT {}) ORDER BY {}",
                        join(outer, ", "), join(named, ", "), join(keys, ", "), join_sql, both, changed,
                        options.sample_rows, join(order, ", "))));
    ordered_json out = ordered_json::array();
    for (const auto& sample : samples.rows) {
      ordered_json entry;
      ordered_json key = ordered_json::object();
      for (size_t i = 0; i < options.key.size(); ++i) key[options.key[i]] = sample[i] ? ordered_json(*sample[i]) : ordered_json();
      size_t at = options.key.size();
      bool in_left = sample[at] && *sample[at] == "true";
      bool in_right = sample[at + 1] && *sample[at + 1] == "true";
      entry["key"] = key;
      entry["in"] = in_left && in_right ? "both" : in_left ? "left" : "right";
      ordered_json changes = ordered_json::object();
      at += 2;
      for (const auto& column : diff.columns) {
        bool column_differs = sample[at] && *sample[at] == "true";
        if (in_left && in_right && column_differs) {
          changes[column.column] = {{"left", sample[at + 1] ? ordered_json(*sample[at + 1]) : ordered_json()},
                                    {"right", sample[at + 2] ? ordered_json(*sample[at + 2]) : ordered_json()}};
        }
        at += 3;
      }
      if (in_left && in_right) entry["changes"] = changes;
      out.push_back(entry);
    }
    diff.samples_json = out.dump();
  }
  return diff;
}

std::string row_diff_to_json(const RowDiff& diff) {
  ordered_json columns = ordered_json::array();
  for (const auto& column : diff.columns) {
    columns.push_back({{"column", column.column}, {"left_type", column.left_type}, {"right_type", column.right_type},
                       {"changed", column.changed}});
  }
  ordered_json out = {{"left", diff.left_name},
                      {"right", diff.right_name},
                      {"key", diff.key},
                      {"identical", diff.identical()},
                      {"left_rows", diff.left_rows},
                      {"right_rows", diff.right_rows},
                      {"matched", diff.matched},
                      {"only_left", diff.only_left},
                      {"only_right", diff.only_right},
                      {"rows_changed", diff.rows_changed},
                      {"duplicate_keys", diff.duplicate_keys},
                      {"columns", columns},
                      {"columns_only_left", diff.columns_only_left},
                      {"columns_only_right", diff.columns_only_right},
                      {"samples", ordered_json::parse(diff.samples_json)}};
  return out.dump(2);
}

std::string format_row_diff(const RowDiff& diff) {
  std::string out = fmt::format("{} vs {} by {}: {} rows vs {}; {} matched, {} only in {}, {} only in {}, {} changed\n",
                                diff.left_name, diff.right_name, join(diff.key, ", "), diff.left_rows, diff.right_rows,
                                diff.matched, diff.only_left, diff.left_name, diff.only_right, diff.right_name,
                                diff.rows_changed);
  std::vector<std::string> changed;
  for (const auto& column : diff.columns) {
    if (column.changed) changed.push_back(fmt::format("{} ({})", column.column, column.changed));
  }
  if (!changed.empty()) out += "  changed columns: " + join(changed, ", ") + "\n";
  if (!diff.columns_only_left.empty()) out += fmt::format("  only in {}: {}\n", diff.left_name, join(diff.columns_only_left, ", "));
  if (!diff.columns_only_right.empty()) out += fmt::format("  only in {}: {}\n", diff.right_name, join(diff.columns_only_right, ", "));
  if (diff.duplicate_keys) out += "  WARNING: a key appears more than once on a side; counts are of matched pairs\n";
  return out;
}

}  // namespace silt::engine
