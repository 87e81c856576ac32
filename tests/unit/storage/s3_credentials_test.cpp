// The credential chain reading a given environment and shared files: order, profiles, errors, and
// the region lookup.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "base/redaction.h"
#include "storage/s3/credentials.h"
#include "support/temp_dir.h"

namespace silt::storage::s3 {
namespace {

EnvironmentLookup environment(std::map<std::string, std::string> values) {
  // No instance metadata lookups from tests: that endpoint does not exist here.
  values.emplace("AWS_EC2_METADATA_DISABLED", "true");
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

TEST(S3CredentialsTest, EnvironmentComesFirstWithItsSessionToken) {
  silt::testing::TempDir home;
  write_file(home.file("credentials"), "[default]\naws_access_key_id = FROMFILE\naws_secret_access_key = filesecret\n");
  auto provider = make_credentials_provider(
      {}, environment({{"AWS_ACCESS_KEY_ID", "AKIAENV"},
                       {"AWS_SECRET_ACCESS_KEY", "envsecretvalue"},
                       {"AWS_SESSION_TOKEN", "envtokenvalue"},
                       {"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")}}));
  auto credentials = provider->get();
  ASSERT_TRUE(credentials) << credentials.error().message();
  EXPECT_EQ(credentials->access_key_id, "AKIAENV");
  EXPECT_EQ(credentials->session_token.value_or(""), "envtokenvalue");
  EXPECT_EQ(provider->source(), "environment variables");
  EXPECT_EQ(redact("secret is envsecretvalue, token envtokenvalue"), "secret is ***, token ***");
}

TEST(S3CredentialsTest, ProfilesComeFromBothSharedFiles) {
  silt::testing::TempDir home;
  write_file(home.file("credentials"),
             "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = defaultsecret\n"
             "[dev]\naws_access_key_id = DEVKEY\naws_secret_access_key = devsecretvalue\n");
  write_file(home.file("config"), "[profile dev]\nregion = eu-west-1\n[default]\nregion = us-west-2\n");
  auto env = environment({{"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")},
                          {"AWS_CONFIG_FILE", home.file("config")},
                          {"AWS_PROFILE", "dev"}});
  auto provider = make_credentials_provider({}, env);
  auto credentials = provider->get();
  ASSERT_TRUE(credentials) << credentials.error().message();
  EXPECT_EQ(credentials->access_key_id, "DEVKEY");
  EXPECT_NE(provider->source().find("profile 'dev'"), std::string::npos) << provider->source();
  EXPECT_EQ(region_from_environment(env), "eu-west-1");

  auto named = make_credentials_provider({CredentialsChoice::Kind::kProfile, "default"}, env);
  ASSERT_TRUE(named->get());
  EXPECT_EQ(named->get()->access_key_id, "DEFAULTKEY");
}

TEST(S3CredentialsTest, AMissingProfileOrAHalfSetEnvironmentIsAConfigErrorSayingWhat) {
  silt::testing::TempDir home;
  write_file(home.file("credentials"), "[default]\naws_access_key_id = K\naws_secret_access_key = S\n");
  auto missing = make_credentials_provider(
      {}, environment({{"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")}, {"AWS_PROFILE", "prod"}}));
  auto result = missing->get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kConfig);
  EXPECT_NE(result.error().message().find("'prod'"), std::string::npos) << result.error().message();

  auto half = make_credentials_provider({}, environment({{"AWS_ACCESS_KEY_ID", "AKIA"}}));
  result = half->get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << result.error().message();

  auto none = make_credentials_provider({}, environment({{"HOME", home.file("nowhere")}}));
  result = none->get();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message().find("no AWS credentials found"), std::string::npos) << result.error().message();

  auto env_only = make_credentials_provider({CredentialsChoice::Kind::kEnvironment, ""},
                                            environment({{"AWS_SHARED_CREDENTIALS_FILE", home.file("credentials")}}));
  EXPECT_FALSE(env_only->get());
}

TEST(S3CredentialsTest, RegionVariablesWinOverProfiles) {
  EXPECT_EQ(region_from_environment(environment({{"AWS_REGION", "ap-south-1"}, {"AWS_DEFAULT_REGION", "x"}})),
            "ap-south-1");
  EXPECT_EQ(region_from_environment(environment({{"AWS_DEFAULT_REGION", "sa-east-1"}})), "sa-east-1");
  EXPECT_EQ(region_from_environment(environment({{"HOME", "/nonexistent"}})), "");
}

}  // namespace
}  // namespace silt::storage::s3
