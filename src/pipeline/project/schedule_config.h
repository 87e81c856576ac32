// silt.yaml's `schedules:` (jobs that run silt commands on a cron in a time zone) and `tables:`
// (per-table maintenance defaults used by optimize and vacuum), after validation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/schedule/cron.h"
#include "pipeline/schedule/dst_policy.h"

namespace silt::pipeline {

// What a scheduler does with fire times that passed while it was not running.
enum class CatchUp {
  kNone,    // skipped (recorded as missed)
  kLatest,  // the most recent one runs, the others are recorded as missed
  kAll,     // each runs, oldest first, at most max_catch_up of them
};
// What happens when a job is due while its previous run is still going.
enum class Overlap {
  kSkip,   // this firing is recorded as skipped
  kQueue,  // it runs when the previous run ends
};
const char* catch_up_name(CatchUp value);
const char* overlap_name(Overlap value);

struct ScheduleConfig {
  std::string name;
  int line = 0;  // of the job's key in silt.yaml
  std::string cron_text;
  CronExpression cron;
  std::string timezone = "UTC";
  std::string command;                            // as written
  std::vector<std::vector<std::string>> steps;    // the command split at `&&`, each into arguments
  DstPolicy dst;
  CatchUp catch_up = CatchUp::kLatest;
  int max_catch_up = 10;
  Overlap overlap = Overlap::kSkip;
  int64_t timeout_ms = 0;        // 0: no limit
  int retries = 0;               // further attempts of a failed run
  int64_t retry_delay_ms = 60'000;
  // A fire time counts as on time until this long after it; older ones are caught up per catch_up.
  int64_t grace_ms = 300'000;
};

struct TableMaintenanceConfig {
  std::string table;  // a table name of the project (silver.orders) or a path
  int line = 0;
  std::vector<std::string> zorder;
  std::optional<int64_t> retain_ms;
  std::optional<int64_t> target_file_size;
};

// Splits a command line into arguments: whitespace separates, '…' and "…" quote (backslash escapes
// in double quotes), and `&&` between arguments separates steps. InvalidArgument-style message in
// *error for an unclosed quote or an empty step.
std::vector<std::vector<std::string>> split_command_line(const std::string& text, std::string* error);

}  // namespace silt::pipeline
