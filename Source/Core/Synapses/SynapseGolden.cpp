// SPDX-License-Identifier: GPL-3.0-or-later
#include "SynapseGolden.h"

#include "../Limits.h"
#include "Synapse.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>

namespace graded::synapse_golden {
namespace {

using Json = nlohmann::json;
using golden::Error;
using golden::Op;
using golden::Tensor;

[[noreturn]] void error(const std::string& where, const std::string& what) { throw Error(where + ": " + what); }

/** A recorded value: a plain number, or a non-empty rectangular [rows][cols] array. */
Tensor readTensor(const Json& j, const std::string& where) {
    Tensor t;
    if (j.is_number()) {
        t = Tensor{1, 1, true, {j.get<double>()}};
        return t;
    }
    const bool rectangular = j.is_array() && !j.empty() && j[0].is_array() && !j[0].empty()
                             && std::all_of(j.begin(), j.end(), [&](const Json& r) {
                                    return r.is_array() && r.size() == j[0].size();
                                });
    if (!rectangular) error(where, "expected a number or a rectangular, non-empty [row][col] array");
    t.rows = int(j.size());
    t.cols = int(j[0].size());
    t.values.reserve(std::size_t(t.rows) * std::size_t(t.cols));
    for (const Json& r : j)
        for (const Json& v : r) {
            if (!v.is_number()) error(where, "holds a value that is not a number");
            t.values.push_back(v.get<double>());
        }
    return t;
}

void readCompartments(const Json& o, const char* key, std::vector<std::pair<std::string, Tensor>>& out,
                      const std::string& where) {
    if (!o.contains(key)) return;
    const Json& j = o[key];
    if (!j.is_object()) error(where + "." + key, "expected an object of compartments");
    for (auto it = j.begin(); it != j.end(); ++it)
        out.emplace_back(it.key(), readTensor(it.value(), where + "." + key + "." + it.key()));
}

Case readCase(const Json& j, std::size_t index) {
    const std::string at = "cases[" + std::to_string(index) + "]";
    if (!j.is_object()) error(at, "expected an object");
    Case c;
    if (!j.contains("id") || !j["id"].is_string()) error(at + ".id", "missing or not a string");
    c.id = j["id"].get<std::string>();
    const std::string where = "case " + c.id;
    const std::string cell = j.contains("cell") && j["cell"].is_string() ? j["cell"].get<std::string>() : "";
    const auto kind = parseSynapseKind(cell);
    if (!kind) error(where + ": cell", "'" + cell + "' is not a synapse (DenseSynapse or HebbianSynapse); a file holds cells or synapses, not both");
    c.kind = *kind;
    if (j.contains("note") && j["note"].is_string()) c.note = j["note"].get<std::string>();
    if (!j.contains("dt") || !j["dt"].is_number() || !std::isfinite(j["dt"].get<double>()))
        error(where + ": dt", "missing or not a finite number");
    c.dt = j["dt"].get<double>();
    Json params = j.contains("params") ? j["params"] : Json::object();
    try {
        c.params = parseSynapseParams(c.kind, params);
    } catch (const ConfigError& e) {
        std::string what = e.what();
        what = what.substr(std::min(what.size(), e.field().size() + 2));
        error(where + ": params." + e.field(), what);
    }
    if (!j.contains("ops") || !j["ops"].is_array()) error(where + ": ops", "missing or not an array");
    for (std::size_t i = 0; i < j["ops"].size(); ++i) {
        const Json& o = j["ops"][i];
        const std::string ow = where + ": ops[" + std::to_string(i) + "]";
        const std::string name = o.is_object() && o.contains("op") && o["op"].is_string() ? o["op"].get<std::string>() : "";
        Op op;
        if (name == "advance") op.kind = Op::Kind::advance;
        else if (name == "evolve") op.kind = Op::Kind::evolve;
        else if (name == "reset") op.kind = Op::Kind::reset;
        else error(ow + ".op", "missing or unknown ('" + name + "'; advance, evolve or reset)");
        readCompartments(o, "in", op.in, ow);
        readCompartments(o, "out", op.out, ow);
        c.ops.push_back(std::move(op));
    }
    return c;
}

template <typename T>
const Compartment<T>& slot(const DenseSynapse<T>& s, const std::string& name, const Tensor& t,
                           const std::string& where) {
    const Compartment<T>* c = s.findCompartment(name);
    if (!c) error(where, "no compartment '" + name + "' in " + std::string(synapseKindName(s.kind())));
    if (!(t.rows == c->rows && t.cols == c->cols) && !(t.scalar && c->size() == 1))
        error(where, "shape [" + std::to_string(t.rows) + "][" + std::to_string(t.cols) + "] is not "
                         + name + "'s [" + std::to_string(c->rows) + "][" + std::to_string(c->cols) + "]");
    return *c;
}

/** Keeps the worst errors and the first value out of tolerance. */
struct Score {
    double tol;
    golden::Result r;
    void add(double ours, double ref, int op, const char* opName, const std::string& comp, int k, int cols) {
        double e = std::fabs(ours - ref);
        if (std::isnan(ours) && std::isnan(ref)) e = 0;
        else if (std::isinf(ours) && ours == ref) e = 0;
        else if (!std::isfinite(e)) e = INFINITY;
        const double rel = e / std::max(1.0, std::fabs(ref));
        r.maxAbsErr = std::max(r.maxAbsErr, e);
        r.maxRelErr = std::max(r.maxRelErr, rel);
        if (rel <= tol || r.first) return;
        r.pass = false;
        r.first = golden::Mismatch{op, opName, comp, k / cols, k % cols, ours, ref};
    }
};

const char* nameOf(Op::Kind k) {
    return k == Op::Kind::advance ? "advance" : k == Op::Kind::evolve ? "evolve" : "reset";
}

} // namespace

std::optional<File> parseIfSynapses(const std::string& text) {
    std::string why;
    const auto parsed = graded::detail::boundedJson(text, limits::kMaxGoldenBytes, why);
    if (!parsed) error("file", why);
    const Json& j = *parsed;
    if (!j.is_object() || !j.contains("cases") || !j["cases"].is_array())
        error("file", "expected an object with a \"cases\" array");
    const Json& cases = j["cases"];
    if (cases.empty() || !cases[0].is_object() || !cases[0].contains("cell") || !cases[0]["cell"].is_string()
        || !parseSynapseKind(cases[0]["cell"].get<std::string>()))
        return std::nullopt;
    File f;
    for (std::size_t i = 0; i < cases.size(); ++i) f.cases.push_back(readCase(cases[i], i));
    return f;
}

std::optional<File> loadIfSynapses(const std::string& path) {
    std::string text;
    {
        std::ifstream in(path, std::ios::binary | std::ios::ate);
        const std::streamoff size = in ? std::streamoff(in.tellg()) : -1;
        if (size < 0) error(path, "cannot be read");
        if (size > std::streamoff(limits::kMaxGoldenBytes))
            error(path, "is larger than " + std::to_string(limits::kMaxGoldenBytes) + " bytes");
        text.resize(std::size_t(size));
        in.seekg(0);
        if (size > 0 && !in.read(&text[0], size)) error(path, "cannot be read");
    }
    std::optional<File> f;
    try {
        f = parseIfSynapses(text);
    } catch (const Error& e) {
        error(path, e.what());
    }
    return f;
}

template <typename T> golden::Result replay(const Case& c, double tol) {
    std::unique_ptr<DenseSynapse<T>> s;
    if (c.kind == SynapseKind::HebbianSynapse) s = std::make_unique<HebbianSynapse<T>>(c.params);
    else s = std::make_unique<DenseSynapse<T>>(c.params);
    Score score{tol, {}};
    const T dt = T(c.dt);
    s->reset();
    for (std::size_t i = 0; i < c.ops.size(); ++i) {
        const Op& op = c.ops[i];
        const std::string ow = "case " + c.id + ": ops[" + std::to_string(i) + "]";
        for (const auto& [name, t] : op.in) {
            const auto& comp = slot(*s, name, t, ow + ".in." + name);
            std::transform(t.values.begin(), t.values.end(), comp.data, [](double v) { return T(v); });
            if (name == "mask") s->refreshMask();
        }
        if (op.kind == Op::Kind::advance) s->advance(dt);
        else if (op.kind == Op::Kind::evolve) s->evolve(dt);
        else s->reset();
        for (const auto& [name, t] : op.out) {
            const auto& comp = slot(*s, name, t, ow + ".out." + name);
            for (int k = 0; k < comp.size(); ++k)
                score.add(double(comp.data[k]), t.values[std::size_t(k)], int(i), nameOf(op.kind), name, k, comp.cols);
        }
    }
    return score.r;
}

template <> double tolerance<double>(const Case&) { return 1e-9; }

/** Float: the worst relative error measured over the shared synapse goldens is 2.3e-7
    (hebb_adam_bias_bound; README "Synapses" has the table); the bound is a few times that. */
template <> double tolerance<float>(const Case&) { return 1e-6; }

template golden::Result replay<float>(const Case&, double);
template golden::Result replay<double>(const Case&, double);

} // namespace graded::synapse_golden
