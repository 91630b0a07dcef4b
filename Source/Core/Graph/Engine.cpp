// SPDX-License-Identifier: GPL-3.0-or-later
#include "Engine.h"

#include "../Cells/ErrorCells.h"
#include "../Cells/LeakyNoiseCell.h"
#include "../Cells/RateCell.h"
#include "../Cells/RewardErrorCell.h"
#include "GraphInternal.h"

#include <Limits.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstring>
#include <limits>

#if defined(__SSE__) || defined(_M_X64) || defined(__x86_64__)
#include <xmmintrin.h>
#define GRADED_HAVE_MXCSR 1
#endif

namespace graded {

namespace {

/** Sets flush-to-zero and denormals-are-zero for the scope (x86), restores on exit. */
struct DenormalGuard {
#ifdef GRADED_HAVE_MXCSR
    unsigned int saved;
    DenormalGuard() noexcept : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040u); }
    ~DenormalGuard() { _mm_setcsr(saved); }
#endif
};

inline float sanitizeSample(float x) noexcept {
    if (!std::isfinite(x)) return 0.f;
    return std::clamp(x, -64.f, 64.f);
}

constexpr int kNumStepChoices = int(sizeof(kStepChoices) / sizeof(kStepChoices[0]));

int stepFromChoice(float v) noexcept {
    const float c = std::isfinite(v) ? std::clamp(v, 0.f, float(kNumStepChoices - 1)) : 2.f;
    return kStepChoices[int(std::lround(c))];
}

/** Multiply-adds per unit and step of each cell kind (per integrator stage for the two
    integrating kinds), including the engine's finiteness scan of its compartments. */
double cellOpsPerUnit(const PatchNode& n) {
    auto stages = [&]() {
        const auto it = n.params.find("integration_type");
        if (it == n.params.end() || it->second.type != ParamValue::Type::string) return 1.0;
        const auto& t = it->second.text;
        return t == "rk4" ? 4.0 : (t == "midpoint" || t == "rk2") ? 2.0 : 1.0;
    };
    switch (n.kind) {
        case NodeKind::RateCell: return 40.0 * stages() + 20.0;
        case NodeKind::LeakyNoiseCell: return 50.0 * stages() + 20.0;
        case NodeKind::BernoulliErrorCell: return 40.0;
        default: return 20.0;
    }
}

double unitsOf(const PatchNode& n) {
    const auto it = n.params.find("n_units");
    return it != n.params.end() && it->second.type == ParamValue::Type::number ? std::max(1.0, it->second.number) : 1.0;
}

struct RtWire {
    const float* src = nullptr;   // live source
    int srcRows = 1, srcCols = 1;
    float* dst = nullptr;
    int dstRows = 1, dstCols = 1;
    float gain = 1.f;
    std::vector<float> W;         // [dstCols][srcCols] or empty
    std::vector<float> bias;      // dstCols or empty
    bool delay = false;
    std::vector<float> delayed;   // delay: the source at the end of the last step
};

struct Driven {
    float* data;
    int size;
};

struct RtNode {
    NodeKind kind;
    std::string id;
    Cell<float>* cell = nullptr;
    std::vector<int> wires;       // incoming wire indices
    std::vector<Driven> driven;   // input compartments driven by wires (zeroed each step)
    bool rewardUndriven = false;
};

struct Biquads {
    // RBJ band-pass (0 dB peak): b1 = 0, b2 = -b0.
    float b0[kTelemetryMaxBands] = {}, a1[kTelemetryMaxBands] = {}, a2[kTelemetryMaxBands] = {};
};

} // namespace

class EngineImpl {
public:
    EngineConfig cfg;
    Patch patch;
    PatchInfo info;
    int C = 1;
    int N = 16;                       // bands
    int M = 16;                       // AudioIn samples
    std::vector<std::unique_ptr<Cell<float>>> cells;
    std::vector<RtNode> nodes;
    std::vector<int> order;           // cell nodes, topological
    std::vector<RtWire> wires;
    int outNode = -1, inNode = -1;

    // AudioIn / AudioOut compartments, [C][..] row-major
    std::vector<float> bands, level, samples, bandGains, gain, noise;
    bool noiseDriven = false;

    Biquads bank;
    float bankNorm = 1.f;
    std::vector<float> s1, s2;        // analysis states [C][32]
    std::vector<float> n1, n2;        // noise bank states [C][32]
    std::vector<std::uint32_t> noiseRng;
    std::vector<float> bandSig;       // [C][kMaxStepSamples][N]
    std::vector<float> gSmooth, nSmooth, bSmooth; // [C][N], [C][N], [C]
    std::vector<float> tgtGains, tgtNoise;        // [C][N]
    float smoothA = 1.f;

    // FIFOs
    std::vector<float> inBuf, outBuf; // [C][kMaxStepSamples]
    int S = 64, fill = 0;

    // controls
    HostControls controls;
    int desiredS = 64;
    float mixSmooth = 1.f, outGainSmooth = 1.f;
    std::vector<float> mixSeq, gainSeq;
    float heldEventReward = 0.f;
    bool lastResetToggle = false;
    std::vector<float> lastBindingHost;

    ControlEvent events[kMaxControlEvents];
    int numEvents = 0;

