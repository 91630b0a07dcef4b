// SPDX-License-Identifier: GPL-3.0-or-later
#include "SynapseParams.h"

#include "../Cells/NormalRng.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace graded {
namespace {

using Json = nlohmann::json;

[[noreturn]] void bad(const std::string& field, const std::string& what) { throw ConfigError(field, what); }

double number(const Json& j, const std::string& field) {
    if (!j.is_number()) bad(field, "expected a number");
    const double v = j.get<double>();
    if (!std::isfinite(v)) bad(field, "must be a finite number");
    return v;
}

bool boolean(const Json& j, const std::string& field) {
    if (!j.is_boolean()) bad(field, "expected true or false");
    return j.get<bool>();
}

/** A whole number in [lo, hi], checked in 64-bit before narrowing. */
std::int64_t whole(const Json& j, const std::string& field, std::int64_t lo, std::int64_t hi) {
    const double v = number(j, field);
    if (v != std::floor(v) || v < double(lo) || v > double(hi))
        bad(field, "must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<std::int64_t>(v);
}

/** A [rows][cols] array of finite numbers; sizes are checked before anything is copied. */
std::vector<double> matrix(const Json& j, const std::string& field, int rows, int cols) {
    const std::string shape = "[" + std::to_string(rows) + "][" + std::to_string(cols) + "]";
    if (!j.is_array() || j.size() != std::size_t(rows)) bad(field, "expected a " + shape + " array");
    std::vector<double> out;
    out.reserve(std::size_t(rows) * std::size_t(cols));
    for (std::size_t r = 0; r < j.size(); ++r) {
        const Json& jr = j[r];
        if (!jr.is_array() || jr.size() != std::size_t(cols)) bad(field, "expected a " + shape + " array (row " + std::to_string(r) + ")");
        for (const Json& v : jr) out.push_back(number(v, field));
    }
    return out;
}

WeightInit initFrom(const Json& j, const std::string& field) {
    if (!j.is_object()) bad(field, "expected an object such as {\"dist\": \"uniform\", \"amin\": -0.1, \"amax\": 0.1}");
    if (!j.contains("dist") || !j["dist"].is_string()) bad(field + ".dist", "missing or not a string");
    WeightInit w;
    const std::string dist = j["dist"].get<std::string>();
    static const std::pair<const char*, WeightInit::Dist> dists[] = {
        {"constant", WeightInit::Dist::constant}, {"uniform", WeightInit::Dist::uniform},
        {"gaussian", WeightInit::Dist::gaussian}, {"normal", WeightInit::Dist::gaussian},
        {"fan_in_gaussian", WeightInit::Dist::fan_in_gaussian},
        {"fan_in_uniform", WeightInit::Dist::fan_in_uniform}, {"hollow", WeightInit::Dist::hollow},
        {"eye", WeightInit::Dist::eye}};
    const auto* found = std::find_if(std::begin(dists), std::end(dists), [&](const auto& d) { return dist == d.first; });
    if (found == std::end(dists))
        bad(field + ".dist", "unknown initialiser '" + dist + "' (constant, uniform, gaussian, normal, fan_in_gaussian, fan_in_uniform, hollow, eye)");
    w.dist = found->second;
    if (w.dist == WeightInit::Dist::uniform) { // ngclearn's defaults: amin 0, amax 1
        w.amin = 0.0;
        w.amax = 1.0;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        const std::string f = field + "." + k;
        if (k == "dist") continue;
        else if (k == "value") w.value = number(*it, f);
        else if (k == "mu") w.mu = number(*it, f);
        else if (k == "sigma") w.sigma = number(*it, f);
        else if (k == "scale") w.scale = number(*it, f);
        else if (k == "amin") w.amin = number(*it, f);
        else if (k == "amax") w.amax = number(*it, f);
        else if (k == "hollow") w.hollow = boolean(*it, f);
        else if (k == "eye") w.eye = boolean(*it, f);
        else bad(f, "unknown initialiser parameter (value, mu, sigma, scale, amin, amax, hollow, eye)");
    }
    if (w.sigma < 0) bad(field + ".sigma", "must be >= 0");
    if (w.dist == WeightInit::Dist::uniform && !(*w.amin < *w.amax)) bad(field + ".amin", "must be below amax");
    return w;
}

void priorFrom(const Json& j, SynapseParams& p) {
    if (j.is_null()) return;
    if (!j.is_array() || j.size() != 2) bad("prior", "expected [name, lambda] (or [\"l1l2\", [scale, l1_ratio]])");
    if (j[0].is_null()) return; // (None, lambda): no prior, as ngclearn
    if (!j[0].is_string()) bad("prior", "the name must be a string");
    const std::string name = j[0].get<std::string>();
    if (name == "constant") p.prior = SynapsePrior::constant;
    else if (name == "l2" || name == "ridge" || name == "gaussian") p.prior = SynapsePrior::l2;
    else if (name == "l1" || name == "lasso" || name == "laplacian") p.prior = SynapsePrior::l1;
    else if (name == "l1l2" || name == "elastic_net") p.prior = SynapsePrior::l1l2;
    else bad("prior", "unknown prior '" + name + "' (constant, l2/ridge/gaussian, l1/lasso/laplacian, l1l2/elastic_net)");
    if (p.prior == SynapsePrior::l1l2) {
        if (!j[1].is_array() || j[1].size() != 2) bad("prior", "l1l2 / elastic_net takes [scale, l1_ratio]");
        p.priorLambda = number(j[1][0], "prior");
        p.l1Ratio = number(j[1][1], "prior");
    } else {
        p.priorLambda = number(j[1], "prior");
    }
}

} // namespace

void SynapseParams::validate() const {
    if (nIn < 1 || nOut < 1) bad("shape", "both sizes must be >= 1");
    if (std::int64_t(nIn) > limits::kMaxUnitsPerNode || std::int64_t(nOut) > limits::kMaxUnitsPerNode)
        bad("shape", "each size must be <= " + std::to_string(limits::kMaxUnitsPerNode));
    if (std::int64_t(nIn) * std::int64_t(nOut) > kMaxSynapseWeights)
        bad("shape", "n_in * n_out = " + std::to_string(std::int64_t(nIn) * nOut) + " exceeds the limit of "
                         + std::to_string(kMaxSynapseWeights) + " weights");
    if (batchSize < 1 || batchSize > kMaxSynapseBatch)
        bad("batch_size", "must be in [1, " + std::to_string(kMaxSynapseBatch) + "]");
    const std::size_t n = std::size_t(nIn) * std::size_t(nOut);
    if (!weights.empty() && weights.size() != n) bad("weights", "expected n_in * n_out values");
    if (!mask.empty() && mask.size() != n) bad("mask", "expected n_in * n_out values");
    if (!biases.empty() && biases.size() != std::size_t(nOut)) bad("biases", "expected n_out values");
    for (const auto* v : {&weights, &mask, &biases})
        for (double x : *v)
            if (!std::isfinite(x)) bad(v == &weights ? "weights" : v == &mask ? "mask" : "biases", "must be finite numbers");
    const std::pair<const char*, double> finite[] = {
        {"g_conduct_factor", gConductFactor}, {"p_conn", pConn}, {"eta", eta}, {"w_bound", wBound},
        {"prior", priorLambda}, {"prior", l1Ratio}, {"w_decay", wDecay}, {"sign_value", signValue},
        {"pre_wght", preWght}, {"post_wght", postWght}};
    for (const auto& [name, v] : finite)
        if (!std::isfinite(v)) bad(name, "must be a finite number");
    if (pConn < 0 || pConn > 1) bad("p_conn", "must be in [0, 1]");
    if (wBound < 0) bad("w_bound", "must be >= 0 (0: no bound)");
    if (wDecay < 0) bad("w_decay", "must be >= 0");
}

SynapseParams parseSynapseParams(SynapseKind kind, const Json& j) {
    if (!j.is_object()) bad("params", "expected an object");
    SynapseParams p;
    p.kind = kind;
    const bool hebb = kind == SynapseKind::HebbianSynapse;
    if (!j.contains("shape")) bad("shape", "missing ([n_in, n_out])");
    const Json& shape = j["shape"];
    if (!shape.is_array() || shape.size() != 2) bad("shape", "expected [n_in, n_out]");
    p.nIn = int(whole(shape[0], "shape", 1, limits::kMaxUnitsPerNode));
    p.nOut = int(whole(shape[1], "shape", 1, limits::kMaxUnitsPerNode));
    if (std::int64_t(p.nIn) * p.nOut > kMaxSynapseWeights) p.validate(); // names the limit
    std::optional<Json> prior;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& k = it.key();
        const Json& v = *it;
        if (k == "shape") continue;
        else if (k == "batch_size") p.batchSize = int(whole(v, k, 1, kMaxSynapseBatch));
        else if (k == "weight_init") { if (!v.is_null()) p.weightInit = initFrom(v, k); }
        else if (k == "bias_init") { if (!v.is_null()) p.biasInit = initFrom(v, k); }
        else if (k == "weights") p.weights = matrix(v, k, p.nIn, p.nOut);
        else if (k == "biases") p.biases = matrix(v, k, 1, p.nOut);
        else if (k == "mask") p.mask = matrix(v, k, p.nIn, p.nOut);
        else if (k == "g_conduct_factor" || k == "resist_scale") p.gConductFactor = number(v, k);
        else if (k == "p_conn") p.pConn = number(v, k);
        else if (k == "p_conn_mask") p.pConnMask = boolean(v, k);
        else if (k == "seed") p.seed = std::uint64_t(whole(v, k, 0, (std::int64_t(1) << 53)));
        else if (k == "p_release_mean") {
            const double r = number(v, k);
            if (r > 0 && r < 1) bad(k, "stochastic release (0 < p_release_mean < 1) is not supported");
        } else if (k == "max_delay_steps") {
            if (whole(v, k, 0, 1 << 20) != 0) bad(k, "axonal delays are not supported (0 only)");
        } else if (hebb && k == "eta") p.eta = number(v, k);
        else if (hebb && k == "w_bound") p.wBound = number(v, k);
        else if (hebb && k == "is_nonnegative") p.isNonnegative = boolean(v, k);
        else if (hebb && k == "prior") prior = v;
        else if (hebb && k == "w_decay") p.wDecay = number(v, k);
        else if (hebb && k == "sign_value") p.signValue = number(v, k);
        else if (hebb && k == "optim_type") {
            if (!v.is_string()) bad(k, "expected \"sgd\" or \"adam\"");
            const std::string o = v.get<std::string>();
            if (o == "sgd") p.optim = SynapseOptim::sgd;
            else if (o == "adam") p.optim = SynapseOptim::adam;
            else bad(k, "unknown optimiser '" + o + "' (sgd or adam)");
        } else if (hebb && k == "pre_wght") p.preWght = number(v, k);
        else if (hebb && k == "post_wght") p.postWght = number(v, k);
        else bad(k, "unknown parameter for " + std::string(synapseKindName(kind)));
    }
    if (prior) priorFrom(*prior, p);
    if (p.wDecay > 0) { // ngclearn: w_decay > 0 means prior = ("l2", w_decay)
        p.prior = SynapsePrior::l2;
        p.priorLambda = p.wDecay;
    }
    p.validate();
    return p;
}

