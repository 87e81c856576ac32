#include "base/diagnostic.h"

#include <fmt/format.h>

namespace silt {

std::string format_diagnostic(const Diagnostic& diagnostic) {
  if (diagnostic.line <= 0) return fmt::format("{}: {}", diagnostic.file, diagnostic.message);
  return fmt::format("{}:{}:{}: {}", diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.message);
}

}  // namespace silt
