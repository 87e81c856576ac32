// The acceptor, request reading and the handler-driven test server.
#include "support/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::testing {
namespace {

// Reads until `buffer` holds at least `size` bytes; false on EOF or error.
bool read_at_least(int fd, std::string& buffer, size_t size) {
  char chunk[65536];
  while (buffer.size() < size) {
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  return true;
}

const char* reason_of(int status) {
  switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return "";
}

bool read_http_request(int fd, std::string& buffer, HttpRequest* request, std::string* head) {
  size_t head_end;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!read_at_least(fd, buffer, buffer.size() + 1)) return false;
  }
  std::string text = buffer.substr(0, head_end + 4);
  size_t line_end = text.find("\r\n");
  std::string request_line = text.substr(0, line_end);
  size_t space = request_line.find(' ');
  size_t second = space == std::string::npos ? std::string::npos : request_line.find(' ', space + 1);
  if (second == std::string::npos) return false;
  *request = HttpRequest{};
  request->method = request_line.substr(0, space);
  request->target = request_line.substr(space + 1, second - space - 1);
  for (size_t at = line_end + 2; at < head_end;) {
    size_t end = text.find("\r\n", at);
    std::string line = text.substr(at, end - at);
    at = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    request->headers.emplace_back(to_lower(line.substr(0, colon)), value);
  }
  std::string length = request->header("content-length");
  size_t body_size = 0;
  if (!length.empty()) {
    try {
      body_size = std::stoull(length);
    } catch (...) {
      return false;
    }
  }
  if (!read_at_least(fd, buffer, text.size() + body_size)) return false;
  request->body = buffer.substr(text.size(), body_size);
  buffer.erase(0, text.size() + body_size);
  if (head) *head = std::move(text);
  return true;
}

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void reset_on_close(int fd) {
  linger option{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, sizeof(option));
}

Result<std::unique_ptr<TcpAcceptor>> TcpAcceptor::start(Serve serve) {
  std::unique_ptr<TcpAcceptor> acceptor(new TcpAcceptor());
  acceptor->serve_ = std::move(serve);
  acceptor->listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (acceptor->listener_ < 0) return make_error(ErrorCode::kIo, "test server: socket() failed");
  int yes = 1;
  ::setsockopt(acceptor->listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(acceptor->listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(acceptor->listener_, 64) != 0 ||
      ::getsockname(acceptor->listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return make_error(ErrorCode::kIo, fmt::format("test server: cannot listen on 127.0.0.1: {}", std::strerror(errno)));
  }
  acceptor->port_ = ntohs(address.sin_port);
  acceptor->acceptor_ = std::thread([raw = acceptor.get()] { raw->accept_loop(); });
  return acceptor;
}

TcpAcceptor::~TcpAcceptor() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  if (listener_ >= 0) ::close(listener_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
    threads = std::move(threads_);
  }
  for (auto& thread : threads) thread.join();
}

void TcpAcceptor::accept_loop() {
  while (!stopping_) {
    pollfd fd{listener_, POLLIN, 0};
    if (::poll(&fd, 1, 50) <= 0) continue;
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    open_.push_back(client);
    threads_.emplace_back([this, client] { run(client); });
  }
}

void TcpAcceptor::run(int fd) {
  serve_(fd);
  // Forgotten before it is closed, so the destructor never shuts down a reused descriptor number.
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(std::remove(open_.begin(), open_.end(), fd), open_.end());
  ::close(fd);
}

Result<std::unique_ptr<HttpTestServer>> HttpTestServer::start(Handler handler) {
  std::unique_ptr<HttpTestServer> server(new HttpTestServer());
  server->handler_ = std::move(handler);
  SILT_TRY_ASSIGN(server->acceptor_, TcpAcceptor::start([raw = server.get()](int fd) { raw->serve(fd); }));
  return server;
}

std::string HttpTestServer::endpoint() const { return fmt::format("http://127.0.0.1:{}", acceptor_->port()); }

std::vector<HttpRequest> HttpTestServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void HttpTestServer::serve(int fd) {
  std::string buffer;
  HttpRequest request;
  while (read_http_request(fd, buffer, &request)) {  // false once the acceptor shuts the connection down
    HttpTestResponse response;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      response = handler_(request);
    }
    std::string text = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", response.status,
                                   reason_of(response.status), response.content_type, response.body.size());
    for (const auto& [name, value] : response.headers) text += name + ": " + value + "\r\n";
    text += "\r\n";
    if (request.method != "HEAD") text += response.body;
    if (!send_all(fd, text)) return;
  }
}

}  // namespace silt::testing
