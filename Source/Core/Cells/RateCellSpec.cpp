// SPDX-License-Identifier: GPL-3.0-or-later
// RateCell's parameters and compartments (the class: RateCell.h).
#include "CellFactory.h"
#include "CellSpecs.h"
#include "RateCell.h"

namespace graded {

const NodeSpec& rateCellSpec() {
    using P = RateCellParams;
    static const auto fields = cellspec::fields<P>(
        field::number("tau_m", 10.0, GRADED_FIELD_AT(P, tauM)).inUnit("ms").canBind()
            .about("membrane time constant; <= 0 makes the cell stateless"),
        field::choice("prior", cellspec::kPriors, 0, GRADED_FIELD_AT(P, prior))
            .pairedWith("prior_gamma").canBind().about("[name, gamma]: the prior's leak"),
        field::number("prior_gamma", 0.0, GRADED_FIELD_AT(P, priorGamma)).numberOf("prior").canBind()
            .about("leak strength of the prior"),
        field::choice("act_fx", cellspec::kActivations, 0, GRADED_FIELD_AT(P, act)).canBind().about("activation f"),
        field::number("omega_0", kDefaultOmega0, GRADED_FIELD_AT(P, omega0)).about("sine activation frequency"),
        field::number("output_scale", 1.0, GRADED_FIELD_AT(P, outputScale)).canBind(),
        field::choice("threshold", cellspec::kThresholds, 0, GRADED_FIELD_AT(P, threshold))
            .pairedWith("threshold_lambda").canBind().about("[name, lambda]: acts on z after each step"),
        field::number("threshold_lambda", 0.0, GRADED_FIELD_AT(P, thresholdLambda)).numberOf("threshold").atLeast(0).canBind(),
        field::choice("integration_type", cellspec::kIntegrators, 0, GRADED_FIELD_AT(P, integrator)).canBind(),
        field::number("resist_scale", 1.0, GRADED_FIELD_AT(P, resistScale)).canBind());
    static const std::string_view extraKeys[] = {"is_stateful"};
    static const CompartmentSpec compartments[] = {
        cellspec::units("j", CompartmentRole::input, "bottom-up current; overwritten by j'", CompShow::none, "mA"),
        cellspec::units("j_td", CompartmentRole::input, "top-down pressure", CompShow::none, "mA"),
        cellspec::units("z", CompartmentRole::state, "rate activity", CompShow::secondary, "mA"),
        cellspec::units("zF", CompartmentRole::output, "f(z) * output_scale", CompShow::main),
    };
    static const NodeSpec spec{"RateCell", "a graded neuron driven by predictive-coding gradient dynamics", fields, extraKeys,
                               compartments, cellspec::ops<RateCell, parseRateCellParams>(20.0, 40.0)};
    return spec;
}

RateCellParams parseRateCellParams(const ParamMap& m) {
    RateCellParams p;
    readFields(rateCellSpec(), m, &p);
    static constexpr FieldSpec kStateful = field::flag("is_stateful", true);
    if (const auto it = m.find("is_stateful"); it != m.end() && readValue(kStateful, it->second) == 0)
        p.tauM = 0.0; // ngclearn's explicit stateless switch
    p.validate();
    return p;
}

} // namespace graded
