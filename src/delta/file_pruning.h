// Data skipping: decides from partition values and per-file statistics which files cannot hold a
// row matching a predicate. Sound by construction: a file is skipped only when the statistics
// prove no row can match; anything unknown keeps the file.
#pragma once

#include <string>
#include <vector>

#include "delta/schema.h"
#include "delta/snapshot.h"

namespace silt::delta {

// A predicate over columns and literal values. Literals are text in the column type's canonical
// form: decimal digits for numbers, YYYY-MM-DD for dates, "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC)
// for timestamps, the raw string for strings.
struct Predicate {
  enum class Kind { kAnd, kOr, kCompare, kIn, kIsNull, kIsNotNull, kUnknown };
  enum class Op { kEq, kNe, kLt, kLe, kGt, kGe };

  Kind kind = Kind::kUnknown;
  Op op = Op::kEq;
  std::string column;
  std::vector<std::string> values;
  std::vector<Predicate> children;
  // The literals were numbers in the SQL text: comparing them with a string or date column
  // follows SQL casting rules that bounds on text cannot model, so such files are kept.
  bool numeric_literals = false;

  static Predicate unknown() { return Predicate{}; }
  static Predicate compare(std::string column, Op op, std::string value);
  static Predicate all_of(std::vector<Predicate> children);
  static Predicate any_of(std::vector<Predicate> children);
};

// Indices (into snapshot.files()) of the files that may contain matching rows, in order.
std::vector<size_t> files_maybe_matching(const Snapshot& snapshot, const Schema& schema, const Predicate& predicate);

// Indices of the files whose statistics do not show every top-level data column of `schema` (no
// stats, or a column absent from nullCount). Only such files can lack a column that was added to
// the table after they were written; writers record nullCount for every column a file holds
// (within the indexed columns, delta.dataSkippingNumIndexedCols).
std::vector<size_t> files_maybe_lacking_columns(const Snapshot& snapshot, const Schema& schema);

}  // namespace silt::delta
