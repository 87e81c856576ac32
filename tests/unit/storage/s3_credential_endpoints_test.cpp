// The credential sources that are HTTP services, against fake ones on 127.0.0.1
// (support/http_test_server.h): STS AssumeRoleWithWebIdentity (Kubernetes IRSA), the container
// endpoint (ECS, EKS Pod Identity) and instance metadata (IMDSv2). What each is sent, what it
// answers, refresh before expiry, refusals, and that no secret reaches a message.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <string>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/redaction.h"
#include "storage/s3/credentials.h"
#include "support/http_test_server.h"
#include "support/temp_dir.h"

namespace silt::storage::s3 {
namespace {

using silt::testing::HttpRequest;
using silt::testing::HttpTestResponse;
using silt::testing::HttpTestServer;

EnvironmentLookup environment(std::map<std::string, std::string> values, bool metadata = false) {
  values.emplace("HOME", "/nonexistent-silt-test-home");  // no ~/.aws of the machine
  if (!metadata) values.emplace("AWS_EC2_METADATA_DISABLED", "true");
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// "2026-12-02T10:00:00Z" for `epoch_ms`.
std::string iso8601(int64_t epoch_ms) {
  std::string text = format_timestamp_ms(epoch_ms).substr(0, 19);
  text[10] = 'T';
  return text + "Z";
}

std::unique_ptr<HttpTestServer> serve(HttpTestServer::Handler handler) {
  auto server = HttpTestServer::start(std::move(handler));
  EXPECT_TRUE(server) << server.error().message();
  return server ? std::move(*server) : nullptr;
}

std::string json_credentials(const std::string& key, const std::string& secret, const std::string& token,
                             int64_t expires_ms) {
  return fmt::format(R"({{"AccessKeyId":"{}","SecretAccessKey":"{}","Token":"{}","Expiration":"{}"}})", key, secret,
                     token, iso8601(expires_ms));
}

std::string sts_answer(const std::string& key, const std::string& secret, const std::string& token,
                       int64_t expires_ms) {
  return fmt::format(
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}"
      "</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>"
      "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>",
      key, secret, token, iso8601(expires_ms));
}

TEST(S3CredentialEndpointsTest, WebIdentityTokenIsTradedWithSts) {
  silt::testing::TempDir dir;
  std::ofstream(dir.file("token")) << "eyJwebidentitytoken\n";
  auto sts = serve([](const HttpRequest&) {
    return HttpTestResponse{200, sts_answer("ASIASTS", "stssecretvalue", "stssessiontoken", now_ms() + 3'600'000),
                            "text/xml"};
  });
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", dir.file("token")},
                       {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/lake-writer"},
                       {"AWS_ROLE_SESSION_NAME", "orders-job"},
                       {"AWS_ENDPOINT_URL_STS", sts->endpoint()}}));
  auto credentials = provider->get();
  ASSERT_TRUE(credentials) << credentials.error().message();
  EXPECT_EQ(credentials->access_key_id, "ASIASTS");
  EXPECT_EQ(credentials->secret_access_key, "stssecretvalue");
  EXPECT_EQ(credentials->session_token.value_or(""), "stssessiontoken");
  EXPECT_NE(provider->source().find("AssumeRoleWithWebIdentity"), std::string::npos) << provider->source();

  auto requests = sts->requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].header("content-type"), "application/x-www-form-urlencoded");
  const std::string& form = requests[0].body;
  EXPECT_NE(form.find("Action=AssumeRoleWithWebIdentity"), std::string::npos) << form;
  EXPECT_NE(form.find("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Flake-writer"), std::string::npos) << form;
  EXPECT_NE(form.find("RoleSessionName=orders-job"), std::string::npos) << form;
  EXPECT_NE(form.find("WebIdentityToken=eyJwebidentitytoken"), std::string::npos) << form;
  // An hour left: cached.
  ASSERT_TRUE(provider->get());
  EXPECT_EQ(sts->requests().size(), 1u);
  EXPECT_EQ(redact("token eyJwebidentitytoken, secret stssecretvalue, session stssessiontoken"),
            "token ***, secret ***, session ***");
}

TEST(S3CredentialEndpointsTest, StsRefusingTheTokenStopsTheChainWithItsCode) {
  silt::testing::TempDir dir;
  std::ofstream(dir.file("token")) << "expiredtokenvalue";
  auto sts = serve([](const HttpRequest&) {
    return HttpTestResponse{400,
                            "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>"
                            "Token expired</Message></Error></ErrorResponse>",
                            "text/xml"};
  });
  // Credentials further down the chain are not used instead: that would hide the mistake.
  silt::testing::TempDir home;
  std::ofstream(home.file("credentials")) << "[default]\naws_access_key_id = K\naws_secret_access_key = S\n";
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", dir.file("token")},
                       {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/lake-writer"},
                       {"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")},
                       {"AWS_ENDPOINT_URL_STS", sts->endpoint()}}));
  auto credentials = provider->get();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().code(), ErrorCode::kConfig);
  const std::string& message = credentials.error().message();
  EXPECT_NE(message.find("InvalidIdentityToken"), std::string::npos) << message;
  EXPECT_NE(message.find("lake-writer"), std::string::npos) << message;
  EXPECT_EQ(redact(message).find("expiredtokenvalue"), std::string::npos) << message;
}

