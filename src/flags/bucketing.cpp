#include "flags/bucketing.h"

#include <cstdio>
#include <stdexcept>

#include <openssl/evp.h>

namespace silt::flags {

namespace {

constexpr double kLongScale = static_cast<double>(0xFFFFFFFFFFFFFFFULL);

// One fetched SHA-1 implementation and one digest context per thread: fetching per call costs more
// than the hash itself.
struct Sha1 {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Sha1() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  void digest(std::string_view text, unsigned char out[20]) {
    unsigned int length = 0;
    if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, text.data(), text.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &length) != 1) {
      throw std::runtime_error("OpenSSL has no SHA-1 digest");
    }
  }
};

}  // namespace

double bucket_of(std::string_view key, std::string_view salt, std::optional<int64_t> seed, std::string_view value) {
  std::string input;
  if (seed) {
    input = std::to_string(*seed);
  } else {
    input.reserve(key.size() + salt.size() + value.size() + 2);
    input.append(key).append(".").append(salt);
  }
  input.append(".").append(value);
  thread_local Sha1 sha1;
  unsigned char digest[20];
  sha1.digest(input, digest);
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
