// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"
#include "CellSpecs.h"
#include "NormalRng.h"

#include <cmath>

namespace graded {

/** LeakyNoiseCell: a continuous-time, noisy, leaky rate unit.

        tau_x dx/dt = -leak_scale x + j_input + j_recurrent + sqrt(2 tau_x sigma_rec^2) eps
        r = f(x) + sigma_post eps;   r_prime = f'(x)

    eps ~ N(0, 1), one sample per unit and step, held over the integrator's stages.
    Reference quirks kept: the same eps serves the pre- and the post-rectification noise,
    and the noise term is integrated like any input (scaled by dt, not sqrt(dt)), so its
    effect depends on the step size.

    The noise comes from the cell's own seeded generator; a caller can instead inject the
    step's sample with injectNoise() (how ngclearn's recorded runs are replayed).

    | compartment  | role   | shape            | meaning                              |
    |--------------|--------|------------------|--------------------------------------|
    | j_input      | input  | [batch][n_units] | input current                        |
    | j_recurrent  | input  | [batch][n_units] | recurrent current                    |
    | x            | state  | [batch][n_units] | noisy rate activity                  |
    | eps          | state  | [batch][n_units] | the last step's unit-normal sample   |
    | r            | output | [batch][n_units] | f(x) + sigma_post eps                |
    | r_prime      | output | [batch][n_units] | f'(x)                                |
    Time (dt, tau_x) is in milliseconds. */
template <typename T> class LeakyNoiseCell final : public Cell<T> {
public:
    using Params = LeakyNoiseCellParams;

    explicit LeakyNoiseCell(const Params& p)
        : Cell<T>(checked(p).batchSize, p.nUnits), p_(p), rng_(p.seed) {
        const int n = p.batchSize * p.nUnits;
        for (Buffer<T>* b : {&j_input, &j_recurrent, &x, &eps, &r, &r_prime, &k1_, &k2_, &k3_})
            b->setZero(n);
        this->exposeAsSpecified(leakyNoiseCellSpec(), {{"j_input", &j_input}, {"j_recurrent", &j_recurrent}, {"x", &x},
                                                       {"eps", &eps}, {"r", &r}, {"r_prime", &r_prime}});
    }

    CellKind kind() const noexcept override { return CellKind::LeakyNoiseCell; }
    const Params& params() const noexcept { return p_; }

    /** Live retuning; sizes and the generator's state are kept. Caller validates. */
    void setParams(const Params& p) noexcept { assignKeepingSizes(p_, p); }

    /** The next advance uses `sample` (n_units * batch_size values, row-major) as eps
        instead of drawing from the generator. */
    void injectNoise(const T* sample) noexcept {
        for (Eigen::Index i = 0; i < eps.size(); ++i) eps[i] = sample[i];
        injected_ = true;
    }
    /** The next advance uses what was written into the eps compartment. */
    void useWrittenNoise() noexcept { injected_ = true; }

    void reseed(std::uint64_t seed) noexcept { rng_.reseed(seed); }

    void advance(T dt) noexcept override {
        if (!injected_) {
            if (p_.sigmaRec == 0 && p_.sigmaPost == 0) eps.setZero();
            else
                for (Eigen::Index i = 0; i < eps.size(); ++i) eps[i] = T(rng_.normal());
        }
        injected_ = false;
        this->hot_->leakyAdvance(*this, dt);
    }

    /** advance's body after the noise draw, instantiated per instruction set by
        Kernels/HotKernelsIsa.cpp (`Tag` names the set); call advance(). */
    template <class Tag> void advanceKernel(T dt) noexcept {
        switch (p_.integrator) {
            case Integrator::euler: integrate<Integrator::euler>(dt); break;
            case Integrator::midpoint: integrate<Integrator::midpoint>(dt); break;
            case Integrator::rk4: integrate<Integrator::rk4>(dt); break;
        }
        const T omega = T(p_.omega0);
        kernels::activate<T>(p_.act, x, r, omega);
        r += eps * T(p_.sigmaPost);
        kernels::derivative<T>(p_.act, x, r_prime, omega);
    }

    void reset() noexcept override {
        j_input.setZero();
        j_recurrent.setZero();
        x.setZero();
        r.setZero();
        r_prime.setZero();
        eps.setZero();
        injected_ = false;
    }

    Buffer<T> j_input, j_recurrent, x, eps, r, r_prime;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }

    template <Integrator I> void integrate(T dt) noexcept {
        const T leak = T(p_.leakScale);
        const T noiseGain = T(std::sqrt(2.0 * p_.tauX * p_.sigmaRec * p_.sigmaRec));
        const T invTau = T(1) / T(p_.tauX);
        auto g = [&](const Buffer<T>& s) {
            // s * -leak is -(s * leak) bit for bit, in every instruction set (see RateCell)
            return (s * (-leak) + (j_recurrent + j_input) + eps * noiseGain) * invTau;
        };
        kernels::integrateStep<I>(x, dt, g, k1_, k2_, k3_);
    }

    Params p_;
    NormalRng rng_;
    bool injected_ = false;
    Buffer<T> k1_, k2_, k3_;
};

} // namespace graded
