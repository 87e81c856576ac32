// run_dag: order, bounded parallelism, failures skipping dependents, stopping, impossible tasks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "pipeline/run/dag_scheduler.h"

namespace silt::pipeline {
namespace {

struct Trace {
  std::mutex mutex;
  std::vector<size_t> started, order;
  std::vector<TaskOutcome> outcomes;
  std::vector<size_t> causes;
  std::atomic<int> running{0};
  std::atomic<int> most_at_once{0};
};

DagCallbacks traced(Trace& trace, size_t tasks, const std::function<bool(size_t)>& body) {
  trace.outcomes.assign(tasks, TaskOutcome::kSkipped);
  trace.causes.assign(tasks, 12345);
  DagCallbacks callbacks;
  callbacks.started = [&trace](size_t task) { trace.started.push_back(task); };
  callbacks.run = [&trace, body](size_t task, int) {
    int now = ++trace.running;
    int seen = trace.most_at_once.load();
    while (now > seen && !trace.most_at_once.compare_exchange_weak(seen, now)) {
    }
    bool ok = body(task);
    --trace.running;
    return ok;
  };
  callbacks.finished = [&trace](size_t task, TaskOutcome outcome, size_t cause) {
    trace.order.push_back(task);
    trace.outcomes[task] = outcome;
    trace.causes[task] = cause;
  };
  return callbacks;
}

TEST(DagSchedulerTest, ATaskStartsOnlyAfterItsDependenciesSucceeded) {
  // 0 -> 1 -> 3, 0 -> 2 -> 3
  std::vector<std::vector<size_t>> deps = {{}, {0}, {0}, {1, 2}};
  Trace trace;
  run_dag(deps, 2, traced(trace, 4, [](size_t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return true;
          }));
  ASSERT_EQ(trace.order.size(), 4u);
  EXPECT_EQ(trace.order.front(), 0u);
  EXPECT_EQ(trace.order.back(), 3u);
  for (auto outcome : trace.outcomes) EXPECT_EQ(outcome, TaskOutcome::kSucceeded);
  EXPECT_EQ(trace.most_at_once.load(), 2) << "1 and 2 are independent and run at once";
}

TEST(DagSchedulerTest, NeverMoreThanTheWorkersAtOnceAndOneWorkerRunsInOrder) {
  std::vector<std::vector<size_t>> deps(8);
  Trace parallel;
  run_dag(deps, 3, traced(parallel, 8, [](size_t) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            return true;
          }));
  EXPECT_LE(parallel.most_at_once.load(), 3);
  EXPECT_GE(parallel.most_at_once.load(), 2);
  Trace serial;
  run_dag(deps, 1, traced(serial, 8, [](size_t) { return true; }));
  EXPECT_EQ(serial.started, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(serial.most_at_once.load(), 1);
}

TEST(DagSchedulerTest, AFailureSkipsItsDependentsTransitivelyAndNothingElse) {
  // 0 fails; 1 depends on 0, 2 on 1; 3 is independent.
  std::vector<std::vector<size_t>> deps = {{}, {0}, {1}, {}};
  Trace trace;
  run_dag(deps, 2, traced(trace, 4, [](size_t task) { return task != 0; }));
  EXPECT_EQ(trace.outcomes[0], TaskOutcome::kFailed);
  EXPECT_EQ(trace.outcomes[1], TaskOutcome::kSkipped);
  EXPECT_EQ(trace.outcomes[2], TaskOutcome::kSkipped);
  EXPECT_EQ(trace.causes[1], 0u);
  EXPECT_EQ(trace.causes[2], 0u) << "the cause is the failed task, not the skipped one between";
  EXPECT_EQ(trace.outcomes[3], TaskOutcome::kSucceeded);
  EXPECT_EQ(trace.started.size(), 2u);
}

TEST(DagSchedulerTest, StoppingSkipsWhatHasNotStarted) {
  std::vector<std::vector<size_t>> deps = {{}, {0}, {1}, {}};
  std::atomic<bool> stop{false};
  Trace trace;
  run_dag(deps, 1, traced(trace, 4, [&](size_t task) {
            if (task == 0) stop = true;  // stopped while the first task runs
            return true;
          }),
          &stop);
  EXPECT_EQ(trace.outcomes[0], TaskOutcome::kSucceeded);
  for (size_t task : {1u, 2u, 3u}) {
    EXPECT_EQ(trace.outcomes[task], TaskOutcome::kSkipped) << task;
    EXPECT_EQ(trace.causes[task], kNoCause) << task;
  }
  EXPECT_EQ(trace.started, std::vector<size_t>{0});
}

TEST(DagSchedulerTest, TasksThatCanNeverBeReadyAreSkippedInsteadOfWaitingForever) {
  std::vector<std::vector<size_t>> cycle = {{1}, {0}, {}};
  Trace trace;
  run_dag(cycle, 2, traced(trace, 3, [](size_t) { return true; }));
  EXPECT_EQ(trace.outcomes[2], TaskOutcome::kSucceeded);
  EXPECT_EQ(trace.outcomes[0], TaskOutcome::kSkipped);
  EXPECT_EQ(trace.outcomes[1], TaskOutcome::kSkipped);
  run_dag({}, 4, traced(trace, 0, [](size_t) { return true; }));  // no tasks: returns at once
}

}  // namespace
}  // namespace silt::pipeline
