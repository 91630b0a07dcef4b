// SPDX-License-Identifier: GPL-3.0-or-later
// What a patch costs to run (Engine::estimate, Engine::minimumStep) and the budget check.
#include "../Limits.h"
#include "Cost.h"
#include "Filterbank.h"
#include "../Patch/NodeSpecs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace graded {
namespace {

/** Multiply-adds per unit and step of a cell (its spec's per-unit cost, per integrator
    stage for the integrating kinds), including the engine's finiteness scan. */
double cellOpsPerUnit(const PatchNode& n) {
    const CellOps& cost = nodeSpec(n.kind).cell;
    if (cost.perStage == 0.0) return cost.perUnit;
    const ParamMap& params = *n.cellParams();
    const auto it = params.find("integration_type");
    const auto integrator = it != params.end() && it->second.type == ParamValue::Type::string ? parseIntegrator(it->second.text) : std::nullopt;
    const double stages = integrator == Integrator::rk4 ? 4.0 : integrator == Integrator::midpoint ? 2.0 : 1.0;
    return cost.perStage * stages + cost.perUnit;
}

double unitsOf(const PatchNode& n) {
    const ParamMap& params = *n.cellParams();
    const auto it = params.find("n_units");
    return it != params.end() && it->second.type == ParamValue::Type::number ? std::max(1.0, it->second.number) : 1.0;
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, share < 0.1 ? "%.2f%%" : "%.0f%%", share * 100.0);
    return buf;
}

} // namespace

