// `silt storage check LOCATION`: whether silt can keep tables at a location. Each check runs in
// order and reports what it found and how long it took: credentials (S3), listing, writing and
// reading back a scratch object, the conditional write Delta commits rely on (tried on a scratch
// key), deleting, and the latency of small writes and reads. Nothing stays behind.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/project_support.h"
#include "base/clock.h"
#include "base/ids.h"
#include "storage/s3/conditional_writes.h"
#include "storage/s3/s3_file_system.h"

namespace silt::app {
namespace {

using nlohmann::ordered_json;

struct Check {
  std::string name;
  bool ok = true;
  bool warning = false;  // passed, with something to know
  std::string detail;
  double ms = 0;
  std::optional<Error> error;
};

struct Latency {
  std::vector<double> put_ms;
  std::vector<double> get_ms;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

double ms_since(int64_t started_ns) { return static_cast<double>(monotonic_ns() - started_ns) / 1e6; }

class StorageChecker {
 public:
  StorageChecker(storage::FileSystem& fs, std::string location, int samples)
      : fs_(fs), location_(std::move(location)), samples_(samples) {
    scratch_dir_ = location_ + "/_silt_check/" + new_uuid();
  }

  std::vector<Check> run(storage::s3::S3FileSystem* s3) {
    if (s3) {
      auto where = storage::s3::parse_s3_path(location_ + "/");
      if (!where) return {failed("location", where.error())};
      bucket_ = where->bucket;
      prefix_ = where->key;
      if (!step("credentials", [&](Check& check) -> Status {
            auto credentials = s3->client().options().credentials;
            if (!credentials) return make_error(ErrorCode::kConfig, "no S3 credentials provider is set up");
            SILT_TRY(credentials->get().status());
            check.detail = "from " + credentials->source();
            return Status();
          })) {
        return checks_;
      }
    }
    if (!step("list", [&](Check& check) -> Status {
          SILT_TRY_ASSIGN(auto page, fs_.list_page(location_, "", 1));
          check.detail = page.files.empty() ? "may list (nothing directly inside)" : "may list";
          return Status();
        })) {
      return checks_;
    }
    const std::string scratch = scratch_dir_ + "/object";
    const std::string content = "silt storage check " + new_uuid();
    bool wrote = step("write", [&](Check& check) -> Status {
      SILT_TRY(fs_.write(scratch, content));
      check.detail = fmt::format("wrote {} bytes to a scratch object", content.size());
      return Status();
    });
    if (wrote) {
      step("read", [&](Check& check) -> Status {
        SILT_TRY_ASSIGN(auto back, fs_.read(scratch));
        if (back != content) {
          return make_error(ErrorCode::kCorruption, fmt::format("{} read back {} bytes that differ from the {} written",
                                                                scratch, back.size(), content.size()));
        }
        check.detail = "read back what was written";
        return Status();
      });
      step("conditional write", [&](Check& check) -> Status { return check_conditional(s3, check); });
      step("latency", [&](Check& check) -> Status { return measure_latency(check); });
    }
    step("delete", [&](Check& check) -> Status {
      std::vector<std::string> paths = {scratch};
      for (int i = 0; i < samples_; ++i) paths.push_back(scratch_dir_ + "/sample-" + std::to_string(i));
      SILT_TRY(fs_.remove_many(paths));
      SILT_TRY_ASSIGN(bool left, fs_.exists(scratch));
      if (left) return make_error(ErrorCode::kIo, fmt::format("{} is still there after it was deleted", scratch));
      if (auto local = fs_.local_path(scratch_dir_)) {
        // Directories are the local disk's own: the empty ones go too.
        std::error_code ignored;
        std::filesystem::remove(*local, ignored);
        std::filesystem::remove(std::filesystem::path(*local).parent_path(), ignored);
      }
      check.detail = "removed the scratch objects";
      return Status();
    });
    return checks_;
  }

  const Latency& latency() const { return latency_; }

 private:
  Check failed(const std::string& name, const Error& error) {
    Check check;
    check.name = name;
    check.ok = false;
    check.detail = error.message();
    check.error = error;
    return check;
  }

  template <typename Body>
  bool step(const std::string& name, Body body) {
    Check check;
    check.name = name;
    int64_t started = monotonic_ns();
    Status status = body(check);
    check.ms = ms_since(started);
    if (!status.ok()) {
      check.ok = false;
      check.detail = status.message();
      check.error = status.error();
    }
    checks_.push_back(std::move(check));
    return status.ok();
  }

  Status check_conditional(storage::s3::S3FileSystem* s3, Check& check) {
    if (s3) {
      SILT_TRY_ASSIGN(auto probe, storage::s3::probe_conditional_writes(s3->client(), bucket_, prefix_ + "_silt_check/"));
      if (probe.enforced) {
        check.detail = "If-None-Match: * is enforced: concurrent commits are safe";
        return Status();
      }
      const std::string& lock = s3->options().commit_lock;
      if (!lock.empty()) {
        check.warning = true;
        check.detail = fmt::format("If-None-Match: * is NOT enforced; commits are ordered by the commit lock {} "
                                   "(safe only for writers on this machine)",
                                   lock);
        return Status();
      }
      return make_error(ErrorCode::kUnsupported,
                        "If-None-Match: * is NOT enforced by this store: silt refuses to commit here (two writers "
                        "could both write one version); use a store that enforces it, or name s3.commit_lock");
    }
    // Other stores: put_if_absent twice on one scratch path; the second must be refused.
    const std::string path = scratch_dir_ + "/conditional";
    SILT_TRY(fs_.put_if_absent(path, "1"));
    Status second = fs_.put_if_absent(path, "2");
    (void)fs_.remove(path);
    if (second.ok()) {
      return make_error(ErrorCode::kUnsupported, "a second create of one file succeeded: commits here are not safe");
    }
    if (second.code() != ErrorCode::kAlreadyExists) return second;
    check.detail = "create-if-absent is enforced: concurrent commits are safe";
    return Status();
  }

