// `silt flags serve` through the real binary on a port the kernel picks: OFREP single and bulk
// evaluation, ETag and 304, error answers, and a flag file changed while it serves.
#include <gtest/gtest.h>
#include <httplib.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "pipeline/flags/ofrep_client.h"
#include "pipeline/run/flag_snapshot.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The server as a child process, its output in a file; stopped by PID.
class Server {
 public:
  explicit Server(const std::string& project, const std::string& log) : log_(log) {
    std::fflush(nullptr);  // nothing buffered is written twice
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* out = std::freopen(log.c_str(), "w", stdout);
      (void)out;
      ::dup2(::fileno(stdout), 2);
      ::execl(SILT_BINARY, SILT_BINARY, "flags", "serve", "--project", project.c_str(), "--port", "0", nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::string text = read(log_);
      size_t at = text.find("http://127.0.0.1:");
      if (at != std::string::npos) port_ = std::atoi(text.c_str() + at + 17);
      else std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  ~Server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  int port() const { return port_; }
  std::string log() const { return read(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

constexpr const char* kFlags = R"(tbar.hydration.schema_version:
  variations: [v1, v2]
  off_variation: v1
  rules:
    - clauses: [{attribute: environment, op: in, values: [dev, qa]}]
      serve: v2
  fallthrough: {rollout: {v1: 90, v2: 10}}
)";

TEST(CliFlagsServe, AnswersOfrepSingleAndBulkEvaluations) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), "name: tbar\nstorage: ./lake\n");
  write(dir.file("p/flags/tbar.yml"), kFlags);
  Server server(dir.file("p"), dir.file("serve.log"));
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client client("127.0.0.1", server.port());

  auto single = client.Post("/ofrep/v1/evaluate/flags/tbar.hydration.schema_version",
                            R"({"context": {"targetingKey": "job-7", "environment": "dev"}})", "application/json");
  ASSERT_TRUE(single) << server.log();
  EXPECT_EQ(single->status, 200);
  auto body = nlohmann::json::parse(single->body);
  EXPECT_EQ(body["value"], "v2");
  EXPECT_EQ(body["variant"], "v2");
  EXPECT_EQ(body["reason"], "TARGETING_MATCH");
  EXPECT_EQ(body["metadata"]["reasonKind"], "RULE_MATCH");

  const std::string context = R"({"context": {"targetingKey": "job-7", "environment": "prod"}})";
  auto bulk = client.Post("/ofrep/v1/evaluate/flags", context, "application/json");
  ASSERT_TRUE(bulk);
  EXPECT_EQ(bulk->status, 200);
  auto flags = nlohmann::json::parse(bulk->body)["flags"];
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0]["value"], "v1");  // job-7 buckets at 0.81: v1's 90%
  EXPECT_EQ(flags[0]["reason"], "SPLIT");
  const std::string etag = bulk->get_header_value("ETag");
  ASSERT_FALSE(etag.empty());
  auto unchanged = client.Post("/ofrep/v1/evaluate/flags", {{"If-None-Match", etag}}, context, "application/json");
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);

  auto missing = client.Post("/ofrep/v1/evaluate/flags/nope", R"({"context": {"targetingKey": "j"}})", "application/json");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body)["errorCode"], "FLAG_NOT_FOUND");
  auto no_key = client.Post("/ofrep/v1/evaluate/flags/tbar.hydration.schema_version", R"({"context": {}})", "application/json");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->status, 400);
  EXPECT_EQ(nlohmann::json::parse(no_key->body)["errorCode"], "TARGETING_KEY_MISSING");
  auto not_json = client.Post("/ofrep/v1/evaluate/flags", "{", "application/json");
  ASSERT_TRUE(not_json);
  EXPECT_EQ(not_json->status, 400);
  EXPECT_EQ(nlohmann::json::parse(not_json->body)["errorCode"], "PARSE_ERROR");

  // A change to the file is served at the next request; the old ETag no longer matches.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write(dir.file("p/flags/tbar.yml"), std::string(kFlags).replace(std::string(kFlags).find("{v1: 90, v2: 10}"), 16, "{v1: 0, v2: 100}"));
  auto changed = client.Post("/ofrep/v1/evaluate/flags", {{"If-None-Match", etag}}, context, "application/json");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
  EXPECT_EQ(nlohmann::json::parse(changed->body)["flags"][0]["value"], "v2");
}

