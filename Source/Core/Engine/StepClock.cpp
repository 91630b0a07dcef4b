// SPDX-License-Identifier: GPL-3.0-or-later
#include "StepClock.h"

namespace graded {

int stepFromChoice(float v) noexcept {
    constexpr int kNumStepChoices = int(sizeof(kStepChoices) / sizeof(kStepChoices[0]));
    const float c = std::isfinite(v) ? std::clamp(v, 0.f, float(kNumStepChoices - 1)) : 2.f;
    return kStepChoices[int(std::lround(c))];
}

void StepClock::prepare(int channels, int minStep, int initialStep) {
    C_ = channels;
    min_ = minStep;
    in_.assign(size_t(C_ * kMaxStepSamples), 0.f);
    out_ = in_;
    S_ = desired_ = std::max(min_, initialStep);
}

void StepClock::reset() noexcept {
    std::fill(in_.begin(), in_.end(), 0.f);
    std::fill(out_.begin(), out_.end(), 0.f);
    fill_ = 0;
    S_ = desired_;
    numEvents_ = 0;
}

void StepClock::addEvent(const ControlEvent& e) noexcept {
    if (numEvents_ >= kMaxControlEvents) return;
    ControlEvent ev = e;
    ev.sampleOffset = std::max(0, ev.sampleOffset);
    int i = numEvents_++;
    while (i > 0 && events_[i - 1].sampleOffset > ev.sampleOffset) { // stable, sorted by offset
        events_[i] = events_[i - 1];
        --i;
    }
    events_[i] = ev;
}

} // namespace graded
