// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <juce_audio_basics/juce_audio_basics.h>

#include <cfloat>
#include <cmath>

namespace graded::test {

/** A test signal: two tones and a little noise; deterministic per seed. */
inline void fillSignal(juce::AudioBuffer<float>& buffer, int numSamples, double sampleRate,
                       long long& phase, juce::Random& random) {
    for (int i = 0; i < numSamples; ++i) {
        const double t = static_cast<double>(phase + i) / sampleRate;
        const float s = static_cast<float>(0.3 * std::sin(2.0 * juce::MathConstants<double>::pi * 220.0 * t) +
                                           0.2 * std::sin(2.0 * juce::MathConstants<double>::pi * 1760.0 * t)) +
                        0.02f * (random.nextFloat() - 0.5f);
        for (int ch = 0; ch < buffer.getNumChannels(); ++ch) buffer.setSample(ch, i, ch == 0 ? s : 0.8f * s);
    }
    phase += numSamples;
}

struct OutputCheck {
    long nonFinite = 0;
    long subnormal = 0;
    double energy = 0.0;
    void check(const juce::AudioBuffer<float>& buffer, int numSamples) {
        for (int ch = 0; ch < buffer.getNumChannels(); ++ch) {
            const float* x = buffer.getReadPointer(ch);
            for (int i = 0; i < numSamples; ++i) {
                if (!std::isfinite(x[i])) ++nonFinite;
                else if (x[i] != 0.f && std::fabs(x[i]) < FLT_MIN) ++subnormal;
                else energy += static_cast<double>(x[i]) * x[i];
            }
        }
    }
    bool ok() const { return nonFinite == 0 && subnormal == 0; }
};

} // namespace graded::test
