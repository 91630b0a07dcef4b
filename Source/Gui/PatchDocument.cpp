// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's document: the patch JSON, edited through undoable whole-document actions
// and checked by the patch loader after every change (PatchDocument.h).
#include "PatchDocument.h"

#include <Limits.h>
#include <Patch/Layout.h>

#include <Patch/NodeSpecs.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace graded::gui {
namespace {

using json = nlohmann::json;

/** A float as the shortest decimal that reads back as it (0.1f -> 0.1, not 0.100000001). */
json tidy(float v) {
    if (!std::isfinite(v)) return json(0.0);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.7g", double(v));
    const double d = std::strtod(buf, nullptr);
    if (d == std::floor(d) && std::fabs(d) < 1e15) return json(static_cast<long long>(d));
    return json(d);
}

/** A position as the document stores it: whole numbers. */
json position(double x, double y) {
    auto whole = [](double v) { return std::isfinite(v) ? static_cast<long long>(std::lround(v)) : 0LL; };
    return json::array({whole(x), whole(y)});
}

std::optional<NodeKind> kindOf(const json& node) {
    if (!node.is_object() || !node.contains("kind") || !node["kind"].is_string()) return std::nullopt;
    const auto& k = node["kind"].get_ref<const std::string&>();
    for (int i = 0; i < kNumNodeKinds; ++i)
        if (kNodeKindNames[i] == k) return NodeKind(i);
    return std::nullopt;
}

std::string idOf(const json& node) {
    return node.is_object() && node.contains("id") && node["id"].is_string() ? node["id"].get<std::string>() : std::string();
}

bool hasArray(const json& doc, const char* key) { return doc.is_object() && doc.contains(key) && doc[key].is_array(); }

/** doc[key] as an array (made one if it is missing or not an array). */
json& arrayOf(json& doc, const char* key) {
    if (!hasArray(doc, key)) doc[key] = json::array();
    return doc[key];
}

json& paramsOf(json& node) {
    if (!node.contains("params") || !node["params"].is_object()) node["params"] = json::object();
    return node["params"];
}

/** "node.comp" -> {node, comp}; {s, ""} without a dot. */
std::pair<std::string, std::string> splitEnd(const json& end) {
    if (!end.is_string()) return {};
    const auto& s = end.get_ref<const std::string&>();
    const auto dot = s.find('.');
    if (dot == std::string::npos) return {s, {}};
    return {s.substr(0, dot), s.substr(dot + 1)};
}

std::string wireNode(const json& wire, const char* key) {
    return wire.is_object() && wire.contains(key) ? splitEnd(wire[key]).first : std::string();
}

/** Replaces the node part of wire end `key` when it is `from`. */
void renameEnd(json& wire, const char* key, const std::string& from, const std::string& to) {
    if (!wire.is_object() || !wire.contains(key)) return;
    const auto [node, comp] = splitEnd(wire[key]);
    if (node == from && wire[key].get<std::string>().find('.') != std::string::npos) wire[key] = to + "." + comp;
}

std::set<std::string> idsIn(const json& doc) {
    std::set<std::string> ids;
    if (hasArray(doc, "nodes"))
        for (const auto& n : doc["nodes"]) ids.insert(idOf(n));
    return ids;
}

std::set<std::string> wireIdsIn(const json& doc) {
    std::set<std::string> ids;
    if (hasArray(doc, "wires"))
        for (const auto& w : doc["wires"])
            if (w.is_object() && w.contains("id") && w["id"].is_string()) ids.insert(w["id"].get<std::string>());
    return ids;
}

/** `base` + the first number from `first` that `taken` does not hold. */
std::string freeId(const std::string& base, int first, const std::set<std::string>& taken) {
    for (int n = first;; ++n) {
        const std::string id = base + std::to_string(n);
        if (!taken.count(id)) return id;
    }
}

/** A fresh id for a pasted `id`: itself when free, else its stem with the next free number. */
std::string freshId(const std::string& id, const std::set<std::string>& taken) {
    if (!taken.count(id)) return id;
    size_t stem = id.size();
    while (stem > 0 && std::isdigit(static_cast<unsigned char>(id[stem - 1]))) --stem;
    const std::string base = id.substr(0, stem);
    return freeId(base.empty() ? "n" : base, stem < id.size() ? 1 : 2, taken);
}

/** The issue target of a loader path: "/nodes/3/params/x" -> node 3, ... */
DocIssue issueAt(const std::string& path, const std::string& message) {
    DocIssue is;
    is.path = path;
    is.message = message;
    static const std::pair<const char*, DocIssue::Target> prefixes[] = {
        {"/nodes/", DocIssue::Target::node}, {"/wires/", DocIssue::Target::wire}, {"/bindings/", DocIssue::Target::binding}};
    for (const auto& [prefix, target] : prefixes) {
        const std::string p = prefix;
        if (path.rfind(p, 0) != 0) continue;
        size_t end = p.size();
        while (end < path.size() && std::isdigit(static_cast<unsigned char>(path[end]))) ++end;
        if (end == p.size() || end - p.size() > 9 || (end < path.size() && path[end] != '/')) break;
        is.target = target;
        is.index = std::stoi(path.substr(p.size(), end - p.size()));
        break;
    }
    return is;
}

/** The name of choice `index` of `f`, or nothing. */
std::optional<std::string> choiceName(const FieldSpec& f, double index) {
    if (!std::isfinite(index) || index != std::floor(index) || index < 0 || index >= f.choices.count) return std::nullopt;
    return std::string(f.choices.names[int(index)]);
}

json defaultOf(const FieldSpec& f) {
    switch (f.type) {
        case FieldType::flag: return f.defaultValue != 0;
        case FieldType::integer: return static_cast<long long>(f.defaultValue);
        case FieldType::choice: return choiceName(f, f.defaultValue).value_or(std::string());
        case FieldType::number: break;
    }
    return f.defaultValue;
}

/** Layered positions for the nodes of `doc` that have no valid "at": columns by the longest
    path of undelayed wires (learning wires into a synapse's pre and post do not count),
    AudioIn left, AudioOut right, rows in document order. Linear in nodes + wires; cycles
    (which the loader reports anyway) do not hang it. */
void layOut(json& doc) {
    if (!hasArray(doc, "nodes")) return;
    json& nodes = doc["nodes"];
    const size_t n = nodes.size();
    auto placed = [&](size_t i) {
        const json& n_ = nodes[i];
        if (!n_.is_object() || !n_.contains("at")) return false;
        const json& at = n_["at"];
        return at.is_array() && at.size() == 2 && at[0].is_number() && at[1].is_number();
    };
    bool any = false;
    for (size_t i = 0; i < n; ++i) any = any || (nodes[i].is_object() && !placed(i));
    if (!any) return;

    std::map<std::string, size_t> byId;
    for (size_t i = 0; i < n; ++i) byId.emplace(idOf(nodes[i]), i);
    std::vector<std::vector<size_t>> next(n);
    std::vector<int> indegree(n, 0);
    if (hasArray(doc, "wires"))
        for (const auto& w : doc["wires"]) {
            if (!w.is_object() || (w.contains("delay") && w["delay"] == true)) continue;
            const auto from = byId.find(wireNode(w, "from"));
            const auto [toNode, toComp] = w.contains("to") ? splitEnd(w["to"]) : std::pair<std::string, std::string>{};
            const auto to = byId.find(toNode);
            if (from == byId.end() || to == byId.end() || from->second == to->second) continue;
            const auto k = kindOf(nodes[to->second]);
            if (k && isSynapseKind(*k) && (toComp == "pre" || toComp == "post")) continue;
            next[from->second].push_back(to->second);
            ++indegree[to->second];
        }
    // Kahn's order: a node's depth is the longest path to it. When only cycles are left, the
    // first node left (in document order) is taken as it is and the walk goes on from it.
    std::vector<int> depth(n, 0);
    std::vector<char> done(n, 0);
    std::vector<size_t> queue;
    queue.reserve(n);
    for (size_t i = 0; i < n; ++i)
        if (indegree[i] == 0) { queue.push_back(i); done[i] = 1; }
    size_t firstLeft = 0;
    for (size_t q = 0; q < n; ++q) {
        if (q == queue.size()) { // a cycle: break it at the first node left
            while (done[firstLeft]) ++firstLeft;
            queue.push_back(firstLeft);
            done[firstLeft] = 1;
        }
        const size_t i = queue[q];
        for (size_t j : next[i]) {
            if (done[j]) continue;
            depth[j] = std::max(depth[j], depth[i] + 1);
            if (--indegree[j] == 0) { queue.push_back(j); done[j] = 1; }
        }
    }
    int maxDepth = 0;
    for (size_t i = 0; i < n; ++i) {
        const auto k = kindOf(nodes[i]);
        if (k == NodeKind::AudioIn) depth[i] = 0;
        else if (k != NodeKind::AudioOut) maxDepth = std::max(maxDepth, depth[i]);
    }
    for (size_t i = 0; i < n; ++i)
        if (kindOf(nodes[i]) == NodeKind::AudioOut) depth[i] = maxDepth + 1;
    std::map<int, int> rows;
    for (size_t i = 0; i < n; ++i) {
        if (!nodes[i].is_object() || placed(i)) continue;
        const int row = rows[depth[i]]++;
        nodes[i]["at"] = position(40.0 + depth[i] * 200.0, 40.0 + row * 110.0);
    }
}

const char* const kTemplateNames[] = {"Empty graph", "Audio in to out", "Two-layer predictive coding"};

json emptyPatch(const std::string& name) {
    return {{"format", 1}, {"name", name}, {"nodes", json::array()}, {"wires", json::array()}, {"bindings", json::array()}};
}

json node(const char* id, const char* kind, json params, int x, int y, const char* comment = nullptr) {
    json n = {{"id", id}, {"kind", kind}, {"params", std::move(params)}, {"at", json::array({x, y})}};
    if (comment) n["comment"] = comment;
    return n;
}

json wire(const char* from, const char* to, json extra = json::object()) {
    json w = {{"from", from}, {"to", to}};
    for (auto it = extra.begin(); it != extra.end(); ++it) w[it.key()] = it.value();
    return w;
}

/** Two layers of predictive coding (ngclearn's circuit, as Resources/Patches/TimbreLearner.json
    but generic): the 16 input bands, relative to the overall level, are the target of error
    e0, whose prediction is W1's output of the latent z1 (8 units); e0's error reaches z1
    through W1's tied transpose E1 and W1 learns from it. The second layer does the same one
    level up: e1 compares z1 with W2's prediction from z2 (4 units), whose error reaches z2
    through E2 and pulls z1 towards what z2 expects (dtarget into j_td). The output hears e0's
    error: what the circuit has not learned comes through. */
json twoLayerPC(const std::string& name) {
    json p = emptyPatch(name);
    p["description"] = "Two layers of predictive coding that learn the spectrum of the input: what the circuit "
                       "cannot yet predict comes through, what it has learned fades to -24 dB.";
    p["learning"] = {{"settle", 2}, {"evolve", "step"}};
    auto hebbian = [](int nIn, int nOut, int seed) {
        return json{{"shape", {nIn, nOut}}, {"eta", 0.01}, {"sign_value", -1}, {"w_bound", 1.0},
                    {"weight_init", {{"dist", "uniform"}, {"amin", 0.0}, {"amax", 0.05}}}, {"seed", seed}};
    };
    p["nodes"] = json::array({
        node("in", "AudioIn", {{"bands", 16}, {"envMs", 50}}, 40, 60),
        node("e0", "GaussianErrorCell", {{"n_units", 16}, {"sigma", 1.0}}, 250, 60, "layer-1 error: the input bands against W1's prediction"),
        node("W1", "HebbianSynapse", hebbian(8, 16, 1), 460, 40, "layer-1 dictionary: predicts the bands from z1 and learns from e0"),
        node("E1", "DenseSynapse", {{"shape", {16, 8}}, {"tie", "W1"}}, 460, 190, "W1's transpose carries e0's error to z1"),
        node("z1", "RateCell", {{"n_units", 8}, {"tau_m", 100}, {"prior", {"gaussian", 0.1}}, {"act_fx", "relu"}}, 670, 100,
             "layer-1 latent causes"),
        node("e1", "GaussianErrorCell", {{"n_units", 8}, {"sigma", 1.0}}, 250, 330, "layer-2 error: z1 against W2's prediction"),
        node("W2", "HebbianSynapse", hebbian(4, 8, 2), 460, 310, "layer-2 dictionary: predicts z1 from z2 and learns from e1"),
        node("E2", "DenseSynapse", {{"shape", {8, 4}}, {"tie", "W2"}}, 460, 460, "W2's transpose carries e1's error to z2"),
        node("z2", "RateCell", {{"n_units", 4}, {"tau_m", 200}, {"prior", {"gaussian", 0.1}}, {"act_fx", "relu"}}, 670, 370,
             "layer-2 latent causes"),
        node("out", "AudioOut", json::object(), 40, 220),
    });
    p["wires"] = json::array({
        wire("in.bands", "e0.target"),
        wire("in.level", "e0.target", {{"gain", -1}, {"bias", 0.8}, {"comment", "bands relative to the overall level: the same at any input level"}}),
        wire("z1.zF", "W1.inputs"),
        wire("W1.outputs", "e0.mu"),
        wire("e0.dmu", "E1.inputs", {{"delay", true}}),
        wire("E1.outputs", "z1.j"),
        wire("z1.zF", "W1.pre"),
        wire("e0.dmu", "W1.post"),
        wire("z1.z", "e1.target"),
        wire("z2.zF", "W2.inputs"),
        wire("W2.outputs", "e1.mu"),
        wire("e1.dmu", "E2.inputs", {{"delay", true}}),
        wire("E2.outputs", "z2.j"),
        wire("z2.zF", "W2.pre"),
        wire("e1.dmu", "W2.post"),
        wire("e1.dtarget", "z1.j_td", {{"delay", true}}),
        wire("e0.dmu", "out.bandGains", {{"gain", 300}, {"bias", -24}, {"comment", "hear the error (in dB; units of 100 dB)"}}),
    });
    p["bindings"] = json::array({
        {{"param", "tau"}, {"node", "z1"}, {"field", "tau_m"}, {"scale", 2.5}},
        {{"param", "sigma"}, {"node", "e0"}, {"field", "sigma"}},
    });
    return p;
}

} // namespace

