// SPDX-License-Identifier: GPL-3.0-or-later
#include "GraphInternal.h"
#include "Patch.h"

#include <Limits.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

namespace graded {

namespace {
std::string joinIssues(const std::vector<PatchIssue>& issues) {
    std::string s = "invalid patch:";
    for (const auto& i : issues) s += "\n  " + (i.path.empty() ? std::string("/") : i.path) + ": " + i.message;
    return s;
}
} // namespace

PatchError::PatchError(std::vector<PatchIssue> issues)
    : std::runtime_error(joinIssues(issues)), issues_(std::move(issues)) {}

namespace detail {

std::vector<std::vector<int>> outgoingWires(const Patch& patch) {
    std::vector<std::vector<int>> out(patch.nodes.size());
    for (size_t i = 0; i < patch.wires.size(); ++i) {
        const auto& w = patch.wires[i];
        if (!w.delay && w.fromNode >= 0 && size_t(w.fromNode) < out.size() && w.toNode >= 0) out[size_t(w.fromNode)].push_back(int(i));
    }
    return out;
}

std::vector<CompSpec> nodeCompartments(const PatchNode& node) {
    std::vector<CompSpec> out;
    if (isCellKind(node.kind)) {
        ParamMap m = node.params;
        m["batch_size"] = ParamValue::num(2);
        auto cell = makeCell<float>(static_cast<CellKind>(node.kind), m);
        for (const auto& c : cell->compartments())
            out.push_back({std::string(c.name), c.role, c.rows == 2, c.cols});
    } else if (node.kind == NodeKind::AudioIn) {
        out.push_back({"bands", CompartmentRole::output, true, node.audioIn.bands});
        out.push_back({"level", CompartmentRole::output, true, 1});
        out.push_back({"samples", CompartmentRole::output, true, node.audioIn.samples});
    } else {
        // AudioOut's band count is the AudioIn's; the loader fills audioOut via its bands.
        out.push_back({"bandGains", CompartmentRole::input, true, node.audioIn.bands});
        out.push_back({"gain", CompartmentRole::input, true, 1});
        out.push_back({"noise", CompartmentRole::input, true, node.audioIn.bands});
    }
    return out;
}

const std::vector<std::string>& bindableFields(NodeKind kind) {
    static const std::vector<std::string> rate{"tau_m", "prior", "prior_gamma", "act_fx",
                                               "integration_type", "output_scale", "resist_scale",
                                               "threshold", "threshold_lambda"};
    static const std::vector<std::string> gauss{"sigma"};
    static const std::vector<std::string> lap{"scale"};
    static const std::vector<std::string> none{};
    static const std::vector<std::string> leaky{"tau_x", "sigma_rec", "sigma_post", "leak_scale",
                                                "act_fx", "integration_type"};
    static const std::vector<std::string> reward{"alpha", "ema_window_len"};
    switch (kind) {
        case NodeKind::RateCell: return rate;
        case NodeKind::GaussianErrorCell: return gauss;
        case NodeKind::LaplacianErrorCell: return lap;
        case NodeKind::LeakyNoiseCell: return leaky;
        case NodeKind::RewardErrorCell: return reward;
        default: return none;
    }
}

bool isChoiceField(NodeKind, const std::string& field) {
    return field == "prior" || field == "act_fx" || field == "integration_type" || field == "threshold";
}

BindField resolveField(NodeKind kind, const std::string& f) {
    switch (kind) {
        case NodeKind::RateCell:
            if (f == "tau_m") return BindField::tauM;
            if (f == "prior") return BindField::prior;
            if (f == "prior_gamma") return BindField::priorGamma;
            if (f == "act_fx") return BindField::act;
            if (f == "integration_type") return BindField::integrator;
            if (f == "output_scale") return BindField::outputScale;
            if (f == "resist_scale") return BindField::resistScale;
            if (f == "threshold") return BindField::threshold;
            if (f == "threshold_lambda") return BindField::thresholdLambda;
            break;
        case NodeKind::LeakyNoiseCell:
            if (f == "tau_x") return BindField::tauX;
            if (f == "sigma_rec") return BindField::sigmaRec;
            if (f == "sigma_post") return BindField::sigmaPost;
            if (f == "leak_scale") return BindField::leakScale;
            if (f == "act_fx") return BindField::act;
            if (f == "integration_type") return BindField::integrator;
            break;
        case NodeKind::RewardErrorCell:
            if (f == "alpha") return BindField::alpha;
            if (f == "ema_window_len") return BindField::emaWindowLen;
            break;
        case NodeKind::GaussianErrorCell:
            if (f == "sigma") return BindField::sigma;
            break;
        case NodeKind::LaplacianErrorCell:
            if (f == "scale") return BindField::scale;
            break;
        default: break;
    }
    return BindField::none;
}

int choiceCount(const std::string& field) {
    if (field == "prior") return kNumPriors;
    if (field == "act_fx") return kNumActivations;
    if (field == "integration_type") return 3;
    if (field == "threshold") return 3;
    return 0;
}

std::optional<std::string> checkFieldValue(NodeKind kind, const std::string& field, double v) {
    if (!std::isfinite(v)) return "must be finite";
    if (isChoiceField(kind, field)) {
        const int n = choiceCount(field);
        const long i = std::lround(v);
        if (i < 0 || i >= n) return "choice index " + std::to_string(i) + " outside 0.." + std::to_string(n - 1);
        return std::nullopt;
    }
    if (field == "threshold_lambda" && v < 0) return "must be >= 0 (got " + std::to_string(v) + ")";
    if (field == "tau_x" || field == "sigma" || field == "scale") {
        if (!(v > 0)) return "must be > 0 (got " + std::to_string(v) + ")";
    } else if (field == "sigma_rec" || field == "sigma_post") {
        if (v < 0) return "must be >= 0 (got " + std::to_string(v) + ")";
    } else if (field == "ema_window_len") {
        if (v < 1) return "must be >= 1 (got " + std::to_string(v) + ")";
    }
    return std::nullopt;
}

} // namespace detail

namespace {

using nlohmann::json;

struct Ctx {
    std::vector<PatchIssue> issues;
    void add(std::string path, std::string msg) { issues.push_back({std::move(path), std::move(msg)}); }
};

std::string escapePointer(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '~') o += "~0";
        else if (c == '/') o += "~1";
        else o += c;
    }
    return o;
}

