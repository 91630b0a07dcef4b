// SPDX-License-Identifier: GPL-3.0-or-later
#include "CellFactory.h"

#include "ErrorCells.h"
#include "LeakyNoiseCell.h"
#include "RateCell.h"
#include "RewardErrorCell.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace graded {
namespace {

const char* typeName(ParamValue::Type t) {
    switch (t) {
        case ParamValue::Type::number: return "a number";
        case ParamValue::Type::string: return "a string";
        case ParamValue::Type::boolean: return "a boolean";
        case ParamValue::Type::pair: return "a [name, number] pair";
    }
    return "?";
}

/** Reads typed values out of a ParamMap and rejects names the kind does not know. */
class Reader {
public:
    Reader(const ParamMap& m, CellKind kind) : m_(m) {
        const auto& ok = acceptedParams(kind);
        for (const auto& [name, value] : m)
            if (std::find(ok.begin(), ok.end(), name) == ok.end())
                throw ConfigError(name, "unknown parameter for " + std::string(cellKindName(kind)));
    }

    const ParamValue* find(const std::string& name, ParamValue::Type type) const {
        auto it = m_.find(name);
        if (it == m_.end()) return nullptr;
        if (it->second.type != type)
            throw ConfigError(name, std::string("must be ") + typeName(type) + ", got "
                                        + typeName(it->second.type));
        return &it->second;
    }

    void number(const std::string& name, double& out) const {
        // ngclearn accepts bools where numbers go (Python's True == 1).
        auto it = m_.find(name);
        if (it != m_.end() && it->second.type == ParamValue::Type::boolean) {
            out = it->second.flag ? 1.0 : 0.0;
            return;
        }
        if (auto* v = find(name, ParamValue::Type::number)) {
            if (!std::isfinite(v->number)) throw ConfigError(name, "must be a finite number");
            out = v->number;
        }
    }

    void integer(const std::string& name, int& out) const {
        double v = out;
        number(name, v);
        if (v != std::floor(v) || v < std::numeric_limits<int>::min()
            || v > std::numeric_limits<int>::max())
            throw ConfigError(name, "must be a whole number");
        out = static_cast<int>(v);
    }

    void flag(const std::string& name, bool& out) const {
        auto it = m_.find(name);
        if (it != m_.end() && it->second.type == ParamValue::Type::number) {
            if (it->second.number != 0 && it->second.number != 1)
                throw ConfigError(name, "must be true or false");
            out = it->second.number != 0;
            return;
        }
        if (auto* v = find(name, ParamValue::Type::boolean)) out = v->flag;
    }

    template <typename E, typename Parse>
    void name(const std::string& field, E& out, Parse parse, const char* what) const {
        if (auto* v = find(field, ParamValue::Type::string)) out = parseOrThrow(field, v->text, parse, what);
    }

    template <typename E, typename Parse>
    void pair(const std::string& field, E& outKind, double& outValue, Parse parse,
              const char* what) const {
        if (auto* v = find(field, ParamValue::Type::pair)) {
            outKind = parseOrThrow(field, v->text, parse, what);
            if (!std::isfinite(v->number)) throw ConfigError(field, "must be a finite number");
            outValue = v->number;
        }
    }

private:
    template <typename Parse>
    static auto parseOrThrow(const std::string& field, const std::string& text, Parse parse,
                             const char* what) {
        auto parsed = parse(text);
        if (!parsed) throw ConfigError(field, "unknown " + std::string(what) + " '" + text + "'");
        return *parsed;
    }

    const ParamMap& m_;
};

void sizes(const Reader& r, int& nUnits, int& batchSize) {
    r.integer("n_units", nUnits);
    r.integer("batch_size", batchSize);
}

template <typename P> P validated(P p) {
    p.validate();
    return p;
}

} // namespace

const std::vector<std::string>& acceptedParams(CellKind kind) {
    static const std::vector<std::string> rate{
        "n_units", "batch_size", "tau_m", "prior", "act_fx", "omega_0", "output_scale",
        "threshold", "integration_type", "resist_scale", "is_stateful"};
    static const std::vector<std::string> gauss{"n_units", "batch_size", "sigma"};
    static const std::vector<std::string> laplace{"n_units", "batch_size", "scale"};
    static const std::vector<std::string> bern{"n_units", "batch_size", "input_logits"};
    static const std::vector<std::string> leaky{
        "n_units", "batch_size", "tau_x", "act_fx", "omega_0", "integration_type",
        "sigma_rec", "sigma_pre", "sigma_post", "leak_scale", "seed"};
    static const std::vector<std::string> reward{
        "n_units", "batch_size", "alpha", "ema_window_len", "use_online_predictor"};
    switch (kind) {
        case CellKind::RateCell: return rate;
        case CellKind::GaussianErrorCell: return gauss;
        case CellKind::LaplacianErrorCell: return laplace;
        case CellKind::BernoulliErrorCell: return bern;
        case CellKind::LeakyNoiseCell: return leaky;
        case CellKind::RewardErrorCell: return reward;
    }
    return rate;
}