    std::uint64_t steps = 0;
    // telemetry
    static constexpr int kFifo = 16;
    Telemetry fifo[kFifo];
    std::atomic<int> head{0}, tail{0};
    int telemetryInterval = 1600, sinceTelemetry = 0;
    float cpuLoad = 0.f;

    float dtMs() const noexcept {
        const float ts = std::isfinite(controls[HostParam::timeScale]) ? std::clamp(controls[HostParam::timeScale], 0.01f, 100.f) : 1.f;
        return float(double(S) / cfg.sampleRate * 1000.0) * ts;
    }

    void build(const Patch& p, const EngineConfig& c, const HostControls& initial);
    int minS = 16;                    // smallest step within the real-time budget
    void designBank();
    void applyBindings() noexcept;
    void applyEvent(const ControlEvent& e) noexcept;
    void runStep() noexcept;
    void analyse() noexcept;
    void synthesise() noexcept;
    void pushTelemetry() noexcept;
    void resetAll() noexcept;
    void setDefaults() noexcept;
    float* ioComp(int node, const std::string& name, int& cols) noexcept;
};

float* EngineImpl::ioComp(int node, const std::string& name, int& cols) noexcept {
    const auto kind = nodes[size_t(node)].kind;
    if (kind == NodeKind::AudioIn) {
        if (name == "bands") { cols = N; return bands.data(); }
        if (name == "level") { cols = 1; return level.data(); }
        if (name == "samples") { cols = M; return samples.data(); }
    } else if (kind == NodeKind::AudioOut) {
        if (name == "bandGains") { cols = N; return bandGains.data(); }
        if (name == "gain") { cols = 1; return gain.data(); }
        if (name == "noise") { cols = N; return noise.data(); }
    }
    cols = 0;
    return nullptr;
}

void EngineImpl::designBank() {
    const auto& ap = patch.nodes[size_t(patch.audioIn)].audioIn;
    const double fs = cfg.sampleRate;
    const double hi = std::min(ap.maxHz, 0.45 * fs);
    const double lo = std::min(ap.minHz, hi * 0.5);
    const double r = N > 1 ? std::pow(hi / lo, 1.0 / (N - 1)) : 1.0;
    const double Q = N > 1 ? std::sqrt(r) / (r - 1.0) : 0.7071;
    std::vector<double> fc(static_cast<size_t>(N), 0.0);
    for (int k = 0; k < N; ++k) {
        fc[size_t(k)] = N > 1 ? lo * std::pow(r, k) : std::sqrt(lo * hi);
        const double w0 = 2.0 * M_PI * fc[size_t(k)] / fs;
        const double alpha = std::sin(w0) / (2.0 * Q);
        const double a0 = 1.0 + alpha;
        bank.b0[k] = float(alpha / a0);
        bank.a1[k] = float(-2.0 * std::cos(w0) / a0);
        bank.a2[k] = float((1.0 - alpha) / a0);
    }
    // Normalise the sum of all bands to 0 dB on average (in dB) over the covered range.
    double sumDb = 0;
    const int probes = 200;
    const double flo = N > 1 ? fc.front() : lo, fhi = N > 1 ? fc.back() : hi;
    for (int i = 0; i < probes; ++i) {
        const double f = flo * std::pow(fhi / flo, double(i) / (probes - 1));
        const std::complex<double> z1 = std::polar(1.0, -2.0 * M_PI * f / fs);
        std::complex<double> h = 0;
        for (int k = 0; k < N; ++k) {
            const std::complex<double> z2 = z1 * z1;
            h += double(bank.b0[k]) * (1.0 - z2) / (1.0 + double(bank.a1[k]) * z1 + double(bank.a2[k]) * z2);
        }
        sumDb += 20.0 * std::log10(std::max(std::abs(h), 1e-9));
    }
    bankNorm = float(std::pow(10.0, -(sumDb / probes) / 20.0));
}

namespace {

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

void checkConfig(const Patch& p, const EngineConfig& c) {
    if (!(c.sampleRate >= kMinSampleRate && c.sampleRate <= kMaxSampleRate))
        throw ConfigError("sampleRate", "the engine runs at 1000..1536000 Hz, not at " + number(c.sampleRate) + " Hz");
    if (c.numChannels < 1 || c.numChannels > kMaxEngineChannels)
        throw ConfigError("numChannels", "must be in 1.." + std::to_string(kMaxEngineChannels));
    if (p.audioIn < 0 || p.audioOut < 0 || size_t(p.audioIn) >= p.nodes.size() || size_t(p.audioOut) >= p.nodes.size())
        throw PatchError(std::vector<PatchIssue>{{"/nodes", "needs one AudioIn and one AudioOut"}});
}

std::string percent(double share) {
    char buf[32];
    std::snprintf(buf, sizeof buf, share < 0.1 ? "%.2f%%" : "%.0f%%", share * 100.0);
    return buf;
}

} // namespace

