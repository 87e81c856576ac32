// What the table commands print for an operation (a one-line summary or JSON), and the wrapper
// that turns a command body's Status into the process exit code.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "app/cli/context.h"
#include "base/status.h"
#include "engine/table_ops.h"

namespace CLI {
class App;
class Validator;
}

namespace silt::app {

// The flags naming the rows of a write or merge: --input/--query/--format, and the idempotency pair
// --app-id/--app-version.
struct RowSourceFlags {
  std::string input;
  std::string query;
  std::string format;
  std::string date_format;       // CSV: strftime format of DATE values
  std::string timestamp_format;  // CSV: strftime format of TIMESTAMP values
  std::string app_id;
  std::optional<int64_t> app_version;
};

// Declares those flags on `command`; `verb` ("write", "merge") completes their help texts.
void add_row_source_flags(CLI::App& command, RowSourceFlags& flags, const char* verb);
// The rows as an engine Source, after checking the flags: one of --input/--query is required, and
// --app-id goes with --app-version. InvalidArgument otherwise.
Result<engine::Source> source_from_flags(const RowSourceFlags& flags, const char* verb);

// "<OPERATION>: committed version N (...)", the skip message, or the report as JSON (--json).
void print_report(const engine::OperationReport& report, bool as_json);

// Refuses an empty or blank path: "" would silently mean the working directory.
CLI::Validator non_empty_path();

// Runs `body` and converts its result into an exit code.
template <typename Body>
std::function<void()> wrap(int* exit_code, CommandContext& context, Body body) {
  return [exit_code, &context, body]() {
    context.begin();
    Status status = body();
    *exit_code = status.ok() ? kExitOk : report_error(status.error());
  };
}

}  // namespace silt::app
