// Loads a whole project: silt.yaml, every model file under the model paths with its configuration,
// contracts files, the tables each model reads (found by DuckDB's parser), and the dependency order.
// Reports every problem as a diagnostic; never runs a model and never writes anything.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "base/strings.h"
#include "engine/duckdb/database.h"
#include "engine/sql_references.h"
#include "pipeline/model/model.h"
#include "pipeline/model/model_config.h"
#include "pipeline/model/model_loader_internal.h"
#include "pipeline/project/project_loader.h"
#include "pipeline/quality/quality.h"

namespace silt::pipeline {

const char* materialization_name(Materialization materialization) {
  switch (materialization) {
    case Materialization::kTable: return "table";
    case Materialization::kAppend: return "append";
    case Materialization::kMerge: return "merge";
    case Materialization::kIncremental: return "incremental";
    case Materialization::kSnapshot: return "snapshot";
  }
  return "unknown";
}

namespace {

namespace fs = std::filesystem;

constexpr const char* kProjectFile = "silt.yaml";
constexpr const char* kSourceSchema = "source";
constexpr const char* kCatalogSchema = "catalog";  // tables of the catalog, resolved when the model runs
constexpr const char* kDefaultSchema = "main";
constexpr const char* kContractsDirectory = "contracts";

bool same_name(const std::string& a, const std::string& b) { return to_lower(a) == to_lower(b); }

// 1-based line and column of a byte offset; columns count UTF-8 characters, as editors do.
TextPosition position_at(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  TextPosition position{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++position.column;
    }
  }
  return position;
}

// Where to show a syntax error: DuckDB reports "at end of input" at the very end of the text, which
// is usually past the trailing newline, on a line of its own; just after the last character written
// is where the input really ends.
TextPosition syntax_error_position(const std::string& sql, size_t offset) {
  if (offset >= sql.size()) {
    offset = sql.size();
    while (offset > 0 && std::isspace(static_cast<unsigned char>(sql[offset - 1]))) --offset;
  }
  return position_at(sql, offset);
}

// Offset of the first character that is not blank or inside a comment (SQL block comments nest).
size_t first_statement_offset(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return sql.size();
    } else if (sql.compare(i, 2, "/*") == 0) {
      int depth = 0;
      do {
        if (sql.compare(i, 2, "/*") == 0) {
          ++depth;
          i += 2;
        } else if (sql.compare(i, 2, "*/") == 0) {
          --depth;
          i += 2;
        } else {
          ++i;
        }
      } while (depth > 0 && i < sql.size());
    } else {
      return i;
    }
  }
  return sql.size();
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class ModelSetLoader {
 public:
  ModelSetLoader(const ProjectConfig& config, std::vector<Diagnostic>& diagnostics)
      : config_(config), diagnostics_(diagnostics) {}

  Result<std::vector<Model>> load() {
    const std::vector<ModelFile> files = discover();
    std::set<fs::path> sql_files, claimed;
    for (const ModelFile& file : files) {
      if (file.path.extension() == ".sql") sql_files.insert(file.path);
    }
    // A configuration file without a SQL file of its name may define a versioned model, whose
    // version files are then not models of their own.
    for (const ModelFile& file : files) {
      if (file.path.extension() == ".sql") continue;
      fs::path sql = file.path;
      sql.replace_extension(".sql");
      if (!sql_files.count(sql)) read_versioned_model(file, claimed);
    }
    // A model file whose header has `versions` claims its version files too.
    for (const ModelFile& file : files) {
      if (file.path.extension() != ".sql") continue;
      auto text = read_text(file.path);
      if (!text) continue;
      std::vector<Diagnostic> scratch;
      auto header = find_config_header(*text, file.file, &scratch);
      if (!header) continue;
      ParsedModelConfig parsed = parse_model_config(header->yaml, file.file, &scratch);
      for (const auto& [name, written] : parsed.config.versions) {
        claimed.insert((file.path.parent_path() / written).lexically_normal());
      }
    }
    for (const ModelFile& file : files) {
      if (file.path.extension() == ".sql" && !claimed.count(file.path)) read_model(file);
    }
    resolve_tables();
    read_contracts();
    resolve_relationships();
    if (!loaded_.empty()) SILT_TRY(check_with_duckdb());
    add_check_dependencies();
    return order_models(loaded_, diagnostics_);
  }

 private:
  void add(const std::string& file, TextPosition at, std::string message) {
    diagnostics_.push_back(Diagnostic{file, at.line, at.column, std::move(message)});
  }

  std::string relative(const fs::path& path) const {
    fs::path rel = path.lexically_relative(config_.project_dir);
    return rel.empty() ? path.string() : rel.generic_string();
  }

  // Every *.sql, *.yml and *.yaml file under the model paths, sorted; hidden directories are skipped.
  std::vector<ModelFile> discover() {
    std::vector<ModelFile> files;
    std::set<fs::path> seen;
    const fs::path default_path = fs::path(config_.project_dir) / "models";
    for (const std::string& model_path : config_.model_paths) {
      if (model_path.find("://") != std::string::npos) {
        add(kProjectFile, {}, fmt::format("model directory '{}' must be a local directory", model_path));
        continue;
      }
      std::error_code ec;
      const fs::path root = fs::path(model_path).lexically_normal();
      if (!fs::exists(root, ec)) {
        // The default directory may be absent (a project without models yet); a configured one may not.
        if (config_.model_paths.size() == 1 && root == default_path.lexically_normal()) continue;
        add(kProjectFile, {}, fmt::format("model directory '{}' does not exist", relative(root)));
        continue;
      }
      if (!fs::is_directory(root, ec)) {
        add(kProjectFile, {}, fmt::format("model path '{}' is not a directory", relative(root)));
        continue;
      }
      std::vector<ModelFile> found;
      fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        const fs::path& path = it->path();
        if (path.filename().string().rfind('.', 0) == 0) {
          if (it->is_directory(ec)) it.disable_recursion_pending();
          continue;
        }
        const fs::path extension = path.extension();
        if (extension != ".sql" && extension != ".yml" && extension != ".yaml") continue;
        if (!it->is_regular_file(ec)) continue;
        if (!seen.insert(path.lexically_normal()).second) continue;  // overlapping model paths
        ModelFile file;
        file.path = path.lexically_normal();
        file.file = relative(file.path);
        if (file.path.parent_path() != root) file.directory = file.path.parent_path().filename().string();
        found.push_back(std::move(file));
      }
      if (ec) add(kProjectFile, {}, fmt::format("cannot list model directory '{}': {}", relative(root), ec.message()));
      files.insert(files.end(), found.begin(), found.end());
    }
    std::sort(files.begin(), files.end(), [](const ModelFile& a, const ModelFile& b) { return a.file < b.file; });
    return files;
  }

  // Takes the parsed configuration (and where its quality keys were written), resolves the model's
  // schema and table, and adds it to the project.
  void add_model(LoadedModel loaded, ParsedModelConfig parsed, const ModelFile& file) {
    loaded.model.config = std::move(parsed.config);
    loaded.config_values = std::move(parsed.values);
    if (parsed.first_quality_key) {
      loaded.quality_file = loaded.config_file;
      loaded.quality_at = *parsed.first_quality_key;
      loaded.quality_positions = std::move(parsed.quality);
    }
    resolve_name(loaded, file);
    loaded_.push_back(std::move(loaded));
  }

  // A model's name is its file's stem: a valid identifier, unique in the project.
  bool check_name(const ModelFile& file, const std::string& name) {
    if (!is_identifier(name)) {
      add(file.file, {1, 1},
          fmt::format("invalid model name '{}' (a model is named after its file: use letters, digits and "
                      "underscores, not starting with a digit)",
                      name));
      return false;
    }
    for (const LoadedModel& other : loaded_) {
      if (same_name(other.model.name, name)) {
        add(file.file, {1, 1}, fmt::format("duplicate model name '{}' (also {})", name, other.model.file));
        return false;
      }
    }
    return true;
  }

  // The SQL of each version a configuration names, read from files relative to the model's file
  // (which are then claimed: not models of their own).
  void load_versions(LoadedModel& loaded, const ModelFile& file, const ParsedModelConfig& parsed,
                     std::set<fs::path>& claimed) {
    Model& model = loaded.model;
    const std::string& config_file = loaded.config_file;
    for (const auto& [version_name, written] : parsed.config.versions) {
      const TextPosition at = parsed.version_files.at(version_name);
      const fs::path path = (file.path.parent_path() / written).lexically_normal();
      claimed.insert(path);
      ModelVersion version;
      version.name = version_name;
      version.file = relative(path);
      version.path = path.string();
      std::error_code ec;
      auto sql = fs::is_regular_file(path, ec) ? read_text(path) : std::nullopt;
      if (!sql) {
        add(config_file, at, fmt::format("the file of version '{}' does not exist: {} (paths are relative to {})",
                                       version_name, version.file, relative(file.path.parent_path())));
        loaded.parse_sql = false;
        continue;
      }
      version.sql = std::move(*sql);
      const size_t problems_before = diagnostics_.size();
      if (auto header = find_config_header(version.sql, version.file, &diagnostics_)) {
        add(version.file, header->start,
            fmt::format("a version file holds only the version's SQL: configure model '{}' in {}", model.name, config_file));
      }
      if (diagnostics_.size() != problems_before) loaded.parse_sql = false;
      model.versions.push_back(std::move(version));
    }
    if (model.versions.empty()) loaded.parse_sql = false;  // no valid version: its problems are reported
  }

  // A configuration file with `versions`: the model it defines, each version's SQL read from the
  // file it names (relative to the configuration file). Any other configuration file without a SQL
  // file beside it is not a model and is left alone.
  void read_versioned_model(const ModelFile& file, std::set<fs::path>& claimed) {
    auto text = read_text(file.path);
    if (!text) return;
    std::vector<Diagnostic> problems;
    ParsedModelConfig parsed = parse_model_config(*text, file.file, &problems);
    if (!parsed.keys.count("versions")) return;
    diagnostics_.insert(diagnostics_.end(), problems.begin(), problems.end());
    const std::string name = file.path.stem().string();
    LoadedModel loaded;
    Model& model = loaded.model;
    model.name = name;
    model.file = file.file;
    model.path = file.path.string();
    loaded.config_file = file.file;
    load_versions(loaded, file, parsed, claimed);
    if (!check_name(file, name)) return;
    add_model(std::move(loaded), std::move(parsed), file);
  }

  void read_model(const ModelFile& file) {
    const std::string name = file.path.stem().string();
    if (!check_name(file, name)) return;
    auto text = read_text(file.path);
    if (!text) {
      add(file.file, {}, fmt::format("cannot read the model file {}", file.path.string()));
      return;
    }

    LoadedModel loaded;
    Model& model = loaded.model;
    model.name = name;
    model.file = file.file;
    model.path = file.path.string();
    model.sql = std::move(*text);

    const size_t problems_before = diagnostics_.size();
    const auto header = find_config_header(model.sql, model.file, &diagnostics_);
    loaded.parse_sql = diagnostics_.size() == problems_before;
    std::vector<fs::path> config_files;
    for (const char* extension : {".yml", ".yaml"}) {
      fs::path candidate = file.path;
      candidate.replace_extension(extension);
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) config_files.push_back(candidate);
    }
    if (config_files.size() > 1) {
      add(relative(config_files[1]), {1, 1},
          fmt::format("configuration given twice for model '{}': {} and {} (keep one)", name,
                      relative(config_files[0]), relative(config_files[1])));
    }
    if (header && !config_files.empty()) {
      add(model.file, header->start,
          fmt::format("configuration given twice for model '{}': in this header and in {} (keep one)", name,
                      relative(config_files[0])));
    }

    ParsedModelConfig parsed;
    if (header) {
      loaded.config_file = model.file;
      parsed = parse_model_config(header->yaml, model.file, &diagnostics_);
    } else if (!config_files.empty()) {
      loaded.config_file = relative(config_files[0]);
      if (auto yaml = read_text(config_files[0])) {
        parsed = parse_model_config(*yaml, loaded.config_file, &diagnostics_);
      } else {
        add(loaded.config_file, {}, fmt::format("cannot read {}", config_files[0].string()));
      }
    } else {
      loaded.config_file = model.file;
    }
    if (parsed.keys.count("versions")) {
      // A versioned model's SQL is in its version files: this file holds only its configuration.
      const size_t statement = first_statement_offset(model.sql);
      if (statement < model.sql.size()) {
        add(model.file, position_at(model.sql, statement),
            "a versioned model's SQL is in its version files: this file may hold only its configuration header");
      }
      model.sql.clear();
      std::set<fs::path> claimed;
      load_versions(loaded, file, parsed, claimed);
    }
    add_model(std::move(loaded), std::move(parsed), file);
  }

  // Where a configured value was written, else the start of the model file.
  std::pair<std::string, TextPosition> config_position(const LoadedModel& loaded, const std::string& key) const {
    auto it = loaded.config_values.find(key);
    if (it != loaded.config_values.end()) return {loaded.config_file, it->second};
    return {loaded.model.file, {1, 1}};
  }

  // Schema: configured, else the directory name ("main" directly in a model path). Table: alias,
  // else the model name without a leading "<schema>_".
  void resolve_name(LoadedModel& loaded, const ModelFile& file) {
    Model& model = loaded.model;
    model.schema = !model.config.schema.empty() ? model.config.schema
                   : file.directory.empty()     ? std::string(kDefaultSchema)
                                                : file.directory;
    const auto [schema_file, schema_at] = config_position(loaded, "schema");
    if (!is_identifier(model.schema)) {
      add(schema_file, schema_at,
          fmt::format("the directory name '{}' is not a valid schema name (rename the directory or set 'schema': "
                      "letters, digits and underscores, not starting with a digit)",
                      model.schema));
    } else if (same_name(model.schema, kSourceSchema)) {
      add(schema_file, schema_at,
          fmt::format("schema '{}' is reserved for the sources of silt.yaml (rename the directory or set 'schema')",
                      model.schema));
    } else if (model.schema.front() == '_') {
      // <storage>/_silt (run records, ingestion, pending commits) and <storage>/_quality are silt's.
      add(schema_file, schema_at,
          fmt::format("schema '{}' starts with '_', which silt reserves for its own directories in the storage "
                      "(_silt, _quality): rename the directory or set 'schema'",
                      model.schema));
    }
    if (!model.config.alias.empty()) {
      model.table = model.config.alias;
    } else {
      model.table = model.name;
      const std::string prefix = to_lower(model.schema) + "_";
      if (to_lower(model.name).rfind(prefix, 0) == 0 && is_identifier(model.name.substr(prefix.size()))) {
        model.table = model.name.substr(prefix.size());
      }
    }
    if (ends_with(to_lower(model.table), "__quarantine")) {
      const auto [table_file, table_at] = config_position(loaded, "alias");
      add(table_file, table_at,
          fmt::format("table name '{}' ends with '__quarantine', which silt reserves for quarantined rows: "
                      "rename the model or set another 'alias'",
                      model.table));
    }
  }

  // Qualified names must be unique; builds the lookups references are resolved with.
  void resolve_tables() {
    for (size_t i = 0; i < loaded_.size(); ++i) {
      const Model& model = loaded_[i].model;
      by_name_.emplace(to_lower(model.name), i);
      auto [it, inserted] = by_qualified_.emplace(to_lower(model.qualified_name()), i);
      if (!inserted) {
        const Model& other = loaded_[it->second].model;
        const auto [file, at] = config_position(loaded_[i], model.config.alias.empty() ? "schema" : "alias");
        add(file, at,
            fmt::format("table '{}' is also the table of model '{}' ({}); set 'alias' or 'schema' to tell them apart",
                        model.qualified_name(), other.name, other.file));
      }
      by_table_[to_lower(model.table)].push_back(i);
      known_names_.push_back(model.qualified_name());
    }
    for (const LoadedModel& loaded : loaded_) known_names_.push_back(loaded.model.name);
    for (const SourceConfig& source : config_.sources) {
      sources_.emplace(to_lower(source.name), source.name);
      known_names_.push_back(std::string(kSourceSchema) + "." + source.name);
    }
  }

  // contracts/*.yml and *.yaml under the project directory, in path order: each entry becomes the
  // quality configuration of the model it names, which must have none from anywhere else.
  void read_contracts() {
    const fs::path directory = fs::path(config_.project_dir) / kContractsDirectory;
    std::error_code ec;
    if (!fs::is_directory(directory, ec)) return;
    std::vector<std::string> files;
    fs::directory_iterator it(directory, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const fs::path& path = it->path();
      if (path.filename().string().rfind('.', 0) == 0) continue;
      if (path.extension() != ".yml" && path.extension() != ".yaml") continue;
      if (it->is_regular_file(ec)) files.push_back(relative(path));
    }
    if (ec) add(kContractsDirectory, {}, fmt::format("cannot list the contracts directory: {}", ec.message()));
    std::sort(files.begin(), files.end());

    std::vector<std::string> model_names;
    for (const LoadedModel& loaded : loaded_) model_names.push_back(loaded.model.name);
    for (const std::string& file : files) {
      auto text = read_text(fs::path(config_.project_dir) / file);
      if (!text) {
        add(file, {}, fmt::format("cannot read the contracts file {}", file));
        continue;
      }
      for (ContractsEntry& entry : parse_contracts_file(*text, file, &diagnostics_)) {
        auto found = by_name_.find(to_lower(entry.model));
        if (found == by_name_.end()) {
          if (auto best = closest_name(entry.model, model_names)) {
            add(file, entry.at, fmt::format("unknown model '{}' (did you mean '{}'?)", entry.model, *best));
          } else {
            add(file, entry.at, fmt::format("unknown model '{}' (no model has this name)", entry.model));
          }
          continue;
        }
        LoadedModel& loaded = loaded_[found->second];
        if (!loaded.quality_file.empty()) {
          add(file, entry.at,
              fmt::format("contract and checks of model '{}' configured twice: {}:{} and {}:{} (keep one)",
                          loaded.model.name, loaded.quality_file, loaded.quality_at.line, file, entry.at.line));
          continue;
        }
        loaded.quality_file = file;
        loaded.quality_at = entry.at;
        loaded.model.config.quality = std::move(entry.quality);
        loaded.quality_positions = std::move(entry.positions);
      }
    }
  }

  // A relationships check reads its `to` table, so that model runs first (its table is current).
  void add_check_dependencies() {
    for (LoadedModel& loaded : loaded_) {
      Model& model = loaded.model;
      for (const CheckSpec& check : model.config.quality.checks) {
        if (check.kind != CheckKind::kRelationships) continue;
        const std::string target = to_lower(check.to);
        std::optional<size_t> index;
        if (auto it = by_name_.find(target); it != by_name_.end()) index = it->second;
        if (auto it = by_qualified_.find(target); it != by_qualified_.end()) index = it->second;
        if (!index || loaded_[*index].model.name == model.name) continue;
        const std::string& name = loaded_[*index].model.name;
        if (std::find(model.depends_on.begin(), model.depends_on.end(), name) == model.depends_on.end()) {
          model.depends_on.insert(std::upper_bound(model.depends_on.begin(), model.depends_on.end(), name), name);
        }
      }
    }
  }

  // The `to` of every relationships check names a model or a model's table.
  void resolve_relationships() {
    std::vector<std::string> candidates;
    for (const LoadedModel& loaded : loaded_) candidates.push_back(loaded.model.name);
    for (const LoadedModel& loaded : loaded_) candidates.push_back(loaded.model.qualified_name());
    for (const LoadedModel& loaded : loaded_) {
      const std::vector<CheckSpec>& checks = loaded.model.config.quality.checks;
      for (size_t i = 0; i < checks.size(); ++i) {
        const CheckSpec& check = checks[i];
        if (check.kind != CheckKind::kRelationships) continue;
        const std::string target = to_lower(check.to);
        if (by_name_.count(target) || by_qualified_.count(target)) continue;
        const TextPosition at = i < loaded.quality_positions.check_targets.size()
                                    ? loaded.quality_positions.check_targets[i]
                                    : TextPosition{check.line, 1};
        const std::string table = check.to.substr(check.to.rfind('.') + 1);
        if (auto best = suggestion(check.to, table, candidates)) {
          add(check.file, at,
              fmt::format("unknown model '{}' in relationships 'to' (did you mean '{}'?)", check.to, *best));
        } else {
          add(check.file, at,
              fmt::format("unknown model '{}' in relationships 'to' (give a model name or a table such as "
                          "silver.customers)",
                          check.to));
        }
      }
    }
  }

  // With one in-memory DuckDB: parses every model once and resolves what it reads, and checks the
  // types of the contracts.
  Status check_with_duckdb() {
    auto database = engine::duckdb::Database::open(engine::duckdb::DatabaseOptions{1, "", ""});
    if (!database) return database.error().with_context("opening DuckDB to parse models");
    auto connection = engine::duckdb::Connection::open(**database);
    if (!connection) return connection.error().with_context("opening DuckDB to parse models");
    for (size_t i = 0; i < loaded_.size(); ++i) {
      if (!loaded_[i].parse_sql) continue;
      Model& model = loaded_[i].model;
      if (!model.versioned()) {
        ModelVersion unit;
        unit.file = model.file;
        unit.sql = model.sql;
        auto references = engine::find_sql_references(**connection, unit.sql);
        if (!references) return references.error().with_context("parsing " + unit.file);
        resolve_references(i, *references, unit);
        model.references = std::move(unit.references);
        model.depends_on = std::move(unit.depends_on);
        model.sources = std::move(unit.sources);
        model.catalog_tables = std::move(unit.catalog_tables);
        continue;
      }
      // A versioned model waits for what any of its versions reads (a shadow run computes them all).
      std::set<std::string> depends_on, sources, catalog_tables;
      for (ModelVersion& version : model.versions) {
        auto references = engine::find_sql_references(**connection, version.sql);
        if (!references) return references.error().with_context("parsing " + version.file);
        resolve_references(i, *references, version);
        depends_on.insert(version.depends_on.begin(), version.depends_on.end());
        sources.insert(version.sources.begin(), version.sources.end());
        catalog_tables.insert(version.catalog_tables.begin(), version.catalog_tables.end());
        model.references.insert(model.references.end(), version.references.begin(), version.references.end());
      }
      model.depends_on.assign(depends_on.begin(), depends_on.end());
      model.sources.assign(sources.begin(), sources.end());
      model.catalog_tables.assign(catalog_tables.begin(), catalog_tables.end());
    }
    check_contract_types(**connection);
    for (const auto& loaded : loaded_) {
      for (const CheckSpec& check : loaded.model.config.quality.checks) {
        SILT_TRY_ASSIGN(auto problem, check_sql_problem(**connection, check));
        if (problem) add(check.file.empty() ? loaded.model.file : check.file, {check.line, 1}, *problem);
      }
    }
    return Status::ok_status();
  }

  // Every type a contract gives must be one DuckDB can cast to (each distinct type is asked once).
  void check_contract_types(engine::duckdb::Connection& connection) {
    std::map<std::string, std::optional<std::string>> problems;  // by type as written
    std::optional<std::vector<std::string>> type_names;          // for suggestions, read when needed
    for (const LoadedModel& loaded : loaded_) {
      const std::optional<Contract>& contract = loaded.model.config.quality.contract;
      if (!contract) continue;
      for (size_t i = 0; i < contract->columns.size(); ++i) {
        const ColumnContract& column = contract->columns[i];
        if (column.type.empty()) continue;
        auto [it, inserted] = problems.emplace(column.type, std::nullopt);
        if (inserted) {
          it->second = contract_type_problem(connection, column.type);
          // DuckDB suggests only from its catalog (where JSON is the one type); suggest from every type name.
          if (it->second && it->second->find("does not exist") != std::string::npos) {
            if (!type_names) type_names = duckdb_type_names(connection);
            if (auto best = closest_name(column.type, *type_names)) {
              *it->second += fmt::format(" (did you mean '{}'?)", *best);
            }
          }
        }
        if (!it->second) continue;
        const std::vector<TextPosition>& types = loaded.quality_positions.column_types;
        const TextPosition at = i < types.size() ? types[i] : TextPosition{};
        add(loaded.quality_file, at,
            fmt::format("invalid type '{}' for contract column '{}': {}", column.type, column.name, *it->second));
      }
    }
  }

  // Resolves what `unit` (the model's SQL, or one of its versions) reads into its references,
  // depends_on and sources.
  void resolve_references(size_t index, const engine::SqlReferences& parsed, ModelVersion& unit) {
    LoadedModel& loaded = loaded_[index];
    const Model& model = loaded.model;
    const TextPosition statement = position_at(unit.sql, first_statement_offset(unit.sql));
    switch (parsed.problem) {
      case engine::SqlProblem::kNone:
        break;
      case engine::SqlProblem::kSyntax:
        add(unit.file, parsed.has_error_offset ? syntax_error_position(unit.sql, parsed.error_offset) : statement,
            parsed.error);
        return;
      case engine::SqlProblem::kNotSelect:
        add(unit.file, statement, "a model must be a single SELECT statement");
        return;
      case engine::SqlProblem::kMultipleStatements:
        add(unit.file, statement,
            fmt::format("a model must be a single SELECT statement (found {} statements)", parsed.statement_count));
        return;
      case engine::SqlProblem::kEmpty:
        add(unit.file, {1, 1}, "a model must be a single SELECT statement (the file has none)");
        return;
    }

    std::set<std::string> depends_on;
    std::set<std::string> sources;
    std::set<std::string> catalog_tables;
    for (const engine::SqlTableReference& table : parsed.tables) {
      const TextPosition at = position_at(unit.sql, table.offset);
      unit.references.push_back(TableReference{table.schema, table.table, at.line, at.column});
      std::string written = table.schema.empty() ? table.table : table.schema + "." + table.table;
      if (!table.catalog.empty()) {
        add(unit.file, at, unknown_table(table.catalog + "." + written, table.table));
        continue;
      }
      if (same_name(table.schema, kCatalogSchema)) {
        catalog_tables.insert(to_lower(table.table));
        // A model of the project read through the catalog (registered under its name) runs first.
        if (auto it = by_name_.find(to_lower(table.table)); it != by_name_.end() && it->second != index) {
          depends_on.insert(loaded_[it->second].model.name);
        }
        continue;
      }
      if (same_name(table.schema, kSourceSchema)) {
        auto source = sources_.find(to_lower(table.table));
        if (source == sources_.end()) {
          add(unit.file, at, unknown_source(written));
        } else {
          sources.insert(source->second);
        }
        continue;
      }
      auto target = find_model(table.schema, table.table, unit.file, at);
      if (!target) continue;
      const Model& dependency = loaded_[*target].model;
      if (*target == index) {
        add(unit.file, at, fmt::format("a model cannot read its own table ('{}')", model.qualified_name()));
        continue;
      }
      // A disabled model's table is not kept current, so an enabled model must not read it.
      if (!dependency.config.enabled && model.config.enabled) {
        add(unit.file, at,
            fmt::format("'{}' is the table of model '{}', which is disabled (enabled: false)", written, dependency.name));
      }
      depends_on.insert(dependency.name);
      loaded.first_reference.emplace(dependency.name, at);  // the first version's first
    }
    unit.depends_on.assign(depends_on.begin(), depends_on.end());
    unit.sources.assign(sources.begin(), sources.end());
    unit.catalog_tables.assign(catalog_tables.begin(), catalog_tables.end());
  }

  // The model a (possibly unqualified) table name refers to; reports unknown and ambiguous names.
  std::optional<size_t> find_model(const std::string& schema, const std::string& table, const std::string& file,
                                   TextPosition at) {
    if (!schema.empty()) {
      auto it = by_qualified_.find(to_lower(schema + "." + table));
      if (it != by_qualified_.end()) return it->second;
      add(file, at, unknown_table(schema + "." + table, table));
      return std::nullopt;
    }
    if (auto it = by_name_.find(to_lower(table)); it != by_name_.end()) return it->second;
    if (auto it = by_table_.find(to_lower(table)); it != by_table_.end()) {
      if (it->second.size() == 1) return it->second.front();
      std::vector<std::string> choices;
      for (size_t i : it->second) choices.push_back(loaded_[i].model.qualified_name());
      std::sort(choices.begin(), choices.end());
      add(file, at, fmt::format("ambiguous table '{}' (qualify it: {})", table, join(choices, ", ")));
      return std::nullopt;
    }
    if (table.find_first_of("./") != std::string::npos) {
      add(file, at,
          fmt::format("'{}' reads a file directly (declare it as a source in silt.yaml and read source.<name>)", table));
      return std::nullopt;
    }
    add(file, at, unknown_table(table, table));
    return std::nullopt;
  }

  // A likely intended name: the closest known name, else the known name whose last part is closest
  // to the table part ("ordrs" -> "silver.orders").
  std::optional<std::string> suggestion(const std::string& written, const std::string& table,
                                        const std::vector<std::string>& candidates) const {
    if (auto best = closest_name(written, candidates)) return best;
    std::vector<std::string> last_parts;
    for (const auto& candidate : candidates) last_parts.push_back(candidate.substr(candidate.rfind('.') + 1));
    if (auto best = closest_name(table, last_parts)) {
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (last_parts[i] == *best) return candidates[i];
      }
    }
    return std::nullopt;
  }

  std::string unknown_table(const std::string& written, const std::string& table) const {
    if (auto best = suggestion(written, table, known_names_)) {
      return fmt::format("unknown table '{}' (did you mean '{}'?)", written, *best);
    }
    return fmt::format("unknown table '{}' (no model has this table; sources are read as source.<name>)", written);
  }

  std::string unknown_source(const std::string& written) const {
    std::vector<std::string> names;
    for (const SourceConfig& source : config_.sources) names.push_back(std::string(kSourceSchema) + "." + source.name);
    const std::string table = written.substr(written.find('.') + 1);
    if (auto best = suggestion(written, table, names)) {
      return fmt::format("unknown source '{}' (did you mean '{}'?)", written, *best);
    }
    if (names.empty()) return fmt::format("unknown source '{}' (silt.yaml defines no sources)", written);
    return fmt::format("unknown source '{}' (silt.yaml defines: {})", written, join(names, ", "));
  }

  const ProjectConfig& config_;
  std::vector<Diagnostic>& diagnostics_;
  std::vector<LoadedModel> loaded_;
  std::map<std::string, size_t> by_name_;                  // lower-case model name
  std::map<std::string, size_t> by_qualified_;             // lower-case schema.table
  std::map<std::string, std::vector<size_t>> by_table_;    // lower-case table name
  std::map<std::string, std::string> sources_;             // lower-case name -> name in silt.yaml
  std::vector<std::string> known_names_;                   // for suggestions
};

}  // namespace

