// The sinks' constructors, shared by event_sinks.cpp (the factory) and kafka_sink.cpp. Internal
// to src/pipeline/events/.
#pragma once

#include <memory>

#include "pipeline/events/event_outbox.h"

namespace silt::pipeline {

Result<std::unique_ptr<EventSink>> make_kafka_sink(const EventSinkConfig& config);

}  // namespace silt::pipeline
