// SPDX-License-Identifier: GPL-3.0-or-later
// loadPatch: the bounds on the text, the top-level keys, then nodes, wires, cycles, bindings.
#include "../Limits.h"
#include "Reading.h"

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace graded {

namespace {
std::string joinIssues(const std::vector<PatchIssue>& issues) {
    std::string s = "invalid patch:";
    for (const auto& i : issues) s += "\n  " + (i.path.empty() ? std::string("/") : i.path) + ": " + i.message;
    return s;
}

[[noreturn]] void reject(const std::string& message) { throw PatchError(std::vector<PatchIssue>{{"", message}}); }
} // namespace

PatchError::PatchError(std::vector<PatchIssue> issues)
    : std::runtime_error(joinIssues(issues)), issues_(std::move(issues)) {}

namespace reading {

std::string escapePointer(const std::string& s) {
    std::string o;
    for (char c : s) {
        if (c == '~') o += "~0";
        else if (c == '/') o += "~1";
        else o += c;
    }
    return o;
}

std::string brief(const json& v) {
    std::string s = v.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

bool readNumber(Issues& is, const json& obj, const std::string& key, const std::string& path, double& out) {
    if (!obj.contains(key)) return false;
    const auto& v = obj[key];
    if (!v.is_number()) {
        is.add(path + "/" + key, "must be a number");
        return false;
    }
    double d = v.get<double>();
    if (!std::isfinite(d)) {
        is.add(path + "/" + key, "must be finite");
        return false;
    }
    out = d;
    return true;
}

void readLearning(Issues& is, const json& root, Patch& patch) {
    if (!root.contains("learning")) return;
    const json& l = root["learning"];
    if (!l.is_object()) {
        is.add("/learning", "must be an object such as {\"evolve\": \"step\", \"settle\": 1}");
        return;
    }
    for (auto it = l.begin(); it != l.end(); ++it)
        if (it.key() != "evolve" && it.key() != "settle" && it.key() != "comment") is.add("/learning/" + escapePointer(it.key()), "unknown key");
    auto whole = [&](const json& v, const std::string& path, int hi, int& out) {
        if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() != std::floor(v.get<double>()) || v.get<double>() < 1
            || v.get<double>() > hi) {
            is.add(path, "must be a whole number in 1.." + std::to_string(hi));
            return;
        }
        out = int(v.get<double>());
    };
    if (l.contains("settle")) whole(l["settle"], "/learning/settle", kMaxSettleSteps, patch.learning.settle);
    if (l.contains("evolve")) {
        const json& e = l["evolve"];
        if (e == "step") {
            patch.learning.evolve = PatchLearning::Evolve::step;
        } else if (e == "episode") {
            patch.learning.evolve = PatchLearning::Evolve::episode;
        } else if (e.is_object() && e.size() == 1 && e.contains("every")) {
            patch.learning.evolve = PatchLearning::Evolve::every;
            whole(e["every"], "/learning/evolve/every", kMaxEvolveEvery, patch.learning.every);
        } else {
            is.add("/learning/evolve", "must be \"step\", \"episode\" or {\"every\": N}");
        }
    }
}

} // namespace reading

Patch loadPatch(const std::string& text) {
    using namespace reading;
    // Bounded before anything recursive or big happens: size, then nesting depth (a linear
    // scan), then the (iterative) parser.
    if (text.size() > limits::kMaxPatchBytes)
        reject("patch is " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits::kMaxPatchBytes) + " bytes");
    if (limits::jsonNestingDepth(text) > limits::kMaxJsonDepth)
        reject("JSON nested deeper than " + std::to_string(limits::kMaxJsonDepth) + " levels (a patch needs 4)");
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        reject(std::string("not valid JSON: ") + e.what());
    }
    if (!root.is_object()) reject("a patch must be a JSON object");
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
    Issues is;
    Patch patch;
    static const std::set<std::string> topKeys{"format", "name", "description", "nodes", "wires", "bindings", "learning"};
    for (auto it = root.begin(); it != root.end(); ++it)
        if (!topKeys.count(it.key())) is.add("/" + escapePointer(it.key()), "unknown key");
    if (!root.contains("format") || !root["format"].is_number_integer() || root["format"] != 1)
        is.add("/format", "must be 1");
    if (!root.contains("name") || !root["name"].is_string() || root["name"].get<std::string>().empty())
        is.add("/name", "must be a non-empty string");
    else
        patch.name = root["name"].get<std::string>();
    if (root.contains("description")) {
        if (!root["description"].is_string()) is.add("/description", "must be a string");
        else patch.description = root["description"].get<std::string>();
    }
    NodeTable table;
    std::map<std::string, int> wireIds;
    readNodes(is, root, patch, table);
    readWires(is, root, patch, table, wireIds);
    checkCycles(is, patch);
    readBindings(is, root, patch, table, wireIds);
    readLearning(is, root, patch);
    if (!is.list.empty()) throw PatchError(std::move(is.list));
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
