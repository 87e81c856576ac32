// Parses silt.yaml with yaml-cpp and validates it into a ProjectConfig, collecting every problem as a
// Diagnostic. The only file that includes yaml-cpp; no yaml-cpp exception leaves it.
#include "pipeline/project/project_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "base/memory_size.h"
#include "base/redaction.h"
#include "base/strings.h"
#include "pipeline/project/project_yaml_internal.h"

namespace silt::pipeline {

namespace {

constexpr const char* kProjectFile = "silt.yaml";

const std::vector<std::string> kTopKeys = {"name", "storage", "s3", "default_env", "engine", "vars",
                                           "environments", "sources", "models", "consolidations",
                                           "schedules", "tables"};
const std::vector<std::string> kEngineKeys = {"threads", "memory_limit", "temp_directory"};
const std::vector<std::string> kSourceKeys = {"name", "format", "path", "options"};
const std::vector<std::string> kEnvironmentKeys = {"storage", "vars", "engine", "s3"};
const std::vector<std::string> kFormats = {"csv", "json", "parquet"};

class Loader : public ProjectYamlReader {
 public:
  explicit Loader(std::string project_dir) : ProjectYamlReader(kProjectFile), project_dir_(std::move(project_dir)) {}

  // Fills config from the parsed document; every problem becomes a diagnostic.
  void load(const YAML::Node& root, const std::string& requested_environment, ProjectConfig& config) {
    config.project_dir = project_dir_;
    if (!root.IsMap()) {
      if (root.IsNull() || !root.IsDefined()) {
        add(1, 1, "the project file is empty (it needs at least 'name' and 'storage')");
      } else {
        error(root, fmt::format("expected a mapping of project settings, got {}", node_kind(root)));
      }
      return;
    }
    check_keys(root, kTopKeys, "");

    if (auto name = required_string(root, "name", "", "name")) config.name = *name;
    if (auto storage = required_string(root, "storage", "", "storage_root")) config.storage_root = resolve(*storage);

    if (const YAML::Node s3 = root["s3"]) {
      bool credentials_given = false;
      read_s3_block(*this, s3, "s3", "", config.s3, &credentials_given);
      if (config.s3.commit_lock) config.s3.commit_lock = resolve(*config.s3.commit_lock);
    }
    if (const YAML::Node engine = root["engine"]) {
      EnvironmentConfig overrides;
      read_engine(engine, "engine", "engine.", overrides);
      if (overrides.threads) config.engine.threads = *overrides.threads;
      if (overrides.memory_limit) config.engine.memory_limit = *overrides.memory_limit;
      if (overrides.temp_directory) config.engine.temp_directory = *overrides.temp_directory;
    }
    if (const YAML::Node vars = root["vars"]) read_vars(vars, "vars", "vars.", config.vars);
    if (const YAML::Node sources = root["sources"]) read_sources(sources, config.sources);
    if (const YAML::Node models = root["models"]) {
      read_models(models, config.model_paths);
    } else {
      config.model_paths.push_back(resolve("models"));
    }
    if (const YAML::Node environments = root["environments"]) read_environments(environments, config.environments);
    if (const YAML::Node consolidations = root["consolidations"]) {
      read_consolidations(*this, consolidations, [this](const std::string& path) { return resolve(path); },
                          config.consolidations);
    }
    if (const YAML::Node schedules = root["schedules"]) read_schedules(*this, schedules, config.schedules);
    if (const YAML::Node tables = root["tables"]) read_tables(*this, tables, config.tables);

    select_environment(root, requested_environment, config);
  }

