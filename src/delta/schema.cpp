// Schema JSON parsing and printing with nlohmann::json (schemas are small; not a hot path).
#include "delta/schema.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::delta {

using nlohmann::json;

DataType DataType::primitive(std::string name) {
  DataType type;
  type.kind = Kind::kPrimitive;
  type.name = std::move(name);
  return type;
}

DataType DataType::decimal(int precision, int scale) {
  DataType type;
  type.kind = Kind::kDecimal;
  type.name = "decimal";
  type.precision = precision;
  type.scale = scale;
  return type;
}

std::string DataType::to_string() const {
  switch (kind) {
    case Kind::kPrimitive: return name;
    case Kind::kDecimal: return fmt::format("decimal({},{})", precision, scale);
    case Kind::kArray: return "array<" + element->to_string() + ">";
    case Kind::kMap: return "map<" + key->to_string() + "," + value->to_string() + ">";
    case Kind::kStruct: {
      std::string out = "struct<";
      for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ",";
        out += fields[i].name + ":" + fields[i].type.to_string();
      }
      return out + ">";
    }
  }
  return name;
}

bool DataType::operator==(const DataType& other) const {
  if (kind != other.kind) return false;
  switch (kind) {
    case Kind::kPrimitive: return name == other.name;
    case Kind::kDecimal: return precision == other.precision && scale == other.scale;
    case Kind::kArray: return *element == *other.element;
    case Kind::kMap: return *key == *other.key && *value == *other.value;
    case Kind::kStruct: return fields == other.fields;
  }
  return false;
}

const StructField* Schema::find(const std::string& name) const {
  std::string lower = to_lower(name);
  for (const auto& field : fields) {
    if (to_lower(field.name) == lower) return &field;
  }
  return nullptr;
}

std::vector<std::string> Schema::field_names() const {
  std::vector<std::string> names;
  for (const auto& field : fields) names.push_back(field.name);
  return names;
}

namespace {

Result<DataType> parse_type(const json& node);

Result<std::vector<StructField>> parse_fields(const json& node) {
  if (!node.contains("fields") || !node["fields"].is_array()) {
    return make_error(ErrorCode::kCorruption, "struct type without a 'fields' array");
  }
  std::vector<StructField> fields;
  for (const auto& item : node["fields"]) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() || !item.contains("type")) {
      return make_error(ErrorCode::kCorruption, "schema field without name or type");
    }
    StructField field;
    field.name = item["name"].get<std::string>();
    SILT_TRY_ASSIGN(field.type, parse_type(item["type"]));
    field.nullable = item.value("nullable", true);
    if (item.contains("metadata") && item["metadata"].is_object()) field.metadata_json = item["metadata"].dump();
    fields.push_back(std::move(field));
  }
  return fields;
}

