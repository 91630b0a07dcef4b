// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Instruction sets the hot kernels of cells and synapses are compiled for, and the choice
// among them at load time (Kernels/HotKernels.h, Kernels/HotKernelsIsa.cpp).

#include <optional>
#include <string_view>

namespace graded {

/** sse2: the portable x86-64 baseline (whatever the build's own flags give: with
    -DGRADED_ARCH=native it is that); avx2: AVX2, 8 float lanes; avx512: AVX-512F/DQ/VL,
    16 float lanes. Off x86-64 only the baseline exists. */
enum class Isa { sse2, avx2, avx512 };
inline constexpr std::string_view kIsaNames[] = {"sse2", "avx2", "avx512"};
inline constexpr int kNumIsas = 3;

inline std::string_view isaName(Isa i) noexcept { return kIsaNames[static_cast<int>(i)]; }
inline std::optional<Isa> parseIsa(std::string_view name) noexcept {
    for (int i = 0; i < kNumIsas; ++i)
        if (kIsaNames[i] == name) return static_cast<Isa>(i);
    return std::nullopt;
}

/** The kernels were compiled for `i` in this build. */
bool isaCompiled(Isa i) noexcept;
/** Compiled, and this CPU (and its operating system) runs it. */
bool isaAvailable(Isa i) noexcept;
/** The set chosen at load time: GRADED_ISA=sse2|avx2|avx512 in the environment (read once;
    an unknown value is ignored) asks for one (or the widest available below it); otherwise
    the widest available set that gives the baseline's bits (isaFusesMultiplyAdd() false),
    or simply the widest in a build with GRADED_ISA_FMA=ON. */
Isa bestIsa() noexcept;
/** The set new cells and synapses take at construction; starts as bestIsa(). */
Isa activeIsa() noexcept;
/** Sets activeIsa() for cells and synapses built from now on (tests, benchmarks); a set this
    CPU lacks falls back to the widest available below it. Returns the set now active. */
Isa setActiveIsa(Isa i) noexcept;
/** The kernels for `i` fuse multiply-adds (AVX-512 always, AVX2 when built with
    GRADED_ISA_FMA=ON): their results may differ from the baseline's in the last bits.
    Without, every set gives the baseline's bits wherever the number of values a loop runs
    over is a multiple of 16 (Tests/Core/IsaTests.cpp). */
bool isaFusesMultiplyAdd(Isa i) noexcept;
/** The widest available set at or below `i`. */
Isa availableIsaAtMost(Isa i) noexcept;

} // namespace graded
