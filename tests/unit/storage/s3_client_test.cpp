// The S3 client against real servers: multipart uploads, listing past one page, batch deletes,
// and the errors users see for wrong credentials, a missing bucket and an unreachable endpoint.
// radosgw checks signatures for real; s3rver pages listings and is quick to start.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "storage/s3/conditional_writes.h"
#include "storage/s3/s3_client.h"
#include "storage/s3/s3_file_system.h"
#include "support/s3_test_server.h"

namespace silt::storage::s3 {
namespace {

using ::silt::testing::S3TestServer;

std::string pattern(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return data;
}

std::unique_ptr<S3TestServer> radosgw() {
  auto server = S3TestServer::radosgw();
  EXPECT_TRUE(server) << server.error().message();
  return server ? std::move(*server) : nullptr;
}

std::unique_ptr<S3TestServer> s3rver() {
  auto server = S3TestServer::start_s3rver();
  EXPECT_TRUE(server) << server.error().message();
  return server ? std::move(*server) : nullptr;
}

S3FileSystemOptions small_parts() {
  S3FileSystemOptions options;
  options.part_size = 5 << 20;
  options.multipart_threshold = 5 << 20;
  options.parallel_parts = 3;
  return options;
}

TEST(S3ClientTest, MultipartWriteRoundTripsAndRangeReadsCrossPartBoundaries) {
  auto server = radosgw();
  ASSERT_TRUE(server);
  auto bucket = server->create_bucket("mp");
  ASSERT_TRUE(bucket) << bucket.error().message();
  S3FileSystem fs(server->client(), small_parts());
  std::string path = "s3://" + *bucket + "/big/file.bin";
  std::string data = pattern((17 << 20) + 123);  // four parts, the last one short
  ASSERT_TRUE(fs.write(path, data));
  auto back = fs.read(path);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(*back == data) << "sizes " << back->size() << " vs " << data.size();
  int64_t boundary = 5 << 20;
  auto range = fs.read_range(path, boundary - 10, 20);
  ASSERT_TRUE(range) << range.error().message();
  EXPECT_EQ(*range, data.substr(static_cast<size_t>(boundary) - 10, 20));
  auto info = fs.stat(path);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->size, static_cast<int64_t>(data.size()));
  // A multipart ETag has the part count after a dash.
  EXPECT_NE(info->etag.find('-'), std::string::npos) << info->etag;
}

TEST(S3ClientTest, AnAbandonedMultipartStreamLeavesNoObject) {
  auto server = radosgw();
  ASSERT_TRUE(server);
  auto bucket = server->create_bucket("abandon");
  ASSERT_TRUE(bucket);
  S3FileSystem fs(server->client(), small_parts());
  std::string path = "s3://" + *bucket + "/part/file.bin";
  {
    auto stream = fs.open_write(path);
    ASSERT_TRUE(stream);
    ASSERT_TRUE((*stream)->append(pattern(11 << 20)));  // two parts already sent
  }
  auto exists = fs.exists(path);
  ASSERT_TRUE(exists);
  EXPECT_FALSE(*exists);
}

TEST(S3ClientTest, WrongSecretIsRefusedWithTheS3CodeAndNoSecretInTheMessage) {
  auto server = radosgw();
  ASSERT_TRUE(server);
  auto bucket = server->create_bucket("auth");
  ASSERT_TRUE(bucket);
  S3Options options = server->options();
  options.credentials = fixed_credentials({server->access_key(), "not-the-secret-at-all", std::nullopt}, "the test");
  S3Client client(options);
  auto result = client.get_object(*bucket, "k");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kConfig);
  EXPECT_NE(result.error().message().find("SignatureDoesNotMatch"), std::string::npos) << result.error().message();
  EXPECT_NE(result.error().message().find("s3://" + *bucket + "/k"), std::string::npos) << result.error().message();
  EXPECT_EQ(result.error().message().find("not-the-secret-at-all"), std::string::npos);
}

TEST(S3ClientTest, ConditionalCompletionDoesNotReplaceAnExistingObject) {
  auto server = radosgw();
  ASSERT_TRUE(server);
  auto bucket = server->create_bucket("cond");
  ASSERT_TRUE(bucket);
  auto client = server->client();
  ASSERT_TRUE(client->put_object(*bucket, "k", "first"));
  auto upload = client->create_multipart_upload(*bucket, "k");
  ASSERT_TRUE(upload);
  auto etag = client->upload_part(*bucket, "k", *upload, 1, "second");
  ASSERT_TRUE(etag);
  auto done = client->complete_multipart_upload(*bucket, "k", *upload, {{1, *etag}}, true);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_TRUE(client->abort_multipart_upload(*bucket, "k", *upload));
  EXPECT_EQ(client->get_object(*bucket, "k").value_or(""), "first");
}

TEST(S3ClientTest, MissingBucketIsNotFoundAndNamesTheBucket) {
  auto server = s3rver();
  ASSERT_TRUE(server);
  S3FileSystem fs(server->client());
  auto read = fs.read("s3://no-such-bucket-here/a.json");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(read.error().message().find("bucket 'no-such-bucket-here' does not exist"), std::string::npos)
      << read.error().message();
  auto write = fs.put_if_absent("s3://no-such-bucket-here/a.json", "{}");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.code(), ErrorCode::kNotFound);
}

