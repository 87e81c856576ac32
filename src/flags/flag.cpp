#include "flags/flag.h"

#include "base/clock.h"

#include <array>
#include <utility>

namespace silt::flags {

namespace {

constexpr std::array<std::pair<Operator, std::string_view>, 15> kOperatorNames{{
    {Operator::kIn, "in"},
    {Operator::kStartsWith, "startsWith"},
    {Operator::kEndsWith, "endsWith"},
    {Operator::kContains, "contains"},
    {Operator::kMatches, "matches"},
    {Operator::kLessThan, "lessThan"},
    {Operator::kLessThanOrEqual, "lessThanOrEqual"},
    {Operator::kGreaterThan, "greaterThan"},
    {Operator::kGreaterThanOrEqual, "greaterThanOrEqual"},
    {Operator::kBefore, "before"},
    {Operator::kAfter, "after"},
    {Operator::kSemVerEqual, "semVerEqual"},
    {Operator::kSemVerLessThan, "semVerLessThan"},
    {Operator::kSemVerGreaterThan, "semVerGreaterThan"},
    {Operator::kSegmentMatch, "segmentMatch"},
}};

}  // namespace

std::string_view operator_name(Operator op) {
  for (const auto& [candidate, name] : kOperatorNames) {
    if (candidate == op) return name;
  }
  return "?";
}

std::optional<Operator> operator_from_name(std::string_view name) {
  for (const auto& [op, candidate] : kOperatorNames) {
    if (candidate == name) return op;
  }
  return std::nullopt;
}

std::vector<std::string> operator_names() {
  std::vector<std::string> names;
  for (const auto& entry : kOperatorNames) names.emplace_back(entry.second);
  return names;
}

std::string variation_list(const Flag& flag) {
  std::string out;
  for (const Value& value : flag.variations) {
    if (!out.empty()) out += ", ";
    out += value.to_text();
  }
  return out;
}

std::optional<double> time_of_value(const Value& value) {
  if (value.is_number()) return value.as_number();
  if (value.is_string()) {
    auto ms = parse_rfc3339_ms(value.as_string());
    if (ms) return static_cast<double>(*ms);
  }
  return std::nullopt;
}

ClauseValue prepare_clause_value(Operator op, Value value) {
  ClauseValue prepared;
  prepared.value = std::move(value);
  const Value& v = prepared.value;
  switch (op) {
    case Operator::kMatches:
      if (v.is_string()) {
        try {
          prepared.regex = std::make_shared<const std::regex>(v.as_string(), std::regex::ECMAScript);
        } catch (const std::regex_error&) {
          // An invalid pattern matches nothing (file readers report it).
        }
      }
      break;
    case Operator::kBefore:
    case Operator::kAfter: prepared.time_ms = time_of_value(v); break;
    case Operator::kSemVerEqual:
    case Operator::kSemVerLessThan:
    case Operator::kSemVerGreaterThan:
      if (v.is_string()) prepared.version = parse_semver(v.as_string());
      break;
    default: break;
  }
  return prepared;
}

std::vector<std::string> parse_attribute_reference(const std::string& attribute, bool literal) {
  if (attribute.empty()) return {};
  if (literal || attribute[0] != '/') return {attribute};
  std::vector<std::string> path;
  std::string component;
  for (size_t i = 1; i <= attribute.size(); ++i) {
    if (i == attribute.size() || attribute[i] == '/') {
      if (component.empty()) return {};
      path.push_back(std::move(component));
      component.clear();
      continue;
    }
    if (attribute[i] == '~') {
      if (i + 1 < attribute.size() && attribute[i + 1] == '0') component += '~';
      else if (i + 1 < attribute.size() && attribute[i + 1] == '1') component += '/';
      else return {};
      ++i;
      continue;
    }
    component += attribute[i];
  }
  return path;
}

}  // namespace silt::flags