CostEstimate Engine::estimate(const Patch& p, const EngineConfig& c, int S) {
    checkConfig(p, c);
    S = std::clamp(S, 1, kMaxStepSamples);
    const double C = c.numChannels, fs = c.sampleRate, stepsPerSecond = fs / S;
    const double N = p.nodes[size_t(p.audioIn)].audioIn.bands, M = p.nodes[size_t(p.audioIn)].audioIn.samples;
    CostEstimate e;
    auto share = [&](double opsPerSample, double opsPerStep) {
        return (opsPerSample * fs + opsPerStep * stepsPerSecond) / limits::kOpsPerSecond;
    };
    bool noise = false;
    for (const auto& w : p.wires)
        if (w.toNode == p.audioOut && w.toComp == "noise") noise = true;
    // filterbank: analysis (5), synthesis (3) and, when driven, the noise bank (8) per band,
    // plus per-sample bookkeeping; per step the band energies (a log each) and samples
    e.parts.push_back({"/nodes/" + std::to_string(p.audioIn), "the filterbank (" + std::to_string(int(N)) + " bands" + (noise ? ", noise" : "") + ")",
                       share(C * (N * (8.0 + (noise ? 8.0 : 0.0)) + 16.0), C * (N * 30.0 + M + 30.0))});
    std::int64_t bytes = std::int64_t(C) * (std::int64_t(kMaxStepSamples) * (std::int64_t(N) + 4) + 8 * std::int64_t(N) + 64) * 4;
    for (size_t i = 0; i < p.nodes.size(); ++i) {
        const auto& n = p.nodes[i];
        if (!isCellKind(n.kind)) continue;
        const double units = unitsOf(n);
        // every cell has at most 24 compartments of [batch][units] (float)
        bytes += std::int64_t(24.0 * units * C * 4.0);
        std::string what = "node '" + n.id + "' (" + std::string(kNodeKindNames[int(n.kind)]) + ", " + std::to_string(std::int64_t(units)) + " units)";
        e.parts.push_back({"/nodes/" + std::to_string(i), what, share(0.0, units * C * cellOpsPerUnit(n))});
    }
    for (size_t i = 0; i < p.wires.size(); ++i) {
        const auto& w = p.wires[i];
        const double rows = (w.toNode == p.audioIn || w.toNode == p.audioOut || isCellKind(p.nodes[size_t(w.toNode)].kind)) ? C : 1.0;
        const double dst = w.wRows > 0 ? w.wRows : 1.0, src = w.wCols > 0 ? w.wCols : 1.0;
        const double ops = !w.weights.empty() ? rows * (double(w.weights.size()) * 2.0 + dst) : rows * 64.0;
        bytes += std::int64_t(w.weights.size() + w.bias.size()) * 4 + (w.delay ? std::int64_t(C * 4096.0 * 4.0) : 0);
        std::string what = "wire " + (w.id.empty() ? std::string() : "'" + w.id + "' ") + "(" + p.nodes[size_t(w.fromNode)].id + "." + w.fromComp
                           + " -> " + p.nodes[size_t(w.toNode)].id + "." + w.toComp
                           + (w.weights.empty() ? std::string() : ", " + std::to_string(std::int64_t(dst)) + " x " + std::to_string(std::int64_t(src)) + " weights") + ")";
        e.parts.push_back({"/wires/" + std::to_string(i), what, share(0.0, ops)});
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

namespace {

/** Throws PatchError when running `p` at step S is over the memory or real-time budget. */
void checkBudget(const Patch& p, const EngineConfig& c, int S) {
    const CostEstimate e = Engine::estimate(p, c, S);
    std::vector<PatchIssue> issues;
    if (e.bytes > limits::kMaxEngineBytes) {
        issues.push_back({"", "needs about " + std::to_string(e.bytes >> 20) + " MiB of state for " + std::to_string(c.numChannels)
                                  + " channels; the limit is " + std::to_string(limits::kMaxEngineBytes >> 20) + " MiB"});
    }
    if (e.coreShare > limits::kMaxCoreShare) {
        const std::string total = "the patch would take about " + percent(e.coreShare) + " of one core at " + number(c.sampleRate)
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

} // namespace

void EngineImpl::build(const Patch& p, const EngineConfig& c, const HostControls& initial) {
    checkConfig(p, c);
    controls = initial;
    minS = Engine::minimumStep(p, c);
    // (when no step fits, the error is given for the largest)
    checkBudget(p, c, minS > 0 ? std::max(minS, stepFromChoice(controls[HostParam::step])) : kMaxStepSamples);
    cfg = c;
    patch = p;
    C = c.numChannels;
    N = p.nodes[size_t(p.audioIn)].audioIn.bands;
    M = p.nodes[size_t(p.audioIn)].audioIn.samples;
    inNode = p.audioIn;
    outNode = p.audioOut;

    bands.assign(size_t(C * N), 0.f);
    level.assign(size_t(C), 0.f);
    samples.assign(size_t(C * M), 0.f);
    bandGains.assign(size_t(C * N), 0.f);
    gain.assign(size_t(C), 1.f);
    noise.assign(size_t(C * N), 0.f);

    // nodes and cells
    info.name = p.name;
    info.description = p.description;
    for (size_t i = 0; i < p.nodes.size(); ++i) {
        const auto& pn = p.nodes[i];
        RtNode n;
        n.kind = pn.kind;
        n.id = pn.id;
        PatchInfo::Node in{pn.id, pn.kind, std::string(kNodeKindNames[int(pn.kind)]), {}};
        if (isCellKind(pn.kind)) {
            ParamMap m = pn.params;
            m["batch_size"] = ParamValue::num(C);
            cells.push_back(makeCell<float>(static_cast<CellKind>(pn.kind), m));
            n.cell = cells.back().get();
            for (const auto& comp : n.cell->compartments()) in.compartments.emplace_back(comp.name);
        } else {
            for (const auto& cs : detail::nodeCompartments(pn)) in.compartments.push_back(cs.name);
        }
        info.nodes.push_back(std::move(in));
        nodes.push_back(std::move(n));
    }
    auto resolve = [&](int node, const std::string& name, int& rows, int& cols) -> float* {
        auto& n = nodes[size_t(node)];
        if (n.cell) {
            if (auto* comp = n.cell->findCompartment(name)) {
                rows = comp->rows;
                cols = comp->cols;
                return comp->data;
            }
            return nullptr;
        }
        rows = C;
        return ioComp(node, name, cols);
    };
    for (size_t i = 0; i < p.wires.size(); ++i) {
        const auto& pw = p.wires[i];
        RtWire w;
        float* src = resolve(pw.fromNode, pw.fromComp, w.srcRows, w.srcCols);
        w.dst = resolve(pw.toNode, pw.toComp, w.dstRows, w.dstCols);
        if (!src || !w.dst) throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i), "unresolved compartment"}});
        w.src = src;
        w.gain = pw.gain;
        w.W = pw.weights;
        if (!w.W.empty() && (pw.wRows != w.dstCols || pw.wCols != w.srcCols
                             || w.W.size() != size_t(w.dstCols) * size_t(w.srcCols)))
            throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i) + "/weights", "size mismatch"}});
        if (w.W.empty() && w.srcCols != w.dstCols && w.srcCols != 1)
            throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i), "size mismatch"}});
        if (w.srcRows != 1 && w.srcRows != w.dstRows)
            throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i), "row mismatch"}});
        if (!pw.bias.empty() && pw.bias.size() != size_t(w.dstCols))
            throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i) + "/bias", "size mismatch"}});
        if (w.srcRows != 1 && w.srcRows != C)
            throw PatchError(std::vector<PatchIssue>{{"/wires/" + std::to_string(i), "row mismatch"}});
        w.bias = pw.bias;
        w.delay = pw.delay;
        if (w.delay) w.delayed.assign(size_t(w.srcRows * w.srcCols), 0.f);
        auto& dn = nodes[size_t(pw.toNode)];
        dn.wires.push_back(int(i));
        const bool seen = std::any_of(dn.driven.begin(), dn.driven.end(), [&](const Driven& d) { return d.data == w.dst; });
        if (!seen) dn.driven.push_back({w.dst, w.dstRows * w.dstCols});
        if (pw.toNode == outNode && pw.toComp == "noise") noiseDriven = true;
        info.wires.push_back({pw.fromNode, pw.toNode, pw.fromComp, pw.toComp, pw.delay});
        wires.push_back(std::move(w));
    }
    for (auto& n : nodes)
        if (n.kind == NodeKind::RewardErrorCell) {
            auto* rc = static_cast<RewardErrorCell<float>*>(n.cell);
            n.rewardUndriven = std::none_of(n.driven.begin(), n.driven.end(), [&](const Driven& d) { return d.data == rc->reward.data(); });
        }
    // topological order over undelayed wires (validated acyclic at load)
    {
        const size_t NN = nodes.size();
        std::vector<int> indeg(NN, 0);
        for (size_t i = 0; i < p.wires.size(); ++i)
            if (!p.wires[i].delay) ++indeg[size_t(p.wires[i].toNode)];
        const auto out = detail::outgoingWires(p);
        std::vector<int> q;
        for (size_t n = 0; n < NN; ++n) if (indeg[n] == 0) q.push_back(int(n));
        std::vector<int> topo;
        for (size_t h = 0; h < q.size(); ++h) {
            const int n = q[h];
            topo.push_back(n);
            for (const int wi : out[size_t(n)])
                if (--indeg[size_t(p.wires[size_t(wi)].toNode)] == 0) q.push_back(p.wires[size_t(wi)].toNode);
        }
        if (topo.size() != NN) throw PatchError(std::vector<PatchIssue>{{"/wires", "cycle without a delay"}});
        order = topo;
    }

    designBank();
    s1.assign(size_t(C * kTelemetryMaxBands), 0.f);
    s2 = s1;
    n1 = s1;
    n2 = s1;
    noiseRng.assign(size_t(C), 0u);
    bandSig.assign(size_t(C) * kMaxStepSamples * size_t(N), 0.f);
    gSmooth.assign(size_t(C * N), 0.f);
    nSmooth = gSmooth;
    tgtGains = gSmooth;
    tgtNoise = gSmooth;
    bSmooth.assign(size_t(C), 1.f);
    inBuf.assign(size_t(C * kMaxStepSamples), 0.f);
    outBuf = inBuf;
    mixSeq.assign(kMaxStepSamples, 0.f);
    gainSeq = mixSeq;
    lastBindingHost.assign(p.bindings.size(), std::numeric_limits<float>::quiet_NaN());
    const double smoothMs = p.nodes[size_t(outNode)].audioOut.smoothMs;
    smoothA = smoothMs <= 0 ? 1.f : float(1.0 - std::exp(-1.0 / (smoothMs * 1e-3 * cfg.sampleRate)));
    telemetryInterval = std::max(1, int(cfg.sampleRate / 30.0));
    S = desiredS = std::max(minS, stepFromChoice(controls[HostParam::step]));
    resetAll();
}

