// Defects a hostile probe found, each reproduced through the real binary: column names differing
// only by case, SQL text from the command line that tried to become several statements, predicates
// that are not boolean. Every case checks what was (not) written, not only the exit code.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "unit/app/silt_cli.h"

namespace silt::testing {
namespace {

using nlohmann::json;
using CliHardening = SiltCli;

TEST_F(CliHardening, ColumnsDifferingOnlyByCaseAreRefusedOnWrite) {
  CommandResult created = silt({"table", "write", "dup", "--query", "SELECT 1 AS a, 2 AS A"});
  EXPECT_EQ(created.exit_code, 2);
  EXPECT_NE(created.err.find("the input has columns 'a' and 'A', whose names differ only by case"), std::string::npos)
      << created.err;
  EXPECT_FALSE(exists("dup/_delta_log"));

  ASSERT_EQ(silt({"table", "create", "people", "--schema", "id INT, Name VARCHAR"}).exit_code, 0);
  CommandResult written = silt({"table", "write", "people", "--query", "SELECT 1 AS id, 'x' AS name, 'y' AS NAME"});
  EXPECT_EQ(written.exit_code, 2);
  EXPECT_NE(written.err.find("differ only by case"), std::string::npos) << written.err;
  CommandResult merged =
      silt({"table", "merge", "people", "--key", "id", "--query", "SELECT 1 AS id, 'x' AS name, 'y' AS NAME"});
  EXPECT_EQ(merged.exit_code, 2);
  EXPECT_NE(merged.err.find("differ only by case"), std::string::npos) << merged.err;
  EXPECT_EQ(info("people")["version"], 0);
}

// Each case would have written a file (COPY) had the text run as a second statement.
TEST_F(CliHardening, SqlFragmentsFromTheCommandLineNeverRunAsStatements) {
  create_orders_with_rows();
  ASSERT_EQ(silt({"table", "create", "plain", "--schema", "a INT"}).exit_code, 0);
  std::string marker = path("injected.csv");
  std::string copy = "COPY (SELECT 42) TO '" + marker + "'";
  std::vector<std::vector<std::string>> attempts = {
      {"table", "delete", "orders", "--where", "order_id = 1; " + copy},
      {"table", "delete", "orders", "--where", "order_id = 1); " + copy + "; SELECT (1"},
      {"table", "write", "orders", "--mode", "overwrite", "--replace-where",
       "order_date = DATE '2025-11-01'; " + copy, "--query", "SELECT * FROM (VALUES (1)) t(x) WHERE false"},
      {"table", "merge", "orders", "--key", "order_id", "--delete-when", "status = 'x'; " + copy, "--query",
       "SELECT 1::BIGINT AS order_id, 1.0 AS amount, 'x' AS status, DATE '2025-11-01' AS order_date"},
      {"table", "create", "inj", "--schema", "a INT); " + copy + "; CREATE TABLE y (b INT"},
      {"table", "create", "inj2", "--schema", "a INT) ; " + copy + " --"},
  };
  for (const auto& args : attempts) {
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 2) << args[1] << ": " << result.err;
    EXPECT_FALSE(std::filesystem::exists(marker)) << args[1] << " ran the injected statement: " << result.err;
    std::filesystem::remove(marker);
  }
  EXPECT_FALSE(exists("inj/_delta_log"));
  EXPECT_FALSE(exists("inj2/_delta_log"));
  EXPECT_EQ(info("orders")["version"], 1);
}

TEST_F(CliHardening, PredicatesMustBeBoolean) {
  create_orders_with_rows();
  CommandResult result = silt({"table", "delete", "orders", "--where", "order_id"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--where 'order_id' is not a boolean predicate (its type is BIGINT)"), std::string::npos)
      << result.err;
  EXPECT_EQ(info("orders")["num_rows"], 4);
  result = silt({"table", "write", "orders", "--mode", "overwrite", "--replace-where", "order_date", "--query",
                 "SELECT * FROM (SELECT 1::BIGINT AS order_id) WHERE false"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is not a boolean predicate"), std::string::npos) << result.err;
  result = silt({"table", "merge", "orders", "--key", "order_id", "--delete-when", "amount", "--query",
                 "SELECT 1::BIGINT AS order_id, 1.0 AS amount, 'x' AS status, DATE '2025-11-01' AS order_date"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("is not a boolean predicate"), std::string::npos) << result.err;
  EXPECT_EQ(info("orders")["version"], 1);
}

TEST_F(CliHardening, PartitionedWritesToNonAsciiPathsStayInsideTheTable) {
  for (const std::string name : {"aï", "😀", "日本", "Ω", "é/ü"}) {
    CommandResult result =
        silt({"table", "write", name, "--query", "SELECT 1 AS id, 'a' AS v", "--partition-by", "v"});
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.err;
    json files = silt_json({"table", "files", name, "--json"});
    ASSERT_EQ(files.size(), 1u) << name;
    std::string file = files[0]["path"];
    EXPECT_EQ(file.rfind("v=a/part-", 0), 0u) << name << ": " << file;
    EXPECT_TRUE(std::filesystem::exists(path(name + "/" + file))) << name;
    EXPECT_EQ(query_csv(name, "SELECT id, v FROM o"), "id,v\n1,a\n") << name;
  }
  // Nothing was written beside the tables, in the working directory or a parent.
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
    std::string file = entry.path().filename().string();
    EXPECT_TRUE(file == "aï" || file == "😀" || file == "日本" || file == "Ω" || file == "é") << file;
  }
}

TEST_F(CliHardening, FailedWritesLeaveNoFilesBehind) {
  create_orders_with_rows();
  auto before = parquet_files_on_disk("orders");
  // The cast fails while DuckDB is writing the files.
  CommandResult result = silt({"table", "write", "orders", "--query",
                               "SELECT i AS order_id, CASE WHEN i < 5000 THEN '1.0' ELSE 'x' END::DECIMAL(12,2) AS amount, "
                               "'new' AS status, DATE '2025-11-01' + (i % 3)::INTEGER AS order_date FROM range(10000) t(i)"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_EQ(parquet_files_on_disk("orders"), before);
  for (const auto& entry : std::filesystem::directory_iterator(path("orders"))) {
    EXPECT_EQ(entry.path().filename().string().find("_silt_staging"), std::string::npos) << entry.path();
  }
}

TEST_F(CliHardening, EmptyPathsAreRefusedEverywhere) {
  std::vector<std::vector<std::string>> commands = {
      {"table", "create", "", "--schema", "a INT"}, {"table", "write", "", "--query", "SELECT 1 AS a"},
      {"table", "restore", "", "--version", "0"},   {"table", "checkpoint", ""},
      {"table", "info", " "},                        {"init", ""}};
  for (const auto& args : commands) {
    CommandResult result = silt(args);
    EXPECT_EQ(result.exit_code, 2) << args[1];
    EXPECT_NE(result.err.find("an empty path names no location"), std::string::npos) << result.err;
  }
  EXPECT_FALSE(exists("_delta_log"));
}

TEST_F(CliHardening, AnUncaughtExceptionBecomesAnInternalErrorMessage) {
  ::setenv("SILT_FAULT_INJECT", "throw", 1);
  CommandResult result = silt({"table", "info", "x"});
  ::unsetenv("SILT_FAULT_INJECT");
  EXPECT_EQ(result.exit_code, 70);
  EXPECT_NE(result.err.find("silt: internal error: fault injected"), std::string::npos) << result.err;
}

TEST_F(CliHardening, ATableOfOnlyPartitionColumnsIsRefused) {
  CommandResult created = silt({"table", "create", "t", "--schema", "a INT, b VARCHAR", "--partition-by", "a,b"});
  EXPECT_EQ(created.exit_code, 2);
  EXPECT_NE(created.err.find("every column (a, b) would be a partition column"), std::string::npos) << created.err;
  EXPECT_FALSE(exists("t/_delta_log"));
  CommandResult written = silt({"table", "write", "t", "--query", "SELECT 1 AS a", "--partition-by", "a"});
  EXPECT_EQ(written.exit_code, 2);
  EXPECT_FALSE(exists("t/_delta_log"));
}

TEST_F(CliHardening, CommitsThatChangeNothingAreNotMade) {
  create_orders_with_rows();
  CommandResult empty = silt({"table", "write", "orders", "--query", "SELECT * FROM (SELECT 1::BIGINT AS order_id) WHERE false"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.out.find("the input has no rows; nothing committed"), std::string::npos) << empty.out;
  CommandResult restore = silt({"table", "restore", "orders", "--version", "1"});
  EXPECT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_NE(restore.out.find("version 1 is the current version; nothing committed"), std::string::npos) << restore.out;
  EXPECT_EQ(info("orders")["version"], 1);
  // An unpartitioned table gets no empty data file from an empty append.
  ASSERT_EQ(silt({"table", "create", "plain", "--schema", "a INT"}).exit_code, 0);
  ASSERT_EQ(silt({"table", "write", "plain", "--query", "SELECT 1 AS a WHERE false"}).exit_code, 0);
  EXPECT_TRUE(parquet_files_on_disk("plain").empty());
  EXPECT_EQ(info("plain")["version"], 0);
}

TEST_F(CliHardening, TablePropertiesAreValidated) {
  struct Case {
    std::string property;
    std::string message;
  };
  std::vector<Case> cases = {
      {"delta.appendOnly=maybe", "delta.appendOnly='maybe' is not valid: expected true or false"},
      {"delta.checkpointInterval=0", "expected a positive integer"},
      {"delta.checkpointInterval=-5", "expected a positive integer"},
      {"delta.checkpointInterval=abc", "expected a positive integer"},
      {"delta.columnMapping.mode=name", "silt does not write column mapping"},
      {"delta.enableDeletionVectors=true", "silt does not write deletion vectors"},
      {"delta.enableChangeDataFeed=true", "change data feed"},
      {"delta.appendonly=true", "unknown table property 'delta.appendonly' (did you mean 'delta.appendOnly'?)"},
      {"delta.feature.deletionVectors=supported", "table features are set by silt"},
      {"delta.constraints.positive=a > 0", "CHECK constraints are not enforced"},
      {"delta.logRetentionDuration=forever", "an interval such as"},
  };
  for (const auto& test : cases) {
    CommandResult result = silt({"table", "create", "t", "--schema", "a INT", "--property", test.property});
    EXPECT_EQ(result.exit_code, 2) << test.property;
    EXPECT_NE(result.err.find(test.message), std::string::npos) << test.property << ": " << result.err;
    EXPECT_FALSE(exists("t/_delta_log")) << test.property;
  }
  CommandResult fine = silt({"table", "create", "t", "--schema", "a INT", "--property", "delta.appendOnly=TRUE",
                             "--property", "delta.logRetentionDuration=interval 30 days", "--property",
                             "delta.columnMapping.mode=none", "--property", "team=payments"});
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
}

TEST_F(CliHardening, ReplaceWhereOnAnUnpartitionedTableSaysWhy) {
  ASSERT_EQ(silt({"table", "create", "plain", "--schema", "a INT"}).exit_code, 0);
  CommandResult result = silt({"table", "write", "plain", "--mode", "overwrite", "--replace-where", "a = 1", "--query",
                               "SELECT 1 AS a"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("the table has no partition columns"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("silt_"), std::string::npos) << result.err;
}

// A checkpoint that is valid Parquet but wrong: the table reads from the commits instead, with a
// warning naming the checkpoint.
TEST_F(CliHardening, AWrongCheckpointFallsBackToTheCommits) {
  ASSERT_EQ(silt({"table", "create", "t", "--schema", "id INT"}).exit_code, 0);
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(silt({"table", "write", "t", "--query", "SELECT " + std::to_string(i) + " AS id"}).exit_code, 0);
  }
  ASSERT_EQ(silt({"table", "checkpoint", "t"}).exit_code, 0);
  std::string checkpoint = path("t/_delta_log/" + log_file(5, ".checkpoint.parquet"));
  ASSERT_TRUE(std::filesystem::exists(checkpoint));

  // Its add rows removed: _last_checkpoint still says 5 files.
  ASSERT_EQ(silt({"sql", "COPY (SELECT * FROM read_parquet('" + checkpoint + "') WHERE add IS NULL) TO '" +
                             path("filtered.parquet") + "' (FORMAT parquet)"})
                .exit_code,
            0);
  std::filesystem::copy_file(path("filtered.parquet"), checkpoint, std::filesystem::copy_options::overwrite_existing);
  CommandResult result = silt({"table", "info", "t", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json::parse(result.out)["num_files"], 5);
  EXPECT_NE(result.err.find("checkpoint " + checkpoint + " of version 5 is not usable: it holds 0 add actions where "
                            "_last_checkpoint says numOfAddFiles 5"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(query_csv("t", "SELECT sum(id) AS s FROM o"), "s\n15\n");

  // Other columns altogether: no protocol, no metadata.
  ASSERT_EQ(silt({"sql", "COPY (SELECT 1 AS x, 'y' AS z) TO '" + checkpoint + "' (FORMAT parquet)"}).exit_code, 0);
  result = silt({"table", "info", "t", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(json::parse(result.out)["num_files"], 5);
  EXPECT_NE(result.err.find("checkpoint " + checkpoint + " of version 5 is not usable"), std::string::npos) << result.err;
  EXPECT_EQ(query_csv("t", "SELECT count(*) AS n FROM o"), "n\n5\n");
  // The table stays writable.
  EXPECT_EQ(silt({"table", "write", "t", "--query", "SELECT 6 AS id"}).exit_code, 0);
  EXPECT_EQ(query_csv("t", "SELECT count(*) AS n FROM o"), "n\n6\n");
}

// CSV is read against the table's schema, not by sniffing: each bad input names file, line and column.
TEST_F(CliHardening, CsvAndJsonInputProblemsNameTheFileLineAndColumn) {
  ASSERT_EQ(silt({"table", "create", "t", "--schema", "id BIGINT, amount DECIMAL(12,2), name VARCHAR, d DATE"}).exit_code, 0);
  struct Case {
    std::string file, content, message;
  };
  std::vector<Case> cases = {
      {"few.csv", "id,amount,name,d\n1,2.50,x,2025-01-01\n2,3\n", "few.csv line 3, column 'name': Expected Number of Columns: 4 Found: 2: 2,3"},
      {"many.csv", "id,amount,name,d\n1,2.50,x,2025-01-01,9\n", "many.csv line 2, column"},
      {"quote.csv", "id,amount,name,d\n1,1.00,\"unterminated,2025-01-01\n2,1.00,b,2025-01-02\n",
       "quote.csv line 2, column 'name': Value with unterminated quote found."},
      {"slash.csv", "id,amount,name,d\n1,1.00,x,01/02/2025\n",
       "slash.csv line 2, column 'd': Error when converting column \"d\". Could not convert string \"01/02/2025\" to 'DATE'"},
      {"utf.csv", "id,amount,name,d\n1,1.00,\xff\xfe,2025-01-01\n", "utf.csv line 2, column 'name': Invalid unicode"},
      {"round.csv", "id,amount,name,d\n1,1.005,x,2025-01-01\n",
       "column 'amount': 1 value cannot be stored in DECIMAL(12,2) exactly (for example 1.005"},
      {"round.json", "{\"id\": 1, \"amount\": 1.005, \"name\": \"x\", \"d\": \"2025-01-01\"}\n",
       "column 'amount': 1 value cannot be stored in DECIMAL(12,2) exactly"},
      {"text.json", "{\"id\": 1, \"name\": \"x\"}\n{\"id\": \"two\", \"name\": \"y\"}\n",
       "text.json line 2: Failed to cast value to numerical: \"two\" (values are read as the table's column types"},
  };
  for (const auto& test : cases) {
    write_file("in/" + test.file, test.content);
    CommandResult result = silt({"table", "write", "t", "--input", "in/" + test.file});
    EXPECT_EQ(result.exit_code, 2) << test.file << ": " << result.err;
    EXPECT_NE(result.err.find(test.message), std::string::npos) << test.file << ": " << result.err;
    EXPECT_EQ(result.err.find("Possible fixes"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find("Try setting"), std::string::npos) << result.err;
  }
  EXPECT_EQ(info("t")["version"], 0);
  EXPECT_TRUE(parquet_files_on_disk("t").empty());

  // A DOUBLE query rounding a value is refused too; rounding it in the query is the way to store it.
  CommandResult rounded = silt({"table", "write", "t", "--query", "SELECT 1 AS id, 1.005::DOUBLE AS amount"});
  EXPECT_EQ(rounded.exit_code, 2);
  EXPECT_NE(rounded.err.find("cannot be stored in DECIMAL(12,2) exactly"), std::string::npos) << rounded.err;
  EXPECT_EQ(silt({"table", "write", "t", "--query", "SELECT 1 AS id, round(1.005::DOUBLE, 2) AS amount"}).exit_code, 0);
  // A wider decimal whose values fit exactly is fine.
  EXPECT_EQ(silt({"table", "write", "t", "--query", "SELECT 2 AS id, 1.500::DECIMAL(12,3) AS amount"}).exit_code, 0);
  // Another date format, said explicitly.
  write_file("in/eu.csv", "id,amount,name,d\n3,1.00,x,01/02/2025\n");
  CommandResult eu = silt({"table", "write", "t", "--input", "in/eu.csv", "--date-format", "%d/%m/%Y"});
  EXPECT_EQ(eu.exit_code, 0) << eu.err;
  EXPECT_EQ(query_csv("t", "SELECT d FROM o WHERE id = 3"), "d\n2025-02-01\n");
  // Empty files hold no rows; files of different layouts are refused.
  write_file("in/empty/a.csv", "");
  write_file("in/empty/b.json", "");
  CommandResult empty_csv = silt({"table", "write", "t", "--input", "in/empty/a.csv"});
  EXPECT_EQ(empty_csv.exit_code, 0) << empty_csv.err;
  EXPECT_NE(empty_csv.out.find("the input has no rows; nothing committed"), std::string::npos) << empty_csv.out;
  CommandResult empty_json = silt({"table", "write", "t", "--input", "in/empty/b.json"});
  EXPECT_EQ(empty_json.exit_code, 0) << empty_json.err;
  write_file("in/layout/1.csv", "id,name\n1,a\n");
  write_file("in/layout/2.csv", "name,id\nb,2\n");
  CommandResult layouts = silt({"table", "write", "t", "--input", "in/layout/*.csv"});
  EXPECT_EQ(layouts.exit_code, 2);
  EXPECT_NE(layouts.err.find("has the header 'name,id' but"), std::string::npos) << layouts.err;
}

}  // namespace
}  // namespace silt::testing
