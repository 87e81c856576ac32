// The catalog through the binary, with files and lake on local disk and on S3 (s3rver): discovery
// of YYYY/MM/DD and Hive folders of Parquet and compressed CSV, incremental re-crawls, the three
// schema-change policies, unreadable files, bad folders, catalog.NAME in silt sql and in models,
// Delta tables registered when models and consolidations commit, and the DDL of each dialect.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "support/s3_test_server.h"
#include "support/temp_dir.h"

namespace silt::testing {
namespace {

using nlohmann::json;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

class CliCatalog : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    root_ = dir_.path();
    if (GetParam() == "s3") {
      auto server = S3TestServer::start_s3rver();
      ASSERT_TRUE(server) << server.error().message();
      server_ = std::move(*server);
      auto bucket = server_->create_bucket("catalog");
      ASSERT_TRUE(bucket) << bucket.error().message();
      root_ = "s3://" + *bucket;
    }
    write(dir_.file("silt.yaml"), "name: cat\nstorage: " + root_ + "/lake\n");
  }

  CommandResult silt(std::vector<std::string> args) {
    std::vector<std::string> argv = {"env"};
    if (server_) {
      auto variables = server_->client_environment();
      argv.insert(argv.end(), variables.begin(), variables.end());
    }
    argv.push_back(SILT_BINARY);
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, dir_.path());
  }

  // Writes the rows of `select` to <root>/<relative> in `options` (a COPY option list): written
  // locally by DuckDB, then uploaded as it is for S3.
  void put(const std::string& relative, const std::string& select, const std::string& options = "FORMAT parquet") {
    const std::string local = (server_ ? dir_.file("staged") : root_) + "/" + relative;
    std::filesystem::create_directories(std::filesystem::path(local).parent_path());
    CommandResult copied = silt({"sql", fmt::format("COPY ({}) TO '{}' ({})", select, local, options)});
    ASSERT_EQ(copied.exit_code, 0) << copied.err;
    if (!server_) return;
    std::vector<std::string> files;  // a PARTITION_BY copy writes a folder
    if (std::filesystem::is_directory(local)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(local)) {
        if (entry.is_regular_file()) files.push_back(entry.path().string());
      }
    } else {
      files.push_back(local);
    }
    const std::string bucket = root_.substr(5);
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      const std::string key = std::filesystem::relative(file, dir_.file("staged")).string();
      auto stored = server_->client()->put_object(bucket, key, bytes.str());
      ASSERT_TRUE(stored) << stored.error().message();
    }
  }

  json discover(const std::string& relative, const std::string& name, const std::string& policy = "log") {
    CommandResult result = silt({"discover", root_ + "/" + relative, "--name", name, "--policy", policy, "--json"});
    EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
    auto parsed = json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out;
    return parsed;
  }

  std::string query(const std::string& sql) {
    CommandResult result = silt({"sql", "--format", "csv", sql});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(result.out.find('\n') + 1);
  }

  static std::string column_type(const json& entry, const std::string& name) {
    for (const auto& c : entry.at("columns")) {
      if (c.at("name") == name) return c.at("type").get<std::string>();
    }
    return "";
  }

  TempDir dir_;
  std::string root_;
  std::unique_ptr<S3TestServer> server_;
};

