// SPDX-License-Identifier: GPL-3.0-or-later
// The engine: wires its parts together (see Engine.h) and owns the host controls.
#include "Engine.h"

#include "Bindings.h"
#include "Cost.h"
#include "Filterbank.h"
#include "Network.h"

#include <algorithm>
#include <chrono>
#include <cmath>

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

PatchInfo infoOf(const Patch& p) {
    PatchInfo info;
    info.name = p.name;
    info.description = p.description;
    for (const auto& n : p.nodes) {
        PatchInfo::Node in{n.id, n.kind, std::string(kNodeKindNames[int(n.kind)]), {}};
        for (const auto& c : nodeSpec(n.kind).compartments) in.compartments.emplace_back(c.name);
        info.nodes.push_back(std::move(in));
    }
    for (const auto& w : p.wires) info.wires.push_back({w.fromNode, w.toNode, w.fromComp, w.toComp, w.delay});
    return info;
}

} // namespace

class EngineImpl {
public:
    EngineConfig cfg;
    Patch patch;
    PatchInfo info;
    Network net;
    Filterbank bank;
    Bindings bindings;
    StepClock clock;
    TelemetryQueue telemetry;

    // the I/O nodes' compartments, [C][..]
    CompartmentView bands, level, samples, bandGains, gain, noise, appliedDb, limitDb;
    bool noiseDriven = false;

    HostControls controls;
    float mixSmooth = 1.f, outGainSmooth = 1.f;
    std::vector<float> mixSeq, gainSeq;
    float heldEventReward = 0.f;
    bool lastResetToggle = false;
    bool lastResetWeightsToggle = false;
    std::uint64_t steps = 0;
    float cpuLoad = 0.f;

    float dtMs() const noexcept {
        const float ts = std::isfinite(controls[HostParam::timeScale]) ? std::clamp(controls[HostParam::timeScale], 0.01f, 100.f) : 1.f;
        return float(double(clock.step()) / cfg.sampleRate * 1000.0) * ts;
    }

    void build(const Patch& p, const EngineConfig& c, const HostControls& initial);
    void applyEvent(const ControlEvent& e) noexcept;
    void runStep() noexcept;
    void mixOut() noexcept;
    void resetAll() noexcept;
    void setDefaults() noexcept;
    /** The learn / learnRate / resetWeights host parameters (resetWeights on its rising edge). */
    void applyLearningControls() noexcept {
        net.setLearning(controls[HostParam::learn] >= 0.5f);
        net.setLearnRateScale(controls[HostParam::learnRate]);
        const bool resetWeights = controls[HostParam::resetWeights] >= 0.5f;
        if (resetWeights && !lastResetWeightsToggle) net.resetWeights();
        lastResetWeightsToggle = resetWeights;
    }
};

void EngineImpl::build(const Patch& p, const EngineConfig& c, const HostControls& initial) {
    checkConfig(p, c);
    controls = initial;
    const int minS = Engine::minimumStep(p, c);
    // (when no step fits, the error is given for the largest)
    checkBudget(p, c, minS > 0 ? std::max(minS, stepFromChoice(controls[HostParam::step])) : kMaxStepSamples);
    cfg = c;
    patch = p;
    info = infoOf(p);
    net.build(p, c.numChannels);
    bands = net.compartment(p.audioIn, "bands");
    level = net.compartment(p.audioIn, "level");
    samples = net.compartment(p.audioIn, "samples");
    bandGains = net.compartment(p.audioOut, "bandGains");
    gain = net.compartment(p.audioOut, "gain");
    noise = net.compartment(p.audioOut, "noise");
    appliedDb = net.compartment(p.audioOut, "appliedDb");
    limitDb = net.compartment(p.audioOut, "limitDb");
    for (const auto& w : p.wires)
        if (w.toNode == p.audioOut && w.toComp == "noise") noiseDriven = true;
    bank.prepare(p.input(), p.output(), cfg.sampleRate, c.numChannels, kMaxStepSamples);
    bindings.prepare(p);
    clock.prepare(c.numChannels, minS, stepFromChoice(controls[HostParam::step]));
    telemetry.prepare(net, p.audioIn, int(cfg.sampleRate / 30.0));
    mixSeq.assign(kMaxStepSamples, 0.f);
    gainSeq = mixSeq;
    resetAll();
    lastResetWeightsToggle = controls[HostParam::resetWeights] >= 0.5f; // a held toggle is no edge
    applyLearningControls();
}

void EngineImpl::setDefaults() noexcept {
    std::fill(bandGains.data, bandGains.data + bandGains.rows * bandGains.cols, float(patch.output().bandGainDefault));
    std::fill(gain.data, gain.data + gain.rows * gain.cols, 1.f);
    std::fill(noise.data, noise.data + noise.rows * noise.cols, 0.f);
    const float g0 = patch.output().gainsDb ? float(patch.output().bandGainDefault)
                                            : 20.f * std::log10(std::max(float(patch.output().bandGainDefault), 1e-6f));
    if (appliedDb.data) std::fill(appliedDb.data, appliedDb.data + appliedDb.rows * appliedDb.cols, g0);
    if (limitDb.data) std::fill(limitDb.data, limitDb.data + limitDb.rows * limitDb.cols, 0.f);
}

