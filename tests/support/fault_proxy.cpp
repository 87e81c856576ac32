// The fault-injecting proxy: one thread accepting, one per client connection. A client connection
// carries any number of requests; each is forwarded on a fresh upstream connection whose answer is
// read to its end (the server closes it, having been sent "Connection: close").
#include "support/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::testing {
namespace {

void read_to_end(int fd, std::string& out) {
  char chunk[65536];
  ssize_t n;
  while ((n = ::recv(fd, chunk, sizeof(chunk), 0)) > 0) out.append(chunk, static_cast<size_t>(n));
}

int connect_to(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The request head with any Connection header replaced by "Connection: close".
std::string closing_head(const std::string& head) {
  std::string out;
  size_t at = 0;
  while (at < head.size()) {
    size_t end = head.find("\r\n", at);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(at, end - at);
    at = end + 2;
    if (line.empty()) break;
    if (to_lower(line).rfind("connection:", 0) == 0) continue;
    out += line + "\r\n";
  }
  return out + "Connection: close\r\n\r\n";
}

// The answer with "Connection: close" (the client must not send more on this connection: the
// proxy closes it after relaying).
std::string closing_response(const std::string& response) {
  size_t head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos) return response;
  return closing_head(response.substr(0, head_end + 2)) + response.substr(head_end + 4);
}

std::string slow_down_response() {
  std::string body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request "
      "rate.</Message><RequestId>fault-proxy</RequestId></Error>";
  return fmt::format("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{}",
                     body.size(), body);
}

}  // namespace

Result<std::unique_ptr<FaultProxy>> FaultProxy::start(const std::string& upstream, Decide decide,
                                                      std::chrono::milliseconds slow_delay) {
  std::unique_ptr<FaultProxy> proxy(new FaultProxy());
  std::string rest = upstream;
  if (rest.rfind("http://", 0) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "fault proxy: upstream must be http://HOST:PORT, not " + upstream);
  }
  rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument, "fault proxy: upstream names no port: " + upstream);
  }
  proxy->upstream_host_ = rest.substr(0, colon);
  proxy->upstream_port_ = std::stoi(rest.substr(colon + 1));
  proxy->decide_ = std::move(decide);
  proxy->slow_delay_ = slow_delay;
  SILT_TRY_ASSIGN(proxy->acceptor_, TcpAcceptor::start([raw = proxy.get()](int fd) { raw->serve(fd); }));
  proxy->endpoint_ = fmt::format("http://127.0.0.1:{}", proxy->acceptor_->port());
  return proxy;
}

FaultProxy::~FaultProxy() {
  stopping_ = true;  // a held-back answer stops waiting
  acceptor_.reset();
}

FaultCounts FaultProxy::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

Fault FaultProxy::decide(const ProxiedRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t index = counts_.requests++;
  Fault fault = decide_ ? decide_(request, index) : Fault::kNone;
  switch (fault) {
    case Fault::kNone: ++counts_.forwarded; break;
    case Fault::kDrop: ++counts_.dropped; break;
    case Fault::kServiceUnavailable: ++counts_.unavailable; break;
    case Fault::kSlow: ++counts_.slowed; ++counts_.forwarded; break;
    case Fault::kResetAfterForward: ++counts_.reset_after_forward; ++counts_.forwarded; break;
  }
  return fault;
}

void FaultProxy::serve(int client) {
  std::string buffer;
  ProxiedRequest request;
  std::string head;
  while (read_http_request(client, buffer, &request, &head)) {
    Fault fault = decide(request);
    if (fault == Fault::kDrop) return reset_on_close(client);
    if (fault == Fault::kServiceUnavailable) {
      if (!send_all(client, slow_down_response())) return;
      continue;
    }
    int upstream = connect_to(upstream_host_, upstream_port_);
    if (upstream < 0) return reset_on_close(client);
    std::string response;
    if (send_all(upstream, closing_head(head) + request.body)) {
      read_to_end(upstream, response);  // the server closes: it was sent "Connection: close"
    }
    ::close(upstream);
    if (fault == Fault::kResetAfterForward || response.empty()) return reset_on_close(client);
    if (fault == Fault::kSlow) {
      auto until = std::chrono::steady_clock::now() + slow_delay_;
      while (!stopping_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    send_all(client, closing_response(response));
    return;  // the answer said "Connection: close"
  }
}

}  // namespace silt::testing
