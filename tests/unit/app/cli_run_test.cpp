// `silt run`, `plan`, `backfill`, `runs`, `init` and `sql` on a project, through the real binary:
// exactly-once ingestion, incremental windows with late data, SCD2, failure isolation, resume, run
// history and the commit metadata linking tables to runs.
#include <thread>

#include "silt_cli.h"

namespace silt::testing {
namespace {

class SiltRun : public SiltCli {
 protected:
  void SetUp() override {
    write_file("p/silt.yaml",
               "name: shop\n"
               "storage: ./lake\n"
               "sources:\n"
               "  - name: orders\n"
               "    format: csv\n"
               "    path: landing/orders/*.csv\n");
    write_file("p/models/bronze/bronze_orders.sql",
               "/* silt:\n"
               "materialized: append\n"
               "*/\n"
               "SELECT * FROM source.orders\n");
    write_file("p/models/silver/silver_orders.sql",
               "/* silt:\n"
               "materialized: incremental\n"
               "unique_key: [order_id, event_ts]\n"
               "time_column: order_date\n"
               "lookback: 2\n"
               "partition_by: [order_date]\n"
               "*/\n"
               "SELECT DISTINCT ON (order_id, event_ts) order_id, customer_id, order_date, event_ts, amount\n"
               "FROM bronze.orders\n"
               "WHERE order_date BETWEEN getvariable('window_start') AND getvariable('window_end')\n"
               "ORDER BY order_id, event_ts\n");
    write_file("p/models/gold/daily.sql",
               "SELECT order_date, count(*) AS orders, CAST(sum(amount) AS DECIMAL(12,2)) AS amount\n"
               "FROM (SELECT * FROM silver.orders\n"
               "      QUALIFY row_number() OVER (PARTITION BY order_id ORDER BY event_ts DESC) = 1)\n"
               "GROUP BY ALL ORDER BY order_date\n");
  }

  void land(const std::string& name, const std::string& rows) {
    write_file("p/landing/orders/" + name, "order_id,customer_id,order_date,event_ts,amount\n" + rows);
  }

  CommandResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "--project", "p"});
    return silt(args);
  }

  nlohmann::json run_json(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "--project", "p", "--json"});
    CommandResult result = silt(args);
    auto parsed = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << result.out << result.err;
    return parsed;
  }

  static const nlohmann::json& model(const nlohmann::json& record, const std::string& name) {
    for (const auto& item : record["models"]) {
      if (item["model"] == name) return item;
    }
    static const nlohmann::json kNone;
    ADD_FAILURE() << "no model " << name << " in " << record.dump();
    return kNone;
  }

  std::string sql(const std::string& query) {
    return silt_out({"sql", "--project", "p", "--format", "csv", query});
  }
};

