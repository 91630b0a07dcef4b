// SPDX-License-Identifier: GPL-3.0-or-later
#include "Engine.h"
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

using namespace graded;

namespace {
using testutil::dump;
using testutil::has;
using testutil::issuesOf;
const char* kIo = R"({"id": "in", "kind": "AudioIn", "params": {"bands": 4}}, {"id": "out", "kind": "AudioOut"})";
} // namespace

TEST_CASE("every factory patch loads - has a description - and together they use every cell kind", "[engine][patch]") {
    const auto& fp = factoryPatches();
    REQUIRE(fp.size() >= 5);
    CHECK(fp.front().name == "Predictive EQ");
    std::set<NodeKind> kinds;
    for (const auto& f : fp) {
        INFO(f.name);
        CHECK(f.description.size() > 80);
        const Patch p = loadPatch(f.json);
        for (const auto& n : p.nodes) kinds.insert(n.kind);
    }
    for (int k = 0; k < kNumCellKinds; ++k) CHECK(kinds.count(NodeKind(k)) == 1);
}

TEST_CASE("patch files on disk load with loadPatchFile", "[engine][patch]") {
    const Patch p = loadPatchFile(std::string(GRADED_PATCH_DIR) + "/PredictiveEQ.json");
    CHECK(p.name == "Predictive EQ");
    CHECK_THROWS_AS(loadPatchFile("/nonexistent/x.json"), PatchError);
}

TEST_CASE("invalid JSON and non-object roots are reported", "[engine][patch]") {
    CHECK(issuesOf("{").size() == 1);
    CHECK(has(issuesOf("[1,2]"), "", "object"));
}

TEST_CASE("a node's editor position \"at\" loads when it is two finite numbers and is named otherwise", "[engine][patch]") {
    const std::string good = std::string(R"({"format": 1, "name": "at", "nodes": [)") + kIo
                             + R"(, {"id": "z", "kind": "RateCell", "params": {"n_units": 1}, "at": [40, -12.5]}]})";
    const auto ok = issuesOf(good);
    INFO(dump(ok));
    CHECK(ok.empty());
    for (const char* bad : {R"("x")", "[1]", "[1, 2, 3]", R"([1, "2"])", "[null, 2]", "[true, 2]", "{}"}) {
        const std::string json = std::string(R"({"format": 1, "name": "at", "nodes": [)") + kIo
                                 + R"(, {"id": "z", "kind": "RateCell", "params": {"n_units": 1}, "at": )" + bad + "}]}";
        const auto v = issuesOf(json);
        INFO(bad << "\n" << dump(v));
        REQUIRE(v.size() == 1);
        CHECK(v[0].path == "/nodes/2/at");
        CHECK(v[0].message.find("two finite numbers") != std::string::npos);
    }
}

TEST_CASE("a bad patch reports every problem with its JSON path", "[engine][patch]") {
    const std::string json = std::string(R"({
      "format": 2, "name": "bad", "extra": 1,
      "nodes": [)") + kIo + R"(,
        {"id": "a", "kind": "RateCell", "params": {"n_units": 4, "tau_m": 10, "act_fx": "nope"}},
        {"id": "b", "kind": "GaussianErrorCell", "params": {"n_units": 4, "sigma": -1}},
        {"id": "c", "kind": "Banana"},
        {"id": "a", "kind": "RateCell", "params": {"n_units": 4, "batch_size": 2}},
        {"id": "d", "kind": "RateCell", "params": {"n_units": 3, "bogus": 1}},
        {"id": "e", "kind": "RateCell", "params": {"n_units": 4}},
        {"id": "f", "kind": "RateCell", "params": {"n_units": 4}},
        {"id": "g", "kind": "RateCell", "params": {"n_units": 3}},
        {"id": "h", "kind": "LeakyNoiseCell", "params": {"n_units": 4}}
      ],
      "wires": [
        {"from": "in.bands", "to": "zzz.j"},
        {"from": "in.bands", "to": "e.nope"},
        {"from": "in.bands", "to": "g.j"},
        {"from": "e.zF", "to": "f.j"},
        {"from": "f.zF", "to": "e.j"},
        {"from": "in.bands", "to": "e.zF"},
        {"from": "in.bands", "to": "g.j", "weights": [[1, 2], [3, 4]]},
        {"from": "in.bands", "to": "h.j_input", "init": "identity", "bias": [1, 2]},
        {"from": "in.bands", "to": "h.j_input", "gain": "loud"},
        {"from": "nodot", "to": "h.j_input"}
      ],
      "bindings": [
        {"param": "nope", "node": "e", "field": "tau_m"},
        {"param": "tau", "node": "e", "field": "nope"},
        {"param": "tau", "node": "zzz", "field": "tau_m"},
        {"param": "tau", "node": "h", "field": "tau_x", "offset": -5000},
        {"param": "focus", "wire": "nowire", "field": "gain"},
        {"param": "step", "node": "e", "field": "tau_m"}
      ]
    })";
    const auto v = issuesOf(json);
    INFO(dump(v));
    CHECK(has(v, "/format", "must be 1"));
    CHECK(has(v, "/extra", "unknown key"));
    CHECK(has(v, "/nodes/2/params/act_fx", "unknown activation"));
    CHECK(has(v, "/nodes/3/params/sigma", "> 0"));
    CHECK(has(v, "/nodes/4/kind", "unknown node kind 'Banana'"));
    CHECK(has(v, "/nodes/5/id", "duplicate"));
    CHECK(has(v, "/nodes/5/params/batch_size", "set by the engine"));
    CHECK(has(v, "/nodes/6/params/bogus", "unknown parameter"));
    CHECK(has(v, "/wires/0/to", "unknown node 'zzz'"));
    CHECK(has(v, "/wires/1/to", "unknown compartment 'nope'"));
    CHECK(has(v, "/wires/2", "size mismatch"));
    CHECK(has(v, "/wires/3", "cycle without a delay"));
    CHECK(has(v, "/wires/4", "cycle without a delay"));
    CHECK(has(v, "/wires/5/to", "not an input"));
    CHECK(has(v, "/wires/6/weights", "size mismatch"));
    CHECK(has(v, "/wires/7/bias"));
    CHECK(has(v, "/wires/8/gain", "number"));
    CHECK(has(v, "/wires/9/from", "node.compartment"));
    CHECK(has(v, "/bindings/0/param", "unknown host parameter"));
    CHECK(has(v, "/bindings/1/field", "unknown field 'nope'"));
    CHECK(has(v, "/bindings/2/node", "unknown node"));
    CHECK(has(v, "/bindings/3", "tau_x must be > 0"));
    CHECK(has(v, "/bindings/4/wire", "unknown wire"));
    CHECK(has(v, "/bindings/5/param", "cannot be bound"));
    CHECK(v.size() >= 24);
}

