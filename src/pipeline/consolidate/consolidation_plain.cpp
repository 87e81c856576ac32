// Plain (csv, parquet, json) consolidation output: per partition, new files staged and published,
// then the partition's _manifest.json, which makes them visible at once.
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/strings.h"
#include "pipeline/consolidate/consolidation_internal.h"

namespace silt::pipeline::consolidate {
namespace {

using nlohmann::ordered_json;

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

std::string extension(const ConsolidationOutput& output) {
  std::string ext = output.format == OutputFormat::kCsv ? ".csv" : output.format == OutputFormat::kJson ? ".json" : ".parquet";
  if (output.format == OutputFormat::kCsv || output.format == OutputFormat::kJson) {
    if (output.compression == "gzip") ext += ".gz";
    if (output.compression == "zstd") ext += ".zst";
  }
  return ext;
}

std::string copy_options(const ConsolidationOutput& output) {
  switch (output.format) {
    case OutputFormat::kParquet: {
      std::string codec = output.compression.empty() ? "snappy" : output.compression;
      if (codec == "none") codec = "uncompressed";
      return fmt::format("FORMAT parquet, COMPRESSION {}", codec);
    }
    case OutputFormat::kCsv:
      return fmt::format("FORMAT csv, HEADER {}, DELIMITER {}, QUOTE {}, COMPRESSION {}", output.csv_header ? "true" : "false",
                         sql_string(output.csv_delimiter), sql_string(output.csv_quote),
                         output.compression.empty() ? "none" : output.compression);
    case OutputFormat::kJson:
      return fmt::format("FORMAT json, COMPRESSION {}", output.compression.empty() ? "none" : output.compression);
    case OutputFormat::kDelta: break;
  }
  return "";
}

}  // namespace

Status Writer::write_plain(ConsolidationExecution& record) {
  auto& db = session_.connection();
  auto& bridge = session_.files();
  const auto& levels = job_.partition_by.levels;
  auto level_or_one = [&](size_t i) { return i < levels.size() ? levels[i] : std::string("1"); };
  const std::string ext = extension(job_.output);
  const std::string options = copy_options(job_.output);
  const std::string columns = data_columns_sql();

  // Files holding a key this execution replaces, by partition folder.
  std::map<std::string, std::vector<std::string>> superseded;
  if (output_exists_) {
    SILT_TRY_ASSIGN(auto rows, db.query_text(fmt::format(
        "SELECT DISTINCT e._silt_file FROM _silt_existing AS e SEMI JOIN _silt_accepted AS a ON {}", keys_join("e", "a"))));
    for (const auto& row : rows.rows) {
      if (!row[0]) continue;
      const std::string path = bridge.store_path(*row[0]);
      superseded[path.substr(0, path.rfind('/'))].push_back(path);
    }
  }
  // Partitions that receive records.
  SILT_TRY_ASSIGN(auto targets, db.query_text(fmt::format(
      "SELECT {} AS y, {} AS m, {} AS d, count(*) FROM _silt_accepted GROUP BY ALL ORDER BY ALL", level_or_one(0),
      level_or_one(1), level_or_one(2))));
  struct Target {
    int y = 1, m = 1, d = 1;
    int64_t rows = 0;
  };
  std::map<std::string, Target> partitions;
  for (const auto& row : targets.rows) {
    Target t{static_cast<int>(int_cell(row[0])), static_cast<int>(int_cell(row[1])), static_cast<int>(int_cell(row[2])),
             int_cell(row[3])};
    partitions[job_.output.path + "/" + partition_path(job_, t.y, t.m, t.d)] = t;
  }
  for (const auto& [dir, files] : superseded) {
    if (!partitions.count(dir)) partitions[dir] = Target{};
  }
  const double bytes_per_row = record.records_processed > 0 ? static_cast<double>(record.bytes_in) / record.records_processed : 100;

  int64_t file_counter = 0;
  for (const auto& [dir, target] : partitions) {
    struct Written {
      std::string name;
      int64_t rows = 0, bytes = 0;
      std::string sha256;
    };
    std::vector<Written> written;
    SILT_TRY_ASSIGN(auto staging, bridge.staging_directory(fs_, dir));
    // On the local disk DuckDB writes in the partition's staging directory and the file is moved
    // in; elsewhere (S3) it writes a local file that is then uploaded whole (DuckDB's compressed
    // writers do not close the files they write through another file system).
    const bool in_place = engine::FileBridge::in_place(fs_, dir);
    const std::string local_dir = session_.options().temp_directory.empty() ? "/tmp" : session_.options().temp_directory;
    if (!in_place) {
      std::error_code failed;  // DuckDB creates its temporary directory only when it spills
      std::filesystem::create_directories(local_dir, failed);
      if (failed) {
        return make_error(ErrorCode::kIo, fmt::format("cannot create the local staging directory {}: {}", local_dir,
                                                      failed.message()));
      }
    }
    auto write_one = [&](const std::string& select_sql) -> Status {
      const std::string name = fmt::format("part-{}-{:05}{}", execution_id_, file_counter++, ext);
      const std::string staged = in_place ? staging + "/" + name : fmt::format("{}/silt-{}", local_dir, name);
      auto copied = db.query_any(fmt::format("COPY ({}) TO {} ({}, USE_TMP_FILE false)", select_sql, sql_string(staged), options));
      if (!copied) {
        if (!in_place) std::filesystem::remove(staged);
        return std::move(copied).error();
      }
      int64_t rows = 0;
      if (!copied->rows.empty() && !copied->rows[0].empty()) rows = int_cell(copied->rows[0][0]);
      const std::string final_path = dir + "/" + name;
      std::string content;
      if (in_place) {
        if (rows == 0) return Status::ok_status();
        SILT_TRY(bridge.publish(fs_, staged, final_path));
        SILT_TRY_ASSIGN(content, fs_.read(final_path));
      } else {
        std::ifstream in(staged, std::ios::binary);
        std::stringstream buffer;
        buffer << in.rdbuf();
        content = buffer.str();
        std::filesystem::remove(staged);
        if (rows == 0) return Status::ok_status();
        SILT_TRY(fs_.write(final_path, content));
      }
      written.push_back({name, rows, static_cast<int64_t>(content.size()), sha256_hex(content)});
      return Status::ok_status();
    };
    auto cleanup = [&]() {
      for (const auto& file : written) (void)fs_.remove(dir + "/" + file.name);
      bridge.remove_staging(staging);
    };
    // New and newer records of the partition, in `files` files (by key hash) or files near the
    // target size.
    std::string where;
    for (size_t i = 0; i < levels.size(); ++i) {
      where += fmt::format("{}{} = {}", i ? " AND " : "", levels[i], i == 0 ? target.y : i == 1 ? target.m : target.d);
    }
    Status status = Status::ok_status();
    if (target.rows > 0) {
      int buckets = job_.output.files;
      if (job_.output.target_file_bytes > 0) {
        buckets = static_cast<int>(std::max<double>(1, std::ceil(target.rows * bytes_per_row / job_.output.target_file_bytes)));
      }
      for (int bucket = 0; bucket < buckets && status.ok(); ++bucket) {
        std::string sql = fmt::format("SELECT {} FROM _silt_accepted WHERE {}", columns, where);
        if (buckets > 1) sql += fmt::format(" AND hash({}) % {} = {}", keys_sql(""), buckets, bucket);
        status = write_one(sql);
      }
    }
    // Files holding replaced keys, rewritten without them.
    const auto replaced = superseded.count(dir) ? superseded[dir] : std::vector<std::string>{};
    for (const auto& old_file : replaced) {
      if (!status.ok()) break;
      auto read = output_read_sql({old_file}, false);
      if (!read) {
        status = read.status();
        break;
      }
      status = write_one(fmt::format("SELECT {} FROM {} AS o ANTI JOIN _silt_accepted AS a ON {}", columns, *read,
                                     keys_join("o", "a")));
    }
    if (!status.ok()) {
      cleanup();
      return status;
    }
    bridge.remove_staging(staging);
    // The manifest makes the partition's new content visible at once.
    const std::string manifest_path = dir + "/_manifest.json";
    ordered_json manifest_files = ordered_json::array();
    int64_t total_rows = 0;
    auto old_manifest = fs_.read(manifest_path);
    if (old_manifest) {
      try {
        const auto parsed = ordered_json::parse(*old_manifest);
        for (const auto& item : parsed.at("files")) {
          const std::string path = dir + "/" + item.at("name").get<std::string>();
          if (std::find(replaced.begin(), replaced.end(), path) != replaced.end()) continue;
          manifest_files.push_back(item);
          total_rows += item.value("rows", int64_t{0});
        }
      } catch (const std::exception& error) {
        cleanup();
        return make_error(ErrorCode::kCorruption, fmt::format("{}: not a partition manifest ({})", manifest_path, error.what()));
      }
    }
    PartitionResult* result = nullptr;
    for (auto& partition : record.partitions) {
      if (partition.path == dir) result = &partition;
    }
    if (result == nullptr) {
      record.partitions.push_back({fmt::format("{:04}-{:02}-{:02}", target.y, target.m, target.d), dir});
      result = &record.partitions.back();
    }
    for (const auto& file : written) {
      manifest_files.push_back({{"name", file.name}, {"rows", file.rows}, {"bytes", file.bytes}, {"sha256", file.sha256},
                                {"execution", execution_id_}});
      total_rows += file.rows;
      ++result->output_files;
      result->bytes_out += file.bytes;
      ++record.output_files;
      record.bytes_out += file.bytes;
    }
    const ordered_json manifest = {{"format", output_format_name(job_.output.format)},
                                   {"rows", total_rows},
                                   {"files", manifest_files},
                                   {"execution", execution_id_},
                                   {"updated_at", format_rfc3339_ms(now_ms())}};
    Status published = fs_.write(manifest_path, manifest.dump(2));
    if (!published.ok()) {
      cleanup();
      return published;
    }
    record.files_rewritten += static_cast<int64_t>(replaced.size());
    (void)fs_.remove_many(replaced);
  }
  return Status::ok_status();
}

}  // namespace silt::pipeline::consolidate
