// SPDX-License-Identifier: GPL-3.0-or-later
// The registry of cell specs.
#include "CellSpecs.h"

namespace graded {

const NodeSpec& cellSpec(CellKind kind) {
    switch (kind) {
        case CellKind::RateCell: return rateCellSpec();
        case CellKind::GaussianErrorCell: return gaussianErrorCellSpec();
        case CellKind::LaplacianErrorCell: return laplacianErrorCellSpec();
        case CellKind::BernoulliErrorCell: return bernoulliErrorCellSpec();
        case CellKind::LeakyNoiseCell: return leakyNoiseCellSpec();
        case CellKind::RewardErrorCell: return rewardErrorCellSpec();
    }
    return rateCellSpec();
}

void validateCellParams(CellKind kind, const void* params) { validateFields(cellSpec(kind), params); }

} // namespace graded
