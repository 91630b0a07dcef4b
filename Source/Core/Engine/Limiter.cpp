// SPDX-License-Identifier: GPL-3.0-or-later
#include "Limiter.h"

#include <algorithm>
#include <cmath>

namespace graded {

// How it works, per channel: each incoming sample asks for the gain r = min(1, ceiling / |x|).
// m = the smallest r of the last L + 1 samples (a sliding minimum over the look-ahead);
// a one-pole release lets the gain rise back slowly but never above m; the applied gain is
// the mean of the released gains over the last L + 1 samples, and it multiplies the sample
// that came in L samples ago. Every released gain in that window is <= that old sample's r
// (each window of the minimum contains it), so their mean is too: the output never exceeds
// the ceiling, and the gain moves in ramps of at least L samples instead of jumping.

void Limiter::prepare(int channels, int lookahead, double sampleRate, double releaseMs) {
    L_ = std::max(1, lookahead);
    releaseA_ = float(1.0 - std::exp(-1.0 / (std::max(1.0, releaseMs) * 1e-3 * sampleRate)));
    ch_.assign(size_t(std::max(1, channels)), Channel{});
    for (auto& c : ch_) {
        c.x.assign(size_t(L_ + 1), 0.f);
        c.ceil.assign(size_t(L_ + 1), 1.f);
        c.boxcar.assign(size_t(L_ + 1), 1.f);
        c.dqVal.assign(size_t(L_ + 1), 1.f);
        c.dqPos.assign(size_t(L_ + 1), 0);
    }
    reset();
}

void Limiter::reset() noexcept {
    for (auto& c : ch_) {
        std::fill(c.x.begin(), c.x.end(), 0.f);
        std::fill(c.ceil.begin(), c.ceil.end(), 1.f);
        std::fill(c.boxcar.begin(), c.boxcar.end(), 1.f);
        c.dqHead = c.dqSize = 0;
        c.sum = double(L_ + 1);
        c.released = c.lastGain = c.minGain = 1.f;
        c.pos = 0;
    }
}

float Limiter::process(int ci, float x, float ceiling) noexcept {
    Channel& c = ch_[size_t(ci)];
    const int W = L_ + 1;
    const int slot = int(c.pos % W);
    const float ax = std::fabs(x);
    const float r = ax > ceiling ? ceiling / ax : 1.f;
    // sliding minimum of r over the last W samples (monotonic deque in a ring)
    while (c.dqSize > 0 && c.dqVal[size_t((c.dqHead + c.dqSize - 1) % W)] >= r) --c.dqSize;
    const int tail = (c.dqHead + c.dqSize) % W;
    c.dqVal[size_t(tail)] = r;
    c.dqPos[size_t(tail)] = c.pos;
    ++c.dqSize;
    while (c.dqPos[size_t(c.dqHead)] <= c.pos - W) {
        c.dqHead = (c.dqHead + 1) % W;
        --c.dqSize;
    }
    const float m = c.dqVal[size_t(c.dqHead)];
    c.released = m < c.released ? m : c.released + (m - c.released) * releaseA_;
    if (c.released > m) c.released = m;
    // mean of the released gains over the window
    c.sum += double(c.released) - double(c.boxcar[size_t(slot)]);
    c.boxcar[size_t(slot)] = c.released;
    if ((c.pos & 4095) == 4095) { // re-add now and then: no drift of the running sum
        double s = 0.0;
        for (float v : c.boxcar) s += double(v);
        c.sum = s;
    }
    float g = float(c.sum / double(W));
    // the sample (and its ceiling) from L samples ago: the ring holds W = L + 1 samples
    const int old = int((c.pos + 1) % W);
    const float xOld = c.x[size_t(old)], ceilOld = c.ceil[size_t(old)];
    c.x[size_t(slot)] = x;
    c.ceil[size_t(slot)] = ceiling;
    ++c.pos;
    g = std::min(g, 1.f);
    c.lastGain = g;
    c.minGain = std::min(c.minGain, g);
    // rounding guard only: the gain already keeps |xOld * g| <= ceilOld
    return std::clamp(xOld * g, -ceilOld, ceilOld);
}

float Limiter::takeMinGain(int ci) noexcept {
    Channel& c = ch_[size_t(ci)];
    const float g = c.minGain;
    c.minGain = 1.f;
    return g;
}

} // namespace graded