TEST_F(SiltRun, IngestsEachFileOnceAndLateCorrectionsFixGold) {
  land("d1.csv",
       "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n"
       "2,11,2025-11-01,2025-11-01 11:00:00,7.50\n"
       "2,11,2025-11-01,2025-11-01 11:00:00,7.50\n");  // an exact duplicate row
  auto first = run_json({"--date", "2025-11-01"});
  EXPECT_EQ(first["status"], "success");
  EXPECT_EQ(model(first, "bronze_orders")["rows_out"], 3);
  EXPECT_EQ(model(first, "bronze_orders")["files_ingested"], 1);
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,2,12.50\n");

  // The same files again: nothing ingested, nothing committed to bronze.
  auto again = run_json({"--date", "2025-11-01"});
  EXPECT_EQ(model(again, "bronze_orders")["files_ingested"], 0);
  EXPECT_EQ(model(again, "bronze_orders")["version_written"], -1);
  EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n3\n");

  // Day 2 brings a correction of order 1 (one day late) and a second delivery of day 1's file.
  land("d2.csv",
       "3,10,2025-11-02,2025-11-02 09:00:00,1.00\n"
       "1,10,2025-11-01,2025-11-02 12:00:00,50.00\n");
  std::filesystem::copy_file(path("p/landing/orders/d1.csv"), path("p/landing/orders/d1_again.csv"));
  auto second = run_json({"--date", "2025-11-02"});
  EXPECT_EQ(second["status"], "success");
  EXPECT_EQ(model(second, "bronze_orders")["files_ingested"], 2);
  EXPECT_EQ(model(second, "silver_orders")["window_start"], "2025-10-31");
  EXPECT_EQ(model(second, "silver_orders")["rows_inserted"], 2);  // order 3 and order 1's correction
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,2,57.50\n2025-11-02,1,1.00\n");
  EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n8\n");
  EXPECT_EQ(sql("SELECT count(DISTINCT _source_file) AS files, count(_ingested_at) AS stamped FROM bronze.orders"),
            "files,stamped\n3,8\n");
  // The sources are readable too, with each row's file.
  EXPECT_EQ(sql("SELECT count(DISTINCT _source_file) AS files, count(*) AS n FROM source.orders"), "files,n\n3,8\n");

  // Re-running day 2 changes nothing in silver or gold numbers.
  auto rerun = run_json({"--date", "2025-11-02"});
  EXPECT_EQ(model(rerun, "silver_orders")["version_written"], -1);
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,2,57.50\n2025-11-02,1,1.00\n");

  // A file rewritten in place (new size) is ingested again.
  land("d2.csv",
       "3,10,2025-11-02,2025-11-02 09:00:00,1.00\n"
       "1,10,2025-11-01,2025-11-02 12:00:00,50.00\n"
       "4,12,2025-11-02,2025-11-02 13:00:00,2.00\n");
  auto rewritten = run_json({"--date", "2025-11-02"});
  EXPECT_EQ(model(rewritten, "bronze_orders")["files_ingested"], 1);
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,2,57.50\n2025-11-02,2,3.00\n");
}

TEST_F(SiltRun, CorrectionsOlderThanTheLookbackWaitForAFullRefresh) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  ASSERT_EQ(run({"--date", "2025-11-01"}).exit_code, 0);
  land("d5.csv", "1,10,2025-11-01,2025-11-05 10:00:00,9.00\n");  // four days late; lookback is 2
  ASSERT_EQ(run({"--date", "2025-11-05"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,1,5.00\n");
  ASSERT_EQ(run({"--date", "2025-11-05", "--full-refresh", "--select", "silver_orders+"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,1,9.00\n");
}

TEST_F(SiltRun, AnOrphanIngestionManifestDoesNotHideItsFiles) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  ASSERT_EQ(run({"--date", "2025-11-01", "--select", "bronze_orders"}).exit_code, 0);
  // As if a run wrote manifest 2 for d2.csv and died before its commit.
  land("d2.csv", "2,10,2025-11-02,2025-11-02 10:00:00,6.00\n");
  auto size = std::filesystem::file_size(path("p/landing/orders/d2.csv"));
  write_file("p/lake/bronze/orders/_silt/ingest/00000000000000000002.json",
             "{\"version\":2,\"reset\":false,\"files\":[{\"source\":\"orders\",\"path\":\"" +
                 path("p/landing/orders/d2.csv") + "\",\"size\":" + std::to_string(size) + ",\"modified_ms\":0}]}\n");
  auto record = run_json({"--date", "2025-11-02", "--select", "bronze_orders"});
  EXPECT_EQ(model(record, "bronze_orders")["files_ingested"], 1);
  EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n2\n");
}

TEST_F(SiltRun, ConcurrentRunsIngestEachFileOnce) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n2,10,2025-11-01,2025-11-01 11:00:00,6.00\n");
  ASSERT_EQ(run({"--date", "2025-11-01", "--select", "bronze_orders"}).exit_code, 0);
  for (int round = 0; round < 3; ++round) {
    land("r" + std::to_string(round) + ".csv", "3,10,2025-11-02,2025-11-02 10:00:00,1.00\n");
    // Several runs at once: one ingests the new file, the others find it ingested or lose the
    // commit race (exit 1, naming the conflict); never both.
    // Each holds a run lock of its own, so that they really race (the project lock would let one in).
    std::vector<CommandResult> results(3);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < results.size(); ++i) {
      threads.emplace_back([&, i]() {
        results[i] = run({"--date", "2025-11-02", "--select", "bronze_orders", "--lock", "race" + std::to_string(i)});
      });
    }
    for (auto& thread : threads) thread.join();
    for (const auto& result : results) {
      if (result.exit_code != 0) {
        EXPECT_NE(result.err.find("conflict"), std::string::npos) << result.err;
      }
    }
    EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n" + std::to_string(3 + round) + "\n");
  }
  // After the races, a plain run finds nothing new.
  auto record = run_json({"--date", "2025-11-02", "--select", "bronze_orders"});
  EXPECT_EQ(model(record, "bronze_orders")["files_ingested"], 0);
}

TEST_F(SiltRun, CommitsNameTheRunAndTheVersionsRead) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  auto record = run_json({"--date", "2025-11-01"});
  std::string run_id = record["run_id"];
  EXPECT_EQ(model(record, "daily")["inputs"]["silver.orders"], 0);
  auto history = silt_json({"table", "history", "p/lake/gold/daily", "--json"});
  std::string commit = read_file("p/lake/gold/daily/_delta_log/" + log_file(0, ".json"));
  EXPECT_NE(commit.find("\"siltRunId\":\"" + run_id + "\""), std::string::npos) << commit;
  EXPECT_NE(commit.find("\"siltInputs\":{\"silver.orders\":0}"), std::string::npos) << commit;
  // The record is stored and listed.
  auto runs = silt_json({"runs", "--project", "p", "--json"});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["run_id"], run_id);
  EXPECT_EQ(runs[0]["models"].size(), 3u);
  auto one = silt_json({"runs", "--project", "p", run_id, "--json"});
  EXPECT_EQ(one["status"], "success");
}

