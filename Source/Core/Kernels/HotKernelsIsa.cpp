// SPDX-License-Identifier: GPL-3.0-or-later
// The hot kernels of cells and synapses for one instruction set. Source/Core/CMakeLists.txt
// compiles this file once per set, each time with its own -m flags (Eigen picks its vector
// width from them at compile time) and GRADED_ISA_NS / GRADED_ISA_ENUM naming it.
//
// One definition rule: the same inline templates (Eigen's, the cells' own) are compiled here
// with different flags in each object, so none of them may leave this object under a name
// another object also defines, or the linker would keep one copy for all (an AVX-512 body
// run on a CPU without it). Hence: every entry point is `flatten` (everything it calls is
// inlined into it) and has internal linkage, the cells' kernel bodies are instantiated on a
// tag type of an anonymous namespace, and the only external names are this set's two table
// accessors, in its own namespace. Tests/Core/CheckIsaObjects.cmake checks each object file
// for any other definition with external linkage (ctest core_isa_objects).
#include "HotKernels.h"

#include "../Cells/ErrorCells.h"
#include "../Cells/LeakyNoiseCell.h"
#include "../Cells/RateCell.h"
#include "../Synapses/Synapse.h"

#if !defined(GRADED_ISA_NS) || !defined(GRADED_ISA_ENUM)
#error "compile with -DGRADED_ISA_NS=isa_<name> -DGRADED_ISA_ENUM=<name> (Source/Core/CMakeLists.txt)"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define GRADED_FLATTEN __attribute__((flatten))
#else
#define GRADED_FLATTEN
#endif

namespace graded {
namespace GRADED_ISA_NS {
namespace {

struct Tag {};

template <typename T> GRADED_FLATTEN void rateAdvance(RateCell<T>& c, T dt) noexcept { c.template advanceKernel<Tag>(dt); }
template <typename T> GRADED_FLATTEN void gaussianAdvance(GaussianErrorCell<T>& c) noexcept { c.template advanceKernel<Tag>(); }
template <typename T> GRADED_FLATTEN void laplacianAdvance(LaplacianErrorCell<T>& c) noexcept { c.template advanceKernel<Tag>(); }
template <typename T> GRADED_FLATTEN void bernoulliAdvance(BernoulliErrorCell<T>& c) noexcept { c.template advanceKernel<Tag>(); }
template <typename T> GRADED_FLATTEN void leakyAdvance(LeakyNoiseCell<T>& c, T dt) noexcept { c.template advanceKernel<Tag>(dt); }
template <typename T> GRADED_FLATTEN void denseAdvance(DenseSynapse<T>& s) noexcept { s.template advanceKernel<Tag>(); }
template <typename T> GRADED_FLATTEN void hebbianEvolve(HebbianSynapse<T>& s) noexcept { s.template evolveKernel<Tag>(); }

template <typename T> constexpr HotKernels<T> table() noexcept {
    return {Isa::GRADED_ISA_ENUM, &rateAdvance<T>, &gaussianAdvance<T>, &laplacianAdvance<T>, &bernoulliAdvance<T>,
            &leakyAdvance<T>, &denseAdvance<T>, &hebbianEvolve<T>};
}
constexpr HotKernels<float> kFloat = table<float>();
constexpr HotKernels<double> kDouble = table<double>();

} // namespace

const HotKernels<float>& floatKernels() noexcept { return kFloat; }
const HotKernels<double>& doubleKernels() noexcept { return kDouble; }

} // namespace GRADED_ISA_NS
} // namespace graded
