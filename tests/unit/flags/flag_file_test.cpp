// flags/: reading silt's YAML and LaunchDarkly's JSON flag files, and every bad input named by file,
// line and column.
#include <gtest/gtest.h>

#include "flags/evaluator.h"
#include "flags/flag_file.h"

namespace silt::flags {
namespace {

std::vector<std::string> problems(const std::string& text, FlagFileFormat format = FlagFileFormat::kSiltYaml,
                                  FlagSet* out = nullptr) {
  FlagSet local;
  FlagSet* flags = out != nullptr ? out : &local;
  std::vector<Diagnostic> diagnostics;
  read_flag_file(format == FlagFileFormat::kSiltYaml ? "flags/f.yml" : "flags/f.json", text, format, flags, &diagnostics);
  check_flag_set(flags, &diagnostics);
  std::vector<std::string> lines;
  for (const auto& d : diagnostics) lines.push_back(format_diagnostic(d));
  return lines;
}

TEST(FlagFileTest, NamesTheFileLineAndColumnOfEachProblem) {
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n  fallthrough: a\n  rulez: []\n"),
            std::vector<std::string>{"flags/f.yml:4:3: flag 'f': unknown key 'rulez' (did you mean 'rules'?)"});
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n  fallthrough: c\n"),
            std::vector<std::string>{"flags/f.yml:3:16: fallthrough: c is not a variation of flag 'f' (variations: a, b)"});
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n  rules:\n    - clauses: [{attribute: x, op: startWith, values: [y]}]\n"
                     "      serve: a\n  fallthrough: a\n"),
            std::vector<std::string>{"flags/f.yml:4:36: unknown operator 'startWith' (did you mean 'startsWith'?)"});
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n  fallthrough: {rollout: {a: 60, b: 30}}\n"),
            std::vector<std::string>{"flags/f.yml:3:26: the rollout's weights sum to 90%; they must total 100%"});
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n"),
            std::vector<std::string>{"flags/f.yml:1:1: flag 'f' needs 'fallthrough': the variation (or rollout) served "
                                     "when no target or rule matches"});
  EXPECT_EQ(problems("f:\n  variations: [a, b]\n  fallthrough: a\n  rules:\n    - clauses: [{attribute: x, op: matches, values: ['(']}]\n      serve: b\n"),
            std::vector<std::string>{"flags/f.yml:5:54: '(' is not a regular expression (ECMAScript syntax)"});
  EXPECT_EQ(problems("f: [1, 2\n").size(), 1u);
  EXPECT_EQ(problems("f: [1, 2\n")[0].rfind("flags/f.yml:", 0), 0u);
}

TEST(FlagFileTest, PrerequisiteCyclesAndMissingReferencesMarkFlagsMalformed) {
  FlagSet flags;
  auto lines = problems(R"(
a: {variations: [x], prerequisites: {b: x}}
b: {variations: [x], prerequisites: {a: x}}
c: {variations: [x], prerequisites: {nope: x}}
d:
  variations: [x, y]
  rules: [{clauses: [{op: segmentMatch, values: [missing]}], serve: y}]
  fallthrough: x
)",
                        FlagFileFormat::kSiltYaml, &flags);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "flags/f.yml:4:38: flag 'c' needs prerequisite 'nope': no flag 'nope' is defined in the flag files");
  EXPECT_EQ(lines[1], "flags/f.yml:7:22: flag 'd': no segment 'missing' is defined in the flag files");
  EXPECT_EQ(lines[2], "flags/f.yml:3:38: prerequisites form a cycle: a -> b -> a");
  Evaluator evaluator(flags);
  Context context(SingleContext("job", "j"));
  for (const char* key : {"a", "b", "c", "d"}) {
    Evaluation result = evaluator.evaluate(key, context);
    EXPECT_EQ(result.reason.error_kind, ErrorKind::kMalformedFlag) << key;
  }
}

TEST(FlagFileTest, AnyProblemInAFlagMakesItServeItsDefault) {
  FlagSet flags;
  auto lines = problems("f:\n  variations: [v1, v2]\n  default: v1\n  fallthrough: v2\n  rulez: []\n", FlagFileFormat::kSiltYaml, &flags);
  ASSERT_EQ(lines.size(), 1u);
  Evaluation result = Evaluator(flags).evaluate("f", Context(SingleContext("job", "j")));
  EXPECT_EQ(result.value, Value("v1"));
  EXPECT_EQ(result.reason.error_kind, ErrorKind::kMalformedFlag);
}

TEST(FlagFileTest, SegmentsMatchingEachOtherInACycleAreMalformed) {
  FlagSet flags;
  auto lines = problems(R"(
segments:
  a: {rules: [{clauses: [{op: segmentMatch, values: [b]}]}]}
  b: {rules: [{clauses: [{op: segmentMatch, values: [a]}]}]}
f:
  variations: [x, y]
  rules: [{clauses: [{op: segmentMatch, values: [a]}], serve: y}]
  fallthrough: x
)",
                        FlagFileFormat::kSiltYaml, &flags);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "flags/f.yml:4:26: segments match each other in a cycle: a -> b -> a");
  Evaluation result = Evaluator(flags).evaluate("f", Context(SingleContext("job", "j")));
  EXPECT_EQ(result.reason.error_kind, ErrorKind::kMalformedFlag);
}

