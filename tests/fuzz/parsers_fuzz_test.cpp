// Bounded randomized fuzzing of every parser of untrusted text: Delta commit files (actions,
// schemas, _last_checkpoint), silt.yaml, model configuration headers and YAML, contracts files,
// and SQL predicates and expressions. Inputs are mutations of valid seeds (byte flips, inserted
// quotes, brackets, newlines, NULs and multi-byte characters, truncations, spliced pieces of other
// seeds), a fixed number per parser from a fixed seed, so a failure reproduces. A parser may refuse
// any input, but must return (no crash, no hang, no exception); under `make test-asan` any memory
// or undefined-behaviour error fails the run too.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "base/strings.h"
#include "delta/actions.h"
#include "delta/schema.h"
#include "engine/duckdb/database.h"
#include "engine/sql_predicate.h"
#include "pipeline/model/model_config.h"
#include "pipeline/project/project_loader.h"
#include "support/temp_dir.h"

namespace silt {
namespace {

class Mutator {
 public:
  explicit Mutator(uint32_t seed) : random_(seed) {}

  std::string mutate(const std::vector<std::string>& seeds) {
    std::string text = seeds[pick(seeds.size())];
    int rounds = 1 + static_cast<int>(pick(6));
    for (int i = 0; i < rounds; ++i) {
      size_t at = text.empty() ? 0 : pick(text.size() + 1);
      switch (pick(7)) {
        case 0:  // flip a byte
          if (!text.empty()) text[pick(text.size())] ^= static_cast<char>(1 << pick(8));
          break;
        case 1: {  // insert a character that matters to some grammar
          static const std::vector<std::string> kTokens = {
              "\"", "'", "{", "}", "[", "]", ":", ",", "\n", "\\", "\0", "- ", "#", "${", "*/", "/*", ";",
              "(", ")", "é", "\xff", "\xe2\x82", "0", "-1", "1e309", "null", "NaN", "  ", "\t", "&", "!!"};
          const std::string& token = kTokens[pick(kTokens.size())];
          text.insert(at, token.size() ? token : std::string(1, '\0'));
          break;
        }
        case 2:  // truncate
          text.resize(at);
          break;
        case 3: {  // duplicate a piece
          if (text.empty()) break;
          size_t start = pick(text.size());
          size_t length = pick(std::min<size_t>(64, text.size() - start) + 1);
          text.insert(at, text.substr(start, length));
          break;
        }
        case 4: {  // splice in a piece of another seed
          const std::string& other = seeds[pick(seeds.size())];
          if (other.empty()) break;
          size_t start = pick(other.size());
          text.insert(at, other.substr(start, pick(other.size() - start + 1)));
          break;
        }
        case 5: {  // delete a piece
          if (text.empty()) break;
          size_t start = pick(text.size());
          text.erase(start, pick(std::min<size_t>(32, text.size() - start) + 1));
          break;
        }
        default: {  // repeat a character many times (deep nesting, long tokens)
          char c = "[{(\"'-"[pick(6)];
          text.insert(at, std::string(1 + pick(200), c));
          break;
        }
      }
    }
    return text;
  }

 private:
  size_t pick(size_t n) { return n == 0 ? 0 : static_cast<size_t>(random_() % n); }
  std::mt19937 random_;
};

const std::vector<std::string> kCommitSeeds = {
    R"seed({"commitInfo":{"timestamp":1,"operation":"WRITE","operationParameters":{"mode":"Append"}}}
{"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["vacuumProtocolCheck"],"writerFeatures":["appendOnly"]}}
{"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["a"],"configuration":{"delta.appendOnly":"true"},"createdTime":1}}
{"add":{"path":"a=1/part-0.parquet","partitionValues":{"a":"1"},"size":10,"modificationTime":1,"dataChange":true,"stats":"{\"numRecords\":3,\"minValues\":{},\"maxValues\":{},\"nullCount\":{}}","tags":{"k":"v"}}}
{"remove":{"path":"old.parquet","deletionTimestamp":5,"dataChange":true,"extendedFileMetadata":true,"size":3}}
{"txn":{"appId":"app","version":4,"lastUpdated":9}}
{"domainMetadata":{"domain":"d","configuration":"{}","removed":false}}
)seed",
    R"seed({"add":{"path":"p%20q.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"deletionVector":{"storageType":"u","pathOrInlineDv":"ab","offset":1,"sizeInBytes":4,"cardinality":1}}})seed",
};

const std::vector<std::string> kSchemaSeeds = {
    R"seed({"type":"struct","fields":[{"name":"a","type":"decimal(10,2)","nullable":true,"metadata":{}},{"name":"s","type":{"type":"struct","fields":[{"name":"x","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}}]},"nullable":false,"metadata":{}},{"name":"m","type":{"type":"map","keyType":"string","valueType":"timestamp","valueContainsNull":true},"nullable":true,"metadata":{"delta.invariants":"x"}}]})seed",
};

