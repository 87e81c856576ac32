// Signature Version 4 as S3 documents it, with libcrypto for SHA-256 and HMAC. Validation lives in
// sign_request only; the stage functions build strings from input assumed valid.
#include "storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <climits>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace silt::storage::s3 {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr unsigned int kSha256Size = 32;

std::string lower_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

bool is_unreserved(unsigned char c) {
  // Spelled out rather than std::isalnum, whose answer depends on the C locale.
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ASCII only, unlike std::tolower: a signature must not depend on the process locale.
std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Trims spaces and tabs and collapses inner runs of them to one space ("Trimall" of the spec).
std::string trim_all(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_blank(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// RFC 9110 token characters: what a header name may hold.
bool is_token_char(char c) {
  if (is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_token_char);
}

bool is_lower_hex_sha256(std::string_view text) {
  return text.size() == 2 * kSha256Size &&
         std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

// A value that goes into the Authorization or another header line: a control character there would
// end the header (CR, LF) or be refused by the server.
bool has_control_char(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// A header value may hold tabs (trimmed like spaces) but no CR, LF or NUL, which would end or cut
// the header line on the wire.
bool has_line_break(std::string_view text) { return text.find_first_of(std::string_view("\r\n\0", 3)) != text.npos; }

// Region and service are parts of the credential scope, separated by '/'.
bool is_scope_part(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '/' && c != ',';
  });
}

int two_digits(std::string_view text, size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); }

bool is_basic_timestamp(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  for (size_t i = 0; i < 15; ++i) {
    if (i != 8 && !is_digit(text[i])) return false;
  }
  int month = two_digits(text, 4);
  int day = two_digits(text, 6);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && two_digits(text, 9) <= 23 &&
         two_digits(text, 11) <= 59 && two_digits(text, 13) <= 60;
}

// The headers the signer owns: a caller's copy would be signed twice or contradict ours.
bool is_signer_header(std::string_view lower_name) {
  return lower_name == "host" || lower_name == "x-amz-date" || lower_name == "x-amz-content-sha256" ||
         lower_name == "x-amz-security-token" || lower_name == "authorization";
}

Error invalid(std::string message) {
  return make_error(ErrorCode::kInvalidArgument, "cannot sign the S3 request: " + std::move(message));
}

// Never quotes a secret or a session token: messages end up in logs.
Status validate(const HttpRequestToSign& request, const Credentials& credentials, std::string_view region,
                std::string_view service, std::string_view timestamp) {
  if (!is_basic_timestamp(timestamp)) {
    return invalid("timestamp '" + std::string(timestamp) +
                   "' is not ISO 8601 basic UTC (expected YYYYMMDDTHHMMSSZ, like 20130524T000000Z)");
  }
  if (!is_scope_part(region)) {
    return invalid("region '" + std::string(region) +
                   "' is empty or holds a space, '/' or ',' (expected one like us-east-1)");
  }
  if (!is_scope_part(service)) {
    return invalid("service '" + std::string(service) + "' is empty or holds a space, '/' or ',' (expected s3)");
  }
  if (credentials.access_key_id.empty() || has_control_char(credentials.access_key_id) ||
      credentials.access_key_id.find_first_of(" ,") != std::string::npos) {
    return invalid("the access key id is empty or holds a space, ',' or a control character");
  }
  if (credentials.secret_access_key.empty()) return invalid("the secret access key is empty");
  if (credentials.session_token &&
      (credentials.session_token->empty() || has_control_char(*credentials.session_token))) {
    return invalid("the session token is empty or holds a control character");
  }
  if (request.method.empty() ||
      !std::all_of(request.method.begin(), request.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return invalid("method '" + request.method + "' is not an upper-case HTTP method (GET, PUT, HEAD, DELETE, POST)");
  }
  if (request.host.empty() || has_control_char(request.host) ||
      request.host.find_first_of(" /") != std::string::npos) {
    return invalid("host '" + request.host + "' is empty or holds a space, '/' or a control character");
  }
  if (!request.path.empty() && request.path.front() != '/') {
    return invalid("path '" + request.path + "' does not start with '/'");
  }
  if (request.payload_sha256 != kUnsignedPayload && !is_lower_hex_sha256(request.payload_sha256)) {
    return invalid("payload hash '" + request.payload_sha256 +
                   "' is neither 64 lower-case hex digits (the body's SHA-256) nor UNSIGNED-PAYLOAD");
  }
  for (const auto& header : request.headers) {
    if (!is_token(header.name)) return invalid("header name '" + header.name + "' is not an HTTP token");
    if (is_signer_header(ascii_lower(header.name))) {
      return invalid("header '" + header.name + "' is set by the signer; leave it out of the request's headers");
    }
    if (has_line_break(header.value)) return invalid("the value of header '" + header.name + "' holds a line break");
  }
  return Status();
}

// The headers a canonical request signs: the request's own plus host.
std::vector<HttpHeader> headers_with_host(const HttpRequestToSign& request) {
  std::vector<HttpHeader> headers = request.headers;
  headers.push_back({"host", request.host});
  return headers;
}

std::string assemble_canonical_request(const HttpRequestToSign& request, const CanonicalHeaders& headers) {
  std::string out = request.method;
  out.push_back('\n');
  out += canonical_uri(request.path);
  out.push_back('\n');
  out += canonical_query_string(request.query);
  out.push_back('\n');
  out += headers.text;  // each line ends in '\n', so a blank line follows the last header
  out.push_back('\n');
  out += headers.signed_headers;
  out.push_back('\n');
  out += request.payload_sha256;
  return out;
}

}  // namespace

Result<std::string> sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // An empty view may have a null data(); libcrypto is given a valid pointer either way.
  const char* bytes = data.empty() ? "" : data.data();
  if (EVP_Digest(bytes, data.size(), digest, &size, EVP_sha256(), nullptr) != 1 || size != kSha256Size) {
    return make_error(ErrorCode::kInternal, "libcrypto failed to compute a SHA-256 digest");
  }
  return lower_hex(digest, size);
}

Result<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    return make_error(ErrorCode::kInternal, "HMAC-SHA256 key too long for libcrypto");
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const char* key_bytes = key.empty() ? "" : key.data();
  const char* data_bytes = data.empty() ? "" : data.data();
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data_bytes),
           data.size(), mac, &size) == nullptr ||
      size != kSha256Size) {
    return make_error(ErrorCode::kInternal, "libcrypto failed to compute an HMAC-SHA256");
  }
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte) || (c == '/' && !encode_slash)) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 15]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path) { return path.empty() ? "/" : uri_encode(path, false); }

