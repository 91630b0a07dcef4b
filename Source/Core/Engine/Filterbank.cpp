// SPDX-License-Identifier: GPL-3.0-or-later
#include "Filterbank.h"

#include "../Limits.h"
#include "FilterbankKernels.h"
#include "HostParams.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdlib>
#include <cstring>

namespace graded {

namespace {

// A Hilbert pair: two chains of four second-order allpass sections (each
// y[n] = c^2 (x[n] + y[n-2]) - x[n-2]) whose outputs, the first delayed by one sample, are
// 90 degrees apart within +-0.7 degrees from 0.0006 fs to 0.4994 fs (30 Hz .. 23.97 kHz at
// 48 kHz). Coefficients: Olli Niemitalo's "Hilbert transform" IIR design (public domain).
constexpr float kHilA[4] = {0.6923878f * 0.6923878f, 0.9360654322959f * 0.9360654322959f,
                            0.9882295226860f * 0.9882295226860f, 0.9987488452737f * 0.9987488452737f};
constexpr float kHilB[4] = {0.4021921162426f * 0.4021921162426f, 0.8561710882420f * 0.8561710882420f,
                            0.9722909545651f * 0.9722909545651f, 0.9952884791278f * 0.9952884791278f};

// The kernels at two widths: 4 lanes (the portable baseline) and, on x86-64 CPUs that have
// it, 8 lanes compiled for AVX2 (chosen when the filterbank is prepared; GRADED_ISA=sse2 in
// the environment forces the baseline, for comparisons). Both give the same bits.
void analyseV4(const fbk::Analysis& a) noexcept { fbk::analyse<fbk::v4>(a); }
void synthesiseV4(const fbk::Synthesis& s) noexcept { fbk::synthesise<fbk::v4>(s); }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GRADED_HAVE_AVX2_KERNELS 1
__attribute__((target("avx2"))) void analyseV8(const fbk::Analysis& a) noexcept { fbk::analyse<fbk::v8>(a); }
__attribute__((target("avx2"))) void synthesiseV8(const fbk::Synthesis& s) noexcept { fbk::synthesise<fbk::v8>(s); }
#endif

bool useWideKernels() noexcept {
#ifdef GRADED_HAVE_AVX2_KERNELS
    const char* isa = std::getenv("GRADED_ISA");
    if (isa != nullptr && std::strcmp(isa, "sse2") == 0) return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}

inline float compressDb(float e) noexcept { return std::max(0.f, (10.f * std::log10(e + 1e-10f) + 100.f) * 0.01f); }

} // namespace

void Filterbank::prepare(const AudioInParams& in, const AudioOutParams& out, double sampleRate, int channels, int maxStep) {
    in_ = in;
    out_ = out;
    C_ = channels;
    N_ = std::clamp(in.bands, 1, kMaxBands);
    Np_ = (N_ + fbk::kLanes - 1) / fbk::kLanes * fbk::kLanes;
    wide_ = useWideKernels();
    M_ = in.samples;
    maxStep_ = std::clamp(maxStep, 1, kMaxStepSamples);
    design(sampleRate);
    hil_.assign(size_t(C_), Hilbert{});
    bandState_.assign(size_t(C_) * kStates * kMaxBands, 0.f);
    env1_.assign(size_t(C_ * kMaxBands), 0.f);
    env2_ = n1_ = n2_ = m1_ = m2_ = o1_ = o2_ = env1_;
    gCur_ = gSmooth_ = nCur_ = nSmooth_ = env1_;
    lev1_.assign(size_t(C_), 0.f);
    lev2_ = lev1_;
    bCur_.assign(size_t(C_), 1.f);
    bSmooth_ = bCur_;
    noiseRng_.assign(size_t(C_), 0u);
    bandSig_.assign(size_t(C_) * size_t(maxStep_) * size_t(Np_), 0.f);
    wet_.assign(size_t(maxStep_), 0.f);
    smoothA_ = out.smoothMs <= 0 ? 1.f : float(1.0 - std::exp(-1.0 / (out.smoothMs * 1e-3 * sampleRate)));
    levelA_ = float(1.0 - std::exp(-1.0 / (std::max(in.levelMs, 0.01) * 1e-3 * sampleRate)));
    const int look = std::max(1, int(std::lround(out.lookaheadMs * 1e-3 * sampleRate)));
    limiter_.prepare(C_, look, sampleRate, 80.0);
    reset();
}

void Filterbank::setWideKernels(bool on) noexcept {
#ifdef GRADED_HAVE_AVX2_KERNELS
    __builtin_cpu_init();
    wide_ = on && __builtin_cpu_supports("avx2");
#else
    (void)on;
    wide_ = false;
#endif
}

void Filterbank::design(double fs) {
    const int N = N_;
    const double hi = std::min(in_.maxHz, 0.45 * fs);
    const double lo = std::min(in_.minHz, hi * 0.5);
    const double r = N > 1 ? std::pow(hi / lo, 1.0 / (N - 1)) : 1.0;
    const double Q = N > 1 ? std::sqrt(r) / (r - 1.0) : 0.7071;
    for (int k = 0; k < kMaxBands; ++k) b0_[k] = a1_[k] = a2_[k] = envA_[k] = noiseNorm_[k] = 0.f;
    for (int k = 0; k < N; ++k) {
        fc_[k] = N > 1 ? lo * std::pow(r, k) : std::sqrt(lo * hi);
        const double w0 = 2.0 * M_PI * fc_[k] / fs;
        const double alpha = std::sin(w0) / (2.0 * Q);
        const double a0 = 1.0 + alpha;
        b0_[k] = float(alpha / a0);
        a1_[k] = float(-2.0 * std::cos(w0) / a0);
        a2_[k] = float((1.0 - alpha) / a0);
        // The noise bank runs each band's band-pass three times (sixth order: noise stays in
        // its band, 18 dB per octave outside it); noiseNorm_ makes unit white noise come out
        // of it at unit RMS. Its energy (sum of h^2 = (1/pi) integral of |H|^6 over 0..pi) by
        // the trapezoid rule on a log-frequency grid (dense around the narrow peak; the part
        // below w0 / 10^4 is negligible): matches the impulse response's sum to 1e-12, in a
        // fixed 8192 points whatever the rate and band.
        {
            const double B0 = alpha / a0, A1 = -2.0 * std::cos(w0) / a0, A2 = (1.0 - alpha) / a0;
            constexpr int M = 8192;
            const double lo = std::log(std::max(w0 * 1e-4, 1e-12)), hi = std::log(M_PI);
            double energy = 0, prev = 0;
            for (int i = 0; i <= M; ++i) {
                const double u = lo + (hi - lo) * i / M, w = std::exp(u);
                const std::complex<double> z1 = std::polar(1.0, -w), z2 = z1 * z1;
                const double h = std::abs(B0 * (1.0 - z2) / (1.0 + A1 * z1 + A2 * z2));
                const double f = h * h * h * h * h * h * w;
                if (i > 0) energy += 0.5 * (prev + f);
                prev = f;
            }
            energy *= (hi - lo) / M / M_PI;
            noiseNorm_[k] = float(1.0 / std::sqrt(std::max(energy, 1e-30)));
        }
        // The envelope can follow no faster than the band rings (Q / (pi fc)): smoothing at
        // that time constant costs no time resolution and keeps the envelope of a steady
        // tone steady.
        const double tau = std::max(in_.envMs * 1e-3, Q / (M_PI * fc_[k]));
        envA_[k] = float(1.0 - std::exp(-1.0 / (tau * fs)));
    }
    // Normalise the sum of all bands to 0 dB on average (in dB) over the covered range.
    double sumDb = 0;
    const int probes = 200;
    const double flo = N > 1 ? fc_[0] : lo, fhi = N > 1 ? fc_[N - 1] : hi;
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
    for (auto* v : {&bandState_, &env1_, &env2_, &n1_, &n2_, &m1_, &m2_, &o1_, &o2_, &lev1_, &lev2_})
        std::fill(v->begin(), v->end(), 0.f);
    for (auto& h : hil_) h = Hilbert{};
    // gains start where an undriven AudioOut has them
    const float g0 = out_.gainsDb ? std::pow(10.f, std::clamp(float(out_.bandGainDefault), float(out_.minDb), float(out_.maxDb)) * 0.05f)
                                  : std::clamp(float(out_.bandGainDefault), 0.f, float(out_.maxGain));
    std::fill(gCur_.begin(), gCur_.end(), g0 * norm_);
    gSmooth_ = gCur_;
    std::fill(nCur_.begin(), nCur_.end(), 0.f);
    std::fill(nSmooth_.begin(), nSmooth_.end(), 0.f);
    std::fill(bCur_.begin(), bCur_.end(), 1.f);
    std::fill(bSmooth_.begin(), bSmooth_.end(), 1.f);
    for (int c = 0; c < C_; ++c) noiseRng_[size_t(c)] = 0x9e3779b9u ^ std::uint32_t(c * 0x85ebca6bu + 1u);
    limiter_.reset();
}

void Filterbank::analyse(const float* xAll, int stride, int S, float* bands, float* level, float* samples) noexcept {
    const int N = N_, Np = Np_, M = M_;
    const float invS = 1.f / float(S);
    const float la = levelA_;
    alignas(32) float xi[kMaxStepSamples], xq[kMaxStepSamples], acc[kMaxBands];
    for (int c = 0; c < C_; ++c) {
        const float* x = xAll + size_t(c * stride);
        float* st = &bandState_[size_t(c) * kStates * kMaxBands];
        float* e1 = &env1_[size_t(c * kMaxBands)];
        float* e2 = &env2_[size_t(c * kMaxBands)];
        float* sig = &bandSig_[size_t(c) * size_t(maxStep_) * size_t(Np)];
        // the analytic pair (xi, xq) of the step's input, and the level envelope
        Hilbert& h = hil_[size_t(c)];
        float lv1 = lev1_[size_t(c)], lv2 = lev2_[size_t(c)], lacc = 0.f;
        for (int t = 0; t < S; ++t) {
            float a = x[t], b = x[t];
            for (int s = 0; s < 4; ++s) {
                const float ya = kHilA[s] * (a + h.y2[s]) - h.x2[s];
                h.x2[s] = h.x1[s]; h.x1[s] = a; h.y2[s] = h.y1[s]; h.y1[s] = ya; a = ya;
                const float yb = kHilB[s] * (b + h.y2[4 + s]) - h.x2[4 + s];
                h.x2[4 + s] = h.x1[4 + s]; h.x1[4 + s] = b; h.y2[4 + s] = h.y1[4 + s]; h.y1[4 + s] = yb; b = yb;
            }
            xi[t] = h.delayedA;
            xq[t] = b;
            h.delayedA = a;
            lv1 += (0.5f * (xi[t] * xi[t] + xq[t] * xq[t]) - lv1) * la;
            lv2 += (lv1 - lv2) * la;
            lacc += lv2;
        }
        const fbk::Analysis args{Np, S, kMaxBands, xi, xq, b0_, a1_, a2_, envA_, st, e1, e2, acc, sig};
#ifdef GRADED_HAVE_AVX2_KERNELS
        if (wide_) analyseV8(args);
        else
#endif
            analyseV4(args);
        for (int k = 0; k < N; ++k) {
            bool ok = std::isfinite(e1[k]) && std::isfinite(e2[k]);
            for (int j = 0; j < kStates; ++j) ok = ok && std::isfinite(st[j * kMaxBands + k]);
            if (!ok) {
                for (int j = 0; j < kStates; ++j) st[j * kMaxBands + k] = 0.f;
                e1[k] = e2[k] = 0.f;
            }
            const float e = acc[k] * invS;
            float v = in_.compressDb ? compressDb(e) : e;
            if (!std::isfinite(v)) v = 0.f;
            bands[size_t(c * N + k)] = std::min(v, 1e6f);
        }
        bool hilOk = std::isfinite(h.delayedA);
        for (int s = 0; s < 8; ++s) hilOk = hilOk && std::isfinite(h.y1[s]) && std::isfinite(h.y2[s]);
        if (!hilOk || !std::isfinite(lv1) || !std::isfinite(lv2)) {
            h = Hilbert{};
            lv1 = lv2 = lacc = 0.f;
        }
        lev1_[size_t(c)] = lv1;
        lev2_[size_t(c)] = lv2;
        const float ms = lacc * invS;
        float lvl = in_.compressDb ? compressDb(ms) : std::sqrt(ms);
        level[size_t(c)] = std::isfinite(lvl) ? lvl : 0.f;
        const int seg = std::max(1, S / M);
        for (int m = 0; m < M; ++m) {
            float sm = 0.f;
            for (int t = m * seg; t < std::min(S, (m + 1) * seg); ++t) sm += x[t];
            samples[size_t(c * M + m)] = sm / float(seg);
        }
    }
}

void Filterbank::synthesise(const float* bandGains, const float* gain, const float* noise, bool noiseDriven,
                            const float* dryAll, const float* mixSeq, const float* gainSeq, int stride, int S, float* outAll,
                            float* appliedDb, float* limitDb) noexcept {
    const int N = N_;
    const auto& op = out_;
    const float a = smoothA_;
    const float invS = 1.f / float(S);
    const float ceilingLin = std::pow(10.f, float(op.ceilingDb) * 0.05f);
    const int Np = Np_;
    alignas(32) float tg[kMaxBands], tn[kMaxBands], wn[kMaxStepSamples];
    alignas(32) float wsum[kMaxStepSamples * fbk::kLanes];
    for (int c = 0; c < C_; ++c) {
        // this step's targets (sanitised, clamped), reached by a linear ramp over the step
        for (int k = 0; k < N; ++k) {
            const size_t i = size_t(c * N + k);
            float g = bandGains[i];
            if (!std::isfinite(g)) g = op.gainsDb ? float(op.minDb) : 0.f;
            const float lin = op.gainsDb ? std::pow(10.f, std::clamp(g, float(op.minDb), float(op.maxDb)) * 0.05f)
                                         : std::clamp(g, 0.f, float(op.maxGain));
            tg[k] = lin * norm_;
            float nz = noise[i];
            nz = std::isfinite(nz) ? std::clamp(nz, 0.f, float(op.maxNoise)) * norm_ : 0.f;
            // "input": the amplitude is relative to the band's own level (1 = its RMS);
            // "absolute": 1 = the RMS unit white noise has after one band-pass (sqrt(b0))
            nz *= noiseNorm_[k] * (op.noiseRelative ? std::sqrt(std::max(env2_[size_t(c * kMaxBands + k)], 0.f)) : std::sqrt(b0_[k]));
            tn[k] = std::isfinite(nz) ? nz : 0.f;
        }
        float* gc = &gCur_[size_t(c * kMaxBands)];
        float* gs = &gSmooth_[size_t(c * kMaxBands)];
        float* nc = &nCur_[size_t(c * kMaxBands)];
        float* ns = &nSmooth_[size_t(c * kMaxBands)];
        for (int k = N; k < Np; ++k) tg[k] = tn[k] = 0.f;
        float* ns1 = &n1_[size_t(c * kMaxBands)];
        float* ns2 = &n2_[size_t(c * kMaxBands)];
        float* ms1 = &m1_[size_t(c * kMaxBands)];
        float* ms2 = &m2_[size_t(c * kMaxBands)];
        float* os1 = &o1_[size_t(c * kMaxBands)];
        float* os2 = &o2_[size_t(c * kMaxBands)];
        const float* sig = &bandSig_[size_t(c) * size_t(maxStep_) * size_t(Np)];
        float bg = gain[size_t(c)];
        bg = std::isfinite(bg) ? std::clamp(bg, 0.f, float(op.maxGain)) : 0.f;
        float& bc = bCur_[size_t(c)];
        float& bs = bSmooth_[size_t(c)];
        std::fill(wsum, wsum + size_t(S) * fbk::kLanes, 0.f);
        if (noiseDriven) {
            // white noise, one draw per sample shared by the bands
            std::uint32_t rng = noiseRng_[size_t(c)];
            for (int t = 0; t < S; ++t) {
                rng ^= rng << 13; rng ^= rng >> 17; rng ^= rng << 5;
                wn[t] = (float(rng) * (2.f / 4294967296.f) - 1.f) * 1.7320508f;
            }
            noiseRng_[size_t(c)] = rng;
        }
        const fbk::Synthesis args{Np, S, a, invS, sig, tg, gc, gs, noiseDriven, wn, b0_, a1_, a2_,
                                  ns1, ns2, ms1, ms2, os1, os2, tn, nc, ns, wsum};
#ifdef GRADED_HAVE_AVX2_KERNELS
        if (wide_) synthesiseV8(args);
        else
#endif
            synthesiseV4(args);
        const float db = (bg - bc) * invS;
        for (int t = 0; t < S; ++t) {
            bc += db;
            bs += (bc - bs) * a;
            const float* w = wsum + t * fbk::kLanes;
            float sum = 0.f;
            for (int j = 0; j < fbk::kLanes; ++j) sum += w[j];
            wet_[size_t(t)] = sum * bs;
        }
        bc = bg;
        for (int k = 0; k < N; ++k)
            if (!std::isfinite(ns1[k]) || !std::isfinite(ns2[k]) || !std::isfinite(ms1[k]) || !std::isfinite(ms2[k]) ||
                !std::isfinite(os1[k]) || !std::isfinite(os2[k]) || !std::isfinite(gs[k]) || !std::isfinite(ns[k]))
                ns1[k] = ns2[k] = ms1[k] = ms2[k] = os1[k] = os2[k] = gs[k] = ns[k] = 0.f;
        if (!std::isfinite(bs)) bs = 0.f;
        // host mix and output gain, then the ceiling: -1 dBFS (ceilingDb), or the dry input's
        // own level where that is higher, so a dry signal passes untouched
        const float* dry = dryAll + size_t(c * stride);
        float* out = outAll + size_t(c * stride);
        for (int t = 0; t < S; ++t) {
            const float m = mixSeq[size_t(t)];
            float o = (dry[t] * (1.f - m) + wet_[size_t(t)] * m) * gainSeq[size_t(t)];
            if (!std::isfinite(o)) o = 0.f;
            const float d = std::isfinite(dry[t]) ? std::fabs(dry[t]) : 0.f;
            const float ceil = std::min(std::max(ceilingLin, d), limits::kOutputCeiling);
            float v = limiter_.process(c, o, ceil);
            if (std::fabs(v) < 1e-30f) v = 0.f;
            out[t] = v;
        }
        const float lim = limiter_.takeMinGain(c);
        if (limitDb != nullptr) limitDb[c] = 20.f * std::log10(std::max(lim, 1e-6f));
        if (appliedDb != nullptr)
            for (int k = 0; k < N; ++k)
                appliedDb[size_t(c * N + k)] = 20.f * std::log10(std::max(gs[k] / norm_ * std::max(bs, 0.f) * lim, 1e-6f));
    }
}

} // namespace graded
