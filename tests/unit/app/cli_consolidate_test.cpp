// Consolidation jobs through the binary, with the landing zone and the lake on local disk and on
// S3 (s3rver): executions that land a day in two parts, checked against a reference computed
// independently from the landing files, every output format, events to a JSON-lines file and to a
// webhook that fails its first requests, history, re-runs that change nothing, bad landing files
// quarantined, crashes before and after the commit, and landing retention.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <utime.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/http_test_server.h"
#include "support/run_command.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

constexpr const char* kJobTail =
    "    key: chargeback_id\n"
    "    latest_by: updated_at\n"
    "    partition_by: {timezone: America/Sao_Paulo, column: updated_at}\n";

class CliConsolidate : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    root_ = ".";
    if (GetParam() == "s3") {
      auto server = S3TestServer::start_s3rver();
      ASSERT_TRUE(server) << server.error().message();
      server_ = std::move(*server);
      auto bucket = server_->create_bucket("chargebacks");
      ASSERT_TRUE(bucket) << bucket.error().message();
      root_ = "s3://" + *bucket;
    }
  }

  void write_project(const std::string& extra_events = "", const std::string& extra_job = "") {
    std::string yaml = "name: cb\nstorage: " + root_ + "/lake\nconsolidations:\n";
    for (const char* format : {"delta", "csv", "parquet", "json"}) {
      yaml += fmt::format("  cb_{0}:\n    input: {{path: {1}/landing/chargebacks, layout: YYYY/MM/DD, format: parquet}}\n{2}"
                          "    output: {{path: {1}/lake/out_{0}, format: {0}{3}}}\n",
                          format, root_, kJobTail, std::string(format) == "csv" ? ", compression: gzip" : "");
      if (std::string(format) == "delta") {
        yaml += "    events:\n      - file: " + dir_.file("events.jsonl") + "\n" + extra_events;
        yaml += extra_job;
      }
    }
    write(dir_.file("silt.yaml"), yaml);
  }

  CommandResult silt(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    std::vector<std::string> argv = {"env"};
    if (server_) {
      auto variables = server_->client_environment();
      argv.insert(argv.end(), variables.begin(), variables.end());
    }
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(SILT_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path());
  }

  nlohmann::json consolidate(const std::string& job, const std::vector<std::string>& env = {}) {
    CommandResult result = silt({"consolidate", job, "--json"}, env);
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out;
    return parsed;
  }

  // Lands part K of 2 of a day of 40 files of 20 records (generated locally, copied to S3).
  void land(int part, const std::string& date = "2025-11-03") {
    CommandResult generated = run_command({std::string(SILT_SOURCE_DIR) + "/examples/chargebacks/generate", "--out",
                                           dir_.file("gen/chargebacks"), "--files", "40", "--records", "20", "--part",
                                           fmt::format("{}/2", part), "--date", date, "--silt", SILT_BINARY});
    ASSERT_EQ(generated.exit_code, 0) << generated.err;
    std::string script;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.file("gen"))) {
      if (!entry.is_regular_file()) continue;
      const std::string relative = std::filesystem::relative(entry.path(), dir_.file("gen")).string();
      if (landed_.count(relative)) continue;
      landed_.insert(relative);
      if (!server_) {
        std::filesystem::create_directories(std::filesystem::path(dir_.file("landing/" + relative)).parent_path());
        std::filesystem::copy_file(entry.path(), dir_.file("landing/" + relative));
      } else {
        script += fmt::format("COPY (SELECT * FROM read_parquet('{}')) TO '{}/landing/{}' (FORMAT parquet);\n",
                              entry.path().string(), root_, relative);
      }
    }
    if (!script.empty()) {
      write(dir_.file("copy.sql"), script);
      CommandResult copied = silt({"sql", "--file", "copy.sql"});
      ASSERT_EQ(copied.exit_code, 0) << copied.err;
    }
  }

  // Rows of `sql` as CSV text without the header.
  std::string query(const std::string& sql) {
    CommandResult result = silt({"sql", "--format", "csv", sql});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(result.out.find('\n') + 1);
  }

  std::string landing_glob() const { return root_ + "/landing/chargebacks/*/*/*/*.parquet"; }

  // Each chargeback's latest state over every landing file, computed without silt's consolidation.
  std::string reference() {
    return fmt::format("SELECT chargeback_id, status, updated_at FROM read_parquet('{}', filename=true) "
                       "QUALIFY row_number() OVER (PARTITION BY chargeback_id ORDER BY updated_at DESC, filename DESC) = 1",
                       landing_glob());
  }

  std::string output(const std::string& format) {
    const std::string dir = root_ + "/lake/out_" + format;
    if (format == "delta") return fmt::format("SELECT chargeback_id, status, updated_at FROM delta_scan_silt('{}')", dir);
    if (format == "csv") {
      return fmt::format("SELECT chargeback_id, status, CAST(updated_at AS TIMESTAMP) AS updated_at FROM "
                         "read_csv('{}/*/*/*/*.csv.gz', header=true, all_varchar=true)", dir);
    }
    if (format == "json") {
      return fmt::format("SELECT chargeback_id, status, CAST(updated_at AS TIMESTAMP) AS updated_at FROM "
                         "read_json('{}/*/*/*/part-*.json', format='newline_delimited')", dir);
    }
    return fmt::format("SELECT chargeback_id, status, updated_at FROM read_parquet('{}/*/*/*/*.parquet')", dir);
  }

  void expect_matches_reference(const std::string& format) {
    std::string out = output(format);
    if (format == "delta") {
      CommandResult table = silt({"sql", "--format", "csv", "--table", "t=" + root_ + "/lake/out_delta",
                                  "SELECT count(*), count(DISTINCT chargeback_id) FROM t"});
      ASSERT_EQ(table.exit_code, 0) << table.err;
      const std::string expected = query(fmt::format("SELECT count(*), count(*) FROM ({})", reference()));
      EXPECT_EQ(table.out.substr(table.out.find('\n') + 1), expected);
      CommandResult diff = silt({"sql", "--format", "csv", "--table", "t=" + root_ + "/lake/out_delta",
                                 fmt::format("SELECT count(*) FROM ((SELECT chargeback_id, status, updated_at FROM t "
                                             "EXCEPT SELECT * FROM ({0})) UNION ALL (SELECT * FROM ({0}) EXCEPT "
                                             "SELECT chargeback_id, status, updated_at FROM t))",
                                             reference())});
      ASSERT_EQ(diff.exit_code, 0) << diff.err;
      EXPECT_EQ(diff.out.substr(diff.out.find('\n') + 1), "0\n") << format;
      return;
    }
    EXPECT_EQ(query(fmt::format("SELECT count(*), count(DISTINCT chargeback_id) FROM ({})", out)),
              query(fmt::format("SELECT count(*), count(*) FROM ({})", reference())))
        << format;
    EXPECT_EQ(query(fmt::format("SELECT count(*) FROM (({0}) EXCEPT ({1})) UNION ALL SELECT count(*) FROM (({1}) EXCEPT ({0}))",
                                out, reference())),
              "0\n0\n")
        << format;
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<S3TestServer> server_;
  std::set<std::string> landed_;
};

