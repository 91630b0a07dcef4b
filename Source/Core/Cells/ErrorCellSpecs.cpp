// SPDX-License-Identifier: GPL-3.0-or-later
// The error cells' parameters and compartments (the classes: ErrorCells.h).
#include "CellFactory.h"
#include "CellSpecs.h"
#include "ErrorCells.h"

namespace graded {
namespace {

/** What GaussianErrorCell and LaplacianErrorCell name differently. */
struct SpreadNames {
    std::string_view kind, doc, param, paramDoc, prediction, spread, gradient, dspread, loss, gradientDoc;
};
constexpr SpreadNames kGaussian{"GaussianErrorCell", "the mismatch of a Gaussian prediction mu against a target", "sigma",
                                "initial Sigma (divides like a variance: a reference quirk)", "mu", "Sigma", "dmu", "dSigma",
                                "-0.5 sum(e^2) / Sigma", "e / Sigma, gated"};
constexpr SpreadNames kLaplacian{"LaplacianErrorCell", "the mismatch of a Laplacian prediction (shift) against a target", "scale",
                                 "initial Scale", "shift", "Scale", "dshift", "dScale",
                                 "-sum(|sign(e)|) / Scale (counts mismatches: a reference quirk)", "sign(e) / Scale, gated"};

/** The live setter of a spread: the first value of its compartment. */
template <typename C, Buffer<float> C::*spread> void setSpread(Cell<float>& cell, double v) noexcept {
    (static_cast<C&>(cell).*spread)(0) = float(v);
}

/** An error cell with a spread (Sigma, Scale): its one field, kept live in the spread
    compartment, and its compartments. */
template <template <typename> class C, auto parseFn, Buffer<float> C<float>::*spread>
const NodeSpec& spreadSpec(const SpreadNames& n, FieldAt at) {
    using P = typename C<float>::Params;
    static const auto fields = cellspec::fields<P>(
        field::number(n.param, 1.0, at).above(0).canBind().liveBy(setSpread<C<float>, spread>, n.spread).about(n.paramDoc));
    static const CompartmentSpec compartments[] = {
        cellspec::prediction(n.prediction, "prediction"),
        cellspec::target(), cellspec::modulator(), cellspec::mask(),
        cellspec::single(n.spread, CompartmentRole::input),
        cellspec::loss(n.loss),
        cellspec::units(n.gradient, CompartmentRole::output, n.gradientDoc, CompShow::main),
        cellspec::dtarget("minus the gradient"),
        cellspec::single(n.dspread, CompartmentRole::output),
    };
    static const NodeSpec spec{n.kind, n.doc, fields, {}, compartments, cellspec::ops<C, parseFn>()};
    return spec;
}

} // namespace

const NodeSpec& bernoulliErrorCellSpec() {
    static const auto fields = cellspec::fields<BernoulliErrorCellParams>(
        field::flag("input_logits", false, GRADED_FIELD_AT(BernoulliErrorCellParams, inputLogits)).about("p holds logits (true) or probabilities (false)"));
    static const CompartmentSpec compartments[] = {
        cellspec::prediction("p", "predicted probabilities (or logits)"),
        cellspec::target(), cellspec::modulator(), cellspec::mask(),
        cellspec::loss("log-likelihood"),
        cellspec::units("dp", CompartmentRole::output, "gated", CompShow::main),
        cellspec::dtarget(""),
    };
    static const NodeSpec spec{"BernoulliErrorCell", "the mismatch of a Bernoulli prediction p against a target", fields, {},
                               compartments, cellspec::ops<BernoulliErrorCell, parseBernoulliErrorCellParams>(40.0)};
    return spec;
}

const NodeSpec& gaussianErrorCellSpec() {
    return spreadSpec<GaussianErrorCell, parseGaussianErrorCellParams, &GaussianErrorCell<float>::Sigma>(
        kGaussian, GRADED_FIELD_AT(GaussianErrorCellParams, sigma));
}
const NodeSpec& laplacianErrorCellSpec() {
    return spreadSpec<LaplacianErrorCell, parseLaplacianErrorCellParams, &LaplacianErrorCell<float>::Scale>(
        kLaplacian, GRADED_FIELD_AT(LaplacianErrorCellParams, scale));
}

GaussianErrorCellParams parseGaussianErrorCellParams(const ParamMap& m) { return cellspec::parse<GaussianErrorCellParams>(gaussianErrorCellSpec(), m); }
LaplacianErrorCellParams parseLaplacianErrorCellParams(const ParamMap& m) { return cellspec::parse<LaplacianErrorCellParams>(laplacianErrorCellSpec(), m); }
BernoulliErrorCellParams parseBernoulliErrorCellParams(const ParamMap& m) { return cellspec::parse<BernoulliErrorCellParams>(bernoulliErrorCellSpec(), m); }

} // namespace graded
