// What the project loader's files share: a model being loaded with where its parts were written,
// the dependency order, and the checks of contract types by DuckDB.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/duckdb/database.h"
#include "pipeline/model/model.h"
#include "pipeline/model/model_config.h"

namespace silt::pipeline {

// A .sql file found under a model path.
struct ModelFile {
  std::filesystem::path path;          // absolute
  std::string file;       // relative to the project directory
  std::string directory;  // name of the directory holding it, "" when directly in the model path
};

// A model plus what only loading needs: where its configuration was written and where it first
// reads each model it depends on (for diagnostics about names and cycles).
struct LoadedModel {
  Model model;
  std::string config_file;
  std::map<std::string, TextPosition> config_values;
  std::map<std::string, TextPosition> first_reference;  // by model name
  bool parse_sql = true;  // false when the header is malformed (the SQL error would only repeat it)
  // Where model.config.quality was configured (the model's configuration or a contracts file);
  // quality_file is "" when nowhere.
  std::string quality_file;
  TextPosition quality_at;
  QualityPositions quality_positions;
};

// Dependencies first, ties by name; models on or behind a cycle come last, and each cycle is
// reported once in `diagnostics` (model_order.cpp).
std::vector<Model> order_models(const std::vector<LoadedModel>& loaded, std::vector<Diagnostic>& diagnostics);

// A DuckDB message on one line.
std::string one_line(const std::string& message);
// DuckDB's message when `type` is not a type, nullopt when it is (contract_types.cpp).
std::optional<std::string> contract_type_problem(engine::duckdb::Connection& connection, const std::string& type);
// DuckDB's type names, canonical ones ("BIGINT") first, then aliases ("INT8"); empty when they
// cannot be read (suggestions are a courtesy).
std::vector<std::string> duckdb_type_names(engine::duckdb::Connection& connection);

}  // namespace silt::pipeline
