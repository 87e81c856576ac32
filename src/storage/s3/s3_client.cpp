// S3 REST over HttpClient: URL and Host per addressing style, SigV4 on every attempt (the date
// changes), XML answers read with pugixml, and one retry loop for every call.
#include "storage/s3/s3_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <random>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <pugixml.hpp>

#include "base/clock.h"
#include "base/strings.h"

namespace silt::storage::s3 {
namespace {

std::string amz_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string strip_quotes(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') return text.substr(1, text.size() - 2);
  // Some stores escape them in XML as &quot;, which pugixml already decoded.
  return text;
}

int64_t http_date_ms(const std::string& text) {
  if (text.empty()) return 0;
  time_t seconds = curl_getdate(text.c_str(), nullptr);
  return seconds < 0 ? 0 : static_cast<int64_t>(seconds) * 1000;
}

std::string base64(const unsigned char* bytes, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

Result<std::string> md5_base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr) != 1) {
    return make_error(ErrorCode::kInternal, "libcrypto failed to compute an MD5 digest");
  }
  return base64(digest, size);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

struct S3ErrorBody {
  bool parsed = false;  // an <Error> document
  std::string code;
  std::string message;
  std::string region;
};

S3ErrorBody parse_error_body(const std::string& body) {
  S3ErrorBody out;
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return out;
  pugi::xml_node error = doc.child("Error");
  if (!error) return out;
  out.parsed = true;
  out.code = error.child("Code").text().as_string();
  out.message = error.child("Message").text().as_string();
  out.region = error.child("Region").text().as_string();
  return out;
}

bool retryable_status(long status, const std::string& body) {
  if (status == 429 || status == 500 || status == 502 || status == 503 || status == 504) return true;
  if (status == 400 || status == 409) {
    std::string code = parse_error_body(body).code;
    return code == "RequestTimeout" || code == "ConditionalRequestConflict" || code == "OperationAborted";
  }
  return false;
}

// "a", "b/c" -> "s3://a/b/c".
std::string object_url(const std::string& bucket, const std::string& key) {
  return key.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + key;
}

}  // namespace

struct S3Client::Call {
  std::string method;
  std::string bucket;
  std::string key;
  std::vector<QueryParameter> query;
  std::vector<HttpHeader> headers;
  std::string_view body;
  // Whether sending it twice does no harm (GET, HEAD, plain PUT, DELETE, a part upload).
  bool retry_safe = true;
};