// ---- the undoable action ----

class PatchDocument::Edit : public juce::UndoableAction {
public:
    Edit(PatchDocument& d, json before, json after, int sizeKiB)
        : doc_(d), before_(std::move(before)), after_(std::move(after)), sizeKiB_(sizeKiB) {}
    bool perform() override { doc_.set(after_); return true; }
    bool undo() override { doc_.set(before_); return true; }
    /** What the UndoManager counts against its budget: the two documents' text in KiB. */
    int getSizeInUnits() override { return sizeKiB_; }

private:
    PatchDocument& doc_;
    json before_, after_;
    int sizeKiB_;
};

juce::StringArray PatchDocument::templateNames() {
    juce::StringArray names;
    for (const char* n : kTemplateNames) names.add(n);
    return names;
}

PatchDocument::PatchDocument() {
    doc_ = emptyPatch("Untitled");
    validate();
}

PatchDocument::~PatchDocument() { undo_.clearUndoHistory(); }

bool PatchDocument::commit(json after, const juce::String& what) {
    if (after == doc_) return false;
    undo_.beginNewTransaction(what);
    // (sized by text: a patch of explicit weights takes its share of the undo budget)
    const auto kib = (doc_.dump().size() + after.dump().size()) / 1024 + 1;
    undo_.perform(new Edit(*this, doc_, std::move(after), int(std::min<std::size_t>(kib, 1u << 30))), what);
    return true;
}