namespace detail {
std::optional<Json> boundedJson(std::string_view text, std::size_t maxBytes, std::string& why) {
    if (text.size() > maxBytes) {
        why = "is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(maxBytes);
        return std::nullopt;
    }
    if (limits::jsonNestingDepth(text) > limits::kMaxJsonDepth) {
        why = "JSON nested deeper than " + std::to_string(limits::kMaxJsonDepth) + " levels";
        return std::nullopt;
    }
    Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        why = "not valid JSON";
        return std::nullopt;
    }
    return j;
}
} // namespace detail

SynapseParams parseSynapseParams(SynapseKind kind, std::string_view text) {
    std::string why;
    const auto j = detail::boundedJson(text, limits::kMaxPatchBytes, why);
    if (!j) bad("params", why);
    return parseSynapseParams(kind, *j);
}

void initialiseWeights(const WeightInit& init, int rows, int cols, std::uint64_t seed,
                       std::vector<double>& w) {
    using D = WeightInit::Dist;
    const std::size_t n = std::size_t(rows) * std::size_t(cols);
    w.assign(n, 0.0);
    NormalRng rng(seed);
    // ngclearn's weight_distribution.py: both fan-in initialisers scale by sqrt(1 / shape[0])
    const double fan = std::sqrt(1.0 / double(rows));
    auto unit = [&] { return double(rng.next() >> 11) * (1.0 / 9007199254740992.0); }; // [0, 1)
    for (std::size_t k = 0; k < n; ++k) {
        const bool diag = (k / std::size_t(cols)) == (k % std::size_t(cols));
        switch (init.dist) {
            case D::constant: w[k] = init.value; break;
            case D::uniform: w[k] = *init.amin + (*init.amax - *init.amin) * unit(); break;
            case D::gaussian: w[k] = rng.normal() * init.sigma + init.mu; break;
            case D::fan_in_gaussian: w[k] = rng.normal() * fan; break;
            case D::fan_in_uniform: w[k] = -fan + 2 * fan * unit(); break;
            case D::hollow: w[k] = diag ? 0.0 : init.scale; break;
            case D::eye: w[k] = diag ? init.scale : 0.0; break;
        }
        if (init.amin) w[k] = std::max(w[k], *init.amin);
        if (init.amax) w[k] = std::min(w[k], *init.amax);
        if (init.hollow && diag) w[k] = 0.0;
        if (init.eye && !diag) w[k] = 0.0;
    }
}

} // namespace graded