TEST_P(CliCatalog, DiscoversDateFoldersQueriesThemAndRecrawlsOnlyNewFiles) {
  put("landing/2025/11/02/a.parquet", "SELECT range::INTEGER AS id, (range * 10)::INTEGER AS amount FROM range(5)");
  put("landing/2025/11/03/b.parquet", "SELECT (100 + range)::INTEGER AS id, 7::INTEGER AS amount FROM range(8)");
  put("landing/2025/11/03/c.parquet", "SELECT (200 + range)::INTEGER AS id, 1::SMALLINT AS amount FROM range(3)");
  json entry = discover("landing", "landing");
  EXPECT_TRUE(entry.at("created").get<bool>());
  EXPECT_EQ(entry.at("files"), 3);
  EXPECT_EQ(entry.at("rows"), 16);
  EXPECT_EQ(entry.at("partition_style"), "date_folders");
  EXPECT_EQ(entry.at("partition_count"), 2);
  EXPECT_EQ(column_type(entry, "amount"), "INTEGER");  // SMALLINT and INTEGER: INTEGER holds both
  ASSERT_EQ(entry.at("partition_columns").size(), 3u);
  EXPECT_EQ(entry.at("partition_columns")[2].at("name"), "day");

  EXPECT_EQ(query("SELECT count(*), sum(amount) FROM catalog.landing WHERE day = 3"), "11,59\n");
  EXPECT_EQ(query("SELECT year, month, day, count(*) FROM catalog.landing GROUP BY ALL ORDER BY ALL"),
            "2025,11,2,5\n2025,11,3,11\n");

  // Nothing new: nothing read, nothing changed.
  json again = discover("landing", "landing");
  EXPECT_FALSE(again.at("created").get<bool>());
  EXPECT_EQ(again.at("last_crawl").at("files_new"), 0);
  EXPECT_EQ(again.at("files"), 3);

  // A new file with a wider type and a new column: logged, not applied.
  put("landing/2025/11/04/d.parquet", "SELECT 300::BIGINT AS id, 2.5::DOUBLE AS amount, 'x' AS note");
  json logged = discover("landing", "landing");
  EXPECT_EQ(logged.at("last_crawl").at("files_new"), 1);
  EXPECT_FALSE(logged.at("last_crawl").at("applied").get<bool>());
  EXPECT_EQ(column_type(logged, "amount"), "INTEGER");
  EXPECT_EQ(column_type(logged, "note"), "");
  std::set<std::string> kinds;
  for (const auto& change : logged.at("last_crawl").at("changes")) {
    kinds.insert(change.at("column").get<std::string>() + ":" + change.at("kind").get<std::string>());
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"amount:widened", "id:widened", "note:added"}));
  EXPECT_EQ(query("SELECT count(*) FROM catalog.landing"), "17\n");

  // fail: another change stops the crawl, and the entry is as it was.
  put("landing/2025/11/04/e.parquet", "SELECT 301 AS id, 3 AS amount, DATE '2025-11-04' AS note");
  CommandResult failed = silt({"discover", root_ + "/landing", "--name", "landing", "--policy", "fail"});
  EXPECT_EQ(failed.exit_code, 2) << failed.out;
  EXPECT_NE(failed.err.find("policy fail"), std::string::npos) << failed.err;
  EXPECT_NE(failed.err.find("note"), std::string::npos) << failed.err;
  CommandResult shown = silt({"catalog", "show", "landing", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out).at("files"), 4);

  // update: every file's schema is taken in; the entry widens and gains the column.
  json updated = discover("landing", "landing", "update");
  EXPECT_TRUE(updated.at("last_crawl").at("applied").get<bool>());
  EXPECT_EQ(updated.at("files"), 5);
  EXPECT_EQ(column_type(updated, "amount"), "DOUBLE");
  EXPECT_EQ(column_type(updated, "id"), "BIGINT");
  EXPECT_EQ(column_type(updated, "note"), "VARCHAR");  // VARCHAR and DATE: a conflict, made VARCHAR by update
  EXPECT_EQ(query("SELECT id, amount, note FROM catalog.landing WHERE day = 4 ORDER BY id"),
            "300,2.5,x\n301,3.0,2025-11-04\n");

  // A replaced file is read again; a removed one leaves the entry.
  put("landing/2025/11/02/a.parquet", "SELECT 1 AS id, 1 AS amount");
  put("landing/_ignored/x.csv", "SELECT 1 AS x", "FORMAT csv");  // a hidden folder: not data
  json replaced = discover("landing", "landing");
  EXPECT_EQ(replaced.at("last_crawl").at("files_changed"), 1);
  EXPECT_EQ(replaced.at("rows"), 14);
  EXPECT_EQ(query("SELECT count(*) FROM catalog.landing WHERE day = 2"), "1\n");

}

