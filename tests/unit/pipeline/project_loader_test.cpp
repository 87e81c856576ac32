// pipeline/project: silt.yaml parsing and validation (case table of exact diagnostics), ${VAR}
// substitution, environment selection and redaction.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "pipeline/project/project_loader.h"
#include "support/temp_dir.h"

namespace silt::pipeline {
namespace {

// Sets or unsets an environment variable for the lifetime of the object, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const char* value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) setenv(name_.c_str(), value, 1);
    else unsetenv(name_.c_str());
  }
  ~ScopedEnv() {
    if (old_) setenv(name_.c_str(), old_->c_str(), 1);
    else unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

struct Loaded {
  Result<ProjectConfig> result;
  std::vector<std::string> diagnostics;
};

Loaded load(const testing::TempDir& dir, const std::string& yaml, const std::string& environment = "") {
  write_file(dir.file("silt.yaml"), yaml);
  std::vector<Diagnostic> diagnostics;
  auto result = load_project(dir.path(), environment, &diagnostics);
  Loaded loaded{std::move(result), {}};
  for (const auto& diagnostic : diagnostics) loaded.diagnostics.push_back(format_diagnostic(diagnostic));
  return loaded;
}

struct InvalidCase {
  const char* name;
  const char* yaml;
  std::vector<std::string> expected;
};

class ProjectLoaderInvalidTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ProjectLoaderInvalidTest, ReportsEveryProblemSorted) {
  ScopedEnv silt_env("SILT_ENV", nullptr);
  ScopedEnv missing("SILT_TEST_MISSING", nullptr);
  testing::TempDir dir;
  const auto& c = GetParam();
  auto loaded = load(dir, c.yaml);
  ASSERT_FALSE(loaded.result.has_value());
  EXPECT_EQ(loaded.result.error().code(), ErrorCode::kConfig);
  EXPECT_EQ(loaded.diagnostics, c.expected);
}

const InvalidCase kInvalidCases[] = {
    {"typo_with_suggestion", "name: shop\nstorgae: ./lake\n",
     {"silt.yaml:1:1: missing required key 'storage'",
      "silt.yaml:2:1: unknown key 'storgae' (did you mean 'storage'?)"}},
    {"unknown_key_without_suggestion", "name: shop\nstorage: ./lake\ncolour: blue\n",
     {"silt.yaml:3:1: unknown key 'colour' (expected one of: name, storage, s3, default_env, engine, vars, "
      "environments, sources, models, consolidations, schedules, tables)"}},
    {"empty_file", "", {"silt.yaml:1:1: the project file is empty (it needs at least 'name' and 'storage')"}},
    {"not_a_mapping", "- a\n- b\n", {"silt.yaml:1:1: expected a mapping of project settings, got a list"}},
    {"syntax_error", "name: shop\nstorage: [./lake\n", {"silt.yaml:3:1: invalid YAML: end of sequence flow not found"}},
    {"wrong_types_and_engine_values",
     "name: [a, b]\n"
     "storage: ./lake\n"
     "engine:\n"
     "  threads: four\n"
     "  memory_limit: lots\n"
     "  thread: 2\n",
     {"silt.yaml:1:7: 'name' must be a string, got a list",
      "silt.yaml:4:12: 'threads' must be a whole number from 1 to 4096, got 'four'",
      "silt.yaml:5:17: invalid memory_limit: 'lots' is not a memory size: expected a size such as 512MB, 4GB or 1.5GiB",
      "silt.yaml:6:3: unknown key 'thread' in engine (did you mean 'threads'?)"}},
    {"sources",
     "name: shop\n"
     "storage: ./lake\n"
     "sources:\n"
     "  - name: orders\n"
     "    format: csv\n"
     "    path: data/*.csv\n"
     "  - name: orders\n"
     "    format: xlsx\n"
     "    path: data/*.xlsx\n"
     "  - name: customers\n"
     "    fromat: json\n",
     {"silt.yaml:7:11: duplicate source 'orders' (first defined at line 4)",
      "silt.yaml:8:13: unknown format 'xlsx' in source 'orders' (expected one of: csv, json, parquet)",
      "silt.yaml:10:5: missing required key 'format' in source 'customers' (expected one of: csv, json, parquet)",
      "silt.yaml:10:5: missing required key 'path' in source 'customers'",
      "silt.yaml:11:5: unknown key 'fromat' in source 'customers' (did you mean 'format'?)"}},
    {"missing_env_variable", "name: shop\nstorage: ${SILT_TEST_MISSING}/lake\n",
     {"silt.yaml:2:10: environment variable 'SILT_TEST_MISSING' is not set (set it, or write "
      "${SILT_TEST_MISSING:-default})"}},
    {"unknown_default_env",
     "name: shop\nstorage: ./lake\ndefault_env: stage\nenvironments:\n  dev: {storage: ./dev}\n  prod:\n",
     {"silt.yaml:3:14: unknown default_env 'stage' (available: dev, prod)"}},
    {"duplicate_key", "name: shop\nstorage: ./lake\nname: other\n",
     {"silt.yaml:3:1: duplicate key 'name' (first at line 1)"}},
};

INSTANTIATE_TEST_SUITE_P(Cases, ProjectLoaderInvalidTest, ::testing::ValuesIn(kInvalidCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ProjectLoaderTest, MissingFileIsADiagnostic) {
  testing::TempDir dir;
  std::vector<Diagnostic> diagnostics;
  auto result = load_project(dir.path(), "", &diagnostics);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), ErrorCode::kConfig);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].line, 0);
  EXPECT_EQ(format_diagnostic(diagnostics[0]),
            "silt.yaml: cannot read " + dir.path() + "/silt.yaml (a project directory needs a silt.yaml)");
}