void EngineImpl::resetAll() noexcept {
    net.resetCells();
    for (const auto* v : {&bands, &level, &samples}) std::fill(v->data, v->data + v->rows * v->cols, 0.f);
    setDefaults();
    bank.reset();
    clock.reset();
    mixSmooth = std::clamp(controls[HostParam::dryWet], 0.f, 1.f);
    outGainSmooth = std::pow(10.f, std::clamp(controls[HostParam::outputGain], -96.f, 24.f) / 20.f);
    heldEventReward = 0.f;
    steps = 0;
    // Cells that a binding tunes start from the bound values.
    bindings.reset();
}

void EngineImpl::applyEvent(const ControlEvent& e) noexcept {
    switch (e.type) {
        case ControlEvent::reward:
            if (std::isfinite(e.value)) heldEventReward = e.value;
            break;
        case ControlEvent::endEpisode:
            net.evolveCells(dtMs());
            break;
        case ControlEvent::resetCells:
            net.resetCells();
            setDefaults();
            break;
    }
}

void EngineImpl::mixOut() noexcept {
    // host mix and output gain, smoothed per sample (the same for every channel)
    const int S = clock.step();
    const float mixT = std::isfinite(controls[HostParam::dryWet]) ? std::clamp(controls[HostParam::dryWet], 0.f, 1.f) : 1.f;
    const float ogDb = std::isfinite(controls[HostParam::outputGain]) ? std::clamp(controls[HostParam::outputGain], -96.f, 24.f) : 0.f;
    const float ogT = std::pow(10.f, ogDb / 20.f);
    const float a = bank.smoothing();
    for (int t = 0; t < S; ++t) {
        mixSmooth += (mixT - mixSmooth) * a;
        outGainSmooth += (ogT - outGainSmooth) * a;
        mixSeq[size_t(t)] = mixSmooth;
        gainSeq[size_t(t)] = outGainSmooth;
    }
    bank.synthesise(bandGains.data, gain.data, noise.data, noiseDriven, clock.input(), mixSeq.data(), gainSeq.data(),
                    clock.stride(), S, clock.output(), appliedDb.data, limitDb.data);
    // the outputs of a zero input decay toward subnormals: keep the smoothers clean
    if (std::fabs(mixSmooth - mixT) < 1e-7f) mixSmooth = mixT;
    if (std::fabs(outGainSmooth - ogT) < 1e-7f) outGainSmooth = ogT;
}

void EngineImpl::runStep() noexcept {
    const bool resetToggle = controls[HostParam::reset] >= 0.5f;
    if (resetToggle && !lastResetToggle) applyEvent({0, ControlEvent::resetCells, 0.f});
    lastResetToggle = resetToggle;
    bindings.apply(controls, net);
    bank.analyse(clock.input(), clock.stride(), clock.step(), bands.data, level.data, samples.data);
    const float hostReward = std::isfinite(controls[HostParam::reward]) ? controls[HostParam::reward] : 0.f;
    net.settle(dtMs(), hostReward + heldEventReward);
    net.latchDelays();
    mixOut();
    ++steps;
    telemetry.afterStep(clock.step(), steps, cpuLoad);
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
    impl_->clock.setStep(stepFromChoice(c[HostParam::step]));
    impl_->applyLearningControls();
}

void Engine::addEvent(const ControlEvent& e) noexcept { impl_->clock.addEvent(e); }

void Engine::process(float* const* channels, int numChannels, int numSamples) noexcept {
    auto& m = *impl_;
    if (numSamples <= 0) return;
    DenormalGuard guard;
    const auto t0 = std::chrono::steady_clock::now();
    m.clock.process(channels, numChannels, numSamples, [&](const ControlEvent& e) { m.applyEvent(e); }, [&] { m.runStep(); });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const float load = float(secs * m.cfg.sampleRate / numSamples);
    m.cpuLoad += (load - m.cpuLoad) * 0.1f;
}

void Engine::reset() noexcept {
    DenormalGuard guard;
    impl_->resetAll();
}

int Engine::latencySamples() const noexcept { return impl_->clock.step() + impl_->bank.latency(); }
int Engine::stepSamples() const noexcept { return impl_->clock.step(); }
bool Engine::popTelemetry(Telemetry& out) noexcept { return impl_->telemetry.pop(out); }
void Engine::setTelemetryRing(TelemetryRing* ring) noexcept { impl_->telemetry.setRing(ring); }
const PatchInfo& Engine::info() const noexcept { return impl_->info; }
const EngineConfig& Engine::config() const noexcept { return impl_->cfg; }
std::uint64_t Engine::stepCount() const noexcept { return impl_->steps; }
void Engine::setLearning(bool on) noexcept { impl_->net.setLearning(on); }
void Engine::setLearnRateScale(float scale) noexcept { impl_->net.setLearnRateScale(scale); }
void Engine::resetWeights() noexcept { impl_->net.resetWeights(); }
Network& Engine::network() noexcept { return impl_->net; }

std::vector<float> Engine::probe(const std::string& nodeId, const std::string& compartment, int channel) const {
    auto& net = impl_->net;
    for (size_t i = 0; i < net.nodes.size(); ++i) {
        if (net.nodes[i].id != nodeId) continue;
        const CompartmentView c = net.compartment(int(i), compartment);
        if (!c.data) return {};
        const int r = std::clamp(channel, 0, c.rows - 1);
        return std::vector<float>(c.data + r * c.cols, c.data + (r + 1) * c.cols);
    }
    return {};
}

} // namespace graded
