// SPDX-License-Identifier: GPL-3.0-or-later
#include "Schedule.h"

namespace graded {

bool isLearningWire(const Patch& patch, const PatchWire& w) noexcept {
    return w.toNode >= 0 && size_t(w.toNode) < patch.nodes.size() && patch.nodes[size_t(w.toNode)].kind == NodeKind::HebbianSynapse
           && (w.toComp == "pre" || w.toComp == "post");
}

Schedule scheduleOf(const Patch& patch) {
    const size_t N = patch.nodes.size();
    auto valid = [&](const PatchWire& w) {
        return !w.delay && w.fromNode >= 0 && w.toNode >= 0 && size_t(w.fromNode) < N && size_t(w.toNode) < N
               && !isLearningWire(patch, w);
    };
    std::vector<int> indeg(N, 0);
    std::vector<std::vector<int>> out(N);
    for (size_t i = 0; i < patch.wires.size(); ++i) {
        const auto& w = patch.wires[i];
        if (!valid(w)) continue;
        ++indeg[size_t(w.toNode)];
        out[size_t(w.fromNode)].push_back(int(i));
    }
    Schedule s;
    s.scheduled.assign(N, false);
    for (size_t n = 0; n < N; ++n)
        if (indeg[n] == 0) s.order.push_back(int(n));
    for (size_t h = 0; h < s.order.size(); ++h) {
        const int n = s.order[h];
        s.scheduled[size_t(n)] = true;
        for (const int wi : out[size_t(n)]) {
            const int to = patch.wires[size_t(wi)].toNode;
            if (--indeg[size_t(to)] == 0) s.order.push_back(to);
        }
    }
    return s;
}

std::string weightsShapeMessage(const WireEnd& src, const WireEnd& dst) {
    return "size mismatch: must be " + std::to_string(dst.cols) + " rows (to '" + std::string(dst.name) + "') of "
           + std::to_string(src.cols) + " numbers (from '" + std::string(src.name) + "')";
}

std::optional<WireProblem> checkWireShape(const WireEnd& src, const WireEnd& dst, const PatchWire& w) {
    const std::string sn(src.name), dn(dst.name);
    const int sc = src.cols, dc = dst.cols;
    if (!dst.perChannel && src.perChannel)
        return WireProblem{"", "cannot drive the single-row '" + dn + "' from the per-channel '" + sn + "'"};
    if (!w.weights.empty()) {
        if (w.wRows != dc || w.wCols != sc || w.weights.size() != size_t(dc) * size_t(sc))
            return WireProblem{"/weights", weightsShapeMessage(src, dst)};
    } else if (sc != dc && sc != 1) {
        return WireProblem{"", "size mismatch: '" + sn + "' has " + std::to_string(sc) + " units, '" + dn + "' has "
                                   + std::to_string(dc) + " (give weights, or a 1-unit source to broadcast)"};
    }
    if (!w.bias.empty() && w.bias.size() != size_t(dc))
        return WireProblem{"/bias", "size mismatch: must be " + std::to_string(dc) + " values"};
    return std::nullopt;
}

} // namespace graded
