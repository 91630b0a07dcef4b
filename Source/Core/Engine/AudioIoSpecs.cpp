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

constexpr std::string_view kLinearOrDb[] = {"linear", "db"};
constexpr std::string_view kNoiseLevel[] = {"absolute", "input"};
constexpr double kNoFloor = -std::numeric_limits<double>::infinity();

} // namespace

// The tables are function-local statics (as the cells' are): built on first use, so a spec
// asked for during another file's static initialisation is already complete.
const NodeSpec& audioInSpec() {
    using In = AudioInParams;
    static const FieldSpec kInFields[] = {
        field::integer("bands", 16, GRADED_FIELD_AT(In, bands)).withRange(1, Filterbank::kMaxBands).about("number of log-spaced band-pass filters"),
        field::number("minHz", 80.0, GRADED_FIELD_AT(In, minHz)).atLeast(10).inUnit("Hz").about("centre of the lowest band"),
        field::number("maxHz", 12000.0, GRADED_FIELD_AT(In, maxHz)).inUnit("Hz").about("centre of the highest band (> minHz; clamped below Nyquist)"),
        field::choice("compress", ChoiceTable(kLinearOrDb, "compression"), 1, GRADED_FIELD_AT(In, compressDb))
            .about("bands and level as (dB + 100) / 100 (\"db\") or linear energy / RMS"),
        field::integer("samples", 16, GRADED_FIELD_AT(In, samples)).withRange(1, 16).because("1, 2, 4, 8 or 16")
            .about("size of the samples compartment (1, 2, 4, 8 or 16)"),
        field::number("envMs", 2.0, GRADED_FIELD_AT(In, envMs)).withRange(0, 1000).inUnit("ms")
            .about("shortest time constant of the band envelopes (a band never follows faster than it rings, Q / (pi fc))"),
        field::number("levelMs", 10.0, GRADED_FIELD_AT(In, levelMs)).withRange(0.01, 10000).inUnit("ms")
            .about("time constant of the level envelope"),
    };
    static const CompartmentSpec kInCompartments[] = {
        io("bands", CompartmentRole::output, CompCols::bands, "band energies of the last step", CompShow::main),
        io("level", CompartmentRole::output, CompCols::one, "the step's level"),
        io("samples", CompartmentRole::output, CompCols::samples, "the step's input, averaged down"),
    };
    static const NodeSpec spec{"AudioIn", "the analysis filterbank and what a step heard", kInFields, {}, kInCompartments, {}};
    return spec;
}

const NodeSpec& audioOutSpec() {
    using Out = AudioOutParams;
    static const FieldSpec kOutFields[] = {
        field::choice("gains", ChoiceTable(kLinearOrDb, "gain unit"), 1, GRADED_FIELD_AT(Out, gainsDb)).about("bandGains in dB (\"db\") or linear"),
        field::number("minDb", -60.0, GRADED_FIELD_AT(Out, minDb)).inUnit("dB").about("dB mode: clamp of bandGains"),
        field::number("maxDb", 0.0, GRADED_FIELD_AT(Out, maxDb)).inUnit("dB").withRange(kNoFloor, limits::kOutputCeilingDb)
            .because("+6 dB, the output ceiling").about("dB mode: clamp of bandGains (>= minDb)"),
        field::number("maxGain", 1.99526, GRADED_FIELD_AT(Out, maxGain)).withRange(0, double(limits::kOutputCeiling))
            .because("+6 dB, the output ceiling").about("linear mode: bandGains and gain clamped to [0, maxGain]"),
        field::number("smoothMs", 0.0, GRADED_FIELD_AT(Out, smoothMs)).withRange(0, 1000).inUnit("ms")
            .about("extra one-pole smoothing of every audible gain (they already ramp linearly across each step)"),
        field::number("maxNoise", 1.0, GRADED_FIELD_AT(Out, maxNoise)).withRange(0, 16).about("noise amplitudes clamped to [0, maxNoise]"),
        field::number("bandGainDefault", 0.0, GRADED_FIELD_AT(Out, bandGainDefault)).about("bandGains when no wire drives it (linear or dB)"),
        field::choice("noiseLevel", ChoiceTable(kNoiseLevel, "noise level"), 0, GRADED_FIELD_AT(Out, noiseRelative))
            .about("noise amplitudes in absolute units (\"absolute\") or relative to each band's input level (\"input\": 1 = the band's own RMS)"),
        field::number("ceilingDb", -1.0, GRADED_FIELD_AT(Out, ceilingDb)).withRange(-40, 0).inUnit("dBFS")
            .about("output ceiling of the look-ahead limiter (raised to the dry input's own level where that is higher)"),
        field::number("lookaheadMs", 1.0, GRADED_FIELD_AT(Out, lookaheadMs)).withRange(0.05, 10).inUnit("ms")
            .about("look-ahead of the limiter (adds to the latency)"),
    };
    static const CompartmentSpec kOutCompartments[] = {
        io("bandGains", CompartmentRole::input, CompCols::bands, "gain of each band"),
        io("gain", CompartmentRole::input, CompCols::one, "broadband gain"),
        io("noise", CompartmentRole::input, CompCols::bands, "noise amplitude of each band"),
        io("appliedDb", CompartmentRole::output, CompCols::bands, "gain in effect in each band at the end of the step, dB (band x broadband x limiter)", CompShow::main),
        io("limitDb", CompartmentRole::output, CompCols::one, "the limiter's gain during the step, dB (0 = not limiting)", CompShow::scalar),
    };
    static const NodeSpec spec{"AudioOut", "turns compartments into sound through the same filterbank", kOutFields, {}, kOutCompartments, {}};
    return spec;
}

} // namespace graded