TEST_P(CliConsolidate, ADayInTwoExecutionsMatchesTheReferenceInEveryFormat) {
  int failures = 0;
  auto server = HttpTestServer::start([&](const HttpRequest&) {
    return ++failures <= 2 ? HttpTestResponse(503, "busy") : HttpTestResponse(200, "{}");
  });
  ASSERT_TRUE(server) << server.error().message();
  write_project("      - webhook: {url: \"" + (*server)->endpoint() + "/hooks/cb\", headers: {X-Team: risk}}\n");
  land(1);
  for (const char* format : {"delta", "csv", "parquet", "json"}) {
    auto first = consolidate(std::string("cb_") + format);
    EXPECT_EQ(first["status"], "completed");
    EXPECT_EQ(first["files_in"], 20);
    EXPECT_EQ(first["records_processed"], 400);
    EXPECT_GT(first["duplicates_removed"].get<int>(), 0);
    EXPECT_EQ(first["records_written"].get<int>() + first["duplicates_removed"].get<int>(), 400);
  }
  land(2);
  for (const char* format : {"delta", "csv", "parquet", "json"}) {
    auto second = consolidate(std::string("cb_") + format);
    EXPECT_EQ(second["files_in"], 20) << format;  // only the new files
    EXPECT_EQ(second["records_processed"], 400);
    expect_matches_reference(format);
    // A re-run finds nothing new and changes nothing.
    auto third = consolidate(std::string("cb_") + format);
    EXPECT_EQ(third["status"], "nothing_to_do");
    expect_matches_reference(format);
  }
  // Plain partitions carry a manifest naming their files, rows and checksums.
  CommandResult manifests = silt({"sql", "--format", "csv", fmt::format(
      "SELECT sum(rows) FROM read_json('{}/lake/out_parquet/*/*/*/_manifest.json')", root_)});
  ASSERT_EQ(manifests.exit_code, 0) << manifests.err;
  EXPECT_EQ(manifests.out.substr(manifests.out.find('\n') + 1), query(fmt::format("SELECT count(*) FROM ({})", reference())));

  // Events: one per partition and execution, in the file and at the webhook (after two 503s).
  const auto events = lines(read(dir_.file("events.jsonl")));
  ASSERT_GE(events.size(), 2u);
  std::set<std::string> ids;
  for (const auto& line : events) {
    auto event = nlohmann::json::parse(line);
    EXPECT_EQ(event["event_type"], "consolidation_completed");
    EXPECT_EQ(event["job_name"], "cb_delta");
    EXPECT_EQ(event["output_format"], "delta");
    EXPECT_EQ(event["total_executions"], 4);
    for (const char* field : {"partition_date", "execution_sequence", "records_processed", "duplicates_removed",
                              "output_files", "output_path", "execution_time", "completed_at"}) {
      EXPECT_TRUE(event.contains(field)) << field;
    }
    ids.insert(event["event_id"].get<std::string>());
  }
  EXPECT_EQ(ids.size(), events.size());
  std::set<std::string> posted;
  for (const auto& request : (*server)->requests()) {
    EXPECT_EQ(request.target, "/hooks/cb");
    EXPECT_EQ(request.header("x-team"), "risk");
    if (nlohmann::json::parse(request.body, nullptr, false).is_object()) posted.insert(request.header("x-silt-event-id"));
  }
  EXPECT_EQ(posted, ids);
  auto pending = nlohmann::json::parse(silt({"events", "--pending", "--json"}).out);
  EXPECT_TRUE(pending.empty()) << pending.dump();

  auto history = nlohmann::json::parse(silt({"consolidations", "--job", "cb_delta", "--json"}).out);
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0]["status"], "nothing_to_do");
  EXPECT_GT(history[1]["table_version"].get<int>(), history[2]["table_version"].get<int>());
}

