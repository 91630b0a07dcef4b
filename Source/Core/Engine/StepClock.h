// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The block-to-step clock: host blocks of any size in, one simulation step per `step`
// samples out (the step's input is collected, its output played during the next one), and
// the sample-accurate control events of the block.

#include "HostParams.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace graded {

/** A sample-accurate control event for the next process() call. */
struct ControlEvent {
    enum Type { reward, endEpisode, resetCells };
    int sampleOffset = 0;     ///< within the next process() block; applied to the step holding it
    Type type = reward;
    float value = 0.f;        ///< reward: added to the host `reward` value (held until the next reward event)
};
inline constexpr int kMaxControlEvents = 256;

/** The step size the `step` host value asks for (kStepChoices). */
int stepFromChoice(float value) noexcept;

class StepClock {
public:
    void prepare(int channels, int minStep, int initialStep);
    /** From the next step boundary on, steps of `samples` (never below the minimum). */
    void setStep(int samples) noexcept { desired_ = std::max(min_, samples); }
    /** Buffers silent, the pending step empty, events dropped, the step size as desired. */
    void reset() noexcept;
    /** Queues an event for the next process() call (dropped when the queue is full). */
    void addEvent(const ControlEvent& e) noexcept;

    /** Moves a block through the step FIFOs in place. Before the step that holds an event,
        `onEvent(e)` is called; when a step's input is complete, `onStep()` must fill
        output() from input(). Missing channels are silent; input is sanitised. */
    template <typename OnEvent, typename OnStep>
    void process(float* const* channels, int numChannels, int numSamples, OnEvent&& onEvent, OnStep&& onStep) noexcept;

    int step() const noexcept { return S_; }
    int minimum() const noexcept { return min_; }
    /** The step's input (channel c at input() + c * stride()). */
    const float* input() const noexcept { return in_.data(); }
    float* output() noexcept { return out_.data(); }
    static constexpr int stride() noexcept { return kMaxStepSamples; }

private:
    static float sanitize(float x) noexcept { return std::isfinite(x) ? std::clamp(x, -64.f, 64.f) : 0.f; }

    int C_ = 1, S_ = 64, desired_ = 64, min_ = 16, fill_ = 0;
    std::vector<float> in_, out_;     // [C][kMaxStepSamples]
    ControlEvent events_[kMaxControlEvents];
    int numEvents_ = 0;
};

template <typename OnEvent, typename OnStep>
void StepClock::process(float* const* channels, int numChannels, int numSamples, OnEvent&& onEvent, OnStep&& onStep) noexcept {
    const int nc = std::clamp(numChannels, 0, C_);
    int pos = 0;
    int ev = 0;
    while (pos < numSamples) {
        if (fill_ == 0 && desired_ != S_) {
            // step change at a step boundary: output positions the old step did not fill are silent
            for (int c = 0; c < C_; ++c)
                std::fill(&out_[size_t(c * kMaxStepSamples + S_)], &out_[size_t(c * kMaxStepSamples)] + kMaxStepSamples, 0.f);
            S_ = desired_;
        }
        const int n = std::min(S_ - fill_, numSamples - pos);
        for (int c = 0; c < C_; ++c) {
            float* in = &in_[size_t(c * kMaxStepSamples + fill_)];
            const float* ob = &out_[size_t(c * kMaxStepSamples + fill_)];
            if (c < nc && channels[c]) {
                float* x = channels[c] + pos;
                for (int t = 0; t < n; ++t) {
                    const float v = sanitize(x[t]);
                    x[t] = ob[t];
                    in[t] = v;
                }
            } else {
                std::fill(in, in + n, 0.f);
            }
        }
        fill_ += n;
        pos += n;
        if (fill_ == S_) {
            while (ev < numEvents_ && events_[ev].sampleOffset < pos) onEvent(events_[ev++]);
            onStep();
            fill_ = 0;
        }
    }
    // events not reached yet move to the next block
    int k = 0;
    for (int i = ev; i < numEvents_; ++i) {
        ControlEvent e = events_[i];
        e.sampleOffset = std::max(0, e.sampleOffset - numSamples);
        events_[k++] = e;
    }
    numEvents_ = k;
}

} // namespace graded
