// The rules of the Delta protocol a write is held to before it commits, in one place for every
// operation (create, write, overwrite, merge, delete): partition columns, idempotent application
// (txn app versions), and append-only tables.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "delta/actions.h"
#include "delta/schema.h"
#include "delta/snapshot.h"

namespace silt::delta {

// `wanted` as partition columns of `schema`, spelled as in the schema: each must be a column
// (`where` says whose columns: "the schema", "the input"), of a primitive or decimal type, given
// once, and at least one column must remain for the data files. InvalidArgument otherwise, naming
// the column and the columns there are.
Result<std::vector<std::string>> resolve_partition_columns(const Schema& schema, const std::vector<std::string>& wanted,
                                                           const std::string& where);

// For an idempotent write (an app id and version): why it is skipped, when the table already
// records that app at this version or a later one ("skipped: app 'a' already committed version 3
// (requested 2)"); nullopt when it must be applied (or is not idempotent).
std::optional<std::string> already_applied(const Snapshot& snapshot, const std::optional<std::string>& app_id,
                                           const std::optional<int64_t>& app_version);

// InvalidArgument when the table is append-only (delta.appendOnly=true) and `removes_data`:
// "table <root> is append-only (delta.appendOnly=true): <what>". An invalid property value is
// refused too.
Status check_append_only(const Metadata& metadata, const std::string& table_root, bool removes_data,
                         const std::string& what);

}  // namespace silt::delta