TEST_P(CliConsolidate, AnUndeliverableEventStaysPendingUntilRetried) {
  std::atomic<bool> up{false};  // read by the server thread
  auto server = HttpTestServer::start([&](const HttpRequest&) { return up ? HttpTestResponse(204, "") : HttpTestResponse(500, "down"); });
  ASSERT_TRUE(server) << server.error().message();
  write_project("      - webhook: {url: \"" + (*server)->endpoint() + "/e\", retries: 1}\n");
  land(1);
  auto first = consolidate("cb_delta");
  EXPECT_EQ(first["status"], "completed");  // the commit stands; the event waits in the outbox
  auto pending = nlohmann::json::parse(silt({"events", "--pending", "--json"}).out);
  ASSERT_EQ(pending.size(), first["partitions"].size());
  CommandResult retry = silt({"events", "--retry"});
  EXPECT_EQ(retry.exit_code, 1) << retry.out;
  up = true;
  retry = silt({"events", "--retry"});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  pending = nlohmann::json::parse(silt({"events", "--pending", "--json"}).out);
  EXPECT_TRUE(pending.empty());
  // The file sink got each event once, though the webhook needed three tries.
  EXPECT_EQ(lines(read(dir_.file("events.jsonl"))).size(), first["partitions"].size());
}