TEST_CASE("only the wires of a cycle are reported, not those downstream or upstream of it", "[engine][patch]") {
    const std::string json = R"({"format": 1, "name": "c",
      "nodes": [{"id": "in", "kind": "AudioIn"}, {"id": "a", "kind": "RateCell", "params": {"n_units": 16}},
                {"id": "b", "kind": "GaussianErrorCell", "params": {"n_units": 16}},
                {"id": "c", "kind": "RateCell", "params": {"n_units": 16}},
                {"id": "d", "kind": "RateCell", "params": {"n_units": 16}},
                {"id": "self", "kind": "RateCell", "params": {"n_units": 16}},
                {"id": "out", "kind": "AudioOut"}],
      "wires": [{"from": "in.bands", "to": "b.target"},
                {"from": "a.zF", "to": "b.mu"},
                {"from": "b.dmu", "to": "a.j"},
                {"from": "b.dmu", "to": "out.bandGains"},
                {"from": "b.dmu", "to": "c.j"},
                {"from": "c.zF", "to": "d.j"},
                {"from": "self.zF", "to": "self.j"},
                {"from": "c.zF", "to": "d.j_td", "delay": true}]})";
    const auto v = issuesOf(json);
    INFO(dump(v));
    CHECK(has(v, "/wires/1", "part of a cycle without a delay (a -> b)"));
    CHECK(has(v, "/wires/2", "part of a cycle without a delay (b -> a)"));
    CHECK(has(v, "/wires/6", "part of a cycle without a delay (self -> self)"));
    CHECK(v.size() == 3); // not in -> b (upstream), b -> out, b -> c, c -> d (downstream)
}

TEST_CASE("a cycle with a delayed wire is accepted - missing I/O nodes are reported", "[engine][patch]") {
    const std::string ok = std::string(R"({"format": 1, "name": "loop", "nodes": [)") + kIo + R"(,
        {"id": "e", "kind": "RateCell", "params": {"n_units": 4}},
        {"id": "f", "kind": "RateCell", "params": {"n_units": 4}}],
      "wires": [{"from": "e.zF", "to": "f.j"}, {"from": "f.zF", "to": "e.j", "delay": true}]})";
    CHECK_NOTHROW(loadPatch(ok));
    const auto v = issuesOf(R"({"format": 1, "name": "x", "nodes": []})");
    CHECK(has(v, "/nodes", "AudioIn"));
    CHECK(has(v, "/nodes", "AudioOut"));
    const auto w = issuesOf(R"({"format": 1, "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 65, "compress": "cube"}}, {"id": "out", "kind": "AudioOut", "params": {"gains": "x", "loud": 1}}]})");
    CHECK(has(w, "/name"));
    CHECK(has(w, "/nodes/0/params/bands"));
    CHECK(has(w, "/nodes/0/params/compress"));
    CHECK(has(w, "/nodes/1/params/gains"));
    CHECK(has(w, "/nodes/1/params/loud", "unknown parameter"));
}

TEST_CASE("PatchError's what() lists every issue", "[engine][patch]") {
    try {
        loadPatch(R"({"format": 3, "name": ""})");
        FAIL("no throw");
    } catch (const PatchError& e) {
        const std::string w = e.what();
        CHECK(w.find("/format") != std::string::npos);
        CHECK(w.find("/name") != std::string::npos);
        CHECK(w.find("/nodes") != std::string::npos);
    }
}
