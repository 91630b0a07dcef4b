// SPDX-License-Identifier: GPL-3.0-or-later
// AudioIn's and AudioOut's parameters and compartments: the two sides of the filterbank
// (the class: Filterbank.h).
#include "../Limits.h"
#include "../Patch/NodeSpecs.h"
#include "Filterbank.h"

namespace graded {
namespace {

/** A per-channel compartment of the I/O nodes. */
constexpr CompartmentSpec io(std::string_view name, CompartmentRole role, CompCols cols, std::string_view doc, CompShow show = CompShow::none) {
    return {name, role, CompRows::perChannel, cols, "", false, show, doc};
}

const std::string_view kLinearOrDb[] = {"linear", "db"};
constexpr double kNoFloor = -std::numeric_limits<double>::infinity();

using In = AudioInParams;
const FieldSpec kInFields[] = {
    field::integer("bands", 16, GRADED_FIELD_AT(In, bands)).withRange(1, Filterbank::kMaxBands).about("number of log-spaced band-pass filters"),
    field::number("minHz", 80.0, GRADED_FIELD_AT(In, minHz)).atLeast(10).inUnit("Hz").about("centre of the lowest band"),
    field::number("maxHz", 12000.0, GRADED_FIELD_AT(In, maxHz)).inUnit("Hz").about("centre of the highest band (> minHz; clamped below Nyquist)"),
    field::choice("compress", ChoiceTable(kLinearOrDb, "compression"), 1, GRADED_FIELD_AT(In, compressDb))
        .about("bands and level as (dB + 100) / 100 (\"db\") or linear energy / RMS"),
    field::integer("samples", 16, GRADED_FIELD_AT(In, samples)).withRange(1, 16).because("1, 2, 4, 8 or 16")
        .about("size of the samples compartment (1, 2, 4, 8 or 16)"),
};
const CompartmentSpec kInCompartments[] = {
    io("bands", CompartmentRole::output, CompCols::bands, "band energies of the last step", CompShow::main),
    io("level", CompartmentRole::output, CompCols::one, "the step's level"),
    io("samples", CompartmentRole::output, CompCols::samples, "the step's input, averaged down"),
};

using Out = AudioOutParams;
const FieldSpec kOutFields[] = {
    field::choice("gains", ChoiceTable(kLinearOrDb, "gain unit"), 1, GRADED_FIELD_AT(Out, gainsDb)).about("bandGains in dB (\"db\") or linear"),
    field::number("minDb", -60.0, GRADED_FIELD_AT(Out, minDb)).inUnit("dB").about("dB mode: clamp of bandGains"),
    field::number("maxDb", 0.0, GRADED_FIELD_AT(Out, maxDb)).inUnit("dB").withRange(kNoFloor, limits::kOutputCeilingDb)
        .because("+6 dB, the output ceiling").about("dB mode: clamp of bandGains (>= minDb)"),
    field::number("maxGain", 1.99526, GRADED_FIELD_AT(Out, maxGain)).withRange(0, double(limits::kOutputCeiling))
        .because("+6 dB, the output ceiling").about("linear mode: bandGains and gain clamped to [0, maxGain]"),
    field::number("smoothMs", 5.0, GRADED_FIELD_AT(Out, smoothMs)).withRange(0, 1000).inUnit("ms").about("per-sample smoothing of every audible gain"),
    field::number("maxNoise", 1.0, GRADED_FIELD_AT(Out, maxNoise)).withRange(0, 16).about("noise amplitudes clamped to [0, maxNoise]"),
    field::number("bandGainDefault", 0.0, GRADED_FIELD_AT(Out, bandGainDefault)).about("bandGains when no wire drives it (linear or dB)"),
};
const CompartmentSpec kOutCompartments[] = {
    io("bandGains", CompartmentRole::input, CompCols::bands, "gain of each band", CompShow::main),
    io("gain", CompartmentRole::input, CompCols::one, "broadband gain"),
    io("noise", CompartmentRole::input, CompCols::bands, "noise amplitude of each band"),
};

} // namespace

const NodeSpec& audioInSpec() {
    static const NodeSpec spec{"AudioIn", "the analysis filterbank and what a step heard", kInFields, {}, kInCompartments, {}};
    return spec;
}

const NodeSpec& audioOutSpec() {
    static const NodeSpec spec{"AudioOut", "turns compartments into sound through the same filterbank", kOutFields, {}, kOutCompartments, {}};
    return spec;
}

} // namespace graded