S3Client::S3Client(S3Options options) : options_(std::move(options)), http_(options_.http) {
  std::string endpoint = options_.endpoint;
  if (endpoint.empty()) {
    scheme_ = "https";
    authority_ = fmt::format("s3.{}.amazonaws.com", options_.region.empty() ? "us-east-1" : options_.region);
  } else {
    size_t at = endpoint.find("://");
    scheme_ = at == std::string::npos ? "https" : to_lower(endpoint.substr(0, at));
    authority_ = at == std::string::npos ? endpoint : endpoint.substr(at + 3);
    while (!authority_.empty() && authority_.back() == '/') authority_.pop_back();
    // curl leaves a default port out of the Host header; the signature must match what is sent.
    if (scheme_ == "http" && ends_with(authority_, ":80")) authority_.resize(authority_.size() - 3);
    if (scheme_ == "https" && ends_with(authority_, ":443")) authority_.resize(authority_.size() - 4);
  }
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

std::string S3Client::url_of(const std::string& bucket, const std::string& key) { return object_url(bucket, key); }

S3Counters S3Client::counters() const {
  return S3Counters{requests_.load(), retries_.load(), bytes_received_.load(), bytes_sent_.load()};
}

Result<HttpResponse> S3Client::send_once(const Call& call) {
  if (!options_.credentials) return make_error(ErrorCode::kConfig, "no S3 credentials were configured");
  SILT_TRY_ASSIGN(Credentials credentials, options_.credentials->get());
  HttpRequestToSign request;
  request.method = call.method;
  if (options_.path_style || call.bucket.empty()) {
    request.host = authority_;
    request.path = "/" + call.bucket + (call.key.empty() ? "" : "/" + call.key);
  } else {
    request.host = call.bucket + "." + authority_;
    request.path = "/" + call.key;
  }
  request.query = call.query;
  request.headers = call.headers;
  if (call.body.empty()) {
    request.payload_sha256 = std::string(kEmptyPayloadSha256);
  } else if (scheme_ == "https") {
    request.payload_sha256 = std::string(kUnsignedPayload);  // TLS protects the body
  } else {
    SILT_TRY_ASSIGN(request.payload_sha256, sha256_hex(call.body));
  }
  SILT_TRY_ASSIGN(std::vector<HttpHeader> auth, sign_request(request, credentials, options_.region, "s3", amz_timestamp()));

  HttpCall http;
  http.method = call.method;
  http.url = scheme_ + "://" + request.host + canonical_uri(request.path);
  std::string query = canonical_query_string(request.query);
  if (!query.empty()) http.url += "?" + query;
  http.headers = call.headers;
  http.headers.insert(http.headers.end(), auth.begin(), auth.end());
  http.body = call.body;
  ++requests_;
  bytes_sent_ += static_cast<int64_t>(call.body.size());
  SILT_TRY_ASSIGN(HttpResponse response, http_.send(http));
  bytes_received_ += static_cast<int64_t>(response.body.size());
  return response;
}

void S3Client::pause_before_retry(int attempt) {
  static thread_local std::mt19937_64 random(std::random_device{}());
  int64_t ceiling = std::min<int64_t>(options_.retry_cap.count(), options_.retry_base.count() << std::min(attempt, 20));
  std::uniform_int_distribution<int64_t> pause(0, std::max<int64_t>(ceiling, 1));
  ++retries_;
  std::this_thread::sleep_for(std::chrono::milliseconds(pause(random)));
}

Result<HttpResponse> S3Client::perform(const Call& call) {
  for (int attempt = 0;; ++attempt) {
    Result<HttpResponse> response = send_once(call);
    bool retry = false;
    if (response) {
      retry = call.retry_safe && retryable_status(response->status, response->body);
    } else if (response.error().reason() == "http_transport") {
      retry = call.retry_safe || !HttpClient::request_sent(response.error());
    }
    if (!retry || attempt + 1 >= options_.max_attempts) return response;
    pause_before_retry(attempt);
  }
}

Error S3Client::error_from(const Call& call, const HttpResponse& response) const {
  S3ErrorBody body = parse_error_body(response.body);
  std::string where = object_url(call.bucket, call.key);
  std::string endpoint = options_.endpoint.empty() ? fmt::format("AWS S3 ({})", options_.region) : options_.endpoint;
  std::string said = fmt::format("{} (HTTP {})", body.code.empty() ? "no S3 error code" : body.code, response.status);
  std::string region = response.header("x-amz-bucket-region");
  if (region.empty()) region = body.region;
  std::string source = options_.credentials ? options_.credentials->source() : "";
  if (source.empty()) source = "the configured source";

  if (response.status == 412) return Error(ErrorCode::kAlreadyExists, fmt::format("{} already exists", where));
  if (body.code == "NoSuchBucket") {
    return Error(ErrorCode::kNotFound, fmt::format("bucket '{}' does not exist at {} ({}): create it, or fix the "
                                                   "location",
                                                   call.bucket, endpoint, said));
  }
  // HEAD answers have no body; a bodiless 404 to anything else is not S3 speaking.
  bool read = call.method == "GET" || call.method == "HEAD";
  if (body.code == "NoSuchKey" || (response.status == 404 && !body.parsed && read)) {
    return Error(ErrorCode::kNotFound, fmt::format("{} does not exist", where));
  }
  if (body.code == "NoSuchUpload") {
    return Error(ErrorCode::kNotFound, fmt::format("the multipart upload of {} no longer exists ({})", where, said));
  }
  if (response.status == 301 || body.code == "PermanentRedirect" || body.code == "AuthorizationHeaderMalformed" ||
      body.code == "IllegalLocationConstraintException" || (!region.empty() && region != options_.region)) {
    if (!region.empty() && region != options_.region) {
      return Error(ErrorCode::kConfig, fmt::format("bucket '{}' is in region {}, not {} ({}): set s3.region (or "
                                                   "AWS_REGION) to {}",
                                                   call.bucket, region, options_.region, said, region));
    }
    return Error(ErrorCode::kConfig, fmt::format("bucket '{}' is not in region {} ({}{}): set s3.region (or "
                                                 "AWS_REGION) to the bucket's region",
                                                 call.bucket, options_.region, said,
                                                 body.message.empty() ? "" : ": " + body.message));
  }
  if (body.code == "InvalidAccessKeyId" || body.code == "SignatureDoesNotMatch" || body.code == "ExpiredToken" ||
      body.code == "InvalidToken" || body.code == "TokenRefreshRequired" || body.code == "InvalidSecurity") {
    return Error(ErrorCode::kConfig, fmt::format("{} refused the credentials from {} for {} {} ({}): check the access "
                                                 "key and secret (or the session token)",
                                                 endpoint, source, call.method, where, said));
  }
  if (response.status == 403) {
    return Error(ErrorCode::kConfig, fmt::format("access denied: the credentials from {} may not {} {} ({}): grant "
                                                 "the permission, or use other credentials",
                                                 source, call.method, where, said));
  }
  if (retryable_status(response.status, response.body)) {
    return Error(ErrorCode::kIo, fmt::format("{} {} still failed after {} attempts: {}{}{}", call.method, where,
                                             options_.max_attempts, said,
                                             body.code == "SlowDown" || response.status == 429
                                                 ? " (the store is throttling: fewer parallel requests help)"
                                                 : "",
                                             body.message.empty() ? "" : ": " + body.message));
  }
  if (!body.parsed) {
    return Error(ErrorCode::kIo, fmt::format("{} answered HTTP {} to {} {} with no S3 error document: is {} an S3 "
                                             "endpoint?",
                                             endpoint, response.status, call.method, where, endpoint));
  }
  return Error(ErrorCode::kIo, fmt::format("{} {} failed: {}{}", call.method, where, said,
                                           body.message.empty() ? "" : ": " + body.message));
}

Result<std::string> S3Client::get_object(const std::string& bucket, const std::string& key,
                                         std::optional<std::pair<int64_t, int64_t>> range, ObjectInfo* info) {
  Call call{"GET", bucket, key, {}, {}, {}, true};
  if (range) {
    if (range->second <= 0) {
      if (info != nullptr) {
        SILT_TRY_ASSIGN(*info, head_object(bucket, key));
      }
      return std::string();
    }
    bool to_end = range->second > std::numeric_limits<int64_t>::max() - range->first;
    call.headers.push_back({"Range", to_end ? fmt::format("bytes={}-", range->first)
                                            : fmt::format("bytes={}-{}", range->first, range->first + range->second - 1)});
  }
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status == 416) {  // the range starts at or after the end
    if (info != nullptr) {
      SILT_TRY_ASSIGN(*info, head_object(bucket, key));
    }
    return std::string();
  }
  if (response.status != 200 && response.status != 206) return error_from(call, response);
  if (info != nullptr) {
    info->key = key;
    info->etag = strip_quotes(response.header("etag"));
    info->modified_ms = http_date_ms(response.header("last-modified"));
    info->size = static_cast<int64_t>(response.body.size());
    std::string content_range = response.header("content-range");  // "bytes 0-9/1234"
    if (size_t slash = content_range.rfind('/'); slash != std::string::npos) {
      info->size = parse_int64(content_range.substr(slash + 1)).value_or(info->size);
    }
  }
  return std::move(response.body);
}

