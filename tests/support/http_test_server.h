// Plain HTTP/1.1 on 127.0.0.1 for tests: an acceptor that serves each connection on its own
// thread, request reading (Content-Length framing), and a small server answering from a handler
// (fake credential endpoints: STS, the container endpoint, instance metadata). The fault proxy
// (fault_proxy.h) is built from the same pieces.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/status.h"

namespace silt::testing {

struct HttpRequest {
  std::string method;
  std::string target;                                        // "/path?query"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const;  // "" when absent
};

// Reads one request from `fd`; `buffer` keeps bytes read past it (the next request). `head`, when
// given, receives the request line and headers as sent, up to and including the blank line.
// False on EOF, error or a malformed request.
bool read_http_request(int fd, std::string& buffer, HttpRequest* request, std::string* head = nullptr);
bool send_all(int fd, const std::string& data);
// Makes closing `fd` send a TCP reset instead of an orderly FIN.
void reset_on_close(int fd);

// Accepts connections on 127.0.0.1 (a port the kernel picks) and runs `serve` for each on a thread
// of its own; the connection is closed when `serve` returns. Destroying the acceptor shuts every
// open connection down and joins the threads, so declare it as the owner's last member.
class TcpAcceptor {
 public:
  using Serve = std::function<void(int fd)>;
  static Result<std::unique_ptr<TcpAcceptor>> start(Serve serve);
  ~TcpAcceptor();
  TcpAcceptor(const TcpAcceptor&) = delete;
  TcpAcceptor& operator=(const TcpAcceptor&) = delete;

  int port() const { return port_; }
  bool stopping() const { return stopping_; }

 private:
  TcpAcceptor() = default;
  void accept_loop();
  void run(int fd);

  Serve serve_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;  // guards threads_ and open_
  std::vector<std::thread> threads_;
  std::vector<int> open_;
};

struct HttpTestResponse {
  HttpTestResponse() = default;
  HttpTestResponse(int status, std::string body, std::string content_type = "application/json")
      : status(status), body(std::move(body)), content_type(std::move(content_type)) {}

  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // more headers to send
};

// Answers every request with `handler` (called one request at a time) and remembers what came.
class HttpTestServer {
 public:
  using Handler = std::function<HttpTestResponse(const HttpRequest& request)>;
  static Result<std::unique_ptr<HttpTestServer>> start(Handler handler);

  std::string endpoint() const;  // "http://127.0.0.1:PORT"
  std::vector<HttpRequest> requests() const;

 private:
  HttpTestServer() = default;
  void serve(int fd);

  Handler handler_;
  mutable std::mutex mutex_;  // guards handler_ calls and requests_
  std::vector<HttpRequest> requests_;
  std::unique_ptr<TcpAcceptor> acceptor_;  // last: stops the threads before the rest goes
};

}  // namespace silt::testing
