// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The parameters of ngclearn's DenseSynapse and HebbianSynapse (names as ngclearn's), parsed
// from JSON. See ../../../Tests/Golden/README.md ("Synapses") and the README's "Synapses".

#include "../Cells/CellParams.h" // graded::ConfigError
#include "../Kernels/Names.h"
#include "../Limits.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace graded {

enum class SynapseKind { DenseSynapse, HebbianSynapse };
inline constexpr std::string_view kSynapseKindNames[] = {"DenseSynapse", "HebbianSynapse"};
inline std::optional<SynapseKind> parseSynapseKind(std::string_view name) noexcept {
    return enumFromName<SynapseKind>(kSynapseKindNames, name);
}
inline std::string_view synapseKindName(SynapseKind k) noexcept {
    return kSynapseKindNames[static_cast<int>(k)];
}

/** HebbianSynapse's synaptic prior: ngclearn's names map onto these four
    ("l2"/"ridge"/"gaussian", "l1"/"lasso"/"laplacian", "l1l2"/"elastic_net", "constant"/null). */
enum class SynapsePrior { constant, l2, l1, l1l2 };
enum class SynapseOptim { sgd, adam };

/** An initialiser as ngclearn's utils/weight_distribution.py configures one:
    {"dist": "constant", "value": v} | {"dist": "uniform", "amin": a, "amax": b}
    | {"dist": "gaussian" (or "normal"), "mu": m, "sigma": s} | {"dist": "fan_in_gaussian"}
    | {"dist": "fan_in_uniform"} | {"dist": "hollow", "scale": s} | {"dist": "eye", "scale": s},
    with the post-processing keys "amin"/"amax" (clip), "hollow" and "eye" (bool masks). */
struct WeightInit {
    enum class Dist { constant, uniform, gaussian, fan_in_gaussian, fan_in_uniform, hollow, eye };
    Dist dist = Dist::uniform;
    double value = 1.0;           // constant
    double mu = 0.0, sigma = 1.0; // gaussian
    double scale = 1.0;           // hollow, eye
    std::optional<double> amin, amax; // uniform range; for every dist also a clip
    bool hollow = false, eye = false;

    static WeightInit uniform(double lo, double hi) {
        WeightInit w;
        w.amin = lo;
        w.amax = hi;
        return w;
    }
};

/** Largest synapse: n_in * n_out <= this (the same budget as one weighted wire). */
inline constexpr std::int64_t kMaxSynapseWeights = limits::kMaxWeightsPerWire;
/** Largest batch a synapse accepts. */
inline constexpr int kMaxSynapseBatch = 1024;

struct SynapseParams {
    SynapseKind kind = SynapseKind::DenseSynapse;
    int nIn = 1, nOut = 1; // shape
    int batchSize = 1;
    // DenseSynapse
    WeightInit weightInit = WeightInit::uniform(0.025, 0.8); // ngclearn's default
    std::optional<WeightInit> biasInit; // none: the bias is the scalar 0 and never learns
    std::vector<double> weights; // explicit [n_in][n_out] (row-major); overrides weight_init
    std::vector<double> biases;  // explicit [1][n_out]; implies a bias that learns
    std::vector<double> mask;    // explicit [n_in][n_out] (or empty: ones)
    double gConductFactor = 1.0;
    double pConn = 1.0;
    bool pConnMask = false; // our extension: also keep the p_conn pattern in `mask`
    std::uint64_t seed = 1;
    // HebbianSynapse
    double eta = 0.0;
    double wBound = 1.0;
    bool isNonnegative = false;
    SynapsePrior prior = SynapsePrior::constant;
    double priorLambda = 0.0; // l1l2: the scale
    double l1Ratio = 0.0;     // l1l2 only
    double wDecay = 0.0;
    double signValue = 1.0;
    SynapseOptim optim = SynapseOptim::sgd;
    double preWght = 1.0, postWght = 1.0;

    bool hasBiases() const noexcept { return biasInit.has_value() || !biases.empty(); }

    /** Checks every field (sizes in 64-bit, finite numbers); throws ConfigError naming it. */
    void validate() const;
};

/** Parses `{"shape": [n_in, n_out], "batch_size": ..., "weight_init": {...}, ...}` (ngclearn's
    names; also "weights", "biases", "mask" explicit arrays and "seed"). `kind` decides which
    names are known: a HebbianSynapse name given to a DenseSynapse is an error. Throws
    ConfigError naming the field. */
SynapseParams parseSynapseParams(SynapseKind kind, const nlohmann::json& params);
/** The same from JSON text; the nesting depth is checked before parsing. */
SynapseParams parseSynapseParams(SynapseKind kind, std::string_view jsonText);

namespace detail {
/** JSON text to a value, within `maxBytes` and limits::kMaxJsonDepth (checked before the
    parser runs); nullopt with `why` set when the text is too large, too deep or not JSON. */
std::optional<nlohmann::json> boundedJson(std::string_view text, std::size_t maxBytes, std::string& why);
} // namespace detail

/** Fills `w` (n_in * n_out, row-major) from an initialiser, deterministically from `seed`. */
void initialiseWeights(const WeightInit& init, int rows, int cols, std::uint64_t seed,
                       std::vector<double>& w);

} // namespace graded