TEST(S3ClientTest, AnEndpointNobodyListensOnIsAnIoErrorNamingIt) {
  S3Options options;
  options.endpoint = "http://127.0.0.1:1";
  options.path_style = true;
  options.max_attempts = 2;
  options.retry_base = std::chrono::milliseconds(1);
  options.credentials = fixed_credentials({"AKID", "SECRETSECRET", std::nullopt}, "the test");
  S3Client client(options);
  auto result = client.get_object("b", "k");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kIo);
  EXPECT_NE(result.error().message().find("127.0.0.1:1"), std::string::npos) << result.error().message();
  EXPECT_EQ(client.counters().requests, 2);
}

TEST(S3ClientTest, ListingPagesPastAThousandKeysAndBatchDeleteRemovesThemAll) {
  auto server = s3rver();
  ASSERT_TRUE(server);
  auto bucket = server->create_bucket("list");
  ASSERT_TRUE(bucket);
  S3FileSystem fs(server->client());
  std::string dir = "s3://" + *bucket + "/t/_delta_log";
  std::vector<std::string> paths;
  for (int i = 0; i < 1205; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%020d.json", i);
    paths.push_back(dir + "/" + name);
    ASSERT_TRUE(fs.write(paths.back(), "{}"));
  }
  ASSERT_TRUE(fs.write("s3://" + *bucket + "/t/_delta_log/sub/x.json", "{}"));
  auto files = fs.list(dir);
  ASSERT_TRUE(files) << files.error().message();
  ASSERT_EQ(files->size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) EXPECT_EQ((*files)[i].path, paths[i]);
  auto after = list_after(fs, dir, paths[1100]);
  ASSERT_TRUE(after) << after.error().message();
  ASSERT_EQ(after->size(), 104u);
  EXPECT_EQ(after->front().path, paths[1101]);
  auto recursive = fs.list_recursive("s3://" + *bucket + "/t");
  ASSERT_TRUE(recursive);
  EXPECT_EQ(recursive->size(), paths.size() + 1);

  paths.push_back(dir + "/never-written.json");
  ASSERT_TRUE(fs.remove_many(paths));
  auto left = fs.list_recursive("s3://" + *bucket + "/t");
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->front().path, "s3://" + *bucket + "/t/_delta_log/sub/x.json");
}

TEST(S3ClientTest, PathsThatNameNoFileAreInvalid) {
  EXPECT_FALSE(parse_s3_path("/local/path"));
  EXPECT_FALSE(parse_s3_path("s3://"));
  EXPECT_FALSE(parse_s3_path("s3:///key"));
  auto parsed = parse_s3_path("s3://bucket/a/b.json");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->bucket, "bucket");
  EXPECT_EQ(parsed->key, "a/b.json");
}

}  // namespace
}  // namespace silt::storage::s3

namespace silt::storage::s3 {
namespace {

TEST(S3ConditionalWrites, TheProbeTellsAStoreThatEnforcesThemFromOneThatDoesNot) {
  for (bool enforced : {true, false}) {
    auto server = S3TestServer::start_s3rver(enforced);
    ASSERT_TRUE(server) << server.error().message();
    auto bucket = (*server)->create_bucket("probe");
    ASSERT_TRUE(bucket) << bucket.error().message();
    auto client = (*server)->client();
    auto probe = probe_conditional_writes(*client, *bucket, "lake/");
    ASSERT_TRUE(probe) << probe.error().message();
    EXPECT_EQ(probe->enforced, enforced);
    EXPECT_EQ(probe->scratch_key.rfind("lake/_silt_probe/", 0), 0u) << probe->scratch_key;
    auto left = client->list_objects(*bucket, "lake/", "", "", "");
    ASSERT_TRUE(left) << left.error().message();
    EXPECT_TRUE(left->objects.empty()) << "the scratch key stayed";
  }
  // radosgw enforces them.
  auto gateway = radosgw();
  ASSERT_TRUE(gateway);
  auto bucket = gateway->create_bucket("probe");
  ASSERT_TRUE(bucket) << bucket.error().message();
  auto probe = probe_conditional_writes(*gateway->client(), *bucket, "");
  ASSERT_TRUE(probe) << probe.error().message();
  EXPECT_TRUE(probe->enforced);
}

TEST(S3ConditionalWrites, CommitsOnAStoreWithoutThemAreRefusedUnlessALockOrdersThem) {
  auto server = S3TestServer::start_s3rver(/*conditional_writes=*/false);
  ASSERT_TRUE(server) << server.error().message();
  auto bucket = (*server)->create_bucket("nolock");
  ASSERT_TRUE(bucket) << bucket.error().message();
  std::string commit = "s3://" + *bucket + "/t/_delta_log/00000000000000000000.json";
  {
    S3FileSystem fs((*server)->client());
    Status refused = fs.put_if_absent(commit, "{}");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.code(), ErrorCode::kUnsupported);
    EXPECT_NE(refused.message().find("If-None-Match"), std::string::npos) << refused.message();
    EXPECT_NE(refused.message().find("commit_lock"), std::string::npos) << refused.message();
    EXPECT_FALSE(fs.exists(commit).value_or(true)) << "a refused commit wrote its file";
    EXPECT_TRUE(fs.write("s3://" + *bucket + "/t/part-0.parquet", "data").ok()) << "plain writes still work";
  }
  // With a lock, eight writers racing for one version: exactly one wins.
  ::silt::testing::TempDir dir;
  S3FileSystemOptions options;
  options.commit_lock = dir.file("commit.lock");
  S3FileSystem fs((*server)->client(), options);
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      Status status = fs.put_if_absent(commit, "writer " + std::to_string(i));
      if (status.ok()) won++;
      else if (status.code() == ErrorCode::kAlreadyExists) lost++;
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 7);
}

}  // namespace
}  // namespace silt::storage::s3
