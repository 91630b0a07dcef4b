// SPDX-License-Identifier: GPL-3.0-or-later
// The load-time choice of instruction set for the hot kernels (compiled with the build's
// baseline flags).
#include "HotKernels.h"

#include <atomic>
#include <cstdlib>

namespace graded {

// Each variant's tables (Kernels/HotKernelsIsa.cpp, one object file per instruction set).
#define GRADED_DECLARE_ISA(ns)                                                                                   \
    namespace ns {                                                                                               \
    const HotKernels<float>& floatKernels() noexcept;                                                            \
    const HotKernels<double>& doubleKernels() noexcept;                                                          \
    }
GRADED_DECLARE_ISA(isa_sse2)
#ifdef GRADED_HAVE_ISA_avx2
GRADED_DECLARE_ISA(isa_avx2)
#endif
#ifdef GRADED_HAVE_ISA_avx512
GRADED_DECLARE_ISA(isa_avx512)
#endif

namespace {

bool cpuRuns(Isa i) noexcept {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    switch (i) {
        case Isa::sse2: return true;
        // __builtin_cpu_supports also checks that the OS saves the wide registers (XCR0).
        case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case Isa::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
                && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2")
                && __builtin_cpu_supports("fma");
    }
    return false;
#else
    return i == Isa::sse2;
#endif
}

// Without GRADED_ISA: the widest set that gives the baseline's bits (AVX2 without fused
// multiply-adds: the render digests then hold on every CPU), or the widest of all in a
// build that asked for fused multiply-adds (GRADED_ISA_FMA=ON). On the AMD EPYC (Zen 4)
// this was measured on, AVX-512 is no faster than AVX2 for these kernels (README,
// "Benchmarks"); GRADED_ISA=avx512 asks for it.
Isa detectBest() noexcept {
    if (const char* env = std::getenv("GRADED_ISA"))
        if (auto parsed = parseIsa(env)) return availableIsaAtMost(*parsed);
    const bool fusedWanted = isaFusesMultiplyAdd(Isa::avx2);
    for (int k = kNumIsas - 1; k > 0; --k)
        if (isaAvailable(Isa(k)) && (fusedWanted || !isaFusesMultiplyAdd(Isa(k)))) return Isa(k);
    return Isa::sse2;
}

std::atomic<int>& active() noexcept {
    static std::atomic<int> a{int(detectBest())};
    return a;
}

} // namespace

bool isaCompiled(Isa i) noexcept {
    switch (i) {
        case Isa::sse2: return true;
#ifdef GRADED_HAVE_ISA_avx2
        case Isa::avx2: return true;
#endif
#ifdef GRADED_HAVE_ISA_avx512
        case Isa::avx512: return true;
#endif
        default: return false;
    }
}

bool isaFusesMultiplyAdd(Isa i) noexcept {
#ifdef GRADED_ISA_FMA_AVX2
    if (i == Isa::avx2) return true;
#endif
    return i == Isa::avx512;
}

bool isaAvailable(Isa i) noexcept { return isaCompiled(i) && cpuRuns(i); }

Isa availableIsaAtMost(Isa i) noexcept {
    for (int k = int(i); k > 0; --k)
        if (isaAvailable(Isa(k))) return Isa(k);
    return Isa::sse2;
}

Isa bestIsa() noexcept {
    static const Isa best = detectBest();
    return best;
}

Isa activeIsa() noexcept { return Isa(active().load(std::memory_order_relaxed)); }

Isa setActiveIsa(Isa i) noexcept {
    const Isa chosen = availableIsaAtMost(i);
    active().store(int(chosen), std::memory_order_relaxed);
    return chosen;
}

#define GRADED_PICK(fn)                                                                                          \
    switch (availableIsaAtMost(i)) {                                                                             \
        case Isa::sse2: break;                                                                                   \
        case Isa::avx2: GRADED_IF_AVX2(return isa_avx2::fn();) break;                                            \
        case Isa::avx512: GRADED_IF_AVX512(return isa_avx512::fn();) break;                                      \
    }                                                                                                            \
    return isa_sse2::fn();
#ifdef GRADED_HAVE_ISA_avx2
#define GRADED_IF_AVX2(x) x
#else
#define GRADED_IF_AVX2(x)
#endif
#ifdef GRADED_HAVE_ISA_avx512
#define GRADED_IF_AVX512(x) x
#else
#define GRADED_IF_AVX512(x)
#endif

template <> const HotKernels<float>& hotKernels<float>(Isa i) noexcept { GRADED_PICK(floatKernels) }
template <> const HotKernels<double>& hotKernels<double>(Isa i) noexcept { GRADED_PICK(doubleKernels) }

} // namespace graded
