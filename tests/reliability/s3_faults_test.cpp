// S3 through a fault-injecting proxy (tests/support/fault_proxy.h) in front of the ctest run's
// Ceph radosgw: dropped connections, 503 SlowDown, answers held back past the client's timeout,
// and connections reset after the server acted on the request. Commits must stay all-or-nothing:
// every append either shows all its rows exactly once or none of them, versions stay contiguous,
// and a conditional PUT whose answer was lost is judged by reading the key back.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/status.h"
#include "delta/log_listing.h"
#include "delta/snapshot.h"
#include "engine/session.h"
#include "engine/table_ops.h"
#include "storage/s3/s3_file_system.h"
#include "support/fault_proxy.h"
#include "support/s3_test_server.h"

namespace silt {
namespace {

using testing::Fault;
using testing::FaultProxy;
using testing::ProxiedRequest;

class S3FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::S3TestServer::radosgw();
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    auto bucket = server_->create_bucket("faults");
    ASSERT_TRUE(bucket) << bucket.error().message();
    bucket_ = *bucket;
    direct_ = std::make_unique<storage::s3::S3FileSystem>(server_->client());
  }

  // Starts the proxy with `decide`; client() and file_system() then go through it.
  void start_proxy(FaultProxy::Decide decide) {
    auto proxy = FaultProxy::start(server_->endpoint(), std::move(decide), std::chrono::milliseconds(1500));
    ASSERT_TRUE(proxy) << proxy.error().message();
    proxy_ = std::move(*proxy);
  }

  // A client through the proxy: a short stall timeout (so held-back answers time out), quick retries.
  std::shared_ptr<storage::s3::S3Client> client() const {
    auto options = server_->options();
    options.endpoint = proxy_->endpoint();
    options.http.stall_timeout = std::chrono::milliseconds(500);
    options.max_attempts = 10;
    return std::make_shared<storage::s3::S3Client>(options);
  }

  std::string url(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  std::unique_ptr<testing::S3TestServer> server_;
  std::string bucket_;
  std::unique_ptr<storage::s3::S3FileSystem> direct_;  // straight to the server, for checking
  std::unique_ptr<FaultProxy> proxy_;
};

// The first attempt of every request matching `match` gets `fault`; everything else goes through.
FaultProxy::Decide first_attempt(std::function<bool(const ProxiedRequest&)> match, Fault fault) {
  auto seen = std::make_shared<std::set<std::string>>();
  return [match = std::move(match), fault, seen](const ProxiedRequest& request, int64_t) {
    if (!match(request)) return Fault::kNone;
    return seen->insert(request.method + " " + request.target).second ? fault : Fault::kNone;
  };
}

TEST_F(S3FaultsTest, ConditionalPutWhoseAnswerIsLostIsJudgedByReadingBack) {
  start_proxy(first_attempt([](const ProxiedRequest& r) { return r.conditional_put(); }, Fault::kResetAfterForward));
  auto s3 = client();
  // The server stored the object; the answer was lost. Ours: success.
  auto created = s3->put_object(bucket_, "log/00001.json", "writer A", true);
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(*direct_->read(url("log/00001.json")), "writer A");
  // Another writer's object at the key, the answer (412) lost: a conflict, not a success.
  auto second = s3->put_object(bucket_, "log/00002.json", "writer A", true);
  ASSERT_TRUE(second) << second.error().message();
  start_proxy(first_attempt([](const ProxiedRequest& r) { return r.conditional_put(); }, Fault::kResetAfterForward));
  auto lost = client()->put_object(bucket_, "log/00002.json", "writer B", true);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code(), ErrorCode::kAlreadyExists) << lost.error().message();
  EXPECT_EQ(*direct_->read(url("log/00002.json")), "writer A");
  EXPECT_GE(proxy_->counts().reset_after_forward, 1);
}

TEST_F(S3FaultsTest, HeldBackAnswersDropsAndSlowDownAreRetried) {
  start_proxy([](const ProxiedRequest&, int64_t index) {
    switch (index % 4) {
      case 0: return Fault::kDrop;
      case 1: return Fault::kServiceUnavailable;
      case 2: return Fault::kSlow;
      default: return Fault::kNone;
    }
  });
  storage::s3::S3FileSystem fs(client());
  ASSERT_TRUE(fs.write(url("plain.txt"), "hello").ok());
  auto text = fs.read(url("plain.txt"));
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, "hello");
  auto listed = fs.list(url(""));
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_EQ(listed->size(), 1u);
  auto counts = proxy_->counts();
  EXPECT_GE(counts.dropped, 2);
  EXPECT_GE(counts.unavailable, 2);
  EXPECT_GE(counts.slowed, 2);
}

TEST_F(S3FaultsTest, MultipartUploadThroughFaultsIsWholeOrAbsent) {
  // Parts and completion fail on their first attempt in every way; the object arrives intact.
  start_proxy([](const ProxiedRequest& request, int64_t index) {
    if (request.method == "GET" || request.method == "HEAD") return Fault::kNone;
    static const Fault kCycle[] = {Fault::kResetAfterForward, Fault::kNone, Fault::kDrop, Fault::kServiceUnavailable,
                                   Fault::kNone};
    return kCycle[index % 5];
  });
  storage::s3::S3FileSystemOptions options;
  options.multipart_threshold = 5 << 20;
  options.part_size = 5 << 20;
  storage::s3::S3FileSystem fs(client(), options);
  std::string data(17 << 20, '\0');
  std::mt19937 random(7);
  for (char& c : data) c = static_cast<char>(random());
  Status written = fs.write(url("big.bin"), data);
  ASSERT_TRUE(written.ok()) << written.message();
  auto back = direct_->read(url("big.bin"));
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(*back == data) << "read back " << back->size() << " bytes";

  // A store that answers every write with 503 from the first part on: an error, and no object.
  start_proxy([](const ProxiedRequest& request, int64_t) {
    bool part = request.method == "PUT" && request.target.find("partNumber=") != std::string::npos;
    return part ? Fault::kServiceUnavailable : Fault::kNone;
  });
  storage::s3::S3FileSystem failing(client(), options);
  Status refused = failing.write(url("half.bin"), data);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("SlowDown"), std::string::npos) << refused.message();
  auto exists = direct_->exists(url("half.bin"));
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

