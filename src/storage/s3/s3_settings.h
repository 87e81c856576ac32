// What a user configures about S3 (a project's `s3:` block), and the client options it comes to
// once the standard AWS environment fills in the rest.
#pragma once

#include <optional>
#include <string>

#include "storage/s3/credentials.h"
#include "storage/s3/s3_client.h"

namespace silt::storage::s3 {

// Unset fields come from the environment.
struct S3Settings {
  std::optional<std::string> region;
  std::optional<std::string> endpoint;  // "" or unset: AWS
  std::optional<bool> path_style;
  CredentialsChoice credentials;
  // A local file locked around commits on a store that does not enforce If-None-Match: * (see
  // conditional_writes.h); unset: SILT_S3_COMMIT_LOCK, else none (such stores are refused).
  std::optional<std::string> commit_lock;
};

// The options for `settings`:
// - region: settings, else AWS_REGION, AWS_DEFAULT_REGION, the profile's region, else us-east-1;
// - endpoint: settings, else AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else AWS;
// - path_style: settings, else true with a custom endpoint (S3-compatible stores expect it) and
//   false on AWS;
// - credentials: the chain of credentials.h for settings.credentials.
S3Options resolve_s3_options(const S3Settings& settings, const EnvironmentLookup& environment = process_environment());

}  // namespace silt::storage::s3
