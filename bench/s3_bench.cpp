// Benchmark 8: tables on S3 against the same work on local disk, in the same run. The store is a
// Ceph radosgw (one monitor, one memstore OSD, one gateway) started on 127.0.0.1 for the group, so
// every request is signed, sent over HTTP and checked, but no network latency is added. Figures:
// a 5M-row append, snapshot open from a 100,000-file checkpoint (time and requests), bytes
// fetched by count(*) and a selective filter, and small-commit latency (median and p99).
#include <cstdlib>

#include <fmt/format.h>

#include "base/strings.h"
#include "delta/snapshot.h"
#include "engine/table_ops.h"
#include "harness.h"
#include "storage/routing_file_system.h"
#include "support/s3_test_server.h"

namespace silt::bench {

namespace {

using storage::s3::S3Counters;
using storage::RoutingFileSystem;

// What the group shares: the server and one bucket. Clients are made as the CLI makes them: a
// RoutingFileSystem (s3:// to S3, other paths to local disk) configured from the AWS variables
// export_aws_environment() set, with the retry settings users get. A fresh one has empty counters
// and no open connections.
struct S3Env {
  std::unique_ptr<testing::S3TestServer> server;
  std::string bucket;

  std::unique_ptr<storage::RoutingFileSystem> file_system() const {
    return std::make_unique<storage::RoutingFileSystem>();
  }
  std::string root(const std::string& name) const { return "s3://" + bucket + "/" + name; }
};

S3Counters counters_of(storage::RoutingFileSystem& fs) { return fs.s3().client().counters(); }

void add_to(S3Counters& total, const S3Counters& more) {
  total.requests += more.requests;
  total.retries += more.retries;
  total.bytes_received += more.bytes_received;
  total.bytes_sent += more.bytes_sent;
}

S3Counters minus(const S3Counters& after, const S3Counters& before) {
  return {after.requests - before.requests, after.retries - before.retries,
          after.bytes_received - before.bytes_received, after.bytes_sent - before.bytes_sent};
}

// Deletes every object under `root` (scratch cleanup; errors ignored).
void remove_s3_tree(storage::FileSystem& fs, const std::string& root) {
  auto files = fs.list_recursive(root);
  if (!files) return;
  std::vector<std::string> paths;
  for (const auto& file : *files) paths.push_back(file.path);
  (void)fs.remove_many(paths);
}

// The binary finds the store the way a user's shell would tell it: the AWS variables.
void export_aws_environment(const testing::S3TestServer& server) {
  ::setenv("AWS_ACCESS_KEY_ID", server.access_key().c_str(), 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", server.secret_key().c_str(), 1);
  ::setenv("AWS_ENDPOINT_URL_S3", server.endpoint().c_str(), 1);
  ::setenv("AWS_REGION", "us-east-1", 1);
  ::unsetenv("AWS_PROFILE");
  ::unsetenv("AWS_SESSION_TOKEN");
}

std::string per_run(const S3Counters& total, int runs) {
  runs = std::max(runs, 1);
  return fmt::format("{} requests ({} retried), {} sent, {} received", total.requests / runs, total.retries / runs,
                     format_bytes(total.bytes_sent / runs), format_bytes(total.bytes_received / runs));
}

// 8.1: the 5M-row append, through the binary and in-process.
Status run_append(Bench& bench, const S3Env& s3, const std::string& input) {
  const int reps = bench.config().append_repetitions;
  auto s3_table = [&](int i) { return s3.root(fmt::format("append_bin_{}", i)); };
  auto local_table = [&](int i) { return bench.scratch(fmt::format("s3_append_local_bin_{}", i)); };
  auto cleaner = s3.file_system();
  Case subject{
      [&](int i) { return run_silt_checked({"table", "write", s3_table(i), "--input", input}); },
      [&](int i) { return run_silt_checked({"table", "create", s3_table(i), "--schema", kInputSchemaSql}); },
      [&](int i) { remove_s3_tree(*cleaner, s3_table(i)); },
  };
  Case baseline{
      [&](int i) { return run_silt_checked({"table", "write", local_table(i), "--input", input}); },
      [&](int i) { return run_silt_checked({"table", "create", local_table(i), "--schema", kInputSchemaSql}); },
      [&](int i) { remove_tree(local_table(i)); },
  };
  progress(fmt::format("8.1a: binary append of {} rows to S3 and to local disk, {} repetitions",
                       bench.config().append_rows, reps));
  SILT_TRY_ASSIGN(auto binary, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = "8.1a";
  entry.title = fmt::format("Append {} rows × 10 columns on S3 vs local disk (binary, process start included)",
                            bench.config().append_rows);
  entry.subject_name = "`silt table write s3://bucket/t --input input.parquet` (AWS_* variables name the store)";
  entry.baseline_name = "`silt table write /local/t --input input.parquet`";
  entry.subject = std::move(binary.subject);
  entry.baseline = std::move(binary.baseline);
  entry.target = Target::ratio_at_most(1.5);
  bench.report().add(std::move(entry));

  auto s3fs = s3.file_system();  // outlives the session, which mounts it
  SILT_TRY_ASSIGN(auto session, open_session());
  engine::TableOps on_s3(*session, *s3fs);
  engine::TableOps on_disk(*session, bench.fs());
  engine::Source source;
  source.input_glob = input;
  engine::OperationReport last;
  auto create = [&](engine::TableOps& ops, const std::string& root) -> Status {
    engine::CreateOptions options;
    options.schema_sql = kInputSchemaSql;
    SILT_TRY(ops.create(root, options));
    return Status();
  };
  S3Counters during;
  auto lib_s3 = [&](int i) { return s3.root(fmt::format("append_lib_{}", i)); };
  auto lib_local = [&](int i) { return bench.scratch(fmt::format("s3_append_local_lib_{}", i)); };
  Case lib_subject{
      [&](int i) -> Status {
        S3Counters before = counters_of(*s3fs);
        SILT_TRY_ASSIGN(last, on_s3.write(lib_s3(i), source, engine::WriteOptions{}));
        add_to(during, minus(counters_of(*s3fs), before));
        return Status();
      },
      [&](int i) { return create(on_s3, lib_s3(i)); },
      [&](int i) { remove_s3_tree(*cleaner, lib_s3(i)); },
  };
  Case lib_baseline{
      [&](int i) -> Status {
        SILT_TRY(on_disk.write(lib_local(i), source, engine::WriteOptions{}));
        return Status();
      },
      [&](int i) { return create(on_disk, lib_local(i)); },
      [&](int i) { remove_tree(lib_local(i)); },
  };
  progress(fmt::format("8.1b: in-process append of {} rows to S3 and to local disk, {} repetitions",
                       bench.config().append_rows, reps));
  SILT_TRY_ASSIGN(auto lib, measure_paired(reps, lib_subject, lib_baseline));
  Entry lib_entry;
  lib_entry.id = "8.1b";
  lib_entry.title = fmt::format("Append {} rows × 10 columns on S3 vs local disk (in-process)",
                                bench.config().append_rows);
  lib_entry.subject_name = "`TableOps::write` append to `s3://bucket/t` through `RoutingFileSystem`, as the CLI does";
  lib_entry.baseline_name = "`TableOps::write` append to a local table, same session";
  lib_entry.subject = std::move(lib.subject);
  lib_entry.baseline = std::move(lib.baseline);
  lib_entry.target = Target::ratio_at_most(1.5);
  lib_entry.note = fmt::format("Each append wrote {} data file(s), {} in all, streamed as multipart uploads "
                               "(8 MiB parts, 4 in flight); per append on S3: {}.",
                               last.files_added, format_bytes(last.bytes_added), per_run(during, reps));
  bench.report().add(std::move(lib_entry));
  return Status();
}

// 8.2: a cold Snapshot::load of a 100,000-file table from its checkpoint: a fresh session and a
// fresh client each repetition, so nothing is cached.
Status run_snapshot(Bench& bench, const S3Env& s3) {
  const int reps = bench.config().snapshot_repetitions;
  const int64_t files = bench.config().checkpoint_files;
  std::string s3_root = s3.root("snapshot");
  std::string local_root = bench.scratch("s3_snapshot_local");
  int64_t checkpoint_bytes = 0;
  {
    auto s3fs = s3.file_system();
    SILT_TRY_ASSIGN(auto session, open_session());
    progress(fmt::format("8.2: writing a {}-file log with a checkpoint to S3 and to local disk", files));
    SILT_TRY_ASSIGN(checkpoint_bytes, write_checkpointed_log(*session, *s3fs, s3_root, files));
    SILT_TRY(write_checkpointed_log(*session, bench.fs(), local_root, files).status());
  }
  std::unique_ptr<RoutingFileSystem> s3fs;  // declared first: the session mounting it goes first
  std::unique_ptr<engine::Session> session;
  S3Counters used;
  auto check = [&](const Result<std::shared_ptr<const delta::Snapshot>>& loaded) -> Status {
    if (!loaded) return loaded.status();
    if (static_cast<int64_t>((*loaded)->files().size()) != files) {
      return make_error(ErrorCode::kInternal,
                        fmt::format("snapshot has {} files, expected {}", (*loaded)->files().size(), files));
    }
    return Status();
  };
  auto fresh = [&](int) -> Status {
    SILT_TRY_ASSIGN(session, open_session());
    s3fs = s3.file_system();
    return Status();
  };
  Case subject{
      [&](int) -> Status {
        SILT_TRY(check(delta::Snapshot::load(*s3fs, session->parquet_io(), s3_root)));
        add_to(used, counters_of(*s3fs));
        return Status();
      },
      fresh, nullptr};
  Case baseline{[&](int) { return check(delta::Snapshot::load(bench.fs(), session->parquet_io(), local_root)); },
                fresh, nullptr};
  progress(fmt::format("8.2: cold Snapshot::load of {} files, {} repetitions", files, reps));
  SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
  Entry entry;
  entry.id = "8.2";
  entry.title = fmt::format("Open a snapshot with {} files from a checkpoint on S3 vs local disk (in-process, cold)",
                            files);
  entry.subject_name = "`Snapshot::load(s3://bucket/t)`, fresh session and S3 client each time";
  entry.baseline_name = "`Snapshot::load(/local/t)`, fresh session each time";
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  entry.note = fmt::format("Checkpoint at version 100: {} on S3. Per load: {} (list `_delta_log`, "
                           "`_last_checkpoint`, the checkpoint's footer and column chunks by range).",
                           format_bytes(checkpoint_bytes), per_run(used, reps));
  bench.report().add(std::move(entry));
  remove_tree(local_root);
  remove_s3_tree(*s3.file_system(), s3_root);
  return Status();
}

// 8.3: bytes fetched by count(*) and by a selective filter over the 5M-row table on S3.
Status run_scans(Bench& bench, const S3Env& s3, const std::string& input) {
  const int reps = bench.config().count_repetitions;
  std::string s3_root = s3.root("scan");
  std::string local_root = bench.scratch("s3_scan_local");
  int64_t object_bytes = 0;
  size_t object_count = 0;
  {
    auto s3fs = s3.file_system();
    SILT_TRY_ASSIGN(auto session, open_session());
    engine::Source source;
    source.input_glob = input;
    progress("8.3: writing the scan table to S3 and to local disk");
    SILT_TRY(engine::TableOps(*session, *s3fs).write(s3_root, source, engine::WriteOptions{}).status());
    SILT_TRY(engine::TableOps(*session, bench.fs()).write(local_root, source, engine::WriteOptions{}).status());
    SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(*s3fs, session->parquet_io(), s3_root));
    for (const auto& file : snapshot->files()) object_bytes += file.size;
    object_count = snapshot->files().size();
  }
  const int64_t rows = bench.config().append_rows;
  struct Query {
    std::string id;
    std::string name;
    std::string sql;
  };
  std::vector<Query> queries = {
      {"8.3a", "`SELECT count(*) FROM t`", "SELECT count(*) FROM t"},
      {"8.3b", "a selective filter (0.2% of the rows, on the sorted `id` column)",
       fmt::format("SELECT count(*), CAST(sum(amount) AS VARCHAR) FROM t WHERE id BETWEEN {} AND {}", rows / 2,
                   rows / 2 + rows / 500)},
  };
  for (const auto& query : queries) {
    std::unique_ptr<RoutingFileSystem> s3fs;  // declared first: the session mounting it goes first
    std::unique_ptr<engine::Session> session;
    std::optional<std::string> expected;
    S3Counters used;
    auto run = [&](storage::FileSystem& fs, const std::string& root) -> Result<std::optional<std::string>> {
      SILT_TRY_ASSIGN(auto snapshot, delta::Snapshot::load(fs, session->parquet_io(), root));
      SILT_TRY(session->register_snapshot("t", *snapshot));
      return session->connection().query_value(query.sql);
    };
    auto fresh = [&](int) -> Status {
      SILT_TRY_ASSIGN(session, open_session());
      s3fs = s3.file_system();
      return Status();
    };
    Case subject{[&](int) -> Status {
                   SILT_TRY_ASSIGN(auto value, run(*s3fs, s3_root));
                   add_to(used, counters_of(*s3fs));
                   if (expected && value.value_or("NULL") != *expected) {
                     return make_error(ErrorCode::kInternal, fmt::format("{} differs on S3: {} vs {}", query.sql,
                                                                         value.value_or("NULL"), *expected));
                   }
                   return Status();
                 },
                 fresh, nullptr};
    Case baseline{[&](int) -> Status {
                    SILT_TRY_ASSIGN(auto value, run(bench.fs(), local_root));
                    if (!expected) expected = value.value_or("NULL");
                    return Status();
                  },
                  fresh, nullptr};
    progress(fmt::format("{}: {} over S3 and local disk, {} repetitions", query.id, query.sql, reps));
    SILT_TRY_ASSIGN(auto samples, measure_paired(reps, subject, baseline));
    int64_t fetched = used.bytes_received / std::max(reps, 1);
    Entry entry;
    entry.id = query.id;
    entry.title = fmt::format("{} over {} rows on S3 vs local disk (in-process, cold)", query.name, rows);
    entry.subject_name = "snapshot load + `register_snapshot` + the query, table on S3, fresh session and client";
    entry.baseline_name = "the same on a local copy of the table";
    entry.subject = std::move(samples.subject);
    entry.baseline = std::move(samples.baseline);
    entry.note = fmt::format("Result {}. Per query: {} fetched of {} in {} data file(s) ({:.1f}%, log included); {}.",
                             expected.value_or("?"), format_bytes(fetched), format_bytes(object_bytes), object_count,
                             object_bytes > 0 ? 100.0 * static_cast<double>(fetched) / static_cast<double>(object_bytes)
                                              : 0.0,
                             per_run(used, reps));
    bench.report().add(std::move(entry));
  }
  remove_tree(local_root);
  remove_s3_tree(*s3.file_system(), s3_root);
  return Status();
}

// Five rows for commit `i` of the latency run (the schema of the benchmark input).
std::string small_rows(int i) {
  return fmt::format(
      "SELECT {0} * 5 + k AS id, CAST(k AS INTEGER) AS customer_id, CAST(k + 1 AS INTEGER) AS quantity, "
      "k * 1.5 AS price, CAST(k AS DECIMAL(18,2)) AS amount, 'customer_' || k AS name, 'north' AS region, "
      "DATE '2024-05-01' AS order_date, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS created_at, 0.1 AS discount "
      "FROM range(5) r(k)",
      i);
}

// 8.4: latency of 5-row appends to one growing table (every 10th commit also writes a checkpoint).
Status run_commits(Bench& bench, const S3Env& s3) {
  const int commits = bench.config().s3_commits;
  auto s3fs = s3.file_system();
  SILT_TRY_ASSIGN(auto session, open_session());
  engine::TableOps on_s3(*session, *s3fs);
  engine::TableOps on_disk(*session, bench.fs());
  std::string s3_root = s3.root("commits");
  std::string local_root = bench.scratch("s3_commits_local");
  engine::CreateOptions create;
  create.schema_sql = kInputSchemaSql;
  SILT_TRY(on_s3.create(s3_root, create));
  SILT_TRY(on_disk.create(local_root, create));
  S3Counters before = counters_of(*s3fs);
  auto append = [&](engine::TableOps& ops, const std::string& root, int i) -> Status {
    engine::Source source;
    source.query = small_rows(i);
    SILT_TRY(ops.write(root, source, engine::WriteOptions{}));
    return Status();
  };
  Case subject{[&](int i) { return append(on_s3, s3_root, i); }, nullptr, nullptr};
  Case baseline{[&](int i) { return append(on_disk, local_root, i); }, nullptr, nullptr};
  progress(fmt::format("8.4: {} small commits on S3 and on local disk", commits));
  SILT_TRY_ASSIGN(auto samples, measure_paired(commits, subject, baseline));
  S3Counters used = minus(counters_of(*s3fs), before);
  Entry entry;
  entry.id = "8.4";
  entry.title = fmt::format("Small append commit (5 rows) on S3 vs local disk, median of {} (in-process)", commits);
  entry.subject_name = "`TableOps::write` append of a 5-row query to an existing table on S3";
  entry.baseline_name = "the same append to a local table (commit files fsynced)";
  entry.note = fmt::format("S3: p50 {}, p99 {}, max {}. Local disk: p50 {}, p99 {}. Per commit on S3: {}.",
                           format_seconds(samples.subject.median()), format_seconds(samples.subject.percentile(0.99)),
                           format_seconds(samples.subject.max()), format_seconds(samples.baseline.median()),
                           format_seconds(samples.baseline.percentile(0.99)), per_run(used, commits));
  entry.subject = std::move(samples.subject);
  entry.baseline = std::move(samples.baseline);
  bench.report().add(std::move(entry));
  remove_tree(local_root);
  remove_s3_tree(*s3fs, s3_root);
  return Status();
}

}  // namespace

void run_s3_benchmarks(Bench& bench) {
  bench.report().begin_group(
      "8. Tables on S3",
      "The same work on a table on S3 and on local disk, in the same run. The store is Ceph's radosgw started "
      "for this group on 127.0.0.1 (one monitor, one OSD on memstore, one gateway; tests/servers/radosgw), so "
      "each request is signed, sent over HTTP and its signature checked, but no network latency is added: "
      "against AWS S3, add a round trip (typically 10-30 ms within a region) per sequential request. Request "
      "and byte counts come from silt's S3 client. The append target is ≤ 1.5× local disk.");
  progress("8: starting radosgw");
  auto server = testing::S3TestServer::start_radosgw(bench.scratch("radosgw"));
  if (!server) {
    bench.report().add_failure("8", "radosgw", server.status());
    return;
  }
  S3Env s3;
  s3.server = std::move(*server);
  auto bucket = s3.server->create_bucket("bench");
  if (!bucket) {
    bench.report().add_failure("8", "bucket", bucket.status());
    return;
  }
  s3.bucket = *bucket;
  export_aws_environment(*s3.server);
  {
    // radosgw creates its data pools on the first object and the first multipart upload (~2 s
    // each): done here, not inside the first measurement.
    progress("8: warming radosgw up (first object, first multipart upload)");
    auto fs = s3.file_system();
    std::string path = s3.root("warm-up/object");
    Status warm = fs->write(path, std::string(24 << 20, 'w'));
    if (warm.ok()) warm = fs->remove(path);
    if (!warm.ok()) {
      bench.report().add_failure("8", "warm-up", warm);
      return;
    }
  }
  auto input = bench.input_parquet(bench.config().append_rows);
  if (!input) {
    bench.report().add_failure("8", "input generation", input.status());
    return;
  }
  if (Status status = run_append(bench, s3, *input); !status.ok()) bench.report().add_failure("8.1", "append", status);
  if (Status status = run_snapshot(bench, s3); !status.ok()) bench.report().add_failure("8.2", "snapshot", status);
  if (Status status = run_scans(bench, s3, *input); !status.ok()) bench.report().add_failure("8.3", "scans", status);
  if (Status status = run_commits(bench, s3); !status.ok()) bench.report().add_failure("8.4", "commits", status);
}

}  // namespace silt::bench
