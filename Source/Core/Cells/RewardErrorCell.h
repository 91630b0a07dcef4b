// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"
#include "CellSpecs.h"

namespace graded {

/** RewardErrorCell: a reward-prediction error with a running reward predictor mu.

    advance: accum_reward += reward;  rpe = reward - mu;
             if online: mu <- (1 - alpha) mu + alpha reward;  n_ep_steps += 1
    evolve (end of an episode), if online:
             mu <- (1 - 1/W) mu + (1/W) accum_reward / n_ep_steps,   W = ema_window_len
    reset:   mu, rpe, accum_reward, n_ep_steps <- 0 (the reward input keeps its value)

    Reference quirk kept: ngclearn's docs say the offline predictor is updated at evolve;
    its code updates mu only when the online predictor is on, and so does this cell.
    Safe fallback: evolve with n_ep_steps = 0 leaves mu alone (the reference divides by 0).

    | compartment  | role   | shape            |
    |--------------|--------|------------------|
    | reward       | input  | [batch][n_units] |
    | mu           | state  | [batch][n_units] |
    | accum_reward | state  | [batch][n_units] |
    | n_ep_steps   | state  | [batch][1]       |
    | rpe          | output | [batch][n_units] | */
template <typename T> class RewardErrorCell final : public Cell<T> {
public:
    using Params = RewardErrorCellParams;

    explicit RewardErrorCell(const Params& p) : Cell<T>(checked(p).batchSize, p.nUnits), p_(p) {
        const int n = p.batchSize * p.nUnits;
        for (Buffer<T>* b : {&reward, &mu, &rpe, &accum_reward}) b->setZero(n);
        n_ep_steps.setZero(p.batchSize);
        this->exposeAsSpecified(rewardErrorCellSpec(), {{"reward", &reward}, {"mu", &mu}, {"accum_reward", &accum_reward},
                                                        {"n_ep_steps", &n_ep_steps}, {"rpe", &rpe}});
    }

    CellKind kind() const noexcept override { return CellKind::RewardErrorCell; }
    const Params& params() const noexcept { return p_; }

    /** Live retuning of alpha, W and the predictor switch; sizes are kept. */
    void setParams(const Params& p) noexcept { assignKeepingSizes(p_, p); }

    void advance(T) noexcept override {
        accum_reward += reward;
        rpe = reward - mu;
        if (p_.useOnlinePredictor) {
            const T a = T(p_.alpha);
            mu = mu * (T(1) - a) + reward * a;
        }
        n_ep_steps += T(1);
    }

    void evolve(T) noexcept override {
        if (!p_.useOnlinePredictor) return;
        const T w = T(1) / T(p_.emaWindowLen);
        const int units = this->nUnits();
        for (int b = 0; b < this->batchSize(); ++b) {
            const T steps = n_ep_steps[b];
            if (!(steps > T(0))) continue;
            auto m = mu.segment(b * units, units);
            m = m * (T(1) - w) + (accum_reward.segment(b * units, units) / steps) * w;
        }
    }

    void reset() noexcept override {
        mu.setZero();
        rpe.setZero();
        accum_reward.setZero();
        n_ep_steps.setZero();
    }

    Buffer<T> reward, mu, rpe, accum_reward, n_ep_steps;

private:
    static const Params& checked(const Params& p) {
        p.validate();
        return p;
    }
    Params p_;
};

} // namespace graded
