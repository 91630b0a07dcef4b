// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Cell.h"
#include "../Kernels/Activation.h"
#include "../Kernels/Integrator.h"
#include "../Kernels/Prior.h"
#include "../Kernels/Threshold.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace graded {

/** A parameter that a cell cannot be built with. `field()` names it (ngclearn's name). */
class ConfigError : public std::invalid_argument {
public:
    ConfigError(std::string field, const std::string& what)
        : std::invalid_argument(field + ": " + what), field_(std::move(field)) {}
    const std::string& field() const noexcept { return field_; }

private:
    std::string field_;
};

/** Checks a typed parameter struct against its kind's spec (CellSpecs.cpp): every range and
    type is defined there, once. Throws ConfigError naming the field. */
void validateCellParams(CellKind kind, const void* params);

/** current <- next, but current keeps its n_units and batch_size: a cell's sizes are fixed
    at construction, while everything else may be retuned live. */
template <typename P> void assignKeepingSizes(P& current, const P& next) noexcept {
    const int nUnits = current.nUnits, batchSize = current.batchSize;
    current = next;
    current.nUnits = nUnits;
    current.batchSize = batchSize;
}

/** Defaults are ngclearn's. Times are in milliseconds. */
struct RateCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double tauM = 10.0;            ///< ms; <= 0 makes the cell stateless
    Prior prior = Prior::gaussian;
    double priorGamma = 0.0;       ///< leak strength of the prior
    Activation act = Activation::identity;
    double omega0 = kDefaultOmega0; ///< sine activation frequency
    double outputScale = 1.0;
    Threshold threshold = Threshold::none;
    double thresholdLambda = 0.0;
    Integrator integrator = Integrator::euler;
    double resistScale = 1.0;

    bool stateful() const noexcept { return tauM > 0; }
    void validate() const { validateCellParams(CellKind::RateCell, this); }
};

struct GaussianErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double sigma = 1.0; ///< initial Sigma (divides like a variance: a reference quirk)
    void validate() const { validateCellParams(CellKind::GaussianErrorCell, this); }
};

struct LaplacianErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double scale = 1.0; ///< initial Scale
    void validate() const { validateCellParams(CellKind::LaplacianErrorCell, this); }
};

struct BernoulliErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    bool inputLogits = false; ///< p holds logits (true) or probabilities (false)
    void validate() const { validateCellParams(CellKind::BernoulliErrorCell, this); }
};

struct LeakyNoiseCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double tauX = 10.0; ///< ms, > 0
    Activation act = Activation::relu;
    double omega0 = kDefaultOmega0;
    Integrator integrator = Integrator::euler;
    double sigmaRec = 1.0;  ///< pre-rectification noise ("sigma_rec", ngclearn's sigma_pre)
    double sigmaPost = 0.0; ///< post-rectification noise
    double leakScale = 1.0;
    std::uint64_t seed = 0x5eed'9a7e'dce1'1501ULL; ///< the cell's own noise generator
    void validate() const { validateCellParams(CellKind::LeakyNoiseCell, this); }
};

struct RewardErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double alpha = 0.1;            ///< online predictor's learning rate
    int emaWindowLen = 10;         ///< W of the end-of-episode EMA
    bool useOnlinePredictor = true;
    void validate() const { validateCellParams(CellKind::RewardErrorCell, this); }
};

} // namespace graded