const std::vector<std::string> kProjectSeeds = {
    R"seed(name: shop
storage: ./lake
default_env: dev
engine:
  threads: 2
  memory_limit: 4GB
  temp_directory: ${TMPDIR:-/tmp}
vars:
  region: eu
  token: ${TOKEN}
sources:
  - name: orders
    format: csv
    path: landing/orders/*.csv
    options: {delim: ";", header: true}
  - {name: fx, format: parquet, path: "fx/*.parquet"}
models: [models, more_models]
environments:
  prod:
    storage: /data/lake
    vars: {region: us}
    engine: {threads: 8}
)seed",
};

const std::vector<std::string> kModelSeeds = {
    R"seed(materialized: incremental
unique_key: [order_id, event_ts]
time_column: order_date
lookback: 3d
partition_by: [order_date]
on_schema_change: add_columns
tags: [daily, finance]
contract:
  columns:
    order_id: {type: BIGINT, nullable: false}
    amount: DECIMAL(12,2)
  primary_key: [order_id]
  schema_evolution: additive
checks:
  - not_null: customer_id
  - accepted_values: {column: status, values: [new, paid], severity: warn}
  - range: {column: amount, min: 0, max: 1e6, threshold: 1%}
  - regex: {column: currency, pattern: "^[A-Z]{3}$"}
  - relationships: {column: customer_id, to: silver.customers, field: id}
  - row_count: {min: 1, max_change_pct: 50}
  - freshness: {column: event_ts, max_age: 2d}
  - expression: "amount >= 0 OR status = 'refund'"
  - sql: "SELECT * FROM this WHERE amount < 0"
on_failure: quarantine
max_quarantine_pct: 5
)seed",
    R"seed(materialized: snapshot
unique_key: id
strategy: check
check_columns: [name, email]
hard_deletes: ignore
)seed",
};

const std::vector<std::string> kContractsSeeds = {
    R"seed(silver_orders:
  contract:
    columns: {order_id: BIGINT}
  checks:
    - unique: [order_id]
gold_facts:
  on_failure: gate
)seed",
};

const std::vector<std::string> kHeaderSeeds = {
    "/* silt:\nmaterialized: merge\nunique_key: [id]\n*/\nSELECT 1 AS id\n",
    "-- a comment\n/* silt:\nschema: gold\n*/\nSELECT * FROM silver.x -- trailing\n",
};

const std::vector<std::string> kPredicateSeeds = {
    "amount > 5 AND status = 'PAID'",
    "order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-03' OR id IN (1, 2, 3)",
    "NOT (d < 1.5) AND s IS NOT NULL AND t >= TIMESTAMP '2025-01-01 00:00:00'",
    "coalesce(a, 0) = 1 AND b LIKE 'x%' AND c::VARCHAR = '3'",
};

constexpr int kIterations = 20000;
constexpr int kSqlIterations = 3000;  // each one asks DuckDB's parser

TEST(ParsersFuzz, DeltaActionsSchemasAndLastCheckpoint) {
  Mutator mutator(1);
  int parsed = 0, refused = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::string commit = mutator.mutate(kCommitSeeds);
    auto actions = delta::parse_actions(commit);
    if (actions) {
      ++parsed;
      for (const auto& action : *actions) (void)delta::action_to_json(action);
    } else {
      ++refused;
    }
    (void)delta::parse_schema(mutator.mutate(kSchemaSeeds));
    (void)delta::parse_last_checkpoint(mutator.mutate({R"seed({"version":12,"size":30,"numOfAddFiles":7})seed"}));
  }
  // Both kinds of input were produced: the mutations reach past the first check.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(refused, 0);
}

TEST(ParsersFuzz, ProjectFiles) {
  testing::TempDir dir;
  Mutator mutator(2);
  for (int i = 0; i < kIterations / 10; ++i) {
    std::ofstream(dir.file("silt.yaml"), std::ios::binary | std::ios::trunc) << mutator.mutate(kProjectSeeds);
    std::vector<pipeline::Diagnostic> diagnostics;
    (void)pipeline::load_project(dir.path(), "", &diagnostics);
    (void)pipeline::load_project(dir.path(), "prod", &diagnostics);
  }
}

TEST(ParsersFuzz, ModelConfigurationsHeadersAndContracts) {
  Mutator mutator(3);
  int clean = 0;
  for (int i = 0; i < kIterations; ++i) {
    std::vector<pipeline::Diagnostic> diagnostics;
    (void)pipeline::parse_model_config(mutator.mutate(kModelSeeds), "models/m.yml", &diagnostics);
    clean += diagnostics.empty();
    (void)pipeline::parse_contracts_file(mutator.mutate(kContractsSeeds), "contracts/c.yml", &diagnostics);
    (void)pipeline::find_config_header(mutator.mutate(kHeaderSeeds), "models/m.sql", &diagnostics);
  }
  EXPECT_GT(clean, 0);
  EXPECT_LT(clean, kIterations);
}

TEST(ParsersFuzz, PredicatesAndExpressions) {
  auto database = engine::duckdb::Database::open(engine::duckdb::DatabaseOptions{1, "", ""});
  ASSERT_TRUE(database) << database.error().message();
  auto connection = engine::duckdb::Connection::open(**database);
  ASSERT_TRUE(connection) << connection.error().message();
  Mutator mutator(4);
  int accepted = 0;
  for (int i = 0; i < kSqlIterations; ++i) {
    std::string predicate = mutator.mutate(kPredicateSeeds);
    (void)engine::predicate_from_sql(**connection, predicate);
    std::string problem;
    if (engine::is_single_expression(**connection, predicate, &problem)) ++accepted;
    // Whatever the text, checking it against a relation never runs a second statement.
    (void)engine::check_predicate(**connection, predicate, "SELECT 1 AS amount, 'x' AS status", "--where");
  }
  // The seeds themselves are single expressions: the mutator keeps some of them valid.
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace silt
