// Typo suggestions on top of pipeline::edit_distance.
#include "pipeline/model/suggestion.h"

#include <algorithm>

#include "base/strings.h"
#include "pipeline/project/project_loader.h"

namespace silt::pipeline {

std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  int best_distance = 0;
  const std::string lower = to_lower(word);
  for (const auto& candidate : candidates) {
    const int distance = edit_distance(lower, to_lower(candidate));
    const int limit = std::max<int>(1, static_cast<int>(candidate.size()) / 3);
    if (distance <= limit && (!best || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace silt::pipeline