Result<ObjectInfo> S3Client::head_object(const std::string& bucket, const std::string& key) {
  Call call{"HEAD", bucket, key, {}, {}, {}, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status != 200) return error_from(call, response);
  ObjectInfo info;
  info.key = key;
  info.etag = strip_quotes(response.header("etag"));
  info.modified_ms = http_date_ms(response.header("last-modified"));
  info.size = parse_int64(response.header("content-length")).value_or(0);
  return info;
}

Result<std::string> S3Client::put_object(const std::string& bucket, const std::string& key, std::string_view body,
                                         bool if_none_match) {
  if (if_none_match) return put_if_absent(bucket, key, body);
  Call call{"PUT", bucket, key, {}, {}, body, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status != 200) return error_from(call, response);
  return strip_quotes(response.header("etag"));
}

Result<std::string> S3Client::put_if_absent(const std::string& bucket, const std::string& key, std::string_view body) {
  Call call{"PUT", bucket, key, {}, {{"If-None-Match", "*"}}, body, false};
  for (int attempt = 0;; ++attempt) {
    Result<HttpResponse> response = perform(call);
    bool last = attempt + 1 >= options_.max_attempts;
    bool unknown = false;  // the PUT may have been applied although no success came back
    if (response) {
      long status = response->status;
      if (status == 200) return strip_quotes(response->header("etag"));
      if (status == 412) return error_from(call, *response);
      bool not_applied = status == 429 || status == 503 || (status == 409 && retryable_status(status, response->body));
      unknown = status >= 500 && !not_applied;
      if (!not_applied && !unknown) return error_from(call, *response);
      if (last) return error_from(call, *response);
    } else {
      if (response.error().reason() != "http_transport") return response.error();
      unknown = HttpClient::request_sent(response.error());
      if (last) return response.error();
    }
    if (unknown) {
      // Whatever happened, the key now holds our bytes, another writer's, or nothing.
      ObjectInfo info;
      Result<std::string> existing = get_object(bucket, key, std::nullopt, &info);
      if (existing) {
        if (*existing == body) return info.etag;
        return Error(ErrorCode::kAlreadyExists, fmt::format("{} already exists", object_url(bucket, key)));
      }
      if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
    }
    pause_before_retry(attempt);
  }
}