const char* kFullProject =
    "name: shop\n"
    "storage: ${SILT_TEST_ROOT:-./lake}\n"
    "default_env: dev\n"
    "engine:\n"
    "  threads: 4\n"
    "  memory_limit: 2GB\n"
    "  temp_directory: tmp\n"
    "vars:\n"
    "  start_date: '2024-01-01'\n"
    "  api_key: ${SILT_TEST_KEY}\n"
    "sources:\n"
    "  - name: orders\n"
    "    format: CSV\n"
    "    path: data/orders/*.csv\n"
    "    options: {delim: ';', header: true}\n"
    "  - name: events\n"
    "    format: parquet\n"
    "    path: s3://bucket/events/*.parquet\n"
    "models: [models, shared/models]\n"
    "environments:\n"
    "  dev:\n"
    "    vars: {start_date: '2024-06-01'}\n"
    "  prod:\n"
    "    storage: /srv/lake\n"
    "    engine: {threads: 16, memory_limit: 64GB}\n";

TEST(ProjectLoaderTest, LoadsAFullProjectWithDefaultEnvironment) {
  ScopedEnv silt_env("SILT_ENV", nullptr);
  ScopedEnv root("SILT_TEST_ROOT", nullptr);
  ScopedEnv key("SILT_TEST_KEY", "s3cr3t");
  testing::TempDir dir;
  auto loaded = load(dir, kFullProject);
  ASSERT_TRUE(loaded.result.has_value()) << loaded.result.error().message();
  const ProjectConfig& config = *loaded.result;
  EXPECT_EQ(config.name, "shop");
  EXPECT_EQ(config.environment, "dev");
  EXPECT_EQ(config.storage_root, dir.path() + "/lake");  // the default of ${SILT_TEST_ROOT:-./lake}
  EXPECT_EQ(config.engine.threads, 4);
  EXPECT_EQ(config.engine.memory_limit, "2GB");
  EXPECT_EQ(config.engine.temp_directory, dir.path() + "/tmp");
  EXPECT_EQ(config.vars.at("start_date"), "2024-06-01");  // dev override
  EXPECT_EQ(config.vars.at("api_key"), "s3cr3t");
  ASSERT_EQ(config.sources.size(), 2u);
  EXPECT_EQ(config.sources[0].name, "orders");
  EXPECT_EQ(config.sources[0].format, SourceFormat::kCsv);
  EXPECT_EQ(config.sources[0].path, dir.path() + "/data/orders/*.csv");
  EXPECT_EQ(config.sources[0].options.at("delim"), ";");
  EXPECT_EQ(config.sources[0].options.at("header"), "true");
  EXPECT_EQ(config.sources[1].format, SourceFormat::kParquet);
  EXPECT_EQ(config.sources[1].path, "s3://bucket/events/*.parquet");
  EXPECT_EQ(config.model_paths, (std::vector<std::string>{dir.path() + "/models", dir.path() + "/shared/models"}));
  EXPECT_EQ(config.environments.size(), 2u);
}

