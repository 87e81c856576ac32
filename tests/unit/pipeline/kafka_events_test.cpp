// Completion events to Kafka through the outbox, against librdkafka's mock cluster (a real Kafka
// protocol endpoint on 127.0.0.1, started in this process): the event is consumed back with its
// key, value and event_id header; a broker that cannot be reached leaves it pending, and a later
// delivery sends it once. A consolidation execution announces each partition it wrote, consumed back.
#include <gtest/gtest.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/session.h"
#include "pipeline/consolidate/consolidator.h"
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

TEST(KafkaEvents, AConsolidationAnnouncesEachPartitionItWrote) {
  MockKafka kafka;
  ASSERT_TRUE(kafka.ok()) << "librdkafka's mock cluster did not start";
  testing::TempDir dir;
  storage::LocalFileSystem fs;
  auto session = engine::Session::open(engine::SessionOptions{});
  ASSERT_TRUE(session) << session.error().message();
  // Two landing days, 30 records each, 5 of the second day re-sending keys of the first with a
  // later updated_at (they move to the second day's partition).
  for (const auto& [day, first] : {std::pair<std::string, int>{"02", 0}, {"03", 25}}) {
    const std::string folder = dir.file("landing/2025/11/" + day);
    std::filesystem::create_directories(folder);
    ASSERT_TRUE((*session)->connection().execute(fmt::format(
        "COPY (SELECT 'cb' || (i + {}) AS chargeback_id, TIMESTAMP '2025-11-{} 12:00:00' + INTERVAL (i) MINUTE AS updated_at, "
        "i * 1.5 AS amount FROM range(30) t(i)) TO '{}/part.parquet' (FORMAT parquet)", first, day, folder)).ok());
  }
  ConsolidationConfig job;
  job.name = "chargebacks";
  job.input.path = dir.file("landing");
  job.key = {"chargeback_id"};
  job.latest_by = "updated_at";
  job.partition_by.column = "updated_at";
  job.output.path = dir.file("lake/consolidated");
  EventSinkConfig sink;
  sink.kind = EventSinkConfig::Kind::kKafka;
  sink.brokers = kafka.bootstraps();
  sink.topic = "consolidation-events";
  job.events = {sink};
  Consolidator consolidator(**session, fs, dir.file("lake"));
  auto execution = consolidator.execute(job, ConsolidateOptions{});
  ASSERT_TRUE(execution) << execution.error().message();
  EXPECT_EQ(execution->records_processed, 60);
  EXPECT_EQ(execution->duplicates_removed, 5);

  auto messages = consume(kafka.bootstraps(), 2);
  ASSERT_EQ(messages.size(), 2u);  // one per partition, once
  std::set<std::string> keys, ids;
  int64_t processed = 0;
  for (const auto& message : messages) {
    keys.insert(message.key);
    ids.insert(message.event_id);
    const auto value = nlohmann::json::parse(message.value);
    EXPECT_EQ(value.at("event_type"), "consolidation_completed");
    EXPECT_EQ(value.at("job_name"), "chargebacks");
    EXPECT_EQ(value.at("output_format"), "delta");
    EXPECT_EQ(value.at("total_executions"), 4);
    EXPECT_EQ(value.at("event_id"), message.event_id);
    processed += value.at("records_processed").get<int64_t>();
  }
  EXPECT_EQ(keys, (std::set<std::string>{"chargebacks|2025-11-02", "chargebacks|2025-11-03"}));
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(processed, 60);
}

}  // namespace
}  // namespace silt::pipeline
