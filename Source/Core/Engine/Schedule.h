// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The graph's order and its wires' shapes: one topological sort and one wire check, used by
// the patch checks (Patch/) and by the engine.

#include "../Patch/Model.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graded {

/** A wire into a HebbianSynapse's `pre` or `post`: read when the synapse evolves (after the
    settling steps), not in step order, so it takes no part in the schedule. */
bool isLearningWire(const Patch& patch, const PatchWire& wire) noexcept;

/** The nodes in the order a step runs them: Kahn's algorithm over the undelayed wires (FIFO,
    sources in node order). Nodes on or after a cycle of undelayed wires are left out. Wires
    with an unresolved end, and learning wires (isLearningWire), are ignored. */
struct Schedule {
    std::vector<int> order;
    std::vector<bool> scheduled;   ///< per node: in `order`
    bool complete() const noexcept { return order.size() == scheduled.size(); }
};
Schedule scheduleOf(const Patch& patch);

/** A compartment as a wire sees it. */
struct WireEnd {
    std::string_view name;
    bool perChannel = true;
    int cols = 1;
};

/** What is wrong with a wire's shape: `where` is "" (the wire), "/weights" or "/bias". */
struct WireProblem {
    std::string where;
    std::string message;
};

/** The message for weights that are not dst x src. */
std::string weightsShapeMessage(const WireEnd& src, const WireEnd& dst);

/** Why a wire from `src` to `dst` cannot run: a per-channel source into a single-row input,
    a gain wire between different sizes (other than a 1-column broadcast), weights that are not
    dst.cols x src.cols, a bias that is not dst.cols long. Nothing when it can. */
std::optional<WireProblem> checkWireShape(const WireEnd& src, const WireEnd& dst, const PatchWire& wire);

} // namespace graded
