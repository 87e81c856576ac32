// The table schema in Delta's JSON form (schemaString): primitive, decimal, array, map and struct
// types, with nullability and field metadata. Parsing and printing only; no SQL here.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace silt::delta {

struct StructField;

struct DataType {
  enum class Kind { kPrimitive, kDecimal, kArray, kMap, kStruct };
  Kind kind = Kind::kPrimitive;
  std::string name;  // primitive: string long integer short byte float double boolean binary date timestamp ...
  int precision = 0;  // decimal
  int scale = 0;      // decimal
  std::shared_ptr<const DataType> element;  // array
  std::shared_ptr<const DataType> key;      // map
  std::shared_ptr<const DataType> value;    // map
  bool contains_null = true;                // array elements / map values
  std::vector<StructField> fields;          // struct

  static DataType primitive(std::string name);
  static DataType decimal(int precision, int scale);

  bool is_primitive(const char* primitive_name) const { return kind == Kind::kPrimitive && name == primitive_name; }
  // "long", "decimal(12,2)", "array<string>", "struct<a:int,...>" - for messages.
  std::string to_string() const;
  bool operator==(const DataType& other) const;
};

struct StructField {
  std::string name;
  DataType type;
  bool nullable = true;
  std::string metadata_json = "{}";  // field metadata object, kept as JSON text

  bool operator==(const StructField& other) const {
    return name == other.name && type == other.type && nullable == other.nullable;
  }
};

struct Schema {
  std::vector<StructField> fields;

  // Case-insensitive lookup (Delta column names are unique ignoring case).
  const StructField* find(const std::string& name) const;
  std::vector<std::string> field_names() const;
};

Result<Schema> parse_schema(const std::string& schema_json);
std::string schema_to_json(const Schema& schema);

// True if any field (at any depth) carries the given metadata key, e.g. "delta.invariants".
bool schema_has_metadata_key(const Schema& schema, const std::string& key);

}  // namespace silt::delta