void PatchDocument::set(const json& document) {
    doc_ = document;
    reindex();
    ++revision_;
    validate();
    if (onChange) onChange();
}

void PatchDocument::validate() {
    issues_.clear();
    try {
        loadPatch(doc_.dump());
    } catch (const PatchError& e) {
        for (const auto& i : e.issues()) issues_.push_back(issueAt(i.path, i.message));
        if (issues_.empty()) issues_.push_back(issueAt("", e.what()));
    } catch (const std::exception& e) {
        issues_.push_back(issueAt("", e.what()));
    }
}

std::vector<DocIssue> PatchDocument::issuesOf(DocIssue::Target target, int index) const {
    std::vector<DocIssue> out;
    for (const auto& i : issues_)
        if (i.target == target && (target == DocIssue::Target::patch || i.index == index)) out.push_back(i);
    return out;
}

void PatchDocument::addRunIssues(const std::string& describedError) {
    std::istringstream in(describedError);
    std::string line;
    bool added = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const auto colon = line.find(": ");
        if (line[0] == '/' && colon != std::string::npos) issues_.push_back(issueAt(line.substr(0, colon), line.substr(colon + 2)));
        else issues_.push_back(issueAt("", line));
        added = true;
    }
    if (added && onChange) onChange();
}

// ---- whole documents ----

