// Operation reports for people (one line) and scripts (JSON with every counter).
#include "app/cli/report.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace silt::app {

namespace {

nlohmann::ordered_json report_json(const engine::OperationReport& report) {
  nlohmann::ordered_json out;
  out["operation"] = report.operation;
  out["version"] = report.version;
  out["skipped"] = report.skipped;
  if (!report.message.empty()) out["message"] = report.message;
  out["rows_written"] = report.rows_written;
  out["rows_deleted"] = report.rows_deleted;
  out["rows_copied"] = report.rows_copied;
  out["rows_inserted"] = report.rows_inserted;
  out["rows_updated"] = report.rows_updated;
  out["files_added"] = report.files_added;
  out["files_removed"] = report.files_removed;
  out["files_scanned"] = report.files_scanned;
  out["bytes_added"] = report.bytes_added;
  if (!report.columns_added.empty()) out["columns_added"] = report.columns_added;
  out["commit_attempts"] = report.attempts;
  out["checkpoint_written"] = report.checkpoint_written;
  out["duration_ms"] = report.duration_ms;
  return out;
}

}  // namespace

void print_report(const engine::OperationReport& report, bool as_json) {
  if (as_json) {
    std::cout << report_json(report).dump(2) << "\n";
    return;
  }
  if (report.skipped) {
    std::cout << report.message << " (table at version " << report.version << ")\n";
    return;
  }
  if (report.operation == "CHECKPOINT") {
    // A checkpoint commits nothing: it summarises an existing version.
    std::cout << fmt::format("CHECKPOINT: wrote checkpoint of version {} ({} ms)\n", report.version,
                             report.duration_ms);
    return;
  }
  std::string line = fmt::format("{}: committed version {}", report.operation, report.version);
  std::vector<std::string> parts;
  if (report.operation == "MERGE") {
    // Every merge outcome, zeros included: "0 updated" is an answer too.
    parts.push_back(fmt::format("{} inserted, {} updated, {} deleted", report.rows_inserted, report.rows_updated,
                                report.rows_deleted));
  } else {
    if (report.rows_written) parts.push_back(fmt::format("{} rows written", report.rows_written));
    if (report.rows_deleted) parts.push_back(fmt::format("{} rows removed", report.rows_deleted));
  }
  if (report.rows_copied) parts.push_back(fmt::format("{} rows rewritten", report.rows_copied));
  if (report.files_added || report.files_removed) {
    parts.push_back(fmt::format("+{} / -{} files", report.files_added, report.files_removed));
  }
  if (report.bytes_added) parts.push_back(format_bytes(report.bytes_added));
  if (report.attempts > 1) parts.push_back(fmt::format("{} commit attempts", report.attempts));
  if (!report.columns_added.empty()) parts.push_back("columns added: " + join(report.columns_added, ", "));
  if (report.checkpoint_written) parts.push_back("checkpoint written");
  parts.push_back(fmt::format("{} ms", report.duration_ms));
  std::cout << line << " (" << join(parts, ", ") << ")\n";
}

void add_row_source_flags(CLI::App& command, RowSourceFlags& flags, const char* verb) {
  auto* input = command.add_option("--input", flags.input, "input files (glob): csv, json, parquet");
  auto* query = command.add_option("--query", flags.query, "a SELECT producing the rows");
  input->excludes(query);
  command.add_option("--format", flags.format, "input format when the extension does not tell")
      ->check(CLI::IsMember({"csv", "json", "parquet"}));
  command.add_option("--date-format", flags.date_format,
                     "CSV input: how dates are written, as a strftime format such as %d/%m/%Y (default: YYYY-MM-DD)");
  command.add_option("--timestamp-format", flags.timestamp_format,
                     "CSV input: how timestamps are written, as a strftime format (default: ISO 8601)");
  command.add_option("--app-id", flags.app_id, fmt::format("application id for idempotent {}s", verb));
  command.add_option("--app-version", flags.app_version,
                     fmt::format("application version; {}s at or below the recorded one are skipped", verb));
}

Result<engine::Source> source_from_flags(const RowSourceFlags& flags, const char* verb) {
  if (flags.input.empty() && flags.query.empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("give the rows to {} with --input <glob> or --query <sql>", verb));
  }
  if (starts_with(to_lower(flags.app_id), "silt.")) {
    // silt.ingest and friends record silt's own exactly-once bookkeeping: a user's write must not.
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--app-id '{}': ids starting with 'silt.' are reserved for silt's pipelines; "
                                  "choose another id",
                                  flags.app_id));
  }
  if (flags.app_id.empty() != !flags.app_version.has_value()) {
    return make_error(ErrorCode::kInvalidArgument, "--app-id and --app-version go together");
  }
  engine::Source source;
  if (!flags.query.empty()) source.query = flags.query;
  if (!flags.input.empty()) source.input_glob = flags.input;
  source.format = flags.format;
  source.date_format = flags.date_format;
  source.timestamp_format = flags.timestamp_format;
  return source;
}

CLI::Validator non_empty_path() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return trim(value).empty() ? std::string("an empty path names no location: give a path") : std::string();
      },
      "PATH");
}

}  // namespace silt::app
