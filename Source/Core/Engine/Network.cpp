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
    schedule_ = p.learning;
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
        } else if (const SynapseNodeParams* sn = pn.synapse()) {
            SynapseParams sp = sn->params;
            sp.batchSize = C;
            sp.kind = synapseKindOf(pn.kind);
            if (pn.kind == NodeKind::HebbianSynapse) {
                auto h = std::make_unique<HebbianSynapse<float>>(sp);
                n.hebbian = h.get();
                synapses_.push_back(std::move(h));
            } else {
                synapses_.push_back(std::make_unique<DenseSynapse<float>>(sp));
            }
            n.synapse = synapses_.back().get();
            const auto& syn = *n.synapse;
            const auto* out = syn.findCompartment("outputs");
            n.synapseOut = {out->data, out->rows, out->cols};
            initialWeights_.emplace_back(syn.weightData(), syn.weightData() + size_t(syn.nIn()) * size_t(syn.nOut()));
            initialBiases_.emplace_back(syn.biasData(), syn.biasData() + (syn.hasBiases() ? size_t(syn.nOut()) : 1));
            baseEta_.push_back(sp.eta);
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
        const bool learn = isLearningWire(p, pw);
        (learn ? dn.learnWires : dn.wires).push_back(int(i));
        auto& driven = learn ? dn.learnDriven : dn.driven;
        const bool seen = std::any_of(driven.begin(), driven.end(), [&](const CompartmentView& d) { return d.data == w.dst; });
        if (!seen) driven.push_back(dst);
        wires.push_back(std::move(w));
    }
    for (auto& n : nodes)
        if (n.kind == NodeKind::RewardErrorCell) {
            float* reward = static_cast<RewardErrorCell<float>*>(n.cell)->reward.data();
            const bool driven = std::any_of(n.driven.begin(), n.driven.end(), [&](const CompartmentView& d) { return d.data == reward; });
            n.hostReward = driven ? nullptr : reward;
        }
    for (size_t i = 0; i < p.nodes.size(); ++i)
        if (const SynapseNodeParams* sn = p.nodes[i].synapse(); sn && sn->tieNode >= 0) {
            if (size_t(sn->tieNode) >= nodes.size() || !nodes[size_t(sn->tieNode)].synapse)
                fail("/nodes/" + std::to_string(i) + "/params/tie", "not a synapse");
            nodes[i].synapse->tieTransposeOf(*nodes[size_t(sn->tieNode)].synapse);
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
    if (n.synapse) {
        const auto* c = n.synapse->findCompartment(name);
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

void Network::gather(const std::vector<int>& wireList, const std::vector<CompartmentView>& driven) noexcept {
    for (const auto& d : driven) std::fill(d.data, d.data + d.rows * d.cols, 0.f);
    for (int wi : wireList) {
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
}

void Network::step(float dt, float reward) noexcept {
    for (int ni : order) {
        auto& n = nodes[size_t(ni)];
        if (n.kind == NodeKind::AudioIn) continue;
        gather(n.wires, n.driven);
        if (n.synapse) {
            n.synapse->advance();
            // non-finite inputs (a diverged source) must not stick in the outputs
            const CompartmentView& out = n.synapseOut;
            float s = 0.f;
            for (int i = 0; i < out.rows * out.cols; ++i) s += out.data[i] * 0.f;
            if (s != 0.f || !std::isfinite(s)) n.synapse->reset();
            continue;
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

void Network::settle(float dt, float reward) noexcept {
    for (int t = 0; t < schedule_.settle; ++t) {
        step(dt, reward);
        latchDelays();
    }
    if (synapses_.empty() || !learning_) return;
    switch (schedule_.evolve) {
        case PatchLearning::Evolve::step: evolveSynapses(dt); break;
        case PatchLearning::Evolve::every:
            if (++stepsSinceEvolve_ >= schedule_.every) {
                stepsSinceEvolve_ = 0;
                evolveSynapses(dt);
            }
            break;
        case PatchLearning::Evolve::episode: break;
    }
}

void Network::evolveSynapses(float dt) noexcept {
    if (learnRateScale_ != appliedLearnRateScale_) {
        appliedLearnRateScale_ = learnRateScale_;
        size_t k = 0;
        for (auto& n : nodes)
            if (n.synapse) {
                if (n.hebbian) n.hebbian->setEta(baseEta_[k] * double(appliedLearnRateScale_));
                ++k;
            }
    }
    size_t k = 0;
    for (auto& n : nodes) {
        if (!n.synapse) continue;
        const size_t index = k++;
        if (!n.hebbian) continue;
        gather(n.learnWires, n.learnDriven);
        n.hebbian->evolve(dt);
        // weights that left the finite numbers (no w_bound, a runaway rule) start again
        const size_t nW = size_t(n.synapse->nIn()) * size_t(n.synapse->nOut());
        const float* w = n.synapse->weightData();
        float s = 0.f;
        for (size_t i = 0; i < nW; ++i) s += w[i] * 0.f;
        const float* b = n.synapse->biasData();
        for (size_t i = 0; i < initialBiases_[index].size(); ++i) s += b[i] * 0.f;
        if (s != 0.f || !std::isfinite(s)) restoreWeights(index);
    }
}

void Network::setLearnRateScale(float scale) noexcept {
    if (std::isfinite(scale)) learnRateScale_ = std::clamp(scale, 0.f, kMaxLearnRateScale);
}

void Network::restoreWeights(size_t k) noexcept {
    auto& syn = *synapses_[k];
    std::copy(initialWeights_[k].begin(), initialWeights_[k].end(), syn.weightData());
    std::copy(initialBiases_[k].begin(), initialBiases_[k].end(), syn.biasData());
    if (syn.kind() == SynapseKind::HebbianSynapse) static_cast<HebbianSynapse<float>&>(syn).resetOptimiser();
}

void Network::resetWeights() noexcept {
    for (size_t k = 0; k < synapses_.size(); ++k) restoreWeights(k);
}

void Network::latchDelays() noexcept {
    for (auto& w : wires)
        if (w.delay) std::copy(w.src, w.src + w.delayed.size(), w.delayed.begin());
}

void Network::resetCells() noexcept {
    for (auto& c : cells_) c->reset();
    for (auto& syn : synapses_) syn->reset();
    for (auto& w : wires) std::fill(w.delayed.begin(), w.delayed.end(), 0.f);
}

void Network::evolveCells(float dt) noexcept {
    for (auto& c : cells_) c->evolve(dt);
    if (learning_ && schedule_.evolve == PatchLearning::Evolve::episode) evolveSynapses(dt);
}

} // namespace graded
