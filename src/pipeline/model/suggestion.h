// "Did you mean" suggestions for names in model configuration and model SQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace silt::pipeline {

// The candidate closest to `word` (case-insensitive edit distance) when it is close enough to be a
// likely typo: at most a third of the candidate's length, and at least 1. Ties go to the earlier
// candidate.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace silt::pipeline
