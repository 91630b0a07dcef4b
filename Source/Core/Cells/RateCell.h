// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"
#include "CellSpecs.h"

#include <cstring>

namespace graded {

/** RateCell: a graded (non-spiking) neuron driven by predictive-coding gradient dynamics.

        tau_m dz/dt = -gamma phi(z) + j' + j_td,   j' = j * f'(z) * resist_scale
        zF = f(z) * output_scale

    phi is the prior's leak (Prior.h), f the activation (Activation.h); an optional
    threshold (Threshold.h) acts on z after each step. tau_m <= 0 makes the cell stateless:
    z = j + j_td (j is then not modulated).

    | compartment | role   | shape            | meaning                                  |
    |-------------|--------|------------------|------------------------------------------|
    | j           | input  | [batch][n_units] | bottom-up current; overwritten by j'     |
    | j_td        | input  | [batch][n_units] | top-down pressure                        |
    | z           | state  | [batch][n_units] | rate activity                            |
    | zF          | output | [batch][n_units] | f(z) * output_scale                      |
    Time (dt, tau_m) is in milliseconds. */
template <typename T> class RateCell final : public Cell<T> {
public:
    using Params = RateCellParams;

    explicit RateCell(const Params& p) : Cell<T>(checked(p).batchSize, p.nUnits), p_(p) {
        const int n = p.batchSize * p.nUnits;
        for (Buffer<T>* b : {&j, &j_td, &z, &zF, &k1_, &k2_, &k3_, &fz_, &zSeen_}) b->setZero(n);
        this->exposeAsSpecified(rateCellSpec(), {{"j", &j}, {"j_td", &j_td}, {"z", &z}, {"zF", &zF}});
    }

    CellKind kind() const noexcept override { return CellKind::RateCell; }
    const Params& params() const noexcept { return p_; }

    /** Live retuning (tau, prior, activation, ...). The caller validates `p` beforehand and
        keeps n_units and batch_size; sizes never change here. */
    void setParams(const Params& p) noexcept { assignKeepingSizes(p_, p); }

    void advance(T dt) noexcept override { this->hot_->rateAdvance(*this, dt); }

    /** advance's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call advance(). */
    template <class Tag> void advanceKernel(T dt) noexcept {
        const T omega = T(p_.omega0);
        if (!p_.stateful()) {
            z = j + j_td;
        } else {
            if (cachedDerivativeValid()) {
                // f'(z) from f(z) of the previous step: z is bit-identical to what it was.
                if (p_.act == Activation::tanh) j = j * (T(1) - fz_.square()) * T(p_.resistScale);
                else j = j * (fz_ * (T(1) - fz_)) * T(p_.resistScale);
            } else {
                kernels::derivative<T>(p_.act, z, k1_, omega);
                j = j * k1_ * T(p_.resistScale);
            }
            dispatchIntegrate(dt);
            kernels::applyThreshold(p_.threshold, T(p_.thresholdLambda), z);
        }
        kernels::activate<T>(p_.act, z, fz_, omega);
        zF = fz_ * T(p_.outputScale);
        if (derivativeFromValue()) {
            zSeen_ = z;
            cacheActivation_ = p_.act;
            cacheValid_ = true;
        }
    }

    void reset() noexcept override {
        j.setZero();
        j_td.setZero();
        z.setZero();
        zF.setZero();
        cacheValid_ = false;
    }

    Buffer<T> j, j_td, z, zF;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }

    template <Prior P, Integrator I> void integrate(T dt) noexcept {
        const T gamma = T(p_.priorGamma);
        const T invTau = T(1) / T(p_.tauM);
        auto g = [&](const Buffer<T>& s) {
            // phi(s) * -gamma is -phi(s) * gamma bit for bit, in every instruction set (Eigen's
            // AVX unary minus turns -0 into +0: see GaussianErrorCell)
            return (kernels::priorLeak<P>(s) * (-gamma) + (j + j_td)) * invTau;
        };
        kernels::integrateStep<I>(z, dt, g, k1_, k2_, k3_);
    }

    template <Prior P> void dispatchIntegrator(T dt) noexcept {
        switch (p_.integrator) {
            case Integrator::euler: integrate<P, Integrator::euler>(dt); break;
            case Integrator::midpoint: integrate<P, Integrator::midpoint>(dt); break;
            case Integrator::rk4: integrate<P, Integrator::rk4>(dt); break;
        }
    }

    void dispatchIntegrate(T dt) noexcept {
        switch (p_.prior) {
            case Prior::gaussian: dispatchIntegrator<Prior::gaussian>(dt); break;
            case Prior::laplacian: dispatchIntegrator<Prior::laplacian>(dt); break;
            case Prior::cauchy: dispatchIntegrator<Prior::cauchy>(dt); break;
            case Prior::exp: dispatchIntegrator<Prior::exp>(dt); break;
        }
    }

    /** tanh' = 1 - tanh^2 and sigmoid' = s (1 - s): f'(z) follows from f(z) exactly as
        kernels::derivative computes it, so the next step can skip one transcendental pass. */
    bool derivativeFromValue() const noexcept {
        return p_.act == Activation::tanh || p_.act == Activation::sigmoid;
    }
    bool cachedDerivativeValid() const noexcept {
        return cacheValid_ && cacheActivation_ == p_.act
            && std::memcmp(z.data(), zSeen_.data(), sizeof(T) * size_t(z.size())) == 0;
    }

    Params p_;
    Buffer<T> k1_, k2_, k3_; // scratch: f'(z), integrator stages
    Buffer<T> fz_;           // f(z) of the last step, before output_scale
    Buffer<T> zSeen_;        // z when fz_ was computed
    Activation cacheActivation_ = Activation::identity;
    bool cacheValid_ = false;
};

} // namespace graded