void PatchDocument::newFromTemplate(Template t, const std::string& givenName) {
    // unnamed: an empty graph is "Untitled", a template is named after itself
    const std::string name = !givenName.empty() ? givenName
                             : t == Template::empty ? std::string("Untitled")
                                                    : std::string(kTemplateNames[int(t)]);
    json after;
    switch (t) {
        case Template::empty: after = emptyPatch(name); break;
        case Template::passThrough:
            after = emptyPatch(name);
            after["nodes"] = json::array({node("in", "AudioIn", json::object(), 40, 40), node("out", "AudioOut", json::object(), 440, 40)});
            break;
        case Template::twoLayerPC: after = twoLayerPC(name); break;
    }
    commit(std::move(after), "New patch");
}

bool PatchDocument::loadJson(const std::string& text, bool undoable, std::string& error) {
    json after;
    try {
        after = json::parse(text);
    } catch (const std::exception& e) {
        error = std::string("not valid JSON: ") + e.what();
        return false;
    }
    if (!after.is_object()) {
        error = "not a patch: the JSON is not an object";
        return false;
    }
    layOut(after);
    if (undoable) {
        commit(std::move(after), "Open patch");
    } else {
        undo_.clearUndoHistory();
        set(after);
    }
    return true;
}

std::string PatchDocument::text() const { return doc_.dump(2); }

std::string PatchDocument::engineText() const { return withoutLayout(doc_).dump(2); }

// ---- nodes ----

int PatchDocument::nodeIndex(const std::string& id) const {
    const auto it = index_.find(id);
    return it == index_.end() ? -1 : it->second;
}

void PatchDocument::reindex() {
    index_.clear();
    if (!hasArray(doc_, "nodes")) return;
    const auto& nodes = doc_["nodes"];
    for (size_t i = 0; i < nodes.size(); ++i) index_.emplace(idOf(nodes[i]), int(i)); // (the first of a duplicate id)
}

std::vector<std::string> PatchDocument::nodeIds() const {
    std::vector<std::string> ids;
    if (hasArray(doc_, "nodes"))
        for (const auto& n : doc_["nodes"]) ids.push_back(idOf(n));
    return ids;
}

NodeKind PatchDocument::nodeKind(int index) const {
    if (!hasArray(doc_, "nodes") || index < 0 || index >= int(doc_["nodes"].size())) return NodeKind::RateCell;
    return kindOf(doc_["nodes"][size_t(index)]).value_or(NodeKind::RateCell);
}

juce::Point<float> PatchDocument::nodePosition(int index) const {
    if (!hasArray(doc_, "nodes") || index < 0 || index >= int(doc_["nodes"].size())) return {};
    const json& n = doc_["nodes"][size_t(index)];
    if (!n.is_object() || !n.contains("at")) return {};
    const json& at = n["at"];
    if (!at.is_array() || at.size() != 2 || !at[0].is_number() || !at[1].is_number()) return {};
    return {at[0].get<float>(), at[1].get<float>()};
}

const std::vector<DocPort>& PatchDocument::ports(int index) const {
    // The ports depend only on the kind: made once per kind from its spec.
    static const auto byKind = [] {
        std::array<std::vector<DocPort>, kNumNodeKinds> table;
        for (int k = 0; k < kNumNodeKinds; ++k) {
            const auto kind = static_cast<NodeKind>(k);
            std::vector<DocPort> in, out;
            for (const auto& c : nodeSpec(kind).compartments) {
                if (c.role == CompartmentRole::input) in.push_back({std::string(c.name), false, std::string(c.doc)});
                else if (!(isSynapseKind(kind) && c.role == CompartmentRole::state))
                    out.push_back({std::string(c.name), true, std::string(c.doc)});
            }
            in.insert(in.end(), out.begin(), out.end());
            table[size_t(k)] = std::move(in);
        }
        return table;
    }();
    static const std::vector<DocPort> none;
    if (!hasArray(doc_, "nodes") || index < 0 || index >= int(doc_["nodes"].size())) return none;
    const auto kind = kindOf(doc_["nodes"][size_t(index)]);
    return kind ? byKind[size_t(*kind)] : none;
}

std::string PatchDocument::nodeId(int index) const {
    if (!hasArray(doc_, "nodes") || index < 0 || index >= int(doc_["nodes"].size())) return {};
    return idOf(doc_["nodes"][size_t(index)]);
}

