// base/: Status and Result propagation, string helpers, timestamp parsing (case tables).
#include <gtest/gtest.h>

#include <variant>

#include "base/clock.h"
#include "base/diagnostic.h"
#include "base/duration.h"
#include "base/ids.h"
#include "base/status.h"
#include "base/strings.h"

namespace silt {
namespace {

Result<int> parse_positive(const std::string& text) {
  auto value = parse_int64(text);
  if (!value) return make_error(ErrorCode::kInvalidArgument, "not a number: " + text);
  if (*value <= 0) return make_error(ErrorCode::kInvalidArgument, "not positive: " + text);
  return static_cast<int>(*value);
}

Result<int> doubled(const std::string& text) {
  SILT_TRY_ASSIGN(int value, parse_positive(text));
  return value * 2;
}

Status check(const std::string& text) {
  SILT_TRY_CONTEXT(parse_positive(text), "checking '" + text + "'");
  return Status();
}

TEST(StringsTest, SuggestsOnlyLikelyTypos) {
  const std::vector<std::string> keys{"storage", "models", "sources"};
  EXPECT_EQ(closest_name("storgae", keys), "storage");   // a transposition
  EXPECT_EQ(closest_name("MODELS", keys), "models");     // case does not count
  EXPECT_EQ(closest_name("source", keys), "sources");
  EXPECT_EQ(closest_name("schedule", keys), std::nullopt);
  EXPECT_EQ(closest_name("ab", {"xy"}), std::nullopt);   // two edits in two letters is not a typo
}

TEST(ClockTest, ParsesRfc3339WithOffsets) {
  EXPECT_EQ(parse_rfc3339_ms("2025-11-03T00:00:00Z"), 1762128000000);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-03T00:00:00.250-03:00"), 1762128000000 + 3 * 3600000 + 250);
  EXPECT_EQ(parse_rfc3339_ms("2025-11-03T00:00:00"), std::nullopt);  // the offset is required
  EXPECT_EQ(parse_rfc3339_ms("2025-13-03T00:00:00Z"), std::nullopt);
}

TEST(DiagnosticTest, FormatsWithAndWithoutPosition) {
  EXPECT_EQ(format_diagnostic({"flags/tbar.yml", 12, 5, "unknown key 'rule'"}), "flags/tbar.yml:12:5: unknown key 'rule'");
  EXPECT_EQ(format_diagnostic({"silt.yaml", 0, 0, "empty file"}), "silt.yaml: empty file");
}

TEST(StatusTest, PropagatesErrorsWithContext) {
  EXPECT_EQ(*doubled("21"), 42);
  auto bad = doubled("x");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  Status status = check("-1");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message(), "checking '-1': not positive: -1");
  EXPECT_TRUE(check("3").ok());
}

TEST(StatusTest, EveryUseIsDefined) {
  Status ok;
  EXPECT_EQ(ok.code(), ErrorCode::kOk);
  EXPECT_EQ(ok.message(), "");
  EXPECT_EQ(ok.error().code(), ErrorCode::kInternal) << "the error of a success is an internal error, not UB";
  // A Result made from an ok Status (a bug) holds an internal error rather than nothing.
  Result<int> from_ok(Status{});
  ASSERT_FALSE(from_ok);
  EXPECT_EQ(from_ok.error().code(), ErrorCode::kInternal);
  Result<int> value(7);
  EXPECT_EQ(value.error().code(), ErrorCode::kInternal);
  EXPECT_THROW((void)Result<int>(Error(ErrorCode::kIo, "x")).value(), std::bad_variant_access);
  // kOk is never the code of an error.
  EXPECT_EQ(Error(ErrorCode::kOk, "x").code(), ErrorCode::kInternal);
}

TEST(StatusTest, RetryableCodesAndReasonsTravelWithContext) {
  EXPECT_TRUE(is_retryable(ErrorCode::kConflict));
  EXPECT_TRUE(is_retryable(ErrorCode::kIo));
  EXPECT_TRUE(is_retryable(ErrorCode::kTimeout));
  EXPECT_FALSE(is_retryable(ErrorCode::kInvalidArgument));
  EXPECT_FALSE(is_retryable(ErrorCode::kCorruption));
  EXPECT_FALSE(is_retryable(ErrorCode::kInternal));
  Error error = make_error(ErrorCode::kInvalidArgument, "bad").set_reason("some_reason", {{"rows", "3"}});
  error.set_sql_line(4);
  Error wrapped = error.with_context("writing t");
  EXPECT_EQ(wrapped.message(), "writing t: bad");
  EXPECT_EQ(wrapped.reason(), "some_reason");
  EXPECT_EQ(wrapped.detail("rows"), "3");
  EXPECT_EQ(wrapped.detail("missing"), "");
  EXPECT_EQ(wrapped.sql_line(), 4);
  EXPECT_EQ(std::move(error).with_context("again").reason(), "some_reason");
}

TEST(StringsTest, CaseTable) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(trim("  x y \n"), "x y");
  EXPECT_EQ(uri_encode_path("d=a b/c%d#e.parquet"), "d=a%20b/c%25d%23e.parquet");
  EXPECT_EQ(uri_decode("a%20b%2Fc%zz%"), "a b/c%zz%");
  EXPECT_EQ(uri_decode(uri_encode_path("x=%25 é/y")), "x=%25 é/y");
  EXPECT_EQ(sql_string("it's"), "'it''s'");
  EXPECT_EQ(sql_identifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(parse_int64("-12"), -12);
  EXPECT_EQ(parse_int64("12x"), std::nullopt);
  EXPECT_EQ(parse_int64("99999999999999999999"), std::nullopt);
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
}

TEST(ClockTest, ParsesAndFormatsTimestamps) {
  struct Case {
    const char* text;
    std::optional<int64_t> ms;
  } cases[] = {
      {"1970-01-01", 0},
      {"2018-10-24 21:14:18", 1540415658000},
      {"2018-10-24T21:14:18.5Z", 1540415658500},
      {"2018-10-24 21:14", 1540415640000},
      {"1969-12-31 23:59:59.999", -1},
      {"2018-13-01", std::nullopt},
      {"yesterday", std::nullopt},
      {"2018-10-24 21:14:18 junk", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(parse_timestamp_ms(c.text), c.ms) << c.text;
  EXPECT_EQ(format_timestamp_ms(1540415658500), "2018-10-24 21:14:18.500");
  EXPECT_EQ(format_timestamp_ms(-1), "1969-12-31 23:59:59.999");
}

TEST(IdsTest, UuidsAreVersion4AndUnique) {
  std::string a = new_uuid();
  std::string b = new_uuid();
  EXPECT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace silt

namespace silt {
namespace {

TEST(DurationTest, ParsesUnitsCombinationsAndDeltaIntervals) {
  EXPECT_EQ(parse_duration_ms("168h"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("7d"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("1w"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("1h30m"), 5'400'000);
  EXPECT_EQ(parse_duration_ms("1h 30m"), 5'400'000);
  EXPECT_EQ(parse_duration_ms("500ms"), 500);
  EXPECT_EQ(parse_duration_ms("45S"), 45'000);
  EXPECT_EQ(parse_duration_ms("interval 7 days"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("interval 1 hour"), 3'600'000);
  EXPECT_EQ(parse_duration_ms(""), std::nullopt);
  EXPECT_EQ(parse_duration_ms("7"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("-7d"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("7 fortnights"), std::nullopt);
  EXPECT_EQ(parse_duration_ms("99999999999999999999d"), std::nullopt);
  EXPECT_EQ(format_duration_ms(604'800'000), "7d");
  EXPECT_EQ(format_duration_ms(5'400'000), "1h30m");
  EXPECT_EQ(format_duration_ms(1500), "1s500ms");
  EXPECT_EQ(format_duration_ms(0), "0s");
}

}  // namespace
}  // namespace silt