  Status measure_latency(Check& check) {
    for (int i = 0; i < samples_; ++i) {
      std::string path = scratch_dir_ + "/sample-" + std::to_string(i);
      int64_t started = monotonic_ns();
      SILT_TRY(fs_.write(path, "sample"));
      latency_.put_ms.push_back(ms_since(started));
      started = monotonic_ns();
      SILT_TRY(fs_.read(path).status());
      latency_.get_ms.push_back(ms_since(started));
    }
    check.detail = fmt::format("{} small writes: median {:.1f} ms, max {:.1f} ms; reads: median {:.1f} ms, max {:.1f} ms",
                               samples_, percentile(latency_.put_ms, 0.5), percentile(latency_.put_ms, 1.0),
                               percentile(latency_.get_ms, 0.5), percentile(latency_.get_ms, 1.0));
    return Status();
  }

  storage::FileSystem& fs_;
  std::string location_;
  int samples_;
  std::string scratch_dir_;
  std::string bucket_;
  std::string prefix_;
  std::vector<Check> checks_;
  Latency latency_;
};

}  // namespace

void register_storage_commands(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* storage = app.add_subcommand("storage", "inspect where tables are kept");
  storage->require_subcommand(1);
  auto* cmd = storage->add_subcommand(
      "check", "check credentials, permissions, conditional writes and latency at a location (local path or s3://)");
  struct Args {
    std::string location;
    ProjectArgs project;
    bool use_project = false;
    int samples = 5;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("location", args->location, "where to check (default with --project: the project's storage)");
  cmd->add_option("--project", args->project.directory, "take S3 settings (and the location) from this project")
      ->each([args](const std::string&) { args->use_project = true; });
  cmd->add_option("--env", args->project.environment, "environment of the project to apply");
  cmd->add_option("--samples", args->samples, "small writes and reads timed for the latency check (default 5)")
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--json", args->json, "print the result as JSON");
  cmd->callback([args, &context, exit_code]() {
    context.begin();
    auto run = [&]() -> Status {
      std::string location = args->location;
      if (args->use_project) {
        SILT_TRY_ASSIGN(auto config, load_config_for_command(args->project, context));
        if (location.empty()) location = config.storage_root;
      }
      if (location.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "give a location to check (a local path or s3://bucket/prefix), "
                                                       "or --project DIR to check the project's storage");
      }
      location = context.table_location(location);
      storage::FileSystem& fs = context.fs();
      storage::s3::S3FileSystem* s3 = nullptr;
      if (storage::s3::is_s3_path(location)) s3 = &static_cast<storage::RoutingFileSystem&>(fs).s3();
      if (!s3) SILT_TRY(fs.create_directories(location));
      auto requests_before = s3 ? s3->client().counters().requests : 0;
      StorageChecker checker(fs, location, args->samples);
      std::vector<Check> checks = checker.run(s3);
      auto requests = s3 ? s3->client().counters().requests - requests_before : 0;
      const Check* first_failure = nullptr;
      for (const auto& check : checks) {
        if (!check.ok && !first_failure) first_failure = &check;
      }
      if (args->json) {
        ordered_json out;
        out["location"] = location;
        out["ok"] = first_failure == nullptr;
        ordered_json list = ordered_json::array();
        for (const auto& check : checks) {
          list.push_back({{"check", check.name},
                          {"ok", check.ok},
                          {"warning", check.warning},
                          {"detail", check.detail},
                          {"ms", static_cast<int64_t>(check.ms * 10 + 0.5) / 10.0}});
        }
        out["checks"] = list;
        const Latency& latency = checker.latency();
        out["latency_ms"] = {{"put_p50", percentile(latency.put_ms, 0.5)},
                             {"put_max", percentile(latency.put_ms, 1.0)},
                             {"get_p50", percentile(latency.get_ms, 0.5)},
                             {"get_max", percentile(latency.get_ms, 1.0)}};
        if (s3) out["requests"] = requests;
        std::cout << out.dump(2) << "\n";
      } else {
        std::cout << "storage check of " << location << "\n";
        for (const auto& check : checks) {
          std::cout << fmt::format("  {:<5} {:<18} {:>8.1f} ms  {}\n", check.ok ? (check.warning ? "warn" : "ok") : "FAIL",
                                   check.name, check.ms, check.detail);
        }
        if (s3) std::cout << fmt::format("  {} requests\n", requests);
      }
      if (first_failure) {
        Error error = first_failure->error.value_or(Error(ErrorCode::kIo, first_failure->detail));
        return std::move(error).with_message(fmt::format("storage check failed at '{}': {}", first_failure->name,
                                                         first_failure->detail));
      }
      return Status();
    };
    Status status = run();
    *exit_code = status.ok() ? kExitOk : report_error(status.error());
  });
}

}  // namespace silt::app
