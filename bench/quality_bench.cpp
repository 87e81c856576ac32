// Benchmark 7: a model's quality checks (ten row-level, two table-level) evaluated by
// pipeline::evaluate_checks over 10 million rows, against one hand-written DuckDB query computing
// the same failure counts. Each run's counts are compared with the baseline's.
#include <fmt/format.h>

#include "base/strings.h"
#include "harness.h"
#include "pipeline/quality/quality.h"

namespace silt::bench {

namespace {

constexpr const char* kTable = "quality_rows";
constexpr const char* kDimension = "quality_customers";
constexpr int kCustomers = 10'000;

// Mostly clean rows with a few realistic defects: rare NULL customer ids and unknown statuses,
// customer ids 10001..10007 missing from the dimension, and a few duplicated ids.
std::string rows_sql(int64_t rows) {
  return fmt::format(
      "SELECT CASE WHEN i % 1000003 = 999 THEN i - 1 ELSE i END AS id, "
      "CASE WHEN i % 200003 = 7 THEN NULL ELSE i % 10007 + 1 END AS customer_id, "
      "DATE '2024-01-01' + CAST(i % 700 AS INTEGER) AS order_date, "
      "DATE '2024-01-01' + CAST(i % 700 + i % 5 AS INTEGER) AS shipped_date, "
      "CASE WHEN i % 500009 = 3 THEN 'lost' ELSE ['new', 'paid', 'shipped', 'returned'][i % 4 + 1] END AS status, "
      "CAST((i % 100000) / 100 AS DECIMAL(12,2)) AS amount, "
      "CAST((i % 100000) / 1000 AS DECIMAL(12,2)) AS discount, "
      "CAST(i % 20 + 1 AS INTEGER) AS quantity, "
      "'user' || (i % 100000) || '@example.com' AS email "
      "FROM range({}) AS r(i)",
      rows);
}

std::vector<pipeline::CheckSpec> quality_checks() {
  auto check = [](pipeline::CheckKind kind, std::string name, std::vector<std::string> columns) {
    pipeline::CheckSpec spec;
    spec.kind = kind;
    spec.name = std::move(name);
    spec.columns = std::move(columns);
    spec.file = "bench";
    return spec;
  };
  using pipeline::CheckKind;
  std::vector<pipeline::CheckSpec> checks;
  for (const char* column : {"id", "customer_id", "order_date"}) {
    checks.push_back(check(CheckKind::kNotNull, fmt::format("not_null({})", column), {column}));
  }
  auto status = check(CheckKind::kAcceptedValues, "accepted_values(status)", {"status"});
  status.values = {"new", "paid", "shipped", "returned"};
  checks.push_back(status);
  auto amount = check(CheckKind::kRange, "range(amount)", {"amount"});
  amount.min = "0";
  amount.max = "1000";
  checks.push_back(amount);
  auto quantity = check(CheckKind::kRange, "range(quantity)", {"quantity"});
  quantity.min = "1";
  quantity.max = "20";
  checks.push_back(quantity);
  auto email = check(CheckKind::kRegex, "regex(email)", {"email"});
  email.pattern = "^[a-z]+[0-9]+@[a-z]+\\.com$";
  checks.push_back(email);
  auto shipped = check(CheckKind::kExpression, "expression(shipped_date >= order_date)", {});
  shipped.expression = "shipped_date >= order_date";
  checks.push_back(shipped);
  auto discount = check(CheckKind::kExpression, "expression(discount <= amount)", {});
  discount.expression = "discount <= amount";
  checks.push_back(discount);
  auto customer = check(CheckKind::kRelationships, "relationships(customer_id)", {"customer_id"});
  customer.to = "customers";
  customer.field = "customer_id";
  checks.push_back(customer);
  checks.push_back(check(CheckKind::kUnique, "unique(id)", {"id"}));
  auto count = check(CheckKind::kRowCount, "row_count", {});
  count.min_rows = 1;
  checks.push_back(count);
  return checks;
}

// The same counts, as one query someone would write by hand: a FILTER per row-level check, the
// dimension joined once, and the duplicate keys from a GROUP BY in a CTE.
std::string baseline_sql() {
  return fmt::format(
      "WITH dup AS (SELECT count(*) AS keys, coalesce(sum(n), 0) AS rows FROM (SELECT count(*) AS n FROM {0} "
      "WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1)) "
      "SELECT count(*) FILTER (WHERE t.id IS NULL), count(*) FILTER (WHERE t.customer_id IS NULL), "
      "count(*) FILTER (WHERE t.order_date IS NULL), "
      "count(*) FILTER (WHERE t.status NOT IN ('new', 'paid', 'shipped', 'returned')), "
      "count(*) FILTER (WHERE t.amount < 0 OR t.amount > 1000), "
      "count(*) FILTER (WHERE t.quantity < 1 OR t.quantity > 20), "
      "count(*) FILTER (WHERE NOT regexp_matches(t.email, '^[a-z]+[0-9]+@[a-z]+\\.com$')), "
      "count(*) FILTER (WHERE NOT (t.shipped_date >= t.order_date)), "
      "count(*) FILTER (WHERE NOT (t.discount <= t.amount)), "
      "count(*) FILTER (WHERE t.customer_id IS NOT NULL AND d.customer_id IS NULL), "
      "(SELECT rows FROM dup), count(*) "
      "FROM {0} AS t LEFT JOIN (SELECT DISTINCT customer_id FROM {1}) AS d ON t.customer_id = d.customer_id",
      kTable, kDimension);
}

}  // namespace

void run_quality_benchmarks(Bench& bench) {
  const int64_t rows = bench.config().quick ? 1'000'000 : 10'000'000;
  const int repetitions = bench.config().quick ? 3 : 5;
  bench.report().begin_group(
      "7. Quality checks",
      fmt::format("Ten row-level checks (not_null ×3, accepted_values, range ×2, regex, expression ×2, relationships "
                  "against a {}-row dimension) and two table-level checks (unique on the key, row_count) on {} rows "
                  "held in a DuckDB temporary table, with a few failing rows of four checks. silt evaluates every "
                  "row-level check in one aggregate scan, unique in one GROUP BY query, and fetches up to 10 example "
                  "rows for each failing check. The baseline is one hand-written query computing the same failure "
                  "counts (a FILTER per check, the dimension joined once, the duplicate keys from a GROUP BY).",
                  kCustomers, rows));
  auto session = open_session();
  if (!session) {
    bench.report().add_failure("7", "session", session.status());
    return;
  }
  auto& connection = (*session)->connection();
  progress(fmt::format("7: generating {} rows and a {}-row dimension", rows, kCustomers));
  Status generated = connection.execute_script(
      fmt::format("CREATE OR REPLACE TEMP TABLE {} AS {}; CREATE OR REPLACE TEMP TABLE {} AS SELECT range + 1 AS "
                  "customer_id, 'customer ' || range AS name FROM range({})",
                  kTable, rows_sql(rows), kDimension, kCustomers));
  if (!generated.ok()) {
    bench.report().add_failure("7", "data generation", generated);
    return;
  }

  const std::vector<pipeline::CheckSpec> checks = quality_checks();
  pipeline::CheckEnvironment environment;
  environment.relation = kTable;
  environment.resolve_table = [](const std::string&) -> Result<std::string> { return std::string(kDimension); };
  environment.now_timestamp = "2025-01-01 00:00:00.000";

  std::vector<int64_t> subject_counts;   // failing rows per check, last run
  std::vector<int64_t> baseline_counts;  // the same order: 10 row-level, unique rows, row count
  int failing_checks = 0;
  size_t examples = 0;
  Case subject{[&](int) -> Status {
    SILT_TRY_ASSIGN(auto results, pipeline::evaluate_checks(connection, checks, environment));
    subject_counts.clear();
    failing_checks = 0;
    examples = 0;
    for (const auto& result : results) {
      subject_counts.push_back(result.kind == pipeline::CheckKind::kRowCount ? result.checked : result.failing);
      failing_checks += result.status == pipeline::CheckStatus::kPass ? 0 : 1;
      examples += result.examples.size();
    }
    return Status();
  }, nullptr, nullptr};
  Case baseline{[&](int) -> Status {
    SILT_TRY_ASSIGN(auto result, connection.query_text(baseline_sql()));
    baseline_counts.clear();
    if (result.rows.empty()) return make_error(ErrorCode::kInternal, "the baseline query returned no row");
    for (const auto& cell : result.rows.front()) baseline_counts.push_back(parse_int64(cell.value_or("0")).value_or(-1));
    return Status();
  }, nullptr, nullptr};
  progress(fmt::format("7a: {} checks on {} rows, {} repetitions", checks.size(), rows, repetitions));
  auto samples = measure_paired(repetitions, subject, baseline);
  (void)connection.execute_script(fmt::format("DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {}", kTable, kDimension));
  if (!samples) {
    bench.report().add_failure("7a", "quality checks", samples.status());
    return;
  }
  if (subject_counts != baseline_counts) {
    std::vector<std::string> ours, theirs;
    for (int64_t count : subject_counts) ours.push_back(std::to_string(count));
    for (int64_t count : baseline_counts) theirs.push_back(std::to_string(count));
    bench.report().add_failure("7a", "quality checks",
                               Error(ErrorCode::kInternal, fmt::format("failure counts differ: silt [{}], baseline [{}]",
                                                                       join(ours, ", "), join(theirs, ", "))));
    return;
  }
  Entry entry;
  entry.id = "7a";
  entry.title = fmt::format("10 row-level + 2 table-level checks on {} rows (in-process)", rows);
  entry.subject_name = "`pipeline::evaluate_checks` (one aggregate scan, one GROUP BY for unique, examples of failing "
                       "checks)";
  entry.baseline_name = "one hand-written DuckDB query with the same failure counts, same session";
  entry.subject = std::move(samples->subject);
  entry.baseline = std::move(samples->baseline);
  entry.target = Target::ratio_at_most(1.5);
  std::vector<std::string> counts;
  for (size_t i = 0; i < checks.size(); ++i) {
    if (checks[i].kind != pipeline::CheckKind::kRowCount && subject_counts[i] > 0) {
      counts.push_back(fmt::format("{} {}", checks[i].name, subject_counts[i]));
    }
  }
  entry.note = fmt::format("Both found the same failing rows ({}); silt also collected {} example rows for the {} "
                           "failing checks.",
                           join(counts, ", "), examples, failing_checks);
  bench.report().add(std::move(entry));
}

}  // namespace silt::bench
