// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a patch's nodes: ids, kinds and parameters, checked against each kind's spec.
#include "../Limits.h"
#include "../Spec/ParamJson.h"
#include "Reading.h"

#include <algorithm>
#include <cmath>

namespace graded::reading {
namespace {

bool kindIs(const json& n, std::string_view kind) {
    if (!n.is_object()) return false;
    const auto it = n.find("kind");
    return it != n.end() && it->is_string() && it->get_ref<const std::string&>() == kind;
}

/** ConfigError's message without its "field: " prefix. */
std::string messageOf(const ConfigError& e) {
    std::string msg = e.what();
    const std::string prefix = e.field() + ": ";
    return msg.rfind(prefix, 0) == 0 ? msg.substr(prefix.size()) : msg;
}

/** Cell parameters as ngclearn takes them; batch_size is the engine's. */
bool readCellParams(Issues& is, const json& params, const std::string& path, ParamMap& out) {
    bool ok = true;
    for (auto it = params.begin(); it != params.end(); ++it) {
        const std::string key = it.key();
        const std::string p = path + "/" + escapePointer(key);
        const auto v = paramFromJson(it.value());
        if (key == "batch_size") {
            is.add(p, "is set by the engine (one row per audio channel); remove it");
            ok = false;
        } else if (!v) {
            is.add(p, std::string("must be ") + kParamShapes);
            ok = false;
        } else if (v->type == ParamValue::Type::number && !std::isfinite(v->number)) {
            is.add(p, "must be finite");
            ok = false;
        } else {
            out[key] = *v;
        }
    }
    return ok;
}

/** AudioIn's or AudioOut's parameters, field by field from the spec (every problem reported). */
template <typename P> void readIoParams(Issues& is, const NodeSpec& spec, const json& params, const std::string& path, P& out) {
    for (auto it = params.begin(); it != params.end(); ++it) {
        const std::string p = path + "/" + escapePointer(it.key());
        const FieldSpec* f = spec.findField(it.key());
        if (!f) {
            is.add(p, "unknown parameter for " + std::string(spec.kind));
            continue;
        }
        const auto v = paramFromJson(it.value());
        if (!v) {
            is.add(p, std::string("must be ") + kParamShapes);
            continue;
        }
        try {
            const double d = readValue(*f, *v);
            if (auto why = checkFieldValue(*f, d)) is.add(p, *why);
            else writeField(&out, *f, d);
        } catch (const ConfigError& e) {
            is.add(p, messageOf(e));
        }
    }
}

void crossCheck(Issues& is, const json& params, const std::string& path, AudioInParams& p) {
    if (params.contains("maxHz") && !(p.maxHz > p.minHz)) is.add(path + "/maxHz", "must be > minHz");
    if ((p.samples & (p.samples - 1)) != 0) {
        is.add(path + "/samples", "must be 1, 2, 4, 8 or 16");
        p.samples = AudioInParams().samples;
    }
}

void crossCheck(Issues& is, const json&, const std::string& path, AudioOutParams& p) {
    if (p.maxDb < p.minDb) is.add(path + "/maxDb", "must be >= minDb");
}

/** The AudioIn's band count as written (for AudioOut's sizes while reading). */
int writtenBands(const json& nodes) {
    for (const auto& n : nodes)
        if (kindIs(n, "AudioIn") && n.contains("params") && n["params"].is_object() && n["params"].contains("bands")
            && n["params"]["bands"].is_number_integer())
            return int(std::clamp<double>(n["params"]["bands"].get<double>(), 1, limits::kMaxBands));
    return AudioInParams().bands;
}

template <typename P>
bool readIoNode(Issues& is, const json& params, const std::string& path, PatchNode& node, int& slot, int index) {
    const size_t before = is.list.size();
    P p;
    readIoParams(is, nodeSpec(node.kind), params, path + "/params", p);
    crossCheck(is, params, path + "/params", p);
    node.settings = p;
    if (is.list.size() != before) return false;
    if (slot >= 0) {
        is.add(path, "a patch has exactly one " + std::string(kNodeKindNames[int(node.kind)]));
        return false;
    }
    slot = index;
    return true;
}

bool readCellNode(Issues& is, const json& params, const std::string& path, PatchNode& node) {
    ParamMap m;
    const bool paramsOk = readCellParams(is, params, path + "/params", m);
    const auto units = m.find("n_units");
    const bool tooBig = units != m.end() && units->second.type == ParamValue::Type::number
                        && units->second.number > double(limits::kMaxUnitsPerNode);
    if (tooBig)
        is.add(path + "/params/n_units", "node '" + node.id + "' asks for " + brief(params["n_units"]) + " units; the limit is "
                                             + std::to_string(limits::kMaxUnitsPerNode));
    node.settings = m;
    if (!paramsOk || tooBig) return false;
    try {
        nodeSpec(node.kind).cell.check(m);
        return true;
    } catch (const ConfigError& e) {
        is.add(path + "/params/" + escapePointer(e.field()), messageOf(e));
        return false;
    }
}

/** A synapse's parameters: ngclearn's names (parseSynapseParams) plus "tie"; batch_size is
    the engine's. Its weights count toward the patch's total (`table.synapseWeights`). */
bool readSynapseNode(Issues& is, const json& params, const std::string& path, PatchNode& node, NodeTable& table) {
    SynapseNodeParams sn;
    json rest = params;
    bool ok = true;
    if (rest.contains("batch_size")) {
        is.add(path + "/params/batch_size", "is set by the engine (one row per audio channel); remove it");
        rest.erase("batch_size");
        ok = false;
    }
    if (rest.contains("tie")) {
        if (!rest["tie"].is_string() || rest["tie"].get<std::string>().empty()) {
            is.add(path + "/params/tie", "must be the id of another synapse node");
            ok = false;
        } else {
            sn.tie = rest["tie"].get<std::string>();
        }
        rest.erase("tie");
    }
    try {
        sn.params = parseSynapseParams(synapseKindOf(node.kind), rest);
    } catch (const ConfigError& e) {
        std::string field = e.field();
        std::replace(field.begin(), field.end(), '.', '/');
        is.add(path + "/params/" + field, messageOf(e));
        node.settings = SynapseNodeParams{};
        return false;
    }
    const std::int64_t nW = std::int64_t(sn.params.nIn) * sn.params.nOut;
    if (table.synapseWeights + nW > limits::kMaxWeightsTotal) {
        is.add(path + "/params/shape", "synapse '" + node.id + "' brings the patch to " + std::to_string(table.synapseWeights + nW)
                                           + " weights; the limit is " + std::to_string(limits::kMaxWeightsTotal));
        ok = false;
    } else {
        table.synapseWeights += nW;
    }
    node.settings = std::move(sn);
    return ok;
}

/** Each "tie" names another synapse that read well, is not tied itself, and has the
    transposed shape. */
void resolveTies(Issues& is, Patch& patch, NodeTable& table) {
    for (size_t i = 0; i < patch.nodes.size(); ++i) {
        auto& node = patch.nodes[i];
        auto* sn = std::get_if<SynapseNodeParams>(&node.settings);
        if (!sn || sn->tie.empty() || !table.ok[i]) continue;
        const std::string path = "/nodes/" + std::to_string(i) + "/params/tie";
        const auto it = table.byId.find(sn->tie);
        if (it == table.byId.end()) {
            is.add(path, "unknown node '" + sn->tie + "'");
            table.ok[i] = false;
            continue;
        }
        const int t = it->second;
        const auto& other = patch.nodes[size_t(t)];
        const auto* on = other.synapse();
        if (size_t(t) == i) {
            is.add(path, "a synapse cannot be tied to itself");
        } else if (!isSynapseKind(other.kind)) {
            is.add(path, "'" + sn->tie + "' is a " + std::string(kNodeKindNames[int(other.kind)]) + ", not a synapse");
        } else if (!table.ok[size_t(t)] || !on) {
            // reported at its own node
        } else if (!on->tie.empty()) {
            is.add(path, "'" + sn->tie + "' is tied itself (tie to the synapse that owns the weights, '" + on->tie + "')");
        } else if (on->params.nIn != sn->params.nOut || on->params.nOut != sn->params.nIn) {
            is.add(path, "a tied synapse must have the transposed shape of '" + sn->tie + "': [" + std::to_string(on->params.nOut) + ", "
                             + std::to_string(on->params.nIn) + "], not [" + std::to_string(sn->params.nIn) + ", "
                             + std::to_string(sn->params.nOut) + "]");
        } else {
            sn->tieNode = t;
            continue;
        }
        table.ok[i] = false;
    }
}

} // namespace

void readNodes(Issues& is, const json& root, Patch& patch, NodeTable& table) {
    if (!root.contains("nodes") || !root["nodes"].is_array()) {
        is.add("/nodes", "must be an array of nodes");
        return;
    }
    const auto& nodes = root["nodes"];
    const int bands = writtenBands(nodes);
    for (size_t i = 0; i < nodes.size(); ++i) {
        const std::string path = "/nodes/" + std::to_string(i);
        const json& n = nodes[i];
        PatchNode node;
        bool ok = false;
        if (!n.is_object()) {
            is.add(path, "must be an object");
        } else {
            for (auto it = n.begin(); it != n.end(); ++it)
                if (it.key() != "id" && it.key() != "kind" && it.key() != "params" && it.key() != "comment" && it.key() != "at")
                    is.add(path + "/" + escapePointer(it.key()), "unknown key");
            if (n.contains("at")) {
                // the editor's position of the node; the engine ignores it
                const json& at = n["at"];
                const bool atOk = at.is_array() && at.size() == 2
                                  && std::all_of(at.begin(), at.end(), [](const json& x) { return x.is_number() && std::isfinite(x.get<double>()); });
                if (!atOk) is.add(path + "/at", "must be [x, y], two finite numbers (the node's position in the editor)");
            }
            bool idOk = false;
            if (!n.contains("id") || !n["id"].is_string() || n["id"].get<std::string>().empty()) {
                is.add(path + "/id", "must be a non-empty string");
            } else {
                node.id = n["id"].get<std::string>();
                if (node.id.find('.') != std::string::npos) is.add(path + "/id", "must not contain '.'");
                else if (table.byId.count(node.id)) is.add(path + "/id", "duplicate node id '" + node.id + "'");
                else idOk = true;
            }
            bool kindOk = false;
            if (!n.contains("kind") || !n["kind"].is_string()) {
                is.add(path + "/kind", "must be a string");
            } else {
                const std::string k = n["kind"].get<std::string>();
                for (int j = 0; j < kNumNodeKinds; ++j)
                    if (kNodeKindNames[j] == k) { node.kind = NodeKind(j); kindOk = true; }
                if (!kindOk) {
                    std::string all;
                    for (auto nm : kNodeKindNames) all += (all.empty() ? "" : ", ") + std::string(nm);
                    is.add(path + "/kind", "unknown node kind '" + k + "' (one of " + all + ")");
                }
            }
            json params = json::object();
            if (n.contains("params")) {
                if (!n["params"].is_object()) { is.add(path + "/params", "must be an object"); kindOk = false; }
                else params = n["params"];
            }
            if (kindOk) {
                if (isCellKind(node.kind)) ok = readCellNode(is, params, path, node);
                else if (isSynapseKind(node.kind)) ok = readSynapseNode(is, params, path, node, table);
                else if (node.kind == NodeKind::AudioIn) ok = readIoNode<AudioInParams>(is, params, path, node, patch.audioIn, int(i));
                else ok = readIoNode<AudioOutParams>(is, params, path, node, patch.audioOut, int(i));
            }
            if (idOk) table.byId[node.id] = int(i);
        }
        table.ok.push_back(ok);
        table.sizes.push_back(nodeSizes(node, bands, 2));
        patch.nodes.push_back(std::move(node));
    }
    resolveTies(is, patch, table);
    for (const NodeKind k : {NodeKind::AudioIn, NodeKind::AudioOut}) {
        const int slot = k == NodeKind::AudioIn ? patch.audioIn : patch.audioOut;
        const std::string_view name = kNodeKindNames[int(k)];
        if (slot < 0 && !std::any_of(nodes.begin(), nodes.end(), [&](const json& n) { return kindIs(n, name); }))
            is.add("/nodes", "needs one " + std::string(name) + " node");
    }
}

} // namespace graded::reading
