// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../Patch/Model.h"
#include "HostParams.h"
#include "StepClock.h"
#include "Telemetry.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace graded {

struct EngineConfig {
    double sampleRate = 48000.0;
    int numChannels = 2;      ///< 1..kMaxEngineChannels; the batch size of every cell
    int maxBlockSize = 512;   ///< informative: process() accepts any numSamples
};
inline constexpr int kMaxEngineChannels = 16;
/** Sample rates the engine runs at; outside them Engine::create throws ConfigError and the
    plugin passes audio through dry (saying why) until the rate allows again. */
inline constexpr double kMinSampleRate = 1000.0;
inline constexpr double kMaxSampleRate = 1536000.0;

// ControlEvent (StepClock.h) and the Telemetry snapshot types (Telemetry.h) are part of this API.

/** What the GUI needs to draw the graph (built in create(), never changes). */
struct PatchInfo {
    struct Node {
        std::string id;
        NodeKind kind;
        std::string kindName;
        std::vector<std::string> compartments;
    };
    struct Wire {
        int fromNode, toNode;
        std::string fromComp, toComp;
        bool delay;
    };
    std::string name, description;
    std::vector<Node> nodes;
    std::vector<Wire> wires;
};

/** What running a patch costs, estimated from its structure before anything is built
    (Engine::estimate). The model counts multiply-adds per sample (filterbank, mixing) and
    per step (cells, wires) and prices them at limits::kOpsPerSecond. */
struct CostEstimate {
    double coreShare = 0.0;        ///< estimated share of one core (1 = a whole core)
    std::int64_t bytes = 0;        ///< memory of the engine's state (upper bound)
    struct Part {
        std::string path;          ///< JSON pointer of the node or wire ("" for the filterbank)
        std::string what;          ///< e.g. "node 'z' (RateCell, 4096 units, rk4)"
        double coreShare = 0.0;
    };
    std::vector<Part> parts;       ///< every node, wire and the filterbank, costliest first
    /** Within limits::kMaxEngineBytes and limits::kMaxCoreShare (what Engine::create checks). */
    bool withinBudget() const noexcept;
};

class EngineImpl;
class Network;

/** The audio bridge: runs a patch's graph one simulation step per `step` samples. Its parts:
    Network (the compiled graph), StepClock (blocks -> steps, events), Filterbank (AudioIn /
    AudioOut), Bindings (host -> fields), TelemetryQueue (snapshots), Cost.cpp (the budget).

    Threads: create() and the destructor off the audio thread; setControls(), addEvent(),
    process(), reset() on the audio thread (never allocate, lock or throw); popTelemetry()
    on one GUI thread (single consumer); info() and latencySamples() from anywhere. */
class Engine {
public:
    /** Builds the graph for `config` (cells get batch_size = numChannels), starting from
        `controls` (so the step size, hence the latency, is right from the start). Throws
        ConfigError for a sample rate or channel count it cannot run, and PatchError when the
        patch is over the resource budget (limits::kMaxEngineBytes, or more than
        limits::kMaxCoreShare of a core at this sample rate and step): the error names the
        limit and the costliest nodes and wires. Nothing is allocated before these checks. */
    static std::unique_ptr<Engine> create(const Patch& patch, const EngineConfig& config,
                                          const HostControls& controls = HostControls());
    /** The cost of running `patch` with `config` and steps of `stepSamples`. */
    static CostEstimate estimate(const Patch& patch, const EngineConfig& config, int stepSamples);
    /** The smallest step (of kStepChoices) at which `patch` fits the real-time budget, or 0
        if none does. The engine never runs a smaller step: a `step` parameter below it runs
        at this one (and latencySamples() says so). */
    static int minimumStep(const Patch& patch, const EngineConfig& config);
    ~Engine();

    /** Plain host values, once per host block; used from the next simulation step on. The
        learn / learnRate / resetWeights values act at once (setLearning, setLearnRateScale,
        and resetWeights on the toggle's rising edge). */
    void setControls(const HostControls& controls) noexcept;
    /** Queues an event for the next process() call (dropped when the queue is full). */
    void addEvent(const ControlEvent& event) noexcept;
    /** In place. Any numSamples >= 0, numChannels <= config.numChannels (missing channels
        are treated as silent; output is written only to the given channels). */
    void process(float* const* channels, int numChannels, int numSamples) noexcept;
    /** Cells, filters, FIFOs and smoothers back to rest. */
    void reset() noexcept;
    /** The input -> output delay in samples: one step plus the output limiter's look-ahead. */
    int latencySamples() const noexcept;
    /** Learning (audio thread, like setControls; never allocate, lock or throw). Off: no
        synapse evolves, so every weight stays bit for bit (on by default). */
    void setLearning(bool on) noexcept;
    /** Scales the eta of every HebbianSynapse (1: the patch's), from the next evolve;
        non-finite values are ignored, others clamped to 0..100. */
    void setLearnRateScale(float scale) noexcept;
    /** Every synapse's weights and biases back to their values when the engine was built
        (the initialiser's, from its seed); Adam's moments cleared. */
    void resetWeights() noexcept;
    /** Samples per simulation step (the step part of the latency). */
    int stepSamples() const noexcept;
    /** GUI thread: the oldest snapshot not yet read; false when none. */
    bool popTelemetry(Telemetry& out) noexcept;
    /** Off the audio thread, before the engine processes: its snapshots go into `ring` (owned
        by the caller, outliving the engine) instead of its own; nullptr goes back to its own. */
    void setTelemetryRing(TelemetryRing* ring) noexcept;
    const PatchInfo& info() const noexcept;
    const EngineConfig& config() const noexcept;

    /** Diagnostics for tests and tools (not for the audio thread): channel-0 row of a
        node's compartment as of the last step (row `channel` of per-channel compartments);
        empty if unknown. */
    std::vector<float> probe(const std::string& nodeId, const std::string& compartment,
                             int channel = 0) const;
    std::uint64_t stepCount() const noexcept;
    /** The compiled graph, for tools that read or write its state (WeightAccess.h): only
        where no process() runs at the same time, like probe(). */
    Network& network() noexcept;

private:
    Engine();
    std::unique_ptr<EngineImpl> impl_;
};

} // namespace graded
