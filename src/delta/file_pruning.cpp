// Stats-based file skipping following the Delta protocol's rules (missing stats keep the file,
// timestamps compare with max + 1 ms because stats are truncated to milliseconds).
#include "delta/file_pruning.h"

#include <set>

#include <simdjson.h>

#include <cmath>
#include <optional>

#include "base/clock.h"
#include "base/strings.h"

namespace silt::delta {

Predicate Predicate::compare(std::string column, Op op, std::string value) {
  Predicate predicate;
  predicate.kind = Kind::kCompare;
  predicate.op = op;
  predicate.column = std::move(column);
  predicate.values.push_back(std::move(value));
  return predicate;
}

Predicate Predicate::all_of(std::vector<Predicate> children) {
  Predicate predicate;
  predicate.kind = Kind::kAnd;
  predicate.children = std::move(children);
  return predicate;
}

Predicate Predicate::any_of(std::vector<Predicate> children) {
  Predicate predicate;
  predicate.kind = Kind::kOr;
  predicate.children = std::move(children);
  return predicate;
}

namespace {

enum class ValueClass { kNumber, kString, kTimestamp, kNone };

ValueClass classify(const DataType& type) {
  if (type.kind == DataType::Kind::kDecimal) return ValueClass::kNumber;
  if (type.kind != DataType::Kind::kPrimitive) return ValueClass::kNone;
  const std::string& n = type.name;
  if (n == "long" || n == "integer" || n == "short" || n == "byte" || n == "float" || n == "double") {
    return ValueClass::kNumber;
  }
  if (n == "string" || n == "date") return ValueClass::kString;
  if (n == "timestamp") return ValueClass::kTimestamp;
  return ValueClass::kNone;
}

// A comparable value: numbers as long double, strings as bytes, timestamps as epoch ms.
struct Value {
  long double number = 0;
  std::string text;
};

std::optional<Value> parse_value(ValueClass value_class, const std::string& text) {
  Value value;
  switch (value_class) {
    case ValueClass::kNumber: {
      try {
        size_t used = 0;
        value.number = std::stold(text, &used);
        if (used != text.size() || std::isnan(static_cast<double>(value.number))) return std::nullopt;
      } catch (...) {
        return std::nullopt;
      }
      return value;
    }
    case ValueClass::kString: value.text = text; return value;
    case ValueClass::kTimestamp: {
      std::string trimmed = text;
      // Drop a zone suffix: stats are UTC ("...Z" or "+00:00"); other offsets are not produced by writers we know.
      if (ends_with(trimmed, "Z")) trimmed.pop_back();
      size_t plus = trimmed.find('+', 10);
      if (plus != std::string::npos) trimmed = trimmed.substr(0, plus);
      auto ms = parse_timestamp_ms(trimmed);
      if (!ms) return std::nullopt;
      value.number = static_cast<long double>(*ms);
      return value;
    }
    case ValueClass::kNone: return std::nullopt;
  }
  return std::nullopt;
}

int compare_values(ValueClass value_class, const Value& a, const Value& b) {
  if (value_class == ValueClass::kString) return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
  return a.number < b.number ? -1 : (a.number > b.number ? 1 : 0);
}

// What the statistics say about one column of one file.
struct ColumnFacts {
  std::optional<Value> min;
  std::optional<Value> max;
  std::optional<int64_t> null_count;
  std::optional<int64_t> num_records;
};

class FileFacts {
 public:
  FileFacts(const AddFile& file, const Schema& schema, const std::vector<std::string>& partition_columns)
      : file_(file), schema_(schema), partition_columns_(partition_columns) {
    if (file.stats && parser_.parse(*file.stats).get(stats_) == simdjson::SUCCESS) has_stats_ = true;
  }

  ColumnFacts facts(const std::string& column) {
    ColumnFacts facts;
    const StructField* field = schema_.find(column);
    if (!field) return facts;
    ValueClass value_class = classify(field->type);
    for (const auto& partition : partition_columns_) {
      if (to_lower(partition) != to_lower(column)) continue;
      // Partition values are exact: min = max = value, and either no or only nulls.
      auto it = file_.partition_values.find(partition);
      if (it == file_.partition_values.end()) return facts;
      facts.num_records = 1;
      if (!it->second) {
        facts.null_count = 1;
        return facts;
      }
      facts.null_count = 0;
      auto value = parse_value(value_class, *it->second);
      facts.min = value;
      facts.max = value;
      return facts;
    }
    if (!has_stats_) return facts;
    simdjson::dom::object stats;
    if (stats_.get_object().get(stats) != simdjson::SUCCESS) return facts;
    int64_t records = 0;
    if (stats["numRecords"].get_int64().get(records) == simdjson::SUCCESS) facts.num_records = records;
    int64_t nulls = 0;
    if (stats["nullCount"][field->name].get_int64().get(nulls) == simdjson::SUCCESS) facts.null_count = nulls;
    facts.min = stat_value(stats, "minValues", field->name, value_class, false);
    facts.max = stat_value(stats, "maxValues", field->name, value_class, true);
    if (facts.max && value_class == ValueClass::kTimestamp) facts.max->number += 1;  // truncated to ms
    return facts;
  }

