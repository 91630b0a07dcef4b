// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// A loaded, validated patch: nodes, wires and bindings (the format: Graph/PatchFormat.md).

#include "../Cells/CellFactory.h"
#include "../Engine/HostParams.h"
#include "../Synapses/SynapseParams.h"

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace graded {

/** One problem found in a patch: a JSON pointer ("/nodes/2/params/tau_m") and what is wrong. */
struct PatchIssue {
    std::string path;
    std::string message;
};

/** A patch that cannot be loaded. Holds every problem found, not just the first. */
class PatchError : public std::runtime_error {
public:
    explicit PatchError(std::vector<PatchIssue> issues);
    const std::vector<PatchIssue>& issues() const noexcept { return issues_; }

private:
    std::vector<PatchIssue> issues_;
};

/** Node kinds: the six cells (same order as CellKind), the audio I/O nodes, then the
    synapses (same order as SynapseKind). Each has a NodeSpec (Patch/NodeSpecs.h). */
enum class NodeKind { RateCell, GaussianErrorCell, LaplacianErrorCell, BernoulliErrorCell,
                      LeakyNoiseCell, RewardErrorCell, AudioIn, AudioOut,
                      DenseSynapse, HebbianSynapse };
inline constexpr std::string_view kNodeKindNames[] = {
    "RateCell", "GaussianErrorCell", "LaplacianErrorCell", "BernoulliErrorCell",
    "LeakyNoiseCell", "RewardErrorCell", "AudioIn", "AudioOut",
    "DenseSynapse", "HebbianSynapse"};
inline constexpr int kNumNodeKinds = 10;
inline bool isCellKind(NodeKind k) noexcept { return static_cast<int>(k) < kNumCellKinds; }
inline bool isSynapseKind(NodeKind k) noexcept { return k == NodeKind::DenseSynapse || k == NodeKind::HebbianSynapse; }
inline SynapseKind synapseKindOf(NodeKind k) noexcept {
    return k == NodeKind::HebbianSynapse ? SynapseKind::HebbianSynapse : SynapseKind::DenseSynapse;
}

/** AudioIn: the analysis filterbank and what a step heard (fields: Engine/AudioInSpec.cpp). */
struct AudioInParams {
    int bands = 16;           ///< number of log-spaced band-pass filters (1..64)
    double minHz = 80.0;      ///< centre of the lowest band
    double maxHz = 12000.0;   ///< centre of the highest band (clamped below Nyquist)
    bool compressDb = true;   ///< bands/level as (dB + 100) / 100 (true) or linear energy/RMS
    int samples = 16;         ///< size of the `samples` compartment (1, 2, 4, 8 or 16)
    double envMs = 2.0;       ///< shortest time constant of the band envelopes (ms)
    double levelMs = 10.0;    ///< time constant of the level envelope (ms)
};

/** AudioOut: turns compartments into sound through the same filterbank (its band count is
    the AudioIn's: Patch::bands()). Fields: Engine/AudioOutSpec.cpp. */
struct AudioOutParams {
    bool gainsDb = true;      ///< bandGains are in dB (true) or linear
    double minDb = -60.0;     ///< dB mode: clamp of bandGains
    double maxDb = 0.0;
    double maxGain = 1.99526; ///< linear mode: bandGains (and `gain`) clamped to [0, maxGain] (<= +6 dB)
    double smoothMs = 0.0;    ///< extra one-pole smoothing of every audible gain, after the per-step ramp
    double maxNoise = 1.0;    ///< noise amplitudes clamped to [0, maxNoise]
    double bandGainDefault = 0.0;  ///< value of bandGains when no wire drives it (linear units or dB)
    bool noiseRelative = false;    ///< noise amplitudes relative to each band's input level ("input") or absolute
    double ceilingDb = -1.0;       ///< the limiter's ceiling (dBFS), raised to the dry input's own level
    double lookaheadMs = 1.0;      ///< the limiter's look-ahead (adds to the latency)
};

/** DenseSynapse / HebbianSynapse: ngclearn's parameters (batch_size 1 here: the engine sets
    it to the channel count) and the synapse whose weights it reads transposed ("tie"). */
struct SynapseNodeParams {
    SynapseParams params;
    std::string tie;          ///< node id, or empty
    int tieNode = -1;         ///< its index (resolved at load)
};

struct PatchNode {
    std::string id;
    NodeKind kind = NodeKind::RateCell;
    /** Cells: ngclearn params (without batch_size); AudioIn, AudioOut, synapses: theirs. */
    std::variant<ParamMap, AudioInParams, AudioOutParams, SynapseNodeParams> settings;

    const ParamMap* cellParams() const noexcept { return std::get_if<ParamMap>(&settings); }
    const AudioInParams* audioIn() const noexcept { return std::get_if<AudioInParams>(&settings); }
    const AudioOutParams* audioOut() const noexcept { return std::get_if<AudioOutParams>(&settings); }
    const SynapseNodeParams* synapse() const noexcept { return std::get_if<SynapseNodeParams>(&settings); }
};

/** When synapses learn (the patch's "learning" object): `settle` steps of the graph per audio
    step, then every HebbianSynapse evolves every step, every `every` audio steps, or on
    endEpisode events. */
struct PatchLearning {
    enum class Evolve { step, every, episode };
    Evolve evolve = Evolve::step;
    int every = 1;            ///< Evolve::every: audio steps between evolves
    int settle = 1;           ///< graph steps per audio step
};
/** Largest `settle` and `every` a patch may ask for. */
inline constexpr int kMaxSettleSteps = 64;
inline constexpr int kMaxEvolveEvery = 1000000;

/** A wire from an output compartment to an input compartment: dst += W src + bias per row.
    `weights` empty means a scalar gain (and broadcast from 1 column if the source has one). */
struct PatchWire {
    std::string id;           ///< optional, for bindings ("wire": id)
    int fromNode = -1, toNode = -1;
    std::string fromComp, toComp;
    float gain = 1.f;
    std::vector<float> weights; ///< row-major [dstCols][srcCols] when not empty
    int wRows = 0, wCols = 0;
    std::vector<float> bias;    ///< empty, or dstCols values
    bool delay = false;         ///< reads the source as it was at the end of the previous step
};

/** What a wire binding drives. */
enum class WireField { none, gain, bias };

/** A host parameter driving a node parameter or a wire's gain/bias, applied once per step:
    value = offset + scale * host (map "linear"), 10^((offset + scale * host) / 20) ("db"),
    or the host value as a choice index for choice fields. */
struct PatchBinding {
    HostParam param = HostParam::count;
    int node = -1;            ///< or
    int wire = -1;
    std::string field;
    /** `field`, resolved when the patch loads: its index in the node kind's spec fields (so the
        audio thread compares no names), or what it drives on the wire. */
    int fieldIndex = -1;
    WireField wireField = WireField::none;
    float scale = 1.f, offset = 0.f;
    bool db = false;
};

/** A loaded, fully validated patch (no channel count yet: the engine sets batch_size). */
struct Patch {
    int format = 1;
    std::string name, description;
    std::vector<PatchNode> nodes;
    std::vector<PatchWire> wires;
    std::vector<PatchBinding> bindings;
    PatchLearning learning;
    int audioIn = -1, audioOut = -1; ///< node indices

    const AudioInParams& input() const { return *nodes[size_t(audioIn)].audioIn(); }
    const AudioOutParams& output() const { return *nodes[size_t(audioOut)].audioOut(); }
    /** The filterbank's band count (AudioIn's `bands`; AudioOut has as many). */
    int bands() const { return input().bands; }
};

/** Parses and validates a patch; throws PatchError listing every problem with its path. */
Patch loadPatch(const std::string& jsonText);
Patch loadPatchFile(const std::string& path);

/** The factory patches, embedded in the binary at build time (the JSON files in Resources/Patches);
    the first is the default ("Predictive EQ"). */
struct FactoryPatch {
    std::string name;
    std::string description;
    std::string json;
};
const std::vector<FactoryPatch>& factoryPatches();

} // namespace graded
