// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

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

namespace detail {
inline void requireFinite(const char* field, double v) {
    if (!std::isfinite(v)) throw ConfigError(field, "must be a finite number");
}
inline void requirePositive(const char* field, double v) {
    requireFinite(field, v);
    if (!(v > 0)) throw ConfigError(field, "must be > 0 (got " + std::to_string(v) + ")");
}
inline void requireSizes(int nUnits, int batchSize) {
    if (nUnits < 1) throw ConfigError("n_units", "must be >= 1 (got " + std::to_string(nUnits) + ")");
    if (batchSize < 1)
        throw ConfigError("batch_size", "must be >= 1 (got " + std::to_string(batchSize) + ")");
    if (static_cast<long long>(nUnits) * batchSize > (1LL << 26))
        throw ConfigError("n_units", "n_units * batch_size exceeds 2^26 values");
}
} // namespace detail

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
    void validate() const {
        detail::requireSizes(nUnits, batchSize);
        detail::requireFinite("tau_m", tauM);
        detail::requireFinite("prior", priorGamma);
        detail::requireFinite("omega_0", omega0);
        detail::requireFinite("output_scale", outputScale);
        detail::requireFinite("threshold", thresholdLambda);
        if (threshold != Threshold::none && thresholdLambda < 0)
            throw ConfigError("threshold", "lambda must be >= 0");
        detail::requireFinite("resist_scale", resistScale);
    }
};

struct GaussianErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double sigma = 1.0; ///< initial Sigma (divides like a variance: a reference quirk)
    void validate() const {
        detail::requireSizes(nUnits, batchSize);
        detail::requirePositive("sigma", sigma);
    }
};

struct LaplacianErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double scale = 1.0; ///< initial Scale
    void validate() const {
        detail::requireSizes(nUnits, batchSize);
        detail::requirePositive("scale", scale);
    }
};

struct BernoulliErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    bool inputLogits = false; ///< p holds logits (true) or probabilities (false)
    void validate() const { detail::requireSizes(nUnits, batchSize); }
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
    void validate() const {
        detail::requireSizes(nUnits, batchSize);
        detail::requirePositive("tau_x", tauX);
        detail::requireFinite("omega_0", omega0);
        detail::requireFinite("sigma_rec", sigmaRec);
        if (sigmaRec < 0) throw ConfigError("sigma_rec", "must be >= 0");
        detail::requireFinite("sigma_post", sigmaPost);
        if (sigmaPost < 0) throw ConfigError("sigma_post", "must be >= 0");
        detail::requireFinite("leak_scale", leakScale);
    }
};

struct RewardErrorCellParams {
    int nUnits = 1;
    int batchSize = 1;
    double alpha = 0.1;            ///< online predictor's learning rate
    int emaWindowLen = 10;         ///< W of the end-of-episode EMA
    bool useOnlinePredictor = true;
    void validate() const {
        detail::requireSizes(nUnits, batchSize);
        detail::requireFinite("alpha", alpha);
        if (emaWindowLen < 1) throw ConfigError("ema_window_len", "must be >= 1");
    }
};

} // namespace graded
