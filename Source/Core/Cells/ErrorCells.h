// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"
#include "CellSpecs.h"
#include "../Kernels/Reduce.h"

namespace graded {

/** What the three error cells share: a target, a modulator and a one-step mask. */
template <typename T> class ErrorCellBase : public Cell<T> {
public:
    Buffer<T> target, modulator, mask, L, dtarget;

protected:
    ErrorCellBase(int batchSize, int nUnits) : Cell<T>(batchSize, nUnits) {
        const int n = batchSize * nUnits;
        target.setZero(n);
        modulator.setOnes(n);
        mask.setOnes(n);
        L.setZero(1);
        dtarget.setZero(n);
    }
    /** d *= modulator * mask for each gradient; then the mask is consumed. */
    void gate(Buffer<T>& d1, Buffer<T>& d2) noexcept {
        d1 = d1 * modulator * mask;
        d2 = d2 * modulator * mask;
        mask.setOnes();
    }
    void resetBase() noexcept {
        target.setZero();
        modulator.setOnes();
        mask.setOnes();
        L.setZero();
        dtarget.setZero();
    }
};

/** GaussianErrorCell: the mismatch of a Gaussian prediction mu against a target.

        e = target - mu;  dmu = e / Sigma;  dtarget = -dmu;  dSigma = 1
        L = -0.5 sum(e^2) / Sigma   (over all rows and units)
        dmu, dtarget *= modulator * mask;  then mask <- 1

    Reference quirk kept: Sigma divides like a variance although ngclearn's docs call sigma
    a standard deviation.

    | compartment | role   | shape            |
    |-------------|--------|------------------|
    | mu, target  | input  | [batch][n_units] |
    | Sigma       | input  | [1][1]           |
    | modulator   | input  | [batch][n_units] (starts at 1) |
    | mask        | input  | [batch][n_units] (starts at 1, consumed by each advance) |
    | L           | output | scalar           |
    | dmu, dtarget| output | [batch][n_units] |
    | dSigma      | output | [1][1]           | */
template <typename T> class GaussianErrorCell final : public ErrorCellBase<T> {
public:
    using Params = GaussianErrorCellParams;

    explicit GaussianErrorCell(const Params& p)
        : ErrorCellBase<T>(checked(p).batchSize, p.nUnits), p_(p) {
        const int n = p.batchSize * p.nUnits;
        mu.setZero(n);
        dmu.setZero(n);
        Sigma.setConstant(1, T(p.sigma));
        dSigma.setZero(1);
        this->exposeAsSpecified(gaussianErrorCellSpec(), {{"mu", &mu}, {"target", &this->target}, {"modulator", &this->modulator},
                                                          {"mask", &this->mask}, {"Sigma", &Sigma}, {"L", &this->L},
                                                          {"dmu", &dmu}, {"dtarget", &this->dtarget}, {"dSigma", &dSigma}});
    }

    CellKind kind() const noexcept override { return CellKind::GaussianErrorCell; }
    const Params& params() const noexcept { return p_; }

    void advance(T) noexcept override { this->hot_->gaussianAdvance(*this); }

    /** advance's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call advance(). */
    template <class Tag> void advanceKernel() noexcept {
        const T sigma = Sigma(0);
        this->L(0) = -(kernels::sumInBaselineOrder((this->target - mu).square()) * T(0.5)) / sigma;
        // (e / Sigma) * modulator * mask in one pass; negation is exact, so dtarget = -dmu
        // equals the reference's -(e / Sigma) * modulator * mask. Negated as a product with
        // -1: the same bits as a unary minus, but also in Eigen's AVX kernels, whose unary
        // minus (0 - x) turns -0 into +0 where SSE2's flips the sign bit.
        dmu = (this->target - mu) / sigma * this->modulator * this->mask;
        this->dtarget = dmu * T(-1);
        dSigma.setOnes();
        this->mask.setOnes();
    }

    void reset() noexcept override {
        this->resetBase();
        mu.setZero();
        dmu.setZero();
        dSigma.setZero();
    }

    Buffer<T> mu, Sigma, dmu, dSigma;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }
    Params p_;
};

/** LaplacianErrorCell: the mismatch of a Laplacian prediction (shift) against a target.

        s = sign(target - shift)  (sign(0) = 0);  dshift = s / Scale;  dtarget = -dshift
        dScale = 1;  L = -sum(|s|) / Scale
        dshift, dtarget *= modulator * mask;  then mask <- 1

    Reference quirk kept: L counts mismatched units instead of summing |target - shift|.
    Compartments as GaussianErrorCell's, with shift for mu and Scale for Sigma. */
