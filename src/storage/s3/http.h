// HTTP/1.1 for the S3 client and the credential providers, over libcurl: one call in, one whole
// response out. Connections are kept open and reused between calls (a pool of curl handles, one per
// call in flight), with connect and stall timeouts. No retries here: the caller decides what is safe
// to send again.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/s3/sigv4.h"

namespace silt::storage::s3 {

struct HttpCall {
  std::string method = "GET";        // GET, HEAD, PUT, POST, DELETE
  std::string url;                   // already encoded ("http://127.0.0.1:9000/bucket/a%20b?x=1")
  std::vector<HttpHeader> headers;   // sent as given
  std::string_view body;             // PUT/POST payload; must outlive the call
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;   // names lower-cased
  std::string body;
  // The value of a header (`name` lower-case), "" when absent.
  std::string header(std::string_view name) const;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer that moves no byte for this long is abandoned (a stalled server or network).
  std::chrono::milliseconds stall_timeout{30000};
};

class HttpClient {
 public:
  explicit HttpClient(HttpOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The response, whatever its status. Errors: Io when no complete response arrived (refused, reset,
  // DNS, TLS), Timeout when the connection or transfer timed out; their message names the host and
  // curl's reason, and whether the request may have reached the server (request_sent()).
  Result<HttpResponse> send(const HttpCall& call);

  // Whether an error returned by send() happened after the request was (perhaps partly) sent: the
  // server may have acted on it. Detail "request_sent" = "yes" on such errors.
  static bool request_sent(const Error& error);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
  HttpOptions options_;
};

}  // namespace silt::storage::s3
