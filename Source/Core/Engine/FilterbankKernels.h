// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The filterbank's inner loops (internal to Filterbank.cpp): blocks of bands in SIMD lanes,
// written once with GCC/clang vector extensions and instantiated for 4 lanes (SSE2, the
// portable x86-64 baseline; NEON on arm64) and 8 lanes (AVX2, chosen at load time where the
// CPU has it). Every lane does the same IEEE operations in the same order whatever the
// width (no fused multiply-add: Filterbank.cpp is built with -ffp-contract=off) and sums
// across bands go into 8 fixed lanes, so both widths give bit-identical output.

#include <cstring>

// The wide kernels are only ever called from functions compiled for the width they use.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace graded::fbk {

#define GRADED_KERNEL inline __attribute__((always_inline))

typedef float v4 __attribute__((vector_size(16)));
typedef float v8 __attribute__((vector_size(32)));

/** Bands are processed in blocks of 4 or 8 lanes; sums over bands land in 8 fixed lanes
    (band k in lane k % 8), whatever the width. (Blocks of 16, split by the compiler into
    independent chains, measured slower: the states no longer fit in the registers.) */
inline constexpr int kLanes = 8;

template <class V> GRADED_KERNEL V ld(const float* p) noexcept { V v; std::memcpy(&v, p, sizeof v); return v; }
template <class V> GRADED_KERNEL void st(float* p, V v) noexcept { std::memcpy(p, &v, sizeof v); }
template <class V> GRADED_KERNEL V sp(float x) noexcept { return V{} + x; }
template <class V> constexpr int width() noexcept { return int(sizeof(V) / sizeof(float)); }

/** One RBJ band-pass (b1 = 0, b2 = -b0), transposed direct form II, in every lane. */
template <class V> GRADED_KERNEL V bandPass(V x, V b0, V a1, V a2, V& s1, V& s2) noexcept {
    const V y = b0 * x + s1;
    s1 = s2 - a1 * y;
    s2 = -(b0 * x) - a2 * y;
    return y;
}

struct Analysis {
    int Np, S, K;                 // bands (a multiple of kLanes), samples, state stride
    const float *xi, *xq;         // the analytic pair of the step [S]
    const float *b0, *a1, *a2, *ea;
    float *state;                 // [8][K]: i1 i2 q1 q2 (first pass), i3 i4 q3 q4 (second)
    float *e1, *e2, *acc;         // envelopes, the step's sum of e2
    float *sig;                   // band signals [S][Np]
};

/** Each band: the pair through its band-pass gives the band's signal (in-phase part, kept
    for synthesis); a second pass through the same band-pass (fourth order) gives the analytic
    band signal whose energy, smoothed by two one-poles, is summed over the step. */
template <class V> GRADED_KERNEL void analyse(const Analysis& a) noexcept {
    constexpr int W = width<V>();
    const int K = a.K;
    float* s = a.state;
    for (int k = 0; k < a.Np; k += W) {
        const V B0 = ld<V>(a.b0 + k), A1 = ld<V>(a.a1 + k), A2 = ld<V>(a.a2 + k), EA = ld<V>(a.ea + k);
        V i1 = ld<V>(s + 0 * K + k), i2 = ld<V>(s + 1 * K + k), q1 = ld<V>(s + 2 * K + k), q2 = ld<V>(s + 3 * K + k);
        V i3 = ld<V>(s + 4 * K + k), i4 = ld<V>(s + 5 * K + k), q3 = ld<V>(s + 6 * K + k), q4 = ld<V>(s + 7 * K + k);
        V f1 = ld<V>(a.e1 + k), f2 = ld<V>(a.e2 + k), sum = sp<V>(0.f);
        const V half = sp<V>(0.5f);
        for (int t = 0; t < a.S; ++t) {
            const V yi = bandPass(sp<V>(a.xi[t]), B0, A1, A2, i1, i2);
            const V yq = bandPass(sp<V>(a.xq[t]), B0, A1, A2, q1, q2);
            st(a.sig + size_t(t) * size_t(a.Np) + size_t(k), yi);
            const V zi = bandPass(yi, B0, A1, A2, i3, i4);
            const V zq = bandPass(yq, B0, A1, A2, q3, q4);
            f1 += (half * (zi * zi + zq * zq) - f1) * EA;
            f2 += (f1 - f2) * EA;
            sum += f2;
        }
        st(s + 0 * K + k, i1); st(s + 1 * K + k, i2); st(s + 2 * K + k, q1); st(s + 3 * K + k, q2);
        st(s + 4 * K + k, i3); st(s + 5 * K + k, i4); st(s + 6 * K + k, q3); st(s + 7 * K + k, q4);
        st(a.e1 + k, f1);
        st(a.e2 + k, f2);
        st(a.acc + k, sum);
    }
}