bool readNumber(Ctx& ctx, const json& obj, const std::string& key, const std::string& path, double& out) {
    if (!obj.contains(key)) return false;
    const auto& v = obj[key];
    if (!v.is_number()) {
        ctx.add(path + "/" + key, "must be a number");
        return false;
    }
    double d = v.get<double>();
    if (!std::isfinite(d)) {
        ctx.add(path + "/" + key, "must be finite");
        return false;
    }
    out = d;
    return true;
}

void parseAudioIn(Ctx& ctx, const json& params, const std::string& path, AudioInParams& p) {
    static const std::set<std::string> known{"bands", "minHz", "maxHz", "compress", "samples"};
    for (auto it = params.begin(); it != params.end(); ++it)
        if (!known.count(it.key())) ctx.add(path + "/" + escapePointer(it.key()), "unknown parameter for AudioIn");
    double d;
    if (readNumber(ctx, params, "bands", path, d)) {
        if (d != std::floor(d) || d < 1 || d > 32) ctx.add(path + "/bands", "must be a whole number in 1..32");
        else p.bands = int(d);
    }
    if (readNumber(ctx, params, "minHz", path, d)) {
        if (!(d >= 10)) ctx.add(path + "/minHz", "must be >= 10 Hz");
        else p.minHz = d;
    }
    if (readNumber(ctx, params, "maxHz", path, d)) {
        if (!(d > p.minHz)) ctx.add(path + "/maxHz", "must be > minHz");
        else p.maxHz = d;
    }
    if (params.contains("compress")) {
        const auto& c = params["compress"];
        if (c == "db") p.compressDb = true;
        else if (c == "linear") p.compressDb = false;
        else ctx.add(path + "/compress", "must be \"db\" or \"linear\"");
    }
    if (readNumber(ctx, params, "samples", path, d)) {
        if (d != 1 && d != 2 && d != 4 && d != 8 && d != 16) ctx.add(path + "/samples", "must be 1, 2, 4, 8 or 16");
        else p.samples = int(d);
    }
}