std::string PatchDocument::addNode(NodeKind kind, float x, float y) {
    if (hasArray(doc_, "nodes") && doc_["nodes"].size() >= size_t(limits::kMaxNodes)) return {}; // a patch's limit
    const auto taken = idsIn(doc_);
    std::string id;
    switch (kind) {
        case NodeKind::AudioIn: id = taken.count("in") ? freeId("in", 2, taken) : "in"; break;
        case NodeKind::AudioOut: id = taken.count("out") ? freeId("out", 2, taken) : "out"; break;
        case NodeKind::RateCell: id = freeId("rate", 1, taken); break;
        case NodeKind::GaussianErrorCell: id = freeId("gauss", 1, taken); break;
        case NodeKind::LaplacianErrorCell: id = freeId("laplace", 1, taken); break;
        case NodeKind::BernoulliErrorCell: id = freeId("bernoulli", 1, taken); break;
        case NodeKind::LeakyNoiseCell: id = freeId("noise", 1, taken); break;
        case NodeKind::RewardErrorCell: id = freeId("reward", 1, taken); break;
        case NodeKind::DenseSynapse: id = freeId("W", 1, taken); break;
        case NodeKind::HebbianSynapse: id = freeId("H", 1, taken); break;
    }
    json params = json::object();
    if (isCellKind(kind)) params["n_units"] = 1;
    else if (isSynapseKind(kind)) params["shape"] = json::array({1, 1});
    json after = doc_;
    arrayOf(after, "nodes").push_back(
        {{"id", id}, {"kind", std::string(kNodeKindNames[int(kind)])}, {"params", params}, {"at", position(x, y)}});
    commit(std::move(after), "Add " + juce::String(id));
    return id;
}

bool PatchDocument::deleteNodes(const std::vector<std::string>& ids) {
    std::set<std::string> gone;
    for (const auto& id : ids)
        if (nodeIndex(id) >= 0) gone.insert(id);
    if (gone.empty()) return false;
    json after = doc_;
    json nodes = json::array();
    for (auto& n : after["nodes"]) {
        if (gone.count(idOf(n))) continue;
        if (n.is_object() && n.contains("params") && n["params"].is_object() && n["params"].contains("tie")
            && n["params"]["tie"].is_string() && gone.count(n["params"]["tie"].get<std::string>()))
            n["params"].erase("tie");
        nodes.push_back(std::move(n));
    }
    after["nodes"] = std::move(nodes);
    std::set<std::string> goneWires;
    if (hasArray(after, "wires")) {
        json wires = json::array();
        for (auto& w : after["wires"]) {
            if (gone.count(wireNode(w, "from")) || gone.count(wireNode(w, "to"))) {
                if (w.is_object() && w.contains("id") && w["id"].is_string()) goneWires.insert(w["id"].get<std::string>());
                continue;
            }
            wires.push_back(std::move(w));
        }
        after["wires"] = std::move(wires);
    }
    if (hasArray(after, "bindings")) {
        json bindings = json::array();
        for (auto& b : after["bindings"]) {
            const bool onNode = b.is_object() && b.contains("node") && b["node"].is_string() && gone.count(b["node"].get<std::string>());
            const bool onWire = b.is_object() && b.contains("wire") && b["wire"].is_string() && goneWires.count(b["wire"].get<std::string>());
            if (!onNode && !onWire) bindings.push_back(std::move(b));
        }
        after["bindings"] = std::move(bindings);
    }
    return commit(std::move(after), gone.size() == 1 ? "Delete " + juce::String(*gone.begin()) : juce::String("Delete nodes"));
}

bool PatchDocument::renameNode(const std::string& from, const std::string& to, std::string& error) {
    const int index = nodeIndex(from);
    if (index < 0) { error = "there is no node '" + from + "'"; return false; }
    if (to.empty()) { error = "a node's id must not be empty"; return false; }
    if (to.find('.') != std::string::npos) { error = "a node's id must not contain '.'"; return false; }
    if (to == from) return false;
    if (nodeIndex(to) >= 0) { error = "there is already a node '" + to + "'"; return false; }
    json after = doc_;
    after["nodes"][size_t(index)]["id"] = to;
    for (auto& n : after["nodes"])
        if (n.is_object() && n.contains("params") && n["params"].is_object() && n["params"].contains("tie")
            && n["params"]["tie"] == from)
            n["params"]["tie"] = to;
    if (hasArray(after, "wires"))
        for (auto& w : after["wires"]) {
            renameEnd(w, "from", from, to);
            renameEnd(w, "to", from, to);
        }
    if (hasArray(after, "bindings"))
        for (auto& b : after["bindings"])
            if (b.is_object() && b.contains("node") && b["node"] == from) b["node"] = to;
    return commit(std::move(after), "Rename " + juce::String(from) + " to " + juce::String(to));
}

bool PatchDocument::moveNode(const std::string& id, float x, float y) {
    const int index = nodeIndex(id);
    if (index < 0) return false;
    json after = doc_;
    after["nodes"][size_t(index)]["at"] = position(x, y);
    return commit(std::move(after), "Move " + juce::String(id));
}

