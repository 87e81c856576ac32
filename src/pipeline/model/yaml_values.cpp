// Typed values of YAML nodes for the model configuration; see yaml_internal.h.
#include "pipeline/model/yaml_internal.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

namespace silt::pipeline {

std::string_view trim_right(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(0, end);
}

std::string node_kind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "nothing";
}

TextPosition position_of(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// A number written in decimal ("5", "0.5", "1e3"); nullopt on any stray character.
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  double value = 0;
  if (text.empty()) return std::nullopt;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

// A percentage: a number, optionally followed by '%'.
std::optional<double> parse_percentage(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.back() == '%') text.remove_suffix(1);
  return parse_number(text);
}

// "30s", "15m", "12h", "2d", "1w" in milliseconds; nullopt unless a positive whole number and a unit.
std::optional<int64_t> parse_duration_ms(std::string_view text) {
  text = trim(text);
  if (text.size() < 2) return std::nullopt;
  int64_t unit_ms = 0;
  switch (std::tolower(static_cast<unsigned char>(text.back()))) {
    case 's': unit_ms = 1000; break;
    case 'm': unit_ms = 60 * 1000; break;
    case 'h': unit_ms = 60 * 60 * 1000; break;
    case 'd': unit_ms = 24 * 60 * 60 * 1000; break;
    case 'w': unit_ms = 7 * 24 * 60 * 60 * 1000; break;
    default: return std::nullopt;
  }
  auto count = parse_int64(text.substr(0, text.size() - 1));
  if (!count || *count <= 0 || *count > std::numeric_limits<int64_t>::max() / unit_ms) return std::nullopt;
  return *count * unit_ms;
}

}  // namespace silt::pipeline
