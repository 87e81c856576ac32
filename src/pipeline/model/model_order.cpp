// The dependency order of a project's models, and the cycles that prevent one.
#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>

#include <fmt/format.h>

#include "base/strings.h"
#include "pipeline/model/model_loader_internal.h"

namespace silt::pipeline {

namespace {

// One diagnostic per strongly connected component of the unplaced models: the shortest cycle
// through its first member by name, reported at that member's reference to the next one.
void report_cycles(const std::vector<LoadedModel>& loaded, const std::vector<std::vector<size_t>>& dependencies,
                   const std::vector<bool>& placed, std::vector<Diagnostic>& diagnostics) {
  const size_t n = loaded.size();
  // Tarjan's algorithm (recursive; model graphs are small).
  std::vector<int> index(n, -1), low(n, 0);
  std::vector<bool> on_stack(n, false);
  std::vector<size_t> stack;
  std::vector<std::vector<size_t>> components;
  int counter = 0;
  std::function<void(size_t)> connect = [&](size_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = true;
    for (size_t w : dependencies[v]) {
      if (placed[w]) continue;
      if (index[w] < 0) {
        connect(w);
        low[v] = std::min(low[v], low[w]);
      } else if (on_stack[w]) {
        low[v] = std::min(low[v], index[w]);
      }
    }
    if (low[v] != index[v]) return;
    std::vector<size_t> component;
    size_t w;
    do {
      w = stack.back();
      stack.pop_back();
      on_stack[w] = false;
      component.push_back(w);
    } while (w != v);
    if (component.size() > 1) components.push_back(std::move(component));
  };
  for (size_t v = 0; v < n; ++v) {
    if (!placed[v] && index[v] < 0) connect(v);
  }

  for (const auto& component : components) {
    const std::set<size_t> members(component.begin(), component.end());
    auto by_name = [&](size_t a, size_t b) { return loaded[a].model.name < loaded[b].model.name; };
    const size_t start = *std::min_element(component.begin(), component.end(), by_name);
    // Breadth-first from start, visiting dependencies in name order, until one leads back to start.
    std::map<size_t, size_t> parent;
    std::queue<size_t> queue;
    queue.push(start);
    std::optional<size_t> last;
    while (!queue.empty() && !last) {
      const size_t v = queue.front();
      queue.pop();
      std::vector<size_t> next;
      for (size_t w : dependencies[v]) {
        if (members.count(w)) next.push_back(w);
      }
      std::sort(next.begin(), next.end(), by_name);
      for (size_t w : next) {
        if (w == start) {
          last = v;
          break;
        }
        if (parent.emplace(w, v).second) queue.push(w);
      }
    }
    if (!last) continue;  // cannot happen in a component of two or more
    std::vector<size_t> path;
    for (size_t v = *last; v != start; v = parent.at(v)) path.push_back(v);
    path.push_back(start);
    std::reverse(path.begin(), path.end());
    std::vector<std::string> names;
    for (size_t v : path) names.push_back(loaded[v].model.name);
    names.push_back(loaded[start].model.name);
    const LoadedModel& first = loaded[start];
    const std::string& second = names[1];
    auto at = first.first_reference.find(second);
    const TextPosition where = at != first.first_reference.end() ? at->second : TextPosition{1, 1};
    diagnostics.push_back(Diagnostic{first.model.file, where.line, where.column,
                                     fmt::format("cycle between models: {}", join(names, " -> "))});
  }
}

}  // namespace

// Dependencies first, ties by name (Kahn's algorithm with an ordered ready set). Models left over
// are on or behind a cycle; each cycle is reported once.
std::vector<Model> order_models(const std::vector<LoadedModel>& loaded, std::vector<Diagnostic>& diagnostics) {
  const size_t n = loaded.size();
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < n; ++i) by_name.emplace(to_lower(loaded[i].model.name), i);
  std::vector<std::vector<size_t>> dependencies(n), dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (const std::string& name : loaded[i].model.depends_on) {
      const size_t target = by_name.at(to_lower(name));
      dependencies[i].push_back(target);
      dependents[target].push_back(i);
    }
  }
  std::vector<size_t> waiting(n);
  std::set<std::pair<std::string, size_t>> ready;
  for (size_t i = 0; i < n; ++i) {
    waiting[i] = dependencies[i].size();
    if (waiting[i] == 0) ready.emplace(loaded[i].model.name, i);
  }
  std::vector<Model> sorted;
  std::vector<bool> placed(n, false);
  while (!ready.empty()) {
    const size_t i = ready.begin()->second;
    ready.erase(ready.begin());
    placed[i] = true;
    sorted.push_back(loaded[i].model);
    for (size_t dependent : dependents[i]) {
      if (--waiting[dependent] == 0) ready.emplace(loaded[dependent].model.name, dependent);
    }
  }
  if (sorted.size() < n) report_cycles(loaded, dependencies, placed, diagnostics);
  std::vector<std::pair<std::string, size_t>> rest;
  for (size_t i = 0; i < n; ++i) {
    if (!placed[i]) rest.emplace_back(loaded[i].model.name, i);
  }
  std::sort(rest.begin(), rest.end());
  for (const auto& [name, i] : rest) sorted.push_back(loaded[i].model);
  return sorted;
}

}  // namespace silt::pipeline