void EngineImpl::setDefaults() noexcept {
    const auto& op = patch.nodes[size_t(outNode)].audioOut;
    std::fill(bandGains.begin(), bandGains.end(), float(op.bandGainDefault));
    std::fill(gain.begin(), gain.end(), 1.f);
    std::fill(noise.begin(), noise.end(), 0.f);
}

void EngineImpl::resetAll() noexcept {
    for (auto& c : cells) c->reset();
    for (auto& w : wires) std::fill(w.delayed.begin(), w.delayed.end(), 0.f);
    std::fill(bands.begin(), bands.end(), 0.f);
    std::fill(level.begin(), level.end(), 0.f);
    std::fill(samples.begin(), samples.end(), 0.f);
    setDefaults();
    for (auto* v : {&s1, &s2, &n1, &n2, &gSmooth, &nSmooth, &inBuf, &outBuf}) std::fill(v->begin(), v->end(), 0.f);
    std::fill(bSmooth.begin(), bSmooth.end(), 1.f);
    for (int c = 0; c < C; ++c) noiseRng[size_t(c)] = 0x9e3779b9u ^ std::uint32_t(c * 0x85ebca6bu + 1u);
    fill = 0;
    S = desiredS;
    mixSmooth = std::clamp(controls[HostParam::dryWet], 0.f, 1.f);
    outGainSmooth = std::pow(10.f, std::clamp(controls[HostParam::outputGain], -96.f, 24.f) / 20.f);
    heldEventReward = 0.f;
    numEvents = 0;
    steps = 0;
    std::fill(lastBindingHost.begin(), lastBindingHost.end(), std::numeric_limits<float>::quiet_NaN());
    // Cells that a binding tunes start from the bound values.
}

