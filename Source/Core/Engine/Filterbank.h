// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The filterbank: AudioIn's analysis (log-spaced RBJ band-passes, band energies, level,
// samples) and AudioOut's synthesis (the same bands re-weighted, optional band noise, host
// mix and output gain). No JUCE; process calls never allocate.

#include "../Patch/Model.h"

#include <cstdint>
#include <vector>

namespace graded {

class Filterbank {
public:
    static constexpr int kMaxBands = 32;

    /** Designs the bands for `in` at `sampleRate` and sizes every buffer for `channels` and
        steps of up to `maxStep` samples. */
    void prepare(const AudioInParams& in, const AudioOutParams& out, double sampleRate, int channels, int maxStep);
    /** Filter states, smoothers and noise generators back to rest. */
    void reset() noexcept;

    /** One step of `S` samples per channel (channel c at x + c * stride): writes bands [C][N],
        level [C] and samples [C][M], and keeps the band signals for synthesise(). */
    void analyse(const float* x, int stride, int S, float* bands, float* level, float* samples) noexcept;

    /** The step's output (channel c at out + c * stride): the kept band signals weighted by
        bandGains [C][N] (and band noise by noise [C][N] when `noiseDriven`), times gain [C],
        mixed with the dry input by mix[t] and scaled by outGain[t]; clamped to the output
        ceiling. */
    void synthesise(const float* bandGains, const float* gain, const float* noise, bool noiseDriven,
                    const float* dry, const float* mix, const float* outGain, int stride, int S, float* out) noexcept;

    int bands() const noexcept { return N_; }
    /** The per-sample smoothing coefficient of every audible gain (AudioOut smoothMs). */
    float smoothing() const noexcept { return smoothA_; }
    /** The gain normalising the sum of all bands to 0 dB. */
    float normalisation() const noexcept { return norm_; }
    /** Band k's coefficients (RBJ band-pass, 0 dB peak: b1 = 0, b2 = -b0). */
    float b0(int k) const noexcept { return b0_[k]; }
    float a1(int k) const noexcept { return a1_[k]; }
    float a2(int k) const noexcept { return a2_[k]; }

private:
    void design(double sampleRate);

    AudioInParams in_;
    AudioOutParams out_;
    int C_ = 1, N_ = 16, M_ = 16, maxStep_ = 512;
    float b0_[kMaxBands] = {}, a1_[kMaxBands] = {}, a2_[kMaxBands] = {};
    float norm_ = 1.f;
    float smoothA_ = 1.f;
    std::vector<float> s1_, s2_;          // analysis states [C][kMaxBands]
    std::vector<float> n1_, n2_;          // noise bank states [C][kMaxBands]
    std::vector<std::uint32_t> noiseRng_;
    std::vector<float> bandSig_;          // [C][maxStep][N]
    std::vector<float> gSmooth_, nSmooth_, bSmooth_; // [C][N], [C][N], [C]
    std::vector<float> tgtGains_, tgtNoise_;         // [C][N]
};

} // namespace graded
