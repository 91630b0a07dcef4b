// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The description of one node kind: its parameters (ngclearn's names, types, defaults, ranges,
// which are bindable and how each is set live) and its compartments (role, shape, units, what
// the editor and the CLI show). Each kind's spec sits next to its class
// (Cells/RateCellSpec.cpp, Engine/AudioInSpec.cpp, ...); the cell factory, patch checks,
// bindings, host-parameter choice labels, telemetry and the editor all read it.

#include "../Cells/Cell.h"
#include "ParamMap.h"

#include <array>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace graded {

/** The names of a choice field, taken from its kernel (kPriorNames, kActivationNames, ...).
    `parse` accepts aliases (integration_type "rk2"); without it a name must be one of `names`. */
struct ChoiceTable {
    const std::string_view* names = nullptr;
    int count = 0;
    std::string_view what;                       ///< "prior", "activation": for messages
    std::optional<int> (*parse)(std::string_view) = nullptr;

    constexpr ChoiceTable() = default;
    template <std::size_t N>
    constexpr ChoiceTable(const std::string_view (&table)[N], std::string_view what_,
                          std::optional<int> (*parse_)(std::string_view) = nullptr)
        : names(table), count(int(N)), what(what_), parse(parse_) {}
    /** The index of `name` (aliases included), or nothing. */
    std::optional<int> find(std::string_view name) const noexcept;
};

enum class FieldType { number, integer, flag, choice };
/** How a field is stored in its kind's typed parameter struct (e.g. RateCellParams). */
enum class FieldStorage { none, f64, i32, enum32, boolean, u64 };

struct FieldAt {
    FieldStorage storage = FieldStorage::none;
    std::size_t offset = 0;
};

template <typename M> constexpr FieldStorage storageOf() {
    if constexpr (std::is_same_v<M, double>) return FieldStorage::f64;
    else if constexpr (std::is_same_v<M, int>) return FieldStorage::i32;
    else if constexpr (std::is_same_v<M, bool>) return FieldStorage::boolean;
    else if constexpr (std::is_same_v<M, std::uint64_t>) return FieldStorage::u64;
    else {
        static_assert(std::is_enum_v<M> && sizeof(M) == sizeof(int), "unsupported field type");
        return FieldStorage::enum32;
    }
}
/** Where `member` of the parameter struct `P` is: GRADED_FIELD_AT(RateCellParams, tauM). */
#define GRADED_FIELD_AT(P, member) \
    ::graded::FieldAt{::graded::storageOf<decltype(P::member)>(), offsetof(P, member)}

/** One parameter of a node kind. Ranges are inclusive unless `minExclusive`. The same range
    checks a patch's value, a binding (at the ends of its host range) and clamps a live value. */
struct FieldSpec {
    std::string_view name;               ///< ngclearn's name; bindings use it too
    FieldType type = FieldType::number;
    double defaultValue = 0.0;           ///< choice: the index; flag: 0 or 1
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool minExclusive = false;
    ChoiceTable choices;                 ///< choice fields
    /** A choice field written as a [name, number] pair: the field holding the number
        ("prior" -> "prior_gamma"). */
    std::string_view pairNumber;
    /** Set for the number of a pair: the JSON key it is read from (and errors name). */
    std::string_view partOf;
    /** Another name the field is read under (must agree when both are given). */
    std::string_view alias;
    bool bindable = false;
    std::string_view unit;
    std::string_view doc;
    std::string_view why;                ///< appended to range errors ("+6 dB, the output ceiling")
    FieldAt at;                          ///< in the typed parameter struct (cells)
    /** Live setter when the value is not in the parameter struct (GaussianErrorCell's sigma
        is its Sigma compartment). Gets a value already clamped to the range. */
    void (*live)(Cell<float>&, double) noexcept = nullptr;
    /** With `live`: the compartment that holds the live value (its first value). */
    std::string_view liveIn;