Result<DataType> parse_type(const json& node) {
  if (node.is_string()) {
    std::string name = node.get<std::string>();
    if (starts_with(name, "decimal")) {
      int precision = 10, scale = 0;
      if (name != "decimal" && std::sscanf(name.c_str(), "decimal(%d,%d)", &precision, &scale) != 2 &&
          std::sscanf(name.c_str(), "decimal( %d , %d )", &precision, &scale) != 2) {
        return make_error(ErrorCode::kCorruption, "malformed decimal type '" + name + "'");
      }
      return DataType::decimal(precision, scale);
    }
    static const char* kPrimitives[] = {"string", "long", "integer", "short", "byte", "float", "double", "boolean",
                                        "binary", "date", "timestamp", "timestamp_ntz", "variant", "void"};
    for (const char* primitive : kPrimitives) {
      if (name == primitive) return DataType::primitive(name);
    }
    return make_error(ErrorCode::kUnsupported, "unknown data type '" + name + "' in the table schema");
  }
  if (!node.is_object() || !node.contains("type") || !node["type"].is_string()) {
    return make_error(ErrorCode::kCorruption, "malformed type in schema: " + node.dump());
  }
  std::string kind = node["type"].get<std::string>();
  DataType type;
  if (kind == "struct") {
    type.kind = DataType::Kind::kStruct;
    type.name = "struct";
    SILT_TRY_ASSIGN(type.fields, parse_fields(node));
  } else if (kind == "array") {
    type.kind = DataType::Kind::kArray;
    type.name = "array";
    if (!node.contains("elementType")) return make_error(ErrorCode::kCorruption, "array type without elementType");
    SILT_TRY_ASSIGN(auto element, parse_type(node["elementType"]));
    type.element = std::make_shared<const DataType>(std::move(element));
    type.contains_null = node.value("containsNull", true);
  } else if (kind == "map") {
    type.kind = DataType::Kind::kMap;
    type.name = "map";
    if (!node.contains("keyType") || !node.contains("valueType")) {
      return make_error(ErrorCode::kCorruption, "map type without keyType/valueType");
    }
    SILT_TRY_ASSIGN(auto key, parse_type(node["keyType"]));
    SILT_TRY_ASSIGN(auto value, parse_type(node["valueType"]));
    type.key = std::make_shared<const DataType>(std::move(key));
    type.value = std::make_shared<const DataType>(std::move(value));
    type.contains_null = node.value("valueContainsNull", true);
  } else {
    return make_error(ErrorCode::kUnsupported, "unknown data type '" + kind + "' in the table schema");
  }
  return type;
}

json type_to_json(const DataType& type);

json fields_to_json(const std::vector<StructField>& fields) {
  json array = json::array();
  for (const auto& field : fields) {
    json item;
    item["name"] = field.name;
    item["type"] = type_to_json(field.type);
    item["nullable"] = field.nullable;
    item["metadata"] = json::parse(field.metadata_json, nullptr, false);
    if (item["metadata"].is_discarded()) item["metadata"] = json::object();
    array.push_back(std::move(item));
  }
  return array;
}

json type_to_json(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kPrimitive: return type.name;
    case DataType::Kind::kDecimal: return fmt::format("decimal({},{})", type.precision, type.scale);
    case DataType::Kind::kArray:
      return json{{"type", "array"}, {"elementType", type_to_json(*type.element)}, {"containsNull", type.contains_null}};
    case DataType::Kind::kMap:
      return json{{"type", "map"},
                  {"keyType", type_to_json(*type.key)},
                  {"valueType", type_to_json(*type.value)},
                  {"valueContainsNull", type.contains_null}};
    case DataType::Kind::kStruct: return json{{"type", "struct"}, {"fields", fields_to_json(type.fields)}};
  }
  return nullptr;
}

bool fields_have_key(const std::vector<StructField>& fields, const std::string& key) {
  for (const auto& field : fields) {
    auto metadata = json::parse(field.metadata_json, nullptr, false);
    if (metadata.is_object() && metadata.contains(key)) return true;
    const DataType* type = &field.type;
    while (type->kind == DataType::Kind::kArray) type = type->element.get();
    if (type->kind == DataType::Kind::kStruct && fields_have_key(type->fields, key)) return true;
  }
  return false;
}

}  // namespace

Result<Schema> parse_schema(const std::string& schema_json) {
  try {
    json node = json::parse(schema_json, nullptr, false);
  if (node.is_discarded()) return make_error(ErrorCode::kCorruption, "schemaString is not valid JSON");
  if (!node.is_object() || node.value("type", "") != "struct") {
    return make_error(ErrorCode::kCorruption, "schemaString is not a struct type");
  }
  Schema schema;
  SILT_TRY_ASSIGN(schema.fields, parse_fields(node));
  return schema;
  } catch (const json::exception& error) {
    return make_error(ErrorCode::kCorruption, std::string("malformed schemaString: ") + error.what());
  }
}

std::string schema_to_json(const Schema& schema) {
  json node{{"type", "struct"}, {"fields", fields_to_json(schema.fields)}};
  return node.dump();
}

bool schema_has_metadata_key(const Schema& schema, const std::string& key) {
  return fields_have_key(schema.fields, key);
}

}  // namespace silt::delta
