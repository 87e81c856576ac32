// An HTTP/1.1 proxy for tests that sits between a client and a real server on 127.0.0.1 and, for
// each request it is told to, injects one of the faults networks and object stores produce: a
// connection dropped before the request arrives, a 503 SlowDown, an answer held back past the
// client's timeout, or a connection reset after the server acted on the request (a committed PUT
// whose answer never arrives). Every request is forwarded on a connection of its own with
// "Connection: close", so the proxy needs to understand request framing only (Content-Length).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "support/http_test_server.h"

namespace silt::testing {

enum class Fault {
  kNone,                // forwarded, the answer relayed
  kDrop,                // the connection reset before the request reaches the server
  kServiceUnavailable,  // answered 503 SlowDown by the proxy; the server never sees the request
  kSlow,                // forwarded; the answer held back for the proxy's slow delay, then relayed
  kResetAfterForward,   // forwarded and answered by the server; the client's connection then reset
};

// A request as the proxy read it (body included; forwarded untouched).
struct ProxiedRequest : HttpRequest {
  bool conditional_put() const { return method == "PUT" && !header("if-none-match").empty(); }
};

struct FaultCounts {
  int64_t requests = 0;
  int64_t forwarded = 0;  // reached the server (kNone, kSlow, kResetAfterForward)
  int64_t dropped = 0;
  int64_t unavailable = 0;
  int64_t slowed = 0;
  int64_t reset_after_forward = 0;
};

class FaultProxy {
 public:
  // Chooses the fault for the `index`-th request (from 0) the proxy receives. Called from the
  // proxy's connection threads, one call at a time.
  using Decide = std::function<Fault(const ProxiedRequest& request, int64_t index)>;

  // A proxy on 127.0.0.1 (a port the kernel picks) to `upstream` ("http://127.0.0.1:PORT").
  static Result<std::unique_ptr<FaultProxy>> start(const std::string& upstream, Decide decide,
                                                   std::chrono::milliseconds slow_delay = std::chrono::seconds(3));
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"
  FaultCounts counts() const;

 private:
  FaultProxy() = default;
  void serve(int client);
  Fault decide(const ProxiedRequest& request);

  std::string endpoint_;
  std::string upstream_host_;
  int upstream_port_ = 0;
  std::chrono::milliseconds slow_delay_{0};
  Decide decide_;
  mutable std::mutex mutex_;  // guards decide_ calls and counts_
  FaultCounts counts_;
  std::atomic<bool> stopping_{false};
  std::unique_ptr<TcpAcceptor> acceptor_;  // last: stops the connection threads before the rest goes
};

}  // namespace silt::testing