// Rows of append `i`: ids i*5 .. i*5+4.
std::string append_rows(int i) {
  return fmt::format("SELECT CAST({} * 5 + k AS BIGINT) AS id, 'append {}' AS note FROM range(5) r(k)", i, i);
}

TEST_F(S3FaultsTest, CommitsStayAllOrNothingUnderFaults) {
  // Every commit file's first PUT is applied by the server and its answer lost; other requests
  // fail at random (seeded): 8% dropped, 8% 503, 2% held back, 8% reset after the server acted.
  auto committed_once = std::make_shared<std::set<std::string>>();
  auto random = std::make_shared<std::mt19937>(20261202);
  start_proxy([committed_once, random](const ProxiedRequest& request, int64_t) {
    if (request.conditional_put() && request.target.find("_delta_log/") != std::string::npos &&
        committed_once->insert(request.target).second) {
      return Fault::kResetAfterForward;
    }
    int roll = static_cast<int>((*random)() % 100);
    if (roll < 8) return Fault::kDrop;
    if (roll < 16) return Fault::kServiceUnavailable;
    if (roll < 18) return Fault::kSlow;
    if (roll < 26) return Fault::kResetAfterForward;
    return Fault::kNone;
  });
  storage::s3::S3FileSystem fs(client());
  auto session = engine::Session::open(engine::SessionOptions{});
  ASSERT_TRUE(session) << session.error().message();
  engine::TableOps ops(**session, fs);
  std::string root = url("orders");
  engine::CreateOptions create;
  create.schema_sql = "id BIGINT, note VARCHAR";
  auto created = ops.create(root, create);
  ASSERT_TRUE(created) << created.error().message();

  constexpr int kAppends = 24;
  std::vector<bool> succeeded(kAppends, false);
  std::vector<std::string> errors;
  for (int i = 0; i < kAppends; ++i) {
    engine::Source source;
    source.query = append_rows(i);
    auto written = ops.write(root, source, engine::WriteOptions{});
    succeeded[i] = static_cast<bool>(written);
    if (!written) errors.push_back(fmt::format("append {}: {}", i, written.error().message()));
  }
  auto counts = proxy_->counts();
  std::cout << fmt::format("[ NOTE ] {} requests: {} dropped, {} 503, {} held back, {} reset after the server "
                           "acted; {} of {} appends reported failure\n",
                           counts.requests, counts.dropped, counts.unavailable, counts.slowed,
                           counts.reset_after_forward, errors.size(), kAppends);
  for (const auto& error : errors) std::cout << "[ NOTE ] " << error << "\n";
  EXPECT_GE(counts.reset_after_forward, kAppends);

  // Checked straight against the server, with a fresh session.
  auto check_session = engine::Session::open(engine::SessionOptions{});
  ASSERT_TRUE(check_session) << check_session.error().message();
  auto listing = delta::list_log(*direct_, root);
  ASSERT_TRUE(listing) << listing.error().message();
  int64_t version = 0;
  for (const auto& [number, file] : listing->commits) EXPECT_EQ(number, version++) << "versions must be contiguous";
  auto latest = delta::Snapshot::load(*direct_, (*check_session)->parquet_io(), root);
  ASSERT_TRUE(latest) << latest.error().message();
  ASSERT_TRUE((*check_session)->register_snapshot("t", **latest).ok());
  auto rows = (*check_session)
                  ->connection()
                  .query_varchar("SELECT CAST(id // 5 AS VARCHAR), CAST(count(*) AS VARCHAR), "
                                 "CAST(count(DISTINCT id) AS VARCHAR) FROM t GROUP BY id // 5");
  ASSERT_TRUE(rows) << rows.error().message();
  std::map<int, int> rows_of;
  for (const auto& row : rows->rows) {
    EXPECT_EQ(*row[1], *row[2]) << "append " << *row[0] << " has a duplicated row";
    rows_of[std::stoi(*row[0])] = std::stoi(*row[1]);
  }
  int present = 0;
  for (int i = 0; i < kAppends; ++i) {
    int count = rows_of.count(i) ? rows_of[i] : 0;
    EXPECT_TRUE(count == 0 || count == 5) << "append " << i << " is partly visible: " << count << " rows";
    if (succeeded[i]) {
      EXPECT_EQ(count, 5) << "append " << i << " reported success but is not in the table";
    }
    if (count == 5) ++present;
  }
  // One version per append that landed, after version 0; and every version opens.
  EXPECT_EQ((*latest)->version(), present);
  for (int64_t v = 0; v <= (*latest)->version(); ++v) {
    delta::VersionSpec spec;
    spec.version = v;
    auto old = delta::Snapshot::load(*direct_, (*check_session)->parquet_io(), root, spec);
    EXPECT_TRUE(old) << "version " << v << ": " << old.error().message();
  }
  EXPECT_GE(present, kAppends - 2) << "retries should carry nearly every append through these fault rates";
}

}  // namespace
}  // namespace silt
