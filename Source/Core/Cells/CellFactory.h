// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "CellParams.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace graded {

/** A parameter value as ngclearn takes it: a number, a string, a bool, or a
    (string, number) pair such as prior=("gaussian", 0.3). */
struct ParamValue {
    enum class Type { number, string, boolean, pair };
    Type type = Type::number;
    double number = 0.0;
    std::string text;
    bool flag = false;

    static ParamValue num(double v) { ParamValue p; p.type = Type::number; p.number = v; return p; }
    static ParamValue str(std::string s) { ParamValue p; p.type = Type::string; p.text = std::move(s); return p; }
    static ParamValue boolean(bool b) { ParamValue p; p.type = Type::boolean; p.flag = b; return p; }
    static ParamValue pair(std::string s, double v) {
        ParamValue p; p.type = Type::pair; p.text = std::move(s); p.number = v; return p;
    }
};

using ParamMap = std::map<std::string, ParamValue>;

/** Parameter names each cell kind accepts (ngclearn's names, plus our "seed"). */
const std::vector<std::string>& acceptedParams(CellKind kind);

/** Parses ngclearn-style parameters into typed parameters. Unknown names, wrong types,
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
