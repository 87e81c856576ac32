#include "pipeline/catalog/catalog_ddl.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/catalog/type_widening.h"

namespace silt::pipeline {
namespace {

// `text` split at commas outside parentheses and quotes.
std::vector<std::string> split_top_level(const std::string& text) {
  std::vector<std::string> parts;
  int depth = 0;
  bool quoted = false;
  std::string current;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (!quoted && c == '(') ++depth;
    if (!quoted && c == ')') --depth;
    if (!quoted && depth == 0 && c == ',') {
      parts.push_back(std::string(trim(current)));
      current.clear();
      continue;
    }
    current += c;
  }
  if (!trim(current).empty()) parts.push_back(std::string(trim(current)));
  return parts;
}

std::string quote_name(const std::string& name, DdlDialect dialect) {
  if (dialect == DdlDialect::kTrino) return "\"" + replace_all(name, "\"", "\"\"") + "\"";
  return "`" + replace_all(name, "`", "``") + "`";
}

std::string scalar_type(const std::string& type, DdlDialect d) {
  const bool athena = d == DdlDialect::kAthena, trino = d == DdlDialect::kTrino;
  auto pick = [&](const char* a, const char* t, const char* s) { return std::string(athena ? a : trino ? t : s); };
  if (starts_with(type, "DECIMAL(")) return (d == DdlDialect::kSpark ? "DECIMAL" : "decimal") + type.substr(7);
  static const std::map<std::string, std::vector<const char*>> kTypes = {
      {"BOOLEAN", {"boolean", "boolean", "BOOLEAN"}},
      {"TINYINT", {"tinyint", "tinyint", "TINYINT"}},
      {"SMALLINT", {"smallint", "smallint", "SMALLINT"}},
      {"UTINYINT", {"smallint", "smallint", "SMALLINT"}},
      {"INTEGER", {"int", "integer", "INT"}},
      {"USMALLINT", {"int", "integer", "INT"}},
      {"BIGINT", {"bigint", "bigint", "BIGINT"}},
      {"UINTEGER", {"bigint", "bigint", "BIGINT"}},
      {"UBIGINT", {"decimal(20,0)", "decimal(20,0)", "DECIMAL(20,0)"}},
      {"HUGEINT", {"decimal(38,0)", "decimal(38,0)", "DECIMAL(38,0)"}},
      {"FLOAT", {"float", "real", "FLOAT"}},
      {"DOUBLE", {"double", "double", "DOUBLE"}},
      {"VARCHAR", {"string", "varchar", "STRING"}},
      {"DATE", {"date", "date", "DATE"}},
      {"TIMESTAMP", {"timestamp", "timestamp(6)", "TIMESTAMP_NTZ"}},
      {"TIMESTAMP WITH TIME ZONE", {"timestamp", "timestamp(6) with time zone", "TIMESTAMP"}},
      {"BLOB", {"binary", "varbinary", "BINARY"}},
      {"UUID", {"string", "uuid", "STRING"}},
  };
  auto it = kTypes.find(type);
  if (it == kTypes.end()) return pick("string", "varchar", "STRING");  // other types travel as text
  return pick(it->second[0], it->second[1], it->second[2]);
}

}  // namespace

std::optional<DdlDialect> ddl_dialect_from_name(const std::string& name) {
  std::string lower = to_lower(name);
  if (lower == "athena") return DdlDialect::kAthena;
  if (lower == "trino") return DdlDialect::kTrino;
  if (lower == "spark") return DdlDialect::kSpark;
  return std::nullopt;
}