TEST(ProjectLoaderTest, EnvironmentFromArgumentOverridesSiltEnvAndDefault) {
  ScopedEnv silt_env("SILT_ENV", "dev");
  ScopedEnv key("SILT_TEST_KEY", "k");
  testing::TempDir dir;
  auto loaded = load(dir, kFullProject, "prod");
  ASSERT_TRUE(loaded.result.has_value()) << loaded.result.error().message();
  EXPECT_EQ(loaded.result->environment, "prod");
  EXPECT_EQ(loaded.result->storage_root, "/srv/lake");
  EXPECT_EQ(loaded.result->engine.threads, 16);
  EXPECT_EQ(loaded.result->engine.memory_limit, "64GB");
  EXPECT_EQ(loaded.result->vars.at("start_date"), "2024-01-01");
}

TEST(ProjectLoaderTest, EnvironmentFromSiltEnvOverridesDefault) {
  ScopedEnv silt_env("SILT_ENV", "prod");
  ScopedEnv key("SILT_TEST_KEY", "k");
  testing::TempDir dir;
  auto loaded = load(dir, kFullProject);
  ASSERT_TRUE(loaded.result.has_value()) << loaded.result.error().message();
  EXPECT_EQ(loaded.result->environment, "prod");
  EXPECT_EQ(loaded.result->storage_root, "/srv/lake");
}

TEST(ProjectLoaderTest, UnknownEnvironmentListsTheAvailableOnes) {
  ScopedEnv key("SILT_TEST_KEY", "k");
  testing::TempDir dir;
  {
    ScopedEnv silt_env("SILT_ENV", nullptr);
    auto loaded = load(dir, kFullProject, "stage");
    ASSERT_FALSE(loaded.result.has_value());
    EXPECT_EQ(loaded.diagnostics, std::vector<std::string>{"silt.yaml: unknown environment 'stage' (available: dev, prod)"});
  }
  {
    ScopedEnv silt_env("SILT_ENV", "qa");
    auto loaded = load(dir, kFullProject);
    ASSERT_FALSE(loaded.result.has_value());
    EXPECT_EQ(loaded.diagnostics,
              std::vector<std::string>{"silt.yaml: unknown environment 'qa' from SILT_ENV (available: dev, prod)"});
  }
}

TEST(ProjectLoaderTest, EnvironmentVariablesAndDefaults) {
  ScopedEnv silt_env("SILT_ENV", nullptr);
  ScopedEnv root("SILT_TEST_ROOT", "/data/warehouse");
  ScopedEnv empty("SILT_TEST_EMPTY", "");
  testing::TempDir dir;
  auto loaded = load(dir,
                     "name: shop\n"
                     "storage: ${SILT_TEST_ROOT:-./lake}/silver\n"
                     "vars:\n"
                     "  a: ${SILT_TEST_EMPTY:-fallback}\n"
                     "  b: x${SILT_TEST_EMPTY}y\n"
                     "  c: '$${NOT_A_VAR} costs $5'\n");
  ASSERT_TRUE(loaded.result.has_value()) << loaded.result.error().message();
  EXPECT_EQ(loaded.result->storage_root, "/data/warehouse/silver");
  EXPECT_EQ(loaded.result->vars.at("a"), "fallback");
  EXPECT_EQ(loaded.result->vars.at("b"), "xy");
  EXPECT_EQ(loaded.result->vars.at("c"), "${NOT_A_VAR} costs $5");
}

