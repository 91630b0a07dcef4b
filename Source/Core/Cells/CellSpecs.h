// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The registry of cell specs (one per CellKind) and what the cell spec files share.

#include "../Spec/NodeSpec.h"
#include "CellParams.h"

#include <array>
#include <memory>

namespace graded {

/** The spec of each cell kind, one file each next to its class (RateCellSpec.cpp, ...).
    A new cell kind: its class, its spec file, one line in CellSpecs.cpp. */
const NodeSpec& rateCellSpec();
const NodeSpec& gaussianErrorCellSpec();
const NodeSpec& laplacianErrorCellSpec();
const NodeSpec& bernoulliErrorCellSpec();
const NodeSpec& leakyNoiseCellSpec();
const NodeSpec& rewardErrorCellSpec();

const NodeSpec& cellSpec(CellKind kind);

namespace cellspec {

/** n_units and batch_size, the first two fields of every cell. */
template <typename P> constexpr FieldSpec nUnits() {
    return field::integer("n_units", 1, GRADED_FIELD_AT(P, nUnits)).atLeast(1).about("number of units (columns)");
}
template <typename P> constexpr FieldSpec batchSize() {
    return field::integer("batch_size", 1, GRADED_FIELD_AT(P, batchSize)).atLeast(1)
        .about("rows; the engine sets it to the channel count");
}

/** n_units and batch_size, then a kind's own fields. */
template <typename P, typename... F> constexpr std::array<FieldSpec, sizeof...(F) + 2> fields(F... own) {
    return {nUnits<P>(), batchSize<P>(), own...};
}

/** A kernel's parse function as a choice index (aliases included). */
template <auto parseFn> std::optional<int> indexOf(std::string_view name) {
    const auto v = parseFn(name);
    return v ? std::optional<int>(int(*v)) : std::nullopt;
}
inline constexpr ChoiceTable kPriors{kPriorNames, "prior", indexOf<parsePrior>};
inline constexpr ChoiceTable kActivations{kActivationNames, "activation", indexOf<parseActivation>};
inline constexpr ChoiceTable kIntegrators{kIntegratorNames, "integrator", indexOf<parseIntegrator>};
inline constexpr ChoiceTable kThresholds{kThresholdNames, "threshold", indexOf<parseThreshold>};

/** [batch][n_units] compartments and the error cells' shared ones. */
constexpr CompartmentSpec units(std::string_view name, CompartmentRole role, std::string_view doc = "",
                                CompShow show = CompShow::none, std::string_view unit = "") {
    return {name, role, CompRows::perChannel, CompCols::units, unit, false, show, doc};
}
constexpr CompartmentSpec single(std::string_view name, CompartmentRole role) {
    return {name, role, CompRows::single, CompCols::one, "", false, CompShow::none, ""};
}
/** `c`, its mean traced over time by the editor. */
constexpr CompartmentSpec traced(CompartmentSpec c) {
    c.traced = true;
    return c;
}
/** An error cell's prediction input. */
constexpr CompartmentSpec prediction(std::string_view name, std::string_view doc) {
    CompartmentSpec c = units(name, CompartmentRole::input, doc);
    c.prediction = true;
    return c;
}
constexpr CompartmentSpec target() { return units("target", CompartmentRole::input); }
constexpr CompartmentSpec modulator() { return units("modulator", CompartmentRole::input, "starts at 1"); }
constexpr CompartmentSpec mask() { return units("mask", CompartmentRole::input, "starts at 1, consumed by each advance"); }
constexpr CompartmentSpec loss(std::string_view doc) {
    return {"L", CompartmentRole::output, CompRows::single, CompCols::one, "nats", true, CompShow::scalar, doc};
}
constexpr CompartmentSpec dtarget(std::string_view doc) { return units("dtarget", CompartmentRole::output, doc); }

/** Reads and validates a typed parameter struct of `spec`'s kind. */
template <typename P> P parse(const NodeSpec& spec, const ParamMap& m) {
    P p;
    readFields(spec, m, &p);
    p.validate();
    return p;
}

template <typename C> constexpr auto hasSetParams(int) -> decltype(std::declval<C&>().setParams(std::declval<C&>().params()), true) { return true; }
template <typename C> constexpr bool hasSetParams(long) { return false; }

/** The live setter of a cell kind that keeps its parameters in a struct with setParams. */
template <typename C> void setParam(Cell<float>& cell, const FieldSpec& f, double v) noexcept {
    auto& c = static_cast<C&>(cell);
    auto p = c.params();
    writeField(&p, f, v);
    c.setParams(p);
}

template <typename C> double getParam(const Cell<float>& cell, const FieldSpec& f) noexcept {
    const auto p = static_cast<const C&>(cell).params();
    return readField(&p, f);
}

/** The cell side of a spec: cell template `C`, built from parameters by `parseFn`, retuned
    live through its setParams when it has one (otherwise every bindable field has a `live`
    setter of its own). */
template <template <typename> class C, auto parseFn> CellOps ops(double perUnit = 20.0, double perStage = 0.0) {
    CellOps o;
    o.perUnit = perUnit;
    o.perStage = perStage;
    o.makeFloat = [](const ParamMap& m) -> std::unique_ptr<Cell<float>> { return std::make_unique<C<float>>(parseFn(m)); };
    o.makeDouble = [](const ParamMap& m) -> std::unique_ptr<Cell<double>> { return std::make_unique<C<double>>(parseFn(m)); };
    o.check = [](const ParamMap& m) { (void)parseFn(m); };
    if constexpr (hasSetParams<C<float>>(0)) {
        o.setParam = setParam<C<float>>;
        o.getParam = getParam<C<float>>;
    }
    return o;
}

} // namespace cellspec
} // namespace graded