TEST_P(CliCatalog, DiscoversHiveFoldersOfCompressedCsvAndPrintsEachDialect) {
  put("events/dt=2025-11-03/region=eu/part-0.csv.gz", "SELECT range AS id, 'a' || range AS name FROM range(4)",
      "FORMAT csv, HEADER true, COMPRESSION gzip");
  put("events/dt=2025-11-04/region=us/part-0.csv.gz", "SELECT 10 + range AS id, 'b' AS name FROM range(2)",
      "FORMAT csv, HEADER true, COMPRESSION gzip");
  json entry = discover("events", "events");
  EXPECT_EQ(entry.at("format"), "csv");
  EXPECT_EQ(entry.at("partition_style"), "hive");
  EXPECT_TRUE(entry.at("rows").is_null());  // CSV rows are not counted
  ASSERT_EQ(entry.at("partition_columns").size(), 2u);
  EXPECT_EQ(entry.at("partition_columns")[0].at("type"), "DATE");
  EXPECT_EQ(entry.at("partition_columns")[1].at("type"), "VARCHAR");
  EXPECT_EQ(query("SELECT count(*), min(name) FROM catalog.events WHERE dt = DATE '2025-11-03' AND region = 'eu'"),
            "4,a0\n");

  CommandResult athena = silt({"catalog", "ddl", "events", "--dialect", "athena"});
  ASSERT_EQ(athena.exit_code, 0) << athena.err;
  EXPECT_NE(athena.out.find("CREATE EXTERNAL TABLE `events`"), std::string::npos) << athena.out;
  EXPECT_NE(athena.out.find("PARTITIONED BY (\n  `dt` date,\n  `region` string\n)"), std::string::npos) << athena.out;
  EXPECT_NE(athena.out.find("'projection.dt.type' = 'date'"), std::string::npos) << athena.out;
  EXPECT_NE(athena.out.find("'projection.region.values' = 'eu,us'"), std::string::npos) << athena.out;
  EXPECT_NE(athena.out.find("/events/dt=${dt}/region=${region}/'"), std::string::npos) << athena.out;
  EXPECT_NE(athena.out.find("'skip.header.line.count' = '1'"), std::string::npos) << athena.out;
  CommandResult trino = silt({"catalog", "ddl", "events", "--dialect", "trino", "--schema", "landing"});
  ASSERT_EQ(trino.exit_code, 0) << trino.err;
  EXPECT_NE(trino.out.find("CREATE TABLE hive.\"landing\".\"events\""), std::string::npos) << trino.out;
  EXPECT_NE(trino.out.find("partitioned_by = ARRAY['dt', 'region']"), std::string::npos) << trino.out;
  EXPECT_NE(trino.out.find("sync_partition_metadata('landing', 'events', 'ADD')"), std::string::npos) << trino.out;
  CommandResult spark = silt({"catalog", "ddl", "events", "--dialect", "spark"});
  ASSERT_EQ(spark.exit_code, 0) << spark.err;
  EXPECT_NE(spark.out.find("USING CSV"), std::string::npos) << spark.out;
  EXPECT_NE(spark.out.find("MSCK REPAIR TABLE `events`;"), std::string::npos) << spark.out;
}

TEST_P(CliCatalog, ManyPartitionsAreReadByOneReaderWithTheirValues) {
  put("wide", "SELECT range % 40 AS k, range AS v FROM range(400)", "FORMAT parquet, PARTITION_BY (k)");
  json entry = discover("wide", "wide");
  EXPECT_EQ(entry.at("partition_count"), 40);
  EXPECT_EQ(entry.at("rows"), 400);
  EXPECT_EQ(query("SELECT count(*), sum(v) FROM catalog.wide WHERE k = 7"), "10,1870\n");
  EXPECT_EQ(query("SELECT count(DISTINCT k), count(*) FROM catalog.wide"), "40,400\n");
}

TEST_P(CliCatalog, BadFoldersAndNamesAreRefusedWithTheReason) {
  put("mixed/a.parquet", "SELECT 1 AS id");
  put("mixed/b.csv", "SELECT 1 AS id", "FORMAT csv");
  CommandResult mixed = silt({"discover", root_ + "/mixed", "--name", "mixed"});
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("several formats"), std::string::npos) << mixed.err;
  EXPECT_NE(mixed.err.find("--format"), std::string::npos) << mixed.err;
  CommandResult chosen = silt({"discover", root_ + "/mixed", "--name", "mixed", "--format", "csv", "--json"});
  EXPECT_EQ(chosen.exit_code, 0) << chosen.err;

  put("layouts/2025/11/03/a.parquet", "SELECT 1 AS id");
  put("layouts/k=1/b.parquet", "SELECT 1 AS id");
  CommandResult layouts = silt({"discover", root_ + "/layouts", "--name", "layouts"});
  EXPECT_EQ(layouts.exit_code, 2);
  EXPECT_NE(layouts.err.find("not in one folder layout"), std::string::npos) << layouts.err;

  CommandResult empty = silt({"discover", root_ + "/nothing", "--name", "nothing"});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no file under"), std::string::npos) << empty.err;

  CommandResult bad_name = silt({"discover", root_ + "/mixed", "--name", "bad-name", "--format", "csv"});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_NE(bad_name.err.find("'bad-name' is not valid"), std::string::npos) << bad_name.err;

  // An unreadable file is left out, by name and reason; the others are discovered.
  put("broken/2025/11/03/good.parquet", "SELECT 1 AS id");
  put("broken/2025/11/03/bad.parquet", "SELECT 'not parquet' AS text", "FORMAT csv, HEADER false");
  json entry = discover("broken", "broken");
  EXPECT_EQ(entry.at("files"), 1);
  ASSERT_EQ(entry.at("unreadable").size(), 1u);
  EXPECT_EQ(entry.at("unreadable")[0].at("path"), "2025/11/03/bad.parquet");
  EXPECT_EQ(query("SELECT count(*) FROM catalog.broken"), "1\n");

  // The name is another location's.
  CommandResult taken = silt({"discover", root_ + "/layouts/k=1", "--name", "broken"});
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_NE(taken.err.find("already"), std::string::npos) << taken.err;

  CommandResult unknown = silt({"catalog", "show", "brokn"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("did you mean 'broken'"), std::string::npos) << unknown.err;
  CommandResult missing_in_sql = silt({"sql", "SELECT * FROM catalog.nope"});
  EXPECT_NE(missing_in_sql.exit_code, 0);
  EXPECT_NE(missing_in_sql.err.find("no catalog table 'nope'"), std::string::npos) << missing_in_sql.err;

  CommandResult dropped = silt({"catalog", "drop", "broken"});
  EXPECT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(silt({"catalog", "show", "broken"}).exit_code, 2);
}