bool PatchDocument::moveNodes(const std::vector<std::string>& ids, float dx, float dy) {
    json after = doc_;
    bool any = false;
    for (const auto& id : std::set<std::string>(ids.begin(), ids.end())) {
        const int index = nodeIndex(id);
        if (index < 0) continue;
        const auto p = nodePosition(index);
        after["nodes"][size_t(index)]["at"] = position(double(p.x) + dx, double(p.y) + dy);
        any = true;
    }
    return any && commit(std::move(after), "Move nodes");
}

bool PatchDocument::setNodeParam(const std::string& id, const std::string& field, const json& value) {
    const int index = nodeIndex(id);
    if (index < 0) return false;
    json after = doc_;
    json& n = after["nodes"][size_t(index)];
    json& params = paramsOf(n);
    const auto kind = kindOf(n);
    const NodeSpec* spec = kind ? &nodeSpec(*kind) : nullptr;
    const FieldSpec* f = spec ? spec->findField(field) : nullptr;
    if (f && !f->partOf.empty()) {
        // the number of a [name, number] pair
        const std::string key(f->partOf);
        const FieldSpec* choice = spec->findField(f->partOf);
        const bool written = params.contains(key) && params[key].is_array() && params[key].size() == 2;
        if (value.is_null()) {
            if (written) params[key][1] = f->defaultValue;
        } else if (written) {
            params[key][1] = value;
        } else {
            params[key] = json::array({choice ? defaultOf(*choice) : json(""), value});
        }
    } else if (f && f->type == FieldType::choice) {
        const std::string key(f->name);
        if (value.is_null()) {
            params.erase(key);
        } else {
            json name = value;
            if (value.is_number()) {
                if (auto nm = choiceName(*f, value.get<double>())) name = *nm;
            }
            if (f->pairNumber.empty() || (value.is_array() && value.size() == 2)) {
                params[key] = name; // a name, an index's name, or a whole [name, number] pair
            } else {
                const FieldSpec* num = spec->findField(f->pairNumber);
                json number = num ? json(num->defaultValue) : json(0.0);
                if (params.contains(key) && params[key].is_array() && params[key].size() == 2) number = params[key][1];
                params[key] = json::array({name, number});
            }
        }
    } else if (f && f->type == FieldType::flag && value.is_number() && (value == 0 || value == 1)) {
        params[std::string(f->name)] = value != 0;
    } else if (value.is_null()) {
        params.erase(field);
    } else {
        params[field] = value;
    }
    return commit(std::move(after), "Set " + juce::String(id) + "." + juce::String(field));
}

PatchDocument::json PatchDocument::nodeParam(const std::string& id, const std::string& field) const {
    const int index = nodeIndex(id);
    if (index < 0) return nullptr;
    const json& n = doc_["nodes"][size_t(index)];
    const json params = n.contains("params") && n["params"].is_object() ? n["params"] : json::object();
    const auto kind = kindOf(n);
    if (!kind) return params.contains(field) ? params[field] : json();
    const NodeSpec& spec = nodeSpec(*kind);
    const FieldSpec* f = spec.findField(field);
    if (!f) return params.contains(field) ? params[field] : json();
    if (!f->partOf.empty()) {
        const std::string key(f->partOf);
        if (params.contains(key) && params[key].is_array() && params[key].size() == 2) return params[key][1];
        return f->defaultValue;
    }
    const std::string key(f->name);
    const json* v = params.contains(key) ? &params[key] : nullptr;
    if (!v && !f->alias.empty() && params.contains(std::string(f->alias))) v = &params[std::string(f->alias)];
    if (!v) return defaultOf(*f);
    switch (f->type) {
        case FieldType::choice: {
            const json& c = v->is_array() && !v->empty() ? (*v)[0] : *v;
            if (c.is_number())
                if (auto nm = choiceName(*f, c.get<double>())) return *nm;
            return c;
        }
        case FieldType::flag:
            if (v->is_number()) return *v != 0;
            return *v;
        default: return *v;
    }
}

bool PatchDocument::setNodeComment(const std::string& id, const std::string& comment) {
    const int index = nodeIndex(id);
    if (index < 0) return false;
    json after = doc_;
    if (comment.empty()) after["nodes"][size_t(index)].erase("comment");
    else after["nodes"][size_t(index)]["comment"] = comment;
    return commit(std::move(after), "Comment " + juce::String(id));
}

// ---- wires ----

int PatchDocument::addWire(const std::string& from, const std::string& fromComp, const std::string& to,
                           const std::string& toComp, std::string& error) {
    if (numWires() >= limits::kMaxWires) {
        error = "a patch has at most " + std::to_string(limits::kMaxWires) + " wires";
        return -1;
    }
    const int a = nodeIndex(from), b = nodeIndex(to);
    if (a < 0) { error = "there is no node '" + from + "'"; return -1; }
    if (b < 0) { error = "there is no node '" + to + "'"; return -1; }
    const auto ka = kindOf(doc_["nodes"][size_t(a)]), kb = kindOf(doc_["nodes"][size_t(b)]);
    if (!ka || !nodeSpec(*ka).findCompartment(fromComp)) { error = "'" + from + "' has no compartment '" + fromComp + "'"; return -1; }
    if (!kb || !nodeSpec(*kb).findCompartment(toComp)) { error = "'" + to + "' has no compartment '" + toComp + "'"; return -1; }
    json after = doc_;
    json& wires = arrayOf(after, "wires");
    wires.push_back({{"from", from + "." + fromComp}, {"to", to + "." + toComp}});
    const int index = int(wires.size()) - 1;
    commit(std::move(after), "Wire " + juce::String(from) + " to " + juce::String(to));
    return index;
}