void EngineImpl::applyBindings() noexcept {
    for (size_t i = 0; i < patch.bindings.size(); ++i) {
        const auto& b = patch.bindings[i];
        const float hv = controls[b.param];
        if (!std::isfinite(hv) || hv == lastBindingHost[i]) continue;
        lastBindingHost[i] = hv;
        const auto& info = hostParamInfo(b.param);
        const double v = detail::bindingValue(b, std::clamp(hv, info.min, info.max));
        if (!std::isfinite(v)) continue;
        // Fields were resolved when the patch loaded: no name is compared here.
        if (b.target == BindField::wireGain || b.target == BindField::wireBias) {
            auto& w = wires[size_t(b.wire)];
            if (b.target == BindField::wireGain) w.gain = float(v);
            else std::fill(w.bias.begin(), w.bias.end(), float(v));
            continue;
        }
        auto& n = nodes[size_t(b.node)];
        const int idx = int(std::lround(v));
        switch (n.kind) {
            case NodeKind::RateCell: {
                auto* c = static_cast<RateCell<float>*>(n.cell);
                auto p = c->params();
                switch (b.target) {
                    case BindField::tauM: p.tauM = v; break;
                    case BindField::prior: p.prior = Prior(std::clamp(idx, 0, kNumPriors - 1)); break;
                    case BindField::priorGamma: p.priorGamma = v; break;
                    case BindField::act: p.act = Activation(std::clamp(idx, 0, kNumActivations - 1)); break;
                    case BindField::integrator: p.integrator = Integrator(std::clamp(idx, 0, 2)); break;
                    case BindField::outputScale: p.outputScale = v; break;
                    case BindField::resistScale: p.resistScale = v; break;
                    case BindField::threshold: p.threshold = Threshold(std::clamp(idx, 0, 2)); break;
                    case BindField::thresholdLambda: p.thresholdLambda = std::max(v, 0.0); break;
                    default: break;
                }
                c->setParams(p);
                break;
            }
            case NodeKind::LeakyNoiseCell: {
                auto* c = static_cast<LeakyNoiseCell<float>*>(n.cell);
                auto p = c->params();
                switch (b.target) {
                    case BindField::tauX: p.tauX = std::max(v, 1e-3); break;
                    case BindField::sigmaRec: p.sigmaRec = std::max(v, 0.0); break;
                    case BindField::sigmaPost: p.sigmaPost = std::max(v, 0.0); break;
                    case BindField::leakScale: p.leakScale = v; break;
                    case BindField::act: p.act = Activation(std::clamp(idx, 0, kNumActivations - 1)); break;
                    case BindField::integrator: p.integrator = Integrator(std::clamp(idx, 0, 2)); break;
                    default: break;
                }
                c->setParams(p);
                break;
            }
            case NodeKind::RewardErrorCell: {
                auto* c = static_cast<RewardErrorCell<float>*>(n.cell);
                auto p = c->params();
                if (b.target == BindField::alpha) p.alpha = v;
                else if (b.target == BindField::emaWindowLen) p.emaWindowLen = std::max(1, idx);
                c->setParams(p);
                break;
            }
            case NodeKind::GaussianErrorCell:
                static_cast<GaussianErrorCell<float>*>(n.cell)->Sigma(0) = float(std::max(v, 1e-6));
                break;
            case NodeKind::LaplacianErrorCell:
                static_cast<LaplacianErrorCell<float>*>(n.cell)->Scale(0) = float(std::max(v, 1e-6));
                break;
            default: break;
        }
    }
}

