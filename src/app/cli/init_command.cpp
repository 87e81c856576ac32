// `silt init <dir>`: a small working project (a CSV source, bronze/silver/gold models, sample data)
// that `silt run` builds as it is.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "app/cli/commands.h"
#include "app/cli/context.h"
#include "app/cli/report.h"

namespace silt::app {
namespace {

struct SkeletonFile {
  const char* path;
  const char* content;
};

constexpr SkeletonFile kSkeleton[] = {
    {"silt.yaml", R"(# A silt project: sources (raw files) and models (SQL) -> Delta tables under `storage`.
# Reference: docs/PROJECT.md and docs/MODELS.md in the silt repository.
name: {name}
storage: ${{LAKE:-./lake}}               # where the tables live (a directory)

engine:
  threads: 2
  memory_limit: 2GB

sources:
  - name: events
    format: csv
    path: data/events/*.csv
    options:
      header: true

models: [models]

environments:
  prod:
    storage: ${{PROD_LAKE:-/data/lake}}
)"},
    {"models/bronze/bronze_events.sql", R"(/* silt:
materialized: append           # each run appends only files not ingested before
description: Raw events, as delivered, with _source_file and _ingested_at.
*/
SELECT * FROM source.events
)"},
    {"models/silver/silver_events.sql", R"(/* silt:
materialized: incremental      # a run for date D recomputes D-lookback .. D and merges
unique_key: event_id
time_column: event_date
lookback: 2
partition_by: [event_date]
description: Events without duplicates; the latest delivery of an event wins.
*/
SELECT event_id, user_id, kind, CAST(event_ts AS DATE) AS event_date, event_ts, amount
FROM bronze.events
WHERE CAST(event_ts AS DATE) BETWEEN getvariable('window_start') AND getvariable('window_end')
QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY _ingested_at DESC, _source_file DESC) = 1
)"},
    {"models/gold/daily_revenue.sql", R"(/* silt:
materialized: table            # rebuilt on every run
description: Purchases and revenue per day.
*/
SELECT event_date, count(*) AS purchases, sum(amount) AS revenue
FROM silver.events
WHERE kind = 'purchase'
GROUP BY event_date
ORDER BY event_date
)"},
    {"data/events/events_2025-11-01.csv", R"(event_id,user_id,kind,event_ts,amount
1,100,view,2025-11-01 09:00:00,
2,100,purchase,2025-11-01 09:05:00,19.90
3,101,view,2025-11-01 10:30:00,
4,101,purchase,2025-11-01 10:31:00,5.00
)"},
    {"data/events/events_2025-11-02.csv", R"(event_id,user_id,kind,event_ts,amount
5,102,purchase,2025-11-02 08:00:00,42.00
4,101,purchase,2025-11-01 10:31:00,7.50
)"},
    {".gitignore", "lake/\n"},
};

std::string substitute(const std::string& text, const std::string& name) {
  // Only "{name}" is a placeholder; "{{" and "}}" stand for braces.
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 6, "{name}") == 0) {
      out += name;
      i += 5;
    } else if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      out += text[i];
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The directory as it must be typed in a shell: quoted when it holds anything but plain characters.
std::string shell_quoted(const std::string& text) {
  bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    unsigned char byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) || byte >= 0x80 || c == '.' || c == '_' || c == '-' || c == '/';
  });
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void register_init_command(CLI::App& app, CommandContext& context, int* exit_code) {
  auto* cmd = app.add_subcommand("init", "create a working skeleton project in a new directory");
  auto directory = std::make_shared<std::string>();
  cmd->add_option("directory", *directory, "the project directory to create (must not exist or be empty)")->required()->check(non_empty_path());
  cmd->callback([directory, &context, exit_code]() {
    context.begin();
    namespace fs = std::filesystem;
    fs::path root(*directory);
    std::error_code error;
    if (fs::exists(root, error) && !(fs::is_directory(root, error) && fs::is_empty(root, error))) {
      *exit_code = report_error(Error(ErrorCode::kAlreadyExists,
                                      fmt::format("'{}' already exists and is not an empty directory; choose a new "
                                                  "name",
                                                  *directory)));
      return;
    }
    std::string name = fs::absolute(root).lexically_normal().filename().string();
    if (name.empty()) name = fs::absolute(root).lexically_normal().parent_path().filename().string();
    std::string project_name;
    // Letters of any script (UTF-8 bytes pass through), digits; anything else becomes '_'.
    for (char c : name) {
      unsigned char byte = static_cast<unsigned char>(c);
      project_name += std::isalnum(byte) || byte >= 0x80 ? c : '_';
    }
    if (project_name.empty()) project_name = "project";
    for (const auto& file : kSkeleton) {
      fs::path path = root / file.path;
      fs::create_directories(path.parent_path(), error);
      std::ofstream out(path, std::ios::binary);
      out << substitute(file.content, project_name);
      if (!out) {
        *exit_code = report_error(Error(ErrorCode::kIo, fmt::format("cannot write {}", path.string())));
        return;
      }
    }
    std::cout << fmt::format(
        "created project '{0}' in {1}\n"
        "next:\n"
        "  cd {1}\n"
        "  silt validate                       # check the project\n"
        "  silt plan --date 2025-11-02         # what a run would do\n"
        "  silt run --date 2025-11-02          # build bronze.events, silver.events, gold.daily_revenue\n"
        "  silt sql \"SELECT * FROM gold.daily_revenue\"\n",
        project_name, shell_quoted(*directory));
    *exit_code = kExitOk;
  });
}

}  // namespace silt::app
