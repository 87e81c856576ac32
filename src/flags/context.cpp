#include "flags/context.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace silt::flags {

SingleContext::SingleContext(std::string kind, std::string key, Value::Object attributes)
    : kind_(std::move(kind)),
      key_(std::move(key)),
      kind_value_(kind_),
      key_value_(key_),
      attributes_(std::move(attributes)) {}

const Value* SingleContext::get(std::string_view name) const {
  if (name == "key") return &key_value_;
  if (name == "kind") return &kind_value_;
  auto it = attributes_.find(name);
  if (it == attributes_.end() || it->second.is_null()) return nullptr;
  return &it->second;
}

const Value* SingleContext::get_path(const std::vector<std::string>& path) const {
  if (path.empty()) return nullptr;
  const Value* value = get(path[0]);
  for (size_t i = 1; value != nullptr && i < path.size(); ++i) value = value->find(path[i]);
  return value != nullptr && value->is_null() ? nullptr : value;
}

Result<Context> Context::multi(std::vector<SingleContext> kinds) {
  if (kinds.empty()) return make_error(ErrorCode::kInvalidArgument, "a context needs at least one kind");
  std::sort(kinds.begin(), kinds.end(), [](const SingleContext& a, const SingleContext& b) { return a.kind() < b.kind(); });
  for (size_t i = 1; i < kinds.size(); ++i) {
    if (kinds[i].kind() == kinds[i - 1].kind()) {
      return make_error(ErrorCode::kInvalidArgument, fmt::format("the context has kind '{}' twice", kinds[i].kind()));
    }
  }
  Context context;
  context.kinds_ = std::move(kinds);
  return context;
}

const SingleContext* Context::find(std::string_view kind) const {
  for (const SingleContext& single : kinds_) {
    if (single.kind() == kind) return &single;
  }
  return nullptr;
}

namespace {

std::string escaped_key(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '%') out += "%25";
    else if (c == ':') out += "%3A";
    else out += c;
  }
  return out;
}

Value single_to_value(const SingleContext& single, bool with_kind) {
  Value::Object members = single.attributes();
  if (with_kind) members["kind"] = Value(single.kind());
  members["key"] = Value(single.key());
  return Value::object(std::move(members));
}

Result<SingleContext> single_from_value(const std::string& kind, const Value& value) {
  if (!value.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, fmt::format("the context of kind '{}' is not an object", kind));
  }
  if (kind.empty() || kind == "kind" || kind == "multi" ||
      !std::all_of(kind.begin(), kind.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; })) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("'{}' is not a context kind (letters, digits, '.', '_' and '-'; not 'kind' or 'multi')", kind));
  }
  const Value* key = value.find("key");
  if (key == nullptr || !key->is_string() || key->as_string().empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("the context of kind '{}' has no key (a non-empty string \"key\")", kind));
  }
  Value::Object attributes;
  for (const auto& [name, member] : value.as_object()) {
    if (name == "key" || name == "kind") continue;
    if (name == "custom" && member.is_object()) {  // old-style user: custom attributes one level down
      for (const auto& [custom_name, custom] : member.as_object()) attributes.emplace(custom_name, custom);
      continue;
    }
    attributes[name] = member;
  }
  return SingleContext(kind, key->as_string(), std::move(attributes));
}

}  // namespace

std::string Context::fully_qualified_key() const {
  if (kinds_.size() == 1) {
    if (kinds_[0].kind() == kUserKind) return kinds_[0].key();
    return kinds_[0].kind() + ":" + escaped_key(kinds_[0].key());
  }
  std::string out;
  for (const SingleContext& single : kinds_) {
    if (!out.empty()) out += ':';
    out += single.kind() + ":" + escaped_key(single.key());
  }
  return out;
}

Value Context::to_value() const {
  if (kinds_.size() == 1) return single_to_value(kinds_[0], true);
  Value::Object members;
  members["kind"] = Value("multi");
  for (const SingleContext& single : kinds_) members[single.kind()] = single_to_value(single, false);
  return Value::object(std::move(members));
}

Result<Context> context_from_value(const Value& value) {
  if (!value.is_object()) return make_error(ErrorCode::kInvalidArgument, "a context is a JSON object");
  const Value* kind = value.find("kind");
  if (kind == nullptr) {
    SILT_TRY_ASSIGN(SingleContext single, single_from_value(std::string(kUserKind), value));
    return Context(std::move(single));
  }
  if (!kind->is_string()) return make_error(ErrorCode::kInvalidArgument, "a context's \"kind\" is a string");
  if (kind->as_string() != "multi") {
    SILT_TRY_ASSIGN(SingleContext single, single_from_value(kind->as_string(), value));
    return Context(std::move(single));
  }
  std::vector<SingleContext> kinds;
  for (const auto& [name, member] : value.as_object()) {
    if (name == "kind") continue;
    SILT_TRY_ASSIGN(SingleContext single, single_from_value(name, member));
    kinds.push_back(std::move(single));
  }
  return Context::multi(std::move(kinds));
}

}  // namespace silt::flags
