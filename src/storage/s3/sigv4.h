// AWS Signature Version 4 for S3 requests: canonical request, string to sign, signing key, and the
// headers that authenticate one HTTP request. Pure computation on values the caller passes in: no
// clock, no network, no credential lookup, and no secret ever appears in an error message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace silt::storage::s3 {

// The credentials a request is signed with; session_token is set for temporary (STS) credentials
// and is then sent, and signed, as x-amz-security-token.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;
};

struct HttpHeader {
  std::string name;
  std::string value;
};

struct QueryParameter {
  std::string name;
  std::string value;  // empty for a bare name ("?lifecycle" signs as "lifecycle=")
};

// x-amz-content-sha256 of a request whose body is not hashed (allowed by S3 over HTTPS).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty body (GET, HEAD, DELETE).
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// One HTTP request as it will be sent.
//
// `path` and `query` are given decoded (an object key as stored, "/bucket/a b+c.csv") and encoded
// here exactly once, each byte outside A-Z a-z 0-9 - _ . ~ as %XX, '/' kept in the path. S3 does
// not normalise paths, so neither does the signer: "//", "." and ".." segments are signed as they
// are. The URL actually sent must carry the same bytes: build it from canonical_uri(path) and
// canonical_query_string(query), and with libcurl set CURLOPT_PATH_AS_IS so that curl does not
// remove dot segments after signing.
struct HttpRequestToSign {
  std::string method;                 // "GET", "PUT", "HEAD", "DELETE", "POST"
  std::string host;                   // the Host header: "bucket.s3.eu-west-1.amazonaws.com", "127.0.0.1:9000"
  std::string path = "/";             // decoded, starting with '/'; empty means "/"
  std::vector<QueryParameter> query;  // decoded, in any order
  // Further headers to sign and send (Range, Content-Type, Content-MD5, x-amz-meta-*, ...), in any
  // order and case. Not host, x-amz-date, x-amz-content-sha256, x-amz-security-token or
  // Authorization: sign_request sets those.
  std::vector<HttpHeader> headers;
  // Lower-case hex SHA-256 of the body (sha256_hex(body), kEmptyPayloadSha256), or kUnsignedPayload.
  std::string payload_sha256{kEmptyPayloadSha256};
};

// The headers to add to `request` so that S3 accepts it, in this order: x-amz-date,
// x-amz-content-sha256, x-amz-security-token (only with a session token), Authorization. The
// signature covers host, x-amz-content-sha256, x-amz-date, the token and every header of
// `request.headers`.
//
// `region` is the bucket's region ("us-east-1"; MinIO and most S3-compatible stores accept
// "us-east-1"), `service` is "s3", and `timestamp` is the time of sending in ISO 8601 basic UTC,
// "YYYYMMDDTHHMMSSZ" (S3 refuses a request more than 15 minutes away from its own clock).
//
// Errors: InvalidArgument for a malformed timestamp, method, host, path, payload hash, region,
// service or credential, for a header name that is not an HTTP token or a value with a line break,
// and for a header the signer sets itself; Internal when libcrypto fails. Thread-safe.
Result<std::vector<HttpHeader>> sign_request(const HttpRequestToSign& request, const Credentials& credentials,
                                             std::string_view region, std::string_view service,
                                             std::string_view timestamp);

// --- The stages of the signature, exposed so that tests can check each one. -------------------
// They assume valid input (sign_request validates before calling them).

// Lower-case hex SHA-256 of `data`. Internal error only when libcrypto fails.
Result<std::string> sha256_hex(std::string_view data);
// The raw 32-byte HMAC-SHA256 of `data` under `key` (any length). Internal error only when libcrypto fails.
Result<std::string> hmac_sha256(std::string_view key, std::string_view data);

// SigV4's UriEncode: every byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex); '/' too
// when `encode_slash`. Applied once: "%20" becomes "%2520". Locale-independent.
std::string uri_encode(std::string_view text, bool encode_slash);

// The canonical URI of a decoded path: uri_encode(path, false), "/" for an empty path.
std::string canonical_uri(std::string_view path);

// name=value pairs, both uri_encode()d with '/' encoded, sorted by encoded name then encoded
// value (byte order), joined by '&'; "" when there are none.
std::string canonical_query_string(const std::vector<QueryParameter>& query);

struct CanonicalHeaders {
  std::string text;            // "name:value\n" per header name, sorted by name
  std::string signed_headers;  // the names joined by ';' ("host;range;x-amz-date")
};
// Names lower-cased (ASCII); values trimmed of spaces and tabs, inner runs of them collapsed to one
// space; headers sharing a name merged into one, their values joined by ',' in the given order.
CanonicalHeaders canonical_headers(const std::vector<HttpHeader>& headers);

// Method, canonical URI, canonical query string, canonical headers (request.headers plus host),
// signed headers and payload hash, joined by '\n'. Signs exactly the given headers: sign_request
// adds x-amz-date, x-amz-content-sha256 and the session token before calling it.
std::string canonical_request(const HttpRequestToSign& request);

// "<date>/<region>/<service>/aws4_request", `date` being the timestamp's "YYYYMMDD".
std::string credential_scope(std::string_view date, std::string_view region, std::string_view service);

// "AWS4-HMAC-SHA256\n<timestamp>\n<scope>\n<sha256_hex(canonical request)>".
Result<std::string> string_to_sign(std::string_view timestamp, std::string_view scope,
                                   std::string_view canonical_request);

// HMAC chain "AWS4" + secret -> date -> region -> service -> "aws4_request": the raw 32-byte key,
// the same for every request of one day, region and service (a caller may keep it for the day).
Result<std::string> signing_key(std::string_view secret_access_key, std::string_view date, std::string_view region,
                                std::string_view service);

// Lower-case hex HMAC-SHA256 of the string to sign under the signing key.
Result<std::string> signature(std::string_view signing_key, std::string_view string_to_sign);

// "AWS4-HMAC-SHA256 Credential=<key id>/<scope>,SignedHeaders=<names>,Signature=<hex>", the form
// of S3's documentation (no spaces after the commas; S3 accepts both).
std::string authorization_header(std::string_view access_key_id, std::string_view scope,
                                 std::string_view signed_headers, std::string_view signature);

}  // namespace silt::storage::s3