TEST_F(SiltRun, AFailingModelSkipsItsDescendantsAndResumeFinishesTheRun) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  write_file("p/models/silver/silver_broken.sql",
             "SELECT order_id,\n"
             "       no_such_column\n"
             "FROM bronze.orders\n");
  write_file("p/models/gold/after_broken.sql", "SELECT * FROM silver.broken\n");
  CommandResult result = run({"--date", "2025-11-01", "--threads", "2", "--json"});
  EXPECT_EQ(result.exit_code, 1);
  auto record = nlohmann::json::parse(result.out);
  EXPECT_EQ(record["status"], "failed");
  EXPECT_EQ(model(record, "silver_broken")["status"], "failed");
  EXPECT_NE(model(record, "silver_broken")["error"].get<std::string>().find("models/silver/silver_broken.sql:2:"),
            std::string::npos)
      << model(record, "silver_broken")["error"];
  EXPECT_EQ(model(record, "after_broken")["status"], "skipped");
  EXPECT_EQ(model(record, "daily")["status"], "success");  // a sibling branch finishes
  EXPECT_FALSE(exists("p/lake/gold/after_broken/_delta_log"));

  write_file("p/models/silver/silver_broken.sql", "SELECT order_id FROM bronze.orders\n");
  auto resumed = run_json({"--resume", record["run_id"]});
  EXPECT_EQ(resumed["status"], "success");
  EXPECT_EQ(resumed["resumed_from"], record["run_id"]);
  ASSERT_EQ(resumed["models"].size(), 2u);
  EXPECT_EQ(sql("SELECT count(*) AS n FROM gold.after_broken"), "n\n1\n");
}