bool PatchDocument::deleteWires(std::vector<int> indices) {
    const int count = numWires();
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    indices.erase(std::remove_if(indices.begin(), indices.end(), [&](int i) { return i < 0 || i >= count; }), indices.end());
    if (indices.empty()) return false;
    json after = doc_;
    std::set<std::string> goneIds;
    json& wires = after["wires"];
    for (auto it = indices.rbegin(); it != indices.rend(); ++it) {
        const json& w = wires[size_t(*it)];
        if (w.is_object() && w.contains("id") && w["id"].is_string()) goneIds.insert(w["id"].get<std::string>());
        wires.erase(size_t(*it));
    }
    for (const auto& id : wireIdsIn(after)) goneIds.erase(id); // another wire still has it
    if (!goneIds.empty() && hasArray(after, "bindings")) {
        json bindings = json::array();
        for (auto& b : after["bindings"])
            if (!(b.is_object() && b.contains("wire") && b["wire"].is_string() && goneIds.count(b["wire"].get<std::string>())))
                bindings.push_back(std::move(b));
        after["bindings"] = std::move(bindings);
    }
    return commit(std::move(after), indices.size() == 1 ? "Delete wire" : "Delete wires");
}

bool PatchDocument::setWireField(int index, const std::string& key, const json& value) {
    static const std::set<std::string> keys{"gain", "bias", "delay", "weights", "init", "scale", "seed", "id", "comment"};
    if (index < 0 || index >= numWires() || !keys.count(key)) return false;
    json after = doc_;
    json& w = after["wires"][size_t(index)];
    if (!w.is_object()) return false;
    if (key == "id" && w.contains("id") && w["id"].is_string() && hasArray(after, "bindings")) {
        // bindings follow the wire's new id
        const json old = w["id"];
        for (auto& b : after["bindings"])
            if (b.is_object() && b.contains("wire") && b["wire"] == old) {
                if (value.is_null()) b.erase("wire");
                else b["wire"] = value;
            }
    }
    if (value.is_null()) w.erase(key);
    else w[key] = value;
    return commit(std::move(after), "Set wire " + juce::String(key));
}

int PatchDocument::numWires() const { return hasArray(doc_, "wires") ? int(doc_["wires"].size()) : 0; }

PatchDocument::WireEnds PatchDocument::wireEnds(int index) const {
    if (index < 0 || index >= numWires()) return {};
    const json& w = doc_["wires"][size_t(index)];
    if (!w.is_object()) return {};
    const auto from = w.contains("from") ? splitEnd(w["from"]) : std::pair<std::string, std::string>{};
    const auto to = w.contains("to") ? splitEnd(w["to"]) : std::pair<std::string, std::string>{};
    return {from.first, from.second, to.first, to.second};
}

// ---- bindings ----

int PatchDocument::bind(HostParam param, const std::string& node, const std::string& field, float scale, float offset, bool db) {
    if (param == HostParam::count || nodeIndex(node) < 0 || field.empty()) return -1;
    json b = {{"param", std::string(hostParamInfo(param).id)}, {"node", node}, {"field", field}};
    if (scale != 1.f) b["scale"] = tidy(scale);
    if (offset != 0.f) b["offset"] = tidy(offset);
    if (db) b["map"] = "db";
    json after = doc_;
    json& bindings = arrayOf(after, "bindings");
    int index = bindingOf(node, field);
    if (index >= 0) {
        if (bindings[size_t(index)].contains("comment")) b["comment"] = bindings[size_t(index)]["comment"];
        bindings[size_t(index)] = std::move(b);
    } else {
        bindings.push_back(std::move(b));
        index = int(bindings.size()) - 1;
    }
    commit(std::move(after), "Bind " + juce::String(node) + "." + juce::String(field));
    return index;
}

bool PatchDocument::unbind(int index) {
    if (index < 0 || index >= numBindings()) return false;
    json after = doc_;
    after["bindings"].erase(size_t(index));
    return commit(std::move(after), "Unbind");
}

int PatchDocument::bindingOf(const std::string& node, const std::string& field) const {
    for (int i = 0; i < numBindings(); ++i) {
        const json& b = doc_["bindings"][size_t(i)];
        if (b.is_object() && b.contains("node") && b["node"] == node && b.contains("field") && b["field"] == field) return i;
    }
    return -1;
}

int PatchDocument::numBindings() const { return hasArray(doc_, "bindings") ? int(doc_["bindings"].size()) : 0; }

// ---- the patch's own fields ----

bool PatchDocument::setName(const std::string& name) {
    json after = doc_;
    after["name"] = name;
    return commit(std::move(after), "Rename patch");
}

std::string PatchDocument::name() const {
    return doc_.contains("name") && doc_["name"].is_string() ? doc_["name"].get<std::string>() : std::string();
}

bool PatchDocument::setDescription(const std::string& text) {
    json after = doc_;
    if (text.empty()) after.erase("description");
    else after["description"] = text;
    return commit(std::move(after), "Describe patch");
}

bool PatchDocument::setLearning(const json& learning) {
    json after = doc_;
    if (learning.is_null()) after.erase("learning");
    else after["learning"] = learning;
    return commit(std::move(after), "Set learning");
}

// ---- copy and paste ----

