#include "pipeline/catalog/type_widening.h"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::pipeline {
namespace {

std::string upper(const std::string& text) {
  std::string out = text;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Integer types by width: the decimal digits each holds and its rank.
struct IntegerType {
  int rank;
  int digits;
};
std::optional<IntegerType> integer_type(const std::string& type) {
  static const std::map<std::string, IntegerType> kTypes = {
      {"TINYINT", {1, 3}},    {"UTINYINT", {2, 3}},  {"SMALLINT", {2, 5}}, {"USMALLINT", {3, 5}},
      {"INTEGER", {3, 10}},   {"UINTEGER", {4, 10}}, {"BIGINT", {4, 19}},  {"UBIGINT", {5, 20}},
      {"HUGEINT", {5, 39}},   {"UHUGEINT", {6, 39}}};
  auto it = kTypes.find(type);
  if (it == kTypes.end()) return std::nullopt;
  return it->second;
}

const char* signed_integer_of_rank(int rank) {
  switch (rank) {
    case 1: return "TINYINT";
    case 2: return "SMALLINT";
    case 3: return "INTEGER";
    case 4: return "BIGINT";
    case 5: return "HUGEINT";
  }
  return nullptr;
}

struct Decimal {
  int precision;
  int scale;
};
std::optional<Decimal> decimal_type(const std::string& type) {
  if (!starts_with(type, "DECIMAL(") || type.back() != ')') return std::nullopt;
  auto parts = split(type.substr(8, type.size() - 9), ',');
  if (parts.size() != 2) return std::nullopt;
  auto p = parse_int64(trim(parts[0]));
  auto s = parse_int64(trim(parts[1]));
  if (!p || !s) return std::nullopt;
  return Decimal{static_cast<int>(*p), static_cast<int>(*s)};
}

std::string decimal_or_double(int integer_digits, int scale) {
  if (integer_digits + scale > 38) return "DOUBLE";
  return fmt::format("DECIMAL({},{})", integer_digits + scale, scale);
}

// The least type holding both, when there is one besides VARCHAR.
std::optional<std::string> common_type(const std::string& a, const std::string& b) {
  if (a == b) return a;
  if (a == "NULL") return b;
  if (b == "NULL") return a;
  auto ia = integer_type(a), ib = integer_type(b);
  auto da = decimal_type(a), db = decimal_type(b);
  bool fa = a == "FLOAT" || a == "DOUBLE", fb = b == "FLOAT" || b == "DOUBLE";
  if (ia && ib) {
    bool unsigned_a = a[0] == 'U', unsigned_b = b[0] == 'U';
    if (unsigned_a == unsigned_b) return ia->rank >= ib->rank ? a : b;
    // Mixed signedness: an unsigned type's rank is that of the signed type holding it.
    int rank = std::max(ia->rank, ib->rank);
    if (const char* name = signed_integer_of_rank(rank)) return std::string(name);
    return std::string("DOUBLE");
  }
  if ((ia || da || fa) && (ib || db || fb)) {
    if (fa || fb) return std::string("DOUBLE");
    if (da && db) {
      return decimal_or_double(std::max(da->precision - da->scale, db->precision - db->scale),
                               std::max(da->scale, db->scale));
    }
    const Decimal& d = da ? *da : *db;
    const IntegerType& i = ia ? *ia : *ib;
    return decimal_or_double(std::max(d.precision - d.scale, i.digits), d.scale);
  }
  auto is_time = [](const std::string& t) { return t == "DATE" || t == "TIMESTAMP" || t == "TIMESTAMP WITH TIME ZONE"; };
  if (is_time(a) && is_time(b)) {
    if (a == "TIMESTAMP WITH TIME ZONE" || b == "TIMESTAMP WITH TIME ZONE") return std::string("TIMESTAMP WITH TIME ZONE");
    return std::string("TIMESTAMP");
  }
  return std::nullopt;
}

}  // namespace

std::string normalize_type(const std::string& type) {
  std::string t = upper(std::string(trim(type)));
  static const std::map<std::string, std::string> kAliases = {
      {"INT", "INTEGER"},        {"INT4", "INTEGER"},       {"SIGNED", "INTEGER"},   {"INT8", "BIGINT"},
      {"LONG", "BIGINT"},        {"INT2", "SMALLINT"},      {"SHORT", "SMALLINT"},   {"INT1", "TINYINT"},
      {"INT16", "HUGEINT"},      {"FLOAT4", "FLOAT"},       {"REAL", "FLOAT"},       {"FLOAT8", "DOUBLE"},
      {"STRING", "VARCHAR"},     {"TEXT", "VARCHAR"},       {"BOOL", "BOOLEAN"},     {"LOGICAL", "BOOLEAN"},
      {"DATETIME", "TIMESTAMP"}, {"TIMESTAMP_US", "TIMESTAMP"}, {"TIMESTAMP_MS", "TIMESTAMP"},
      {"TIMESTAMP_S", "TIMESTAMP"}, {"TIMESTAMP_NS", "TIMESTAMP"}, {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"},
      {"BYTEA", "BLOB"},         {"BINARY", "BLOB"},        {"VARBINARY", "BLOB"},   {"NUMERIC", "DECIMAL(18,3)"},
      {"DECIMAL", "DECIMAL(18,3)"}};
  if (auto it = kAliases.find(t); it != kAliases.end()) return it->second;
  if (starts_with(t, "NUMERIC(")) t = "DECIMAL(" + t.substr(8);
  if (starts_with(t, "DECIMAL(")) t = replace_all(t, " ", "");
  return t;
}

WidenedType widen_type(const std::string& have, const std::string& seen) {
  std::string a = normalize_type(have), b = normalize_type(seen);
  if (a == b || a == "VARCHAR") return {Widening::kSame, a};  // text holds any value
  auto common = common_type(a, b);
  if (!common) return {Widening::kConflict, "VARCHAR"};
  if (*common == a) return {Widening::kSame, a};
  return {Widening::kWidened, *common};
}

}  // namespace silt::pipeline