void EngineImpl::applyEvent(const ControlEvent& e) noexcept {
    switch (e.type) {
        case ControlEvent::reward:
            if (std::isfinite(e.value)) heldEventReward = e.value;
            break;
        case ControlEvent::endEpisode:
            for (auto& c : cells) c->evolve(dtMs());
            break;
        case ControlEvent::resetCells:
            for (auto& c : cells) c->reset();
            for (auto& w : wires) std::fill(w.delayed.begin(), w.delayed.end(), 0.f);
            setDefaults();
            break;
    }
}

void EngineImpl::analyse() noexcept {
    const auto& ap = patch.nodes[size_t(inNode)].audioIn;
    const float invS = 1.f / float(S);
    float energy[kTelemetryMaxBands];
    for (int c = 0; c < C; ++c) {
        const float* x = &inBuf[size_t(c * kMaxStepSamples)];
        float* st1 = &s1[size_t(c * kTelemetryMaxBands)];
        float* st2 = &s2[size_t(c * kTelemetryMaxBands)];
        float* sig = &bandSig[size_t(c) * kMaxStepSamples * size_t(N)];
        std::fill(energy, energy + N, 0.f);
        float sq = 0.f;
        for (int t = 0; t < S; ++t) {
            const float xi = x[t];
            sq += xi * xi;
            float* y = sig + size_t(t * N);
            for (int k = 0; k < N; ++k) {
                const float yk = bank.b0[k] * xi + st1[k];
                st1[k] = -bank.a1[k] * yk + st2[k];
                st2[k] = -bank.b0[k] * xi - bank.a2[k] * yk;
                y[k] = yk;
                energy[k] += yk * yk;
            }
        }
        for (int k = 0; k < N; ++k) {
            if (!std::isfinite(st1[k]) || !std::isfinite(st2[k])) st1[k] = st2[k] = 0.f;
            const float e = energy[k] * invS;
            float v = ap.compressDb ? std::max(0.f, (10.f * std::log10(e + 1e-10f) + 100.f) * 0.01f) : e;
            if (!std::isfinite(v)) v = 0.f;
            bands[size_t(c * N + k)] = std::min(v, 1e6f);
        }
        const float ms = sq * invS;
        float lv = ap.compressDb ? std::max(0.f, (10.f * std::log10(ms + 1e-10f) + 100.f) * 0.01f) : std::sqrt(ms);
        level[size_t(c)] = std::isfinite(lv) ? lv : 0.f;
        const int seg = std::max(1, S / M);
        for (int m = 0; m < M; ++m) {
            float a = 0.f;
            for (int t = m * seg; t < std::min(S, (m + 1) * seg); ++t) a += x[t];
            samples[size_t(c * M + m)] = a / float(seg);
        }
    }
}

void EngineImpl::synthesise() noexcept {
    const auto& op = patch.nodes[size_t(outNode)].audioOut;
    // targets (sanitised, clamped)
    for (int i = 0; i < C * N; ++i) {
        float g = bandGains[size_t(i)];
        if (!std::isfinite(g)) g = op.gainsDb ? float(op.minDb) : 0.f;
        float lin = op.gainsDb ? std::pow(10.f, std::clamp(g, float(op.minDb), float(op.maxDb)) * 0.05f)
                               : std::clamp(g, 0.f, float(op.maxGain));
        tgtGains[size_t(i)] = lin * bankNorm;
        float nz = noise[size_t(i)];
        tgtNoise[size_t(i)] = std::isfinite(nz) ? std::clamp(nz, 0.f, float(op.maxNoise)) * bankNorm : 0.f;
    }
    // host mix and output gain, smoothed per sample (the same for every channel)
    const float mixT = std::isfinite(controls[HostParam::dryWet]) ? std::clamp(controls[HostParam::dryWet], 0.f, 1.f) : 1.f;
    const float ogDb = std::isfinite(controls[HostParam::outputGain]) ? std::clamp(controls[HostParam::outputGain], -96.f, 24.f) : 0.f;
    const float ogT = std::pow(10.f, ogDb / 20.f);
    const float a = smoothA;
    for (int t = 0; t < S; ++t) {
        mixSmooth += (mixT - mixSmooth) * a;
        outGainSmooth += (ogT - outGainSmooth) * a;
        mixSeq[size_t(t)] = mixSmooth;
        gainSeq[size_t(t)] = outGainSmooth;
    }
    for (int c = 0; c < C; ++c) {
        float* g = &gSmooth[size_t(c * N)];
        const float* tg = &tgtGains[size_t(c * N)];
        float* ng = &nSmooth[size_t(c * N)];
        const float* tn = &tgtNoise[size_t(c * N)];
        float* ns1 = &n1[size_t(c * kTelemetryMaxBands)];
        float* ns2 = &n2[size_t(c * kTelemetryMaxBands)];
        const float* sig = &bandSig[size_t(c) * kMaxStepSamples * size_t(N)];
        const float* dry = &inBuf[size_t(c * kMaxStepSamples)];
        float* out = &outBuf[size_t(c * kMaxStepSamples)];
        float bg = gain[size_t(c)];
        bg = std::isfinite(bg) ? std::clamp(bg, 0.f, float(op.maxGain)) : 0.f;
        float& bs = bSmooth[size_t(c)];
        std::uint32_t rng = noiseRng[size_t(c)];
        for (int t = 0; t < S; ++t) {
            const float* y = sig + size_t(t * N);
            float wet = 0.f;
            for (int k = 0; k < N; ++k) {
                g[k] += (tg[k] - g[k]) * a;
                wet += g[k] * y[k];
            }
            if (noiseDriven) {
                rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
                const float wn = (float(rng) * (2.f / 4294967296.f) - 1.f) * 1.7320508f;
                for (int k = 0; k < N; ++k) {
                    const float yk = bank.b0[k] * wn + ns1[k];
                    ns1[k] = -bank.a1[k] * yk + ns2[k];
                    ns2[k] = -bank.b0[k] * wn - bank.a2[k] * yk;
                    ng[k] += (tn[k] - ng[k]) * a;
                    wet += ng[k] * yk;
                }
            }
            bs += (bg - bs) * a;
            wet *= bs;
            const float m = mixSeq[size_t(t)];
            float o = (dry[t] * (1.f - m) + wet * m) * gainSeq[size_t(t)];
            if (!std::isfinite(o) || std::fabs(o) < 1e-30f) o = 0.f;
            out[t] = std::clamp(o, -limits::kOutputCeiling, limits::kOutputCeiling);
        }
        noiseRng[size_t(c)] = rng;
        for (int k = 0; k < N; ++k)
            if (!std::isfinite(ns1[k]) || !std::isfinite(ns2[k]) || !std::isfinite(g[k]) || !std::isfinite(ng[k]))
                ns1[k] = ns2[k] = g[k] = ng[k] = 0.f;
        if (!std::isfinite(bs)) bs = 0.f;
    }
    // the outputs of a zero input decay toward subnormals: keep the smoothers clean
    if (std::fabs(mixSmooth - mixT) < 1e-7f) mixSmooth = mixT;
    if (std::fabs(outGainSmooth - ogT) < 1e-7f) outGainSmooth = ogT;
}