TEST(S3CredentialEndpointsTest, ContainerEndpointSendsItsAuthorizationTokenAndIsRefreshedBeforeExpiry) {
  silt::testing::TempDir dir;
  std::ofstream(dir.file("pod-token")) << "podidentitytoken\n";
  std::atomic<int> served{0};
  auto endpoint = serve([&served](const HttpRequest& request) {
    if (request.header("authorization") != "podidentitytoken") return HttpTestResponse{401, "{}"};
    int n = ++served;
    // Four minutes left: inside the five-minute refresh margin, so every get() asks again.
    return HttpTestResponse{200, json_credentials(fmt::format("ASIAPOD{}", n), "podsecretvalue", "podsessiontoken",
                                                  now_ms() + 4 * 60'000)};
  });
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint->endpoint() + "/v1/credentials"},
                       {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", dir.file("pod-token")}}));
  auto first = provider->get();
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->access_key_id, "ASIAPOD1");
  EXPECT_EQ(first->session_token.value_or(""), "podsessiontoken");
  auto second = provider->get();
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->access_key_id, "ASIAPOD2");
  ASSERT_EQ(endpoint->requests().size(), 2u);
  EXPECT_EQ(endpoint->requests()[0].target, "/v1/credentials");
  EXPECT_NE(provider->source().find("container credentials endpoint"), std::string::npos) << provider->source();
  EXPECT_EQ(redact("podidentitytoken podsecretvalue"), "*** ***");
}

TEST(S3CredentialEndpointsTest, ContainerEndpointAnsweringWithoutKeysIsAConfigError) {
  auto endpoint = serve([](const HttpRequest&) { return HttpTestResponse{200, R"({"Code":"Success"})"}; });
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", endpoint->endpoint() + "/creds"}}));
  auto credentials = provider->get();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().code(), ErrorCode::kConfig);
  EXPECT_NE(credentials.error().message().find("without AccessKeyId"), std::string::npos)
      << credentials.error().message();
}

// IMDSv2 as EC2 serves it: a session token from PUT /latest/api/token, required on every read.
HttpTestServer::Handler instance_metadata(const std::string& role, std::atomic<int>* credential_reads) {
  return [role, credential_reads](const HttpRequest& request) {
    if (request.method == "PUT" && request.target == "/latest/api/token") {
      if (request.header("x-aws-ec2-metadata-token-ttl-seconds").empty()) return HttpTestResponse{400, ""};
      return HttpTestResponse{200, "imdssessiontoken", "text/plain"};
    }
    if (request.header("x-aws-ec2-metadata-token") != "imdssessiontoken") return HttpTestResponse{401, ""};
    const std::string base = "/latest/meta-data/iam/security-credentials/";
    if (request.target == base) return HttpTestResponse{200, role + "\n", "text/plain"};
    if (request.target == base + role) {
      ++*credential_reads;
      return HttpTestResponse{200, json_credentials("ASIAEC2", "ec2secretvalue", "ec2sessiontoken",
                                                    now_ms() + 6 * 3'600'000)};
    }
    return HttpTestResponse{404, ""};
  };
}

TEST(S3CredentialEndpointsTest, InstanceMetadataWithASessionToken) {
  std::atomic<int> reads{0};
  auto imds = serve(instance_metadata("lake-instance-role", &reads));
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->endpoint()}}, /*metadata=*/true));
  auto credentials = provider->get();
  ASSERT_TRUE(credentials) << credentials.error().message();
  EXPECT_EQ(credentials->access_key_id, "ASIAEC2");
  EXPECT_EQ(credentials->secret_access_key, "ec2secretvalue");
  EXPECT_EQ(credentials->session_token.value_or(""), "ec2sessiontoken");
  EXPECT_NE(provider->source().find("lake-instance-role"), std::string::npos) << provider->source();
  auto requests = imds->requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].method, "PUT");
  EXPECT_EQ(requests[0].header("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  // Six hours left: the next get() asks nobody.
  ASSERT_TRUE(provider->get());
  EXPECT_EQ(reads.load(), 1);
  EXPECT_EQ(redact("imdssessiontoken ec2secretvalue ec2sessiontoken"), "*** *** ***");
}

TEST(S3CredentialEndpointsTest, InstanceWithoutARoleSaysSo) {
  auto imds = serve([](const HttpRequest& request) {
    if (request.method == "PUT") return HttpTestResponse{200, "imdssessiontoken", "text/plain"};
    return HttpTestResponse{404, ""};
  });
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->endpoint()}}, /*metadata=*/true));
  auto credentials = provider->get();
  ASSERT_FALSE(credentials);
  EXPECT_EQ(credentials.error().code(), ErrorCode::kConfig);
  EXPECT_NE(credentials.error().message().find("no IAM role"), std::string::npos) << credentials.error().message();
}

TEST(S3CredentialEndpointsTest, TheChainStopsAtTheFirstSourceThatApplies) {
  std::atomic<int> reads{0};
  auto imds = serve(instance_metadata("role", &reads));
  auto container = serve([](const HttpRequest&) {
    return HttpTestResponse{200, json_credentials("ASIAPOD", "podsecret2", "t", now_ms() + 3'600'000)};
  });
  // Environment variables first: neither endpoint is asked.
  auto from_env = make_credentials_provider(
      {}, environment({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                       {"AWS_SECRET_ACCESS_KEY", "envsecret2"},
                       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", container->endpoint() + "/c"},
                       {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->endpoint()}},
                      /*metadata=*/true));
  ASSERT_TRUE(from_env->get());
  EXPECT_EQ(from_env->get()->access_key_id, "AKIAENV");
  // The container endpoint before instance metadata.
  auto from_container = make_credentials_provider(
      {}, environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", container->endpoint() + "/c"},
                       {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds->endpoint()}},
                      /*metadata=*/true));
  ASSERT_TRUE(from_container->get());
  EXPECT_EQ(from_container->get()->access_key_id, "ASIAPOD");
  EXPECT_EQ(container->requests().size(), 1u);
  EXPECT_TRUE(imds->requests().empty());
}

}  // namespace
}  // namespace silt::storage::s3
