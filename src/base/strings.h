// Small string functions shared by every layer: splitting, trimming, case, URI and SQL quoting.
// Pure functions on std::string; no locale dependence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace silt {

std::vector<std::string> split(std::string_view text, char separator);
std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string replace_all(std::string_view text, std::string_view from, std::string_view to);

// Percent-encodes every byte outside the RFC 3986 unreserved set, keeping '/' as is.
std::string uri_encode_path(std::string_view path);
// Decodes %XX escapes once; a malformed escape is kept verbatim.
std::string uri_decode(std::string_view text);

// SQL literal quoting: 'it''s' and "col""name".
std::string sql_string(std::string_view text);
// A SQL list of string literals: ['a', 'it''s'].
std::string sql_string_list(const std::vector<std::string>& items);
std::string sql_identifier(std::string_view name);

// A plain identifier: an ASCII letter or '_' first, then letters, digits and '_' (names of models,
// schemas, variables and sources that need no quoting).
bool is_identifier(std::string_view text);
// Damerau-Levenshtein distance (insertions, deletions, substitutions, adjacent transpositions), for
// "did you mean" suggestions.
int edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` (case-insensitive edit distance) when it is close enough to be a
// likely typo: at most a third of the candidate's length, and at least 1. Ties go to the earlier
// candidate.
std::optional<std::string> closest_name(const std::string& word, const std::vector<std::string>& candidates);

// Parses a whole decimal integer; nullopt on any stray character or overflow.
std::optional<int64_t> parse_int64(std::string_view text);

// Human-readable byte size ("1.5 MiB").
std::string format_bytes(int64_t bytes);

}  // namespace silt
