// libcurl easy handles kept in a pool: a handle returns to the pool after each call with its
// connection open, so the next call to the same host skips TCP (and TLS) set-up.
#include "storage/s3/http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::storage::s3 {
namespace {

// curl_global_init is not thread-safe: run it once, before the first handle.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Upload {
  std::string_view body;
  size_t offset = 0;
};

size_t read_body(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t room = size * count;
  size_t n = std::min(room, upload->body.size() - upload->offset);
  std::memcpy(buffer, upload->body.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

size_t write_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after a 100 Continue or a redirect): earlier headers belong to it.
    response->headers.clear();
    return size * count;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    response->headers.push_back({to_lower(trim(line.substr(0, colon))), std::string(trim(line.substr(colon + 1)))});
  }
  return size * count;
}

std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const HttpHeader& h : headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

struct HttpClient::Pool {
  std::mutex mutex;
  std::vector<CURL*> idle;

  ~Pool() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
  CURL* take() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    init_curl_once();
    return curl_easy_init();
  }
  void give_back(CURL* handle) {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(handle);
  }
};

HttpClient::HttpClient(HttpOptions options) : pool_(std::make_unique<Pool>()), options_(options) {}
HttpClient::~HttpClient() = default;

bool HttpClient::request_sent(const Error& error) { return error.detail("request_sent") == "yes"; }

Result<HttpResponse> HttpClient::send(const HttpCall& call) {
  CURL* handle = pool_->take();
  if (handle == nullptr) return make_error(ErrorCode::kInternal, "libcurl could not create a handle");
  curl_easy_reset(handle);  // keeps the handle's open connections

  HttpResponse response;
  Upload upload{call.body, 0};
  char error_text[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  for (const HttpHeader& h : call.headers) {
    std::string line = h.value.empty() ? h.name + ";" : h.name + ": " + h.value;
    headers = curl_slist_append(headers, line.c_str());
  }
  // No "Expect: 100-continue" round trip before a body.
  headers = curl_slist_append(headers, "Expect:");

  curl_easy_setopt(handle, CURLOPT_URL, call.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PATH_AS_IS, 1L);  // the signed path is the path sent
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                   std::max(1L, static_cast<long>(options_.stall_timeout.count() / 1000)));
  curl_easy_setopt(handle, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, write_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
  if (call.method == "HEAD") {
    curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
  } else if (call.method == "PUT") {
    curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(handle, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(handle, CURLOPT_READDATA, &upload);
    curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else if (call.method == "POST") {
    curl_easy_setopt(handle, CURLOPT_POST, 1L);
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
  } else if (call.method != "GET") {
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }

  CURLcode code = curl_easy_perform(handle);
  long request_size = 0;
  curl_easy_getinfo(handle, CURLINFO_REQUEST_SIZE, &request_size);
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
  if (code != CURLE_OK) {
    // A handle whose transfer failed may hold a broken connection: do not reuse it.
    curl_easy_cleanup(handle);
    bool timed_out = code == CURLE_OPERATION_TIMEDOUT;
    std::string reason = error_text[0] != 0 ? error_text : curl_easy_strerror(code);
    Error error(timed_out ? ErrorCode::kTimeout : ErrorCode::kIo,
                fmt::format("{} {}: {}{}", call.method, host_of(call.url), reason,
                            timed_out ? "" : " (is the endpoint right and the server up?)"));
    error.set_reason("http_transport", {{"request_sent", request_size > 0 ? "yes" : "no"}});
    return error;
  }
  pool_->give_back(handle);
  return response;
}

}  // namespace silt::storage::s3