TEST_P(CliConsolidate, ACrashBeforeTheCommitPublishesNothingAndAfterItIsCompletedLater) {
  write_project();
  land(1);
  CommandResult crashed = silt({"consolidate", "cb_delta"}, {"SILT_CRASH_AT=before_commit"});
  EXPECT_EQ(crashed.exit_code, 137);
  CommandResult table = silt({"sql", "--table", "t=" + root_ + "/lake/out_delta", "SELECT 1 FROM t"});
  EXPECT_NE(table.exit_code, 0);  // no table: nothing was committed
  auto next = consolidate("cb_delta");
  EXPECT_EQ(next["files_in"], 20);
  auto history = nlohmann::json::parse(silt({"consolidations", "--json"}).out);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[1]["status"], "interrupted");
  expect_matches_reference("delta");

  land(2);
  crashed = silt({"consolidate", "cb_delta"}, {"SILT_CRASH_AT=after_commit"});
  EXPECT_EQ(crashed.exit_code, 137);
  EXPECT_EQ(lines(read(dir_.file("events.jsonl"))).size(), next["partitions"].size());  // no event yet
  auto after = consolidate("cb_delta");
  EXPECT_EQ(after["status"], "nothing_to_do");  // the crashed execution's files are consolidated
  expect_matches_reference("delta");
  history = nlohmann::json::parse(silt({"consolidations", "--json"}).out);
  ASSERT_EQ(history.size(), 4u);
  bool recovered = false;
  for (const auto& e : history) recovered = recovered || (e.value("recovered", false) && e["status"] == "completed");
  EXPECT_TRUE(recovered) << history.dump(2);
  const auto events = lines(read(dir_.file("events.jsonl")));
  std::set<std::string> unique(events.begin(), events.end());
  EXPECT_EQ(unique.size(), events.size());
  EXPECT_GT(events.size(), next["partitions"].size());  // the recovered execution's events came

  // Killed after the history, before its events were stored: the next execution stores them.
  const size_t before = events.size();
  land(1, "2025-11-10");
  crashed = silt({"consolidate", "cb_delta"}, {"SILT_CRASH_AT=before_event"});
  EXPECT_EQ(crashed.exit_code, 137);
  EXPECT_EQ(lines(read(dir_.file("events.jsonl"))).size(), before);
  EXPECT_EQ(consolidate("cb_delta")["status"], "nothing_to_do");
  const auto all = lines(read(dir_.file("events.jsonl")));
  EXPECT_GT(all.size(), before);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  expect_matches_reference("delta");
}

TEST_P(CliConsolidate, ABadLandingFileIsQuarantinedAndTheRestConsolidated) {
  write_project();
  land(1);
  {
    // A CSV file named .parquet: not Parquet.
    CommandResult put = silt({"sql", fmt::format("COPY (SELECT 'x' AS a) TO '{}/landing/chargebacks/2025/11/03/chargeback_bad.parquet' "
                                                 "(FORMAT csv)", root_)});
    ASSERT_EQ(put.exit_code, 0) << put.err;
  }
  auto record = consolidate("cb_delta");
  ASSERT_EQ(record["quarantined"].size(), 1u) << record.dump(2);
  EXPECT_NE(record["quarantined"][0]["path"].get<std::string>().find("chargeback_bad.parquet"), std::string::npos);
  EXPECT_FALSE(record["quarantined"][0]["reason"].get<std::string>().empty());
  EXPECT_EQ(record["records_processed"], 400);
  // Quarantined files are not read again until replaced.
  EXPECT_EQ(consolidate("cb_delta")["status"], "nothing_to_do");
}

