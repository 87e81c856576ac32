// A problem found in an input file (a project file, a model's configuration, a flag file), with its
// position, so that every reader reports it the same way.
#pragma once

#include <string>

namespace silt {

// One problem in one file, 1-based line and column (0 when the file has no position).
struct Diagnostic {
  std::string file;  // as the user knows it, e.g. "silt.yaml" or "flags/tbar.yml"
  int line = 0;
  int column = 0;
  std::string message;

  bool operator==(const Diagnostic&) const = default;
};

// "silt.yaml:12:5: unknown key 'storgae' (did you mean 'storage'?)"; "silt.yaml: ..." without position.
std::string format_diagnostic(const Diagnostic& diagnostic);

}  // namespace silt
