// SPDX-License-Identifier: GPL-3.0-or-later
// Parameter validation at construction: clear errors naming the field, never on the audio path.
#include <catch2/catch.hpp>

#include "Cells/CellFactory.h"
#include "Cells/RateCell.h"

#include <cmath>
#include <limits>

using namespace graded;

namespace {
std::string fieldOf(const std::string& kind, const ParamMap& m) {
    try {
        makeCell<double>(kind, m);
    } catch (const ConfigError& e) {
        return e.field();
    }
    return "";
}
ParamValue num(double v) { return ParamValue::num(v); }
ParamValue str(const char* s) { return ParamValue::str(s); }
} // namespace

TEST_CASE("bad parameters are rejected with the field named", "[factory]") {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK(fieldOf("RateCell", {{"prior", ParamValue::pair("student", 0.1)}}) == "prior");
    CHECK(fieldOf("RateCell", {{"act_fx", str("swish")}}) == "act_fx");
    CHECK(fieldOf("RateCell", {{"integration_type", str("heun")}}) == "integration_type");
    CHECK(fieldOf("RateCell", {{"threshold", ParamValue::pair("hard", 0.1)}}) == "threshold");
    CHECK(fieldOf("RateCell", {{"n_units", num(0)}}) == "n_units");
    CHECK(fieldOf("RateCell", {{"n_units", num(2.5)}}) == "n_units");
    CHECK(fieldOf("RateCell", {{"batch_size", num(0)}}) == "batch_size");
    CHECK(fieldOf("RateCell", {{"tau_m", num(nan)}}) == "tau_m");
    CHECK(fieldOf("RateCell", {{"output_scale", num(inf)}}) == "output_scale");
    CHECK(fieldOf("RateCell", {{"prior", ParamValue::pair("gaussian", nan)}}) == "prior");
    CHECK(fieldOf("RateCell", {{"tau", num(3)}}) == "tau");
    CHECK(fieldOf("RateCell", {{"tau_m", str("fast")}}) == "tau_m");
    CHECK(fieldOf("GaussianErrorCell", {{"sigma", num(0)}}) == "sigma");
    CHECK(fieldOf("GaussianErrorCell", {{"sigma", num(-1)}}) == "sigma");
    CHECK(fieldOf("LaplacianErrorCell", {{"scale", num(0)}}) == "scale");
    CHECK(fieldOf("LeakyNoiseCell", {{"tau_x", num(0)}}) == "tau_x");
    CHECK(fieldOf("LeakyNoiseCell", {{"sigma_rec", num(-0.1)}}) == "sigma_rec");
    CHECK(fieldOf("LeakyNoiseCell", {{"sigma_rec", num(0.1)}, {"sigma_pre", num(0.2)}}) == "sigma_pre");
    CHECK(fieldOf("LeakyNoiseCell", {{"integration_type", str("ralston")}}) == "integration_type");
    CHECK(fieldOf("RewardErrorCell", {{"ema_window_len", num(0)}}) == "ema_window_len");
    CHECK(fieldOf("BernoulliErrorCell", {{"input_logits", num(3)}}) == "input_logits");
    CHECK(fieldOf("SpikingCell", {}) == "cell");
}

TEST_CASE("ngclearn-style parameters build the cell they describe", "[factory]") {
    auto p = parseRateCellParams({{"n_units", num(8)},
                                  {"batch_size", num(2)},
                                  {"tau_m", num(12)},
                                  {"prior", ParamValue::pair("laplacian", 0.3)},
                                  {"act_fx", str("sine")},
                                  {"omega_0", num(10)},
                                  {"threshold", ParamValue::pair("soft_threshold", 0.05)},
                                  {"integration_type", str("rk2")},
                                  {"resist_scale", num(0.5)}});
    CHECK(p.nUnits == 8);
    CHECK(p.batchSize == 2);
    CHECK(p.prior == Prior::laplacian);
    CHECK(p.priorGamma == 0.3);
    CHECK(p.act == Activation::sine);
    CHECK(p.omega0 == 10);
    CHECK(p.threshold == Threshold::soft_threshold);
    CHECK(p.integrator == Integrator::midpoint);
    auto stateless = parseRateCellParams({{"tau_m", num(5)}, {"is_stateful", ParamValue::boolean(false)}});
    CHECK_FALSE(stateless.stateful());
    auto leaky = parseLeakyNoiseCellParams({{"sigma_pre", num(0.3)}, {"tau_x", num(20)}});
    CHECK(leaky.sigmaRec == 0.3);
    auto cell = makeCell<float>("RateCell", {{"n_units", num(3)}, {"batch_size", num(4)}});
    CHECK(cell->kind() == CellKind::RateCell);
    CHECK(cell->batchSize() == 4);
    const auto* z = cell->findCompartment("z");
    REQUIRE(z);
    CHECK(z->rows == 4);
    CHECK(z->cols == 3);
    CHECK(cell->findCompartment("nope") == nullptr);
}

TEST_CASE("every cell kind names its compartments as ngclearn does", "[factory]") {
    const std::vector<std::vector<std::string>> expected{
        {"j", "j_td", "z", "zF"},
        {"mu", "target", "modulator", "mask", "Sigma", "L", "dmu", "dtarget", "dSigma"},
        {"shift", "target", "modulator", "mask", "Scale", "L", "dshift", "dtarget", "dScale"},
        {"p", "target", "modulator", "mask", "L", "dp", "dtarget"},
        {"j_input", "j_recurrent", "x", "eps", "r", "r_prime"},
        {"reward", "mu", "accum_reward", "n_ep_steps", "rpe"}};
    for (int k = 0; k < kNumCellKinds; ++k) {
        auto cell = makeCell<double>(static_cast<CellKind>(k), {});
        std::vector<std::string> names;
        for (const auto& c : cell->compartments()) names.emplace_back(c.name);
        CHECK(names == expected[k]);
    }
}