TEST_F(SiltRun, SnapshotModelsKeepHistory) {
  write_file("p/silt.yaml",
             "name: crm\nstorage: ./lake\nsources:\n  - name: customers\n    format: csv\n"
             "    path: landing/customers/*.csv\n");
  std::filesystem::remove_all(path("p/models"));
  write_file("p/models/bronze/bronze_customers.sql", "/* silt:\nmaterialized: append\n*/\nSELECT * FROM source.customers\n");
  write_file("p/models/silver/silver_customers.sql",
             "/* silt:\nmaterialized: snapshot\nunique_key: customer_id\nupdated_at: updated_at\n*/\n"
             "SELECT customer_id, segment, updated_at FROM bronze.customers\n"
             "QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY updated_at DESC) = 1\n");
  write_file("p/landing/customers/c1.csv",
             "customer_id,segment,updated_at\n1,retail,2025-11-01 00:00:00\n2,retail,2025-11-01 00:00:00\n"
             "3,sme,2025-11-01 00:00:00\n");
  ASSERT_EQ(run({"--date", "2025-11-01"}).exit_code, 0);
  // Customer 1 changes segment; 2 is re-sent unchanged.
  write_file("p/landing/customers/c2.csv",
             "customer_id,segment,updated_at\n1,enterprise,2025-11-02 08:00:00\n2,retail,2025-11-01 00:00:00\n");
  ASSERT_EQ(run({"--date", "2025-11-02"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT customer_id, segment, CAST(valid_from AS VARCHAR) AS vf, CAST(valid_to AS VARCHAR) AS vt, "
                "is_current FROM silver.customers ORDER BY customer_id, valid_from"),
            "customer_id,segment,vf,vt,is_current\n"
            "1,retail,2025-11-01 00:00:00+00,2025-11-02 08:00:00+00,false\n"
            "1,enterprise,2025-11-02 08:00:00+00,,true\n"
            "2,retail,2025-11-01 00:00:00+00,,true\n"
            "3,sme,2025-11-01 00:00:00+00,,true\n");
  // Running again changes nothing.
  auto rerun = run_json({"--date", "2025-11-02"});
  EXPECT_EQ(model(rerun, "silver_customers")["version_written"], -1);
}

TEST_F(SiltRun, SnapshotHardDeletesCloseMissingKeys) {
  write_file("p/silt.yaml", "name: crm\nstorage: ./lake\n");
  std::filesystem::remove_all(path("p/models"));
  write_file("p/models/current.sql", "SELECT * FROM read_csv('" + path("current.csv") + "')\n");
  write_file("p/models/history.sql",
             "/* silt:\nmaterialized: snapshot\nunique_key: id\nstrategy: check\ncheck_columns: [name]\n*/\n"
             "SELECT * FROM current\n");
  write_file("current.csv", "id,name\n1,a\n2,b\n");
  ASSERT_EQ(run({"--date", "2025-11-01"}).exit_code, 0);
  write_file("current.csv", "id,name\n1,a\n");  // 2 is deleted at the source
  ASSERT_EQ(run({"--date", "2025-11-02"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT id, name, valid_to IS NOT NULL AS closed, is_current FROM main.history ORDER BY id"),
            "id,name,closed,is_current\n1,a,false,true\n2,b,true,false\n");
}

TEST_F(SiltRun, SchemaChangesNeedTheModelsConsent) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  ASSERT_EQ(run({"--date", "2025-11-01", "--select", "bronze_orders"}).exit_code, 0);
  write_file("p/landing/orders/d2.csv",
             "order_id,customer_id,order_date,event_ts,amount,channel\n2,10,2025-11-02,2025-11-02 10:00:00,6.00,web\n");
  CommandResult refused = run({"--date", "2025-11-02", "--select", "bronze_orders"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("channel"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("on_schema_change: add_columns"), std::string::npos) << refused.err;
  EXPECT_EQ(sql("SELECT count(*) AS n FROM bronze.orders"), "n\n1\n");

  write_file("p/models/bronze/bronze_orders.sql",
             "/* silt:\nmaterialized: append\non_schema_change: add_columns\n*/\nSELECT * FROM source.orders\n");
  ASSERT_EQ(run({"--date", "2025-11-02", "--select", "bronze_orders"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT order_id, channel FROM bronze.orders ORDER BY order_id"), "order_id,channel\n1,\n2,web\n");
}

TEST_F(SiltRun, IncrementalModelsWithoutKeyReplaceTheirWindowOnly) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n2,10,2025-11-03,2025-11-03 10:00:00,6.00\n");
  write_file("p/models/gold/per_day.sql",
             "/* silt:\nmaterialized: incremental\ntime_column: order_date\npartition_by: [order_date]\n*/\n"
             "SELECT order_date, count(*) AS n FROM bronze.orders\n"
             "WHERE order_date BETWEEN getvariable('window_start') AND getvariable('window_end') GROUP BY ALL\n");
  ASSERT_EQ(run({"--date", "2025-11-01"}).exit_code, 0);
  ASSERT_EQ(run({"--date", "2025-11-03"}).exit_code, 0);
  EXPECT_EQ(sql("SELECT * FROM gold.per_day ORDER BY 1"), "order_date,n\n2025-11-01,1\n2025-11-03,1\n");
  // A model returning rows outside its window is refused in the model's terms.
  write_file("p/models/gold/per_day.sql",
             "/* silt:\nmaterialized: incremental\ntime_column: order_date\npartition_by: [order_date]\n*/\n"
             "SELECT order_date, count(*) AS n FROM bronze.orders GROUP BY ALL\n");
  CommandResult result = run({"--date", "2025-11-03", "--select", "per_day"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("models/gold/per_day.sql: 1 rows are outside the run's window 2025-11-03 .. 2025-11-03 "
                            "of order_date"),
            std::string::npos)
      << result.err;
}

TEST_F(SiltRun, MissingSourceFilesNameTheGlob) {
  CommandResult result = run({"--date", "2025-11-01"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("landing/orders/*.csv"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("skipped"), std::string::npos) << result.out;
}

TEST_F(SiltRun, PlanExplainsEachModel) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n");
  auto before = silt_json({"plan", "--project", "p", "--date", "2025-11-01", "--json"});
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0]["model"], "bronze_orders");
  EXPECT_EQ(before[0]["action"], "create");
  EXPECT_EQ(before[0]["new_files"], 1);
  ASSERT_EQ(run({"--date", "2025-11-01"}).exit_code, 0);
  auto after = silt_json({"plan", "--project", "p", "--date", "2025-11-03", "--json"});
  EXPECT_EQ(after[0]["new_files"], 0);
  EXPECT_EQ(after[1]["action"], "merge window");
  EXPECT_EQ(after[1]["window_start"], "2025-11-01");
  EXPECT_EQ(after[1]["window_end"], "2025-11-03");
  EXPECT_EQ(after[2]["action"], "replace");
  // Nothing ran: no new run record.
  EXPECT_EQ(silt_json({"runs", "--project", "p", "--json"}).size(), 1u);
  CommandResult bad = silt({"plan", "--project", "p", "--date", "2025-13-01"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("2025-13-01"), std::string::npos) << bad.err;
}

TEST_F(SiltRun, BackfillRunsEachDateInOrder) {
  land("d1.csv", "1,10,2025-11-01,2025-11-01 10:00:00,5.00\n2,10,2025-11-02,2025-11-02 10:00:00,6.00\n");
  auto records = silt_json({"backfill", "--project", "p", "--from", "2025-11-01", "--to", "2025-11-03", "--json"});
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["run_date"], "2025-11-01");
  EXPECT_EQ(records[2]["run_date"], "2025-11-03");
  for (const auto& record : records) EXPECT_EQ(record["command"], "backfill");
  EXPECT_EQ(sql("SELECT * FROM gold.daily"), "order_date,orders,amount\n2025-11-01,1,5.00\n2025-11-02,1,6.00\n");
  CommandResult reversed = silt({"backfill", "--project", "p", "--from", "2025-11-03", "--to", "2025-11-01"});
  EXPECT_EQ(reversed.exit_code, 2);
}

TEST_F(SiltRun, InitCreatesAProjectThatRuns) {
  ASSERT_EQ(silt({"init", "demo"}).exit_code, 0);
  EXPECT_EQ(silt({"validate", "--project", "demo"}).exit_code, 0);
  ASSERT_EQ(silt({"run", "--project", "demo", "--date", "2025-11-02"}).exit_code, 0);
  EXPECT_EQ(silt_out({"sql", "--project", "demo", "--format", "csv", "SELECT * FROM gold.daily_revenue"}),
            "event_date,purchases,revenue\n2025-11-01,2,27.4\n2025-11-02,1,42.0\n");
  CommandResult again = silt({"init", "demo"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already exists"), std::string::npos);
}

}  // namespace
}  // namespace silt::testing
