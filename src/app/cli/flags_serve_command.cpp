// `silt flags serve`: an OFREP server (OpenFeature Remote Evaluation Protocol) over the project's
// flag files, which it reads again when they change. Single evaluation
// (POST /ofrep/v1/evaluate/flags/{key}) and bulk evaluation (POST /ofrep/v1/evaluate/flags, with an
// ETag and 304 for an unchanged answer); GET /health. See docs/FLAGS.md.
#include <CLI/CLI.hpp>
#include <httplib.h>

#include <csignal>
#include <functional>
#include <iostream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "flags/evaluator.h"
#include "obs/logger.h"
#include "pipeline/flags/flag_files.h"
#include "pipeline/project/project_config.h"

namespace silt::app {
namespace {

using nlohmann::json;

httplib::Server* g_server = nullptr;

void stop_on_signal(int) {
  if (g_server != nullptr) g_server->stop();
}

// An OpenFeature evaluation context as a silt context: targetingKey is the key, an attribute
// "kind" the kind (default job); {"kind": "multi", ...} as LaunchDarkly writes it.
Result<flags::Context> context_of(const json& body) {
  if (!body.is_object() || !body.contains("context") || !body["context"].is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "the body must be {\"context\": {...}}");
  }
  json context = body["context"];
  if (context.value("kind", "") != "multi") {
    if (context.contains("targetingKey")) {
      context["key"] = context["targetingKey"];
      context.erase("targetingKey");
    }
    if (!context.contains("kind")) context["kind"] = std::string(flags::kJobKind);
    if (!context.contains("key")) {
      return make_error(ErrorCode::kNotFound, "the context has no targetingKey");
    }
  }
  SILT_TRY_ASSIGN(flags::Value value, flags::parse_json(context.dump()));
  return flags::context_from_value(value);
}

json evaluation_json(const std::string& key, const flags::Evaluation& result, const flags::Flag* flag) {
  json out;
  out["key"] = key;
  if (result.reason.kind == flags::ReasonKind::kError && result.value.is_null()) {
    out["errorCode"] = result.reason.error_kind == flags::ErrorKind::kFlagNotFound ? "FLAG_NOT_FOUND" : "GENERAL";
    out["errorDetails"] = fmt::format("{} ({})", flags::error_kind_name(result.reason.error_kind), key);
    return out;
  }
  out["value"] = json::parse(result.value.to_json());
  out["reason"] = flags::openfeature_reason(result, flag);
  if (result.variation) {
    out["variant"] = result.value.is_string() ? result.value.as_string() : std::to_string(*result.variation);
  }
  json metadata;
  metadata["flagVersion"] = result.flag_version;
  metadata["reasonKind"] = std::string(flags::reason_kind_name(result.reason.kind));
  if (result.variation) metadata["variationIndex"] = *result.variation;
  if (result.reason.rule_index >= 0) metadata["ruleIndex"] = result.reason.rule_index;
  if (result.reason.in_experiment) metadata["inExperiment"] = true;
  if (result.reason.kind == flags::ReasonKind::kError) {
    out["errorCode"] = "GENERAL";
    metadata["errorKind"] = std::string(flags::error_kind_name(result.reason.error_kind));
  }
  out["metadata"] = metadata;
  return out;
}

void reply(httplib::Response& response, int status, const json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// The request's context; on a bad body, replies 400 with OFREP's error code (and `key`, for a single
// evaluation) and gives nullopt.
std::optional<flags::Context> request_context(const httplib::Request& request, httplib::Response& response,
                                              const std::optional<std::string>& key) {
  json answer;
  if (key) answer["key"] = *key;
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded()) {
    answer["errorCode"] = "PARSE_ERROR";
    answer["errorDetails"] = "the body is not JSON";
    reply(response, 400, answer);
    return std::nullopt;
  }
  auto context = context_of(body);
  if (!context) {
    answer["errorCode"] = context.error().code() == ErrorCode::kNotFound ? "TARGETING_KEY_MISSING" : "INVALID_CONTEXT";
    answer["errorDetails"] = context.error().message();
    reply(response, 400, answer);
    return std::nullopt;
  }
  return std::move(*context);
}

struct ServeArgs {
  ProjectArgs project;
  std::string host = "127.0.0.1";
  int port = 8016;
};

int serve(const ServeArgs& args, CommandContext& context) {
  auto config = load_config_for_command(args.project, context);
  if (!config) return report_error(config.error());
  pipeline::FlagFileProvider provider(context.fs(), config->project_dir);
  auto first = provider.current();
  if (!first) return report_error(first.error());
  for (const Diagnostic& d : (*first)->diagnostics) std::cerr << format_diagnostic(d) << "\n";

  // The flags for one request: reloaded when the files changed; a failed reload keeps the last
  // good flags and is logged.
  auto flags_now = [&provider]() {
    std::optional<Error> reload_error;
    auto current = provider.current(&reload_error);
    if (reload_error) obs::log(obs::LogLevel::kWarn, "flag files not reloaded: {}", reload_error->message());
    return *current;
  };

  httplib::Server server;
  server.Get("/health", [](const httplib::Request&, httplib::Response& response) {
    reply(response, 200, json{{"status", "ok"}});
  });
  server.Post(R"(/ofrep/v1/evaluate/flags/(.+))", [&](const httplib::Request& request, httplib::Response& response) {
    const std::string key = request.matches[1];
    auto evaluation_context = request_context(request, response, key);
    if (!evaluation_context) return;
    auto files = flags_now();
    const flags::Flag* flag = files->flags.find_flag(key);
    if (flag == nullptr) return reply(response, 404, json{{"key", key}, {"errorCode", "FLAG_NOT_FOUND"}, {"errorDetails", "no flag '" + key + "'"}});
    reply(response, 200, evaluation_json(key, flags::Evaluator(files->flags).evaluate(*flag, *evaluation_context), flag));
  });
  server.Post("/ofrep/v1/evaluate/flags", [&](const httplib::Request& request, httplib::Response& response) {
    auto evaluation_context = request_context(request, response, std::nullopt);
    if (!evaluation_context) return;
    auto files = flags_now();
    flags::Evaluator evaluator(files->flags);
    json list = json::array();
    for (const auto& [key, flag] : files->flags.flags) list.push_back(evaluation_json(key, evaluator.evaluate(flag, *evaluation_context), &flag));
    const std::string content = json{{"flags", list}}.dump();
    const std::string etag = fmt::format("\"{:016x}\"", std::hash<std::string>{}(content));
    response.set_header("ETag", etag);
    if (request.get_header_value("If-None-Match") == etag) {
      response.status = 304;
      return;
    }
    response.status = 200;
    response.set_content(content, "application/json");
  });

  int port = args.port;
  if (port == 0) {
    port = server.bind_to_any_port(args.host);
  } else if (!server.bind_to_port(args.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return report_error(make_error(ErrorCode::kIo, fmt::format("cannot listen on {}:{} (in use? try --port 0)", args.host, args.port)));
  }
  g_server = &server;
  std::signal(SIGTERM, stop_on_signal);
  std::signal(SIGINT, stop_on_signal);
  const size_t count = (*first)->flags.flags.size();
  std::cout << fmt::format("silt flags serve: listening on http://{}:{} ({} flag{} from {}/flags)", args.host, port, count,
                           count == 1 ? "" : "s", config->project_dir)
            << std::endl;
  server.listen_after_bind();
  g_server = nullptr;
  return kExitOk;
}

}  // namespace

void register_flags_serve_command(CLI::App& flags, CommandContext& context, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = flags.add_subcommand("serve", "an OFREP server over the project's flags (reloads changed flag files)");
  add_project_options(cmd, args->project);
  cmd->add_option("--port", args->port, "port to listen on; 0 picks a free one (default 8016)")->check(CLI::Range(0, 65535));
  cmd->add_option("--host", args->host, "address to listen on (default 127.0.0.1)");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    *exit_code = serve(*args, context);
  });
}

}  // namespace silt::app