RateCellParams parseRateCellParams(const ParamMap& m) {
    Reader r(m, CellKind::RateCell);
    RateCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.number("tau_m", p.tauM);
    r.pair("prior", p.prior, p.priorGamma, parsePrior, "prior");
    r.name("act_fx", p.act, parseActivation, "activation");
    r.number("omega_0", p.omega0);
    r.number("output_scale", p.outputScale);
    r.pair("threshold", p.threshold, p.thresholdLambda, parseThreshold, "threshold");
    r.name("integration_type", p.integrator, parseIntegrator, "integrator");
    r.number("resist_scale", p.resistScale);
    bool stateful = true;
    r.flag("is_stateful", stateful);
    if (!stateful) p.tauM = 0.0; // ngclearn's explicit stateless switch
    return validated(p);
}

GaussianErrorCellParams parseGaussianErrorCellParams(const ParamMap& m) {
    Reader r(m, CellKind::GaussianErrorCell);
    GaussianErrorCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.number("sigma", p.sigma);
    return validated(p);
}

LaplacianErrorCellParams parseLaplacianErrorCellParams(const ParamMap& m) {
    Reader r(m, CellKind::LaplacianErrorCell);
    LaplacianErrorCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.number("scale", p.scale);
    return validated(p);
}

BernoulliErrorCellParams parseBernoulliErrorCellParams(const ParamMap& m) {
    Reader r(m, CellKind::BernoulliErrorCell);
    BernoulliErrorCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.flag("input_logits", p.inputLogits);
    return validated(p);
}

LeakyNoiseCellParams parseLeakyNoiseCellParams(const ParamMap& m) {
    Reader r(m, CellKind::LeakyNoiseCell);
    LeakyNoiseCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.number("tau_x", p.tauX);
    r.name("act_fx", p.act, parseActivation, "activation");
    r.number("omega_0", p.omega0);
    r.name("integration_type", p.integrator, parseIntegrator, "integrator");
    // sigma_rec is the seed's name, sigma_pre ngclearn's current one: either, or both if equal.
    double rec = p.sigmaRec, pre = p.sigmaRec;
    r.number("sigma_rec", rec);
    r.number("sigma_pre", pre);
    const bool hasRec = m.count("sigma_rec") != 0, hasPre = m.count("sigma_pre") != 0;
    if (hasRec && hasPre && rec != pre)
        throw ConfigError("sigma_pre", "differs from its alias sigma_rec");
    p.sigmaRec = hasRec ? rec : pre;
    r.number("sigma_post", p.sigmaPost);
    r.number("leak_scale", p.leakScale);
    double seed = 0;
    if (m.count("seed")) {
        r.number("seed", seed);
        if (seed < 0 || seed != std::floor(seed) || seed > 9007199254740992.0)
            throw ConfigError("seed", "must be a whole number in [0, 2^53]");
        p.seed = static_cast<std::uint64_t>(seed);
    }
    return validated(p);
}

RewardErrorCellParams parseRewardErrorCellParams(const ParamMap& m) {
    Reader r(m, CellKind::RewardErrorCell);
    RewardErrorCellParams p;
    sizes(r, p.nUnits, p.batchSize);
    r.number("alpha", p.alpha);
    r.integer("ema_window_len", p.emaWindowLen);
    r.flag("use_online_predictor", p.useOnlinePredictor);
    return validated(p);
}

template <typename T> std::unique_ptr<Cell<T>> makeCell(CellKind kind, const ParamMap& m) {
    switch (kind) {
        case CellKind::RateCell: return std::make_unique<RateCell<T>>(parseRateCellParams(m));
        case CellKind::GaussianErrorCell:
            return std::make_unique<GaussianErrorCell<T>>(parseGaussianErrorCellParams(m));
        case CellKind::LaplacianErrorCell:
            return std::make_unique<LaplacianErrorCell<T>>(parseLaplacianErrorCellParams(m));
        case CellKind::BernoulliErrorCell:
            return std::make_unique<BernoulliErrorCell<T>>(parseBernoulliErrorCellParams(m));
        case CellKind::LeakyNoiseCell:
            return std::make_unique<LeakyNoiseCell<T>>(parseLeakyNoiseCellParams(m));
        case CellKind::RewardErrorCell:
            return std::make_unique<RewardErrorCell<T>>(parseRewardErrorCellParams(m));
    }
    throw ConfigError("cell", "unknown cell kind");
}

template <typename T>
std::unique_ptr<Cell<T>> makeCell(const std::string& kindName, const ParamMap& m) {
    auto kind = parseCellKind(kindName);
    if (!kind) throw ConfigError("cell", "unknown cell kind '" + kindName + "'");
    return makeCell<T>(*kind, m);
}

template std::unique_ptr<Cell<float>> makeCell<float>(CellKind, const ParamMap&);
template std::unique_ptr<Cell<double>> makeCell<double>(CellKind, const ParamMap&);
template std::unique_ptr<Cell<float>> makeCell<float>(const std::string&, const ParamMap&);
template std::unique_ptr<Cell<double>> makeCell<double>(const std::string&, const ParamMap&);

} // namespace graded
