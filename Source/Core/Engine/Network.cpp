// SPDX-License-Identifier: GPL-3.0-or-later
#include "Network.h"

#include "../Cells/RewardErrorCell.h"
#include "Schedule.h"

#include <algorithm>
#include <cmath>

namespace graded {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& message) {
    throw PatchError(std::vector<PatchIssue>{{path, message}});
}

} // namespace

void Network::build(const Patch& p, int C) {
    channels = C;
    const int bands = p.bands();
    for (size_t i = 0; i < p.nodes.size(); ++i) {
        const auto& pn = p.nodes[i];
        Node n;
        n.kind = pn.kind;
        n.id = pn.id;
        n.spec = &nodeSpec(pn.kind);
        if (const ParamMap* params = pn.cellParams()) {
            ParamMap m = *params;
            m["batch_size"] = ParamValue::num(C);
            cells_.push_back(n.spec->cell.makeFloat(m));
            n.cell = cells_.back().get();
        } else {
            const NodeSizes sizes = nodeSizes(pn, bands, C);
            for (const auto& cs : n.spec->compartments)
                n.io.emplace_back(size_t(sizes.rowsOf(cs) * sizes.colsOf(cs)), 0.f);
        }
        nodes.push_back(std::move(n));
    }
    for (size_t i = 0; i < p.wires.size(); ++i) {
        const auto& pw = p.wires[i];
        const std::string path = "/wires/" + std::to_string(i);
        const CompartmentView src = compartment(pw.fromNode, pw.fromComp);
        const CompartmentView dst = compartment(pw.toNode, pw.toComp);
        if (!src.data || !dst.data) fail(path, "unresolved compartment");
        const auto* srcSpec = nodes[size_t(pw.fromNode)].spec->findCompartment(pw.fromComp);
        const auto* dstSpec = nodes[size_t(pw.toNode)].spec->findCompartment(pw.toComp);
        const WireEnd from{pw.fromComp, srcSpec->rows == CompRows::perChannel, src.cols};
        const WireEnd to{pw.toComp, dstSpec->rows == CompRows::perChannel, dst.cols};
        if (auto problem = checkWireShape(from, to, pw)) fail(path + problem->where, problem->message);
        Wire w;
        w.src = src.data;
        w.srcRows = src.rows;
        w.srcCols = src.cols;
        w.dst = dst.data;
        w.dstRows = dst.rows;
        w.dstCols = dst.cols;
        w.gain = pw.gain;
        w.W = pw.weights;
        w.bias = pw.bias;
        w.delay = pw.delay;
        if (w.delay) w.delayed.assign(size_t(w.srcRows * w.srcCols), 0.f);
        auto& dn = nodes[size_t(pw.toNode)];
        dn.wires.push_back(int(i));
        const bool seen = std::any_of(dn.driven.begin(), dn.driven.end(), [&](const CompartmentView& d) { return d.data == w.dst; });
        if (!seen) dn.driven.push_back(dst);
        wires.push_back(std::move(w));
    }
    for (auto& n : nodes)
        if (n.kind == NodeKind::RewardErrorCell) {
            float* reward = static_cast<RewardErrorCell<float>*>(n.cell)->reward.data();
            const bool driven = std::any_of(n.driven.begin(), n.driven.end(), [&](const CompartmentView& d) { return d.data == reward; });
            n.hostReward = driven ? nullptr : reward;
        }
    const Schedule s = scheduleOf(p);
    if (!s.complete()) fail("/wires", "cycle without a delay");
    order = s.order;
}

CompartmentView Network::compartment(int node, std::string_view name) noexcept {
    if (node < 0 || size_t(node) >= nodes.size()) return {};
    auto& n = nodes[size_t(node)];
    if (n.cell) {
        const auto* c = n.cell->findCompartment(name);
        return c ? CompartmentView{c->data, c->rows, c->cols} : CompartmentView{};
    }
    for (int i = 0; i < n.spec->compartments.size(); ++i)
        if (n.spec->compartments[i].name == name) {
            auto& data = n.io[size_t(i)];
            const int rows = n.spec->compartments[i].rows == CompRows::perChannel ? channels : 1;
            return {data.data(), rows, int(data.size()) / rows};
        }
    return {};
}

void Network::step(float dt, float reward) noexcept {
    for (int ni : order) {
        auto& n = nodes[size_t(ni)];
        if (n.kind == NodeKind::AudioIn) continue;
        for (const auto& d : n.driven) std::fill(d.data, d.data + d.rows * d.cols, 0.f);
        for (int wi : n.wires) {
            const auto& w = wires[size_t(wi)];
            const float* src = w.delay ? w.delayed.data() : w.src;
            for (int r = 0; r < w.dstRows; ++r) {
                const float* s = src + size_t((w.srcRows == 1 ? 0 : r) * w.srcCols);
                float* d = w.dst + size_t(r * w.dstCols);
                if (!w.W.empty()) {
                    const float* W = w.W.data();
                    for (int i = 0; i < w.dstCols; ++i) {
                        float acc = 0.f;
                        for (int j = 0; j < w.srcCols; ++j) acc += W[i * w.srcCols + j] * s[j];
                        d[i] += acc;
                    }
                } else if (w.srcCols == w.dstCols) {
                    for (int i = 0; i < w.dstCols; ++i) d[i] += w.gain * s[i];
                } else {
                    const float v = w.gain * s[0];
                    for (int i = 0; i < w.dstCols; ++i) d[i] += v;
                }
                if (!w.bias.empty())
                    for (int i = 0; i < w.dstCols; ++i) d[i] += w.bias[size_t(i)];
            }
        }
        if (!n.cell) continue;
        if (n.hostReward) std::fill(n.hostReward, n.hostReward + size_t(n.cell->batchSize() * n.cell->nUnits()), reward);
        n.cell->advance(dt);
        // a cell that diverged (bad tuning, extreme input) restarts from rest
        bool finite = true;
        for (const auto& comp : n.cell->compartments()) {
            float s = 0.f;
            for (int i = 0; i < comp.size(); ++i) s += comp.data[i] * 0.f;
            if (s != 0.f || !std::isfinite(s)) { finite = false; break; }
        }
        if (!finite) n.cell->reset();
    }
}

void Network::latchDelays() noexcept {
    for (auto& w : wires)
        if (w.delay) std::copy(w.src, w.src + w.delayed.size(), w.delayed.begin());
}

void Network::resetCells() noexcept {
    for (auto& c : cells_) c->reset();
    for (auto& w : wires) std::fill(w.delayed.begin(), w.delayed.end(), 0.f);
}

void Network::evolveCells(float dt) noexcept {
    for (auto& c : cells_) c->evolve(dt);
}

} // namespace graded
