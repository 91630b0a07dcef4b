// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"
#include "../Spec/ParamMap.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graded {


/** Parameter names each cell kind accepts (ngclearn's names, plus our "seed"), from its spec. */
const std::vector<std::string>& acceptedParams(CellKind kind);

/** Parses ngclearn-style parameters into typed parameters (each in its kind's spec file). Unknown names, wrong types,
    unknown prior/activation/integrator/threshold names and out-of-range values throw
    ConfigError naming the field. */
RateCellParams parseRateCellParams(const ParamMap& m);
GaussianErrorCellParams parseGaussianErrorCellParams(const ParamMap& m);
LaplacianErrorCellParams parseLaplacianErrorCellParams(const ParamMap& m);
BernoulliErrorCellParams parseBernoulliErrorCellParams(const ParamMap& m);
LeakyNoiseCellParams parseLeakyNoiseCellParams(const ParamMap& m);
RewardErrorCellParams parseRewardErrorCellParams(const ParamMap& m);

/** Builds a cell of `kind` from ngclearn-style parameters; throws ConfigError. */
template <typename T> std::unique_ptr<Cell<T>> makeCell(CellKind kind, const ParamMap& params);

/** Same, with the kind by its ngclearn class name ("RateCell", ...); an unknown name throws
    ConfigError("cell", ...). */
template <typename T>
std::unique_ptr<Cell<T>> makeCell(const std::string& kindName, const ParamMap& params);

extern template std::unique_ptr<Cell<float>> makeCell<float>(CellKind, const ParamMap&);
extern template std::unique_ptr<Cell<double>> makeCell<double>(CellKind, const ParamMap&);
extern template std::unique_ptr<Cell<float>> makeCell<float>(const std::string&, const ParamMap&);
extern template std::unique_ptr<Cell<double>> makeCell<double>(const std::string&, const ParamMap&);

} // namespace graded
