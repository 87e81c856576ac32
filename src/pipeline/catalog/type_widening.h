// The type of a column seen with different types in different files: the narrowest DuckDB type
// that holds both without loss where one exists (integers widen to a larger integer, then to
// DOUBLE; FLOAT to DOUBLE; decimals to a decimal holding both; DATE to TIMESTAMP; TIMESTAMP to
// TIMESTAMP WITH TIME ZONE), and otherwise a conflict, which only VARCHAR holds (a VARCHAR column
// holds every type already).
#pragma once

#include <string>

namespace silt::pipeline {

enum class Widening {
  kSame,      // the types are equal
  kWidened,   // `type` holds both
  kConflict,  // no type but VARCHAR holds both; `type` is VARCHAR
};

struct WidenedType {
  Widening how = Widening::kSame;
  std::string type;
};

// DuckDB's spelling of a type, upper case, aliases resolved ("int4" -> INTEGER, "TIMESTAMPTZ" ->
// TIMESTAMP WITH TIME ZONE, "TIMESTAMP_MS" -> TIMESTAMP).
std::string normalize_type(const std::string& type);

// What `have` (the type so far) becomes when a file holds `seen`.
WidenedType widen_type(const std::string& have, const std::string& seen);

}  // namespace silt::pipeline
