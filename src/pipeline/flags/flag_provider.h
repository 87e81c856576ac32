// Where a run's flags are evaluated: the project's flag files, or an OFREP server (ofrep_client.h).
// A provider answers for many keys at once; a failure of the whole provider is an error the caller
// turns into each flag's fallback.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "flags/context.h"
#include "flags/evaluator.h"
#include "pipeline/flags/flag_files.h"
#include "storage/file_system.h"

namespace silt::pipeline {

struct FlagResult {
  std::string key;
  flags::Evaluation evaluation;
  std::string openfeature_reason;  // DISABLED, TARGETING_MATCH, SPLIT, DEFAULT, ... (OpenFeature's)
  std::string error_message;       // with reason ERROR: what went wrong, for the run's warnings
};

struct FlagResults {
  std::vector<FlagResult> results;    // one per key asked, in order
  std::vector<std::string> warnings;  // problems that did not stop the answer (a reload that failed)
};

class FlagProvider {
 public:
  virtual ~FlagProvider() = default;
  // OpenTelemetry's feature_flag.provider.name: "silt-flag-files", "ofrep".
  virtual std::string name() const = 0;
  virtual Result<FlagResults> evaluate(const std::vector<std::string>& keys, const flags::Context& context) = 0;
};

// The project's flag files, re-read when they change (FlagFileProvider).
class FileFlagProvider : public FlagProvider {
 public:
  FileFlagProvider(storage::FileSystem& fs, std::string project_dir) : files_(fs, std::move(project_dir)) {}
  std::string name() const override { return "silt-flag-files"; }
  Result<FlagResults> evaluate(const std::vector<std::string>& keys, const flags::Context& context) override;

 private:
  FlagFileProvider files_;
};

}  // namespace silt::pipeline
