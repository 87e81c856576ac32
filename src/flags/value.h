// A JSON-shaped value: what flag variations, clause values and context attributes hold. Containers
// are shared and immutable, so copying a Value is cheap.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/status.h"

namespace silt::flags {

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Object = std::map<std::string, Value, std::less<>>;

  Value() = default;
  Value(bool value) : data_(value) {}                          // NOLINT: implicit by design
  Value(double value) : data_(value) {}                        // NOLINT
  Value(int value) : data_(static_cast<double>(value)) {}      // NOLINT
  Value(int64_t value) : data_(static_cast<double>(value)) {}  // NOLINT
  Value(std::string value) : data_(std::move(value)) {}        // NOLINT
  Value(const char* value) : data_(std::string(value)) {}      // NOLINT
  static Value array(Array items);
  static Value object(Object members);

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }
  // A number with no fractional part that fits in 64 bits.
  bool is_integer() const;

  // Each accessor requires the matching type.
  bool as_bool() const { return std::get<bool>(data_); }
  double as_number() const { return std::get<double>(data_); }
  const std::string& as_string() const { return std::get<std::string>(data_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<const Array>>(data_); }
  const Object& as_object() const { return *std::get<std::shared_ptr<const Object>>(data_); }
  // A member of an object; nullptr when this is not an object or has no such member.
  const Value* find(std::string_view key) const;

  // Compact JSON ("v2", 3, true, {"a":[1,2]}); integers print without a fraction.
  std::string to_json() const;
  // For messages: a string as it is (v2), anything else as JSON.
  std::string to_text() const { return is_string() ? as_string() : to_json(); }
  // Deep equality; numbers compare by value.
  bool operator==(const Value& other) const;

 private:
  std::variant<std::monostate, bool, double, std::string, std::shared_ptr<const Array>,
               std::shared_ptr<const Object>>
      data_;
};

// "null", "boolean", "number", "string", "array", "object".
std::string_view type_name(Value::Type type);

// Parses a JSON text. An InvalidArgument error names the byte offset of the problem.
Result<Value> parse_json(std::string_view text);

}  // namespace silt::flags
