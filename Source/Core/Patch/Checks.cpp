// SPDX-License-Identifier: GPL-3.0-or-later
// Checks over the whole graph once nodes and wires are read.
#include "Reading.h"

namespace graded::reading {

void checkCycles(Issues& is, const Patch& patch) {
    if (patch.nodes.empty()) return;
    const Schedule s = scheduleOf(patch);
    if (s.complete()) return;
    for (size_t i = 0; i < patch.wires.size(); ++i) {
        const auto& w = patch.wires[i];
        if (w.delay || w.fromNode < 0 || w.toNode < 0 || isLearningWire(patch, w)) continue;
        if (!s.scheduled[size_t(w.fromNode)] && !s.scheduled[size_t(w.toNode)])
            is.add("/wires/" + std::to_string(i), "part of a cycle without a delay (" + patch.nodes[size_t(w.fromNode)].id + " -> "
                                                      + patch.nodes[size_t(w.toNode)].id + "); set \"delay\": true on one wire of the cycle");
    }
}

} // namespace graded::reading