TEST_P(CliConsolidate, AMissingKeyColumnFailsWithNothingPublished) {
  write_project();
  std::string yaml = read(dir_.file("silt.yaml"));
  yaml.replace(yaml.find("key: chargeback_id"), 18, "key: chargeback_uuid");
  write(dir_.file("silt.yaml"), yaml);
  land(1);
  CommandResult result = silt({"consolidate", "cb_delta"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("no column 'chargeback_uuid'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("did you mean 'chargeback_id'"), std::string::npos) << result.err;
  CommandResult table = silt({"sql", "--table", "t=" + root_ + "/lake/out_delta", "SELECT 1 FROM t"});
  EXPECT_NE(table.exit_code, 0);
  auto history = nlohmann::json::parse(silt({"consolidations", "--json"}).out);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["status"], "failed");
  // The failure is announced too.
  const auto events = lines(read(dir_.file("events.jsonl")));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(events[0])["event_type"], "consolidation_failed");
}

// Records failing the job's row-level checks go to <output>__quarantine, exactly once even when
// the process dies between the output's commit and the quarantine's.
TEST_P(CliConsolidate, RecordsFailingChecksAreQuarantinedOnceAcrossACrash) {
  // A discovered table the relationships check looks currencies up in.
  if (!server_) std::filesystem::create_directories(dir_.file("ref/currencies"));
  CommandResult codes = silt({"sql", fmt::format("COPY (SELECT unnest(['BRL', 'USD', 'EUR']) AS code) TO "
                                                 "'{}/ref/currencies/codes.parquet' (FORMAT parquet)", root_)});
  ASSERT_EQ(codes.exit_code, 0) << codes.err;
  write_project("",
                "    checks:\n"
                "      - accepted_values: {column: currency, values: [BRL, USD]}\n"
                "      - relationships: {column: currency, to: currencies, field: code}\n"
                "      - row_count: {min: 1000000}\n"
                "        severity: warn\n"
                "    on_failure: quarantine\n"
                "    max_quarantine_pct: 60\n");
  CommandResult discovered = silt({"discover", root_ + "/ref/currencies", "--name", "currencies"});
  ASSERT_EQ(discovered.exit_code, 0) << discovered.err;
  land(1);
  auto first = consolidate("cb_delta");
  EXPECT_EQ(first["quality"], "quarantined") << first.dump(2);
  ASSERT_EQ(first["checks"].size(), 3u);
  EXPECT_EQ(first["checks"][0]["status"], "fail");
  EXPECT_EQ(first["checks"][1]["status"], "pass");
  EXPECT_EQ(first["checks"][2]["status"], "warn");
  const int64_t quarantined = first["records_quarantined"].get<int64_t>();
  EXPECT_GT(quarantined, 0);
  EXPECT_EQ(first["checks"][0]["failing"].get<int64_t>(), quarantined);
  EXPECT_EQ(first["records_written"].get<int64_t>() + quarantined,
            std::stoll(query(fmt::format("SELECT count(*) FROM ({})", reference()))));
  const std::string quarantine = root_ + "/lake/out_delta__quarantine";
  EXPECT_NE(first["quarantine_table"].get<std::string>().find("lake/out_delta__quarantine"), std::string::npos);

  land(2);
  CommandResult crashed = silt({"consolidate", "cb_delta"}, {"SILT_CRASH_AT=before_quarantine_commit"});
  EXPECT_EQ(crashed.exit_code, 137) << crashed.err;
  EXPECT_EQ(consolidate("cb_delta")["status"], "nothing_to_do");  // recovery committed the quarantine

  // The output holds every key whose latest record passes; the quarantine every other key, each
  // record once (a key may be there in two states, from two executions).
  CommandResult diff = silt({"sql", "--format", "csv", "--table", "t=" + root_ + "/lake/out_delta", "--table",
                             "q=" + quarantine,
                             fmt::format("SELECT (SELECT count(*) FROM ((SELECT chargeback_id, status, updated_at FROM t) "
                                         "EXCEPT (SELECT chargeback_id, status, updated_at FROM ({0}) WHERE currency IN "
                                         "('BRL', 'USD')))), "
                                         "(SELECT count(*) FROM t) = (SELECT count(*) FROM ({0}) WHERE currency IN ('BRL', 'USD')), "
                                         "(SELECT count(*) FROM t WHERE currency = 'EUR'), "
                                         "(SELECT count(DISTINCT chargeback_id) FROM q) = (SELECT count(*) FROM ({0}) WHERE "
                                         "currency = 'EUR'), "
                                         "(SELECT count(*) FROM q) = (SELECT count(DISTINCT (chargeback_id, updated_at, _silt_execution_id)) FROM q), "
                                         "(SELECT count(DISTINCT _silt_execution_id) FROM q), "
                                         "(SELECT count(*) FROM q WHERE _silt_landing_file IS NULL OR "
                                         "_silt_failed_checks <> ['accepted_values(currency)'])",
                                         fmt::format("SELECT * FROM read_parquet('{}', filename=true) QUALIFY row_number() "
                                                     "OVER (PARTITION BY chargeback_id ORDER BY updated_at DESC, filename DESC) = 1",
                                                     landing_glob()))});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(diff.out.substr(diff.out.find('\n') + 1), "0,true,0,true,true,2,0\n");
  // The quarantine is in the catalog too.
  CommandResult listed = silt({"catalog", "show", "cb_delta__quarantine", "--json"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
}

TEST_P(CliConsolidate, FailingChecksGateTheExecutionAndItsFilesAreReadAgain) {
  write_project("", "    checks:\n      - range: {column: amount, max: 100}\n");
  land(1);
  CommandResult gated = silt({"consolidate", "cb_delta"});
  EXPECT_EQ(gated.exit_code, 1) << gated.err;
  EXPECT_NE(gated.err.find("checks failed; nothing was published"), std::string::npos) << gated.err;
  EXPECT_NE(gated.err.find("range(amount)"), std::string::npos) << gated.err;
  CommandResult table = silt({"sql", "--table", "t=" + root_ + "/lake/out_delta", "SELECT 1 FROM t"});
  EXPECT_NE(table.exit_code, 0);  // nothing committed
  auto history = nlohmann::json::parse(silt({"consolidations", "--json"}).out);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["status"], "failed");
  EXPECT_EQ(history[0]["quality"], "gated");
  EXPECT_EQ(history[0]["checks"][0]["status"], "fail");
  const auto events = lines(read(dir_.file("events.jsonl")));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(events[0])["event_type"], "consolidation_failed");

  // With the check corrected, the same landing files are consolidated.
  std::string yaml = read(dir_.file("silt.yaml"));
  yaml.replace(yaml.find("max: 100}"), 9, "max: 100000}");
  write(dir_.file("silt.yaml"), yaml);
  auto record = consolidate("cb_delta");
  EXPECT_EQ(record["files_in"], 20);
  EXPECT_EQ(record["quality"], "passed");
  expect_matches_reference("delta");
}

INSTANTIATE_TEST_SUITE_P(Storage, CliConsolidate, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

// Local only: modification times are set on the files themselves.
TEST(CliConsolidateRetention, OnlyConsolidatedLandingFilesOlderThanTheRetentionGo) {
  TempDir dir;
  write(dir.file("silt.yaml"),
        std::string("name: cb\nstorage: lake\nconsolidations:\n  cb:\n    input: {path: landing, format: parquet}\n") + kJobTail +
            "    output: {path: lake/out, format: parquet}\n    retention: {landing_days: 7}\n");
  CommandResult generated = run_command({std::string(SILT_SOURCE_DIR) + "/examples/chargebacks/generate", "--out",
                                         dir.file("landing"), "--files", "10", "--records", "5", "--silt", SILT_BINARY});
  ASSERT_EQ(generated.exit_code, 0) << generated.err;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.file("landing"))) {
    if (entry.is_regular_file()) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 10u);
  auto age = [](const std::string& path, int days) {
    struct utimbuf times;
    times.actime = times.modtime = time(nullptr) - days * 86400;
    utime(path.c_str(), &times);
  };
  for (size_t i = 0; i < 5; ++i) age(files[i], 10);  // old, and consolidated below
  ASSERT_EQ(run_silt({"consolidate", "cb"}, dir.path()).exit_code, 0);
  // A file landing late with an old modification time is not consolidated yet: it stays.
  write(dir.file("landing/2025/11/03/late.parquet"), read(files[9]));
  age(dir.file("landing/2025/11/03/late.parquet"), 30);
  CommandResult plan = run_silt({"consolidate", "cb", "--dry-run", "--json"}, dir.path());
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  auto planned = nlohmann::json::parse(plan.out);
  EXPECT_EQ(planned["retention_deleted"].size(), 5u);
  EXPECT_EQ(planned["landing_files"].size(), 1u);
  for (const auto& file : files) EXPECT_TRUE(std::filesystem::exists(file));  // a dry run deletes nothing
  CommandResult run = run_silt({"consolidate", "cb", "--json"}, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["retention_deleted"].size(), 5u);
  for (size_t i = 0; i < files.size(); ++i) EXPECT_EQ(std::filesystem::exists(files[i]), i >= 5) << files[i];
  EXPECT_TRUE(std::filesystem::exists(dir.file("landing/2025/11/03/late.parquet")));
}

