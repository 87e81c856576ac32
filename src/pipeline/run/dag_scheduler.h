// Runs the tasks of a DAG on a few worker threads: a task starts once every task it depends on
// has succeeded (the lowest ready index first), a failed task's dependents are skipped
// (transitively), and once `stop` is set no task starts and the pending ones are skipped. Small on
// purpose, and tested on its own (tests/unit/pipeline/dag_scheduler_test.cpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

namespace silt::pipeline {

enum class TaskOutcome { kSucceeded, kFailed, kSkipped };

struct DagCallbacks {
  // Runs `task` on worker `worker` (0 .. workers-1), outside the scheduler's lock; true on success.
  std::function<bool(size_t task, int worker)> run;
  // Called under the scheduler's lock, so never two at once: before a task runs, and when it
  // ended or was skipped. For a skipped task `cause` is the failed task it depended on, or
  // kNoCause when the run was stopped (or the task could never become ready).
  std::function<void(size_t task)> started;
  std::function<void(size_t task, TaskOutcome outcome, size_t cause)> finished;
};

inline constexpr size_t kNoCause = static_cast<size_t>(-1);

// `dependencies[i]`: the tasks (indices into `dependencies`) that must succeed before task i.
// Returns when every task has finished or been skipped. `workers` is clamped to 1 .. tasks.
void run_dag(const std::vector<std::vector<size_t>>& dependencies, int workers, const DagCallbacks& callbacks,
             const std::atomic<bool>* stop = nullptr);

}  // namespace silt::pipeline