TEST(ProjectLoaderTest, RedactedHidesValuesFromTheEnvironment) {
  ScopedEnv silt_env("SILT_ENV", nullptr);
  ScopedEnv root("SILT_TEST_ROOT", nullptr);
  ScopedEnv key("SILT_TEST_KEY", "s3cr3t");
  ScopedEnv password("SILT_TEST_PASSWORD", "hunter2");
  testing::TempDir dir;
  std::string yaml = kFullProject;
  yaml += "    vars: {token: 'Bearer ${SILT_TEST_PASSWORD}'}\n";
  auto loaded = load(dir, yaml, "prod");
  ASSERT_TRUE(loaded.result.has_value()) << loaded.result.error().message();
  const ProjectConfig redacted = loaded.result->redacted();
  EXPECT_EQ(redacted.vars.at("api_key"), "***");
  EXPECT_EQ(redacted.vars.at("token"), "***");
  EXPECT_EQ(redacted.environments.at("prod").vars.at("token"), "***");
  EXPECT_EQ(redacted.vars.at("start_date"), "2024-01-01");  // written in the file: not a secret
  EXPECT_EQ(redacted.storage_root, "/srv/lake");
  EXPECT_EQ(loaded.result->vars.at("token"), "Bearer hunter2");  // the config itself keeps the value
}

TEST(ProjectLoaderTest, EditDistanceCountsASwapOnce) {
  EXPECT_EQ(edit_distance("storgae", "storage"), 1);
  EXPECT_EQ(edit_distance("", "abc"), 3);
  EXPECT_EQ(edit_distance("thread", "threads"), 1);
  EXPECT_EQ(edit_distance("same", "same"), 0);
}

}  // namespace
}  // namespace silt::pipeline

namespace silt::pipeline {
namespace {

TEST(ProjectLoaderTest, AnEnvironmentsS3BlockOverridesTheProjectsFieldByField) {
  testing::TempDir dir;
  const std::string yaml =
      "name: shop\nstorage: s3://lake/dev\n"
      "s3: {region: eu-west-1, endpoint: 'http://127.0.0.1:9000', credentials: env}\n"
      "environments:\n"
      "  dev: {}\n"
      "  prod:\n"
      "    storage: s3://lake/prod\n"
      "    s3: {endpoint: 'https://s3.eu-west-1.amazonaws.com', path_style: false, commit_lock: locks/commit.lock,\n"
      "         credentials: {profile: prod}}\n";
  auto dev = load(dir, yaml, "dev");
  ASSERT_TRUE(dev.result.has_value()) << dev.result.error().message();
  EXPECT_EQ(dev.result->s3.endpoint.value_or(""), "http://127.0.0.1:9000");
  EXPECT_EQ(dev.result->s3.credentials.kind, storage::s3::CredentialsChoice::Kind::kEnvironment);
  EXPECT_FALSE(dev.result->s3.commit_lock.has_value());
  auto prod = load(dir, yaml, "prod");
  ASSERT_TRUE(prod.result.has_value()) << prod.result.error().message();
  EXPECT_EQ(prod.result->storage_root, "s3://lake/prod");
  EXPECT_EQ(prod.result->s3.region.value_or(""), "eu-west-1") << "kept from the project's block";
  EXPECT_EQ(prod.result->s3.endpoint.value_or(""), "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(prod.result->s3.path_style, std::optional<bool>(false));
  EXPECT_EQ(prod.result->s3.commit_lock.value_or(""), dir.file("locks/commit.lock"));
  EXPECT_EQ(prod.result->s3.credentials.kind, storage::s3::CredentialsChoice::Kind::kProfile);
  EXPECT_EQ(prod.result->s3.credentials.profile, "prod");
}

TEST(ProjectLoaderTest, BadS3ValuesOfAnEnvironmentNameTheirPlace) {
  testing::TempDir dir;
  auto loaded = load(dir,
                     "name: shop\nstorage: ./lake\nenvironments:\n  prod:\n"
                     "    s3: {commit_lock: 's3://b/lock', colour: red}\n");
  EXPECT_FALSE(loaded.result.has_value());
  EXPECT_EQ(loaded.diagnostics,
            (std::vector<std::string>{
                "silt.yaml:5:23: 'commit_lock' must be a file on this machine (every writer locks the same one), got "
                "'s3://b/lock'",
                "silt.yaml:5:38: unknown key 'colour' in environments.prod.s3 (expected one of: region, endpoint, "
                "path_style, credentials, commit_lock)"}));
}

}  // namespace
}  // namespace silt::pipeline
