// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a patch's wires: their ends, weights (given or generated), bias, delay.
#include "../Limits.h"
#include "Reading.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace graded::reading {
namespace {

/** A wire end: the compartment of a node that read well, as the wire sees it. */
struct End {
    const CompartmentSpec* spec = nullptr;
    WireEnd shape;
};

std::string compNames(const NodeSpec& spec) {
    std::string s;
    for (const auto& c : spec.compartments) s += (s.empty() ? "" : ", ") + std::string(c.name);
    return s;
}

/** Reads "node.compartment" into the wire; false if it does not name a compartment. */
bool readEnd(Issues& is, const json& w, const char* key, const std::string& path, const Patch& patch, const NodeTable& table,
             int& node, std::string& comp, End& end) {
    const std::string p = path + "/" + key;
    if (!w.contains(key) || !w[key].is_string()) { is.add(p, "must be a \"node.compartment\" string"); return false; }
    const std::string s = w[key].get<std::string>();
    const auto dot = s.find('.');
    if (dot == std::string::npos) { is.add(p, "'" + s + "' must be \"node.compartment\""); return false; }
    const std::string nid = s.substr(0, dot), cname = s.substr(dot + 1);
    auto it = table.byId.find(nid);
    if (it == table.byId.end()) { is.add(p, "unknown node '" + nid + "'"); return false; }
    node = it->second;
    comp = cname;
    if (!table.ok[size_t(node)]) return false; // node already reported
    const NodeSpec& spec = nodeSpec(patch.nodes[size_t(node)].kind);
    end.spec = spec.findCompartment(cname);
    if (!end.spec) {
        is.add(p, "unknown compartment '" + cname + "' of " + std::string(spec.kind) + " '" + nid + "' (has " + compNames(spec) + ")");
        return false;
    }
    if (isSynapseKind(patch.nodes[size_t(node)].kind) && end.spec->role == CompartmentRole::state) {
        is.add(p, "'" + cname + "' is the state of " + std::string(spec.kind) + " '" + nid
                      + "' and cannot be wired (wire its inputs, outputs, gate, pre or post)");
        return false;
    }
    end.shape = {end.spec->name, end.spec->rows == CompRows::perChannel, table.sizes[size_t(node)].colsOf(*end.spec)};
    return true;
}

/** "weights": dst x src finite numbers, scaled by the wire's gain. */
bool readWeights(Issues& is, const json& W, const std::string& path, const WireEnd& src, const WireEnd& dst, PatchWire& wire) {
    const int sc = src.cols, dc = dst.cols;
    bool shapeOk = W.is_array() && int(W.size()) == dc;
    if (shapeOk)
        for (const auto& row : W) shapeOk = shapeOk && row.is_array() && int(row.size()) == sc;
    if (!shapeOk) {
        is.add(path + "/weights", weightsShapeMessage(src, dst));
        return false;
    }
    bool ok = true;
    for (int r = 0; r < dc; ++r)
        for (int c = 0; c < sc; ++c) {
            const auto& x = W[size_t(r)][size_t(c)];
            if (!x.is_number() || !std::isfinite(x.get<double>())) {
                is.add(path + "/weights/" + std::to_string(r) + "/" + std::to_string(c), "must be a finite number");
                ok = false;
            } else wire.weights.push_back(float(x.get<double>()) * wire.gain);
        }
    wire.wRows = dc;
    wire.wCols = sc;
    return ok;
}

/** "init": identity, ones or uniform (scale, seed) weights, scaled by the wire's gain. */
bool initWeights(Issues& is, const json& w, const std::string& path, const WireEnd& src, const WireEnd& dst, PatchWire& wire) {
    const int sc = src.cols, dc = dst.cols;
    const std::int64_t nW = std::int64_t(sc) * std::int64_t(dc);
    const auto& init = w["init"];
    double scale = 1.0, seed = 1.0;
    bool ok = true;
    readNumber(is, w, "scale", path, scale);
    if (readNumber(is, w, "seed", path, seed) && (seed < 0 || seed > 4294967295.0 || seed != std::floor(seed))) {
        is.add(path + "/seed", "must be a whole number in 0..4294967295");
        ok = false;
        seed = 1.0;
    }
    wire.wRows = dc;
    wire.wCols = sc;
    if (init == "identity") {
        if (sc != dc) {
            is.add(path + "/init", "identity needs equal sizes (from " + std::to_string(sc) + ", to " + std::to_string(dc) + ")");
            return false;
        }
        wire.weights.assign(size_t(nW), 0.f);
        for (int r = 0; r < dc; ++r) wire.weights[size_t(r) * size_t(sc) + size_t(r)] = float(scale) * wire.gain;
    } else if (init == "ones") {
        wire.weights.assign(size_t(nW), float(scale) * wire.gain);
    } else if (init == "uniform") {
        std::mt19937 rng(static_cast<unsigned>(seed));
        std::uniform_real_distribution<double> u(-scale, scale);
        wire.weights.reserve(size_t(nW));
        for (std::int64_t k = 0; k < nW; ++k) wire.weights.push_back(float(u(rng)) * wire.gain);
    } else {
        is.add(path + "/init", "must be \"identity\", \"ones\" or \"uniform\"");
        return false;
    }
    return ok;
}

bool readBias(Issues& is, const json& b, const std::string& path, int dc, PatchWire& wire) {
    if (b.is_number() && std::isfinite(b.get<double>())) {
        wire.bias.assign(size_t(dc), float(b.get<double>()));
    } else if (b.is_array() && int(b.size()) == dc
               && std::all_of(b.begin(), b.end(), [](const json& x) { return x.is_number() && std::isfinite(x.get<double>()); })) {
        for (const auto& x : b) wire.bias.push_back(float(x.get<double>()));
    } else {
        is.add(path + "/bias", "must be a finite number or " + std::to_string(dc) + " finite numbers");
        return false;
    }
    return true;
}

} // namespace