TEST_P(CliCatalog, ModelsReadTheCatalogAndCommittedDeltaTablesAreRegistered) {
  put("landing/2025/11/03/a.parquet",
      "SELECT range AS id, TIMESTAMP '2025-11-03 12:00:00' + range * INTERVAL 1 MINUTE AS updated_at FROM range(6)");
  discover("landing", "landing");
  write(dir_.file("silt.yaml"),
        "name: cat\nstorage: " + root_ + "/lake\nconsolidations:\n  cb:\n"
        "    input: {path: " + root_ + "/landing, layout: YYYY/MM/DD, format: parquet}\n"
        "    key: id\n    latest_by: updated_at\n    partition_by: {timezone: UTC, column: updated_at}\n"
        "    output: {path: " + root_ + "/lake/cb, format: delta}\n");
  write(dir_.file("models/gold/landing_counts.sql"),
        "/* silt:\nmaterialized: table\n*/\nSELECT day, count(*) AS n FROM catalog.landing GROUP BY day\n");
  // A model reading another through the catalog runs after it (its name sorts first).
  write(dir_.file("models/gold/all_counts.sql"),
        "/* silt:\nmaterialized: table\n*/\nSELECT CAST(sum(n) AS BIGINT) AS total FROM catalog.landing_counts\n");
  CommandResult run = silt({"run"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(query("SELECT total FROM gold.all_counts"), "6\n");
  CommandResult consolidated = silt({"consolidate", "cb"});
  ASSERT_EQ(consolidated.exit_code, 0) << consolidated.err;

  CommandResult listed = silt({"catalog", "list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::map<std::string, json> entries;
  for (const auto& e : json::parse(listed.out)) entries[e.at("name").get<std::string>()] = e;
  ASSERT_EQ(entries.count("landing_counts"), 1u) << listed.out;
  EXPECT_EQ(entries["landing_counts"].at("kind"), "delta");
  EXPECT_EQ(entries["landing_counts"].at("version"), 0);
  EXPECT_EQ(entries["landing_counts"].at("registered_by"), "model landing_counts");
  ASSERT_EQ(entries.count("cb"), 1u) << listed.out;
  EXPECT_EQ(entries["cb"].at("rows"), 6);
  EXPECT_EQ(entries["cb"].at("partition_columns").size(), 3u);  // year=/month=/day=
  EXPECT_EQ(query("SELECT n FROM catalog.landing_counts"), "6\n");
  EXPECT_EQ(query("SELECT count(*) FROM catalog.cb"), "6\n");

  // Another commit refreshes the entry's version.
  ASSERT_EQ(silt({"run"}).exit_code, 0);
  CommandResult shown = silt({"catalog", "show", "landing_counts", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out).at("version"), 1);

  CommandResult athena = silt({"catalog", "ddl", "cb", "--dialect", "athena"});
  EXPECT_NE(athena.out.find("TBLPROPERTIES ('table_type' = 'DELTA')"), std::string::npos) << athena.out;
  CommandResult trino = silt({"catalog", "ddl", "cb", "--dialect", "trino"});
  EXPECT_NE(trino.out.find("CALL delta.system.register_table(schema_name => 'default', table_name => 'cb'"),
            std::string::npos)
      << trino.out;

  // Discovering a Delta table's folder registers the table.
  json delta = discover("lake/cb", "cb_again");
  EXPECT_EQ(delta.at("kind"), "delta");
  EXPECT_EQ(query("SELECT count(*) FROM catalog.cb_again"), "6\n");
}

INSTANTIATE_TEST_SUITE_P(Storage, CliCatalog, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace silt::testing