TEST(FlagFileTest, DuplicateKeysAndRedefinedFlags) {
  FlagSet flags;
  auto first = problems("f: {variations: [a], fallthrough: a}\n", FlagFileFormat::kSiltYaml, &flags);
  EXPECT_TRUE(first.empty());
  std::vector<Diagnostic> diagnostics;
  read_flag_file("flags/g.yml", "f: {variations: [b], fallthrough: b}\n", FlagFileFormat::kSiltYaml, &flags, &diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(format_diagnostic(diagnostics[0]), "flags/g.yml:1:1: flag 'f' is defined again (first in flags/f.yml:1); keep one");
  EXPECT_EQ(problems("f:\n  variations: [a]\n  on: true\n  on: false\n  fallthrough: a\n"),
            std::vector<std::string>{"flags/f.yml:4:3: flag 'f': 'on' is given twice (first on line 3); keep one"});
}

TEST(FlagFileTest, ReadsLaunchDarklyFlagData) {
  FlagSet flags;
  // Tab-indented, as many exporters write it; fields for events and client SDKs are ignored.
  auto lines = problems("{\n\t\"flags\": {\n\t\t\"f\": {\"key\": \"f\", \"version\": 12, \"on\": true, \"salt\": \"s\",\n"
                        "\t\t\t\"variations\": [false, true], \"offVariation\": 0, \"trackEvents\": false,\n"
                        "\t\t\t\"targets\": [{\"values\": [\"ann\"], \"variation\": 1}],\n"
                        "\t\t\t\"contextTargets\": [{\"contextKind\": \"user\", \"values\": [], \"variation\": 1},\n"
                        "\t\t\t                   {\"contextKind\": \"org\", \"values\": [\"acme\"], \"variation\": 1}],\n"
                        "\t\t\t\"rules\": [{\"id\": \"r1\", \"clauses\": [{\"contextKind\": \"user\", \"attribute\": \"/address/city\",\n"
                        "\t\t\t\t\"op\": \"in\", \"values\": [\"Recife\"], \"negate\": false}], \"variation\": 1}],\n"
                        "\t\t\t\"fallthrough\": {\"variation\": 0}, \"clientSideAvailability\": {\"usingMobileKey\": false}}\n"
                        "\t},\n\t\"flagValues\": {\"simple\": \"v2\"}\n}\n",
                        FlagFileFormat::kLaunchDarklyJson, &flags);
  ASSERT_TRUE(lines.empty()) << lines[0];
  Evaluator evaluator(flags);
  EXPECT_EQ(evaluator.evaluate("f", Context(SingleContext("user", "ann"))).reason.kind, ReasonKind::kTargetMatch);
  EXPECT_EQ(evaluator.evaluate("f", Context(SingleContext("org", "acme"))).value, Value(true));
  Value::Object address{{"city", Value("Recife")}};
  Evaluation rule = evaluator.evaluate("f", Context(SingleContext("user", "bob", {{"address", Value::object(address)}})));
  EXPECT_EQ(rule.reason.kind, ReasonKind::kRuleMatch);
  EXPECT_EQ(rule.flag_version, 12);
  EXPECT_EQ(evaluator.evaluate("f", Context(SingleContext("user", "bob"))).value, Value(false));
  EXPECT_EQ(evaluator.evaluate("simple", Context(SingleContext("job", "j"))).value, Value("v2"));
}

TEST(FlagFileTest, LaunchDarklyBadInput) {
  EXPECT_EQ(problems(R"({"flags": {"f": {"variations": [1, 2], "on": true, "offVariation": 2, "fallthrough": {"variation": 0}}}})",
                     FlagFileFormat::kLaunchDarklyJson),
            std::vector<std::string>{"flags/f.json:1:68: offVariation 2 is out of range: the flag has 2 variations (0 to 1)"});
  EXPECT_EQ(problems(R"({"flags": {"f": {"variations": [1, 2], "on": true, "fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": 60000}, {"variation": 1, "weight": 30000}]}}}}})",
                     FlagFileFormat::kLaunchDarklyJson),
            std::vector<std::string>{"flags/f.json:1:94: the rollout's weights sum to 90000; they must total 100000"});
  EXPECT_EQ(problems(R"({"flags": {"f": {"variations": [1, 2], "on": true, "fallthrough": {"variation": 0}, "rules": [{"clauses": [{"attribute": "a", "op": "inn", "values": [1]}], "variation": 0}]}}})",
                     FlagFileFormat::kLaunchDarklyJson),
            std::vector<std::string>{"flags/f.json:1:133: unknown operator 'inn' (did you mean 'in'?)"});
  EXPECT_EQ(problems(R"({"flags": {}, "segmnets": {}})", FlagFileFormat::kLaunchDarklyJson),
            std::vector<std::string>{"flags/f.json:1:15: flag data: unknown key 'segmnets' (did you mean 'segments'?)"});
}

TEST(ContextTest, ParsesSingleMultiAndOldStyleContexts) {
  auto single = context_from_value(*parse_json(R"({"kind": "job", "key": "nightly", "environment": "prod"})"));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->fully_qualified_key(), "job:nightly");
  EXPECT_EQ(*single->find("job")->get("environment"), Value("prod"));
  auto multi = context_from_value(*parse_json(R"({"kind": "multi", "user": {"key": "a:b"}, "job": {"key": "n"}})"));
  ASSERT_TRUE(multi);
  EXPECT_EQ(multi->fully_qualified_key(), "job:n:user:a%3Ab");
  auto old = context_from_value(*parse_json(R"({"key": "ann", "custom": {"team": "risk"}})"));
  ASSERT_TRUE(old);
  EXPECT_EQ(old->fully_qualified_key(), "ann");
  EXPECT_EQ(*old->find("user")->get("team"), Value("risk"));
  EXPECT_FALSE(context_from_value(*parse_json(R"({"kind": "job"})")));
  EXPECT_FALSE(context_from_value(*parse_json(R"({"kind": "multi", "job": {"key": "a"}, "kind2": 3})")));
}

}  // namespace
}  // namespace silt::flags