void EngineImpl::runStep() noexcept {
    const bool resetToggle = controls[HostParam::reset] >= 0.5f;
    if (resetToggle && !lastResetToggle) applyEvent({0, ControlEvent::resetCells, 0.f});
    lastResetToggle = resetToggle;
    applyBindings();
    analyse();
    const float dt = dtMs();
    const float hostReward = std::isfinite(controls[HostParam::reward]) ? controls[HostParam::reward] : 0.f;
    for (int ni : order) {
        auto& n = nodes[size_t(ni)];
        if (n.kind == NodeKind::AudioIn) continue;
        for (const auto& d : n.driven) std::fill(d.data, d.data + d.size, 0.f);
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
        if (n.rewardUndriven) {
            auto* rc = static_cast<RewardErrorCell<float>*>(n.cell);
            rc->reward.setConstant(hostReward + heldEventReward);
        }
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
    for (auto& w : wires)
        if (w.delay) std::copy(w.src, w.src + w.delayed.size(), w.delayed.begin());
    synthesise();
    ++steps;
    sinceTelemetry += S;
    if (sinceTelemetry >= telemetryInterval) {
        sinceTelemetry = 0;
        pushTelemetry();
    }
}

void EngineImpl::pushTelemetry() noexcept {
    const int h = head.load(std::memory_order_relaxed);
    const int next = (h + 1) % kFifo;
    if (next == tail.load(std::memory_order_acquire)) return; // GUI not reading: drop
    Telemetry& t = fifo[h];
    t.step = steps;
    t.cpuLoad = cpuLoad;
    t.numBands = std::min(N, kTelemetryMaxBands);
    for (int k = 0; k < t.numBands; ++k) t.bandEnergy[k] = bands[size_t(k)];
    t.numNodes = std::min(int(nodes.size()), kTelemetryMaxNodes);
    for (int i = 0; i < t.numNodes; ++i) {
        const auto& n = nodes[size_t(i)];
        auto& tn = t.nodes[i];
        tn.kind = n.kind;
        std::memset(tn.id, 0, sizeof(tn.id));
        std::memcpy(tn.id, n.id.data(), std::min(n.id.size(), size_t(kTelemetryIdLen - 1)));
        const float* vals = nullptr;
        const float* vals2 = nullptr;
        int cols = 0;
        tn.L = 0.f;
        tn.extra = 0.f;
        switch (n.kind) {
            case NodeKind::RateCell: { auto* c = static_cast<RateCell<float>*>(n.cell); vals = c->zF.data(); vals2 = c->z.data(); cols = c->nUnits(); break; }
            case NodeKind::GaussianErrorCell: { auto* c = static_cast<GaussianErrorCell<float>*>(n.cell); vals = c->dmu.data(); cols = c->nUnits(); tn.L = c->L(0); break; }
            case NodeKind::LaplacianErrorCell: { auto* c = static_cast<LaplacianErrorCell<float>*>(n.cell); vals = c->dshift.data(); cols = c->nUnits(); tn.L = c->L(0); break; }
            case NodeKind::BernoulliErrorCell: { auto* c = static_cast<BernoulliErrorCell<float>*>(n.cell); vals = c->dp.data(); cols = c->nUnits(); tn.L = c->L(0); break; }
            case NodeKind::LeakyNoiseCell: { auto* c = static_cast<LeakyNoiseCell<float>*>(n.cell); vals = c->r.data(); vals2 = c->x.data(); cols = c->nUnits(); break; }
            case NodeKind::RewardErrorCell: { auto* c = static_cast<RewardErrorCell<float>*>(n.cell); vals = c->rpe.data(); cols = c->nUnits(); tn.extra = c->mu(0); break; }
            case NodeKind::AudioIn: vals = bands.data(); cols = N; break;
            case NodeKind::AudioOut: vals = bandGains.data(); cols = N; break;
        }
        tn.numValues = std::min(cols, kTelemetryMaxValues);
        for (int k = 0; k < tn.numValues; ++k) tn.values[k] = vals[k];
        tn.numValues2 = vals2 ? tn.numValues : 0;
        for (int k = 0; k < tn.numValues2; ++k) tn.values2[k] = vals2[k];
    }
    head.store(next, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------

Engine::Engine() : impl_(std::make_unique<EngineImpl>()) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::create(const Patch& patch, const EngineConfig& config, const HostControls& controls) {
    std::unique_ptr<Engine> e(new Engine());
    e->impl_->build(patch, config, controls);
    return e;
}

void Engine::setControls(const HostControls& c) noexcept {
    impl_->controls = c;
    impl_->desiredS = std::max(impl_->minS, stepFromChoice(c[HostParam::step]));
}

void Engine::addEvent(const ControlEvent& e) noexcept {
    auto& m = *impl_;
    if (m.numEvents >= kMaxControlEvents) return;
    ControlEvent ev = e;
    ev.sampleOffset = std::max(0, ev.sampleOffset);
    int i = m.numEvents++;
    while (i > 0 && m.events[i - 1].sampleOffset > ev.sampleOffset) { // stable, sorted by offset
        m.events[i] = m.events[i - 1];
        --i;
    }
    m.events[i] = ev;
}

void Engine::process(float* const* channels, int numChannels, int numSamples) noexcept {
    auto& m = *impl_;
    if (numSamples <= 0) return;
    DenormalGuard guard;
    const auto t0 = std::chrono::steady_clock::now();
    const int nc = std::clamp(numChannels, 0, m.C);
    int pos = 0;
    int ev = 0;
    while (pos < numSamples) {
        if (m.fill == 0 && m.desiredS != m.S) {
            // step change at a step boundary: output positions the old step did not fill are silent
            for (int c = 0; c < m.C; ++c)
                std::fill(&m.outBuf[size_t(c * kMaxStepSamples + m.S)], &m.outBuf[size_t(c * kMaxStepSamples)] + kMaxStepSamples, 0.f);
            m.S = m.desiredS;
        }
        const int n = std::min(m.S - m.fill, numSamples - pos);
        for (int c = 0; c < m.C; ++c) {
            float* in = &m.inBuf[size_t(c * kMaxStepSamples + m.fill)];
            const float* ob = &m.outBuf[size_t(c * kMaxStepSamples + m.fill)];
            if (c < nc && channels[c]) {
                float* x = channels[c] + pos;
                for (int t = 0; t < n; ++t) {
                    const float v = sanitizeSample(x[t]);
                    x[t] = ob[t];
                    in[t] = v;
                }
            } else {
                std::fill(in, in + n, 0.f);
            }
        }
        m.fill += n;
        pos += n;
        if (m.fill == m.S) {
            while (ev < m.numEvents && m.events[ev].sampleOffset < pos) m.applyEvent(m.events[ev++]);
            m.runStep();
            m.fill = 0;
        }
    }
    // events not reached yet move to the next block
    int k = 0;
    for (int i = ev; i < m.numEvents; ++i) {
        ControlEvent e = m.events[i];
        e.sampleOffset = std::max(0, e.sampleOffset - numSamples);
        m.events[k++] = e;
    }
    m.numEvents = k;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const float load = float(secs * m.cfg.sampleRate / numSamples);
    m.cpuLoad += (load - m.cpuLoad) * 0.1f;
}

void Engine::reset() noexcept {
    DenormalGuard guard;
    impl_->resetAll();
}

int Engine::latencySamples() const noexcept { return impl_->S; }

bool Engine::popTelemetry(Telemetry& out) noexcept {
    auto& m = *impl_;
    const int t = m.tail.load(std::memory_order_relaxed);
    if (t == m.head.load(std::memory_order_acquire)) return false;
    out = m.fifo[t];
    m.tail.store((t + 1) % EngineImpl::kFifo, std::memory_order_release);
    return true;
}

const PatchInfo& Engine::info() const noexcept { return impl_->info; }
const EngineConfig& Engine::config() const noexcept { return impl_->cfg; }
std::uint64_t Engine::stepCount() const noexcept { return impl_->steps; }

std::vector<float> Engine::probe(const std::string& nodeId, const std::string& compartment, int channel) const {
    auto& m = *impl_;
    for (size_t i = 0; i < m.nodes.size(); ++i) {
        auto& n = m.nodes[i];
        if (n.id != nodeId) continue;
        if (n.cell) {
            if (auto* c = n.cell->findCompartment(compartment)) {
                const int r = std::clamp(channel, 0, c->rows - 1);
                return std::vector<float>(c->data + r * c->cols, c->data + (r + 1) * c->cols);
            }
            return {};
        }
        int cols = 0;
        float* d = m.ioComp(int(i), compartment, cols);
        const int r = std::clamp(channel, 0, m.C - 1);
        return d ? std::vector<float>(d + r * cols, d + (r + 1) * cols) : std::vector<float>{};
    }
    return {};
}

} // namespace graded
