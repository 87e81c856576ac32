// flags/: LaunchDarkly's evaluation order and reasons, rollout bucketing against digests computed
// outside silt, and a table of every clause operator.
#include <gtest/gtest.h>

#include <cmath>

#include "flags/bucketing.h"
#include "flags/evaluator.h"
#include "flags/flag_file.h"

namespace silt::flags {
namespace {

// Buckets computed with coreutils, independent of silt:
//   h=$(printf %s "hashKey.saltyA.userKeyA" | sha1sum | cut -c1-15); echo $((16#$h)) / 0xFFFFFFFFFFFFFFF
// (the first three also appear in LaunchDarkly's SDK tests).
TEST(BucketingTest, MatchesDigestsComputedWithSha1sum) {
  EXPECT_NEAR(bucket_of("hashKey", "saltyA", std::nullopt, "userKeyA"), 0.4215758743392494, 1e-12);
  EXPECT_NEAR(bucket_of("hashKey", "saltyA", std::nullopt, "userKeyB"), 0.6708484965703435, 1e-12);
  EXPECT_NEAR(bucket_of("hashKey", "saltyA", std::nullopt, "userKeyC"), 0.1034310617276969, 1e-12);
  // With a seed the flag key and salt are not hashed: "61.userKeyA".
  EXPECT_NEAR(bucket_of("hashKey", "saltyA", 61, "userKeyA"), 0.0980120652476667, 1e-12);
  EXPECT_NEAR(bucket_of("ignored", "ignored", 61, "userKeyB"), 0.1448377737757314, 1e-12);
  EXPECT_NEAR(bucket_of("x", "y", 61, "userKeyC"), 0.9242640945125551, 1e-12);
  EXPECT_NEAR(bucket_of("tbar.hydration.schema_version", "tbar.hydration.schema_version", std::nullopt, "job-7"),
              0.8118675155656898, 1e-12);
}

TEST(BucketingTest, IntegersBucketAsDecimalTextAndOtherValuesGoToZero) {
  Context context(SingleContext("user", "k", {{"n", Value(33333)}, {"f", Value(1.5)}, {"b", Value(true)}}));
  EXPECT_NEAR(*context_bucket(context, "user", {"n"}, "hashKey", "saltyA", std::nullopt), 0.5477142345861467, 1e-12);
  EXPECT_EQ(*context_bucket(context, "user", {"f"}, "hashKey", "saltyA", std::nullopt), 0.0);
  EXPECT_EQ(*context_bucket(context, "user", {"b"}, "hashKey", "saltyA", std::nullopt), 0.0);
  EXPECT_EQ(*context_bucket(context, "user", {"missing"}, "hashKey", "saltyA", std::nullopt), 0.0);
  EXPECT_FALSE(context_bucket(context, "job", {"key"}, "hashKey", "saltyA", std::nullopt).has_value());
}

FlagSet load(const std::string& yaml, std::vector<Diagnostic>* diagnostics = nullptr) {
  std::vector<Diagnostic> local;
  auto* out = diagnostics != nullptr ? diagnostics : &local;
  FlagSet flags;
  read_flag_file("flags/test.yml", yaml, FlagFileFormat::kSiltYaml, &flags, out);
  check_flag_set(&flags, out);
  if (diagnostics == nullptr) {
    for (const auto& d : local) ADD_FAILURE() << format_diagnostic(d);
  }
  return flags;
}

Context job(const std::string& key, Value::Object attributes = {}) {
  return Context(SingleContext("job", key, std::move(attributes)));
}

const char* kTbar = R"(
tbar.hydration.schema_version:
  variations: [v1, v2]
  on: true
  off_variation: v1
  targets: {v2: [tbar-backfill]}
  rules:
    - id: lower-envs
      clauses: [{attribute: environment, op: in, values: [dev, qa]}]
      serve: v2
  fallthrough: {rollout: {v1: 90, v2: 10}, bucket_by: key}
)";

TEST(EvaluatorTest, FollowsTargetsThenRulesThenFallthrough) {
  FlagSet flags = load(kTbar);
  Evaluator evaluator(flags);
  Evaluation target = evaluator.evaluate("tbar.hydration.schema_version", job("tbar-backfill", {{"environment", Value("dev")}}));
  EXPECT_EQ(target.value, Value("v2"));
  EXPECT_EQ(target.reason.kind, ReasonKind::kTargetMatch);
  Evaluation rule = evaluator.evaluate("tbar.hydration.schema_version", job("nightly", {{"environment", Value("qa")}}));
  EXPECT_EQ(rule.value, Value("v2"));
  EXPECT_EQ(rule.reason.kind, ReasonKind::kRuleMatch);
  EXPECT_EQ(rule.reason.rule_index, 0);
  EXPECT_EQ(rule.reason.rule_id, "lower-envs");
  // job-7 buckets at 0.8119 (see BucketingTest): inside v1's 90%.
  Evaluation fallthrough = evaluator.evaluate("tbar.hydration.schema_version", job("job-7", {{"environment", Value("prod")}}));
  EXPECT_EQ(fallthrough.value, Value("v1"));
  EXPECT_EQ(fallthrough.variation, 0);
  EXPECT_EQ(fallthrough.reason.kind, ReasonKind::kFallthrough);
  EXPECT_FALSE(fallthrough.reason.in_experiment);
  EXPECT_EQ(fallthrough.flag_version, 1);
}

TEST(EvaluatorTest, RolloutSharesFollowTheWeights) {
  FlagSet flags = load(kTbar);
  Evaluator evaluator(flags);
  int v2 = 0;
  for (int i = 0; i < 10000; ++i) {
    if (evaluator.evaluate("tbar.hydration.schema_version", job("job-" + std::to_string(i))).value == Value("v2")) ++v2;
  }
  EXPECT_GT(v2, 850);
  EXPECT_LT(v2, 1150);
}

TEST(EvaluatorTest, OffServesTheOffVariationOrNothing) {
  FlagSet flags = load(R"(
a: {variations: [x, y], on: false, off_variation: y, fallthrough: x}
b: {variations: [x, y], on: false, fallthrough: x}
)");
  Evaluator evaluator(flags);
  Evaluation a = evaluator.evaluate("a", job("j"));
  EXPECT_EQ(a.value, Value("y"));
  EXPECT_EQ(a.reason.kind, ReasonKind::kOff);
  Evaluation b = evaluator.evaluate_as("b", job("j"), Value::Type::kString, Value("fallback"));
  EXPECT_EQ(b.value, Value("fallback"));
  EXPECT_EQ(b.reason.kind, ReasonKind::kOff);
  EXPECT_FALSE(b.variation.has_value());
}

TEST(EvaluatorTest, PrerequisitesMustServeTheirVariation) {
  FlagSet flags = load(R"(
base: {variations: [true, false], fallthrough: true, targets: {false: [blocked]}}
child:
  variations: [new, old]
  off_variation: old
  prerequisites: {base: true}
  fallthrough: new
)");
  Evaluator evaluator(flags);
  EXPECT_EQ(evaluator.evaluate("child", job("ok")).value, Value("new"));
  Evaluation failed = evaluator.evaluate("child", job("blocked"));
  EXPECT_EQ(failed.value, Value("old"));
  EXPECT_EQ(failed.reason.kind, ReasonKind::kPrerequisiteFailed);
  EXPECT_EQ(failed.reason.prerequisite_key, "base");
}

TEST(EvaluatorTest, ErrorsServeTheDeclaredDefault) {
  FlagSet flags = load(R"(
typed: {variations: [1, 2], default: 2, fallthrough: 1}
)");
  Evaluator evaluator(flags);
  Evaluation missing = evaluator.evaluate_as("nope", job("j"), Value::Type::kString, Value("v1"));
  EXPECT_EQ(missing.value, Value("v1"));
  EXPECT_EQ(missing.reason.error_kind, ErrorKind::kFlagNotFound);
  Evaluation wrong = evaluator.evaluate_as("typed", job("j"), Value::Type::kString, Value("v1"));
  EXPECT_EQ(wrong.value, Value("v1"));
  EXPECT_EQ(wrong.reason.error_kind, ErrorKind::kWrongType);
  EXPECT_EQ(evaluator.evaluate_as("typed", job("j"), Value::Type::kNumber, Value(0)).value, Value(1));
  Evaluation no_context = evaluator.evaluate("typed", Context());
  EXPECT_EQ(no_context.reason.error_kind, ErrorKind::kUserNotSpecified);
  EXPECT_EQ(no_context.value, Value(2));
}

TEST(EvaluatorTest, SegmentsIncludeExcludeAndMatchByRules) {
  FlagSet flags = load(R"(
segments:
  beta:
    included: [pinned]
    excluded: [banned]
    rules:
      - clauses: [{attribute: team, op: in, values: [risk]}]
f:
  variations: [on, off]
  rules:
    - clauses: [{op: segmentMatch, values: [beta]}]
      serve: on
  fallthrough: off
)");
  Evaluator evaluator(flags);
  EXPECT_EQ(evaluator.evaluate("f", job("pinned")).value, Value("on"));
  EXPECT_EQ(evaluator.evaluate("f", job("banned", {{"team", Value("risk")}})).value, Value("off"));
  EXPECT_EQ(evaluator.evaluate("f", job("other", {{"team", Value("risk")}})).value, Value("on"));
  EXPECT_EQ(evaluator.evaluate("f", job("other", {{"team", Value("ops")}})).value, Value("off"));
}

// One row per operator: the clause, the context's attribute value, whether it matches.
struct OperatorCase {
  const char* op;
  Value clause_value;
  Value attribute;
  bool matches;
};

TEST(EvaluatorTest, EveryOperator) {
  const std::vector<OperatorCase> cases{
      {"in", Value("prod"), Value("prod"), true},
      {"in", Value("prod"), Value("Prod"), false},
      {"in", Value(3), Value(3.0), true},
      {"in", Value("3"), Value(3), false},
      {"startsWith", Value("glue-"), Value("glue-etl"), true},
      {"startsWith", Value("etl"), Value("glue-etl"), false},
      {"endsWith", Value("-etl"), Value("glue-etl"), true},
      {"endsWith", Value("glue"), Value("glue-etl"), false},
      {"contains", Value("ue-e"), Value("glue-etl"), true},
      {"contains", Value("x"), Value("glue-etl"), false},
      {"contains", Value("1"), Value(12), false},
      {"matches", Value("^job-[0-9]+$"), Value("job-42"), true},
      {"matches", Value("[0-9]{3}"), Value("ab1234"), true},  // a search, not a full match
      {"matches", Value("^job$"), Value("job-1"), false},
      {"lessThan", Value(10), Value(9.5), true},
      {"lessThan", Value(10), Value(10), false},
      {"lessThanOrEqual", Value(10), Value(10), true},
      {"greaterThan", Value(10), Value(11), true},
      {"greaterThan", Value(10), Value("11"), false},
      {"greaterThanOrEqual", Value(10), Value(10), true},
      {"greaterThanOrEqual", Value(10), Value(9), false},
      {"before", Value("2025-11-03T00:00:00Z"), Value("2025-11-02T23:59:59Z"), true},
      {"before", Value("2025-11-03T00:00:00Z"), Value(1762128000000.0), false},  // equal: not before
      {"after", Value("2025-11-03T00:00:00Z"), Value("2025-11-03T00:00:00-03:00"), true},
      {"after", Value(1000), Value(999), false},
      {"after", Value("2025-11-03T00:00:00Z"), Value("yesterday"), false},
      {"semVerEqual", Value("2.0.0"), Value("2"), true},
      {"semVerEqual", Value("2.0.0"), Value("2.0.0+build.5"), true},
      {"semVerLessThan", Value("2.0.0"), Value("2.0.0-rc.1"), true},
      {"semVerLessThan", Value("1.10.0"), Value("1.9.9"), true},
      {"semVerLessThan", Value("2.0.0-rc.2"), Value("2.0.0-rc.10"), false},
      {"semVerGreaterThan", Value("2.0.0-alpha"), Value("2.0.0-beta"), true},
      {"semVerGreaterThan", Value("2.0.0-alpha"), Value("2.0.0-1"), false},  // numeric ids sort first
      {"semVerGreaterThan", Value("1.0.0"), Value("01.0.0"), false},           // not a version
  };
  for (const OperatorCase& row : cases) {
    for (bool negate : {false, true}) {
      FlagSet set;
      Flag flag;
      flag.key = "f";
      flag.on = true;
      flag.variations = {Value(false), Value(true)};
      flag.fallthrough.variation = 0;
      Clause clause;
      clause.context_kind = "job";
      clause.attribute = "a";
      clause.attribute_path = {"a"};
      clause.op = *operator_from_name(row.op);
      clause.negate = negate;
      clause.values.push_back(prepare_clause_value(clause.op, row.clause_value));
      Rule rule;
      rule.clauses.push_back(clause);
      rule.serve.variation = 1;
      flag.rules.push_back(rule);
      set.flags["f"] = flag;
      Evaluation result = Evaluator(set).evaluate("f", job("j", {{"a", row.attribute}}));
      EXPECT_EQ(result.value, Value(row.matches != negate))
          << row.op << " " << row.clause_value.to_json() << " vs " << row.attribute.to_json() << (negate ? " (negated)" : "");
      // A missing attribute matches nothing, negated or not.
      EXPECT_EQ(Evaluator(set).evaluate("f", job("j")).value, Value(false)) << row.op;
    }
  }
}

TEST(EvaluatorTest, ArraysMatchAnyElementAndKindIsAnAttribute) {
  FlagSet flags = load(R"(
f:
  variations: [a, b, c]
  rules:
    - clauses: [{attribute: groups, op: in, values: [risk]}]
      serve: b
    - clauses: [{attribute: kind, op: in, values: [user]}]
      serve: c
  fallthrough: a
)");
  Evaluator evaluator(flags);
  EXPECT_EQ(evaluator.evaluate("f", job("j", {{"groups", Value::array({Value("ops"), Value("risk")})}})).value, Value("b"));
  EXPECT_EQ(evaluator.evaluate("f", job("j", {{"groups", Value::array({Value("ops")})}})).value, Value("a"));
  EXPECT_EQ(evaluator.evaluate("f", Context(SingleContext("user", "ann"))).value, Value("c"));
}

TEST(EvaluatorTest, ExperimentsReportInExperiment) {
  FlagSet flags;
  std::vector<Diagnostic> diagnostics;
  read_flag_file("flags/ld.json", R"({"flags": {"exp": {
      "key": "exp", "version": 7, "on": true, "salt": "saltyA", "variations": ["control", "treatment"],
      "fallthrough": {"rollout": {"kind": "experiment", "variations": [
         {"variation": 0, "weight": 50000}, {"variation": 1, "weight": 50000}]}}}}})",
                 FlagFileFormat::kLaunchDarklyJson, &flags, &diagnostics);
  ASSERT_TRUE(diagnostics.empty()) << format_diagnostic(diagnostics[0]);
  Evaluator evaluator(flags);
  // The flag key "exp" with salt "saltyA": buckets are not those of hashKey; check the split.
  Evaluation result = evaluator.evaluate("exp", Context(SingleContext("user", "userKeyA")));
  EXPECT_TRUE(result.reason.in_experiment);
  EXPECT_EQ(result.flag_version, 7);
  double bucket = bucket_of("exp", "saltyA", std::nullopt, "userKeyA");
  EXPECT_EQ(result.variation, bucket < 0.5 ? 0 : 1);
  // A context without the rollout's kind is bucketed at 0 and not in the experiment.
  Evaluation job_only = evaluator.evaluate("exp", job("j"));
  EXPECT_EQ(job_only.variation, 0);
  EXPECT_FALSE(job_only.reason.in_experiment);
}

}  // namespace
}  // namespace silt::flags
