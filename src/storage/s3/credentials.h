// Where S3 credentials come from, in the order AWS's own tools look:
//   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. a web identity token (Kubernetes IRSA): AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, traded
//      with STS AssumeRoleWithWebIdentity;
//   3. the shared files: ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE,
//      AWS_CONFIG_FILE), profile AWS_PROFILE or "default";
//   4. the container endpoint (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//      _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE];
//   5. instance metadata (EC2, IMDSv2 with a session token), unless AWS_EC2_METADATA_DISABLED=true.
// Temporary credentials are refreshed five minutes before they expire. Every secret found is
// registered with base/redaction, so no message, log line or record shows it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "storage/s3/sigv4.h"

namespace silt::storage::s3 {

// Reads an environment variable; nullopt when unset. Tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvironmentLookup process_environment();

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // The credentials to sign the next request with. Errors: Config when none can be found (the
  // message lists where it looked) or a source refuses.
  virtual Result<Credentials> get() = 0;
  // Where the credentials come from ("environment variables", "profile dev of ~/.aws/credentials"),
  // never a secret; "" before the first successful get().
  virtual std::string source() const = 0;
};

// Fixed credentials (tests, a project's explicit settings).
std::shared_ptr<CredentialsProvider> fixed_credentials(Credentials credentials, std::string source);

struct CredentialsChoice {
  enum class Kind { kDefault, kEnvironment, kProfile };
  Kind kind = Kind::kDefault;
  std::string profile;  // for kProfile
};

// The provider for `choice`: the whole chain above (kDefault), the environment only, or one
// profile of the shared files. Nothing is read until the first get().
std::shared_ptr<CredentialsProvider> make_credentials_provider(const CredentialsChoice& choice,
                                                              EnvironmentLookup environment = process_environment());

// The region a profile of ~/.aws/config names ("" when none): AWS_REGION and AWS_DEFAULT_REGION
// come first, then the `region` of AWS_PROFILE (or "default").
std::string region_from_environment(const EnvironmentLookup& environment);

}  // namespace silt::storage::s3