std::string formatNumber(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void checkConfig(const Patch& p, const EngineConfig& c) {
    if (!(c.sampleRate >= kMinSampleRate && c.sampleRate <= kMaxSampleRate))
        throw ConfigError("sampleRate", "the engine runs at 1000..1536000 Hz, not at " + formatNumber(c.sampleRate) + " Hz");
    if (c.numChannels < 1 || c.numChannels > kMaxEngineChannels)
        throw ConfigError("numChannels", "must be in 1.." + std::to_string(kMaxEngineChannels));
    if (p.audioIn < 0 || p.audioOut < 0 || size_t(p.audioIn) >= p.nodes.size() || size_t(p.audioOut) >= p.nodes.size()
        || !p.nodes[size_t(p.audioIn)].audioIn() || !p.nodes[size_t(p.audioOut)].audioOut())
        throw PatchError(std::vector<PatchIssue>{{"/nodes", "needs one AudioIn and one AudioOut"}});
}

bool CostEstimate::withinBudget() const noexcept {
    return bytes <= limits::kMaxEngineBytes && coreShare <= limits::kMaxCoreShare;
}

CostEstimate Engine::estimate(const Patch& p, const EngineConfig& c, int S) {
    checkConfig(p, c);
    S = std::clamp(S, 1, kMaxStepSamples);
    const double C = c.numChannels, fs = c.sampleRate, stepsPerSecond = fs / S;
    const double N = p.bands(), M = p.input().samples;
    CostEstimate e;
    auto share = [&](double opsPerSample, double opsPerStep) {
        return (opsPerSample * fs + opsPerStep * stepsPerSecond) / limits::kOpsPerSecond;
    };
    bool noise = false;
    for (const auto& w : p.wires)
        if (w.toNode == p.audioOut && w.toComp == "noise") noise = true;
    // filterbank, per band and sample: analysis of the analytic pair (two passes, 20) and its
    // envelope (6), synthesis with ramped gains (5) and, when driven, the noise bank (3
    // passes, 18); these run four bands at a time in SIMD lanes (Filterbank.cpp), so they are
    // priced per block of four. Per sample the Hilbert pair (32) and the limiter (24); per
    // step the band energies (a log each) and samples.
    const double blocks = std::ceil(N / 4.0);
    e.parts.push_back({"/nodes/" + std::to_string(p.audioIn), "the filterbank (" + std::to_string(int(N)) + " bands" + (noise ? ", noise" : "") + ")",
                       share(C * (blocks * (31.0 + (noise ? 18.0 : 0.0)) + 60.0), C * (N * 40.0 + M + 30.0))});
    std::int64_t bytes = std::int64_t(C) * (std::int64_t(kMaxStepSamples) * (std::int64_t(N) + 4) + 16 * std::int64_t(Filterbank::kMaxBands) + 64) * 4
        + std::int64_t(C) * 5 * std::int64_t(std::lround(p.output().lookaheadMs * 1e-3 * fs) + 2) * 4;
    // the graph runs `settle` times per audio step; synapses evolve every step, every N steps or
    // on episodes (counted as never: an event, not a rate)
    const double settle = p.learning.settle;
    const double evolvesPerStep = p.learning.evolve == PatchLearning::Evolve::step    ? 1.0
                                  : p.learning.evolve == PatchLearning::Evolve::every ? 1.0 / p.learning.every
                                                                                       : 0.0;
    for (size_t i = 0; i < p.nodes.size(); ++i) {
        const auto& n = p.nodes[i];
        if (const SynapseNodeParams* sn = n.synapse()) {
            const SynapseParams& sp = sn->params;
            const double nIn = sp.nIn, nOut = sp.nOut, nW = nIn * nOut;
            const bool hebb = n.kind == NodeKind::HebbianSynapse, adam = sp.optim == SynapseOptim::adam;
            // buffers: weights, mask, the initial copy (+ dWeights, Adam's two moments), the
            // per-channel rows, biases; the patch keeps explicit arrays as doubles
            const double matrices = 3.0 + (hebb ? 1.0 : 0.0) + (hebb && adam ? 2.0 : 0.0);
            bytes += std::int64_t(4.0 * (matrices * nW + C * (2.0 * nIn + 4.0 * nOut) + 6.0 * nOut))
                     + std::int64_t(8 * (sp.weights.size() + sp.mask.size() + sp.biases.size()));
            // advance: a multiply-add per weight and channel, gate/bias/finiteness per output;
            // evolve: the outer product per channel, the bound, step and clip (Adam: more), the
            // finiteness scan
            const double advance = C * (nW + 4.0 * nOut);
            const double evolve = hebb ? nW * (C + (adam ? 16.0 : 6.0)) + C * nOut * 2.0 : 0.0;
            std::string what = "synapse '" + n.id + "' (" + std::string(kNodeKindNames[int(n.kind)]) + ", " + std::to_string(sp.nIn) + " x "
                               + std::to_string(sp.nOut) + (sn->tie.empty() ? std::string() : ", tied to '" + sn->tie + "'") + ")";
            e.parts.push_back({"/nodes/" + std::to_string(i), what, share(0.0, settle * advance + evolvesPerStep * evolve)});
            continue;
        }
        if (!isCellKind(n.kind)) continue;
        const double units = unitsOf(n);
        // every cell has at most 24 compartments of [batch][units] (float)
        bytes += std::int64_t(24.0 * units * C * 4.0);
        std::string what = "node '" + n.id + "' (" + std::string(kNodeKindNames[int(n.kind)]) + ", " + std::to_string(std::int64_t(units)) + " units)";
        e.parts.push_back({"/nodes/" + std::to_string(i), what, share(0.0, settle * units * C * cellOpsPerUnit(n))});
    }
    for (size_t i = 0; i < p.wires.size(); ++i) {
        const auto& w = p.wires[i];
        const auto& toKind = p.nodes[size_t(w.toNode)].kind;
        const double rows = (w.toNode == p.audioIn || w.toNode == p.audioOut || isCellKind(toKind) || isSynapseKind(toKind)) ? C : 1.0;
        const double dst = w.wRows > 0 ? w.wRows : 1.0, src = w.wCols > 0 ? w.wCols : 1.0;
        const double ops = !w.weights.empty() ? rows * (double(w.weights.size()) * 2.0 + dst) : rows * 64.0;
        bytes += std::int64_t(w.weights.size() + w.bias.size()) * 4 + (w.delay ? std::int64_t(C * 4096.0 * 4.0) : 0);
        std::string what = "wire " + (w.id.empty() ? std::string() : "'" + w.id + "' ") + "(" + p.nodes[size_t(w.fromNode)].id + "." + w.fromComp
                           + " -> " + p.nodes[size_t(w.toNode)].id + "." + w.toComp
                           + (w.weights.empty() ? std::string() : ", " + std::to_string(std::int64_t(dst)) + " x " + std::to_string(std::int64_t(src)) + " weights") + ")";
        e.parts.push_back({"/wires/" + std::to_string(i), what, share(0.0, settle * ops)});
    }
    for (const auto& part : e.parts) e.coreShare += part.coreShare;
    e.bytes = bytes;
    std::stable_sort(e.parts.begin(), e.parts.end(), [](const CostEstimate::Part& a, const CostEstimate::Part& b) { return a.coreShare > b.coreShare; });
    return e;
}

int Engine::minimumStep(const Patch& p, const EngineConfig& c) {
    for (const int s : kStepChoices)
        if (estimate(p, c, s).coreShare <= limits::kMaxCoreShare) return s;
    return 0;
}

void checkBudget(const Patch& p, const EngineConfig& c, int S) {
    const CostEstimate e = Engine::estimate(p, c, S);
    std::vector<PatchIssue> issues;
    if (e.bytes > limits::kMaxEngineBytes) {
        issues.push_back({"", "needs about " + std::to_string(e.bytes >> 20) + " MiB of state for " + std::to_string(c.numChannels)
                                  + " channels; the limit is " + std::to_string(limits::kMaxEngineBytes >> 20) + " MiB"});
    }
    if (e.coreShare > limits::kMaxCoreShare) {
        const std::string total = "the patch would take about " + percent(e.coreShare) + " of one core at " + formatNumber(c.sampleRate)
                                  + " Hz with " + std::to_string(S) + "-sample steps; the real-time budget is " + percent(limits::kMaxCoreShare);
        int named = 0;
        for (const auto& part : e.parts) {
            if (named == 3 || part.coreShare < 0.1 * e.coreShare) break;
            issues.push_back({part.path, part.what + " costs about " + percent(part.coreShare) + " of one core (" + total + ")"});
            ++named;
        }
        if (named == 0) issues.push_back({"", total});
    }
    if (!issues.empty()) throw PatchError(std::move(issues));
}

} // namespace graded
