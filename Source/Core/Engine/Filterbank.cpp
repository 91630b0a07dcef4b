// SPDX-License-Identifier: GPL-3.0-or-later
#include "Filterbank.h"

#include "../Limits.h"

#include <algorithm>
#include <cmath>
#include <complex>

namespace graded {

void Filterbank::prepare(const AudioInParams& in, const AudioOutParams& out, double sampleRate, int channels, int maxStep) {
    in_ = in;
    out_ = out;
    C_ = channels;
    N_ = std::clamp(in.bands, 1, kMaxBands);
    M_ = in.samples;
    maxStep_ = maxStep;
    design(sampleRate);
    s1_.assign(size_t(C_ * kMaxBands), 0.f);
    s2_ = s1_;
    n1_ = s1_;
    n2_ = s1_;
    noiseRng_.assign(size_t(C_), 0u);
    bandSig_.assign(size_t(C_) * size_t(maxStep_) * size_t(N_), 0.f);
    gSmooth_.assign(size_t(C_ * N_), 0.f);
    nSmooth_ = gSmooth_;
    tgtGains_ = gSmooth_;
    tgtNoise_ = gSmooth_;
    bSmooth_.assign(size_t(C_), 1.f);
    smoothA_ = out.smoothMs <= 0 ? 1.f : float(1.0 - std::exp(-1.0 / (out.smoothMs * 1e-3 * sampleRate)));
}

void Filterbank::design(double fs) {
    const int N = N_;
    const double hi = std::min(in_.maxHz, 0.45 * fs);
    const double lo = std::min(in_.minHz, hi * 0.5);
    const double r = N > 1 ? std::pow(hi / lo, 1.0 / (N - 1)) : 1.0;
    const double Q = N > 1 ? std::sqrt(r) / (r - 1.0) : 0.7071;
    std::vector<double> fc(static_cast<size_t>(N), 0.0);
    for (int k = 0; k < N; ++k) {
        fc[size_t(k)] = N > 1 ? lo * std::pow(r, k) : std::sqrt(lo * hi);
        const double w0 = 2.0 * M_PI * fc[size_t(k)] / fs;
        const double alpha = std::sin(w0) / (2.0 * Q);
        const double a0 = 1.0 + alpha;
        b0_[k] = float(alpha / a0);
        a1_[k] = float(-2.0 * std::cos(w0) / a0);
        a2_[k] = float((1.0 - alpha) / a0);
    }
    // Normalise the sum of all bands to 0 dB on average (in dB) over the covered range.
    double sumDb = 0;
    const int probes = 200;
    const double flo = N > 1 ? fc.front() : lo, fhi = N > 1 ? fc.back() : hi;
    for (int i = 0; i < probes; ++i) {
        const double f = flo * std::pow(fhi / flo, double(i) / (probes - 1));
        const std::complex<double> z1 = std::polar(1.0, -2.0 * M_PI * f / fs);
        std::complex<double> h = 0;
        for (int k = 0; k < N; ++k) {
            const std::complex<double> z2 = z1 * z1;
            h += double(b0_[k]) * (1.0 - z2) / (1.0 + double(a1_[k]) * z1 + double(a2_[k]) * z2);
        }
        sumDb += 20.0 * std::log10(std::max(std::abs(h), 1e-9));
    }
    norm_ = float(std::pow(10.0, -(sumDb / probes) / 20.0));
}

void Filterbank::reset() noexcept {
    for (auto* v : {&s1_, &s2_, &n1_, &n2_, &gSmooth_, &nSmooth_}) std::fill(v->begin(), v->end(), 0.f);
    std::fill(bSmooth_.begin(), bSmooth_.end(), 1.f);
    for (int c = 0; c < C_; ++c) noiseRng_[size_t(c)] = 0x9e3779b9u ^ std::uint32_t(c * 0x85ebca6bu + 1u);
}

void Filterbank::analyse(const float* xAll, int stride, int S, float* bands, float* level, float* samples) noexcept {
    const int N = N_, M = M_;
    const float invS = 1.f / float(S);
    float energy[kMaxBands];
    for (int c = 0; c < C_; ++c) {
        const float* x = xAll + size_t(c * stride);
        float* st1 = &s1_[size_t(c * kMaxBands)];
        float* st2 = &s2_[size_t(c * kMaxBands)];
        float* sig = &bandSig_[size_t(c) * size_t(maxStep_) * size_t(N)];
        std::fill(energy, energy + N, 0.f);
        float sq = 0.f;
        for (int t = 0; t < S; ++t) {
            const float xi = x[t];
            sq += xi * xi;
            float* y = sig + size_t(t * N);
            for (int k = 0; k < N; ++k) {
                const float yk = b0_[k] * xi + st1[k];
                st1[k] = -a1_[k] * yk + st2[k];
                st2[k] = -b0_[k] * xi - a2_[k] * yk;
                y[k] = yk;
                energy[k] += yk * yk;
            }
        }
        for (int k = 0; k < N; ++k) {
            if (!std::isfinite(st1[k]) || !std::isfinite(st2[k])) st1[k] = st2[k] = 0.f;
            const float e = energy[k] * invS;
            float v = in_.compressDb ? std::max(0.f, (10.f * std::log10(e + 1e-10f) + 100.f) * 0.01f) : e;
            if (!std::isfinite(v)) v = 0.f;
            bands[size_t(c * N + k)] = std::min(v, 1e6f);
        }
        const float ms = sq * invS;
        float lv = in_.compressDb ? std::max(0.f, (10.f * std::log10(ms + 1e-10f) + 100.f) * 0.01f) : std::sqrt(ms);
        level[size_t(c)] = std::isfinite(lv) ? lv : 0.f;
        const int seg = std::max(1, S / M);
        for (int m = 0; m < M; ++m) {
            float a = 0.f;
            for (int t = m * seg; t < std::min(S, (m + 1) * seg); ++t) a += x[t];
            samples[size_t(c * M + m)] = a / float(seg);
        }
    }
}

void Filterbank::synthesise(const float* bandGains, const float* gain, const float* noise, bool noiseDriven,
                            const float* dryAll, const float* mixSeq, const float* gainSeq, int stride, int S, float* outAll) noexcept {
    const int N = N_;
    const auto& op = out_;
    // targets (sanitised, clamped)
    for (int i = 0; i < C_ * N; ++i) {
        float g = bandGains[size_t(i)];
        if (!std::isfinite(g)) g = op.gainsDb ? float(op.minDb) : 0.f;
        float lin = op.gainsDb ? std::pow(10.f, std::clamp(g, float(op.minDb), float(op.maxDb)) * 0.05f)
                               : std::clamp(g, 0.f, float(op.maxGain));
        tgtGains_[size_t(i)] = lin * norm_;
        float nz = noise[size_t(i)];
        tgtNoise_[size_t(i)] = std::isfinite(nz) ? std::clamp(nz, 0.f, float(op.maxNoise)) * norm_ : 0.f;
    }
    const float a = smoothA_;
    for (int c = 0; c < C_; ++c) {
        float* g = &gSmooth_[size_t(c * N)];
        const float* tg = &tgtGains_[size_t(c * N)];
        float* ng = &nSmooth_[size_t(c * N)];
        const float* tn = &tgtNoise_[size_t(c * N)];
        float* ns1 = &n1_[size_t(c * kMaxBands)];
        float* ns2 = &n2_[size_t(c * kMaxBands)];
        const float* sig = &bandSig_[size_t(c) * size_t(maxStep_) * size_t(N)];
        const float* dry = dryAll + size_t(c * stride);
        float* out = outAll + size_t(c * stride);
        float bg = gain[size_t(c)];
        bg = std::isfinite(bg) ? std::clamp(bg, 0.f, float(op.maxGain)) : 0.f;
        float& bs = bSmooth_[size_t(c)];
        std::uint32_t rng = noiseRng_[size_t(c)];
        for (int t = 0; t < S; ++t) {
            const float* y = sig + size_t(t * N);
            float wet = 0.f;
            for (int k = 0; k < N; ++k) {
                g[k] += (tg[k] - g[k]) * a;
                wet += g[k] * y[k];
            }
            if (noiseDriven) {
                rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
                const float wn = (float(rng) * (2.f / 4294967296.f) - 1.f) * 1.7320508f;
                for (int k = 0; k < N; ++k) {
                    const float yk = b0_[k] * wn + ns1[k];
                    ns1[k] = -a1_[k] * yk + ns2[k];
                    ns2[k] = -b0_[k] * wn - a2_[k] * yk;
                    ng[k] += (tn[k] - ng[k]) * a;
                    wet += ng[k] * yk;
                }
            }
            bs += (bg - bs) * a;
            wet *= bs;
            const float m = mixSeq[size_t(t)];
            float o = (dry[t] * (1.f - m) + wet * m) * gainSeq[size_t(t)];
            if (!std::isfinite(o) || std::fabs(o) < 1e-30f) o = 0.f;
            out[t] = std::clamp(o, -limits::kOutputCeiling, limits::kOutputCeiling);
        }
        noiseRng_[size_t(c)] = rng;
        for (int k = 0; k < N; ++k)
            if (!std::isfinite(ns1[k]) || !std::isfinite(ns2[k]) || !std::isfinite(g[k]) || !std::isfinite(ng[k]))
                ns1[k] = ns2[k] = g[k] = ng[k] = 0.f;
        if (!std::isfinite(bs)) bs = 0.f;
    }
}

} // namespace graded
