// Pipeline defects a hostile probe found, reproduced through the real binary: secrets in error
// texts and run records, reserved schema/table names and app ids, a merge model's first build with
// duplicate keys, quarantine tables in project SQL, run-date and global-option validation, `sql
// --table` names, `init` names, and check SQL that validate must refuse.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;
using CliPipelineHardening = SiltCli;

std::string all_files_under(const std::string& root) {
  std::string text;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text += buffer.str();
  }
  return text;
}

TEST_F(CliPipelineHardening, SecretsNeverReachMessagesOrRunRecords) {
  const std::string token = "s3cr3t-T0ken-9f2b";
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\nvars:\n  api_token: ${MY_TOKEN}\n");
  write_file("p/models/main/leak.sql", "SELECT CAST(getvariable('api_token') AS INTEGER) AS n\n");
  ::setenv("MY_TOKEN", token.c_str(), 1);
  CommandResult result = silt({"run", "--project", "p", "--date", "2025-11-01"});
  CommandResult as_json = silt({"run", "--project", "p", "--date", "2025-11-01", "--json"});
  ::unsetenv("MY_TOKEN");
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err.find(token), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find(token), std::string::npos) << result.out;
  EXPECT_EQ(as_json.out.find(token), std::string::npos) << as_json.out;
  EXPECT_NE(result.err.find("***"), std::string::npos) << "the conversion error names the value: " << result.err;
  std::string records = all_files_under(path("p/lake/_silt"));
  EXPECT_FALSE(records.empty());
  EXPECT_EQ(records.find(token), std::string::npos);
}

TEST_F(CliPipelineHardening, ReservedNamesAreRefused) {
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("p/models/main/runs.sql", "/* silt:\nschema: _silt\nalias: runs\n*/\nSELECT 1 AS a\n");
  write_file("p/models/main/q.sql", "/* silt:\nalias: orders__quarantine\n*/\nSELECT 1 AS a\n");
  CommandResult result = silt({"validate", "--project", "p"});
  EXPECT_EQ(result.exit_code, 2);
  std::string all = result.out + result.err;
  EXPECT_NE(all.find("schema '_silt' starts with '_', which silt reserves"), std::string::npos) << all;
  EXPECT_NE(all.find("table name 'orders__quarantine' ends with '__quarantine'"), std::string::npos) << all;
  EXPECT_FALSE(exists("p/lake/main"));

  ASSERT_EQ(silt({"table", "create", "t", "--schema", "a INT"}).exit_code, 0);
  CommandResult app = silt({"table", "write", "t", "--query", "SELECT 1 AS a", "--app-id", "silt.ingest",
                            "--app-version", "999"});
  EXPECT_EQ(app.exit_code, 2);
  EXPECT_NE(app.err.find("ids starting with 'silt.' are reserved"), std::string::npos) << app.err;
  EXPECT_EQ(info("t")["version"], 0);
}

TEST_F(CliPipelineHardening, AMergeModelsFirstBuildEnforcesItsKey) {
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("p/models/main/m.sql",
             "/* silt:\nmaterialized: merge\nunique_key: [id]\n*/\n"
             "SELECT * FROM (VALUES (1, 'a'), (1, 'b'), (2, 'c')) t(id, v)\n");
  CommandResult first = silt({"run", "--project", "p", "--date", "2025-11-01"});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("duplicate key in the input: id=1 appears in 2 rows"), std::string::npos) << first.err;
  EXPECT_FALSE(exists("p/lake/main/m/_delta_log"));
  write_file("p/models/main/m.sql",
             "/* silt:\nmaterialized: merge\nunique_key: [id]\n*/\n"
             "SELECT * FROM (VALUES (1, 'a'), (NULL, 'b')) t(id, v)\n");
  CommandResult nulls = silt({"run", "--project", "p", "--date", "2025-11-01", "--full-refresh"});
  EXPECT_EQ(nulls.exit_code, 1);
  EXPECT_NE(nulls.err.find("key column 'id' is NULL in 1 row"), std::string::npos) << nulls.err;
  EXPECT_FALSE(exists("p/lake/main/m/_delta_log"));
}

