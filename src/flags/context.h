// The evaluation context: who or what a flag is evaluated for. A context has one or more kinds
// (LaunchDarkly's multi-kind contexts), each with a key and attributes. silt's own runs evaluate for
// a context of kind "job".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "flags/value.h"

namespace silt::flags {

inline constexpr std::string_view kJobKind = "job";
// The kind of a context, a clause, a target or a rollout that does not name one (LaunchDarkly's).
inline constexpr std::string_view kUserKind = "user";

// One kind of a context: its key and attributes ("name", "anonymous" and custom ones).
class SingleContext {
 public:
  SingleContext(std::string kind, std::string key, Value::Object attributes = {});

  const std::string& kind() const { return kind_; }
  const std::string& key() const { return key_; }
  const Value::Object& attributes() const { return attributes_; }
  // An attribute by name: "key" and "kind" are built in, the rest come from the attributes; nullptr
  // when absent (a null attribute counts as absent).
  const Value* get(std::string_view name) const;
  // An attribute by reference path (LaunchDarkly's "/address/city": members of nested objects).
  const Value* get_path(const std::vector<std::string>& path) const;

 private:
  std::string kind_;
  std::string key_;
  Value kind_value_;
  Value key_value_;
  Value::Object attributes_;
};

class Context {
 public:
  Context() = default;
  explicit Context(SingleContext single) { kinds_.push_back(std::move(single)); }
  // A multi-kind context; kinds must be distinct.
  static Result<Context> multi(std::vector<SingleContext> kinds);

  // The context of the given kind, nullptr if it has none.
  const SingleContext* find(std::string_view kind) const;
  const std::vector<SingleContext>& kinds() const { return kinds_; }
  bool empty() const { return kinds_.empty(); }
  // LaunchDarkly's canonical key: "job:nightly" for one kind (a lone user: its key alone); for
  // several, the kinds in name order joined by ':' ("job:nightly:user:ann"); ':' and '%' in keys
  // are escaped.
  std::string fully_qualified_key() const;
  // The context as JSON ({"kind":"job","key":...,...} or {"kind":"multi","job":{...},...}).
  Value to_value() const;

 private:
  std::vector<SingleContext> kinds_;
};

// A context from its JSON form: {"kind": "user", "key": "ann", ...}, {"kind": "multi", "user": {...},
// "org": {...}}, or an old-style user without "kind". The key must be a non-empty string.
Result<Context> context_from_value(const Value& value);

}  // namespace silt::flags
