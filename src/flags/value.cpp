#include "flags/value.h"

#include <cmath>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace silt::flags {

Value Value::array(Array items) {
  Value value;
  value.data_ = std::make_shared<const Array>(std::move(items));
  return value;
}

Value Value::object(Object members) {
  Value value;
  value.data_ = std::make_shared<const Object>(std::move(members));
  return value;
}

bool Value::is_integer() const {
  if (!is_number()) return false;
  double number = as_number();
  return std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 9.2e18;
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  const Object& members = as_object();
  auto it = members.find(key);
  return it == members.end() ? nullptr : &it->second;
}

namespace {

nlohmann::json to_nlohmann(const Value& value) {
  switch (value.type()) {
    case Value::Type::kNull: return nullptr;
    case Value::Type::kBool: return value.as_bool();
    case Value::Type::kNumber:
      if (value.is_integer()) return static_cast<int64_t>(value.as_number());
      return value.as_number();
    case Value::Type::kString: return value.as_string();
    case Value::Type::kArray: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : value.as_array()) out.push_back(to_nlohmann(item));
      return out;
    }
    case Value::Type::kObject: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : value.as_object()) out[key] = to_nlohmann(item);
      return out;
    }
  }
  return nullptr;
}

Value from_nlohmann(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::boolean: return Value(json.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return Value(json.get<double>());
    case nlohmann::json::value_t::string: return Value(json.get<std::string>());
    case nlohmann::json::value_t::array: {
      Value::Array items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(from_nlohmann(item));
      return Value::array(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      Value::Object members;
      for (const auto& [key, item] : json.items()) members.emplace(key, from_nlohmann(item));
      return Value::object(std::move(members));
    }
    default: return Value();
  }
}

}  // namespace

std::string Value::to_json() const { return to_nlohmann(*this).dump(); }

bool Value::operator==(const Value& other) const {
  if (type() != other.type()) return false;
  switch (type()) {
    case Type::kNull: return true;
    case Type::kBool: return as_bool() == other.as_bool();
    case Type::kNumber: return as_number() == other.as_number();
    case Type::kString: return as_string() == other.as_string();
    case Type::kArray: return as_array() == other.as_array();
    case Type::kObject: return as_object() == other.as_object();
  }
  return false;
}

std::string_view type_name(Value::Type type) {
  switch (type) {
    case Value::Type::kNull: return "null";
    case Value::Type::kBool: return "boolean";
    case Value::Type::kNumber: return "number";
    case Value::Type::kString: return "string";
    case Value::Type::kArray: return "array";
    case Value::Type::kObject: return "object";
  }
  return "?";
}

Result<Value> parse_json(std::string_view text) {
  try {
    return from_nlohmann(nlohmann::json::parse(text));
  } catch (const nlohmann::json::parse_error& error) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("invalid JSON at byte {}: {}", error.byte, error.what()));
  }
}

}  // namespace silt::flags
