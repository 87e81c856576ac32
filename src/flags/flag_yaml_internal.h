// Reading flag files with yaml-cpp (JSON is read by the same parser, for its line and column
// numbers): typed values and diagnostics. Internal to src/flags/flag_file*.cpp and the two readers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/diagnostic.h"
#include "flags/flag.h"
#include "flags/value.h"

namespace silt::flags {

class FlagYaml {
 public:
  FlagYaml(std::string file, std::vector<Diagnostic>* diagnostics) : file_(std::move(file)), diagnostics_(diagnostics) {}

  const std::string& file() const { return file_; }
  size_t problems() const { return diagnostics_->size(); }
  void error(const YAML::Node& at, std::string message);
  static int line_of(const YAML::Node& node) { return node.Mark().line + 1; }
  static int column_of(const YAML::Node& node) { return node.Mark().column + 1; }

  // A scalar as a value: true/false, null/~, numbers, else a string; quoted scalars are strings.
  static Value scalar(const YAML::Node& node);
  // Any node as a value (sequences as arrays, mappings as objects with string keys).
  static Value value(const YAML::Node& node);
  // "a mapping", "a list", "a string", ... for messages.
  static std::string kind_of(const YAML::Node& node);

  // The entries of a mapping in order; keys given twice are reported (the first kept). `allowed`
  // (when not empty) lists the keys a mapping may have: others are reported with a suggestion.
  std::vector<std::pair<std::string, YAML::Node>> entries(const YAML::Node& map, std::string_view what,
                                                          const std::vector<std::string>& allowed);

  std::optional<bool> boolean(const YAML::Node& node, std::string_view what);
  std::optional<int64_t> integer(const YAML::Node& node, std::string_view what);
  std::optional<double> number(const YAML::Node& node, std::string_view what);
  std::optional<std::string> string(const YAML::Node& node, std::string_view what);
  // A list of strings (a lone string counts as a list of one when `allow_single`).
  std::optional<std::vector<std::string>> strings(const YAML::Node& node, std::string_view what, bool allow_single);

  // A list of clauses, each read by `read_one` (nullopt: a problem, already reported).
  bool clauses(const YAML::Node& node, const std::function<std::optional<Clause>(const YAML::Node&)>& read_one,
               std::vector<Clause>* out);

  // A clause: the operator checked, values prepared, bad patterns, dates and versions reported.
  std::optional<Clause> finish_clause(Clause clause, const YAML::Node& at, const YAML::Node& op_node,
                                      const YAML::Node& values_node);

 private:
  std::string file_;
  std::vector<Diagnostic>* diagnostics_;
};

// The two formats.
void read_silt_flags(const YAML::Node& root, FlagYaml& yaml, FlagSet* into);
void read_launchdarkly_flags(const YAML::Node& root, FlagYaml& yaml, FlagSet* into);

// Adds a flag or segment unless its key is taken (then reports it).
void add_flag(Flag flag, const YAML::Node& at, FlagYaml& yaml, FlagSet* into);
void add_segment(Segment segment, const YAML::Node& at, FlagYaml& yaml, FlagSet* into);

// Rollout weights must sum to 100000; variation indexes must be in range. Reported at `at`.
bool check_rollout(const Rollout& rollout, size_t variation_count, const YAML::Node& at, FlagYaml& yaml,
                   std::string_view units);

}  // namespace silt::flags
