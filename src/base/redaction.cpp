// The process-wide secret registry; see redaction.h.
#include "base/redaction.h"

#include <algorithm>
#include <mutex>
#include <vector>

namespace silt {

namespace {

struct Registry {
  std::mutex mutex;              // guards secrets
  std::vector<std::string> secrets;  // longest first, so a secret containing another is replaced whole
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void add_secret(std::string value) {
  if (value.size() < 4) return;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (std::find(r.secrets.begin(), r.secrets.end(), value) != r.secrets.end()) return;
  r.secrets.push_back(std::move(value));
  std::sort(r.secrets.begin(), r.secrets.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string redact(std::string_view text) {
  std::string out(text);
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const auto& secret : r.secrets) {
    for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3)) {
      out.replace(at, secret.size(), "***");
    }
  }
  return out;
}

}  // namespace silt
