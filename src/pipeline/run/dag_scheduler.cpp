// The DAG scheduler; see dag_scheduler.h.
#include "pipeline/run/dag_scheduler.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace silt::pipeline {

void run_dag(const std::vector<std::vector<size_t>>& dependencies, int workers, const DagCallbacks& callbacks,
             const std::atomic<bool>* stop) {
  enum class State { kPending, kRunning, kSucceeded, kFailed, kSkipped };
  const size_t total = dependencies.size();
  if (total == 0) return;
  std::vector<State> state(total, State::kPending);
  std::vector<std::vector<size_t>> dependents(total);
  for (size_t i = 0; i < total; ++i) {
    for (size_t dependency : dependencies[i]) {
      if (dependency < total) dependents[dependency].push_back(i);
    }
  }
  std::mutex mutex;
  std::condition_variable changed;
  size_t done = 0;
  size_t running = 0;

  auto finish = [&](size_t task, TaskOutcome outcome, size_t cause) {
    ++done;
    if (callbacks.finished) callbacks.finished(task, outcome, cause);
  };
  std::function<void(size_t, size_t)> skip_dependents = [&](size_t task, size_t cause) {
    for (size_t dependent : dependents[task]) {
      if (state[dependent] != State::kPending) continue;
      state[dependent] = State::kSkipped;
      finish(dependent, TaskOutcome::kSkipped, cause);
      skip_dependents(dependent, cause);
    }
  };
  auto skip_pending = [&]() {
    for (size_t i = 0; i < total; ++i) {
      if (state[i] != State::kPending) continue;
      state[i] = State::kSkipped;
      finish(i, TaskOutcome::kSkipped, kNoCause);
    }
  };
  auto next_ready = [&]() -> std::optional<size_t> {
    for (size_t i = 0; i < total; ++i) {
      if (state[i] != State::kPending) continue;
      bool ready = std::all_of(dependencies[i].begin(), dependencies[i].end(),
                               [&](size_t d) { return d >= total || state[d] == State::kSucceeded; });
      if (ready) return i;
    }
    return std::nullopt;
  };

  auto work = [&](int worker) {
    std::unique_lock<std::mutex> lock(mutex);
    while (done < total) {
      bool stopped = stop && stop->load();
      if (stopped) skip_pending();
      std::optional<size_t> next = stopped ? std::nullopt : next_ready();
      if (!next) {
        if (done == total) break;
        if (running == 0) {
          skip_pending();  // nothing runs and nothing is ready: what is left can never run
          break;
        }
        changed.wait(lock);
        continue;
      }
      size_t task = *next;
      state[task] = State::kRunning;
      ++running;
      if (callbacks.started) callbacks.started(task);
      lock.unlock();
      bool ok = callbacks.run(task, worker);
      lock.lock();
      --running;
      state[task] = ok ? State::kSucceeded : State::kFailed;
      finish(task, ok ? TaskOutcome::kSucceeded : TaskOutcome::kFailed, kNoCause);
      if (!ok) skip_dependents(task, task);
      changed.notify_all();
    }
    changed.notify_all();
  };

  int count = std::clamp(workers, 1, static_cast<int>(total));
  std::vector<std::thread> threads;
  for (int w = 1; w < count; ++w) threads.emplace_back(work, w);
  work(0);
  for (auto& thread : threads) thread.join();
}

}  // namespace silt::pipeline
