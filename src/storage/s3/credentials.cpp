// The credential chain. Each source answers "not here" (nullopt: try the next one) or credentials,
// or an error when it applies but fails (a profile without a secret, STS refusing a token): the
// chain stops there, since falling through to another identity would hide the mistake.
#include "storage/s3/credentials.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "base/clock.h"
#include "base/redaction.h"
#include "base/strings.h"
#include "storage/s3/http.h"

namespace silt::storage::s3 {
namespace {

constexpr int64_t kRefreshBeforeExpiryMs = 5 * 60 * 1000;

// Credentials and when they stop working (0: never).
struct Found {
  Credentials credentials;
  int64_t expires_ms = 0;
  std::string source;
};
using Lookup = Result<std::optional<Found>>;

void register_secrets(const Credentials& credentials) {
  add_secret(credentials.secret_access_key);
  if (credentials.session_token) add_secret(*credentials.session_token);
}

std::optional<std::string> non_empty(const EnvironmentLookup& env, const std::string& name) {
  std::optional<std::string> value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string home_file(const EnvironmentLookup& env, const std::string& override_name, const std::string& relative) {
  if (auto path = non_empty(env, override_name)) return *path;
  std::string home = non_empty(env, "HOME").value_or("");
  return home.empty() ? "" : home + "/" + relative;
}

// INI sections -> key -> value. Returns false when the file cannot be read (missing is fine).
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
bool read_ini(const std::string& path, IniFile* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  std::string section;
  while (std::getline(in, line)) {
    std::string_view text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      section = std::string(trim(text.substr(1, text.size() - 2)));
      continue;
    }
    size_t equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    (*out)[section][to_lower(trim(text.substr(0, equals)))] = std::string(trim(text.substr(equals + 1)));
  }
  return true;
}

std::string profile_name(const EnvironmentLookup& env) { return non_empty(env, "AWS_PROFILE").value_or("default"); }

// The settings of `profile` from ~/.aws/config ("[profile NAME]", "[default]") overlaid by
// ~/.aws/credentials ("[NAME]"); nullopt when neither file has the profile.
std::optional<std::map<std::string, std::string>> profile_settings(const EnvironmentLookup& env,
                                                                   const std::string& profile,
                                                                   std::string* files_read) {
  std::optional<std::map<std::string, std::string>> settings;
  IniFile config;
  std::string config_path = home_file(env, "AWS_CONFIG_FILE", ".aws/config");
  if (!config_path.empty() && read_ini(config_path, &config)) {
    *files_read += config_path;
    std::string section = profile == "default" ? "default" : "profile " + profile;
    if (auto it = config.find(section); it != config.end()) settings = it->second;
  }
  IniFile credentials;
  std::string credentials_path = home_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  if (!credentials_path.empty() && read_ini(credentials_path, &credentials)) {
    if (!files_read->empty()) *files_read += ", ";
    *files_read += credentials_path;
    if (auto it = credentials.find(profile); it != credentials.end()) {
      if (!settings) settings.emplace();
      for (const auto& [key, value] : it->second) (*settings)[key] = value;
    }
  }
  return settings;
}

Lookup from_environment(const EnvironmentLookup& env) {
  auto key = non_empty(env, "AWS_ACCESS_KEY_ID");
  auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (!key && !secret) return std::optional<Found>();
  if (!key || !secret) {
    return make_error(ErrorCode::kConfig,
                      fmt::format("{} is set but {} is not: set both, or neither to use another credential source",
                                  key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                                  key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID"));
  }
  Found found{{*key, *secret, non_empty(env, "AWS_SESSION_TOKEN")}, 0, "environment variables"};
  return std::optional<Found>(std::move(found));
}

Lookup from_profile(const EnvironmentLookup& env, const std::string& profile, bool required) {
  std::string files;
  auto settings = profile_settings(env, profile, &files);
  if (!settings) {
    if (!required) return std::optional<Found>();
    return make_error(ErrorCode::kConfig,
                      fmt::format("AWS profile '{}' is in neither {}: add it, or name another profile",
                                  profile, files.empty() ? "~/.aws/config nor ~/.aws/credentials" : files));
  }
  auto key = settings->find("aws_access_key_id");
  auto secret = settings->find("aws_secret_access_key");
  if (key == settings->end() && secret == settings->end()) {
    if (!required) return std::optional<Found>();
    return make_error(ErrorCode::kConfig,
                      fmt::format("AWS profile '{}' ({}) has no aws_access_key_id and aws_secret_access_key "
                                  "(silt reads static keys from profiles; roles and SSO through the "
                                  "environment, web identity, container or instance credentials)",
                                  profile, files));
  }
  if (key == settings->end() || secret == settings->end()) {
    return make_error(ErrorCode::kConfig, fmt::format("AWS profile '{}' ({}) sets only one of aws_access_key_id "
                                                      "and aws_secret_access_key: set both",
                                                      profile, files));
  }
  Credentials credentials{key->second, secret->second, std::nullopt};
  if (auto token = settings->find("aws_session_token"); token != settings->end()) credentials.session_token = token->second;
  return std::optional<Found>(Found{std::move(credentials), 0, fmt::format("profile '{}' of {}", profile, files)});
}

Result<int64_t> expiry_of(const std::string& text, const std::string& source) {
  std::optional<int64_t> ms = parse_timestamp_ms(text);
  if (!ms) return make_error(ErrorCode::kConfig, fmt::format("{} gave an unreadable expiration '{}'", source, text));
  return *ms;
}

// {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}: the container and instance endpoints.
Lookup parse_json_credentials(const std::string& body, const std::string& source) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("AccessKeyId") || !doc.contains("SecretAccessKey") ||
      !doc["AccessKeyId"].is_string() || !doc["SecretAccessKey"].is_string()) {
    return make_error(ErrorCode::kConfig,
                      fmt::format("{} answered without AccessKeyId and SecretAccessKey", source));
  }
  Found found;
  found.source = source;
  found.credentials.access_key_id = doc["AccessKeyId"].get<std::string>();
  found.credentials.secret_access_key = doc["SecretAccessKey"].get<std::string>();
  if (doc.contains("Token") && doc["Token"].is_string()) found.credentials.session_token = doc["Token"].get<std::string>();
  if (doc.contains("Expiration") && doc["Expiration"].is_string()) {
    SILT_TRY_ASSIGN(found.expires_ms, expiry_of(doc["Expiration"].get<std::string>(), source));
  }
  return std::optional<Found>(std::move(found));
}

Lookup from_container(const EnvironmentLookup& env, HttpClient& http) {
  std::string url;
  if (auto relative = non_empty(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = "http://169.254.170.2" + *relative;
  } else if (auto full = non_empty(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  } else {
    return std::optional<Found>();
  }
  HttpCall call;
  call.url = url;
  std::optional<std::string> token = non_empty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (auto token_file = non_empty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in(*token_file);
    if (!in) {
      return make_error(ErrorCode::kConfig, fmt::format("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {}",
                                                        *token_file));
    }
    std::stringstream text;
    text << in.rdbuf();
    token = std::string(trim(text.str()));
  }
  if (token) {
    add_secret(*token);
    call.headers.push_back({"Authorization", *token});
  }
  std::string source = fmt::format("the container credentials endpoint {}", url);
  auto response = http.send(call);
  if (!response) return make_error(ErrorCode::kConfig, fmt::format("{}: {}", source, response.error().message()));
  if (response->status != 200) {
    return make_error(ErrorCode::kConfig, fmt::format("{} answered HTTP {}", source, response->status));
  }
  return parse_json_credentials(response->body, source);
}

Lookup from_instance_metadata(const EnvironmentLookup& env, HttpClient& http) {
  if (to_lower(non_empty(env, "AWS_EC2_METADATA_DISABLED").value_or("")) == "true") return std::optional<Found>();
  std::string base = non_empty(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("http://169.254.169.254");
  while (!base.empty() && base.back() == '/') base.pop_back();
  HttpCall token_call;
  token_call.method = "PUT";
  token_call.url = base + "/latest/api/token";
  token_call.headers.push_back({"X-aws-ec2-metadata-token-ttl-seconds", "21600"});
  auto token = http.send(token_call);
  if (!token || token->status != 200) return std::optional<Found>();  // not on EC2 (or IMDS off)
  add_secret(token->body);
  HttpCall role_call;
  role_call.url = base + "/latest/meta-data/iam/security-credentials/";
  role_call.headers.push_back({"X-aws-ec2-metadata-token", token->body});
  auto role = http.send(role_call);
  std::string source = fmt::format("instance metadata ({})", base);
  if (!role || role->status != 200) {
    return make_error(ErrorCode::kConfig,
                      fmt::format("{} has no IAM role for this instance: attach an instance profile", source));
  }
  std::string role_name(trim(split(role->body, '\n').empty() ? "" : split(role->body, '\n')[0]));
  HttpCall credentials_call = role_call;
  credentials_call.url += role_name;
  auto credentials = http.send(credentials_call);
  if (!credentials || credentials->status != 200) {
    return make_error(ErrorCode::kConfig, fmt::format("{} gave no credentials for role '{}'", source, role_name));
  }
  return parse_json_credentials(credentials->body, fmt::format("{}, role '{}'", source, role_name));
}

std::string query_encode(std::string_view text) { return uri_encode(text, true); }

Lookup from_web_identity(const EnvironmentLookup& env, HttpClient& http) {
  auto token_file = non_empty(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role_arn = non_empty(env, "AWS_ROLE_ARN");
  if (!token_file || !role_arn) return std::optional<Found>();
  std::ifstream in(*token_file);
  if (!in) {
    return make_error(ErrorCode::kConfig, fmt::format("cannot read the web identity token AWS_WEB_IDENTITY_TOKEN_FILE={}",
                                                      *token_file));
  }
  std::stringstream text;
  text << in.rdbuf();
  std::string token(trim(text.str()));
  add_secret(token);
  std::string session = non_empty(env, "AWS_ROLE_SESSION_NAME").value_or(fmt::format("silt-{}", now_ms()));
  std::string region = region_from_environment(env);
  std::string endpoint = non_empty(env, "AWS_ENDPOINT_URL_STS")
                             .value_or(region.empty() ? "https://sts.amazonaws.com"
                                                      : fmt::format("https://sts.{}.amazonaws.com", region));
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  HttpCall call;
  call.method = "POST";
  std::string form = fmt::format(
      "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={}&RoleSessionName={}&WebIdentityToken={}",
      query_encode(*role_arn), query_encode(session), query_encode(token));
  call.url = endpoint + "/";
  call.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  call.body = form;
  std::string source = fmt::format("STS AssumeRoleWithWebIdentity for {} ({})", *role_arn, endpoint);
  auto response = http.send(call);
  if (!response) return make_error(ErrorCode::kConfig, fmt::format("{}: {}", source, response.error().message()));
  pugi::xml_document doc;
  doc.load_buffer(response->body.data(), response->body.size());
  if (response->status != 200) {
    std::string code = doc.select_node("//Code") ? doc.select_node("//Code").node().text().as_string() : "";
    return make_error(ErrorCode::kConfig, fmt::format("{} refused the token: HTTP {}{}", source, response->status,
                                                      code.empty() ? "" : " " + code));
  }
  pugi::xpath_node node = doc.select_node("//Credentials");
  if (!node) return make_error(ErrorCode::kConfig, fmt::format("{} answered without Credentials", source));
  pugi::xml_node creds = node.node();
  Found found;
  found.source = source;
  found.credentials.access_key_id = creds.child("AccessKeyId").text().as_string();
  found.credentials.secret_access_key = creds.child("SecretAccessKey").text().as_string();
  found.credentials.session_token = std::string(creds.child("SessionToken").text().as_string());
  SILT_TRY_ASSIGN(found.expires_ms, expiry_of(creds.child("Expiration").text().as_string(), source));
  return std::optional<Found>(std::move(found));
}

class FixedProvider : public CredentialsProvider {
 public:
  FixedProvider(Credentials credentials, std::string source)
      : credentials_(std::move(credentials)), source_(std::move(source)) {
    register_secrets(credentials_);
  }
  Result<Credentials> get() override { return credentials_; }
  std::string source() const override { return source_; }

 private:
  Credentials credentials_;
  std::string source_;
};

// The chain (or one link of it), caching what it found until five minutes before expiry.
class ChainProvider : public CredentialsProvider {
 public:
  ChainProvider(CredentialsChoice choice, EnvironmentLookup environment)
      : choice_(std::move(choice)), environment_(std::move(environment)) {
    HttpOptions options;
    options.connect_timeout = std::chrono::milliseconds(1000);
    options.stall_timeout = std::chrono::milliseconds(5000);
    http_ = std::make_unique<HttpClient>(options);
  }

  Result<Credentials> get() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (found_ && (found_->expires_ms == 0 || now_ms() < found_->expires_ms - kRefreshBeforeExpiryMs)) {
      return found_->credentials;
    }
    SILT_TRY_ASSIGN(std::optional<Found> found, look());
    if (!found) {
      return make_error(ErrorCode::kConfig,
                        "no AWS credentials found: looked in the environment (AWS_ACCESS_KEY_ID, "
                        "AWS_SECRET_ACCESS_KEY), a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), profile '" +
                            profile_name(environment_) +
                            "' of ~/.aws/credentials and ~/.aws/config, the container endpoint "
                            "(AWS_CONTAINER_CREDENTIALS_*) and instance metadata; set one of them");
    }
    register_secrets(found->credentials);
    found_ = std::move(found);
    return found_->credentials;
  }

  std::string source() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return found_ ? found_->source : "";
  }

 private:
  Lookup look() {
    switch (choice_.kind) {
      case CredentialsChoice::Kind::kEnvironment: {
        SILT_TRY_ASSIGN(std::optional<Found> found, from_environment(environment_));
        if (!found) {
          return make_error(ErrorCode::kConfig,
                            "credentials are to come from the environment, but AWS_ACCESS_KEY_ID and "
                            "AWS_SECRET_ACCESS_KEY are not set");
        }
        return found;
      }
      case CredentialsChoice::Kind::kProfile:
        return from_profile(environment_, choice_.profile, true);
      case CredentialsChoice::Kind::kDefault:
        break;
    }
    SILT_TRY_ASSIGN(std::optional<Found> found, from_environment(environment_));
    if (found) return found;
    SILT_TRY_ASSIGN(found, from_web_identity(environment_, *http_));
    if (found) return found;
    SILT_TRY_ASSIGN(found, from_profile(environment_, profile_name(environment_), non_empty(environment_, "AWS_PROFILE").has_value()));
    if (found) return found;
    SILT_TRY_ASSIGN(found, from_container(environment_, *http_));
    if (found) return found;
    return from_instance_metadata(environment_, *http_);
  }

  CredentialsChoice choice_;
  EnvironmentLookup environment_;
  std::unique_ptr<HttpClient> http_;
  mutable std::mutex mutex_;
  std::optional<Found> found_;
};

}  // namespace

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::shared_ptr<CredentialsProvider> fixed_credentials(Credentials credentials, std::string source) {
  return std::make_shared<FixedProvider>(std::move(credentials), std::move(source));
}

std::shared_ptr<CredentialsProvider> make_credentials_provider(const CredentialsChoice& choice,
                                                              EnvironmentLookup environment) {
  return std::make_shared<ChainProvider>(choice, std::move(environment));
}

std::string region_from_environment(const EnvironmentLookup& environment) {
  if (auto region = non_empty(environment, "AWS_REGION")) return *region;
  if (auto region = non_empty(environment, "AWS_DEFAULT_REGION")) return *region;
  std::string files;
  auto settings = profile_settings(environment, profile_name(environment), &files);
  if (settings) {
    if (auto it = settings->find("region"); it != settings->end()) return it->second;
  }
  return "";
}

}  // namespace silt::storage::s3
