// SPDX-License-Identifier: GPL-3.0-or-later
#include "NodeSpec.h"

#include "../Cells/CellParams.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace graded {

std::optional<int> ChoiceTable::find(std::string_view name) const noexcept {
    if (parse) return parse(name);
    for (int i = 0; i < count; ++i)
        if (names[i] == name) return i;
    return std::nullopt;
}

const FieldSpec* NodeSpec::findField(std::string_view name) const noexcept {
    const int i = fieldIndex(name);
    return i < 0 ? nullptr : &fields[i];
}

int NodeSpec::fieldIndex(std::string_view name) const noexcept {
    for (int i = 0; i < fields.size(); ++i)
        if (fields[i].name == name) return i;
    return -1;
}

const CompartmentSpec* NodeSpec::findCompartment(std::string_view name) const noexcept {
    for (const auto& c : compartments)
        if (c.name == name) return &c;
    return nullptr;
}

const CompartmentSpec* NodeSpec::shown(CompShow what) const noexcept {
    for (const auto& c : compartments)
        if (c.show == what) return &c;
    return nullptr;
}

bool NodeSpec::accepts(std::string_view key) const noexcept {
    for (const auto& f : fields)
        if (f.partOf.empty() && (f.name == key || (!f.alias.empty() && f.alias == key))) return true;
    return std::find(extraKeys.begin(), extraKeys.end(), key) != extraKeys.end();
}

