// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../Cells/CellFactory.h"
#include "HostParams.h"

#include <stdexcept>
#include <string>
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

/** Node kinds: the six cells (same order as CellKind) plus the audio I/O nodes. */
enum class NodeKind { RateCell, GaussianErrorCell, LaplacianErrorCell, BernoulliErrorCell,
                      LeakyNoiseCell, RewardErrorCell, AudioIn, AudioOut };
inline constexpr std::string_view kNodeKindNames[] = {
    "RateCell", "GaussianErrorCell", "LaplacianErrorCell", "BernoulliErrorCell",
    "LeakyNoiseCell", "RewardErrorCell", "AudioIn", "AudioOut"};
inline constexpr int kNumNodeKinds = 8;
inline bool isCellKind(NodeKind k) noexcept { return static_cast<int>(k) < kNumCellKinds; }

/** AudioIn: the analysis filterbank and what a step heard (see PatchFormat.md). */
struct AudioInParams {
    int bands = 16;           ///< number of log-spaced band-pass filters (1..32)
    double minHz = 80.0;      ///< centre of the lowest band
    double maxHz = 12000.0;   ///< centre of the highest band (clamped below Nyquist)
    bool compressDb = true;   ///< bands/level as (dB + 100) / 100 (true) or linear energy/RMS
    int samples = 16;         ///< size of the `samples` compartment (1, 2, 4, 8 or 16)
};

/** AudioOut: turns compartments into sound through the same filterbank. */
struct AudioOutParams {
    bool gainsDb = true;      ///< bandGains are in dB (true) or linear
    double minDb = -60.0;     ///< dB mode: clamp of bandGains
    double maxDb = 0.0;
    double maxGain = 1.99526; ///< linear mode: bandGains (and `gain`) clamped to [0, maxGain] (<= +6 dB)
    double smoothMs = 5.0;    ///< per-sample smoothing of every audible gain
    double maxNoise = 1.0;    ///< noise amplitudes clamped to [0, maxNoise]
    double bandGainDefault = 0.0;  ///< value of bandGains when no wire drives it (linear units or dB)
};

struct PatchNode {
    std::string id;
    NodeKind kind = NodeKind::RateCell;
    ParamMap params;          ///< cells: ngclearn params (without batch_size)
    AudioInParams audioIn;
    AudioOutParams audioOut;
};

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

/** What a binding drives, resolved from its field name when the patch loads, so the audio
    thread switches on it instead of comparing names. */
enum class BindField {
    none, tauM, prior, priorGamma, act, integrator, outputScale, resistScale, threshold,
    thresholdLambda, tauX, sigmaRec, sigmaPost, leakScale, alpha, emaWindowLen, sigma, scale,
    wireGain, wireBias
};

/** A host parameter driving a node parameter or a wire's gain/bias, applied once per step:
    value = offset + scale * host (map "linear"), 10^((offset + scale * host) / 20) ("db"),
    or the host value as a choice index for prior / act_fx / integration_type. */
struct PatchBinding {
    HostParam param = HostParam::count;
    int node = -1;            ///< or
    int wire = -1;
    std::string field;
    BindField target = BindField::none; ///< `field`, resolved for the node's (or wire's) kind
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
    int audioIn = -1, audioOut = -1; ///< node indices
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
