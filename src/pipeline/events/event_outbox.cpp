#include "pipeline/events/event_outbox.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "obs/logger.h"
#include "obs/metrics.h"

namespace silt::pipeline {

using nlohmann::ordered_json;

bool OutboxEvent::pending() const {
  return std::any_of(deliveries.begin(), deliveries.end(), [](const EventDelivery& d) { return !d.delivered; });
}

std::string outbox_event_to_json(const OutboxEvent& event) {
  ordered_json j;
  j["id"] = event.id;
  j["job"] = event.job;
  j["key"] = event.key;
  j["created_at"] = event.created_at;
  j["event"] = ordered_json::parse(event.payload);
  ordered_json deliveries = ordered_json::array();
  for (const auto& d : event.deliveries) {
    ordered_json item = {{"sink", d.sink}, {"delivered", d.delivered}, {"attempts", d.attempts}};
    if (!d.delivered_at.empty()) item["delivered_at"] = d.delivered_at;
    if (!d.last_error.empty()) item["last_error"] = d.last_error;
    deliveries.push_back(item);
  }
  j["deliveries"] = deliveries;
  return j.dump(2);
}

Result<OutboxEvent> outbox_event_from_json(const std::string& text, const std::string& origin) {
  try {
    const auto j = ordered_json::parse(text);
    OutboxEvent event;
    event.id = j.at("id").get<std::string>();
    event.job = j.at("job").get<std::string>();
    event.key = j.value("key", "");
    event.created_at = j.value("created_at", "");
    event.payload = j.at("event").dump();
    for (const auto& d : j.value("deliveries", ordered_json::array())) {
      EventDelivery delivery;
      delivery.sink = d.value("sink", "");
      delivery.delivered = d.value("delivered", false);
      delivery.attempts = d.value("attempts", 0);
      delivery.delivered_at = d.value("delivered_at", "");
      delivery.last_error = d.value("last_error", "");
      event.deliveries.push_back(std::move(delivery));
    }
    return event;
  } catch (const std::exception& error) {
    return make_error(ErrorCode::kCorruption, fmt::format("{}: not an outbox event ({})", origin, error.what()));
  }
}

EventOutbox::EventOutbox(storage::FileSystem& fs, const std::string& storage_root)
    : fs_(fs), root_(storage::join_path(storage_root, "_silt/events")) {}

std::string EventOutbox::event_path(const std::string& job, const std::string& id) const {
  return storage::join_path(storage::join_path(root_, job), id + ".json");
}

Status EventOutbox::save(const OutboxEvent& event) { return fs_.write(event_path(event.job, event.id), outbox_event_to_json(event)); }

Status EventOutbox::enqueue(OutboxEvent event, const std::vector<EventSinkConfig>& sinks) {
  event.deliveries.clear();
  for (const auto& sink : sinks) {
    EventDelivery delivery;
    delivery.sink = sink.label();
    event.deliveries.push_back(std::move(delivery));
  }
  Status stored = fs_.put_if_absent(event_path(event.job, event.id), outbox_event_to_json(event));
  if (!stored.ok() && stored.error().code() == ErrorCode::kAlreadyExists) return Status::ok_status();
  return stored;
}

Result<std::vector<OutboxEvent>> EventOutbox::list(const std::string& job, bool pending_only) {
  SILT_TRY_ASSIGN(auto files, fs_.list_recursive(job.empty() ? root_ : storage::join_path(root_, job)));
  std::vector<OutboxEvent> out;
  for (const auto& file : files) {
    if (!ends_with(file.path, ".json")) continue;
    SILT_TRY_ASSIGN(auto text, fs_.read(file.path));
    SILT_TRY_ASSIGN(auto event, outbox_event_from_json(text, file.path));
    if (pending_only && !event.pending()) continue;
    out.push_back(std::move(event));
  }
  std::sort(out.begin(), out.end(), [](const OutboxEvent& a, const OutboxEvent& b) {
    return std::tie(a.created_at, a.id) > std::tie(b.created_at, b.id);
  });
  return out;
}

Result<DeliveryReport> EventOutbox::deliver(const std::string& job, const std::vector<EventSinkConfig>& sinks) {
  SILT_TRY_ASSIGN(auto events, list(job, true));
  std::reverse(events.begin(), events.end());  // oldest first
  DeliveryReport report;
  std::map<std::string, std::unique_ptr<EventSink>> made;
  std::map<std::string, std::string> broken;  // sinks that could not be made, with why
  for (auto& event : events) {
    bool changed = false;
    for (auto& delivery : event.deliveries) {
      if (delivery.delivered) continue;
      const EventSinkConfig* config = nullptr;
      for (const auto& sink : sinks) {
        if (sink.label() == delivery.sink) config = &sink;
      }
      if (config == nullptr) continue;  // the sink is no longer configured: left pending
      if (!made.count(delivery.sink) && !broken.count(delivery.sink)) {
        auto sink = make_event_sink(*config, fs_);
        if (sink) made.emplace(delivery.sink, std::move(*sink));
        else broken.emplace(delivery.sink, sink.error().message());
      }
      ++delivery.attempts;
      changed = true;
      Status sent = broken.count(delivery.sink) ? Status(make_error(ErrorCode::kConfig, broken[delivery.sink]))
                                                : made.at(delivery.sink)->deliver(event);
      if (sent.ok()) {
        delivery.delivered = true;
        delivery.delivered_at = format_rfc3339_ms(now_ms());
        delivery.last_error.clear();
        ++report.delivered;
        obs::counter_add(fmt::format("silt.events.delivered{{sink={}}}", delivery.sink));
      } else {
        delivery.last_error = sent.error().message();
        ++report.failed;
        report.errors.push_back(fmt::format("event {} to {}: {}", event.id, delivery.sink, delivery.last_error));
        obs::counter_add(fmt::format("silt.events.failed{{sink={}}}", delivery.sink));
        SILT_LOG_WARN("event {} not delivered to {} (kept in the outbox, retried later): {}", event.id, delivery.sink,
                      delivery.last_error);
      }
    }
    if (changed) SILT_TRY(save(event));
  }
  return report;
}

}  // namespace silt::pipeline