TEST_F(CliPipelineHardening, QuarantineTablesCanBeQueriedInProjectMode) {
  write_file("p/silt.yaml",
             "name: shop\nstorage: ./lake\nsources:\n  - {name: events, format: csv, path: landing/*.csv}\n");
  write_file("p/models/bronze/bronze_events.sql",
             "/* silt:\nmaterialized: append\non_failure: quarantine\nchecks:\n  - not_null: id\n*/\n"
             "SELECT * FROM source.events\n");
  write_file("p/landing/e1.csv", "id,v\n1,a\n,b\n");
  CommandResult run = silt({"run", "--project", "p", "--date", "2025-11-01"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(silt_out({"sql", "--project", "p", "--format", "csv",
                      "SELECT v FROM bronze.events__quarantine ORDER BY v"}),
            "v\nb\n");
}

TEST_F(CliPipelineHardening, RunDatesAndGlobalOptionsAreValidated) {
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("p/models/main/m.sql", "SELECT 1 AS a\n");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::vector<Case> cases = {
      {{"run", "--project", "p", "--date", ""}, "'' is not a date YYYY-MM-DD"},
      {{"run", "--project", "p", "--date", "0000-01-01"}, "'0000-01-01' is not a date YYYY-MM-DD from 1900-01-01"},
      {{"run", "--project", "p", "--date", "2025-02-30"}, "is not a date"},
      {{"backfill", "--project", "p", "--from", "2025-13-01", "--to", "2025-12-01"}, "is not a date"},
      {{"--memory-limit", "20000000TB", "table", "info", "x"}, "is beyond what silt accepts"},
      {{"--memory-limit", "-5GB", "table", "info", "x"}, "is not a memory size"},
      {{"--memory-limit", "0GB", "table", "info", "x"}, "must be more than zero"},
      {{"--memory-limit", "512", "table", "info", "x"}, "has no unit"},
      {{"--threads", "-1", "table", "info", "x"}, "'-1' is not a number of threads from 1 to 4096"},
      {{"bogus"}, "unknown command 'bogus' (commands: table, sql"},
      {{"--threads", "2", "bogus"}, "unknown command 'bogus'"},
  };
  for (const auto& test : cases) {
    CommandResult result = silt(test.args);
    EXPECT_EQ(result.exit_code, 2) << test.message;
    EXPECT_NE(result.err.find(test.message), std::string::npos) << result.err;
  }
  EXPECT_FALSE(exists("p/lake/main"));
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\nengine:\n  memory_limit: 0GB\n");
  CommandResult bad = silt({"validate", "--project", "p"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE((bad.out + bad.err).find("memory size '0GB' must be more than zero"), std::string::npos)
      << bad.out << bad.err;
}

TEST_F(CliPipelineHardening, SqlTableNamesAreUniqueAndPathsMayHoldAt) {
  ASSERT_EQ(silt({"table", "write", "a", "--query", "SELECT 1 AS x"}).exit_code, 0);
  ASSERT_EQ(silt({"table", "write", "b", "--query", "SELECT 2 AS x"}).exit_code, 0);
  for (const std::string second : {"t=b", "T=b"}) {
    CommandResult result = silt({"sql", "--table", "t=a", "--table", second, "SELECT * FROM t"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("give the same name"), std::string::npos) << result.err;
  }
  ASSERT_EQ(silt({"table", "write", "at@home", "--query", "SELECT 3 AS x"}).exit_code, 0);
  ASSERT_EQ(silt({"table", "write", "at@home", "--query", "SELECT 4 AS x"}).exit_code, 0);
  EXPECT_EQ(silt_out({"sql", "--format", "csv", "--table", "t=at@@home", "SELECT sum(x) AS s FROM t"}), "s\n7\n");
  EXPECT_EQ(silt_out({"sql", "--format", "csv", "--table", "t=at@@home@0", "SELECT sum(x) AS s FROM t"}), "s\n3\n");
  CommandResult bad = silt({"sql", "--table", "t=at@home", "SELECT 1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("a path holding '@' writes it as '@@'"), std::string::npos) << bad.err;
}

TEST_F(CliPipelineHardening, InitNamesAndQuotesTheDirectory) {
  CommandResult spaced = silt({"init", "my shop"});
  ASSERT_EQ(spaced.exit_code, 0) << spaced.err;
  EXPECT_NE(spaced.out.find("  cd 'my shop'\n"), std::string::npos) << spaced.out;
  EXPECT_NE(read_file("my shop/silt.yaml").find("name: my_shop"), std::string::npos);
  CommandResult unicode = silt({"init", "ünï"});
  ASSERT_EQ(unicode.exit_code, 0) << unicode.err;
  EXPECT_NE(read_file("ünï/silt.yaml").find("name: ünï"), std::string::npos) << read_file("ünï/silt.yaml");
  EXPECT_NE(unicode.out.find("  cd ünï\n"), std::string::npos) << unicode.out;
}

TEST_F(CliPipelineHardening, ValidateRefusesCheckSqlARunCouldNotExecute) {
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("p/models/main/m.sql",
             "/* silt:\nchecks:\n"
             "  - sql: \"SELECT * FROM this WHERE a < 0; SELECT 1\"\n"
             "  - expression: \"a > 0) , (1\"\n"
             "*/\nSELECT 1 AS a\n");
  CommandResult result = silt({"validate", "--project", "p"});
  EXPECT_EQ(result.exit_code, 2);
  std::string all = result.out + result.err;
  EXPECT_NE(all.find("the query must be one SELECT over `this`"), std::string::npos) << all;
  EXPECT_NE(all.find("the expression is not one SQL expression"), std::string::npos) << all;
}

// An append model over a table reads only what the table gained since its last commit.
class AppendOverTable : public SiltCli {
 protected:
  void SetUp() override {
    write_file("p/silt.yaml",
               "name: shop\nstorage: ./lake\nsources:\n  - {name: events, format: csv, path: landing/*.csv}\n");
    write_file("p/models/silver/silver_events.sql", "/* silt:\nmaterialized: append\n*/\nSELECT id, v FROM source.events\n");
    write_file("p/models/gold/gold_log.sql", "/* silt:\nmaterialized: append\n*/\nSELECT id, v FROM silver.events\n");
  }
  CommandResult run(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"run", "--project", "p", "--date", "2025-11-01"};
    args.insert(args.end(), extra.begin(), extra.end());
    return silt(args);
  }
  std::string count(const std::string& table) {
    return silt_out({"sql", "--project", "p", "--format", "csv", "SELECT count(*) AS n FROM " + table});
  }
};

TEST_F(AppendOverTable, EachRunAppendsOnlyTheNewRows) {
  write_file("p/landing/e1.csv", "id,v\n1,a\n2,b\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(count("gold.log"), "n\n2\n");
  CommandResult again = run();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("no new rows in its input tables"), std::string::npos) << again.out;
  EXPECT_EQ(count("gold.log"), "n\n2\n");
  write_file("p/landing/e2.csv", "id,v\n3,c\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(count("gold.log"), "n\n3\n");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_EQ(count("gold.log"), "n\n3\n");
}

TEST_F(AppendOverTable, AnInputThatRewroteRowsIsRefusedOrRebuilt) {
  write_file("p/landing/e1.csv", "id,v\n1,a\n2,b\n");
  ASSERT_EQ(run().exit_code, 0);
  ASSERT_EQ(silt({"table", "delete", "p/lake/silver/events", "--where", "id = 1"}).exit_code, 0);
  CommandResult refused = run({"--select", "gold_log"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("an append model reads only the rows its inputs gain, and silver.events version 1 "
                             "(DELETE) removed 1 file after version 0"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("on_input_rewrite: full_refresh"), std::string::npos) << refused.err;
  EXPECT_EQ(count("gold.log"), "n\n2\n");
  write_file("p/models/gold/gold_log.sql",
             "/* silt:\nmaterialized: append\non_input_rewrite: full_refresh\n*/\nSELECT id, v FROM silver.events\n");
  CommandResult rebuilt = run({"--select", "gold_log"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_EQ(count("gold.log"), "n\n1\n");
}

TEST_F(AppendOverTable, OneRunAtATimeAndADeadHoldersLockIsTakenOver) {
  write_file("p/landing/e1.csv", "id,v\n1,a\n");
  // A lock left by a process that no longer exists (a killed run) on this host.
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  write_file("p/lake/_silt/locks/project.json",
             std::string("{\"run_id\":\"20251101T000000000Z-dead\",\"pid\":999999999,\"host\":\"") + host +
                 "\",\"started\":\"2025-11-01 00:00:00.000\"}");
  ASSERT_EQ(run().exit_code, 0);
  EXPECT_FALSE(exists("p/lake/_silt/locks/project.json"));
  // A live holder: this test process.
  write_file("p/lake/_silt/locks/project.json",
             std::string("{\"run_id\":\"20251101T000000000Z-live\",\"pid\":") + std::to_string(getpid()) +
                 ",\"host\":\"" + host + "\",\"started\":\"2025-11-01 00:00:00.000\"}");
  CommandResult blocked = run();
  EXPECT_EQ(blocked.exit_code, 3);
  EXPECT_NE(blocked.err.find("run 20251101T000000000Z-live has been in progress since 2025-11-01 00:00:00.000"),
            std::string::npos)
      << blocked.err;
  // Another lock name runs anyway.
  CommandResult other = run({"--select", "gold_log", "--lock", "gold"});
  EXPECT_EQ(other.exit_code, 0) << other.err;
  std::filesystem::remove(path("p/lake/_silt/locks/project.json"));
}

TEST_F(CliPipelineHardening, VariablesAndPathsNeverBecomeStatements) {
  std::string marker = path("injected.csv");
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\nvars:\n  x: \"'); COPY (SELECT 1) TO '" + marker + "'; --\"\n");
  write_file("p/models/main/m.sql", "SELECT getvariable('x') AS v\n");
  CommandResult run = silt({"run", "--project", "p", "--date", "2025-11-01"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(std::filesystem::exists(marker));
  EXPECT_EQ(silt_out({"sql", "--project", "p", "--format", "csv", "SELECT v FROM main.m"}),
            "v\n'); COPY (SELECT 1) TO '" + marker + "'; --\n");
  // A table path with a quote and a semicolon is a path, nothing more.
  std::string odd = "it's; COPY (SELECT 1) TO 'x.csv'";
  ASSERT_EQ(silt({"table", "write", odd, "--query", "SELECT 1 AS a", "--partition-by", "a"}).exit_code, 2);
  CommandResult written = silt({"table", "write", odd, "--query", "SELECT 1 AS a, 'k' AS b", "--partition-by", "b"});
  EXPECT_EQ(written.exit_code, 0) << written.err;
  EXPECT_EQ(silt_out({"sql", "--format", "csv", "--table", "t=" + odd, "SELECT a, b FROM t"}), "a,b\n1,k\n");
  EXPECT_FALSE(exists("x.csv"));
}

TEST_F(CliPipelineHardening, DeletingFromATableWithACorruptDataFileExitsOne) {
  ASSERT_EQ(silt({"table", "write", "t", "--query", "SELECT range AS id FROM range(10)"}).exit_code, 0);
  auto files = silt_json({"table", "files", "t", "--json"});
  ASSERT_EQ(files.size(), 1u);
  write_file("t/" + files[0]["path"].get<std::string>(), "not parquet at all");
  CommandResult result = silt({"table", "delete", "t", "--where", "id = 3"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("cannot read the data files of"), std::string::npos) << result.err;
}

// A source file whose value does not parse as the table's column: the run names the value, the file
// and the line (a quoted field spanning lines before it included), and commits nothing.
TEST_F(CliPipelineHardening, ABadSourceValueNamesItsFileAndLine) {
  write_file("p/silt.yaml",
             "name: shop\nstorage: ./lake\nsources:\n  - {name: orders, format: csv, path: landing/*.csv}\n");
  write_file("p/models/bronze/orders.sql", "/* silt:\nmaterialized: append\n*/\nSELECT * FROM source.orders\n");
  write_file("p/landing/a.csv", "id,note,amount\n1,plain,2.5\n2,plain,3\n");
  ASSERT_EQ(silt({"run", "--project", "p", "--date", "2025-11-01"}).exit_code, 0);
  write_file("p/landing/b.csv", "id,note,amount\n3,\"two\nlines\",4\n4,plain,n/a\n5,plain,\n");
  CommandResult bad = silt({"run", "--project", "p", "--date", "2025-11-02"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("column 'amount' is VARCHAR in the input but DOUBLE in the table, and 1 input value cannot "
                         "be read as DOUBLE, for example 'n/a' (in " + path("p/landing/b.csv") + ", line 4)"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("TRY_CAST(\"amount\" AS DOUBLE)"), std::string::npos) << bad.err;
  EXPECT_EQ(query_csv("p/lake/bronze/orders", "SELECT count(*) AS n FROM o"), "n\n2\n");
}

// Ctrl-C (SIGINT) during a run: the running model is interrupted and commits nothing, its
// dependents are skipped, the record says "cancelled", and the process exits 1 on its own.
TEST_F(CliPipelineHardening, ASignalCancelsTheRunCleanly) {
  write_file("p/silt.yaml", "name: shop\nstorage: ./lake\n");
  write_file("p/models/main/slow.sql",
             "SELECT count(*) AS n FROM range(100000000000) a WHERE a.range % 7 = 3\n");
  write_file("p/models/main/after.sql", "SELECT n FROM main.slow\n");
  CommandResult result = run_command(
      {"/bin/sh", "-c",
       std::string("\"") + SILT_BINARY +
           "\" run --project p --date 2025-11-01 & pid=$!; sleep 2; kill -INT $pid; wait $pid; echo \"exit=$?\""},
      path(""));
  EXPECT_NE(result.out.find("exit=1"), std::string::npos) << result.out << result.err;
  EXPECT_NE(result.err.find("stopping the run"), std::string::npos) << result.err;
  EXPECT_FALSE(exists("p/lake/main/slow/_delta_log"));
  json runs = silt_json({"runs", "--project", "p", "--json"});
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["status"], "cancelled") << runs.dump();
  std::string all = runs.dump();
  EXPECT_NE(all.find("cancelled (the run was stopped while this model ran)"), std::string::npos) << all;
  EXPECT_NE(all.find("skipped"), std::string::npos) << all;
  // A cancelled run resumes like a failed one.
  write_file("p/models/main/slow.sql", "SELECT 42 AS n\n");
  CommandResult resumed = silt({"run", "--project", "p", "--resume", runs[0]["run_id"].get<std::string>()});
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(query_csv("p/lake/main/after", "SELECT n FROM o"), "n\n42\n");
}

}  // namespace
}  // namespace silt::testing