 private:
  static std::optional<Value> stat_value(simdjson::dom::object& stats, const char* group, const std::string& name,
                                         ValueClass value_class, bool is_max) {
    simdjson::dom::element element;
    if (stats[group][name].get(element) != simdjson::SUCCESS) return std::nullopt;
    std::string_view text;
    if (element.get_string().get(text) == simdjson::SUCCESS) return parse_value(value_class, std::string(text));
    if (value_class != ValueClass::kNumber) return std::nullopt;
    double number = 0;
    int64_t integer = 0;
    Value value;
    if (element.get_int64().get(integer) == simdjson::SUCCESS) {
      value.number = static_cast<long double>(integer);
      return value;
    }
    if (element.get_double().get(number) == simdjson::SUCCESS) {
      // A decimal or double printed as a JSON double may be rounded either way: widen it by a
      // relative 1e-12 so it stays a bound.
      long double widen = std::fabs(static_cast<long double>(number)) * 1e-12L + 1e-300L;
      value.number = static_cast<long double>(number) + (is_max ? widen : -widen);
      return value;
    }
    return std::nullopt;
  }

  const AddFile& file_;
  const Schema& schema_;
  const std::vector<std::string>& partition_columns_;
  simdjson::dom::parser parser_;
  simdjson::dom::element stats_;
  bool has_stats_ = false;
};

// True when the file provably has no matching row.
bool cannot_match(FileFacts& file, const Schema& schema, const Predicate& predicate) {
  switch (predicate.kind) {
    case Predicate::Kind::kAnd:
      for (const auto& child : predicate.children) {
        if (cannot_match(file, schema, child)) return true;
      }
      return false;
    case Predicate::Kind::kOr:
      if (predicate.children.empty()) return false;
      for (const auto& child : predicate.children) {
        if (!cannot_match(file, schema, child)) return false;
      }
      return true;
    case Predicate::Kind::kIsNull: {
      auto facts = file.facts(predicate.column);
      return facts.null_count && *facts.null_count == 0;
    }
    case Predicate::Kind::kIsNotNull: {
      auto facts = file.facts(predicate.column);
      return facts.null_count && facts.num_records && *facts.null_count == *facts.num_records;
    }
    case Predicate::Kind::kIn: {
      for (const auto& value : predicate.values) {
        Predicate equal = Predicate::compare(predicate.column, Predicate::Op::kEq, value);
        equal.numeric_literals = predicate.numeric_literals;
        if (!cannot_match(file, schema, equal)) return false;
      }
      return !predicate.values.empty();
    }
    case Predicate::Kind::kCompare: {
      const StructField* field = schema.find(predicate.column);
      if (!field || predicate.values.size() != 1) return false;
      ValueClass value_class = classify(field->type);
      if (value_class != ValueClass::kNumber && predicate.numeric_literals) return false;
      auto literal = parse_value(value_class, predicate.values[0]);
      if (!literal) return false;
      auto facts = file.facts(predicate.column);
      // A column that is entirely NULL matches no comparison.
      if (facts.null_count && facts.num_records && *facts.null_count == *facts.num_records) return true;
      if (!facts.min || !facts.max) return false;
      // Writers leave NaN out of a float column's min/max, and NaN sorts above every number (it
      // matches col > v, col >= v and col <> v): bounds cannot rule those out for such a column.
      bool may_hold_nan = field->type.is_primitive("float") || field->type.is_primitive("double");
      if (may_hold_nan && (predicate.op == Predicate::Op::kGt || predicate.op == Predicate::Op::kGe ||
                           predicate.op == Predicate::Op::kNe)) {
        return false;
      }
      int vs_min = compare_values(value_class, *literal, *facts.min);  // literal ? min
      int vs_max = compare_values(value_class, *literal, *facts.max);  // literal ? max
      switch (predicate.op) {
        case Predicate::Op::kEq: return vs_min < 0 || vs_max > 0;
        case Predicate::Op::kNe:
          return vs_min == 0 && vs_max == 0 && value_class != ValueClass::kTimestamp;
        case Predicate::Op::kLt: return vs_min <= 0;   // col < v fails when min >= v
        case Predicate::Op::kLe: return vs_min < 0;    // col <= v fails when min > v
        case Predicate::Op::kGt: return vs_max >= 0;   // col > v fails when max <= v
        case Predicate::Op::kGe: return vs_max > 0;    // col >= v fails when max < v
      }
      return false;
    }
    case Predicate::Kind::kUnknown: return false;
  }
  return false;
}

}  // namespace

std::vector<size_t> files_maybe_matching(const Snapshot& snapshot, const Schema& schema, const Predicate& predicate) {
  std::vector<size_t> out;
  const auto& files = snapshot.files();
  for (size_t i = 0; i < files.size(); ++i) {
    FileFacts facts(files[i], schema, snapshot.partition_columns());
    if (!cannot_match(facts, schema, predicate)) out.push_back(i);
  }
  return out;
}

std::vector<size_t> files_maybe_lacking_columns(const Snapshot& snapshot, const Schema& schema) {
  std::set<std::string> partition_columns;
  for (const auto& column : snapshot.partition_columns()) partition_columns.insert(to_lower(column));
  std::vector<std::string> data_columns;
  for (const auto& field : schema.fields) {
    if (!partition_columns.count(to_lower(field.name))) data_columns.push_back(to_lower(field.name));
  }
  std::vector<size_t> out;
  simdjson::dom::parser parser;
  const auto& files = snapshot.files();
  for (size_t i = 0; i < files.size(); ++i) {
    simdjson::dom::object stats;
    simdjson::dom::object null_counts;
    if (!files[i].stats || parser.parse(*files[i].stats).get_object().get(stats) != simdjson::SUCCESS ||
        stats["nullCount"].get_object().get(null_counts) != simdjson::SUCCESS) {
      out.push_back(i);
      continue;
    }
    std::set<std::string> named;
    for (auto field : null_counts) named.insert(to_lower(std::string(field.key)));
    for (const auto& column : data_columns) {
      if (!named.count(column)) {
        out.push_back(i);
        break;
      }
    }
  }
  return out;
}

}  // namespace silt::delta
