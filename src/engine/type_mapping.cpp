// Type mapping rules; see docs/delta-support.md for the table of types.
#include "engine/type_mapping.h"

#include <cctype>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::engine {

using delta::DataType;

Result<std::string> to_duckdb_type(const DataType& type) {
  switch (type.kind) {
    case DataType::Kind::kPrimitive: {
      const std::string& n = type.name;
      if (n == "string") return std::string("VARCHAR");
      if (n == "long") return std::string("BIGINT");
      if (n == "integer") return std::string("INTEGER");
      if (n == "short") return std::string("SMALLINT");
      if (n == "byte") return std::string("TINYINT");
      if (n == "float") return std::string("FLOAT");
      if (n == "double") return std::string("DOUBLE");
      if (n == "boolean") return std::string("BOOLEAN");
      if (n == "binary") return std::string("BLOB");
      if (n == "date") return std::string("DATE");
      if (n == "timestamp") return std::string("TIMESTAMP WITH TIME ZONE");
      if (n == "timestamp_ntz") return std::string("TIMESTAMP");
      if (n == "void") return std::string("VARCHAR");
      return make_error(ErrorCode::kUnsupported, "data type '" + n + "' is not supported");
    }
    case DataType::Kind::kDecimal: return fmt::format("DECIMAL({},{})", type.precision, type.scale);
    case DataType::Kind::kArray: {
      SILT_TRY_ASSIGN(auto element, to_duckdb_type(*type.element));
      return element + "[]";
    }
    case DataType::Kind::kMap: {
      SILT_TRY_ASSIGN(auto key, to_duckdb_type(*type.key));
      SILT_TRY_ASSIGN(auto value, to_duckdb_type(*type.value));
      return "MAP(" + key + ", " + value + ")";
    }
    case DataType::Kind::kStruct: {
      std::string out = "STRUCT(";
      for (size_t i = 0; i < type.fields.size(); ++i) {
        if (i) out += ", ";
        SILT_TRY_ASSIGN(auto field, to_duckdb_type(type.fields[i].type));
        out += sql_identifier(type.fields[i].name) + " " + field;
      }
      return out + ")";
    }
  }
  return make_error(ErrorCode::kInternal, "unhandled type kind");
}

namespace {

// Recursive-descent parser over DuckDB's printed type syntax.
class TypeParser {
 public:
  explicit TypeParser(std::string_view text) : text_(text) {}

  Result<DataType> parse_all() {
    SILT_TRY_ASSIGN(auto type, parse());
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text");
    return type;
  }

 private:
  Error fail(const std::string& what) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("cannot parse type '{}': {}", text_, what));
  }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string word() {
    skip_space();
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_')) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  std::string name() {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      std::string out;
      ++pos_;
      while (pos_ < text_.size()) {
        if (text_[pos_] == '"') {
          if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '"') {
            out.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          break;
        }
        out.push_back(text_[pos_++]);
      }
      return out;
    }
    return word();
  }

  Result<DataType> parse() {
    std::string head = to_lower(word());
    if (head.empty()) return fail("expected a type name");
    DataType type;
    if (head == "struct") {
      if (!consume('(')) return fail("expected '(' after STRUCT");
      type.kind = DataType::Kind::kStruct;
      type.name = "struct";
      while (true) {
        delta::StructField field;
        field.name = name();
        SILT_TRY_ASSIGN(field.type, parse());
        type.fields.push_back(std::move(field));
        if (consume(',')) continue;
        if (consume(')')) break;
        return fail("expected ',' or ')' in STRUCT");
      }
    } else if (head == "map") {
      if (!consume('(')) return fail("expected '(' after MAP");
      SILT_TRY_ASSIGN(auto key, parse());
      if (!consume(',')) return fail("expected ',' in MAP");
      SILT_TRY_ASSIGN(auto value, parse());
      if (!consume(')')) return fail("expected ')' in MAP");
      type.kind = DataType::Kind::kMap;
      type.name = "map";
      type.key = std::make_shared<const DataType>(std::move(key));
      type.value = std::make_shared<const DataType>(std::move(value));
    } else if (head == "decimal" || head == "numeric") {
      int precision = 18, scale = 3;
      if (consume('(')) {
        precision = std::stoi(word());
        scale = consume(',') ? std::stoi(word()) : 0;
        if (!consume(')')) return fail("expected ')' in DECIMAL");
      }
      type = DataType::decimal(precision, scale);
    } else {
      static const std::pair<const char*, const char*> kNames[] = {
          {"varchar", "string"}, {"text", "string"},      {"string", "string"},    {"bigint", "long"},
          {"int8", "long"},      {"long", "long"},        {"integer", "integer"},  {"int", "integer"},
          {"int4", "integer"},   {"smallint", "short"},   {"int2", "short"},       {"short", "short"},
          {"tinyint", "byte"},   {"int1", "byte"},        {"float", "float"},      {"real", "float"},
          {"float4", "float"},   {"double", "double"},    {"float8", "double"},    {"boolean", "boolean"},
          {"bool", "boolean"},   {"blob", "binary"},      {"bytea", "binary"},     {"date", "date"},
          {"timestamptz", "timestamp"}, {"datetime", "timestamp"}};
      std::string delta_name;
      if (head == "timestamp") {
        // TIMESTAMP and TIMESTAMP WITH TIME ZONE both map to Delta's UTC-adjusted timestamp.
        size_t save = pos_;
        if (to_lower(word()) == "with") {
          word();  // time
          word();  // zone
        } else {
          pos_ = save;
        }
        delta_name = "timestamp";
      } else if (head == "timestamp_s" || head == "timestamp_ms" || head == "timestamp_ns") {
        delta_name = "timestamp";
      } else {
        for (const auto& [duck, delta_type] : kNames) {
          if (head == duck) delta_name = delta_type;
        }
      }
      if (delta_name.empty()) {
        return Error(ErrorCode::kUnsupported,
                     fmt::format("type {} has no Delta Lake equivalent; cast it (for example to BIGINT, DOUBLE or "
                                 "VARCHAR)",
                                 std::string(text_)));
      }
      type = DataType::primitive(delta_name);
    }
    // Trailing [] (possibly repeated) makes lists.
    while (true) {
      skip_space();
      if (pos_ + 1 < text_.size() + 1 && pos_ < text_.size() && text_[pos_] == '[') {
        size_t close = text_.find(']', pos_);
        if (close == std::string_view::npos) return fail("unclosed '['");
        pos_ = close + 1;
        DataType list;
        list.kind = DataType::Kind::kArray;
        list.name = "array";
        list.element = std::make_shared<const DataType>(std::move(type));
        type = std::move(list);
        continue;
      }
      break;
    }
    return type;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<DataType> from_duckdb_type(const std::string& duckdb_type) { return TypeParser(duckdb_type).parse_all(); }

Result<std::string> partition_value_literal(const std::optional<std::string>& value, const DataType& type) {
  SILT_TRY_ASSIGN(auto sql_type, to_duckdb_type(type));
  if (!value) return "CAST(NULL AS " + sql_type + ")";
  if (type.is_primitive("timestamp")) {
    // Zone-less partition timestamps are UTC; ISO-8601 values carry their zone.
    std::string text = *value;
    if (!ends_with(text, "Z") && text.find('+') == std::string::npos) text += "+00";
    return "CAST(" + sql_string(text) + " AS TIMESTAMP WITH TIME ZONE)";
  }
  return "CAST(" + sql_string(*value) + " AS " + sql_type + ")";
}

}  // namespace silt::engine
