// locate_value_line: where a value that did not parse sits in its input file.
#include <gtest/gtest.h>

#include "engine/table_ops_internal.h"

namespace silt::engine {
namespace {

TEST(LocateValueLine, FindsTheRecordByItsColumnInACsvFile) {
  std::string text = "id,note,amount\n1,n/a,2\n2,\"two\nlines\",3\n3,x,n/a\n";
  // 'n/a' also appears under note on line 2: only the amount column counts.
  EXPECT_EQ(locate_value_line(text, "amount", "n/a"), 5);
  EXPECT_EQ(locate_value_line(text, "AMOUNT", "n/a"), 5);
  EXPECT_EQ(locate_value_line(text, "note", "n/a"), 2);
  EXPECT_EQ(locate_value_line(text, "amount", "missing"), std::nullopt);
}

TEST(LocateValueLine, HandlesOtherDelimitersQuotesAndCarriageReturns) {
  EXPECT_EQ(locate_value_line("a;b\r\n1;2\r\n3;\"x;y\"\r\n", "b", "x;y"), 3);
  EXPECT_EQ(locate_value_line("a\tb\n1\t\"say \"\"hi\"\"\"\n", "b", "say \"hi\""), 2);
  EXPECT_EQ(locate_value_line("a|b\n1| padded \n", "b", "padded"), 2);
}

TEST(LocateValueLine, WithoutAHeaderNamingTheColumnAnyFieldMatches) {
  EXPECT_EQ(locate_value_line("x,y\n1,2\n3,bad\n", "amount", "bad"), 3);
}

TEST(LocateValueLine, JsonLinesAreSearchedLineByLine) {
  std::string text = "{\"id\": 1, \"v\": 2}\n{\"id\": 2, \"v\": \"two\"}\n";
  EXPECT_EQ(locate_value_line(text, "v", "two"), 2);
  EXPECT_EQ(locate_value_line(text, "v", "three"), std::nullopt);
}

}  // namespace
}  // namespace silt::engine
