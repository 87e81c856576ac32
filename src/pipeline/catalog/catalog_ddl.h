// The statements that make a catalog table queryable in another engine over the same files:
// CREATE EXTERNAL TABLE ... LOCATION for Athena (with partition projection for partitioned
// files, TBLPROPERTIES table_type DELTA for Delta tables), CREATE TABLE ... WITH (external_location)
// and the partition registration for Trino's Hive connector (register_table for its Delta Lake
// connector), CREATE TABLE ... USING ... LOCATION for Spark.
#pragma once

#include <optional>
#include <string>

#include "pipeline/catalog/catalog.h"

namespace silt::pipeline {

enum class DdlDialect { kAthena, kTrino, kSpark };
std::optional<DdlDialect> ddl_dialect_from_name(const std::string& name);  // athena, trino, spark

struct DdlOptions {
  std::string schema;  // the database (Athena, Spark) or schema (Trino) to create in; "" none (Trino: "default")
  std::string trino_catalog = "hive";        // Trino's catalog for files; Delta tables use "delta"
  std::string trino_delta_catalog = "delta";
};

// The DDL for `entry`, statements ending in ';', with comments where the engine needs more.
std::string catalog_ddl(const CatalogEntry& entry, DdlDialect dialect, const DdlOptions& options = {});

// A DuckDB type in a dialect's spelling ("VARCHAR[]" -> "array<string>" for Athena).
std::string ddl_type(const std::string& duckdb_type, DdlDialect dialect);

}  // namespace silt::pipeline
