// Completion events leave through an outbox under the storage: an event is stored
// (<storage>/_silt/events/<job>/<id>.json) only after the work it announces is committed, then
// delivered to each sink of its job; a sink that fails keeps the event pending, and the next
// delivery (the job's next execution, or `silt events --retry`) tries it again. An event is
// delivered to a sink at most once from here on success; its id (stable for the work it
// announces) lets consumers drop a duplicate a crash between delivery and bookkeeping can cause.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "pipeline/project/consolidation_config.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct EventDelivery {
  std::string sink;  // EventSinkConfig::label()
  bool delivered = false;
  int attempts = 0;
  std::string delivered_at;
  std::string last_error;
};

struct OutboxEvent {
  std::string id;
  std::string job;
  std::string key;         // the message key (Kafka): "<job>|<partition_date>"
  std::string created_at;
  std::string payload;     // the event, a JSON object
  std::vector<EventDelivery> deliveries;

  bool pending() const;
};

// Where events go. deliver() is called once per event and sink; it may retry inside.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual std::string label() const = 0;
  virtual Status deliver(const OutboxEvent& event) = 0;
};

// kafka (librdkafka: idempotent producer, acks=all), webhook (HTTP POST with retries and
// backoff), file (JSON lines; an event already in the file is not appended again).
Result<std::unique_ptr<EventSink>> make_event_sink(const EventSinkConfig& config, storage::FileSystem& fs);

struct DeliveryReport {
  int64_t delivered = 0;  // (event, sink) pairs delivered now
  int64_t failed = 0;     // still pending
  std::vector<std::string> errors;  // "<event id> to <sink>: <why>"
};

class EventOutbox {
 public:
  EventOutbox(storage::FileSystem& fs, const std::string& storage_root);

  // Stores `event` with a pending delivery per sink; an event with its id already stored is kept
  // as it is (so recording the same completion twice sends it once).
  Status enqueue(OutboxEvent event, const std::vector<EventSinkConfig>& sinks);
  // Newest first; every job when `job` is empty; only events with a pending delivery when
  // `pending_only`.
  Result<std::vector<OutboxEvent>> list(const std::string& job, bool pending_only);
  // Tries every pending delivery of `job`'s events (every job when empty) whose sink is in
  // `sinks` (the job's current configuration), oldest event first.
  Result<DeliveryReport> deliver(const std::string& job, const std::vector<EventSinkConfig>& sinks);

 private:
  std::string event_path(const std::string& job, const std::string& id) const;
  Status save(const OutboxEvent& event);

  storage::FileSystem& fs_;
  std::string root_;
};

std::string outbox_event_to_json(const OutboxEvent& event);
Result<OutboxEvent> outbox_event_from_json(const std::string& text, const std::string& origin);

}  // namespace silt::pipeline