template <typename T> class LaplacianErrorCell final : public ErrorCellBase<T> {
public:
    using Params = LaplacianErrorCellParams;

    explicit LaplacianErrorCell(const Params& p)
        : ErrorCellBase<T>(checked(p).batchSize, p.nUnits), p_(p) {
        const int n = p.batchSize * p.nUnits;
        shift.setZero(n);
        dshift.setZero(n);
        Scale.setConstant(1, T(p.scale));
        dScale.setZero(1);
        this->exposeAsSpecified(laplacianErrorCellSpec(), {{"shift", &shift}, {"target", &this->target}, {"modulator", &this->modulator},
                                                           {"mask", &this->mask}, {"Scale", &Scale}, {"L", &this->L},
                                                           {"dshift", &dshift}, {"dtarget", &this->dtarget}, {"dScale", &dScale}});
    }

    CellKind kind() const noexcept override { return CellKind::LaplacianErrorCell; }
    const Params& params() const noexcept { return p_; }

    void advance(T) noexcept override { this->hot_->laplacianAdvance(*this); }

    /** advance's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call advance(). */
    template <class Tag> void advanceKernel() noexcept {
        const T scale = Scale(0);
        this->L(0) = -kernels::sumInBaselineOrder((this->target - shift).sign().abs()) / scale;
        dshift = (this->target - shift).sign() / scale * this->modulator * this->mask;
        this->dtarget = dshift * T(-1); // not -dshift: see GaussianErrorCell
        dScale.setOnes();
        this->mask.setOnes();
    }

    void reset() noexcept override {
        this->resetBase();
        shift.setZero();
        dshift.setZero();
        dScale.setZero();
    }

    Buffer<T> shift, Scale, dshift, dScale;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }
    Params p_;
};

/** BernoulliErrorCell: the log-likelihood of binary targets x under Bernoulli(q).

        q = clip(input_logits ? sigmoid(p) : p, 1e-4, 1 - 1e-4)
        L = sum(x ln q + (1 - x) ln(1 - q))
        dp = x - q                                         if input_logits
             (x / q - (1 - x) / (1 - q)) * sigmoid'(p)     otherwise
        dtarget = ln q - ln(1 - q)
        dp, dtarget *= modulator * mask;  then mask <- 1

    Reference quirk kept: with probabilities as input, dp is multiplied by the sigmoid
    derivative of the raw probability p.

    | compartment    | role   | shape            |
    |----------------|--------|------------------|
    | p, target      | input  | [batch][n_units] |
    | modulator, mask| input  | [batch][n_units] |
    | L              | output | scalar           |
    | dp, dtarget    | output | [batch][n_units] | */
template <typename T> class BernoulliErrorCell final : public ErrorCellBase<T> {
public:
    using Params = BernoulliErrorCellParams;

    explicit BernoulliErrorCell(const Params& p)
        : ErrorCellBase<T>(checked(p).batchSize, p.nUnits), p_(p) {
        const int n = p.batchSize * p.nUnits;
        this->p.setZero(n);
        dp.setZero(n);
        q_.setZero(n);
        omq_.setZero(n);
        this->exposeAsSpecified(bernoulliErrorCellSpec(), {{"p", &this->p}, {"target", &this->target}, {"modulator", &this->modulator},
                                                           {"mask", &this->mask}, {"L", &this->L}, {"dp", &dp}, {"dtarget", &this->dtarget}});
    }

    CellKind kind() const noexcept override { return CellKind::BernoulliErrorCell; }
    const Params& params() const noexcept { return p_; }

    void advance(T) noexcept override { this->hot_->bernoulliAdvance(*this); }

    /** advance's body, instantiated per instruction set by Kernels/HotKernelsIsa.cpp (`Tag`
        names the set); call advance(). */
    template <class Tag> void advanceKernel() noexcept {
        constexpr T eps = T(0.0001);
        const auto& x = this->target;
        // 1 - q is formed directly (sigmoid(-p), or 1 - p) rather than as 1 - clip(q): the
        // same value, without float's cancellation next to the upper clip.
        if (p_.inputLogits) {
            q_ = kernels::sigmoidExpr(p);
            omq_ = kernels::sigmoidExpr(-p);
        } else {
            q_ = p;
            omq_ = T(1) - p;
        }
        q_ = q_.max(eps).min(T(1) - eps);
        omq_ = omq_.max(eps).min(T(1) - eps);
        this->L(0) = kernels::sumInBaselineOrder(q_.log() * x + omq_.log() * (T(1) - x));
        if (p_.inputLogits) dp = x - q_;
        else
            dp = (x / q_ - (T(1) - x) / omq_)
               * (kernels::sigmoidExpr(p) * (T(1) - kernels::sigmoidExpr(p)));
        this->dtarget = q_.log() - omq_.log();
        this->gate(dp, this->dtarget);
    }

    void reset() noexcept override {
        this->resetBase();
        p.setZero();
        dp.setZero();
    }

    Buffer<T> p, dp;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }
    Params p_;
    Buffer<T> q_, omq_; // clipped q and 1 - q
};

} // namespace graded
