// Runs the real silt binary (or any command) in a child process and captures its output, so
// end-to-end tests exercise exactly what users run.
#pragma once

#include <string>
#include <vector>

namespace silt::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] with arguments; stdout and stderr captured separately. No shell involved.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& working_dir = "");
// Runs the silt binary built by this tree with the given arguments.
CommandResult run_silt(const std::vector<std::string>& args, const std::string& working_dir = "");

}  // namespace silt::testing
