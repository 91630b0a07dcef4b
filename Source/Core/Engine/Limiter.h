// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The output stage's safety limiter: a look-ahead peak limiter that keeps every sample at or
// below a per-sample ceiling, with a smooth gain (no clipping). No JUCE; process never allocates.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace graded {

class Limiter {
public:
    /** Sizes everything for `channels` and a look-ahead of `lookahead` samples (>= 1). */
    void prepare(int channels, int lookahead, double sampleRate, double releaseMs);
    void reset() noexcept;

    /** One sample of channel c: x limited to |x| <= ceiling (ceiling > 0), delayed by
        lookahead() samples (the ceiling is delayed with it). Returns the output sample. */
    float process(int c, float x, float ceiling) noexcept;

    int lookahead() const noexcept { return L_; }
    /** The gain applied to the last output sample of channel c (1 = not limiting). */
    float gain(int c) const noexcept { return ch_[size_t(c)].lastGain; }
    /** The smallest gain applied since the last call (per channel), then forgets it. */
    float takeMinGain(int c) noexcept;

private:
    struct Channel {
        std::vector<float> x, ceil;     // delay lines [L+1]
        std::vector<float> boxcar;      // released gains [L+1]
        std::vector<float> dqVal;       // monotonic deque of requested gains (ring [L+1])
        std::vector<std::int64_t> dqPos;
        int dqHead = 0, dqSize = 0;
        double sum = 0.0;               // running sum of boxcar
        float released = 1.f;
        float lastGain = 1.f, minGain = 1.f;
        std::int64_t pos = 0;
    };
    std::vector<Channel> ch_;
    int L_ = 1;
    float releaseA_ = 0.001f;
};

} // namespace graded
