// A flag provider over OFREP (the OpenFeature Remote Evaluation Protocol): one bulk evaluation
// request per run (POST /ofrep/v1/evaluate/flags), a timeout, and the ETag of the last answer sent
// back (If-None-Match) so an unchanged answer is a 304 and is served from the cache. Works with
// `silt flags serve` and other OFREP servers (flagd, for example).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "pipeline/flags/flag_provider.h"

namespace silt::pipeline {

struct OfrepOptions {
  std::string url;             // "http://127.0.0.1:8016" (scheme, host, port; a path prefix is allowed)
  int timeout_ms = 2000;       // connection and whole-answer timeout
  std::map<std::string, std::string> headers;  // e.g. Authorization
};

class OfrepProvider : public FlagProvider {
 public:
  explicit OfrepProvider(OfrepOptions options);
  ~OfrepProvider() override;
  std::string name() const override { return "ofrep"; }
  // An error when the server cannot be reached in time, answers with an error status, or sends
  // something that is not OFREP's bulk answer; flags the answer lacks are FLAG_NOT_FOUND.
  Result<FlagResults> evaluate(const std::vector<std::string>& keys, const flags::Context& context) override;

  int64_t requests() const { return requests_; }
  int64_t not_modified() const { return not_modified_; }  // answers served from the cache (304)

 private:
  struct Client;
  OfrepOptions options_;
  std::string path_prefix_;  // of options_.url, before /ofrep/v1/...
  std::unique_ptr<Client> client_;
  std::mutex mutex_;
  std::string cached_context_, cached_etag_, cached_body_;
  int64_t requests_ = 0, not_modified_ = 0;
};

}  // namespace silt::pipeline