TEST(CliConsolidateConfig, BadJobsAreReportedWithTheirLines) {
  TempDir dir;
  write(dir.file("silt.yaml"),
        "name: cb\nstorage: lake\nconsolidations:\n  cb:\n    input: {path: landing, layout: DD/MM/YYYY, format: avro}\n"
        "    key: chargeback_id\n    latest_by: updated_at\n"
        "    partition_by: {timezone: America/Sao_Paolo, column: updated_at}\n"
        "    output: {path: lake/out, format: orc}\n");
  CommandResult result = run_silt({"consolidate", "cb"}, dir.path());
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("silt.yaml:5"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown input layout 'DD/MM/YYYY'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown input format 'avro'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown time zone 'America/Sao_Paolo'"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown output format 'orc'"), std::string::npos) << result.err;
  // The checks are read as a model's are (docs/QUALITY.md), with their lines.
  write(dir.file("silt.yaml"),
        std::string("name: cb\nstorage: lake\nconsolidations:\n  cb:\n    input: {path: landing, format: parquet}\n") +
            kJobTail + "    output: {path: lake/out, format: parquet}\n    checks:\n      - not_nul: status\n"
                       "    on_failure: discard\n");
  CommandResult checks = run_silt({"consolidate", "cb"}, dir.path());
  EXPECT_EQ(checks.exit_code, 2);
  EXPECT_NE(checks.err.find("silt.yaml:11:9"), std::string::npos) << checks.err;
  EXPECT_NE(checks.err.find("not_nul"), std::string::npos) << checks.err;
  EXPECT_NE(checks.err.find("silt.yaml:12:17"), std::string::npos) << checks.err;
  EXPECT_NE(checks.err.find("discard"), std::string::npos) << checks.err;
  CommandResult unknown = run_silt({"consolidate", "chargeback"}, dir.path());
  EXPECT_EQ(unknown.exit_code, 2);
}

}  // namespace
}  // namespace silt::testing
