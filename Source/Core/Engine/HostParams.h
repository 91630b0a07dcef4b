// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "../Kernels/Names.h"

#include <array>
#include <string_view>

namespace graded {

/** The plugin's one fixed set of host parameters. IDs are stable forever (saved in host
    sessions and presets); append new ones at the end with a higher version hint, never
    rename or reorder. The plugin turns each into a juce parameter; a patch binds them to
    node parameters by id. Values here are plain (denormalised) values. */
enum class HostParam {
    tau, prior, leak, activation, integrator, sigma, scale, noiseSigma, noiseLeak, alpha,
    emaWindow, step, timeScale, focus, dryWet, outputGain, reward, patch, reset,
    threshold, thresholdLambda, // version 2
    learn, learnRate, resetWeights, // version 3 (synapses: Engine::setLearning, setLearnRateScale, resetWeights)
    count
};
inline constexpr int kNumHostParams = static_cast<int>(HostParam::count);

enum class HostParamType { continuous, choice, toggle, integer };

struct HostParamInfo {
    std::string_view id;    ///< stable id (juce::ParameterID{id, versionHint})
    std::string_view name;  ///< shown to the user
    HostParamType type;
    float min, max, defaultValue;
    float skewCentre;       ///< continuous: the value at the slider's middle (0: linear)
    std::string_view unit;  ///< "ms", "dB", ...
    int versionHint;
};

/** Choice labels: the kernels' own name tables, which the node specs' choice fields use too. */
inline constexpr const auto& kPriorChoices = kPriorNames;
inline constexpr const auto& kIntegratorChoices = kIntegratorNames;
inline constexpr const auto& kThresholdChoices = kThresholdNames;
/** Internal step sizes in samples, for the `step` choice parameter. */
inline constexpr int kStepChoices[] = {16, 32, 64, 128, 256, 512};
inline constexpr int kMaxStepSamples = 512;

inline constexpr std::array<HostParamInfo, kNumHostParams> kHostParams{{
    {"tau", "Tau", HostParamType::continuous, 1.f, 2000.f, 40.f, 100.f, "ms", 1},
    {"prior", "Prior", HostParamType::choice, 0.f, 3.f, 0.f, 0.f, "", 1},
    {"leak", "Prior leak", HostParamType::continuous, 0.f, 2.f, 0.1f, 0.f, "", 1},
    {"activation", "Activation", HostParamType::choice, 0.f, 13.f, 4.f, 0.f, "", 1},
    {"integrator", "Integrator", HostParamType::choice, 0.f, 2.f, 0.f, 0.f, "", 1},
    {"sigma", "Sigma", HostParamType::continuous, 0.01f, 10.f, 1.f, 1.f, "", 1},
    {"scale", "Laplace scale", HostParamType::continuous, 0.01f, 10.f, 1.f, 1.f, "", 1},
    {"noiseSigma", "Noise sigma", HostParamType::continuous, 0.f, 2.f, 0.2f, 0.f, "", 1},
    {"noiseLeak", "Noise leak", HostParamType::continuous, 0.f, 4.f, 1.f, 0.f, "", 1},
    {"alpha", "Reward alpha", HostParamType::continuous, 0.f, 1.f, 0.1f, 0.f, "", 1},
    {"emaWindow", "EMA window", HostParamType::integer, 1.f, 100.f, 10.f, 0.f, "episodes", 1},
    {"step", "Step", HostParamType::choice, 0.f, 5.f, 2.f, 0.f, "samples", 1},
    {"timeScale", "Time scale", HostParamType::continuous, 0.01f, 100.f, 1.f, 1.f, "x", 1},
    {"focus", "Focus", HostParamType::continuous, 0.f, 1.f, 1.f, 0.f, "", 1},
    {"dryWet", "Dry/wet", HostParamType::continuous, 0.f, 1.f, 1.f, 0.f, "", 1},
    {"outputGain", "Output gain", HostParamType::continuous, -48.f, 12.f, 0.f, 0.f, "dB", 1},
    {"reward", "Reward", HostParamType::continuous, -1.f, 1.f, 0.f, 0.f, "", 1},
    {"patch", "Patch", HostParamType::integer, 0.f, 63.f, 0.f, 0.f, "", 1},
    {"reset", "Reset", HostParamType::toggle, 0.f, 1.f, 0.f, 0.f, "", 1},
    {"threshold", "Threshold", HostParamType::choice, 0.f, 2.f, 0.f, 0.f, "", 2},
    {"thresholdLambda", "Threshold lambda", HostParamType::continuous, 0.f, 1.f, 0.05f, 0.f, "", 2},
    {"learn", "Learn", HostParamType::toggle, 0.f, 1.f, 1.f, 0.f, "", 3},
    {"learnRate", "Learn rate", HostParamType::continuous, 0.f, 10.f, 1.f, 1.f, "x", 3},
    {"resetWeights", "Reset weights", HostParamType::toggle, 0.f, 1.f, 0.f, 0.f, "", 3},
}};

inline constexpr const HostParamInfo& hostParamInfo(HostParam p) {
    return kHostParams[static_cast<size_t>(p)];
}

/** The labels of a choice parameter's values (none for other parameters). */
struct ChoiceLabels {
    const std::string_view* names = nullptr;
    int count = 0;
    const std::string_view* begin() const noexcept { return names; }
    const std::string_view* end() const noexcept { return names + count; }
};
inline ChoiceLabels hostChoiceLabels(HostParam p) noexcept {
    switch (p) {
        case HostParam::prior: return {kPriorNames, kNumPriors};
        case HostParam::activation: return {kActivationNames, kNumActivations};
        case HostParam::integrator: return {kIntegratorNames, kNumIntegrators};
        case HostParam::threshold: return {kThresholdNames, kNumThresholds};
        default: return {};
    }
}

/** Looks a parameter up by id; count if unknown. Not for the audio path. */
inline HostParam findHostParam(std::string_view id) noexcept {
    for (int i = 0; i < kNumHostParams; ++i)
        if (kHostParams[i].id == id) return static_cast<HostParam>(i);
    return HostParam::count;
}

/** Plain values of every host parameter, as the audio thread read them at a block's start. */
struct HostControls {
    std::array<float, kNumHostParams> values{};
    HostControls() {
        for (int i = 0; i < kNumHostParams; ++i) values[i] = kHostParams[i].defaultValue;
    }
    float operator[](HostParam p) const noexcept { return values[static_cast<size_t>(p)]; }
    float& operator[](HostParam p) noexcept { return values[static_cast<size_t>(p)]; }
};

} // namespace graded