void parseAudioOut(Ctx& ctx, const json& params, const std::string& path, AudioOutParams& p) {
    static const std::set<std::string> known{"gains", "minDb", "maxDb", "maxGain", "smoothMs",
                                             "maxNoise", "bandGainDefault"};
    for (auto it = params.begin(); it != params.end(); ++it)
        if (!known.count(it.key())) ctx.add(path + "/" + escapePointer(it.key()), "unknown parameter for AudioOut");
    if (params.contains("gains")) {
        const auto& c = params["gains"];
        if (c == "db") p.gainsDb = true;
        else if (c == "linear") p.gainsDb = false;
        else ctx.add(path + "/gains", "must be \"db\" or \"linear\"");
    }
    double d;
    if (readNumber(ctx, params, "minDb", path, d)) p.minDb = d;
    if (readNumber(ctx, params, "maxDb", path, d)) p.maxDb = d;
    if (p.maxDb < p.minDb) ctx.add(path + "/maxDb", "must be >= minDb");
    // Gain limits stay within the output ceiling (+6 dBFS).
    if (p.maxDb > limits::kOutputCeilingDb) ctx.add(path + "/maxDb", "must be <= +6 dB (the output ceiling)");
    if (readNumber(ctx, params, "maxGain", path, d)) {
        if (d < 0 || d > double(limits::kOutputCeiling)) ctx.add(path + "/maxGain", "must be in 0..1.995 (+6 dB, the output ceiling)");
        else p.maxGain = d;
    }
    if (readNumber(ctx, params, "smoothMs", path, d)) {
        if (d < 0 || d > 1000) ctx.add(path + "/smoothMs", "must be in 0..1000 ms");
        else p.smoothMs = d;
    }
    if (readNumber(ctx, params, "maxNoise", path, d)) {
        if (d < 0 || d > 16) ctx.add(path + "/maxNoise", "must be in 0..16");
        else p.maxNoise = d;
    }
    if (readNumber(ctx, params, "bandGainDefault", path, d)) p.bandGainDefault = d;
}

bool parseCellParams(Ctx& ctx, const json& params, const std::string& path, ParamMap& out) {
    bool ok = true;
    for (auto it = params.begin(); it != params.end(); ++it) {
        const std::string key = it.key();
        const std::string p = path + "/" + escapePointer(key);
        const json& v = it.value();
        if (key == "batch_size") {
            ctx.add(p, "is set by the engine (one row per audio channel); remove it");
            ok = false;
        } else if (v.is_boolean()) {
            out[key] = ParamValue::boolean(v.get<bool>());
        } else if (v.is_number()) {
            const double d = v.get<double>();
            if (!std::isfinite(d)) { ctx.add(p, "must be finite"); ok = false; }
            else out[key] = ParamValue::num(d);
        } else if (v.is_string()) {
            out[key] = ParamValue::str(v.get<std::string>());
        } else if (v.is_array() && v.size() == 2 && v[0].is_string() && v[1].is_number()) {
            out[key] = ParamValue::pair(v[0].get<std::string>(), v[1].get<double>());
        } else {
            ctx.add(p, "must be a number, string, boolean or [name, number] pair");
            ok = false;
        }
    }
    return ok;
}

bool kindIs(const json& n, const char* kind) {
    if (!n.is_object()) return false;
    const auto it = n.find("kind");
    return it != n.end() && it->is_string() && it->get_ref<const std::string&>() == kind;
}

/** A JSON value quoted in a message, cut to a readable length. */
std::string brief(const json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

struct NodeTable {
    std::map<std::string, int> byId;
    std::vector<std::vector<detail::CompSpec>> comps; // empty if the node failed
};

const detail::CompSpec* findComp(const NodeTable& t, int node, const std::string& name) {
    for (const auto& c : t.comps[size_t(node)])
        if (c.name == name) return &c;
    return nullptr;
}

std::string compNames(const NodeTable& t, int node) {
    std::string s;
    for (const auto& c : t.comps[size_t(node)]) s += (s.empty() ? "" : ", ") + c.name;
    return s;
}

} // namespace

