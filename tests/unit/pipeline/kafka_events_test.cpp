// Completion events to Kafka through the outbox, against librdkafka's mock cluster (a real Kafka
// protocol endpoint on 127.0.0.1, started in this process): the event is consumed back with its
// key, value and event_id header; a broker that cannot be reached leaves it pending, and a later
// delivery sends it once.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <memory>
#include <string>

#include "pipeline/events/event_outbox.h"
#include "storage/local/local_file_system.h"
#include "support/temp_dir.h"

namespace silt::pipeline {
namespace {

class MockKafka {
 public:
  MockKafka() {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", error, sizeof error);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    if (handle_ != nullptr) cluster_ = rd_kafka_mock_cluster_new(handle_, 1);
    if (cluster_ != nullptr) rd_kafka_mock_topic_create(cluster_, "consolidation-events", 3, 1);
  }
  ~MockKafka() {
    if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
    if (handle_ != nullptr) rd_kafka_destroy(handle_);
  }
  bool ok() const { return cluster_ != nullptr; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

 private:
  rd_kafka_t* handle_ = nullptr;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

struct Consumed {
  std::string key, value, event_id;
};

// Every message of the topic's partitions, read from the beginning: until `count` came (then 1.5 s more,
// to see duplicates) or 20 s passed.
std::vector<Consumed> consume(const std::string& brokers, size_t count) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), error, sizeof error);
  rd_kafka_conf_set(conf, "group.id", "test", error, sizeof error);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof error);
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  rd_kafka_poll_set_consumer(consumer);
  rd_kafka_topic_partition_list_t* partitions = rd_kafka_topic_partition_list_new(3);
  for (int p = 0; p < 3; ++p) {
    rd_kafka_topic_partition_list_add(partitions, "consolidation-events", p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(consumer, partitions);
  rd_kafka_topic_partition_list_destroy(partitions);
  std::vector<Consumed> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  auto until = deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (out.size() >= count && until == deadline) until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 200);
    if (message == nullptr) continue;
    if (!message->err) {
      Consumed c;
      c.key.assign(static_cast<const char*>(message->key), message->key_len);
      c.value.assign(static_cast<const char*>(message->payload), message->len);
      rd_kafka_headers_t* headers = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          rd_kafka_header_get_last(headers, "event_id", &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        c.event_id.assign(static_cast<const char*>(value), size);
      }
      out.push_back(std::move(c));
    }
    rd_kafka_message_destroy(message);
  }
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return out;
}

OutboxEvent event(const std::string& id) {
  OutboxEvent e;
  e.id = id;
  e.job = "chargebacks";
  e.key = "chargebacks|2025-11-03";
  e.created_at = "2025-11-03T09:45:00.000+00:00";
  e.payload = R"({"event_type":"consolidation_completed","event_id":")" + id + R"(","partition_date":"2025-11-03"})";
  return e;
}

TEST(KafkaEvents, AnEventIsProducedOnceAndConsumedBack) {
  MockKafka kafka;
  ASSERT_TRUE(kafka.ok()) << "librdkafka's mock cluster did not start";
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  EventOutbox outbox(fs, dir.path());
  EventSinkConfig sink;
  sink.kind = EventSinkConfig::Kind::kKafka;
  sink.brokers = kafka.bootstraps();
  sink.topic = "consolidation-events";
  ASSERT_TRUE(outbox.enqueue(event("e1"), {sink}).ok());
  ASSERT_TRUE(outbox.enqueue(event("e1"), {sink}).ok());  // the same completion stored twice: one event
  auto report = outbox.deliver("chargebacks", {sink});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->delivered, 1);
  EXPECT_EQ(report->failed, 0);
  auto again = outbox.deliver("chargebacks", {sink});  // nothing pending: nothing sent
  ASSERT_TRUE(again);
  EXPECT_EQ(again->delivered, 0);
  auto messages = consume(kafka.bootstraps(), 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].key, "chargebacks|2025-11-03");
  EXPECT_EQ(messages[0].event_id, "e1");
  EXPECT_NE(messages[0].value.find("\"consolidation_completed\""), std::string::npos);
}

TEST(KafkaEvents, AnUnreachableBrokerLeavesTheEventPendingUntilALaterDelivery) {
  MockKafka kafka;
  ASSERT_TRUE(kafka.ok());
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  EventOutbox outbox(fs, dir.path());
  EventSinkConfig down;
  down.kind = EventSinkConfig::Kind::kKafka;
  down.brokers = "127.0.0.1:1";
  down.topic = "consolidation-events";
  down.options = {{"message.timeout.ms", "1500"}};
  ASSERT_TRUE(outbox.enqueue(event("e2"), {down}).ok());
  auto report = outbox.deliver("chargebacks", {down});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->failed, 1);
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_NE(report->errors[0].find("delivery failed"), std::string::npos) << report->errors[0];
  auto pending = outbox.list("chargebacks", true);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].deliveries[0].attempts, 1);

  // The broker moved (the same sink label: same topic, brokers edited in the file sink config).
  EventSinkConfig up = down;
  up.brokers = kafka.bootstraps();
  up.options.clear();
  // Deliveries are matched to sinks by label (kafka:<topic>), so the fixed configuration delivers it.
  report = outbox.deliver("chargebacks", {up});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->delivered, 1);
  auto messages = consume(kafka.bootstraps(), 1);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].event_id, "e2");
}

}  // namespace
}  // namespace silt::pipeline
