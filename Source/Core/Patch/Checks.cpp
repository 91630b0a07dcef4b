// SPDX-License-Identifier: GPL-3.0-or-later
// Checks over the whole graph once nodes and wires are read.
#include "Reading.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace graded::reading {

namespace {
/** Strongly connected components (iterative Tarjan) of the graph `adj`; returns each node's
    component number. */
std::vector<int> components(const std::vector<std::vector<int>>& adj) {
    const int n = int(adj.size());
    std::vector<int> index(size_t(n), -1), low(size_t(n), 0), comp(size_t(n), -1);
    std::vector<char> onStack(size_t(n), 0);
    std::vector<int> stack;
    std::vector<std::pair<int, size_t>> frames; // node, next edge
    int counter = 0, comps = 0;
    for (int root = 0; root < n; ++root) {
        if (index[size_t(root)] >= 0) continue;
        frames.push_back({root, 0});
        index[size_t(root)] = low[size_t(root)] = counter++;
        stack.push_back(root);
        onStack[size_t(root)] = 1;
        while (!frames.empty()) {
            auto& [v, next] = frames.back();
            if (next < adj[size_t(v)].size()) {
                const int w = adj[size_t(v)][next++];
                if (index[size_t(w)] < 0) {
                    index[size_t(w)] = low[size_t(w)] = counter++;
                    stack.push_back(w);
                    onStack[size_t(w)] = 1;
                    frames.push_back({w, 0});
                } else if (onStack[size_t(w)]) {
                    low[size_t(v)] = std::min(low[size_t(v)], index[size_t(w)]);
                }
                continue;
            }
            if (low[size_t(v)] == index[size_t(v)]) {
                int w;
                do {
                    w = stack.back();
                    stack.pop_back();
                    onStack[size_t(w)] = 0;
                    comp[size_t(w)] = comps;
                } while (w != v);
                ++comps;
            }
            const int done = v;
            frames.pop_back();
            if (!frames.empty()) low[size_t(frames.back().first)] = std::min(low[size_t(frames.back().first)], low[size_t(done)]);
        }
    }
    return comp;
}
} // namespace

void checkCycles(Issues& is, const Patch& patch) {
    if (patch.nodes.empty()) return;
    const Schedule s = scheduleOf(patch);
    if (s.complete()) return;
    // The wires that hold up the order: undelayed, not learning, between unscheduled nodes.
    auto holds = [&](const PatchWire& w) {
        return !w.delay && w.fromNode >= 0 && w.toNode >= 0 && !isLearningWire(patch, w)
               && !s.scheduled[size_t(w.fromNode)] && !s.scheduled[size_t(w.toNode)];
    };
    // Only those on a cycle are reported (not the wires downstream of one): both ends in one
    // strongly connected component (or a wire from a node to itself).
    std::vector<std::vector<int>> adj(patch.nodes.size());
    for (const auto& w : patch.wires)
        if (holds(w)) adj[size_t(w.fromNode)].push_back(w.toNode);
    const auto comp = components(adj);
    bool any = false;
    for (int pass = 0; pass < 2 && !any; ++pass)
        for (size_t i = 0; i < patch.wires.size(); ++i) {
            const auto& w = patch.wires[i];
            if (!holds(w) || (pass == 0 && comp[size_t(w.fromNode)] != comp[size_t(w.toNode)])) continue;
            is.add("/wires/" + std::to_string(i), "part of a cycle without a delay (" + patch.nodes[size_t(w.fromNode)].id + " -> "
                                                      + patch.nodes[size_t(w.toNode)].id + "); set \"delay\": true on one wire of the cycle");
            any = true;
        }
}

} // namespace graded::reading