std::string PatchDocument::copyNodes(const std::vector<std::string>& ids) const {
    const std::set<std::string> want(ids.begin(), ids.end());
    json clip = {{"gradedcells", "nodes"}, {"nodes", json::array()}, {"wires", json::array()}, {"bindings", json::array()}};
    std::set<std::string> copied;
    if (hasArray(doc_, "nodes"))
        for (const auto& n : doc_["nodes"])
            if (want.count(idOf(n)) && !copied.count(idOf(n))) {
                clip["nodes"].push_back(n);
                copied.insert(idOf(n));
            }
    if (copied.empty()) return {};
    std::set<std::string> wireIds;
    if (hasArray(doc_, "wires"))
        for (const auto& w : doc_["wires"])
            if (copied.count(wireNode(w, "from")) && copied.count(wireNode(w, "to"))) {
                clip["wires"].push_back(w);
                if (w.contains("id") && w["id"].is_string()) wireIds.insert(w["id"].get<std::string>());
            }
    if (hasArray(doc_, "bindings"))
        for (const auto& b : doc_["bindings"]) {
            if (!b.is_object()) continue;
            const bool onNode = b.contains("node") && b["node"].is_string() && copied.count(b["node"].get<std::string>());
            const bool onWire = b.contains("wire") && b["wire"].is_string() && wireIds.count(b["wire"].get<std::string>());
            if (onNode || onWire) clip["bindings"].push_back(b);
        }
    return clip.dump(2);
}

std::vector<std::string> PatchDocument::paste(const std::string& clipboard, float dx, float dy) {
    json clip;
    try {
        clip = json::parse(clipboard);
    } catch (const std::exception&) {
        return {};
    }
    if (!clip.is_object() || clip.value("gradedcells", json()) != "nodes" || !hasArray(clip, "nodes") || clip["nodes"].empty())
        return {};
    for (const auto& n : clip["nodes"])
        if (idOf(n).empty()) return {};
    if ((hasArray(doc_, "nodes") ? doc_["nodes"].size() : 0) + clip["nodes"].size() > size_t(limits::kMaxNodes)) return {};

    json after = doc_;
    auto taken = idsIn(after);
    std::map<std::string, std::string> ids;
    std::vector<std::string> added;
    json& nodes = arrayOf(after, "nodes");
    for (const auto& src : clip["nodes"]) {
        const std::string old = idOf(src);
        if (ids.count(old)) continue; // a duplicate in the clipboard
        const std::string fresh = freshId(old, taken);
        taken.insert(fresh);
        ids[old] = fresh;
        added.push_back(fresh);
    }
    std::set<std::string> pastedOld;
    for (json n : clip["nodes"]) {
        const std::string old = idOf(n);
        if (pastedOld.count(old)) continue;
        pastedOld.insert(old);
        n["id"] = ids[old];
        double x = 0, y = 0;
        if (n.contains("at") && n["at"].is_array() && n["at"].size() == 2 && n["at"][0].is_number() && n["at"][1].is_number()) {
            x = n["at"][0].get<double>();
            y = n["at"][1].get<double>();
        }
        n["at"] = position(x + dx, y + dy);
        if (n.contains("params") && n["params"].is_object() && n["params"].contains("tie") && n["params"]["tie"].is_string()) {
            const auto t = ids.find(n["params"]["tie"].get<std::string>());
            if (t != ids.end()) n["params"]["tie"] = t->second;
        }
        nodes.push_back(std::move(n));
    }
    auto wireTaken = wireIdsIn(after);
    std::map<std::string, std::string> wireIds;
    if (hasArray(clip, "wires")) {
        json& wires = arrayOf(after, "wires");
        for (json w : clip["wires"]) {
            if (!w.is_object()) continue;
            const auto [fromNode, fromComp] = w.contains("from") ? splitEnd(w["from"]) : std::pair<std::string, std::string>{};
            const auto [toNode, toComp] = w.contains("to") ? splitEnd(w["to"]) : std::pair<std::string, std::string>{};
            if (!ids.count(fromNode) || !ids.count(toNode)) continue;
            w["from"] = ids[fromNode] + "." + fromComp;
            w["to"] = ids[toNode] + "." + toComp;
            if (w.contains("id") && w["id"].is_string()) {
                const std::string old = w["id"].get<std::string>();
                const std::string fresh = freshId(old, wireTaken);
                wireTaken.insert(fresh);
                wireIds[old] = fresh;
                w["id"] = fresh;
            }
            wires.push_back(std::move(w));
        }
    }
    if (hasArray(clip, "bindings")) {
        json& bindings = arrayOf(after, "bindings");
        for (json b : clip["bindings"]) {
            if (!b.is_object()) continue;
            if (b.contains("node") && b["node"].is_string() && ids.count(b["node"].get<std::string>())) {
                b["node"] = ids[b["node"].get<std::string>()];
            } else if (b.contains("wire") && b["wire"].is_string() && wireIds.count(b["wire"].get<std::string>())) {
                b["wire"] = wireIds[b["wire"].get<std::string>()];
            } else {
                continue;
            }
            bindings.push_back(std::move(b));
        }
    }
    commit(std::move(after), "Paste");
    return added;
}

// ---- undo ----

bool PatchDocument::undo() { return undo_.undo(); }
bool PatchDocument::redo() { return undo_.redo(); }
bool PatchDocument::canUndo() const { return undo_.canUndo(); }
bool PatchDocument::canRedo() const { return undo_.canRedo(); }

} // namespace graded::gui
