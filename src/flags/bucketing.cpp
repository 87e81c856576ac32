#include "flags/bucketing.h"

// SHA1_Init and friends are deprecated in OpenSSL 3 in favour of EVP, which is several times slower
// for inputs this short; they remain part of OpenSSL 3's API.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace silt::flags {

namespace {
constexpr double kLongScale = static_cast<double>(0xFFFFFFFFFFFFFFFULL);
}  // namespace

double bucket_of(std::string_view key, std::string_view salt, std::optional<int64_t> seed, std::string_view value) {
  // SHA-1's own functions, fed piece by piece: no concatenated string, and none of the EVP
  // provider dispatch that costs more than the digest of a short input.
  SHA_CTX sha;
  SHA1_Init(&sha);
  if (seed) {
    const std::string prefix = std::to_string(*seed);
    SHA1_Update(&sha, prefix.data(), prefix.size());
  } else {
    SHA1_Update(&sha, key.data(), key.size());
    SHA1_Update(&sha, ".", 1);
    SHA1_Update(&sha, salt.data(), salt.size());
  }
  SHA1_Update(&sha, ".", 1);
  SHA1_Update(&sha, value.data(), value.size());
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1_Final(digest, &sha);
  // 15 hex digits = the first 60 bits of the digest.
  uint64_t first = 0;
  for (int i = 0; i < 8; ++i) first = (first << 8) | digest[i];
  return static_cast<double>(first >> 4) / kLongScale;
}

std::optional<std::string> bucketable_string(const Value& value) {
  if (value.is_string()) return value.as_string();
  if (value.is_integer()) return std::to_string(static_cast<int64_t>(value.as_number()));
  return std::nullopt;
}

std::optional<double> context_bucket(const Context& context, std::string_view context_kind,
                                     const std::vector<std::string>& attribute_path, std::string_view key,
                                     std::string_view salt, std::optional<int64_t> seed) {
  const SingleContext* single = context.find(context_kind);
  if (single == nullptr) return std::nullopt;
  const Value* value = single->get_path(attribute_path);
  if (value == nullptr) return 0.0;
  if (value->is_string()) return bucket_of(key, salt, seed, value->as_string());
  auto text = bucketable_string(*value);
  if (!text) return 0.0;
  return bucket_of(key, salt, seed, *text);
}

}  // namespace silt::flags