    // builders
    constexpr FieldSpec withRange(double lo, double hi, bool loExclusive = false) const {
        FieldSpec f = *this; f.min = lo; f.max = hi; f.minExclusive = loExclusive; return f;
    }
    constexpr FieldSpec above(double lo) const { return withRange(lo, max, true); }
    constexpr FieldSpec atLeast(double lo) const { return withRange(lo, max, false); }
    constexpr FieldSpec canBind() const { FieldSpec f = *this; f.bindable = true; return f; }
    constexpr FieldSpec inUnit(std::string_view u) const { FieldSpec f = *this; f.unit = u; return f; }
    constexpr FieldSpec pairedWith(std::string_view numberField) const { FieldSpec f = *this; f.pairNumber = numberField; return f; }
    constexpr FieldSpec numberOf(std::string_view pairKey) const { FieldSpec f = *this; f.partOf = pairKey; return f; }
    constexpr FieldSpec aka(std::string_view other) const { FieldSpec f = *this; f.alias = other; return f; }
    constexpr FieldSpec liveBy(void (*fn)(Cell<float>&, double) noexcept, std::string_view compartment) const {
        FieldSpec f = *this; f.live = fn; f.liveIn = compartment; return f;
    }
    constexpr FieldSpec about(std::string_view text) const { FieldSpec f = *this; f.doc = text; return f; }
    constexpr FieldSpec because(std::string_view text) const { FieldSpec f = *this; f.why = text; return f; }

    /** The JSON key the field is read from (its pair's for the number of a pair). */
    std::string_view key() const noexcept { return partOf.empty() ? name : partOf; }
};

namespace field {
constexpr FieldSpec number(std::string_view name, double def, FieldAt at = {}) {
    FieldSpec f; f.name = name; f.type = FieldType::number; f.defaultValue = def; f.at = at; return f;
}
constexpr FieldSpec integer(std::string_view name, double def, FieldAt at = {}) {
    FieldSpec f = number(name, def, at); f.type = FieldType::integer; return f;
}
constexpr FieldSpec flag(std::string_view name, bool def, FieldAt at = {}) {
    FieldSpec f = number(name, def ? 1.0 : 0.0, at); f.type = FieldType::flag; f.min = 0; f.max = 1; return f;
}
constexpr FieldSpec choice(std::string_view name, ChoiceTable table, int def, FieldAt at = {}) {
    FieldSpec f = number(name, def, at); f.type = FieldType::choice; f.choices = table;
    f.min = 0; f.max = table.count - 1; return f;
}
} // namespace field

/** How many rows a compartment has: one per audio channel (the cells' batch) or one. */
enum class CompRows { perChannel, single };
/** How many columns: the node's n_units, the filterbank's bands, AudioIn's samples, or one. */
enum class CompCols { units, bands, samples, one };
/** What the editor and the CLI show of a compartment: its row 0 as the node's main or
    secondary trace, or its first value as a scalar trace. */
enum class CompShow { none, main, secondary, scalar };

struct CompartmentSpec {
    std::string_view name;
    CompartmentRole role = CompartmentRole::input;
    CompRows rows = CompRows::perChannel;
    CompCols cols = CompCols::units;
    std::string_view units;
    bool scalar = false;                 ///< one value, recorded as a plain number (L)
    CompShow show = CompShow::none;
    std::string_view doc;
    bool traced = false;                 ///< the editor traces its mean over time (a main compartment)
    bool prediction = false;             ///< an error cell's prediction input (the editor draws what feeds it)
};

/** The sizes a compartment's shape depends on. */
struct NodeSizes {
    int channels = 1, units = 1, bands = 1, samples = 1;
    int rowsOf(const CompartmentSpec& c) const noexcept { return c.rows == CompRows::perChannel ? channels : 1; }
    int colsOf(const CompartmentSpec& c) const noexcept {
        switch (c.cols) {
            case CompCols::units: return units;
            case CompCols::bands: return bands;
            case CompCols::samples: return samples;
            case CompCols::one: return 1;
        }
        return 1;
    }
};

