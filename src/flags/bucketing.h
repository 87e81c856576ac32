// LaunchDarkly's rollout bucketing: a context's place in [0, 1) for a flag or segment, from the
// SHA-1 of "<key>.<salt>.<value>" (or "<seed>.<value>"): the first 15 hex digits of the digest as an
// integer divided by 0xFFFFFFFFFFFFFFF.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flags/context.h"
#include "flags/value.h"

namespace silt::flags {

// The bucket of a bucketing value (the context key or a bucketBy attribute, already made a string).
double bucket_of(std::string_view key, std::string_view salt, std::optional<int64_t> seed, std::string_view value);

// The string a context value buckets by: a string as is, an integer number in decimal; nullopt for
// any other value (such contexts go to bucket 0, as in LaunchDarkly).
std::optional<std::string> bucketable_string(const Value& value);

// The bucket of a context for a rollout or segment rule: nullopt when the context has no kind
// `context_kind` (LaunchDarkly then uses bucket 0 and counts it out of any experiment); 0 when the
// attribute is missing or not bucketable.
std::optional<double> context_bucket(const Context& context, std::string_view context_kind,
                                     const std::vector<std::string>& attribute_path, std::string_view key,
                                     std::string_view salt, std::optional<int64_t> seed);

}  // namespace silt::flags