namespace {

std::string bound(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string shown(const FieldSpec& f, double v) {
    if (f.type != FieldType::number && std::fabs(v) < 9.2e18) return std::to_string(std::llround(v));
    return std::to_string(v);
}

double rounded(const FieldSpec& f, double v) {
    return f.type == FieldType::number ? v : double(std::llround(v));
}

const char* typeName(ParamValue::Type t) {
    switch (t) {
        case ParamValue::Type::number: return "a number";
        case ParamValue::Type::string: return "a string";
        case ParamValue::Type::boolean: return "a boolean";
        case ParamValue::Type::pair: return "a [name, number] pair";
    }
    return "?";
}

[[noreturn]] void fail(std::string_view field, const std::string& what) {
    throw ConfigError(std::string(field), what);
}

void require(const FieldSpec& f, double v) {
    if (auto why = checkFieldValue(f, v)) fail(f.key(), *why);
}

/** A number from a number or (as Python's True == 1) a boolean. */
double numberOf(const FieldSpec& f, std::string_view key, const ParamValue& v) {
    if (v.type == ParamValue::Type::boolean) return v.flag ? 1.0 : 0.0;
    if (v.type != ParamValue::Type::number)
        fail(key, std::string("must be ") + typeName(ParamValue::Type::number) + ", got " + typeName(v.type));
    if (!std::isfinite(v.number)) fail(key, "must be a finite number");
    if (f.type == FieldType::integer && v.number != std::floor(v.number)) fail(key, "must be a whole number");
    return v.number;
}

double valueOf(const FieldSpec& f, std::string_view key, const ParamValue& v) {
    switch (f.type) {
        case FieldType::number:
        case FieldType::integer: return numberOf(f, key, v);
        case FieldType::flag:
            if (v.type == ParamValue::Type::number) {
                if (v.number != 0 && v.number != 1) fail(key, "must be true or false");
                return v.number;
            }
            if (v.type != ParamValue::Type::boolean)
                fail(key, std::string("must be a boolean, got ") + typeName(v.type));
            return v.flag ? 1.0 : 0.0;
        case FieldType::choice: {
            const auto want = f.pairNumber.empty() ? ParamValue::Type::string : ParamValue::Type::pair;
            if (v.type != want) fail(key, std::string("must be ") + typeName(want) + ", got " + typeName(v.type));
            const auto i = f.choices.find(v.text);
            if (!i) fail(key, "unknown " + std::string(f.choices.what) + " '" + v.text + "'");
            return *i;
        }
    }
    return 0.0;
}

} // namespace

double readValue(const FieldSpec& f, const ParamValue& value) { return valueOf(f, f.key(), value); }

std::optional<std::string> checkFieldValue(const FieldSpec& f, double v) {
    if (!std::isfinite(v)) return std::string("must be a finite number");
    v = rounded(f, v);
    if (f.type == FieldType::choice && (v < f.min || v > f.max))
        return "choice index " + shown(f, v) + " outside 0.." + shown(f, f.max);
    const std::string why = f.why.empty() ? std::string() : ": " + std::string(f.why);
    if (f.minExclusive ? !(v > f.min) : !(v >= f.min))
        return std::string("must be ") + (f.minExclusive ? "> " : ">= ") + bound(f.min) + " (got " + shown(f, v) + ")" + why;
    if (!(v <= f.max)) return "must be <= " + bound(f.max) + " (got " + shown(f, v) + ")" + why;
    return std::nullopt;
}

double clampFieldValue(const FieldSpec& f, double v) noexcept {
    v = rounded(f, v);
    if (f.minExclusive ? !(v > f.min) : !(v >= f.min))
        v = f.minExclusive ? std::nextafter(f.min, std::numeric_limits<double>::infinity()) : f.min;
    return std::min(v, f.max);
}

double readField(const void* params, const FieldSpec& f) noexcept {
    const auto* p = static_cast<const unsigned char*>(params) + f.at.offset;
    switch (f.at.storage) {
        case FieldStorage::none: return f.defaultValue;
        case FieldStorage::f64: { double d; std::memcpy(&d, p, sizeof d); return d; }
        case FieldStorage::i32:
        case FieldStorage::enum32: { int i; std::memcpy(&i, p, sizeof i); return i; }
        case FieldStorage::boolean: { bool b; std::memcpy(&b, p, sizeof b); return b ? 1.0 : 0.0; }
        case FieldStorage::u64: { std::uint64_t u; std::memcpy(&u, p, sizeof u); return double(u); }
    }
    return 0.0;
}

void writeField(void* params, const FieldSpec& f, double v) noexcept {
    auto* p = static_cast<unsigned char*>(params) + f.at.offset;
    switch (f.at.storage) {
        case FieldStorage::none: return;
        case FieldStorage::f64: std::memcpy(p, &v, sizeof v); return;
        case FieldStorage::i32:
        case FieldStorage::enum32: {
            const int i = int(std::clamp(std::llround(v), -2147483647LL - 1, 2147483647LL));
            std::memcpy(p, &i, sizeof i);
            return;
        }
        case FieldStorage::boolean: { const bool b = v != 0; std::memcpy(p, &b, sizeof b); return; }
        case FieldStorage::u64: {
            const std::uint64_t u = v <= 0 ? 0 : std::uint64_t(v);
            std::memcpy(p, &u, sizeof u);
            return;
        }
    }
}

void setLive(const NodeSpec& spec, const FieldSpec& f, Cell<float>& cell, double value) noexcept {
    if (!std::isfinite(value)) return;
    const double v = clampFieldValue(f, value);
    if (f.live) f.live(cell, v);
    else if (spec.cell.setParam) spec.cell.setParam(cell, f, v);
}

double getLive(const NodeSpec& spec, const FieldSpec& f, const Cell<float>& cell) noexcept {
    if (f.live) {
        const auto* c = cell.findCompartment(f.liveIn);
        return c ? double(c->data[0]) : std::numeric_limits<double>::quiet_NaN();
    }
    return spec.cell.getParam ? spec.cell.getParam(cell, f) : std::numeric_limits<double>::quiet_NaN();
}

void validateFields(const NodeSpec& spec, const void* params) {
    // (a 64-bit seed is valid whatever its value; its range bounds what a patch may write, as
    // JSON numbers are exact only up to 2^53)
    for (const auto& f : spec.fields)
        if (f.at.storage != FieldStorage::none && f.at.storage != FieldStorage::u64) require(f, readField(params, f));
    const FieldSpec* units = spec.findField("n_units");
    const FieldSpec* batch = spec.findField("batch_size");
    if (units && batch && readField(params, *units) * readField(params, *batch) > double(1LL << 26))
        fail("n_units", "n_units * batch_size exceeds 2^26 values");
}

void readFields(const NodeSpec& spec, const ParamMap& m, void* params) {
    for (const auto& [key, value] : m)
        if (!spec.accepts(key)) fail(key, "unknown parameter for " + std::string(spec.kind));
    for (const auto& f : spec.fields) {
        if (!f.partOf.empty()) continue; // read with its pair
        auto it = m.find(std::string(f.name));
        const auto alias = f.alias.empty() ? m.end() : m.find(std::string(f.alias));
        if (alias != m.end()) {
            const double a = valueOf(f, f.alias, alias->second);
            if (it != m.end() && valueOf(f, f.name, it->second) != a)
                fail(f.alias, "differs from its alias " + std::string(f.name));
            if (it == m.end()) it = alias;
        }
        if (it == m.end()) continue;
        const double v = valueOf(f, it->first, it->second);
        require(f, v);
        writeField(params, f, v);
        if (!f.pairNumber.empty()) {
            const FieldSpec* num = spec.findField(f.pairNumber);
            if (!std::isfinite(it->second.number)) fail(f.name, "must be a finite number");
            if (num) {
                require(*num, it->second.number);
                writeField(params, *num, it->second.number);
            }
        }
    }
}

} // namespace graded
