// SPDX-License-Identifier: GPL-3.0-or-later
// LeakyNoiseCell's parameters and compartments (the class: LeakyNoiseCell.h).
#include "CellFactory.h"
#include "CellSpecs.h"
#include "LeakyNoiseCell.h"

namespace graded {

LeakyNoiseCellParams parseLeakyNoiseCellParams(const ParamMap& m) { return cellspec::parse<LeakyNoiseCellParams>(leakyNoiseCellSpec(), m); }

const NodeSpec& leakyNoiseCellSpec() {
    using P = LeakyNoiseCellParams;
    static const auto fields = cellspec::fields<P>(
        field::number("tau_x", 10.0, GRADED_FIELD_AT(P, tauX)).above(0).inUnit("ms").canBind(),
        field::choice("act_fx", cellspec::kActivations, int(Activation::relu), GRADED_FIELD_AT(P, act)).canBind(),
        field::number("omega_0", kDefaultOmega0, GRADED_FIELD_AT(P, omega0)).about("sine activation frequency"),
        field::choice("integration_type", cellspec::kIntegrators, 0, GRADED_FIELD_AT(P, integrator)).canBind(),
        field::number("sigma_rec", 1.0, GRADED_FIELD_AT(P, sigmaRec)).atLeast(0).aka("sigma_pre").canBind()
            .about("pre-rectification noise (ngclearn's sigma_pre)"),
        field::number("sigma_post", 0.0, GRADED_FIELD_AT(P, sigmaPost)).atLeast(0).canBind().about("post-rectification noise"),
        field::number("leak_scale", 1.0, GRADED_FIELD_AT(P, leakScale)).canBind(),
        field::integer("seed", double(0x5eed'9a7e'dce1'1501ULL), GRADED_FIELD_AT(P, seed)).withRange(0, 9007199254740992.0)
            .because("seeds are whole numbers in [0, 2^53]").about("the cell's own noise generator"));
    static const CompartmentSpec compartments[] = {
        cellspec::units("j_input", CompartmentRole::input, "input current", CompShow::none, "mA"),
        cellspec::units("j_recurrent", CompartmentRole::input, "recurrent current", CompShow::none, "mA"),
        cellspec::units("x", CompartmentRole::state, "noisy rate activity", CompShow::secondary, "mA"),
        cellspec::units("eps", CompartmentRole::state, "the last step's unit-normal sample"),
        cellspec::units("r", CompartmentRole::output, "f(x) + sigma_post eps", CompShow::main),
        cellspec::units("r_prime", CompartmentRole::output, "f'(x)"),
    };
    static const NodeSpec spec{"LeakyNoiseCell", "a continuous-time, noisy, leaky rate unit", fields, {}, compartments,
                               cellspec::ops<LeakyNoiseCell, parseLeakyNoiseCellParams>(20.0, 50.0)};
    return spec;
}

} // namespace graded
