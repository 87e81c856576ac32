// OfrepProvider on cpp-httplib.
#include "pipeline/flags/ofrep_client.h"

#include <httplib.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::pipeline {

using json = nlohmann::json;

namespace {

// scheme://host:port and the path prefix of a URL.
std::pair<std::string, std::string> split_url(const std::string& url) {
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return {url, ""};
  std::string prefix = url.substr(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return {url.substr(0, path), prefix};
}

flags::ReasonKind reason_of(const json& entry) {
  const json metadata = entry.value("metadata", json::object());
  const std::string kind = metadata.is_object() ? metadata.value("reasonKind", "") : "";
  for (auto candidate : {flags::ReasonKind::kOff, flags::ReasonKind::kTargetMatch, flags::ReasonKind::kRuleMatch,
                         flags::ReasonKind::kFallthrough, flags::ReasonKind::kPrerequisiteFailed, flags::ReasonKind::kError}) {
    if (kind == flags::reason_kind_name(candidate)) return candidate;
  }
  // OpenFeature's reasons, from servers that do not say LaunchDarkly's.
  const std::string reason = entry.value("reason", "");
  if (reason == "DISABLED") return flags::ReasonKind::kOff;
  if (reason == "TARGETING_MATCH") return flags::ReasonKind::kRuleMatch;
  if (reason == "ERROR") return flags::ReasonKind::kError;
  return flags::ReasonKind::kFallthrough;  // STATIC, DEFAULT, SPLIT, CACHED, UNKNOWN
}

// The request's context: OFREP's targetingKey plus the context's attributes (kind included).
json ofrep_context(const flags::Context& context) {
  json value = json::parse(context.to_value().to_json());
  if (value.contains("key")) {
    value["targetingKey"] = value["key"];
    value.erase("key");
  }
  return value;
}

}  // namespace

struct OfrepProvider::Client {
  explicit Client(const std::string& base) : http(base) {}
  httplib::Client http;
};

OfrepProvider::OfrepProvider(OfrepOptions options) : options_(std::move(options)) {
  auto [base, prefix] = split_url(options_.url);
  path_prefix_ = prefix;
  client_ = std::make_unique<Client>(base);
  const auto timeout = std::chrono::milliseconds(options_.timeout_ms);
  client_->http.set_connection_timeout(timeout);
  client_->http.set_read_timeout(timeout);
  client_->http.set_write_timeout(timeout);
}

OfrepProvider::~OfrepProvider() = default;

Result<FlagResults> OfrepProvider::evaluate(const std::vector<std::string>& keys, const flags::Context& context) {
  std::lock_guard lock(mutex_);
  const std::string body = json{{"context", ofrep_context(context)}}.dump();
  httplib::Headers headers;
  for (const auto& [name, value] : options_.headers) headers.emplace(name, value);
  if (body == cached_context_ && !cached_etag_.empty()) headers.emplace("If-None-Match", cached_etag_);
  ++requests_;
  auto response = client_->http.Post(path_prefix_ + "/ofrep/v1/evaluate/flags", headers, body, "application/json");
  if (!response) {
    return make_error(ErrorCode::kIo, fmt::format("OFREP server {} did not answer within {} ms ({})", options_.url,
                                                  options_.timeout_ms, httplib::to_string(response.error())));
  }
  std::string text;
  if (response->status == 304 && body == cached_context_) {
    ++not_modified_;
    text = cached_body_;
  } else if (response->status == 200) {
    text = response->body;
  } else {
    return make_error(ErrorCode::kIo, fmt::format("OFREP server {} answered HTTP {}: {}", options_.url, response->status,
                                                  response->body.substr(0, 200)));
  }
  json answer = json::parse(text, nullptr, false);
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("flags") || !answer["flags"].is_array()) {
    return make_error(ErrorCode::kCorruption,
                      fmt::format("OFREP server {} sent something that is not a bulk evaluation ({{\"flags\": [...]}})",
                                  options_.url));
  }
  if (response->status == 200) {
    cached_context_ = body;
    cached_etag_ = response->get_header_value("ETag");
    cached_body_ = text;
  }
  std::map<std::string, const json*> by_key;
  for (const auto& entry : answer["flags"]) {
    if (entry.is_object() && entry.contains("key") && entry["key"].is_string()) by_key[entry["key"].get<std::string>()] = &entry;
  }
  FlagResults out;
  for (const auto& key : keys) {
    FlagResult result;
    result.key = key;
    auto found = by_key.find(key);
    if (found == by_key.end()) {
      result.evaluation.reason.kind = flags::ReasonKind::kError;
      result.evaluation.reason.error_kind = flags::ErrorKind::kFlagNotFound;
      result.openfeature_reason = "ERROR";
      result.error_message = fmt::format("OFREP server {} has no flag '{}'", options_.url, key);
      out.results.push_back(std::move(result));
      continue;
    }
    const json& entry = *found->second;
    flags::Evaluation& evaluation = result.evaluation;
    evaluation.reason.kind = reason_of(entry);
    result.openfeature_reason = entry.value("reason", std::string(flags::reason_kind_name(evaluation.reason.kind)));
    const json metadata = entry.value("metadata", json::object());
    if (metadata.is_object()) {
      evaluation.flag_version = metadata.value("flagVersion", 0);
      evaluation.reason.rule_index = metadata.value("ruleIndex", -1);
      evaluation.reason.in_experiment = metadata.value("inExperiment", false);
      if (metadata.contains("variationIndex") && metadata["variationIndex"].is_number_integer()) {
        evaluation.variation = metadata["variationIndex"].get<int>();
      }
    }
    if (entry.contains("value")) {
      auto value = flags::parse_json(entry["value"].dump());
      if (value) evaluation.value = std::move(*value);
    }
    if (entry.contains("errorCode")) {
      evaluation.reason.kind = flags::ReasonKind::kError;
      const std::string code = entry.value("errorCode", "GENERAL");
      evaluation.reason.error_kind = code == "FLAG_NOT_FOUND" ? flags::ErrorKind::kFlagNotFound
                                     : code == "TYPE_MISMATCH" ? flags::ErrorKind::kWrongType
                                                               : flags::ErrorKind::kMalformedFlag;
      result.error_message = fmt::format("OFREP server {}: {} {}", options_.url, code, entry.value("errorDetails", ""));
      if (!entry.contains("value")) evaluation.variation.reset();
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

}  // namespace silt::pipeline
