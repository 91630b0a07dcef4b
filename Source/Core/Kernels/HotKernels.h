// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The hot loops of cells and synapses, compiled once per instruction set
// (Kernels/HotKernelsIsa.cpp, built with different -m flags by Source/Core/CMakeLists.txt)
// and chosen when a cell or synapse is built: each keeps a pointer to one table and its
// advance / evolve call through it (one indirect call, no allocation, no lock).

#include "Isa.h"

namespace graded {

template <typename T> class RateCell;
template <typename T> class GaussianErrorCell;
template <typename T> class LaplacianErrorCell;
template <typename T> class BernoulliErrorCell;
template <typename T> class LeakyNoiseCell;
template <typename T> class DenseSynapse;
template <typename T> class HebbianSynapse;

template <typename T> struct HotKernels {
    Isa isa;
    void (*rateAdvance)(RateCell<T>&, T dt) noexcept;
    void (*gaussianAdvance)(GaussianErrorCell<T>&) noexcept;
    void (*laplacianAdvance)(LaplacianErrorCell<T>&) noexcept;
    void (*bernoulliAdvance)(BernoulliErrorCell<T>&) noexcept;
    /** Everything of LeakyNoiseCell::advance after the noise draw. */
    void (*leakyAdvance)(LeakyNoiseCell<T>&, T dt) noexcept;
    void (*denseAdvance)(DenseSynapse<T>&) noexcept;
    void (*hebbianEvolve)(HebbianSynapse<T>&) noexcept;
};

/** The kernels for availableIsaAtMost(i). */
template <typename T> const HotKernels<T>& hotKernels(Isa i) noexcept;
/** The kernels for activeIsa(). */
template <typename T> const HotKernels<T>& hotKernels() noexcept { return hotKernels<T>(activeIsa()); }

template <> const HotKernels<float>& hotKernels<float>(Isa i) noexcept;
template <> const HotKernels<double>& hotKernels<double>(Isa i) noexcept;

} // namespace graded