void readWires(Issues& is, const json& root, Patch& patch, const NodeTable& table, std::map<std::string, int>& wireIds) {
    if (!root.contains("wires")) return;
    if (!root["wires"].is_array()) {
        is.add("/wires", "must be an array");
        return;
    }
    std::int64_t totalWeights = table.synapseWeights;
    const auto& wires = root["wires"];
    for (size_t i = 0; i < wires.size(); ++i) {
        const std::string path = "/wires/" + std::to_string(i);
        const json& w = wires[i];
        PatchWire wire;
        if (!w.is_object()) {
            is.add(path, "must be an object");
            patch.wires.push_back(wire);
            continue;
        }
        static const std::set<std::string> known{"id", "from", "to", "gain", "weights", "init", "scale", "seed", "bias", "delay", "comment"};
        for (auto it = w.begin(); it != w.end(); ++it)
            if (!known.count(it.key())) is.add(path + "/" + escapePointer(it.key()), "unknown key");
        if (w.contains("id")) {
            if (!w["id"].is_string() || w["id"].get<std::string>().empty()) is.add(path + "/id", "must be a non-empty string");
            else {
                wire.id = w["id"].get<std::string>();
                if (wireIds.count(wire.id)) is.add(path + "/id", "duplicate wire id '" + wire.id + "'");
                else wireIds[wire.id] = int(i);
            }
        }
        End from, to;
        const bool fromOk = readEnd(is, w, "from", path, patch, table, wire.fromNode, wire.fromComp, from);
        const bool toOk = readEnd(is, w, "to", path, patch, table, wire.toNode, wire.toComp, to);
        if (toOk && to.spec->role != CompartmentRole::input) is.add(path + "/to", "'" + wire.toComp + "' is not an input compartment");
        double d = 1.0;
        if (readNumber(is, w, "gain", path, d)) wire.gain = float(d);
        if (w.contains("delay")) {
            if (!w["delay"].is_boolean()) is.add(path + "/delay", "must be true or false");
            else wire.delay = w["delay"].get<bool>();
        }
        if (fromOk && toOk) {
            const WireEnd& src = from.shape;
            const WireEnd& dst = to.shape;
            const std::int64_t nW = std::int64_t(src.cols) * std::int64_t(dst.cols);
            const bool matrix = w.contains("weights") || w.contains("init");
            bool shapeKnown = true;
            if (matrix && nW > limits::kMaxWeightsPerWire) {
                is.add(path, "a " + std::to_string(dst.cols) + " x " + std::to_string(src.cols) + " weight matrix (" + std::to_string(nW)
                                 + " values) is over the limit of " + std::to_string(limits::kMaxWeightsPerWire) + " per wire");
                shapeKnown = false;
            } else if (matrix && totalWeights + nW > limits::kMaxWeightsTotal) {
                is.add(path, "its " + std::to_string(nW) + " weights bring the patch to " + std::to_string(totalWeights + nW)
                                 + " weights; the limit is " + std::to_string(limits::kMaxWeightsTotal));
                shapeKnown = false;
            } else if (w.contains("weights") && w.contains("init")) {
                is.add(path + "/init", "give either weights or init, not both");
                shapeKnown = false;
            } else if (matrix) {
                totalWeights += nW;
                shapeKnown = w.contains("weights") ? readWeights(is, w["weights"], path, src, dst, wire) : initWeights(is, w, path, src, dst, wire);
            }
            if (w.contains("bias")) shapeKnown = readBias(is, w["bias"], path, dst.cols, wire) && shapeKnown;
            if (shapeKnown)
                if (auto problem = checkWireShape(src, dst, wire)) is.add(path + problem->where, problem->message);
        }
        patch.wires.push_back(wire);
    }
}

} // namespace graded::reading