std::string canonical_query_string(const std::vector<QueryParameter>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& parameter : query) {
    encoded.emplace_back(uri_encode(parameter.name, true), uri_encode(parameter.value, true));
  }
  // The spec sorts the encoded forms: "a/b" (a%2Fb) comes before "a.b", though '.' < '/'.
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

CanonicalHeaders canonical_headers(const std::vector<HttpHeader>& headers) {
  std::vector<std::pair<std::string, std::string>> entries;
  entries.reserve(headers.size());
  for (const auto& header : headers) entries.emplace_back(ascii_lower(header.name), trim_all(header.value));
  // Stable: values of a repeated header keep the order they were given in, as the spec requires.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& left, const auto& right) { return left.first < right.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < entries.size();) {
    const std::string& name = entries[i].first;
    std::string value = entries[i].second;
    size_t next = i + 1;
    for (; next < entries.size() && entries[next].first == name; ++next) {
      value.push_back(',');
      value += entries[next].second;
    }
    out.text += name;
    out.text.push_back(':');
    out.text += value;
    out.text.push_back('\n');
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers += name;
    i = next;
  }
  return out;
}

std::string canonical_request(const HttpRequestToSign& request) {
  return assemble_canonical_request(request, canonical_headers(headers_with_host(request)));
}

std::string credential_scope(std::string_view date, std::string_view region, std::string_view service) {
  std::string out(date);
  out.push_back('/');
  out += region;
  out.push_back('/');
  out += service;
  out += "/aws4_request";
  return out;
}

Result<std::string> string_to_sign(std::string_view timestamp, std::string_view scope,
                                   std::string_view canonical_request) {
  SILT_TRY_ASSIGN(std::string hash, sha256_hex(canonical_request));
  std::string out(kAlgorithm);
  out.push_back('\n');
  out += timestamp;
  out.push_back('\n');
  out += scope;
  out.push_back('\n');
  out += hash;
  return out;
}

Result<std::string> signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                                std::string_view service) {
  std::string secret = "AWS4";
  secret += secret_access_key;
  SILT_TRY_ASSIGN(std::string date_key, hmac_sha256(secret, date));
  SILT_TRY_ASSIGN(std::string region_key, hmac_sha256(date_key, region));
  SILT_TRY_ASSIGN(std::string service_key, hmac_sha256(region_key, service));
  return hmac_sha256(service_key, "aws4_request");
}

Result<std::string> signature(std::string_view signing_key, std::string_view string_to_sign) {
  SILT_TRY_ASSIGN(std::string mac, hmac_sha256(signing_key, string_to_sign));
  return lower_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += access_key_id;
  out.push_back('/');
  out += scope;
  out += ",SignedHeaders=";
  out += signed_headers;
  out += ",Signature=";
  out += signature;
  return out;
}

Result<std::vector<HttpHeader>> sign_request(const HttpRequestToSign& request, const Credentials& credentials,
                                             std::string_view region, std::string_view service,
                                             std::string_view timestamp) {
  SILT_TRY(validate(request, credentials, region, service, timestamp));

  std::vector<HttpHeader> added;
  added.push_back({"x-amz-date", std::string(timestamp)});
  added.push_back({"x-amz-content-sha256", request.payload_sha256});
  if (credentials.session_token) added.push_back({"x-amz-security-token", *credentials.session_token});

  HttpRequestToSign to_sign = request;
  to_sign.headers.insert(to_sign.headers.end(), added.begin(), added.end());
  CanonicalHeaders headers = canonical_headers(headers_with_host(to_sign));
  std::string canonical = assemble_canonical_request(to_sign, headers);

  std::string_view date = timestamp.substr(0, 8);
  std::string scope = credential_scope(date, region, service);
  SILT_TRY_ASSIGN(std::string text, string_to_sign(timestamp, scope, canonical));
  SILT_TRY_ASSIGN(std::string key, signing_key(credentials.secret_access_key, date, region, service));
  SILT_TRY_ASSIGN(std::string hex, signature(key, text));

  added.push_back(
      {"Authorization", authorization_header(credentials.access_key_id, scope, headers.signed_headers, hex)});
  return added;
}

}  // namespace silt::storage::s3