 private:
  void read_engine(const YAML::Node& engine, const std::string& what, const std::string& field_prefix,
                   EnvironmentConfig& out) {
    if (engine.IsNull()) return;
    if (!expect_map(engine, what)) return;
    check_keys(engine, kEngineKeys, " in " + what);
    if (const YAML::Node threads = engine["threads"]) {
      if (auto text = string_value(threads, "threads", field_prefix + "threads")) {
        auto number = parse_int64(trim(*text));
        if (!number || *number < 1 || *number > 4096) {
          error(threads, fmt::format("'threads' must be a whole number from 1 to 4096, got '{}'", *text));
        } else {
          out.threads = static_cast<int>(*number);
        }
      }
    }
    if (const YAML::Node limit = engine["memory_limit"]) {
      if (auto text = string_value(limit, "memory_limit", field_prefix + "memory_limit")) {
        if (auto size = parse_memory_size(*text); !size) {
          error(limit, fmt::format("invalid memory_limit: {}", size.error().message()));
        } else {
          out.memory_limit = *text;
        }
      }
    }
    if (const YAML::Node temp = engine["temp_directory"]) {
      if (auto text = string_value(temp, "temp_directory", field_prefix + "temp_directory")) {
        out.temp_directory = resolve(*text);
      }
    }
  }

  void read_vars(const YAML::Node& vars, const std::string& what, const std::string& field_prefix,
                 std::map<std::string, std::string>& out) {
    if (vars.IsNull()) return;
    if (!expect_map(vars, what)) return;
    check_keys_unique(vars, " in " + what);
    for (const auto& entry : vars) {
      if (!entry.first.IsScalar()) continue;
      const std::string& key = entry.first.Scalar();
      if (!is_identifier(key)) {
        error(entry.first, fmt::format("invalid variable name '{}' (use letters, digits and underscores)", key));
        continue;
      }
      if (auto value = string_value(entry.second, key, field_prefix + key)) out.emplace(key, *value);
    }
  }

  void read_sources(const YAML::Node& sources, std::vector<SourceConfig>& out) {
    if (sources.IsNull()) return;
    if (!sources.IsSequence()) {
      error(sources, fmt::format("'sources' must be a list, got {}", node_kind(sources)));
      return;
    }
    std::map<std::string, int> first_line;
    int index = 0;
    for (const auto& node : sources) {
      ++index;
      if (!node.IsMap()) {
        error(node, fmt::format("source #{} must be a mapping with name, format and path, got {}", index,
                                node_kind(node)));
        continue;
      }
      SourceConfig source;
      bool ok = true;
      const YAML::Node name_node = node["name"];
      std::string label = fmt::format("source #{}", index);
      if (!name_node) {
        error(node, fmt::format("missing required key 'name' in {}", label));
        ok = false;
      } else if (auto name = string_value(name_node, "name", "")) {
        if (!is_identifier(*name)) {
          error(name_node, fmt::format("invalid source name '{}' (use letters, digits and underscores)", *name));
          ok = false;
        } else {
          source.name = *name;
          label = fmt::format("source '{}'", *name);
          auto [it, inserted] = first_line.emplace(*name, name_node.Mark().line + 1);
          if (!inserted) {
            error(name_node, fmt::format("duplicate source '{}' (first defined at line {})", *name, it->second));
            ok = false;
          }
        }
      } else {
        ok = false;
      }
      check_keys(node, kSourceKeys, " in " + label);
      const std::string field_prefix = "sources." + source.name + ".";

      if (const YAML::Node format = node["format"]) {
        if (auto text = string_value(format, "format", field_prefix + "format")) {
          const std::string lower = to_lower(*text);
          if (lower == "csv") source.format = SourceFormat::kCsv;
          else if (lower == "json") source.format = SourceFormat::kJson;
          else if (lower == "parquet") source.format = SourceFormat::kParquet;
          else {
            error(format, fmt::format("unknown format '{}' in {} (expected one of: {})", *text, label,
                                      quoted_list(kFormats)));
            ok = false;
          }
        } else {
          ok = false;
        }
      } else {
        error(node, fmt::format("missing required key 'format' in {} (expected one of: {})", label,
                                quoted_list(kFormats)));
        ok = false;
      }
      if (auto path = required_string(node, "path", " in " + label, field_prefix + "path")) {
        source.path = resolve(*path);
      } else {
        ok = false;
      }
      if (const YAML::Node options = node["options"]) {
        if (!options.IsNull() && expect_map(options, "options")) {
          check_keys_unique(options, " in options of " + label);
          for (const auto& entry : options) {
            if (!entry.first.IsScalar()) continue;
            const std::string& key = entry.first.Scalar();
            if (auto value = string_value(entry.second, key, field_prefix + "options." + key)) {
              source.options.emplace(key, *value);
            }
          }
        }
      }
      if (ok) out.push_back(std::move(source));
    }
  }