std::string ddl_type(const std::string& duckdb_type, DdlDialect d) {
  std::string type = normalize_type(duckdb_type);
  const bool trino = d == DdlDialect::kTrino, spark = d == DdlDialect::kSpark;
  if (ends_with(type, "]")) {  // a list: T[] or T[N]
    size_t open = type.rfind('[');
    std::string element = ddl_type(type.substr(0, open), d);
    return trino ? "array(" + element + ")" : (spark ? "ARRAY<" : "array<") + element + ">";
  }
  if (starts_with(type, "STRUCT(") && ends_with(type, ")")) {
    std::vector<std::string> fields;
    for (const auto& part : split_top_level(duckdb_type.substr(duckdb_type.find('(') + 1,
                                                               duckdb_type.size() - duckdb_type.find('(') - 2))) {
      std::string name, rest;
      if (!part.empty() && part[0] == '"') {
        size_t close = part.find('"', 1);
        name = part.substr(1, close - 1);
        rest = part.substr(close + 1);
      } else {
        name = part.substr(0, part.find(' '));
        rest = part.substr(name.size());
      }
      std::string field_type = ddl_type(std::string(trim(rest)), d);
      fields.push_back(trino ? quote_name(name, d) + " " + field_type : name + (spark ? ": " : ":") + field_type);
    }
    return trino ? "row(" + join(fields, ", ") + ")" : (spark ? "STRUCT<" : "struct<") + join(fields, ",") + ">";
  }
  if (starts_with(type, "MAP(") && ends_with(type, ")")) {
    auto parts = split_top_level(duckdb_type.substr(duckdb_type.find('(') + 1, duckdb_type.size() - duckdb_type.find('(') - 2));
    std::string key = ddl_type(parts.empty() ? "VARCHAR" : parts[0], d);
    std::string value = ddl_type(parts.size() < 2 ? "VARCHAR" : parts[1], d);
    return trino ? "map(" + key + ", " + value + ")" : (spark ? "MAP<" : "map<") + key + "," + value + ">";
  }
  return scalar_type(type, d);
}

