#include "delta/write_rules.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"
#include "delta/table_properties.h"

namespace silt::delta {

Result<std::vector<std::string>> resolve_partition_columns(const Schema& schema, const std::vector<std::string>& wanted,
                                                           const std::string& where) {
  std::vector<std::string> resolved;
  for (const auto& column : wanted) {
    const auto* field = schema.find(column);
    if (!field) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("partition column '{}' is not in {} (columns: {})",
                                                                 column, where, join(schema.field_names(), ", ")));
    }
    if (field->type.kind != DataType::Kind::kPrimitive && field->type.kind != DataType::Kind::kDecimal) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("partition column '{}' has type {}; partition columns must be of a primitive type",
                                    column, field->type.to_string()));
    }
    if (std::find(resolved.begin(), resolved.end(), field->name) != resolved.end()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("partition column '{}' is given twice", field->name));
    }
    resolved.push_back(field->name);
  }
  // Data files hold the non-partition columns: at least one must remain.
  if (!resolved.empty() && resolved.size() >= schema.fields.size()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("every column ({}) would be a partition column, leaving data files without columns: "
                                  "keep at least one column out of the partitioning",
                                  join(schema.field_names(), ", ")))
        .set_option("partition_by", "the partitioning");
  }
  return resolved;
}

std::optional<std::string> already_applied(const Snapshot& snapshot, const std::optional<std::string>& app_id,
                                           const std::optional<int64_t>& app_version) {
  if (!app_id || !app_version) return std::nullopt;
  auto recorded = snapshot.app_version(*app_id);
  if (!recorded || *recorded < *app_version) return std::nullopt;
  return fmt::format("skipped: app '{}' already committed version {} (requested {})", *app_id, *recorded, *app_version);
}

Status check_append_only(const Metadata& metadata, const std::string& table_root, bool removes_data,
                         const std::string& what) {
  SILT_TRY_ASSIGN(bool append_only_table, append_only(metadata.configuration));
  if (!append_only_table || !removes_data) return Status();
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("table {} is append-only (delta.appendOnly=true): {}", table_root, what));
}

}  // namespace silt::delta