struct Synthesis {
    int Np, S;
    float a, invS;                // extra one-pole coefficient, 1 / S
    const float* sig;             // band signals [S][Np]
    const float* target;          // this step's band gains [Np]
    float *cur, *smooth;          // ramp position and smoothed gain [Np]
    bool noise;                   // run the noise bank
    const float* wn;              // white noise [S]
    const float *b0, *a1, *a2;
    float *n1, *n2, *m1, *m2, *o1, *o2; // the noise bank's three passes [Np]
    const float* noiseTarget;     // this step's noise amplitudes [Np]
    float *noiseCur, *noiseSmooth;
    float* wsum;                  // [S][kLanes] lane sums, zeroed by the caller
};

/** Gains ramped linearly from the last step's to this step's targets (then the optional
    one-pole) times the band signals, and the band noise likewise, summed into the lanes. */
template <class V> GRADED_KERNEL void synthesise(const Synthesis& s) noexcept {
    constexpr int W = width<V>();
    const V va = sp<V>(s.a), vInvS = sp<V>(s.invS);
    for (int k = 0; k < s.Np; k += W) {
        const int lane = k % kLanes;
        const V target = ld<V>(s.target + k);
        V g = ld<V>(s.cur + k), gs = ld<V>(s.smooth + k);
        const V dg = (target - g) * vInvS;
        for (int t = 0; t < s.S; ++t) {
            g += dg;
            gs += (g - gs) * va;
            float* w = s.wsum + t * kLanes + lane;
            st(w, ld<V>(w) + gs * ld<V>(s.sig + size_t(t) * size_t(s.Np) + size_t(k)));
        }
        st(s.cur + k, target); // land exactly on the target (no drift of the ramp)
        st(s.smooth + k, gs);
    }
    if (!s.noise) return;
    for (int k = 0; k < s.Np; k += W) {
        const int lane = k % kLanes;
        const V B0 = ld<V>(s.b0 + k), A1 = ld<V>(s.a1 + k), A2 = ld<V>(s.a2 + k);
        V u1 = ld<V>(s.n1 + k), u2 = ld<V>(s.n2 + k), v1 = ld<V>(s.m1 + k), v2 = ld<V>(s.m2 + k);
        V w1 = ld<V>(s.o1 + k), w2 = ld<V>(s.o2 + k);
        const V target = ld<V>(s.noiseTarget + k);
        V n = ld<V>(s.noiseCur + k), ns = ld<V>(s.noiseSmooth + k);
        const V dn = (target - n) * vInvS;
        for (int t = 0; t < s.S; ++t) {
            const V y = bandPass(bandPass(bandPass(sp<V>(s.wn[t]), B0, A1, A2, u1, u2), B0, A1, A2, v1, v2), B0, A1, A2, w1, w2);
            n += dn;
            ns += (n - ns) * va;
            float* w = s.wsum + t * kLanes + lane;
            st(w, ld<V>(w) + ns * y);
        }
        st(s.n1 + k, u1); st(s.n2 + k, u2); st(s.m1 + k, v1); st(s.m2 + k, v2); st(s.o1 + k, w1); st(s.o2 + k, w2);
        st(s.noiseCur + k, target);
        st(s.noiseSmooth + k, ns);
    }
}

} // namespace graded::fbk
