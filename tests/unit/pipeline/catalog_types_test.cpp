// Type widening of the crawler and the type spellings of the DDL dialects.
#include <gtest/gtest.h>

#include "pipeline/catalog/catalog_ddl.h"
#include "pipeline/catalog/type_widening.h"

namespace silt::pipeline {
namespace {

std::string widened(const std::string& have, const std::string& seen) {
  WidenedType w = widen_type(have, seen);
  const char* how = w.how == Widening::kSame ? "same" : w.how == Widening::kWidened ? "widened" : "conflict";
  return std::string(how) + " " + w.type;
}

TEST(TypeWidening, IntegersWidenToTheLargerThenToDouble) {
  EXPECT_EQ(widened("INTEGER", "BIGINT"), "widened BIGINT");
  EXPECT_EQ(widened("BIGINT", "INTEGER"), "same BIGINT");
  EXPECT_EQ(widened("SMALLINT", "int4"), "widened INTEGER");
  EXPECT_EQ(widened("INTEGER", "UINTEGER"), "widened BIGINT");
  EXPECT_EQ(widened("BIGINT", "DOUBLE"), "widened DOUBLE");
  EXPECT_EQ(widened("FLOAT", "DOUBLE"), "widened DOUBLE");
  EXPECT_EQ(widened("DOUBLE", "TINYINT"), "same DOUBLE");
  EXPECT_EQ(widened("UBIGINT", "BIGINT"), "widened HUGEINT");
}

TEST(TypeWidening, DecimalsHoldBothSidesOrBecomeDouble) {
  EXPECT_EQ(widened("DECIMAL(12,2)", "DECIMAL(10,4)"), "widened DECIMAL(14,4)");
  EXPECT_EQ(widened("DECIMAL(12,2)", "INTEGER"), "same DECIMAL(12,2)");
  EXPECT_EQ(widened("DECIMAL(4,2)", "BIGINT"), "widened DECIMAL(21,2)");
  EXPECT_EQ(widened("DECIMAL(38,10)", "HUGEINT"), "widened DOUBLE");
  EXPECT_EQ(widened("DECIMAL(12,2)", "DOUBLE"), "widened DOUBLE");
}

TEST(TypeWidening, DatesWidenToTimestampsAndOthersConflict) {
  EXPECT_EQ(widened("DATE", "TIMESTAMP"), "widened TIMESTAMP");
  EXPECT_EQ(widened("TIMESTAMP_MS", "TIMESTAMP"), "same TIMESTAMP");
  EXPECT_EQ(widened("TIMESTAMP", "TIMESTAMPTZ"), "widened TIMESTAMP WITH TIME ZONE");
  EXPECT_EQ(widened("BIGINT", "VARCHAR"), "conflict VARCHAR");
  EXPECT_EQ(widened("VARCHAR", "BIGINT"), "same VARCHAR");
  EXPECT_EQ(widened("BOOLEAN", "INTEGER"), "conflict VARCHAR");
  EXPECT_EQ(widened("DATE", "INTEGER"), "conflict VARCHAR");
  EXPECT_EQ(widened("INTEGER[]", "BIGINT[]"), "conflict VARCHAR");
}

TEST(DdlTypes, EachDialectSpellsScalarsAndNestedTypes) {
  EXPECT_EQ(ddl_type("VARCHAR", DdlDialect::kAthena), "string");
  EXPECT_EQ(ddl_type("VARCHAR", DdlDialect::kTrino), "varchar");
  EXPECT_EQ(ddl_type("INTEGER", DdlDialect::kSpark), "INT");
  EXPECT_EQ(ddl_type("DECIMAL(12,2)", DdlDialect::kTrino), "decimal(12,2)");
  EXPECT_EQ(ddl_type("TIMESTAMP", DdlDialect::kSpark), "TIMESTAMP_NTZ");
  EXPECT_EQ(ddl_type("TIMESTAMP WITH TIME ZONE", DdlDialect::kTrino), "timestamp(6) with time zone");
  EXPECT_EQ(ddl_type("BIGINT[]", DdlDialect::kAthena), "array<bigint>");
  EXPECT_EQ(ddl_type("BIGINT[]", DdlDialect::kTrino), "array(bigint)");
  EXPECT_EQ(ddl_type("STRUCT(a INTEGER, \"b c\" VARCHAR[])", DdlDialect::kAthena), "struct<a:int,b c:array<string>>");
  EXPECT_EQ(ddl_type("STRUCT(a INTEGER, b VARCHAR)", DdlDialect::kTrino), "row(\"a\" integer, \"b\" varchar)");
  EXPECT_EQ(ddl_type("MAP(VARCHAR, DOUBLE)", DdlDialect::kSpark), "MAP<STRING,DOUBLE>");
  EXPECT_EQ(ddl_type("INTERVAL", DdlDialect::kAthena), "string");
}

}  // namespace
}  // namespace silt::pipeline
