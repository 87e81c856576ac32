// The webhook and JSON-lines file sinks, and the factory of every sink.
#include <httplib.h>

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "pipeline/events/event_outbox.h"
#include "pipeline/events/event_sinks_internal.h"

namespace silt::pipeline {
namespace {

// Appends the event as one line, unless a line with its id is already there (a delivery whose
// bookkeeping a crash interrupted). The file is replaced whole, so a reader never sees half a line.
class FileSink : public EventSink {
 public:
  FileSink(const EventSinkConfig& config, storage::FileSystem& fs) : config_(config), fs_(fs) {}
  std::string label() const override { return config_.label(); }

  Status deliver(const OutboxEvent& event) override {
    std::string content;
    auto existing = fs_.read(config_.path);
    if (existing) {
      content = std::move(*existing);
    } else if (existing.error().code() != ErrorCode::kNotFound) {
      return std::move(existing).error();
    }
    const std::string marker = fmt::format("\"event_id\":\"{}\"", event.id);
    if (content.find(marker) != std::string::npos) return Status::ok_status();
    if (!content.empty() && content.back() != '\n') content += '\n';
    content += nlohmann::ordered_json::parse(event.payload).dump() + "\n";
    return fs_.write(config_.path, content);
  }

 private:
  EventSinkConfig config_;
  storage::FileSystem& fs_;
};

// POSTs the event as JSON; any 2xx is delivered. Connection failures, timeouts, 5xx and 429 are
// retried with exponential backoff (0.2 s doubling, at most 5 s between attempts); other 4xx fail
// at once, since sending the same request again cannot help.
class WebhookSink : public EventSink {
 public:
  explicit WebhookSink(const EventSinkConfig& config) : config_(config) {
    const size_t scheme_end = config.url.find("://");
    const size_t path_start = config.url.find('/', scheme_end + 3);
    origin_ = config.url.substr(0, path_start);
    path_ = path_start == std::string::npos ? "/" : config.url.substr(path_start);
  }
  std::string label() const override { return config_.label(); }

  Status deliver(const OutboxEvent& event) override {
    httplib::Client client(origin_);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(10, 0);
    client.set_write_timeout(10, 0);
    httplib::Headers headers;
    for (const auto& [key, value] : config_.headers) headers.emplace(key, value);
    headers.emplace("X-Silt-Event-Id", event.id);
    std::string last;
    int delay_ms = 200;
    for (int attempt = 0; attempt <= config_.retries; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        delay_ms = std::min(delay_ms * 2, 5000);
      }
      auto response = client.Post(path_, headers, event.payload, "application/json");
      if (!response) {
        last = fmt::format("POST {} failed: {}", config_.url, httplib::to_string(response.error()));
        continue;
      }
      if (response->status >= 200 && response->status < 300) return Status::ok_status();
      last = fmt::format("POST {} answered HTTP {}{}", config_.url, response->status,
                         response->body.empty() ? "" : ": " + response->body.substr(0, 200));
      if (response->status < 500 && response->status != 429 && response->status != 408) {
        return make_error(ErrorCode::kInvalidArgument, last);
      }
    }
    return make_error(ErrorCode::kIo, fmt::format("{} (after {} attempts)", last, config_.retries + 1));
  }

 private:
  EventSinkConfig config_;
  std::string origin_, path_;
};

}  // namespace

Result<std::unique_ptr<EventSink>> make_event_sink(const EventSinkConfig& config, storage::FileSystem& fs) {
  switch (config.kind) {
    case EventSinkConfig::Kind::kFile: return std::unique_ptr<EventSink>(new FileSink(config, fs));
    case EventSinkConfig::Kind::kWebhook: return std::unique_ptr<EventSink>(new WebhookSink(config));
    case EventSinkConfig::Kind::kKafka: return make_kafka_sink(config);
  }
  return make_error(ErrorCode::kInternal, "unknown event sink");
}

}  // namespace silt::pipeline
