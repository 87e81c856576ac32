// FileFlagProvider: the flag files evaluated in process.
#include "pipeline/flags/flag_provider.h"

#include <fmt/format.h>


namespace silt::pipeline {

Result<FlagResults> FileFlagProvider::evaluate(const std::vector<std::string>& keys, const flags::Context& context) {
  std::optional<Error> reload_error;
  SILT_TRY_ASSIGN(auto files, files_.current(&reload_error));
  FlagResults out;
  if (reload_error) {
    out.warnings.push_back(fmt::format("the flag files could not be read again, so their last good load is used: {}",
                                       reload_error->message()));
  }
  flags::Evaluator evaluator(files->flags);
  for (const auto& key : keys) {
    FlagResult result;
    result.key = key;
    result.evaluation = evaluator.evaluate(key, context);
    const flags::Flag* flag = files->flags.find_flag(key);
    result.openfeature_reason = flags::openfeature_reason(result.evaluation, flag);
    if (result.evaluation.reason.kind == flags::ReasonKind::kError) {
      if (!flag) {
        result.error_message = fmt::format("flag '{}' is not defined in the flag files", key);
      } else {
        result.error_message = fmt::format("flag '{}' is malformed ({}; `silt validate` shows where)", key,
                                           flags::error_kind_name(result.evaluation.reason.error_kind));
      }
    }
    out.results.push_back(std::move(result));
  }
  return out;
}

}  // namespace silt::pipeline
