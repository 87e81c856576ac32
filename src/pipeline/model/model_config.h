// A model's configuration: finding the `/* silt:` header of a model file, and reading configuration
// YAML (from that header or from a <model>.yml beside the file) into a ModelConfig with diagnostics.
// yaml-cpp stays in model_config.cpp; nothing here touches the file system.
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

// A parsed configuration and where its values were written (for later diagnostics).
struct ParsedModelConfig {
  ModelConfig config;
  std::map<std::string, TextPosition> keys;    // by key name, e.g. "schema"
  std::map<std::string, TextPosition> values;  // position of each key's value
};

// Reads configuration YAML: known keys, their values, and their consistency with the
// materialization. `file` names the file in diagnostics (the model file for a header, else the
// YAML file). Every problem is appended to `diagnostics`; the returned config holds what was valid.
ParsedModelConfig parse_model_config(const std::string& yaml, const std::string& file,
                                     std::vector<Diagnostic>* diagnostics);

}  // namespace silt::pipeline
