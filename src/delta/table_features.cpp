// Allow-lists for reader and writer features; see docs/delta-support.md for the matrix.
#include "delta/table_features.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"

namespace silt::delta {

namespace {

// Reader features whose semantics need nothing from a reader of reader-version-1 tables.
bool reader_feature_supported(const std::string& feature) { return feature == "vacuumProtocolCheck"; }

// Writer features silt honours when writing.
bool writer_feature_supported(const std::string& feature) {
  return feature == "appendOnly" || feature == "invariants" || feature == "vacuumProtocolCheck";
}

std::string feature_hint(const std::string& feature) {
  if (feature == "deletionVectors") return " (deletion vectors are not supported yet)";
  if (feature == "columnMapping") return " (column mapping is not supported yet)";
  if (feature == "timestampNtz") return " (TIMESTAMP_NTZ columns are not supported yet)";
  if (feature == "v2Checkpoint") return " (v2 checkpoints are not supported yet)";
  return "";
}

}  // namespace

Protocol default_protocol() {
  Protocol protocol;
  protocol.min_reader_version = 1;
  protocol.min_writer_version = 2;
  return protocol;
}

Status check_readable(const Protocol& protocol) {
  int reader = protocol.min_reader_version;
  if (reader == 1) return Status();
  if (reader == 2) {
    return make_error(ErrorCode::kUnsupported,
                      "table requires reader version 2 (feature columnMapping), which silt does not support yet");
  }
  if (reader == 3) {
    if (!protocol.reader_features) {
      return make_error(ErrorCode::kCorruption, "protocol has reader version 3 but no readerFeatures list");
    }
    // Name every unsupported feature: the first one alone can make a table look nearly readable.
    std::vector<std::string> unsupported;
    for (const auto& feature : *protocol.reader_features) {
      if (!reader_feature_supported(feature)) unsupported.push_back("'" + feature + "'" + feature_hint(feature));
    }
    if (unsupported.empty()) return Status();
    return make_error(ErrorCode::kUnsupported,
                      fmt::format("table requires reader feature{} {}, which silt does not support",
                                  unsupported.size() > 1 ? "s" : "", join(unsupported, ", ")));
  }
  return make_error(ErrorCode::kUnsupported,
                    fmt::format("table requires reader version {}; silt reads versions 1 and 3 (with an "
                                "allow-list of features)",
                                reader));
}

Status check_writable(const Protocol& protocol, const Metadata& metadata, const Schema& schema) {
  SILT_TRY(check_readable(protocol));
  int writer = protocol.min_writer_version;
  if (writer >= 3 && writer <= 6) {
    static const char* kImplied[] = {"", "", "", "checkConstraints", "changeDataFeed/generatedColumns",
                                     "columnMapping", "identityColumns"};
    return make_error(ErrorCode::kUnsupported,
                      fmt::format("table requires writer version {} (feature {}); silt writes versions 1, 2 "
                                  "and 7 with features appendOnly/invariants",
                                  writer, kImplied[writer]));
  }
  if (writer == 7) {
    for (const auto& feature : protocol.writer_features.value_or(std::vector<std::string>{})) {
      if (!writer_feature_supported(feature)) {
        return make_error(ErrorCode::kUnsupported,
                          fmt::format("table requires writer feature '{}', which silt cannot write", feature));
      }
    }
  } else if (writer > 7) {
    return make_error(ErrorCode::kUnsupported, fmt::format("table requires writer version {}", writer));
  }
  if (schema_has_metadata_key(schema, "delta.invariants")) {
    return make_error(ErrorCode::kUnsupported,
                      "table has column invariants (delta.invariants), which silt does not enforce yet; "
                      "refusing to write");
  }
  (void)metadata;
  return Status();
}

}  // namespace silt::delta
