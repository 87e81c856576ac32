// silt.yaml's `schedules:` and `tables:` sections (pipeline/project/schedule_config.h).
#include <fmt/format.h>

#include "base/duration.h"
#include "base/memory_size.h"
#include "base/strings.h"
#include "pipeline/project/project_yaml_internal.h"

namespace silt::pipeline {

const char* catch_up_name(CatchUp value) {
  switch (value) {
    case CatchUp::kNone: return "none";
    case CatchUp::kLatest: return "latest";
    case CatchUp::kAll: return "all";
  }
  return "?";
}

const char* overlap_name(Overlap value) {
  switch (value) {
    case Overlap::kSkip: return "skip";
    case Overlap::kQueue: return "queue";
  }
  return "?";
}

std::vector<std::vector<std::string>> split_command_line(const std::string& text, std::string* error) {
  std::vector<std::vector<std::string>> steps(1);
  std::string current;
  bool in_word = false;
  size_t i = 0;
  auto finish_word = [&]() {
    if (!in_word) return;
    if (current == "&&") {
      if (steps.back().empty()) {
        *error = "'&&' needs a command on each side";
        return;
      }
      steps.emplace_back();
    } else {
      steps.back().push_back(current);
    }
    current.clear();
    in_word = false;
  };
  bool quoted_and = false;  // a quoted "&&" is an argument, not a separator
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (quoted_and) {
        steps.back().push_back(current);
        current.clear();
        in_word = false;
        quoted_and = false;
      }
      finish_word();
      ++i;
      continue;
    }
    in_word = true;
    if (c == '\'' || c == '"') {
      const char quote = c;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == quote) {
          closed = true;
          ++i;
          break;
        }
        if (quote == '"' && text[i] == '\\' && i + 1 < text.size()) ++i;
        current += text[i++];
      }
      if (!closed) {
        *error = fmt::format("unclosed {} quote", quote == '"' ? "double" : "single");
        return {};
      }
      if (current == "&&") quoted_and = true;
      continue;
    }
    current += c;
    ++i;
  }
  if (quoted_and) {
    steps.back().push_back(current);
    in_word = false;
  }
  finish_word();
  if (!error->empty()) return {};
  if (steps.back().empty()) {
    *error = steps.size() == 1 ? "the command is empty" : "'&&' needs a command on each side";
    return {};
  }
  return steps;
}

namespace {

const std::vector<std::string> kScheduleKeys = {"cron", "timezone", "command", "dst", "catch_up", "max_catch_up",
                                                "overlap", "timeout", "retries", "retry_delay", "grace"};
const std::vector<std::string> kDstKeys = {"skipped", "repeated"};
const std::vector<std::string> kTableKeys = {"zorder", "retain", "target_file_size"};

class ScheduleReader {
 public:
  explicit ScheduleReader(ProjectYamlReader& reader) : reader_(reader) {}

  std::optional<ScheduleConfig> read(const std::string& name, const YAML::Node& key_node, const YAML::Node& body) {
    ScheduleConfig job;
    job.name = name;
    job.line = key_node.Mark().line + 1;
    where_ = " in schedule '" + name + "'";
    field_ = "schedules." + name + ".";
    if (name.empty() || name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") !=
                            std::string::npos) {
      fail(key_node, fmt::format("invalid schedule name '{}' (use letters, digits, '_', '-' and '.')", name));
    }
    if (!reader_.expect_map(body, "schedules." + name)) return std::nullopt;
    reader_.check_keys(body, kScheduleKeys, where_);
    if (auto cron = reader_.required_string(body, "cron", where_, field_ + "cron")) {
      auto parsed = CronExpression::parse(*cron);
      if (parsed) {
        job.cron = std::move(*parsed);
        job.cron_text = *cron;
      } else {
        fail(body["cron"], parsed.error().message());
      }
    } else {
      ok_ = false;
    }
    if (const YAML::Node zone = body["timezone"]) {
      if (auto text = reader_.string_value(zone, "timezone", field_ + "timezone")) {
        Status status = check_time_zone(*text);
        if (status.ok()) job.timezone = *text;
        else fail(zone, status.message());
      }
    }
    if (auto command = reader_.required_string(body, "command", where_, field_ + "command")) {
      job.command = trim(*command);
      std::string error;
      job.steps = split_command_line(job.command, &error);
      if (!error.empty()) fail(body["command"], fmt::format("invalid command '{}': {}", job.command, error));
      for (auto& step : job.steps) {
        if (!step.empty() && step[0] == "silt") step.erase(step.begin());  // "silt run" means "run"
        if (step.empty()) fail(body["command"], fmt::format("invalid command '{}': a step names no command", job.command));
      }
    } else {
      ok_ = false;
    }
    if (const YAML::Node dst = body["dst"]) read_dst(dst, job.dst);
    if (const YAML::Node node = body["catch_up"]) {
      if (auto text = reader_.string_value(node, "catch_up", field_ + "catch_up")) {
        if (*text == "none") job.catch_up = CatchUp::kNone;
        else if (*text == "latest") job.catch_up = CatchUp::kLatest;
        else if (*text == "all") job.catch_up = CatchUp::kAll;
        else fail(node, fmt::format("'catch_up' must be none, latest or all, got '{}'", *text));
      }
    }
    if (const YAML::Node node = body["max_catch_up"]) {
      if (auto number = integer(node, "max_catch_up", 1, 10000)) job.max_catch_up = static_cast<int>(*number);
    }
    if (const YAML::Node node = body["overlap"]) {
      if (auto text = reader_.string_value(node, "overlap", field_ + "overlap")) {
        if (*text == "skip") job.overlap = Overlap::kSkip;
        else if (*text == "queue") job.overlap = Overlap::kQueue;
        else fail(node, fmt::format("'overlap' must be skip or queue, got '{}'", *text));
      }
    }
    if (const YAML::Node node = body["timeout"]) duration(node, "timeout", job.timeout_ms);
    if (const YAML::Node node = body["retries"]) {
      if (auto number = integer(node, "retries", 0, 100)) job.retries = static_cast<int>(*number);
    }
    if (const YAML::Node node = body["retry_delay"]) duration(node, "retry_delay", job.retry_delay_ms);
    if (const YAML::Node node = body["grace"]) duration(node, "grace", job.grace_ms);
    if (!ok_) return std::nullopt;
    return job;
  }

