// What the table commands print for an operation (a one-line summary or JSON), and the wrapper
// that turns a command body's Status into the process exit code.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "app/cli/context.h"
#include "base/status.h"
#include "engine/table_ops.h"

namespace silt::app {

// The rows of a write or merge from --input/--query/--format; InvalidArgument when neither is given
// (`verb` completes "give the rows to <verb> with ...").
Result<engine::Source> source_from_flags(const std::string& input, const std::string& query, const std::string& format,
                                         const char* verb);
// --app-id and --app-version go together.
Status check_app_flags(const std::string& app_id, const std::optional<int64_t>& app_version);

// "<OPERATION>: committed version N (...)", the skip message, or the report as JSON (--json).
void print_report(const engine::OperationReport& report, bool as_json);

// Runs `body` and converts its result into an exit code.
template <typename Body>
std::function<void()> wrap(int* exit_code, CommandContext& context, Body body) {
  return [exit_code, &context, body]() {
    context.begin();
    Status status = body();
    // Table commands wrap the user's text (--where, --query, inputs) in SQL of their own.
    *exit_code = status.ok() ? kExitOk : report_error(Error(status.code(), without_sql_excerpt(status.message())));
  };
}

}  // namespace silt::app
