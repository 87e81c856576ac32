// A model's configuration: finding the `/* silt:` header of a model file, and reading configuration
// YAML (from that header, a <model>.yml beside the file, or a contracts/*.yml file) into a
// ModelConfig or QualityConfig with diagnostics. yaml-cpp stays in model_config.cpp; nothing here
// touches the file system or DuckDB (the loader checks contract types and relationships targets).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model/model.h"
#include "pipeline/project/project_config.h"

namespace silt::pipeline {

// A 1-based position in a file.
struct TextPosition {
  int line = 0;
  int column = 0;
};

// The configuration header of a model file: a block comment whose first line is exactly "/* silt:"
// (trailing blanks allowed), preceded only by blank lines, ending at a line "*/".
struct ConfigHeader {
  TextPosition start;  // of "/* silt:"
  // The lines between the markers, preceded by as many empty lines as come before them in the file,
  // so YAML line numbers are the file's line numbers.
  std::string yaml;
};

// The header of `sql`, nullopt when the file has none. A malformed header (no closing line, keys on
// the opening line, a nested comment marker) is reported in `diagnostics` and yields nullopt.
std::optional<ConfigHeader> find_config_header(const std::string& sql, const std::string& file,
                                               std::vector<Diagnostic>* diagnostics);

// Where parts of a QualityConfig were written, for the checks that need the whole project.
struct QualityPositions {
  std::vector<TextPosition> column_types;   // parallel to contract->columns: each `type` value ({} when none)
  std::vector<TextPosition> check_targets;  // parallel to checks: each relationships `to` value ({} for others)
};

// A parsed configuration and where its values were written (for later diagnostics).
struct ParsedModelConfig {
  ModelConfig config;
  std::map<std::string, TextPosition> keys;    // by key name, e.g. "schema"
  std::map<std::string, TextPosition> values;  // position of each key's value
  // The quality keys (contract, checks, on_failure, max_quarantine_pct) make up config.quality.
  std::optional<TextPosition> first_quality_key;  // position of the first one written, if any
  QualityPositions quality;
  std::map<std::string, TextPosition> version_files;  // by version name: where its file was written
};

// Reads configuration YAML: known keys, their values, and their consistency with the
// materialization. `file` names the file in diagnostics (the model file for a header, else the
// YAML file). Every problem is appended to `diagnostics`; the returned config holds what was valid.
ParsedModelConfig parse_model_config(const std::string& yaml, const std::string& file,
                                     std::vector<Diagnostic>* diagnostics);

// One model's entry of a contracts file.
struct ContractsEntry {
  std::string model;  // as written
  TextPosition at;    // of the model name
  QualityConfig quality;
  QualityPositions positions;
};

// Reads a contracts file: a mapping from model name to a mapping of the quality keys (contract,
// checks, on_failure, max_quarantine_pct). Model names are not resolved here. `file` names the file
// in diagnostics and in CheckSpec::file; every problem is appended to `diagnostics`.
std::vector<ContractsEntry> parse_contracts_file(const std::string& yaml, const std::string& file,
                                                 std::vector<Diagnostic>* diagnostics);

}  // namespace silt::pipeline