Result<ListResult> S3Client::list_objects(const std::string& bucket, const std::string& prefix,
                                          const std::string& delimiter, const std::string& start_after,
                                          const std::string& continuation_token, int max_keys) {
  Call call{"GET", bucket, "", {{"list-type", "2"}, {"max-keys", std::to_string(std::clamp(max_keys, 1, 1000))}}, {}, {},
            true};
  if (!prefix.empty()) call.query.push_back({"prefix", prefix});
  if (!delimiter.empty()) call.query.push_back({"delimiter", delimiter});
  if (!start_after.empty()) call.query.push_back({"start-after", start_after});
  if (!continuation_token.empty()) call.query.push_back({"continuation-token", continuation_token});
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status != 200) return error_from(call, response);
  pugi::xml_document doc;
  pugi::xml_node root;
  if (doc.load_buffer(response.body.data(), response.body.size())) root = doc.child("ListBucketResult");
  if (!root) {
    return make_error(ErrorCode::kIo, fmt::format("{} answered a listing of {} with something other than a "
                                                  "ListBucketResult: is it an S3 endpoint?",
                                                  options_.endpoint.empty() ? "AWS S3" : options_.endpoint,
                                                  object_url(bucket, prefix)));
  }
  ListResult result;
  for (pugi::xml_node item : root.children("Contents")) {
    ObjectInfo info;
    info.key = item.child("Key").text().as_string();
    info.size = item.child("Size").text().as_llong();
    info.etag = strip_quotes(item.child("ETag").text().as_string());
    // Whole seconds, as HEAD and GET report them (Last-Modified is an HTTP date).
    info.modified_ms = parse_timestamp_ms(item.child("LastModified").text().as_string()).value_or(0) / 1000 * 1000;
    result.objects.push_back(std::move(info));
  }
  for (pugi::xml_node item : root.children("CommonPrefixes")) {
    result.common_prefixes.push_back(item.child("Prefix").text().as_string());
  }
  result.truncated = std::string(root.child("IsTruncated").text().as_string()) == "true";
  result.next_continuation_token = root.child("NextContinuationToken").text().as_string();
  if (result.truncated && result.next_continuation_token.empty()) {
    return make_error(ErrorCode::kIo, fmt::format("the listing of {} is truncated but has no continuation token",
                                                  object_url(bucket, prefix)));
  }
  return result;
}

Status S3Client::delete_object(const std::string& bucket, const std::string& key) {
  Call call{"DELETE", bucket, key, {}, {}, {}, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status == 204 || response.status == 200) return Status();
  Error error = error_from(call, response);
  if (error.code() == ErrorCode::kNotFound && parse_error_body(response.body).code != "NoSuchBucket") return Status();
  return error;
}

Status S3Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys) {
  constexpr size_t kBatch = 1000;
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    std::string xml = "<Delete><Quiet>true</Quiet>";
    for (size_t i = start; i < std::min(keys.size(), start + kBatch); ++i) {
      xml += "<Object><Key>" + xml_escape(keys[i]) + "</Key></Object>";
    }
    xml += "</Delete>";
    SILT_TRY_ASSIGN(std::string md5, md5_base64(xml));
    Call call{"POST", bucket, "", {{"delete", ""}}, {{"Content-MD5", md5}, {"Content-Type", "application/xml"}}, xml,
              true};
    SILT_TRY_ASSIGN(HttpResponse response, perform(call));
    if (response.status != 200) return error_from(call, response);
    pugi::xml_document doc;
    doc.load_buffer(response.body.data(), response.body.size());
    for (pugi::xml_node error : doc.child("DeleteResult").children("Error")) {
      std::string code = error.child("Code").text().as_string();
      if (code == "NoSuchKey") continue;
      return make_error(ErrorCode::kIo, fmt::format("deleting {} failed: {}: {}",
                                                    object_url(bucket, error.child("Key").text().as_string()), code,
                                                    error.child("Message").text().as_string()));
    }
  }
  return Status();
}