namespace {

// Where the other engine finds the files: s3:// stays, a local path becomes a file: URI.
std::string location_uri(const std::string& location) {
  std::string uri = starts_with(location, "s3://") || location.find("://") != std::string::npos
                        ? location
                        : "file://" + location;
  if (uri.back() != '/') uri += '/';
  return uri;
}

std::string qualified(const std::string& schema, const std::string& name, DdlDialect d) {
  return schema.empty() ? quote_name(name, d) : quote_name(schema, d) + "." + quote_name(name, d);
}

std::string column_lines(const std::vector<CatalogColumn>& columns, DdlDialect d) {
  std::vector<std::string> lines;
  for (const auto& c : columns) lines.push_back("  " + quote_name(c.name, d) + " " + ddl_type(c.type, d));
  return join(lines, ",\n");
}

std::string format_note(const CatalogEntry& e) {
  if (e.format == "json") return "-- JSON files must hold one object per line (NDJSON) for this engine.\n";
  return "";
}

// The folder of a partition for the engine: "<location>/<path>/".
std::string partition_uri(const CatalogEntry& e, const CatalogPartition& p) {
  return location_uri(e.location) + p.path + (p.path.empty() ? "" : "/");
}

// Athena partition projection: every partition column's type and range or values, and the
// folder template, so Athena needs no partition metadata at all.
std::vector<std::string> projection_properties(const CatalogEntry& e) {
  std::vector<std::string> props = {"'projection.enabled' = 'true'"};
  std::vector<std::string> segments;
  for (size_t i = 0; i < e.partition_columns.size(); ++i) {
    const CatalogColumn& column = e.partition_columns[i];
    std::set<std::string> values;
    for (const auto& p : e.partitions) {
      if (i < p.values.size() && !p.values[i].empty()) values.insert(p.values[i]);
    }
    const std::string key = "projection." + column.name;
    if (column.type == "INTEGER" || column.type == "BIGINT") {
      int64_t low = INT64_MAX, high = INT64_MIN;
      for (const auto& v : values) {
        int64_t n = parse_int64(v).value_or(0);
        low = std::min(low, n);
        high = std::max(high, n);
      }
      if (values.empty()) low = high = 0;
      bool date_folder = e.partition_style == PartitionStyle::kDateFolders;
      if (date_folder && column.name == "month") low = 1, high = 12;
      if (date_folder && column.name == "day") low = 1, high = 31;
      if (date_folder && column.name == "hour") low = 0, high = 23;
      props.push_back(fmt::format("'{}.type' = 'integer'", key));
      props.push_back(fmt::format("'{}.range' = '{},{}'", key, low, high));
      if (date_folder) props.push_back(fmt::format("'{}.digits' = '{}'", key, column.name == "year" ? 4 : 2));
    } else if (column.type == "DATE") {
      props.push_back(fmt::format("'{}.type' = 'date'", key));
      props.push_back(fmt::format("'{}.range' = '{},NOW'", key, values.empty() ? "2000-01-01" : *values.begin()));
      props.push_back(fmt::format("'{}.format' = 'yyyy-MM-dd'", key));
    } else {
      props.push_back(fmt::format("'{}.type' = 'enum'", key));
      props.push_back(fmt::format("'{}.values' = '{}'", key,
                                  replace_all(join(std::vector<std::string>(values.begin(), values.end()), ","), "'", "\\'")));
    }
    std::string placeholder = "${" + column.name + "}";
    segments.push_back(e.partition_style == PartitionStyle::kHive ? column.name + "=" + placeholder : placeholder);
  }
  props.push_back(fmt::format("'storage.location.template' = '{}{}/'", location_uri(e.location), join(segments, "/")));
  return props;
}

std::string athena_ddl(const CatalogEntry& e, const DdlOptions& o) {
  const DdlDialect d = DdlDialect::kAthena;
  std::string name = qualified(o.schema, e.name, d);
  if (e.kind == "delta") {
    return fmt::format("CREATE EXTERNAL TABLE {}\nLOCATION '{}'\nTBLPROPERTIES ('table_type' = 'DELTA');\n", name,
                       location_uri(e.location));
  }
  std::string out = format_note(e);
  out += fmt::format("CREATE EXTERNAL TABLE {} (\n{}\n)\n", name, column_lines(e.columns, d));
  if (!e.partition_columns.empty()) out += fmt::format("PARTITIONED BY (\n{}\n)\n", column_lines(e.partition_columns, d));
  std::vector<std::string> props;
  if (e.format == "parquet") {
    out += "STORED AS PARQUET\n";
  } else if (e.format == "csv") {
    auto delimiter = e.options.count("delimiter") ? e.options.at("delimiter") : ",";
    out += fmt::format("ROW FORMAT DELIMITED FIELDS TERMINATED BY '{}'\nSTORED AS TEXTFILE\n",
                       delimiter == "\t" ? "\\t" : delimiter);
    if (!e.options.count("header") || e.options.at("header") == "true") props.push_back("'skip.header.line.count' = '1'");
  } else {
    out += "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\nSTORED AS TEXTFILE\n";
  }
  out += fmt::format("LOCATION '{}'", location_uri(e.location));
  if (!e.partition_columns.empty()) {
    auto projection = projection_properties(e);
    props.insert(props.end(), projection.begin(), projection.end());
  }
  if (!props.empty()) out += "\nTBLPROPERTIES (\n  " + join(props, ",\n  ") + "\n)";
  return out + ";\n";
}

std::string trino_ddl(const CatalogEntry& e, const DdlOptions& o) {
  const DdlDialect d = DdlDialect::kTrino;
  const std::string schema = o.schema.empty() ? "default" : o.schema;
  if (e.kind == "delta") {
    return fmt::format("CALL {}.system.register_table(schema_name => '{}', table_name => '{}', table_location => "
                       "'{}');\n",
                       o.trino_delta_catalog, schema, e.name, location_uri(e.location));
  }
  std::string out = format_note(e);
  std::vector<CatalogColumn> all = e.columns;  // Hive partition columns come last
  all.insert(all.end(), e.partition_columns.begin(), e.partition_columns.end());
  std::string name = o.trino_catalog + "." + quote_name(schema, d) + "." + quote_name(e.name, d);
  out += fmt::format("CREATE TABLE {} (\n{}\n)\nWITH (\n  external_location = '{}',\n", name, column_lines(all, d),
                     location_uri(e.location));
  if (e.format == "parquet") {
    out += "  format = 'PARQUET'";
  } else if (e.format == "json") {
    out += "  format = 'JSON'";
  } else {
    auto delimiter = e.options.count("delimiter") ? e.options.at("delimiter") : ",";
    out += fmt::format("  format = 'TEXTFILE',\n  textfile_field_separator = '{}'", delimiter);
    if (!e.options.count("header") || e.options.at("header") == "true") out += ",\n  skip_header_line_count = 1";
  }
  if (!e.partition_columns.empty()) {
    std::vector<std::string> keys;
    for (const auto& c : e.partition_columns) keys.push_back("'" + c.name + "'");
    out += ",\n  partitioned_by = ARRAY[" + join(keys, ", ") + "]";
  }
  out += "\n);\n";
  if (e.partition_style == PartitionStyle::kHive) {
    out += fmt::format("CALL {}.system.sync_partition_metadata('{}', '{}', 'ADD');\n", o.trino_catalog, schema, e.name);
  } else if (e.partition_style == PartitionStyle::kDateFolders) {
    out += "-- The folders are YYYY/MM/DD, not key=value: each partition is registered with its folder\n"
           "-- (needs hive.allow-register-partition-procedure=true).\n";
    std::vector<std::string> keys;
    for (const auto& c : e.partition_columns) keys.push_back("'" + c.name + "'");
    for (const auto& p : e.partitions) {
      std::vector<std::string> values;
      for (const auto& v : p.values) values.push_back("'" + v + "'");
      out += fmt::format("CALL {}.system.register_partition('{}', '{}', ARRAY[{}], ARRAY[{}], '{}');\n", o.trino_catalog,
                         schema, e.name, join(keys, ", "), join(values, ", "), partition_uri(e, p));
    }
  }
  return out;
}

std::string spark_ddl(const CatalogEntry& e, const DdlOptions& o) {
  const DdlDialect d = DdlDialect::kSpark;
  std::string name = qualified(o.schema, e.name, d);
  if (e.kind == "delta") {
    return fmt::format("CREATE TABLE {}\nUSING DELTA\nLOCATION '{}';\n", name, location_uri(e.location));
  }
  std::vector<CatalogColumn> all = e.columns;
  all.insert(all.end(), e.partition_columns.begin(), e.partition_columns.end());
  std::string out = fmt::format("CREATE TABLE {} (\n{}\n)\n", name, column_lines(all, d));
  if (e.format == "parquet") {
    out += "USING PARQUET\n";
  } else if (e.format == "json") {
    out += "USING JSON\n";
  } else {
    auto delimiter = e.options.count("delimiter") ? e.options.at("delimiter") : ",";
    auto header = e.options.count("header") ? e.options.at("header") : "true";
    out += fmt::format("USING CSV\nOPTIONS (header '{}', delimiter '{}')\n", header, delimiter == "\t" ? "\\t" : delimiter);
  }
  if (!e.partition_columns.empty()) {
    std::vector<std::string> keys;
    for (const auto& c : e.partition_columns) keys.push_back(quote_name(c.name, d));
    out += "PARTITIONED BY (" + join(keys, ", ") + ")\n";
  }
  out += fmt::format("LOCATION '{}';\n", location_uri(e.location));
  if (e.partition_style == PartitionStyle::kHive) {
    out += fmt::format("MSCK REPAIR TABLE {};\n", name);
  } else if (e.partition_style == PartitionStyle::kDateFolders) {
    out += "-- The folders are YYYY/MM/DD, not key=value: each partition is added with its folder.\n";
    for (const auto& p : e.partitions) {
      std::vector<std::string> values;
      for (size_t i = 0; i < e.partition_columns.size() && i < p.values.size(); ++i) {
        values.push_back(quote_name(e.partition_columns[i].name, d) + " = " + p.values[i]);
      }
      out += fmt::format("ALTER TABLE {} ADD IF NOT EXISTS PARTITION ({}) LOCATION '{}';\n", name, join(values, ", "),
                         partition_uri(e, p));
    }
  }
  return out;
}

}  // namespace

std::string catalog_ddl(const CatalogEntry& entry, DdlDialect dialect, const DdlOptions& options) {
  switch (dialect) {
    case DdlDialect::kAthena: return athena_ddl(entry, options);
    case DdlDialect::kTrino: return trino_ddl(entry, options);
    case DdlDialect::kSpark: return spark_ddl(entry, options);
  }
  return "";
}

}  // namespace silt::pipeline
