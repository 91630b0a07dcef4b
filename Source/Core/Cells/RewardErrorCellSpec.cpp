// SPDX-License-Identifier: GPL-3.0-or-later
// RewardErrorCell's parameters and compartments (the class: RewardErrorCell.h).
#include "CellFactory.h"
#include "CellSpecs.h"
#include "RewardErrorCell.h"

namespace graded {

const NodeSpec& rewardErrorCellSpec() {
    static const auto fields = cellspec::fields<RewardErrorCellParams>(
        field::number("alpha", 0.1, GRADED_FIELD_AT(RewardErrorCellParams, alpha)).canBind().about("online predictor's learning rate"),
        field::integer("ema_window_len", 10, GRADED_FIELD_AT(RewardErrorCellParams, emaWindowLen)).atLeast(1).canBind()
            .about("W of the end-of-episode EMA"),
        field::flag("use_online_predictor", true, GRADED_FIELD_AT(RewardErrorCellParams, useOnlinePredictor)));
    static const CompartmentSpec compartments[] = {
        cellspec::units("reward", CompartmentRole::input, "the host's reward when no wire drives it"),
        cellspec::units("mu", CompartmentRole::state, "the reward predictor", CompShow::scalar),
        cellspec::units("accum_reward", CompartmentRole::state),
        {"n_ep_steps", CompartmentRole::state, CompRows::perChannel, CompCols::one, "", false, CompShow::none, "steps of the episode"},
        cellspec::traced(cellspec::units("rpe", CompartmentRole::output, "reward - mu", CompShow::main)),
    };
    static const NodeSpec spec{"RewardErrorCell", "a reward-prediction error with a running reward predictor mu", fields, {},
                               compartments, cellspec::ops<RewardErrorCell, parseRewardErrorCellParams>()};
    return spec;
}

RewardErrorCellParams parseRewardErrorCellParams(const ParamMap& m) { return cellspec::parse<RewardErrorCellParams>(rewardErrorCellSpec(), m); }

} // namespace graded
