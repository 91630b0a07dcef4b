// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The filterbank: AudioIn's analysis (log-spaced RBJ band-passes on the analytic signal, band
// energy envelopes, level, samples) and AudioOut's synthesis (the same bands re-weighted with
// gains ramped per sample, optional band noise, host mix and output gain, the safety limiter).
// No JUCE; process calls never allocate.

#include "../Limits.h"
#include "../Patch/Model.h"
#include "Limiter.h"

#include <cstdint>
#include <vector>

namespace graded {

class Filterbank {
public:
    static constexpr int kMaxBands = limits::kMaxBands;

    /** Designs the bands for `in` at `sampleRate` and sizes every buffer for `channels` and
        steps of up to `maxStep` samples. */
    void prepare(const AudioInParams& in, const AudioOutParams& out, double sampleRate, int channels, int maxStep);
    /** Filter states, envelopes, ramps, limiter and noise generators back to rest. */
    void reset() noexcept;

    /** One step of `S` samples per channel (channel c at x + c * stride): writes bands [C][N]
        (each band's energy envelope, averaged over the step), level [C] and samples [C][M],
        and keeps the band signals for synthesise(). */
    void analyse(const float* x, int stride, int S, float* bands, float* level, float* samples) noexcept;

    /** The step's output (channel c at out + c * stride): the kept band signals weighted by
        bandGains [C][N] (and band noise by noise [C][N] when `noiseDriven`), times gain [C],
        every gain ramped linearly from its value at the end of the previous step; mixed with
        the dry input by mix[t], scaled by outGain[t], then limited to the ceiling and delayed
        by latency() samples. `appliedDb` [C][N] (may be null) receives the band gains in
        effect at the end of the step in dB (band gain x broadband gain x limiter gain, the
        limiter's smallest gain of the step), `limitDb` [C] (may be null) the limiter's gain. */
    void synthesise(const float* bandGains, const float* gain, const float* noise, bool noiseDriven,
                    const float* dry, const float* mix, const float* outGain, int stride, int S, float* out,
                    float* appliedDb = nullptr, float* limitDb = nullptr) noexcept;

    int bands() const noexcept { return N_; }
    /** Samples of delay the output stage adds (the limiter's look-ahead). */
    int latency() const noexcept { return limiter_.lookahead(); }
    /** True when the 8-lane (AVX2) kernels run, false for the 4-lane baseline. */
    bool wideKernels() const noexcept { return wide_; }
    /** Asks for the 8-lane kernels (granted only where the CPU has AVX2) or the baseline;
        both give the same output. For comparisons (graded-bench); off the audio thread. */
    void setWideKernels(bool on) noexcept;
    /** The per-sample coefficient of the extra one-pole smoothing of every audible gain (AudioOut smoothMs). */
    float smoothing() const noexcept { return smoothA_; }
    /** The gain normalising the sum of all bands to 0 dB. */
    float normalisation() const noexcept { return norm_; }
    /** Band k's centre (Hz) and coefficients (RBJ band-pass, 0 dB peak: b1 = 0, b2 = -b0). */
    double centre(int k) const noexcept { return fc_[k]; }
    float b0(int k) const noexcept { return b0_[k]; }
    float a1(int k) const noexcept { return a1_[k]; }
    float a2(int k) const noexcept { return a2_[k]; }
    /** The per-sample coefficient of band k's envelope smoothers. */
    float envelopeCoefficient(int k) const noexcept { return envA_[k]; }

private:
    void design(double sampleRate);

    struct Hilbert { // two allpass chains whose outputs are 90 degrees apart (per channel)
        float x1[8] = {}, x2[8] = {}, y1[8] = {}, y2[8] = {};
        float delayedA = 0.f;
    };

    AudioInParams in_;
    AudioOutParams out_;
    int C_ = 1, N_ = 16, Np_ = 16, M_ = 16, maxStep_ = 512; // Np_: N_ rounded up to whole blocks of eight
    bool wide_ = false;                                     // the 8-lane (AVX2) kernels
    alignas(32) float b0_[kMaxBands] = {}, a1_[kMaxBands] = {}, a2_[kMaxBands] = {}, envA_[kMaxBands] = {};
    alignas(32) float noiseNorm_[kMaxBands] = {};  // 1 / RMS of unit white noise through band k's noise filter
    double fc_[kMaxBands] = {};
    float norm_ = 1.f;
    float smoothA_ = 1.f, levelA_ = 1.f;
    std::vector<Hilbert> hil_;                         // [C]
    static constexpr int kStates = 8;                  // i1 i2 q1 q2 (first pass), i3 i4 q3 q4 (second)
    std::vector<float> bandState_;                     // analysis states [C][kStates][kMaxBands]
    std::vector<float> env1_, env2_;                   // band envelopes [C][kMaxBands]
    std::vector<float> lev1_, lev2_;                   // level envelope [C]
    std::vector<float> n1_, n2_, m1_, m2_, o1_, o2_;   // noise bank states (three stages) [C][kMaxBands]
    std::vector<std::uint32_t> noiseRng_;
    std::vector<float> bandSig_;                       // [C][maxStep][Np]
    std::vector<float> gCur_, gSmooth_, nCur_, nSmooth_; // [C][kMaxBands]
    std::vector<float> bCur_, bSmooth_;                // [C]
    std::vector<float> wet_;                           // [maxStep]
    Limiter limiter_;
};

} // namespace graded
