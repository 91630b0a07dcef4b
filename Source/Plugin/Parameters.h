// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <Graph/HostParams.h>

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>

namespace graded::plugin {

/** The juce id of a host parameter (graded::kHostParams is the only source of ids). */
juce::String parameterId(HostParam p);

/** One juce parameter per entry of graded::kHostParams, in table order, with the stable id
    and version hint, the unit as the label, choice labels (priors, activations, integrators,
    step sizes) and, for `patch`, the factory patch names as its text. */
juce::AudioProcessorValueTreeState::ParameterLayout
createParameterLayout(const juce::StringArray& factoryPatchNames);

/** Raw parameter pointers cached once (message thread); read lock-free on the audio thread
    into plain values. */
class ParameterCache {
public:
    void bind(juce::AudioProcessorValueTreeState& state);
    /** Audio thread: one relaxed load per parameter. */
    void read(HostControls& out) const noexcept {
        for (size_t i = 0; i < raw_.size(); ++i)
            out.values[i] = raw_[i]->load(std::memory_order_relaxed);
    }
    float get(HostParam p) const noexcept {
        return raw_[static_cast<size_t>(p)]->load(std::memory_order_relaxed);
    }

private:
    std::array<std::atomic<float>*, kNumHostParams> raw_{};
};

} // namespace graded::plugin
