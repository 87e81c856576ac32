// Settings over the AWS environment.
#include "storage/s3/s3_settings.h"

namespace silt::storage::s3 {

S3Options resolve_s3_options(const S3Settings& settings, const EnvironmentLookup& environment) {
  auto variable = [&](const char* name) -> std::string { return environment(name).value_or(""); };
  S3Options options;
  options.region = settings.region.value_or("");
  if (options.region.empty()) options.region = region_from_environment(environment);
  if (options.region.empty()) options.region = "us-east-1";
  if (settings.endpoint) {
    options.endpoint = *settings.endpoint;
  } else {
    options.endpoint = variable("AWS_ENDPOINT_URL_S3");
    if (options.endpoint.empty()) options.endpoint = variable("AWS_ENDPOINT_URL");
  }
  options.path_style = settings.path_style.value_or(!options.endpoint.empty());
  options.credentials = make_credentials_provider(settings.credentials, environment);
  return options;
}

}  // namespace silt::storage::s3
