// What silt's S3 client makes of the answers AWS S3 gives when something is wrong, replayed by a
// fake endpoint on 127.0.0.1 (support/http_test_server.h): the bucket in another region (a 301
// with x-amz-bucket-region, or AuthorizationHeaderMalformed naming the region), access denied, a
// throttling storm, a store recovering after a few 500/429 answers, and an endpoint that is not S3.
#include <gtest/gtest.h>

#include <atomic>
#include <string>

#include "storage/s3/s3_client.h"
#include "support/http_test_server.h"

namespace silt::storage::s3 {
namespace {

using silt::testing::HttpRequest;
using silt::testing::HttpTestResponse;
using silt::testing::HttpTestServer;

std::string s3_error(const std::string& code, const std::string& message, const std::string& extra = "") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message>" + extra + "<RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

HttpTestResponse xml(int status, std::string body) { return HttpTestResponse{status, std::move(body), "application/xml"}; }

class S3ErrorAnswersTest : public ::testing::Test {
 protected:
  void answer_with(HttpTestServer::Handler handler) {
    auto server = HttpTestServer::start(std::move(handler));
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
  }

  S3Client client(int max_attempts = 4) const {
    S3Options options;
    options.endpoint = server_->endpoint();
    options.path_style = true;
    options.region = "us-east-1";
    options.credentials = fixed_credentials({"AKIATEST", "testsecretvalue", std::nullopt}, "the test's keys");
    options.max_attempts = max_attempts;
    options.retry_base = std::chrono::milliseconds(1);
    options.retry_cap = std::chrono::milliseconds(5);
    return S3Client(options);
  }

  std::unique_ptr<HttpTestServer> server_;
};

TEST_F(S3ErrorAnswersTest, ABucketInAnotherRegionIsNamedWithItsRegion) {
  answer_with([](const HttpRequest&) {
    HttpTestResponse response = xml(301, s3_error("PermanentRedirect",
                                                  "The bucket you are attempting to access must be addressed using "
                                                  "the specified endpoint.",
                                                  "<Endpoint>lake.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>lake"
                                                  "</Bucket>"));
    response.headers.push_back({"x-amz-bucket-region", "eu-west-1"});
    return response;
  });
  auto got = client().get_object("lake", "silver/orders/_delta_log/_last_checkpoint");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kConfig);
  const std::string& message = got.error().message();
  EXPECT_NE(message.find("bucket 'lake' is in region eu-west-1, not us-east-1"), std::string::npos) << message;
  EXPECT_NE(message.find("PermanentRedirect"), std::string::npos) << message;
  EXPECT_NE(message.find("set s3.region (or AWS_REGION) to eu-west-1"), std::string::npos) << message;
  EXPECT_EQ(server_->requests().size(), 1u) << "a wrong region is not retried";

  // HEAD answers carry no body: the header alone tells.
  auto head = client().head_object("lake", "a");
  ASSERT_FALSE(head);
  EXPECT_NE(head.error().message().find("region eu-west-1"), std::string::npos) << head.error().message();
}

TEST_F(S3ErrorAnswersTest, ASignatureScopedToTheWrongRegionIsNamedWithTheRightOne) {
  answer_with([](const HttpRequest&) {
    return xml(400, s3_error("AuthorizationHeaderMalformed",
                             "The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
                             "'ap-southeast-2'",
                             "<Region>ap-southeast-2</Region>"));
  });
  auto got = client().put_object("lake", "k", "body");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kConfig);
  EXPECT_NE(got.error().message().find("is in region ap-southeast-2"), std::string::npos) << got.error().message();
}

TEST_F(S3ErrorAnswersTest, AccessDeniedNamesTheOperationTheKeyAndWhereTheCredentialsCameFrom) {
  answer_with([](const HttpRequest&) { return xml(403, s3_error("AccessDenied", "Access Denied")); });
  auto got = client().put_object("lake", "gold/daily/_delta_log/00000000000000000007.json", "{}", true);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kConfig);
  const std::string& message = got.error().message();
  EXPECT_NE(message.find("access denied"), std::string::npos) << message;
  EXPECT_NE(message.find("PUT s3://lake/gold/daily/_delta_log/00000000000000000007.json"), std::string::npos)
      << message;
  EXPECT_NE(message.find("AccessDenied (HTTP 403)"), std::string::npos) << message;
  EXPECT_NE(message.find("the test's keys"), std::string::npos) << message;
  EXPECT_EQ(message.find("testsecretvalue"), std::string::npos) << message;
}

TEST_F(S3ErrorAnswersTest, AThrottlingStormGivesUpAfterTheConfiguredAttemptsAndSaysWhy) {
  answer_with([](const HttpRequest&) { return xml(503, s3_error("SlowDown", "Please reduce your request rate.")); });
  S3Client s3 = client(5);
  auto got = s3.get_object("lake", "bronze/orders/part-0.parquet");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kIo);
  const std::string& message = got.error().message();
  EXPECT_NE(message.find("still failed after 5 attempts"), std::string::npos) << message;
  EXPECT_NE(message.find("SlowDown (HTTP 503)"), std::string::npos) << message;
  EXPECT_NE(message.find("throttling"), std::string::npos) << message;
  EXPECT_EQ(server_->requests().size(), 5u);
  EXPECT_EQ(s3.counters().retries, 4);
}

TEST_F(S3ErrorAnswersTest, AStoreThatRecoversIsRetriedUntilItAnswers) {
  std::atomic<int> calls{0};
  answer_with([&calls](const HttpRequest&) {
    int n = calls++;
    if (n == 0) return xml(500, s3_error("InternalError", "We encountered an internal error. Please try again."));
    if (n == 1) return xml(429, s3_error("TooManyRequests", "Slow down"));
    if (n == 2) return xml(400, s3_error("RequestTimeout", "Your socket connection to the server was not read from"));
    return HttpTestResponse{200, "object bytes", "application/octet-stream"};
  });
  S3Client s3 = client(5);
  auto got = s3.get_object("lake", "k");
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(*got, "object bytes");
  EXPECT_EQ(s3.counters().retries, 3);
}

TEST_F(S3ErrorAnswersTest, AnEndpointThatDoesNotSpeakS3IsToldApart) {
  answer_with([](const HttpRequest& request) {
    if (request.target.find("list-type=2") != std::string::npos) {
      return HttpTestResponse{200, "<html><body>Welcome to nginx!</body></html>", "text/html"};
    }
    return HttpTestResponse{404, "<html><body>404 Not Found</body></html>", "text/html"};
  });
  auto listed = client().list_objects("lake", "silver/", "/", "", "");
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().code(), ErrorCode::kIo);
  EXPECT_NE(listed.error().message().find("is it an S3 endpoint?"), std::string::npos) << listed.error().message();
  auto put = client().put_object("lake", "k", "v");
  ASSERT_FALSE(put);
  EXPECT_NE(put.error().message().find("no S3 error document"), std::string::npos) << put.error().message();
}

}  // namespace
}  // namespace silt::storage::s3