template <typename T> struct Span {
    const T* data = nullptr;
    int count = 0;
    constexpr Span() = default;
    template <std::size_t N> constexpr Span(const T (&a)[N]) : data(a), count(int(N)) {}
    template <std::size_t N> constexpr Span(const std::array<T, N>& a) : data(a.data()), count(int(N)) {}
    const T* begin() const noexcept { return data; }
    const T* end() const noexcept { return data + count; }
    const T& operator[](int i) const noexcept { return data[i]; }
    int size() const noexcept { return count; }
};

/** The cell side of a spec: building a cell from parameters and retuning it live. */
struct CellOps {
    std::unique_ptr<Cell<float>> (*makeFloat)(const ParamMap&) = nullptr;
    std::unique_ptr<Cell<double>> (*makeDouble)(const ParamMap&) = nullptr;
    /** Reads and validates the parameters without building a cell; throws ConfigError. */
    void (*check)(const ParamMap&) = nullptr;
    /** Writes `value` (already clamped) into the cell's parameter struct at `f.at`. */
    void (*setParam)(Cell<float>&, const FieldSpec& f, double value) noexcept = nullptr;
    /** Reads the cell's parameter struct at `f.at` (kinds with setParam). */
    double (*getParam)(const Cell<float>&, const FieldSpec& f) noexcept = nullptr;
    /** Multiply-adds per unit and step (the budget's estimate, with the engine's finiteness
        scan): `perUnit + perStage * stages`, stages being the integrator's (1, 2 or 4). */
    double perUnit = 20.0, perStage = 0.0;
};

struct NodeSpec {
    std::string_view kind;               ///< "RateCell", "AudioIn", ...
    std::string_view doc;
    Span<FieldSpec> fields;
    /** Accepted keys that are not fields of their own (e.g. RateCell's is_stateful). */
    Span<std::string_view> extraKeys;
    Span<CompartmentSpec> compartments;
    CellOps cell;                        ///< empty for AudioIn / AudioOut

    const FieldSpec* findField(std::string_view name) const noexcept;
    int fieldIndex(std::string_view name) const noexcept;
    const CompartmentSpec* findCompartment(std::string_view name) const noexcept;
    const CompartmentSpec* shown(CompShow what) const noexcept;
    bool accepts(std::string_view key) const noexcept;
};

// ---- the one place a field's value is checked, read and set ----

/** Why `value` is not acceptable for `f` (choices and integers are rounded first, as a
    binding rounds them), or nothing. */
std::optional<std::string> checkFieldValue(const FieldSpec& f, double value);
/** `value` clamped into `f`'s range (choices and integers rounded): what a live setter gets. */
double clampFieldValue(const FieldSpec& f, double value) noexcept;
/** The value of `f` in a typed parameter struct. */
double readField(const void* params, const FieldSpec& f) noexcept;
void writeField(void* params, const FieldSpec& f, double value) noexcept;
/** Sets `f` (a bindable field of `spec`) on a live cell: clamps, then the field's setter.
    Never allocates, locks or throws. */
void setLive(const NodeSpec& spec, const FieldSpec& f, Cell<float>& cell, double value) noexcept;
/** The live value of bindable field `f` of a cell (what setLive set). */
double getLive(const NodeSpec& spec, const FieldSpec& f, const Cell<float>& cell) noexcept;

/** A value given for `f` as a number (choices: the index); throws ConfigError naming `f`'s
    key for a wrong type, an unknown choice name or a non-finite number. */
double readValue(const FieldSpec& f, const ParamValue& value);

/** Checks every field of a typed parameter struct against `spec` (and n_units x batch_size
    against the size limit); throws ConfigError naming the field's JSON key. */
void validateFields(const NodeSpec& spec, const void* params);
/** Reads ngclearn-style parameters into a typed parameter struct that holds the defaults:
    unknown names, wrong types, unknown choice names and non-finite numbers throw ConfigError.
    Does not check ranges (validateFields does). */
void readFields(const NodeSpec& spec, const ParamMap& m, void* params);

} // namespace graded