// The OFREP client provider against `silt flags serve`: bulk evaluation, the ETag sent back and a
// 304 served from the cache, flags the server lacks; and servers that fail (down, slow, HTTP 500,
// not OFREP's JSON), each an error the run turns into its fallback.
TEST(CliFlagsServe, TheOfrepClientEvaluatesThroughTheServer) {
  TempDir dir;
  write(dir.file("p/silt.yaml"), "name: tbar\nstorage: ./lake\n");
  write(dir.file("p/flags/tbar.yml"), kFlags);
  Server server(dir.file("p"), dir.file("serve.log"));
  ASSERT_GT(server.port(), 0) << server.log();
  pipeline::OfrepOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(server.port());
  pipeline::OfrepProvider provider(options);
  auto context = pipeline::job_context({"environment=dev"}, "tbar");
  ASSERT_TRUE(context);
  auto first = provider.evaluate({"tbar.hydration.schema_version", "no.such.flag"}, *context);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->results.size(), 2u);
  const auto& result = first->results[0].evaluation;
  EXPECT_EQ(result.value.to_text(), "v2");
  EXPECT_EQ(result.variation, 1);
  EXPECT_EQ(result.reason.kind, flags::ReasonKind::kRuleMatch);
  EXPECT_EQ(result.reason.rule_index, 0);
  EXPECT_EQ(result.flag_version, 1);
  EXPECT_EQ(first->results[0].openfeature_reason, "TARGETING_MATCH");
  EXPECT_EQ(first->results[1].evaluation.reason.error_kind, flags::ErrorKind::kFlagNotFound);
  auto second = provider.evaluate({"tbar.hydration.schema_version"}, *context);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->results[0].evaluation.value.to_text(), "v2");
  EXPECT_EQ(provider.requests(), 2);
  EXPECT_EQ(provider.not_modified(), 1);  // the unchanged answer came back as 304

  // A run over the provider records it.
  auto snapshot = pipeline::take_flag_snapshot(provider, {"tbar.hydration.schema_version"}, *context);
  EXPECT_EQ(snapshot.provider, "ofrep");
  EXPECT_TRUE(snapshot.warnings.empty());
  EXPECT_EQ(snapshot.flags[0].variant, "v2");
}

TEST(CliFlagsServe, OfrepServerFailuresAreErrors) {
  auto context = pipeline::job_context({}, "tbar");
  ASSERT_TRUE(context);
  auto failing = [&](testing::HttpTestServer::Handler handler, int timeout_ms) {
    auto server = testing::HttpTestServer::start(std::move(handler));
    EXPECT_TRUE(server);
    pipeline::OfrepOptions options;
    options.url = (*server)->endpoint();
    options.timeout_ms = timeout_ms;
    pipeline::OfrepProvider provider(options);
    auto result = provider.evaluate({"tbar.hydration.schema_version"}, *context);
    EXPECT_FALSE(result);
    return result ? std::string() : result.error().message();
  };
  EXPECT_NE(failing([](const testing::HttpRequest&) { return testing::HttpTestResponse(500, "{}"); }, 1000).find("HTTP 500"),
            std::string::npos);
  EXPECT_NE(failing([](const testing::HttpRequest&) { return testing::HttpTestResponse(200, "[1, 2"); }, 1000)
                .find("not a bulk evaluation"),
            std::string::npos);
  EXPECT_NE(failing(
                [](const testing::HttpRequest&) {
                  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                  return testing::HttpTestResponse(200, "{\"flags\": []}");
                },
                200)
                .find("did not answer within 200 ms"),
            std::string::npos);
  // Nothing listening.
  pipeline::OfrepOptions down;
  down.url = "http://127.0.0.1:1";
  down.timeout_ms = 500;
  pipeline::OfrepProvider provider(down);
  auto snapshot = pipeline::take_flag_snapshot(provider, {"tbar.hydration.schema_version"}, *context);
  ASSERT_EQ(snapshot.flags.size(), 1u);
  EXPECT_EQ(snapshot.flags[0].reason, "ERROR");
  EXPECT_EQ(snapshot.flags[0].error_kind, "CLIENT_NOT_READY");
  EXPECT_EQ(snapshot.warnings.size(), 1u);
}

}  // namespace
}  // namespace silt::testing