  void read_models(const YAML::Node& models, std::vector<std::string>& out) {
    if (models.IsScalar()) {
      if (auto path = string_value(models, "models", "model_paths.0")) out.push_back(resolve(*path));
      return;
    }
    if (!models.IsSequence()) {
      error(models, fmt::format("'models' must be a directory or a list of directories, got {}", node_kind(models)));
      return;
    }
    for (const auto& node : models) {
      const std::string field = fmt::format("model_paths.{}", out.size());
      if (auto path = string_value(node, "models", field)) out.push_back(resolve(*path));
    }
  }

  void read_environments(const YAML::Node& environments, std::map<std::string, EnvironmentConfig>& out) {
    if (environments.IsNull()) return;
    if (!expect_map(environments, "environments")) return;
    check_keys_unique(environments, " in environments");
    for (const auto& entry : environments) {
      if (!entry.first.IsScalar()) continue;
      const std::string& name = entry.first.Scalar();
      if (out.count(name)) continue;  // duplicate, reported above
      const YAML::Node& body = entry.second;
      EnvironmentConfig environment;
      const std::string prefix = "environments." + name + ".";
      const std::string what = "environment '" + name + "'";
      if (!body.IsNull() && expect_map(body, "environments." + name)) {
        check_keys(body, kEnvironmentKeys, " in " + what);
        if (const YAML::Node storage = body["storage"]) {
          if (auto text = string_value(storage, "storage", prefix + "storage_root")) {
            environment.storage_root = resolve(*text);
          }
        }
        if (const YAML::Node vars = body["vars"]) read_vars(vars, "environments." + name + ".vars", prefix + "vars.", environment.vars);
        if (const YAML::Node engine = body["engine"]) read_engine(engine, "environments." + name + ".engine", prefix + "engine.", environment);
        if (const YAML::Node s3 = body["s3"]) {
          read_s3_block(*this, s3, "environments." + name + ".s3", prefix, environment.s3, &environment.s3_credentials_given);
          if (environment.s3.commit_lock) environment.s3.commit_lock = resolve(*environment.s3.commit_lock);
        }
      }
      out.emplace(name, std::move(environment));
    }
  }

  std::string available(const std::map<std::string, EnvironmentConfig>& environments) {
    if (environments.empty()) return "the project defines no environments";
    std::vector<std::string> names;
    for (const auto& [name, environment] : environments) names.push_back(name);
    return "available: " + join(names, ", ");
  }

