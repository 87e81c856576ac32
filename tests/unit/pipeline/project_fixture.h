// A fixture that writes a project (silt.yaml and model files) into a temporary directory and
// loads it with load_full_project, keeping the diagnostics as formatted lines.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/model/model.h"
#include "support/temp_dir.h"

namespace silt::pipeline {

using Files = std::map<std::string, std::string>;

class ProjectFixture : public ::testing::Test {
 protected:
  // `silt_yaml` is written when the files of a load do not include silt.yaml.
  explicit ProjectFixture(std::string silt_yaml) : silt_yaml_(std::move(silt_yaml)) {}

  void SetUp() override {
    // The environment must not select an environment the test projects do not define.
    if (const char* value = std::getenv("SILT_ENV")) saved_env_ = value;
    unsetenv("SILT_ENV");
  }
  void TearDown() override {
    if (saved_env_) setenv("SILT_ENV", saved_env_->c_str(), 1);
  }

  void write(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = dir_.file(relative);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  // Writes silt.yaml (unless given) and the files, then loads the project.
  Result<Project> load(const Files& files) {
    if (!files.count("silt.yaml")) write("silt.yaml", silt_yaml_);
    for (const auto& [relative, text] : files) write(relative, text);
    diagnostics_.clear();
    std::vector<Diagnostic> diagnostics;
    auto project = load_full_project(dir_.path(), "", &diagnostics);
    for (const auto& diagnostic : diagnostics) diagnostics_.push_back(format_diagnostic(diagnostic));
    return project;
  }

  // Loads a project that must be valid.
  Project load_ok(const Files& files) {
    auto project = load(files);
    EXPECT_TRUE(project) << (project ? "" : project.error().message());
    for (const auto& line : diagnostics_) ADD_FAILURE() << line;
    return project ? *project : Project{};
  }

  testing::TempDir dir_;
  std::vector<std::string> diagnostics_;

 private:
  std::string silt_yaml_;
  std::optional<std::string> saved_env_;
};

}  // namespace silt::pipeline
