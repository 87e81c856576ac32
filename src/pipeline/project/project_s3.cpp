// silt.yaml's `s3:` blocks: the project's, and each environment's overrides.
#include <fmt/format.h>

#include "pipeline/project/project_yaml_internal.h"

namespace silt::pipeline {
namespace {

const std::vector<std::string> kS3Keys = {"region", "endpoint", "path_style", "credentials", "commit_lock"};

}  // namespace

// s3: {region, endpoint, path_style, commit_lock,
//      credentials: default | env | {profile: NAME} | {env: true}}
void read_s3_block(ProjectYamlReader& reader, const YAML::Node& s3, const std::string& what, const std::string& field_prefix,
                   storage::s3::S3Settings& out, bool* credentials_given) {
  *credentials_given = false;
  if (s3.IsNull() || !reader.expect_map(s3, what)) return;
  reader.check_keys(s3, kS3Keys, " in " + what);
  const std::string field = field_prefix + "s3.";
  if (const YAML::Node region = s3["region"]) {
    if (auto text = reader.string_value(region, "region", field + "region"); text && !text->empty()) out.region = *text;
  }
  if (const YAML::Node endpoint = s3["endpoint"]) {
    if (auto text = reader.string_value(endpoint, "endpoint", field + "endpoint"); text && !text->empty()) {
      if (text->find("://") == std::string::npos) {
        reader.error(endpoint, fmt::format("'endpoint' must be a URL such as http://127.0.0.1:9000, got '{}'", *text));
      } else {
        out.endpoint = *text;
      }
    }
  }
  if (const YAML::Node style = s3["path_style"]) {
    if (auto text = reader.string_value(style, "path_style", field + "path_style")) {
      if (*text == "true" || *text == "false") {
        out.path_style = *text == "true";
      } else {
        reader.error(style, fmt::format("'path_style' must be true or false, got '{}'", *text));
      }
    }
  }
  if (const YAML::Node lock = s3["commit_lock"]) {
    if (auto text = reader.string_value(lock, "commit_lock", field + "commit_lock")) {
      if (text->empty() || text->find("://") != std::string::npos) {
        reader.error(lock, fmt::format("'commit_lock' must be a file on this machine (every writer locks the same "
                                       "one), got '{}'",
                                       *text));
      } else {
        out.commit_lock = *text;
      }
    }
  }
  const YAML::Node credentials = s3["credentials"];
  if (!credentials) return;
  *credentials_given = true;
  using Kind = storage::s3::CredentialsChoice::Kind;
  const char* expected = "'credentials' must be default, env, {profile: NAME} or {env: true}";
  if (credentials.IsScalar()) {
    if (credentials.Scalar() == "default") {
      out.credentials.kind = Kind::kDefault;
    } else if (credentials.Scalar() == "env") {
      out.credentials.kind = Kind::kEnvironment;
    } else {
      reader.error(credentials, fmt::format("{}, got '{}'", expected, credentials.Scalar()));
    }
  } else if (credentials.IsMap() && credentials.size() == 1 && credentials["profile"]) {
    auto profile = reader.string_value(credentials["profile"], "profile", field + "credentials.profile");
    if (profile && !profile->empty()) out.credentials = {Kind::kProfile, *profile};
    if (profile && profile->empty()) reader.error(credentials["profile"], "'profile' must not be empty");
  } else if (credentials.IsMap() && credentials.size() == 1 && credentials["env"] && credentials["env"].IsScalar() &&
             credentials["env"].Scalar() == "true") {
    out.credentials.kind = Kind::kEnvironment;
  } else {
    reader.error(credentials, fmt::format("{}, got {}", expected, node_kind(credentials)));
  }
}

}  // namespace silt::pipeline
