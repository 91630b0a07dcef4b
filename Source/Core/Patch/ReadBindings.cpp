// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a patch's bindings: host parameter -> node field (from the node kind's spec) or
// wire gain/bias, checked at the ends and the default of the host range.
#include "../Engine/Bindings.h"
#include "Reading.h"

#include <set>

namespace graded::reading {
namespace {

std::string bindableList(const NodeSpec& spec) {
    std::string all;
    for (const auto& f : spec.fields)
        if (f.bindable) all += (all.empty() ? "" : ", ") + std::string(f.name);
    return all;
}

/** The node end of a binding: its field resolved in the node kind's spec. */
bool readNodeTarget(Issues& is, const json& b, const std::string& path, const Patch& patch, const NodeTable& table, PatchBinding& bind) {
    if (!b["node"].is_string() || !table.byId.count(b["node"].get<std::string>())) {
        is.add(path + "/node", "unknown node '" + (b["node"].is_string() ? b["node"].get<std::string>() : brief(b["node"])) + "'");
        return false;
    }
    bind.node = table.byId.at(b["node"].get<std::string>());
    const NodeSpec& spec = nodeSpec(patch.nodes[size_t(bind.node)].kind);
    if (bind.field.empty()) return false;
    const int fi = spec.fieldIndex(bind.field);
    if (fi < 0 || !spec.fields[fi].bindable) {
        const std::string all = bindableList(spec);
        is.add(path + "/field", "unknown field '" + bind.field + "' for " + std::string(spec.kind)
                                    + (all.empty() ? " (it has no bindable fields)" : " (one of " + all + ")"));
        return false;
    }
    bind.fieldIndex = fi;
    return true;
}

bool readWireTarget(Issues& is, const json& b, const std::string& path, const Patch& patch,
                    const std::map<std::string, int>& wireIds, PatchBinding& bind) {
    if (!b["wire"].is_string() || !wireIds.count(b["wire"].get<std::string>())) {
        is.add(path + "/wire", "unknown wire id " + brief(b["wire"]));
        return false;
    }
    bind.wire = wireIds.at(b["wire"].get<std::string>());
    const auto& w = patch.wires[size_t(bind.wire)];
    if (bind.field != "gain" && bind.field != "bias") {
        is.add(path + "/field", "a wire binds \"gain\" or \"bias\"");
        return false;
    }
    if (bind.field == "gain" && !w.weights.empty()) {
        is.add(path + "/field", "the gain of a weighted wire cannot be bound");
        return false;
    }
    bind.wireField = bind.field == "gain" ? WireField::gain : WireField::bias;
    return true;
}

/** A node field must accept the binding's value over the whole host range: the map is
    monotonic, so its ends (and the default) are checked. */
bool checkRange(Issues& is, const std::string& path, const Patch& patch, const PatchBinding& bind) {
    const FieldSpec& f = nodeSpec(patch.nodes[size_t(bind.node)].kind).fields[bind.fieldIndex];
    const auto& info = hostParamInfo(bind.param);
    for (float hv : {info.min, info.max, info.defaultValue}) {
        if (auto why = checkFieldValue(f, bindingValue(bind, hv))) {
            is.add(path, "with " + std::string(info.id) + " = " + std::to_string(hv) + ", " + bind.field + " " + *why);
            return false;
        }
    }
    return true;
}

} // namespace

void readBindings(Issues& is, const json& root, Patch& patch, const NodeTable& table, const std::map<std::string, int>& wireIds) {
    if (!root.contains("bindings")) return;
    if (!root["bindings"].is_array()) {
        is.add("/bindings", "must be an array");
        return;
    }
    const auto& bs = root["bindings"];
    for (size_t i = 0; i < bs.size(); ++i) {
        const std::string path = "/bindings/" + std::to_string(i);
        const json& b = bs[i];
        PatchBinding bind;
        if (!b.is_object()) { is.add(path, "must be an object"); continue; }
        static const std::set<std::string> known{"param", "node", "wire", "field", "scale", "offset", "map", "comment"};
        bool ok = true;
        for (auto it = b.begin(); it != b.end(); ++it)
            if (!known.count(it.key())) { is.add(path + "/" + escapePointer(it.key()), "unknown key"); ok = false; }
        if (!b.contains("param") || !b["param"].is_string()) { is.add(path + "/param", "must be a host parameter id"); ok = false; }
        else {
            bind.param = findHostParam(b["param"].get<std::string>());
            if (bind.param == HostParam::count) { is.add(path + "/param", "unknown host parameter '" + b["param"].get<std::string>() + "'"); ok = false; }
            else if (bind.param == HostParam::patch || bind.param == HostParam::step || bind.param == HostParam::reset) {
                is.add(path + "/param", "'" + b["param"].get<std::string>() + "' is used by the engine and cannot be bound");
                ok = false;
            }
        }
        double d;
        if (readNumber(is, b, "scale", path, d)) bind.scale = float(d);
        else if (b.contains("scale")) ok = false;
        if (readNumber(is, b, "offset", path, d)) bind.offset = float(d);
        else if (b.contains("offset")) ok = false;
        if (b.contains("map")) {
            if (b["map"] == "db") bind.db = true;
            else if (b["map"] != "linear") { is.add(path + "/map", "must be \"linear\" or \"db\""); ok = false; }
        }
        if (b.contains("node") == b.contains("wire")) { is.add(path, "give exactly one of \"node\" or \"wire\""); ok = false; }
        if (!b.contains("field") || !b["field"].is_string()) { is.add(path + "/field", "must be a string"); ok = false; }
        else bind.field = b["field"].get<std::string>();
        if (b.contains("node")) ok = readNodeTarget(is, b, path, patch, table, bind) && ok;
        else if (b.contains("wire")) ok = readWireTarget(is, b, path, patch, wireIds, bind) && ok;
        if (ok && bind.node >= 0) ok = checkRange(is, path, patch, bind);
        if (ok) patch.bindings.push_back(bind);
    }
}

} // namespace graded::reading