Result<Project> load_full_project(const std::string& project_dir, const std::string& environment,
                                  std::vector<Diagnostic>* diagnostics) {
  return load_full_project(project_dir, environment, diagnostics, nullptr);
}

Result<Project> load_full_project(const std::string& project_dir, const std::string& environment,
                                  std::vector<Diagnostic>* diagnostics, Project* partial) {
  std::vector<Diagnostic> found;
  auto config = load_project(project_dir, environment, &found);
  if (diagnostics != nullptr) diagnostics->insert(diagnostics->end(), found.begin(), found.end());
  // Without a valid silt.yaml the model paths and sources are unknown, so models are not checked.
  if (!config) return config.error();

  Project project;
  project.config = std::move(*config);
  ModelSetLoader loader(project.config, found);
  auto models = loader.load();
  if (!models) return models.error();
  project.models = std::move(*models);
  if (partial != nullptr) *partial = project;

  std::stable_sort(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  if (found.empty()) return project;
  if (diagnostics != nullptr) diagnostics->insert(diagnostics->end(), found.begin(), found.end());
  return make_error(ErrorCode::kConfig, fmt::format("{}: {} problem{} (first: {})", project.config.project_dir,
                                                    found.size(), found.size() == 1 ? "" : "s",
                                                    format_diagnostic(found.front())));
}

}  // namespace silt::pipeline