 private:
  void fail(const YAML::Node& at, std::string message) {
    reader_.error(at, std::move(message) + where_);
    ok_ = false;
  }

  std::optional<int64_t> integer(const YAML::Node& node, const std::string& what, int64_t low, int64_t high) {
    auto text = reader_.string_value(node, what, field_ + what);
    if (!text) {
      ok_ = false;
      return std::nullopt;
    }
    auto number = parse_int64(trim(*text));
    if (!number || *number < low || *number > high) {
      fail(node, fmt::format("'{}' must be a whole number from {} to {}, got '{}'", what, low, high, *text));
      return std::nullopt;
    }
    return number;
  }

  void duration(const YAML::Node& node, const std::string& what, int64_t& out) {
    auto text = reader_.string_value(node, what, field_ + what);
    if (!text) {
      ok_ = false;
      return;
    }
    auto ms = parse_duration_ms(*text);
    if (!ms) {
      fail(node, fmt::format("'{}' must be a duration such as 30m, 2h or 1d, got '{}'", what, *text));
      return;
    }
    out = *ms;
  }

  void read_dst(const YAML::Node& node, DstPolicy& out) {
    if (!reader_.expect_map(node, "dst" + where_)) {
      ok_ = false;
      return;
    }
    reader_.check_keys(node, kDstKeys, " in dst" + where_);
    if (const YAML::Node skipped = node["skipped"]) {
      if (auto text = reader_.string_value(skipped, "skipped", field_ + "dst.skipped")) {
        auto policy = parse_skipped_policy(*text);
        if (policy) out.skipped = *policy;
        else fail(skipped, policy.error().message());
      }
    }
    if (const YAML::Node repeated = node["repeated"]) {
      if (auto text = reader_.string_value(repeated, "repeated", field_ + "dst.repeated")) {
        auto policy = parse_repeated_policy(*text);
        if (policy) out.repeated = *policy;
        else fail(repeated, policy.error().message());
      }
    }
  }

  ProjectYamlReader& reader_;
  std::string where_;
  std::string field_;
  bool ok_ = true;
};

}  // namespace

void read_schedules(ProjectYamlReader& reader, const YAML::Node& node, std::vector<ScheduleConfig>& out) {
  if (node.IsNull()) return;
  if (!reader.expect_map(node, "schedules")) return;
  reader.check_keys_unique(node, " in schedules");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) continue;
    ScheduleReader job_reader(reader);
    if (auto job = job_reader.read(entry.first.Scalar(), entry.first, entry.second)) out.push_back(std::move(*job));
  }
}

void read_tables(ProjectYamlReader& reader, const YAML::Node& node, std::vector<TableMaintenanceConfig>& out) {
  if (node.IsNull()) return;
  if (!reader.expect_map(node, "tables")) return;
  reader.check_keys_unique(node, " in tables");
  for (const auto& entry : node) {
    if (!entry.first.IsScalar()) continue;
    TableMaintenanceConfig table;
    table.table = entry.first.Scalar();
    table.line = entry.first.Mark().line + 1;
    const std::string where = " in tables." + table.table;
    const YAML::Node body = entry.second;
    if (!reader.expect_map(body, "tables." + table.table)) continue;
    reader.check_keys(body, kTableKeys, where);
    bool ok = true;
    if (const YAML::Node zorder = body["zorder"]) {
      std::vector<YAML::Node> items;
      if (zorder.IsSequence()) {
        for (const auto& item : zorder) items.push_back(item);
      } else {
        items.push_back(zorder);
      }
      for (const auto& item : items) {
        auto text = reader.string_value(item, "zorder", "tables." + table.table + ".zorder");
        if (!text || !is_identifier(trim(*text))) {
          if (text) reader.error(item, fmt::format("'zorder' must list column names, got '{}'{}", *text, where));
          ok = false;
          continue;
        }
        table.zorder.emplace_back(trim(*text));
      }
      if (table.zorder.size() > 4) {
        reader.error(zorder, fmt::format("'zorder' takes one to four columns, got {}{}", table.zorder.size(), where));
        ok = false;
      }
    }
    if (const YAML::Node retain = body["retain"]) {
      if (auto text = reader.string_value(retain, "retain", "tables." + table.table + ".retain")) {
        auto ms = parse_duration_ms(*text);
        if (ms) table.retain_ms = *ms;
        else reader.error(retain, fmt::format("'retain' must be a duration such as 168h or 7d, got '{}'{}", *text, where));
        ok = ok && ms.has_value();
      }
    }
    if (const YAML::Node size = body["target_file_size"]) {
      if (auto text = reader.string_value(size, "target_file_size", "tables." + table.table + ".target_file_size")) {
        auto bytes = parse_memory_size(*text);
        if (bytes) {
          table.target_file_size = static_cast<int64_t>(*bytes);
        } else {
          reader.error(size, fmt::format("invalid target_file_size '{}': {}{}", *text, bytes.error().message(), where));
          ok = false;
        }
      }
    }
    if (ok) out.push_back(std::move(table));
  }
}

}  // namespace silt::pipeline