  void select_environment(const YAML::Node& root, const std::string& requested, ProjectConfig& config) {
    std::string chosen = requested;
    std::string origin;
    if (chosen.empty()) {
      const char* from_env = std::getenv("SILT_ENV");
      if (from_env != nullptr && *from_env != '\0') {
        chosen = from_env;
        origin = " from SILT_ENV";
      }
    }
    const YAML::Node default_env = root["default_env"];
    if (default_env) {
      auto text = string_value(default_env, "default_env", "default_env");
      if (text && !config.environments.count(*text)) {
        error(default_env, fmt::format("unknown default_env '{}' ({})", *text, available(config.environments)));
        text.reset();
      }
      if (chosen.empty() && text) chosen = *text;
    }
    if (chosen.empty()) return;
    auto it = config.environments.find(chosen);
    if (it == config.environments.end()) {
      add(0, 0, fmt::format("unknown environment '{}'{} ({})", chosen, origin, available(config.environments)));
      return;
    }
    config.environment = chosen;
    const EnvironmentConfig& overrides = it->second;
    const std::string prefix = "environments." + chosen + ".";
    auto inherit_secret = [&](const std::string& from, const std::string& to) {
      if (secrets_.count(prefix + from)) secrets_.insert(to);
      else secrets_.erase(to);
    };
    if (overrides.storage_root) {
      config.storage_root = *overrides.storage_root;
      inherit_secret("storage_root", "storage_root");
    }
    if (overrides.threads) config.engine.threads = *overrides.threads;
    if (overrides.memory_limit) {
      config.engine.memory_limit = *overrides.memory_limit;
      inherit_secret("engine.memory_limit", "engine.memory_limit");
    }
    if (overrides.temp_directory) {
      config.engine.temp_directory = *overrides.temp_directory;
      inherit_secret("engine.temp_directory", "engine.temp_directory");
    }
    for (const auto& [key, value] : overrides.vars) {
      config.vars[key] = value;
      inherit_secret("vars." + key, "vars." + key);
    }
    // The environment's s3: block, field by field over the project's.
    const storage::s3::S3Settings& s3 = overrides.s3;
    if (s3.region) config.s3.region = s3.region;
    if (s3.endpoint) {
      config.s3.endpoint = s3.endpoint;
      inherit_secret("s3.endpoint", "s3.endpoint");
    }
    if (s3.path_style) config.s3.path_style = s3.path_style;
    if (s3.commit_lock) config.s3.commit_lock = s3.commit_lock;
    if (overrides.s3_credentials_given) config.s3.credentials = s3.credentials;
  }

 private:
  // Relative paths are relative to the project directory; URIs (scheme://) are kept as written.
  std::string resolve(const std::string& path) const {
    if (path.find("://") != std::string::npos) return path;
    std::filesystem::path p(path);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (std::filesystem::path(project_dir_) / p).lexically_normal().string();
  }

  std::string project_dir_;
};

}  // namespace

Result<ProjectConfig> load_project(const std::string& project_dir, const std::string& environment,
                                   std::vector<Diagnostic>* diagnostics) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(project_dir, ec);
  if (ec) dir = project_dir;
  dir = dir.lexically_normal();
  std::string dir_text = dir.string();
  if (dir_text.size() > 1 && dir_text.back() == '/') dir_text.pop_back();
  const std::string file_path = (dir / kProjectFile).string();

  Loader loader(dir_text);
  ProjectConfig config;
  std::ifstream in(file_path, std::ios::binary);
  if (!in) {
    loader.add(0, 0, fmt::format("cannot read {} (a project directory needs a {})", file_path, kProjectFile));
  } else {
    std::stringstream buffer;
    buffer << in.rdbuf();
    try {
      const YAML::Node root = YAML::Load(buffer.str());
      loader.load(root, environment, config);
    } catch (const YAML::ParserException& e) {
      loader.add(e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
    } catch (const YAML::Exception& e) {
      if (e.mark.line >= 0) {
        loader.add(e.mark.line + 1, e.mark.column + 1, "invalid YAML: " + e.msg);
      } else {
        loader.add(0, 0, "invalid YAML: " + e.msg);
      }
    } catch (const std::exception& e) {
      loader.add(0, 0, std::string("cannot load the project file: ") + e.what());
    }
  }
  config.secret_fields = loader.take_secrets();
  // Variables and reader options that came from the environment are secrets wherever they show up
  // later (a conversion error quoting a value, say). Paths and the storage root stay readable.
  for (const auto& [key, value] : config.vars) {
    if (config.secret_fields.count("vars." + key)) add_secret(value);
  }
  for (const auto& source : config.sources) {
    for (const auto& [key, value] : source.options) {
      if (config.secret_fields.count("sources." + source.name + ".options." + key)) add_secret(value);
    }
  }

  auto& found = loader.diagnostics();
  std::stable_sort(found.begin(), found.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  if (found.empty()) return config;
  const std::string summary = fmt::format("{}: {} problem{} (first: {})", file_path, found.size(),
                                          found.size() == 1 ? "" : "s", format_diagnostic(found.front()));
  if (diagnostics != nullptr) diagnostics->insert(diagnostics->end(), found.begin(), found.end());
  return make_error(ErrorCode::kConfig, summary);
}

}  // namespace silt::pipeline
