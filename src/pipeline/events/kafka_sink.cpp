// Events to Kafka through librdkafka: an idempotent producer (acks=all, retries without
// duplicates or reordering), keyed by job and partition date, the event id in a header.
#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>

#include <fmt/format.h>

#include "obs/logger.h"
#include "pipeline/events/event_sinks_internal.h"

namespace silt::pipeline {
namespace {

struct DeliveryState {
  int pending = 0;
  std::string error;
};

// librdkafka's log lines (syslog levels) through silt's logger, so they obey --log-level instead of
// going to stderr: errors and warnings as warnings (a delivery failure is reported by the sink
// itself), notices and info as info, the rest as debug.
void on_log(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (level <= 4) {
    SILT_LOG_WARN("kafka {}: {}", facility, message);
  } else if (level <= 6) {
    SILT_LOG_INFO("kafka {}: {}", facility, message);
  } else {
    SILT_LOG_DEBUG("kafka {}: {}", facility, message);
  }
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* state = static_cast<DeliveryState*>(opaque);
  --state->pending;
  if (message->err) state->error = rd_kafka_err2str(message->err);
}

class KafkaSink : public EventSink {
 public:
  KafkaSink(const EventSinkConfig& config, rd_kafka_t* producer, std::unique_ptr<DeliveryState> state)
      : config_(config), producer_(producer), state_(std::move(state)) {}
  ~KafkaSink() override {
    rd_kafka_flush(producer_, 5000);
    rd_kafka_destroy(producer_);
  }
  std::string label() const override { return config_.label(); }

  Status deliver(const OutboxEvent& event) override {
    state_->error.clear();
    rd_kafka_headers_t* headers = rd_kafka_headers_new(1);
    rd_kafka_header_add(headers, "event_id", -1, event.id.data(), static_cast<ssize_t>(event.id.size()));
    ++state_->pending;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_, RD_KAFKA_V_TOPIC(config_.topic.c_str()),
        RD_KAFKA_V_KEY(const_cast<char*>(event.key.data()), event.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(event.payload.data()), event.payload.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
    if (err) {
      --state_->pending;
      rd_kafka_headers_destroy(headers);
      return make_error(ErrorCode::kIo, fmt::format("Kafka topic '{}' at {}: cannot produce: {}", config_.topic,
                                                    config_.brokers, rd_kafka_err2str(err)));
    }
    // The delivery report comes when every broker of the partition has the message (acks=all),
    // or when message.timeout.ms has passed.
    while (state_->pending > 0) rd_kafka_poll(producer_, 100);
    if (!state_->error.empty()) {
      return make_error(ErrorCode::kIo, fmt::format("Kafka topic '{}' at {}: delivery failed: {}", config_.topic,
                                                    config_.brokers, state_->error));
    }
    return Status::ok_status();
  }

 private:
  EventSinkConfig config_;
  rd_kafka_t* producer_;
  std::unique_ptr<DeliveryState> state_;  // the delivery callback's opaque
};

}  // namespace

Result<std::unique_ptr<EventSink>> make_kafka_sink(const EventSinkConfig& config) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
      return make_error(ErrorCode::kConfig, fmt::format("Kafka option {}={}: {}", key, value, error));
    }
    return Status::ok_status();
  };
  std::map<std::string, std::string> settings = {{"bootstrap.servers", config.brokers},
                                                 {"enable.idempotence", "true"},
                                                 {"acks", "all"},
                                                 {"message.timeout.ms", "15000"},
                                                 {"client.id", "silt"}};
  for (const auto& [key, value] : config.options) settings[key] = value;
  for (const auto& [key, value] : settings) {
    Status applied = set(key, value);
    if (!applied.ok()) {
      rd_kafka_conf_destroy(conf);
      return applied.error();
    }
  }
  auto state = std::make_unique<DeliveryState>();
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_opaque(conf, state.get());
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
  if (producer == nullptr) {
    return make_error(ErrorCode::kConfig, fmt::format("cannot create a Kafka producer for {}: {}", config.brokers, error));
  }
  return std::unique_ptr<EventSink>(new KafkaSink(config, producer, std::move(state)));
}

}  // namespace silt::pipeline
