// edit_flag: yaml-cpp reads the file, the flag's node is changed and emitted again in place of
// its lines.
#include "flags/flag_edit.h"

#include <algorithm>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/strings.h"
#include "flags/flag_yaml_internal.h"

namespace silt::flags {

namespace {

std::optional<YAML::Node> load(const std::string& text, std::string* problem) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    *problem = fmt::format("line {}: {}", e.mark.line + 1, e.msg);
    return std::nullopt;
  }
}

bool is_top_level_line(const std::string& line) {
  return !line.empty() && !std::isspace(static_cast<unsigned char>(line[0])) && line[0] != '#';
}

}  // namespace

bool defines_flag(const std::string& text, const std::string& key) {
  std::string problem;
  auto root = load(text, &problem);
  if (!root || !root->IsMap()) return false;
  for (const auto& entry : *root) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) return true;
  }
  return false;
}

Result<FlagEdit> edit_flag(const std::string& file_name, const std::string& text, const std::string& key,
                           const FlagChange& change) {
  std::string problem;
  auto root = load(text, &problem);
  if (!root) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: not valid YAML ({})", file_name, problem));
  if (!root->IsMap()) return make_error(ErrorCode::kInvalidArgument, fmt::format("{}: not a mapping of flags", file_name));
  YAML::Node key_node(YAML::NodeType::Undefined);
  YAML::Node flag(YAML::NodeType::Undefined);
  for (const auto& entry : *root) {
    if (entry.first.IsScalar() && entry.first.Scalar() == key) {
      key_node.reset(entry.first);
      flag.reset(entry.second);
    }
  }
  if (!flag.IsDefined() || !flag.IsMap()) {
    return make_error(ErrorCode::kNotFound, fmt::format("{} does not define flag '{}' as a mapping", file_name, key));
  }
  FlagEdit edit;
  edit.before_json = FlagYaml::value(flag).to_json();
  std::vector<std::string> variations;
  if (flag["variations"] && flag["variations"].IsSequence()) {
    for (const auto& item : flag["variations"]) variations.push_back(item.IsScalar() ? item.Scalar() : YAML::Dump(item));
  }
  auto check_variation = [&](const std::string& value) -> Status {
    if (std::find(variations.begin(), variations.end(), value) != variations.end()) return Status();
    return make_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a variation of flag '{}' (its variations: {})",
                                                               value, key, join(variations, ", ")));
  };

  if (change.on) flag["on"] = *change.on;
  if (change.fallthrough) {
    SILT_TRY(check_variation(*change.fallthrough));
    flag["fallthrough"] = *change.fallthrough;
  }
  if (!change.rollout.empty()) {
    int total = 0;
    YAML::Node weights(YAML::NodeType::Map);
    weights.SetStyle(YAML::EmitterStyle::Flow);
    for (const auto& [variation, percent] : change.rollout) {
      SILT_TRY(check_variation(variation));
      if (percent < 0 || percent > 100) {
        return make_error(ErrorCode::kInvalidArgument, fmt::format("rollout weight {}={} is not 0..100", variation, percent));
      }
      weights[variation] = percent;
      total += percent;
    }
    if (total != 100) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("rollout weights total {}%, not 100%", total));
    }
    YAML::Node fallthrough(YAML::NodeType::Map);
    fallthrough.SetStyle(YAML::EmitterStyle::Flow);
    fallthrough["rollout"] = weights;
    const YAML::Node old = flag["fallthrough"];
    if (old && old.IsMap()) {
      for (const char* kept : {"bucket_by", "seed", "experiment", "kind"}) {
        if (old[kept]) fallthrough[kept] = old[kept];
      }
    }
    flag["fallthrough"] = fallthrough;
  }
  if (!change.targets.empty()) {
    YAML::Node targets = flag["targets"] && flag["targets"].IsMap() ? flag["targets"] : YAML::Node(YAML::NodeType::Map);
    for (const auto& [variation, target] : change.targets) {
      SILT_TRY(check_variation(variation));
      // A key is a target of one variation: taken out of the others.
      YAML::Node updated(YAML::NodeType::Map);
      updated.SetStyle(YAML::EmitterStyle::Flow);
      bool placed = false;
      for (const auto& entry : targets) {
        YAML::Node keys(YAML::NodeType::Sequence);
        keys.SetStyle(YAML::EmitterStyle::Flow);
        if (entry.second.IsSequence()) {
          for (const auto& item : entry.second) {
            if (item.IsScalar() && item.Scalar() == target) continue;
            keys.push_back(item);
          }
        }
        if (entry.first.Scalar() == variation) {
          keys.push_back(target);
          placed = true;
        }
        if (keys.size() > 0) updated[entry.first.Scalar()] = keys;
      }
      if (!placed) {
        YAML::Node keys(YAML::NodeType::Sequence);
        keys.SetStyle(YAML::EmitterStyle::Flow);
        keys.push_back(target);
        updated[variation] = keys;
      }
      targets = updated;
    }
    flag["targets"] = targets;
  }
  int version = 1;
  if (flag["version"] && flag["version"].IsScalar()) {
    version = static_cast<int>(parse_int64(flag["version"].Scalar()).value_or(1));
  }
  edit.version_before = version;
  edit.version_after = version + 1;
  flag["version"] = edit.version_after;

  // The flag's lines: from its key to the next top-level line (trailing blank and comment lines
  // belong to what follows).
  std::vector<std::string> lines = split(text, '\n');
  const size_t start = static_cast<size_t>(key_node.Mark().line);
  size_t end = start + 1;
  while (end < lines.size() && !is_top_level_line(lines[end])) ++end;
  while (end > start + 1 && (trim(lines[end - 1]).empty() || starts_with(trim(lines[end - 1]), "#"))) --end;
  YAML::Emitter out;
  out << YAML::BeginMap << YAML::Key << key << YAML::Value << flag << YAML::EndMap;
  std::string section = out.c_str();
  // Read back, so the record holds the values as the file now types them.
  auto reread = load(section, &problem);
  if (!reread) return make_error(ErrorCode::kInternal, fmt::format("the changed flag does not read back: {}", problem));
  edit.after_json = FlagYaml::value((*reread)[key]).to_json();
  std::string result;
  for (size_t i = 0; i < start; ++i) result += lines[i] + "\n";
  result += section + "\n";
  for (size_t i = end; i < lines.size(); ++i) {
    result += lines[i];
    if (i + 1 < lines.size()) result += "\n";
  }
  edit.text = std::move(result);
  return edit;
}

}  // namespace silt::flags
