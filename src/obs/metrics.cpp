// Counter registry guarded by one mutex; counters are few and updated per commit, not per row.
#include "obs/metrics.h"

#include <mutex>

namespace silt::obs {

namespace {
std::mutex g_mutex;                       // guards g_counters
std::map<std::string, int64_t> g_counters;
}  // namespace

void counter_add(const std::string& name, int64_t delta) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_counters[name] += delta;
}

int64_t counter_value(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = g_counters.find(name);
  return it == g_counters.end() ? 0 : it->second;
}

std::map<std::string, int64_t> counters_snapshot() {
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_counters;
}

}  // namespace silt::obs