Patch loadPatch(const std::string& text) {
    // Bounded before anything recursive or big happens: size, then nesting depth (a linear
    // scan), then the (iterative) parser.
    if (text.size() > limits::kMaxPatchBytes)
        throw PatchError(std::vector<PatchIssue>{{"", "patch is " + std::to_string(text.size()) + " bytes; the limit is "
                                                          + std::to_string(limits::kMaxPatchBytes) + " bytes"}});
    if (limits::jsonNestingDepth(text) > limits::kMaxJsonDepth)
        throw PatchError(std::vector<PatchIssue>{{"", "JSON nested deeper than " + std::to_string(limits::kMaxJsonDepth)
                                                          + " levels (a patch needs 4)"}});
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        throw PatchError(std::vector<PatchIssue>{{"", std::string("not valid JSON: ") + e.what()}});
    }
    Ctx ctx;
    Patch patch;
    if (!root.is_object()) throw PatchError(std::vector<PatchIssue>{{"", "a patch must be a JSON object"}});
    // Counts first: past these limits nothing else is examined (the patch is rejected whole).
    {
        const struct { const char* key; int limit; } counts[] = {
            {"nodes", limits::kMaxNodes}, {"wires", limits::kMaxWires}, {"bindings", limits::kMaxBindings}};
        std::vector<PatchIssue> over;
        for (const auto& c : counts)
            if (root.contains(c.key) && root[c.key].is_array() && root[c.key].size() > size_t(c.limit))
                over.push_back({std::string("/") + c.key, std::to_string(root[c.key].size()) + " " + c.key + "; the limit is "
                                                              + std::to_string(c.limit)});
        if (!over.empty()) throw PatchError(std::move(over));
    }
    static const std::set<std::string> topKeys{"format", "name", "description", "nodes", "wires", "bindings"};
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!topKeys.count(it.key())) ctx.add("/" + escapePointer(it.key()), "unknown key");
    if (!root.contains("format") || !root["format"].is_number_integer() || root["format"] != 1)
        ctx.add("/format", "must be 1");
    if (!root.contains("name") || !root["name"].is_string() || root["name"].get<std::string>().empty())
        ctx.add("/name", "must be a non-empty string");
    else
        patch.name = root["name"].get<std::string>();
    if (root.contains("description")) {
        if (!root["description"].is_string()) ctx.add("/description", "must be a string");
        else patch.description = root["description"].get<std::string>();
    }

    // ---- nodes
    NodeTable table;
    if (!root.contains("nodes") || !root["nodes"].is_array()) {
        ctx.add("/nodes", "must be an array of nodes");
    } else {
        const auto& nodes = root["nodes"];
        int audioInBands = 16;
        // AudioIn first so that AudioOut knows the band count.
        for (size_t i = 0; i < nodes.size(); ++i)
            if (nodes[i].is_object() && kindIs(nodes[i], "AudioIn") && nodes[i].contains("params")
                && nodes[i]["params"].is_object() && nodes[i]["params"].contains("bands")
                && nodes[i]["params"]["bands"].is_number_integer())
                audioInBands = int(std::clamp<double>(nodes[i]["params"]["bands"].get<double>(), 1, 32));
        for (size_t i = 0; i < nodes.size(); ++i) {
            const std::string path = "/nodes/" + std::to_string(i);
            const json& n = nodes[i];
            PatchNode node;
            table.comps.emplace_back();
            if (!n.is_object()) {
                ctx.add(path, "must be an object");
                patch.nodes.push_back(node);
                continue;
            }
            for (auto it = n.begin(); it != n.end(); ++it)
                if (it.key() != "id" && it.key() != "kind" && it.key() != "params" && it.key() != "comment")
                    ctx.add(path + "/" + escapePointer(it.key()), "unknown key");
            bool idOk = false;
            if (!n.contains("id") || !n["id"].is_string() || n["id"].get<std::string>().empty()) {
                ctx.add(path + "/id", "must be a non-empty string");
            } else {
                node.id = n["id"].get<std::string>();
                if (node.id.find('.') != std::string::npos) ctx.add(path + "/id", "must not contain '.'");
                else if (table.byId.count(node.id)) ctx.add(path + "/id", "duplicate node id '" + node.id + "'");
                else idOk = true;
            }
            bool kindOk = false;
            if (!n.contains("kind") || !n["kind"].is_string()) {
                ctx.add(path + "/kind", "must be a string");
            } else {
                const std::string k = n["kind"].get<std::string>();
                for (int j = 0; j < kNumNodeKinds; ++j)
                    if (kNodeKindNames[j] == k) { node.kind = NodeKind(j); kindOk = true; }
                if (!kindOk) {
                    std::string all;
                    for (auto nm : kNodeKindNames) all += (all.empty() ? "" : ", ") + std::string(nm);
                    ctx.add(path + "/kind", "unknown node kind '" + k + "' (one of " + all + ")");
                }
            }
            json params = json::object();
            if (n.contains("params")) {
                if (!n["params"].is_object()) { ctx.add(path + "/params", "must be an object"); kindOk = false; }
                else params = n["params"];
            }
            bool compsOk = false;
            if (kindOk) {
                const size_t before = ctx.issues.size();
                if (isCellKind(node.kind)) {
                    const bool paramsOk = parseCellParams(ctx, params, path + "/params", node.params);
                    const auto units = node.params.find("n_units");
                    const bool tooBig = units != node.params.end() && units->second.type == ParamValue::Type::number
                                        && units->second.number > double(limits::kMaxUnitsPerNode);
                    if (tooBig)
                        ctx.add(path + "/params/n_units", "node '" + node.id + "' asks for " + brief(params["n_units"])
                                                              + " units; the limit is " + std::to_string(limits::kMaxUnitsPerNode));
                    if (paramsOk && !tooBig) {
                        try {
                            table.comps.back() = detail::nodeCompartments(node);
                            compsOk = true;
                        } catch (const ConfigError& e) {
                            std::string msg = e.what();
                            const std::string prefix = e.field() + ": ";
                            if (msg.rfind(prefix, 0) == 0) msg = msg.substr(prefix.size());
                            ctx.add(path + "/params/" + escapePointer(e.field()), msg);
                        }
                    }
                } else if (node.kind == NodeKind::AudioIn) {
                    parseAudioIn(ctx, params, path + "/params", node.audioIn);
                    if (ctx.issues.size() == before) {
                        if (patch.audioIn >= 0) ctx.add(path, "a patch has exactly one AudioIn");
                        else patch.audioIn = int(i);
                    }
                } else {
                    parseAudioOut(ctx, params, path + "/params", node.audioOut);
                    node.audioIn.bands = audioInBands;
                    if (ctx.issues.size() == before) {
                        if (patch.audioOut >= 0) ctx.add(path, "a patch has exactly one AudioOut");
                        else patch.audioOut = int(i);
                    }
                }
                if (!isCellKind(node.kind) && ctx.issues.size() == before) {
                    table.comps.back() = detail::nodeCompartments(node);
                    compsOk = true;
                }
            }
            (void)compsOk;
            if (idOk) table.byId[node.id] = int(i);
            patch.nodes.push_back(node);
        }
        if (patch.audioIn < 0 && !std::any_of(nodes.begin(), nodes.end(), [](const json& n) {
                return kindIs(n, "AudioIn"); }))
            ctx.add("/nodes", "needs one AudioIn node");
        if (patch.audioOut < 0 && !std::any_of(nodes.begin(), nodes.end(), [](const json& n) {
                return kindIs(n, "AudioOut"); }))
            ctx.add("/nodes", "needs one AudioOut node");
    }

    // ---- wires
    std::map<std::string, int> wireIds;
    std::vector<bool> wireOk;
    std::int64_t totalWeights = 0;
    if (root.contains("wires")) {
        if (!root["wires"].is_array()) ctx.add("/wires", "must be an array");
        else {
            const auto& wires = root["wires"];
            for (size_t i = 0; i < wires.size(); ++i) {
                const std::string path = "/wires/" + std::to_string(i);
                const json& w = wires[i];
                PatchWire wire;
                bool ok = true;
                if (!w.is_object()) {
                    ctx.add(path, "must be an object");
                    patch.wires.push_back(wire);
                    wireOk.push_back(false);
                    continue;
                }
                static const std::set<std::string> known{"id", "from", "to", "gain", "weights", "init",
                                                         "scale", "seed", "bias", "delay", "comment"};
                for (auto it = w.begin(); it != w.end(); ++it)
                    if (!known.count(it.key())) { ctx.add(path + "/" + escapePointer(it.key()), "unknown key"); ok = false; }
                if (w.contains("id")) {
                    if (!w["id"].is_string() || w["id"].get<std::string>().empty()) { ctx.add(path + "/id", "must be a non-empty string"); ok = false; }
                    else {
                        wire.id = w["id"].get<std::string>();
                        if (wireIds.count(wire.id)) { ctx.add(path + "/id", "duplicate wire id '" + wire.id + "'"); ok = false; }
                        else wireIds[wire.id] = int(i);
                    }
                }
                const detail::CompSpec* ends[2] = {nullptr, nullptr};
                const char* keys[2] = {"from", "to"};
                for (int e = 0; e < 2; ++e) {
                    const std::string p = path + "/" + keys[e];
                    if (!w.contains(keys[e]) || !w[keys[e]].is_string()) { ctx.add(p, "must be a \"node.compartment\" string"); ok = false; continue; }
                    const std::string s = w[keys[e]].get<std::string>();
                    const auto dot = s.find('.');
                    if (dot == std::string::npos) { ctx.add(p, "'" + s + "' must be \"node.compartment\""); ok = false; continue; }
                    const std::string nid = s.substr(0, dot), cname = s.substr(dot + 1);
                    auto it = table.byId.find(nid);
                    if (it == table.byId.end()) { ctx.add(p, "unknown node '" + nid + "'"); ok = false; continue; }
                    (e == 0 ? wire.fromNode : wire.toNode) = it->second;
                    (e == 0 ? wire.fromComp : wire.toComp) = cname;
                    if (table.comps[size_t(it->second)].empty()) { ok = false; continue; } // node already reported
                    ends[e] = findComp(table, it->second, cname);
                    if (!ends[e]) {
                        ctx.add(p, "unknown compartment '" + cname + "' of " + std::string(kNodeKindNames[int(patch.nodes[size_t(it->second)].kind)])
                                       + " '" + nid + "' (has " + compNames(table, it->second) + ")");
                        ok = false;
                    }
                }
                if (ends[1] && ends[1]->role != CompartmentRole::input) {
                    ctx.add(path + "/to", "'" + ends[1]->name + "' is not an input compartment");
                    ok = false;
                }
                double d = 1.0;
                if (readNumber(ctx, w, "gain", path, d)) wire.gain = float(d);
                else if (w.contains("gain")) ok = false;
                if (w.contains("delay")) {
                    if (!w["delay"].is_boolean()) { ctx.add(path + "/delay", "must be true or false"); ok = false; }
                    else wire.delay = w["delay"].get<bool>();
                }
                if (ends[0] && ends[1]) {
                    const int sc = ends[0]->cols, dc = ends[1]->cols;
                    if (!ends[1]->perChannel && ends[0]->perChannel) {
                        ctx.add(path, "cannot drive the single-row '" + ends[1]->name + "' from the per-channel '" + ends[0]->name + "'");
                        ok = false;
                    }
                    const std::int64_t nW = std::int64_t(sc) * std::int64_t(dc);
                    const bool matrix = w.contains("weights") || w.contains("init");
                    if (matrix && nW > limits::kMaxWeightsPerWire) {
                        ctx.add(path, "a " + std::to_string(dc) + " x " + std::to_string(sc) + " weight matrix (" + std::to_string(nW)
                                          + " values) is over the limit of " + std::to_string(limits::kMaxWeightsPerWire) + " per wire");
                        ok = false;
                    } else if (matrix && totalWeights + nW > limits::kMaxWeightsTotal) {
                        ctx.add(path, "its " + std::to_string(nW) + " weights bring the patch to " + std::to_string(totalWeights + nW)
                                          + " weights; the limit is " + std::to_string(limits::kMaxWeightsTotal));
                        ok = false;
                    } else if (w.contains("weights") && w.contains("init")) {
                        ctx.add(path + "/init", "give either weights or init, not both");
                        ok = false;
                    } else if (w.contains("weights")) {
                        totalWeights += nW;
                        const auto& W = w["weights"];
                        bool shapeOk = W.is_array() && int(W.size()) == dc;
                        if (shapeOk)
                            for (const auto& row : W) shapeOk = shapeOk && row.is_array() && int(row.size()) == sc;
                        if (!shapeOk) {
                            ctx.add(path + "/weights", "size mismatch: must be " + std::to_string(dc) + " rows (to '" + ends[1]->name + "') of "
                                                           + std::to_string(sc) + " numbers (from '" + ends[0]->name + "')");
                            ok = false;
                        } else {
                            for (int r = 0; r < dc; ++r)
                                for (int c = 0; c < sc; ++c) {
                                    const auto& x = W[size_t(r)][size_t(c)];
                                    if (!x.is_number() || !std::isfinite(x.get<double>())) {
                                        ctx.add(path + "/weights/" + std::to_string(r) + "/" + std::to_string(c), "must be a finite number");
                                        ok = false;
                                    } else wire.weights.push_back(float(x.get<double>()) * wire.gain);
                                }
                            wire.wRows = dc;
                            wire.wCols = sc;
                        }
                    } else if (w.contains("init")) {
                        totalWeights += nW;
                        const auto& init = w["init"];
                        double scale = 1.0, seed = 1.0;
                        readNumber(ctx, w, "scale", path, scale);
                        if (readNumber(ctx, w, "seed", path, seed) && (seed < 0 || seed > 4294967295.0 || seed != std::floor(seed))) {
                            ctx.add(path + "/seed", "must be a whole number in 0..4294967295");
                            ok = false;
                            seed = 1.0;
                        }
                        wire.wRows = dc;
                        wire.wCols = sc;
                        if (init == "identity") {
                            if (sc != dc) { ctx.add(path + "/init", "identity needs equal sizes (from " + std::to_string(sc) + ", to " + std::to_string(dc) + ")"); ok = false; }
                            else {
                                wire.weights.assign(size_t(nW), 0.f);
                                for (int r = 0; r < dc; ++r) wire.weights[size_t(r) * size_t(sc) + size_t(r)] = float(scale) * wire.gain;
                            }
                        } else if (init == "ones") {
                            wire.weights.assign(size_t(nW), float(scale) * wire.gain);
                        } else if (init == "uniform") {
                            std::mt19937 rng(static_cast<unsigned>(seed));
                            std::uniform_real_distribution<double> u(-scale, scale);
                            wire.weights.reserve(size_t(nW));
                            for (std::int64_t k = 0; k < nW; ++k) wire.weights.push_back(float(u(rng)) * wire.gain);
                        } else {
                            ctx.add(path + "/init", "must be \"identity\", \"ones\" or \"uniform\"");
                            ok = false;
                        }
                    } else if (sc != dc && sc != 1) {
                        ctx.add(path, "size mismatch: '" + ends[0]->name + "' has " + std::to_string(sc) + " units, '" + ends[1]->name + "' has "
                                          + std::to_string(dc) + " (give weights, or a 1-unit source to broadcast)");
                        ok = false;
                    }
                    if (w.contains("bias")) {
                        const auto& b = w["bias"];
                        if (b.is_number() && std::isfinite(b.get<double>())) wire.bias.assign(size_t(dc), float(b.get<double>()));
                        else if (b.is_array() && int(b.size()) == dc && std::all_of(b.begin(), b.end(), [](const json& x) {
                                     return x.is_number() && std::isfinite(x.get<double>()); }))
                            for (const auto& x : b) wire.bias.push_back(float(x.get<double>()));
                        else { ctx.add(path + "/bias", "must be a finite number or " + std::to_string(dc) + " finite numbers"); ok = false; }
                    }
                }
                patch.wires.push_back(wire);
                wireOk.push_back(ok);
            }
        }
    }

    // ---- cycles through undelayed wires (Kahn's algorithm)
    if (!patch.nodes.empty()) {
        const size_t N = patch.nodes.size();
        std::vector<int> indeg(N, 0);
        for (size_t i = 0; i < patch.wires.size(); ++i) {
            const auto& w = patch.wires[i];
            if (w.delay || w.fromNode < 0 || w.toNode < 0) continue;
            ++indeg[size_t(w.toNode)];
        }
        const auto out = detail::outgoingWires(patch);
        std::vector<int> queue;
        for (size_t n = 0; n < N; ++n) if (indeg[n] == 0) queue.push_back(int(n));
        std::vector<bool> done(N, false);
        while (!queue.empty()) {
            const int n = queue.back();
            queue.pop_back();
            done[size_t(n)] = true;
            for (const int wi : out[size_t(n)]) {
                const auto& w = patch.wires[size_t(wi)];
                if (w.toNode >= 0 && --indeg[size_t(w.toNode)] == 0) queue.push_back(w.toNode);
            }
        }
        for (size_t i = 0; i < patch.wires.size(); ++i) {
            const auto& w = patch.wires[i];
            if (w.delay || w.fromNode < 0 || w.toNode < 0) continue;
            if (!done[size_t(w.fromNode)] && !done[size_t(w.toNode)])
                ctx.add("/wires/" + std::to_string(i), "part of a cycle without a delay (" + patch.nodes[size_t(w.fromNode)].id + " -> "
                                                           + patch.nodes[size_t(w.toNode)].id + "); set \"delay\": true on one wire of the cycle");
        }
    }

    // ---- bindings
    if (root.contains("bindings")) {
        if (!root["bindings"].is_array()) ctx.add("/bindings", "must be an array");
        else {
            const auto& bs = root["bindings"];
            for (size_t i = 0; i < bs.size(); ++i) {
                const std::string path = "/bindings/" + std::to_string(i);
                const json& b = bs[i];
                PatchBinding bind;
                if (!b.is_object()) { ctx.add(path, "must be an object"); continue; }
                static const std::set<std::string> known{"param", "node", "wire", "field", "scale", "offset", "map", "comment"};
                bool ok = true;
                for (auto it = b.begin(); it != b.end(); ++it)
                    if (!known.count(it.key())) { ctx.add(path + "/" + escapePointer(it.key()), "unknown key"); ok = false; }
                if (!b.contains("param") || !b["param"].is_string()) { ctx.add(path + "/param", "must be a host parameter id"); ok = false; }
                else {
                    bind.param = findHostParam(b["param"].get<std::string>());
                    if (bind.param == HostParam::count) { ctx.add(path + "/param", "unknown host parameter '" + b["param"].get<std::string>() + "'"); ok = false; }
                    else if (bind.param == HostParam::patch || bind.param == HostParam::step || bind.param == HostParam::reset) {
                        ctx.add(path + "/param", "'" + b["param"].get<std::string>() + "' is used by the engine and cannot be bound");
                        ok = false;
                    }
                }
                double d;
                if (readNumber(ctx, b, "scale", path, d)) bind.scale = float(d);
                else if (b.contains("scale")) ok = false;
                if (readNumber(ctx, b, "offset", path, d)) bind.offset = float(d);
                else if (b.contains("offset")) ok = false;
                if (b.contains("map")) {
                    if (b["map"] == "db") bind.db = true;
                    else if (b["map"] != "linear") { ctx.add(path + "/map", "must be \"linear\" or \"db\""); ok = false; }
                }
                if (b.contains("node") == b.contains("wire")) { ctx.add(path, "give exactly one of \"node\" or \"wire\""); ok = false; }
                if (!b.contains("field") || !b["field"].is_string()) { ctx.add(path + "/field", "must be a string"); ok = false; }
                else bind.field = b["field"].get<std::string>();
                NodeKind kind = NodeKind::AudioIn;
                if (b.contains("node")) {
                    if (!b["node"].is_string() || !table.byId.count(b["node"].get<std::string>())) {
                        ctx.add(path + "/node", "unknown node '" + (b["node"].is_string() ? b["node"].get<std::string>() : brief(b["node"])) + "'");
                        ok = false;
                    } else {
                        bind.node = table.byId[b["node"].get<std::string>()];
                        kind = patch.nodes[size_t(bind.node)].kind;
                        const auto& fields = detail::bindableFields(kind);
                        if (!bind.field.empty() && std::find(fields.begin(), fields.end(), bind.field) == fields.end()) {
                            std::string all;
                            for (const auto& f : fields) all += (all.empty() ? "" : ", ") + f;
                            ctx.add(path + "/field", "unknown field '" + bind.field + "' for " + std::string(kNodeKindNames[int(kind)])
                                                         + (all.empty() ? " (it has no bindable fields)" : " (one of " + all + ")"));
                            ok = false;
                        }
                    }
                } else if (b.contains("wire")) {
                    if (!b["wire"].is_string() || !wireIds.count(b["wire"].get<std::string>())) {
                        ctx.add(path + "/wire", "unknown wire id " + brief(b["wire"]));
                        ok = false;
                    } else {
                        bind.wire = wireIds[b["wire"].get<std::string>()];
                        const auto& w = patch.wires[size_t(bind.wire)];
                        if (bind.field != "gain" && bind.field != "bias") { ctx.add(path + "/field", "a wire binds \"gain\" or \"bias\""); ok = false; }
                        else if (bind.field == "gain" && !w.weights.empty()) { ctx.add(path + "/field", "the gain of a weighted wire cannot be bound"); ok = false; }
                    }
                }
                if (ok && bind.node >= 0) {
                    const auto& info = hostParamInfo(bind.param);
                    for (float hv : {info.min, info.max, info.defaultValue}) {
                        double v = detail::bindingValue(bind, hv);
                        if (auto why = detail::checkFieldValue(kind, bind.field, v)) {
                            ctx.add(path, "with " + std::string(info.id) + " = " + std::to_string(hv) + ", " + bind.field + " " + *why);
                            ok = false;
                            break;
                        }
                    }
                }
                if (ok) {
                    bind.target = bind.wire >= 0 ? (bind.field == "gain" ? BindField::wireGain : BindField::wireBias)
                                                 : detail::resolveField(kind, bind.field);
                    if (bind.target == BindField::none) { ctx.add(path + "/field", "cannot be bound"); ok = false; }
                }
                if (ok) patch.bindings.push_back(bind);
            }
        }
    }

    if (!ctx.issues.empty()) throw PatchError(std::move(ctx.issues));
    return patch;
}

Patch loadPatchFile(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw PatchError(std::vector<PatchIssue>{{"", "cannot open " + path}});
    std::stringstream ss;
    ss << f.rdbuf();
    return loadPatch(ss.str());
}

} // namespace graded