Result<std::string> S3Client::create_multipart_upload(const std::string& bucket, const std::string& key) {
  // Creating an upload twice leaves an unused one behind (aborted by lifecycle rules): safe to retry.
  Call call{"POST", bucket, key, {{"uploads", ""}}, {}, {}, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status != 200) return error_from(call, response);
  pugi::xml_document doc;
  doc.load_buffer(response.body.data(), response.body.size());
  std::string id = doc.child("InitiateMultipartUploadResult").child("UploadId").text().as_string();
  if (id.empty()) {
    return make_error(ErrorCode::kIo, fmt::format("starting a multipart upload of {} gave no UploadId",
                                                  object_url(bucket, key)));
  }
  return id;
}

Result<std::string> S3Client::upload_part(const std::string& bucket, const std::string& key,
                                          const std::string& upload_id, int part_number, std::string_view body) {
  Call call{"PUT", bucket, key, {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}}, {}, body, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status != 200) return error_from(call, response);
  std::string etag = strip_quotes(response.header("etag"));
  if (etag.empty()) {
    return make_error(ErrorCode::kIo, fmt::format("part {} of {} was stored without an ETag", part_number,
                                                  object_url(bucket, key)));
  }
  return etag;
}

Result<std::string> S3Client::complete_multipart_upload(const std::string& bucket, const std::string& key,
                                                        const std::string& upload_id,
                                                        const std::vector<CompletedPart>& parts, bool if_none_match) {
  if (if_none_match) {
    // Stores that ignore If-None-Match on completion would overwrite: check first (racy there,
    // exact on AWS S3, which enforces the header itself).
    Result<ObjectInfo> existing = head_object(bucket, key);
    if (existing) return Error(ErrorCode::kAlreadyExists, fmt::format("{} already exists", object_url(bucket, key)));
    if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
  }
  std::string xml = "<CompleteMultipartUpload>";
  for (const CompletedPart& part : parts) {
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", part.number, xml_escape(part.etag));
  }
  xml += "</CompleteMultipartUpload>";
  // Completing is not blindly repeatable: a lost answer to a completion that worked makes the
  // repeat fail with NoSuchUpload, and then the object tells.
  Call call{"POST", bucket, key, {{"uploadId", upload_id}}, {{"Content-Type", "application/xml"}}, xml, false};
  if (if_none_match) call.headers.push_back({"If-None-Match", "*"});
  bool repeated = false;
  for (int attempt = 0;; ++attempt) {
    bool last = attempt + 1 >= options_.max_attempts;
    Result<HttpResponse> response = perform(call);
    if (!response) {
      if (response.error().reason() != "http_transport" || last) return response.error();
    } else if (response->status == 200) {
      // S3 may answer 200 and report a failure in the body.
      pugi::xml_document doc;
      doc.load_buffer(response->body.data(), response->body.size());
      if (!doc.child("Error")) {
        return strip_quotes(doc.child("CompleteMultipartUploadResult").child("ETag").text().as_string());
      }
      if (last) {
        HttpResponse failed = *response;
        failed.status = 500;
        return error_from(call, failed);
      }
    } else if (repeated && parse_error_body(response->body).code == "NoSuchUpload") {
      SILT_TRY_ASSIGN(ObjectInfo info, head_object(bucket, key));
      return info.etag;
    } else if (last || !retryable_status(response->status, response->body)) {
      return error_from(call, *response);
    }
    repeated = true;
    pause_before_retry(attempt);
  }
}

Status S3Client::abort_multipart_upload(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id) {
  Call call{"DELETE", bucket, key, {{"uploadId", upload_id}}, {}, {}, true};
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status == 204 || response.status == 200 || response.status == 404) return Status();
  return error_from(call, response);
}

Status S3Client::create_bucket(const std::string& bucket) {
  Call call{"PUT", bucket, "", {}, {}, {}, true};
  std::string body;
  if (!options_.region.empty() && options_.region != "us-east-1") {
    body = fmt::format("<CreateBucketConfiguration><LocationConstraint>{}</LocationConstraint></CreateBucketConfiguration>",
                       options_.region);
    call.body = body;
  }
  SILT_TRY_ASSIGN(HttpResponse response, perform(call));
  if (response.status == 200) return Status();
  std::string code = parse_error_body(response.body).code;
  if (code == "BucketAlreadyOwnedByYou") return Status();
  return error_from(call, response);
}

}  // namespace silt::storage::s3
