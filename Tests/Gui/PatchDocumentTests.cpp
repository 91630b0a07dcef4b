// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench's document model (Source/Gui/PatchDocument.h): edits, undo, issues, layout,
// copy and paste, templates. No display needed.
#include <catch2/catch.hpp>

#include "PatchDocument.h"

#include <Graph/Engine.h>
#include <Patch/NodeSpecs.h>

#include <cmath>
#include <random>

using namespace graded;
using graded::gui::DocIssue;
using graded::gui::PatchDocument;
using json = nlohmann::json;

namespace {

std::string dumpIssues(const PatchDocument& d) {
    std::string s;
    for (const auto& i : d.issues()) s += i.path + ": " + i.message + "\n";
    return s;
}

std::string factoryJson(const std::string& name) {
    for (const auto& p : factoryPatches())
        if (p.name == name) return p.json;
    FAIL("no factory patch " << name);
    return {};
}

const json& nodeJson(const PatchDocument& d, const std::string& id) {
    const int i = d.nodeIndex(id);
    REQUIRE(i >= 0);
    return d.doc()["nodes"][size_t(i)];
}

json at(const PatchDocument& d, const std::string& id) { return nodeJson(d, id)["at"]; }

std::vector<std::string> wireStrings(const PatchDocument& d) {
    std::vector<std::string> v;
    for (int i = 0; i < d.numWires(); ++i) {
        const auto e = d.wireEnds(i);
        v.push_back(e.from + "." + e.fromComp + ">" + e.to + "." + e.toComp);
    }
    return v;
}

} // namespace

TEST_CASE("a patch built from the empty template through the API becomes valid - undo goes back to the start exactly, redo to the end", "[doc]") {
    PatchDocument d;
    int changes = 0;
    d.onChange = [&] { ++changes; };
    d.newFromTemplate(PatchDocument::Template::empty, "Built");
    const json start = d.doc();
    CHECK(start == json::parse(R"({"format": 1, "name": "Built", "nodes": [], "wires": [], "bindings": []})"));
    CHECK_FALSE(d.valid());
    std::vector<json> states{start};
    const int rev0 = d.revision();
    auto step = [&] { states.push_back(d.doc()); };

    CHECK(d.addNode(NodeKind::AudioIn, 40.f, 40.f) == "in"); step();
    CHECK(d.addNode(NodeKind::AudioOut, 640.4f, 39.6f) == "out"); step();
    CHECK(at(d, "out") == json::array({640, 40}));
    CHECK(d.valid());
    CHECK(d.addNode(NodeKind::RateCell, 240, 40) == "rate1"); step();
    CHECK(d.addNode(NodeKind::GaussianErrorCell, 440, 40) == "gauss1"); step();
    CHECK(d.setNodeParam("rate1", "n_units", 16)); step();
    CHECK(d.setNodeParam("gauss1", "n_units", 16)); step();
    CHECK(d.setNodeParam("rate1", "tau_m", 20)); step();
    CHECK(d.setNodeParam("rate1", "prior_gamma", 0.3)); step();
    CHECK(nodeJson(d, "rate1")["params"]["prior"] == json::array({"gaussian", 0.3}));
    CHECK(d.setNodeParam("rate1", "act_fx", 4)); step();
    CHECK(nodeJson(d, "rate1")["params"]["act_fx"] == "tanh");
    std::string error;
    CHECK(d.addWire("in", "bands", "gauss1", "target", error) == 0); step();
    CHECK(d.addWire("rate1", "zF", "gauss1", "mu", error) == 1); step();
    CHECK(d.addWire("gauss1", "dmu", "rate1", "j", error) == 2); step();
    // rate1 -> gauss1 -> rate1 without a delay: every wire of the cycle is reported
    CHECK_FALSE(d.issuesOf(DocIssue::Target::wire, 1).empty());
    CHECK_FALSE(d.issuesOf(DocIssue::Target::wire, 2).empty());
    CHECK(d.issuesOf(DocIssue::Target::wire, 0).empty());
    CHECK(d.setWireField(2, "delay", true)); step();
    CHECK(d.addWire("gauss1", "dmu", "out", "bandGains", error) == 3); step();
    CHECK(d.bind(HostParam::tau, "rate1", "tau_m", 2.5f) == 0); step();
    INFO(dumpIssues(d));
    CHECK(d.valid());
    CHECK(d.doc()["bindings"] == json::parse(R"([{"param": "tau", "node": "rate1", "field": "tau_m", "scale": 2.5}])"));
    CHECK(d.doc()["wires"][2] == json::parse(R"({"from": "gauss1.dmu", "to": "rate1.j", "delay": true})"));
    const int edits = int(states.size()) - 1;
    CHECK(edits == 15);
    CHECK(d.revision() == rev0 + edits);
    CHECK(changes == edits + 1);
    const json end = d.doc();

    for (int i = edits - 1; i >= 0; --i) {
        REQUIRE(d.undo());
        CHECK(d.doc() == states[size_t(i)]);
    }
    CHECK(d.doc() == start);
    CHECK_FALSE(d.valid());
    for (int i = 1; i <= edits; ++i) {
        REQUIRE(d.redo());
        CHECK(d.doc() == states[size_t(i)]);
    }
    CHECK(d.doc() == end);
    CHECK_FALSE(d.canRedo());
    CHECK(d.valid());
    CHECK(d.revision() == rev0 + 3 * edits);
}

TEST_CASE("an edit that changes nothing is no undo step", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    d.addNode(NodeKind::RateCell, 0, 0);
    CHECK(d.setNodeParam("rate1", "tau_m", 30));
    const int rev = d.revision();
    CHECK_FALSE(d.setNodeParam("rate1", "tau_m", 30));
    CHECK_FALSE(d.moveNode("rate1", 0, 0));
    CHECK_FALSE(d.setNodeParam("nobody", "tau_m", 1));
    CHECK_FALSE(d.deleteNodes({"nobody"}));
    CHECK(d.revision() == rev);
    REQUIRE(d.undo());
    CHECK(d.nodeParam("rate1", "tau_m") == 10.0);
}

TEST_CASE("text round-trips through loadJson - engine text has no positions and ignores the layout", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    PatchDocument e;
    std::string error;
    REQUIRE(e.loadJson(d.text(), false, error));
    CHECK(e.doc() == d.doc());
    CHECK(e.text() == d.text());
    CHECK_FALSE(e.canUndo());
    CHECK(e.text().find("\"at\"") != std::string::npos);
    CHECK(d.engineText().find("\"at\"") == std::string::npos);
    REQUIRE(e.moveNodes(e.nodeIds(), 100.f, -50.f));
    CHECK(at(e, "z1") == json::array({770, 50}));  // (670, 100) moved
    CHECK(e.text() != d.text());
    CHECK(e.engineText() == d.engineText());
    CHECK(json::parse(e.engineText())["nodes"].size() == 10);
}

TEST_CASE("loadJson lays out nodes without positions in columns by wire depth", "[doc]") {
    PatchDocument d;
    std::string error;
    REQUIRE(d.loadJson(factoryJson("Timbre Learner"), false, error));
    INFO(dumpIssues(d));
    CHECK(d.valid());
    CHECK_FALSE(d.canUndo());
    // in 0, feedback 0 (its only input is delayed), cause 1, listen 1, dict 2 (pre is learning),
    // error 3 (dict.outputs -> error.mu), out right of everything
    CHECK(at(d, "in") == json::array({40, 40}));
    CHECK(at(d, "feedback") == json::array({40, 150}));
    CHECK(at(d, "cause") == json::array({240, 40}));
    CHECK(at(d, "listen") == json::array({240, 150}));
    CHECK(at(d, "dict") == json::array({440, 40}));
    CHECK(at(d, "error") == json::array({640, 40}));
    CHECK(at(d, "out") == json::array({840, 40}));
    CHECK(d.nodePosition(d.nodeIndex("error")) == juce::Point<float>(640.f, 40.f));

    // positions already there are kept; an undelayed cycle does not hang the layout
    const std::string loop = R"({"format": 1, "name": "loop", "nodes": [
        {"id": "in", "kind": "AudioIn", "at": [7, 8]}, {"id": "out", "kind": "AudioOut"},
        {"id": "a", "kind": "RateCell", "params": {"n_units": 16}},
        {"id": "b", "kind": "RateCell", "params": {"n_units": 16}}],
      "wires": [{"from": "in.bands", "to": "a.j"}, {"from": "a.zF", "to": "b.j"}, {"from": "b.zF", "to": "a.j"}]})";
    REQUIRE(d.loadJson(loop, true, error));
    CHECK(d.canUndo());
    CHECK(at(d, "in") == json::array({7, 8}));
    CHECK(at(d, "a") == json::array({240, 40}));
    CHECK(at(d, "b") == json::array({440, 40}));
    CHECK(at(d, "out") == json::array({640, 40}));
    CHECK_FALSE(d.issuesOf(DocIssue::Target::wire, 1).empty());
}

TEST_CASE("loadJson refuses what is not a JSON object and leaves the document alone", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    const json before = d.doc();
    const int rev = d.revision();
    for (const char* bad : {"{", "[1, 2]", "\"patch\"", ""}) {
        std::string error;
        CHECK_FALSE(d.loadJson(bad, true, error));
        CHECK_FALSE(error.empty());
    }
    CHECK(d.doc() == before);
    CHECK(d.revision() == rev);
    std::string error;
    CHECK(d.loadJson(R"({"format": 1})", true, error));  // invalid patches load and show their issues
    CHECK_FALSE(d.valid());
    CHECK(d.issuesOf(DocIssue::Target::patch, -1).size() == d.issues().size());
}

TEST_CASE("deleting nodes removes their wires, bindings, ties and bindings of their wires", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    REQUIRE(d.numWires() == 17);
    REQUIRE(d.numBindings() == 2);
    REQUIRE(d.deleteNodes({"W1"}));
    CHECK(d.nodeIndex("W1") == -1);
    CHECK_FALSE(nodeJson(d, "E1")["params"].contains("tie"));
    CHECK(d.numWires() == 13);
    for (const auto& w : wireStrings(d)) CHECK(w.find("W1.") == std::string::npos);
    CHECK(d.numBindings() == 2);
    INFO(dumpIssues(d));
    CHECK(d.valid());
    REQUIRE(d.deleteNodes({"e0", "nobody"}));
    CHECK(d.numWires() == 9);
    CHECK(d.numBindings() == 1);
    CHECK(d.doc()["bindings"][0]["node"] == "z1");
    REQUIRE(d.undo());
    REQUIRE(d.undo());
    PatchDocument fresh;
    fresh.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    CHECK(d.doc() == fresh.doc());

    std::string error;
    REQUIRE(d.loadJson(factoryJson("Timbre Learner"), false, error));
    REQUIRE(d.numBindings() == 5);
    REQUIRE(d.deleteNodes({"out"}));  // takes the wire "hear" and its two focus bindings
    CHECK(d.numBindings() == 3);
    for (const auto& b : d.doc()["bindings"]) CHECK_FALSE(b.contains("wire"));
    CHECK(d.numWires() == 10);
}

TEST_CASE("renaming a node renames every reference to it", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    std::string error;
    REQUIRE(d.renameNode("W1", "dict", error));
    REQUIRE(d.renameNode("z1", "cause", error));
    CHECK(nodeJson(d, "E1")["params"]["tie"] == "dict");
    CHECK(d.doc()["bindings"][0]["node"] == "cause");
    const auto w = wireStrings(d);
    CHECK(w[2] == "cause.zF>dict.inputs");
    CHECK(w[3] == "dict.outputs>e0.mu");
    CHECK(w[6] == "cause.zF>dict.pre");
    CHECK(w[8] == "cause.z>e1.target");
    CHECK(w[15] == "e1.dtarget>cause.j_td");
    for (const auto& s : w) {
        CHECK(s.find("W1.") == std::string::npos);
        CHECK(s.find("z1.") == std::string::npos);
    }
    INFO(dumpIssues(d));
    CHECK(d.valid());
    const json before = d.doc();
    CHECK_FALSE(d.renameNode("e0", "", error));
    CHECK_FALSE(error.empty());
    error.clear();
    CHECK_FALSE(d.renameNode("e0", "a.b", error));
    CHECK_FALSE(error.empty());
    error.clear();
    CHECK_FALSE(d.renameNode("e0", "e1", error));
    CHECK_FALSE(error.empty());
    error.clear();
    CHECK_FALSE(d.renameNode("nobody", "x", error));
    CHECK_FALSE(error.empty());
    CHECK(d.doc() == before);
}

TEST_CASE("copy and paste: fresh ids, the wires and ties among the copies, one undo step", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    const json before = d.doc();
    const std::string clip = d.copyNodes({"z2", "W2", "E2"});
    const json c = json::parse(clip);
    CHECK(c["gradedcells"] == "nodes");
    CHECK(c["nodes"].size() == 3);
    CHECK(c["wires"].size() == 3);  // z2 -> W2.inputs, E2 -> z2.j, z2 -> W2.pre
    CHECK(c["bindings"].empty());
    const auto ids = d.paste(clip, 10.f, 20.f);
    CHECK(ids == std::vector<std::string>{"W3", "E3", "z3"});
    CHECK(nodeJson(d, "E3")["params"]["tie"] == "W3");
    CHECK(at(d, "z3") == json::array({680, 390})); // z2 (670, 370) + (10, 20)
    CHECK(d.numWires() == 20);
    const auto w = wireStrings(d);
    CHECK(w[17] == "z3.zF>W3.inputs");
    CHECK(w[18] == "E3.outputs>z3.j");
    CHECK(w[19] == "z3.zF>W3.pre");
    INFO(dumpIssues(d));
    CHECK(d.valid());
    REQUIRE(d.undo());
    CHECK(d.doc() == before);

    // a binding on a copied node follows it
    const auto one = d.paste(d.copyNodes({"z1"}), 0.f, 0.f);
    CHECK(one == std::vector<std::string>{"z3"});
    CHECK(d.numBindings() == 3);
    CHECK(d.doc()["bindings"][2] == json::parse(R"({"param": "tau", "node": "z3", "field": "tau_m", "scale": 2.5})"));

    const int rev = d.revision();
    CHECK(d.paste("hello", 0, 0).empty());
    CHECK(d.paste(R"({"gradedcells": "other", "nodes": [{"id": "x", "kind": "RateCell"}]})", 0, 0).empty());
    CHECK(d.paste(R"({"gradedcells": "nodes", "nodes": []})", 0, 0).empty());
    CHECK(d.revision() == rev);
    CHECK(d.copyNodes({"nobody"}).empty());
}

TEST_CASE("issues land on the node, wire or binding they concern", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    REQUIRE(d.valid());
    d.addNode(NodeKind::GaussianErrorCell, 0, 0);  // node 2
    REQUIRE(d.setNodeParam("gauss1", "sigma", -5));
    REQUIRE(d.issues().size() == 1);
    CHECK(d.issues()[0].target == DocIssue::Target::node);
    CHECK(d.issues()[0].index == 2);
    CHECK(d.issues()[0].path == "/nodes/2/params/sigma");
    CHECK(d.issues()[0].message == "must be > 0 (got -5.000000)");
    CHECK(d.issuesOf(DocIssue::Target::node, 2).size() == 1);
    CHECK(d.issuesOf(DocIssue::Target::node, 1).empty());
    REQUIRE(d.setNodeParam("gauss1", "sigma", nullptr));
    CHECK(d.valid());

    std::string error;
    CHECK(d.addWire("in", "bands", "gauss1", "nope", error) == -1);
    CHECK(error == "'gauss1' has no compartment 'nope'");
    CHECK(d.addWire("in", "bands", "nobody", "j", error) == -1);
    CHECK(d.numWires() == 0);
    json bad = d.doc();
    bad["wires"] = json::parse(R"([{"from": "in.bands", "to": "gauss1.target"}, {"from": "in.level", "to": "gauss1.nope"}])");
    REQUIRE(d.loadJson(bad.dump(), true, error));
    REQUIRE(d.issues().size() == 2);
    // gauss1 has 1 unit, the bands 16; the second wire's end is no compartment
    CHECK(d.issues()[0].target == DocIssue::Target::wire);
    CHECK(d.issues()[0].index == 0);
    CHECK(d.issues()[0].path.rfind("/wires/0", 0) == 0);
    CHECK(d.issuesOf(DocIssue::Target::wire, 1).size() == 1);
    CHECK(d.issuesOf(DocIssue::Target::wire, 1)[0].path == "/wires/1/to");
    CHECK(d.issuesOf(DocIssue::Target::wire, 1)[0].message.rfind("unknown compartment 'nope'", 0) == 0);
    REQUIRE(d.deleteWires({1, 0, 7}));
    CHECK(d.valid());

    CHECK(d.bind(HostParam::tau, "gauss1", "tau_m") == 0);
    REQUIRE(d.issuesOf(DocIssue::Target::binding, 0).size() == 1);
    CHECK(d.issuesOf(DocIssue::Target::binding, 0)[0].path == "/bindings/0/field");
    CHECK(d.bind(HostParam::sigma, "gauss1", "sigma", 0.1f, 0.f, true) == 1);
    CHECK(d.doc()["bindings"][1] == json::parse(R"({"param": "sigma", "node": "gauss1", "field": "sigma", "scale": 0.1, "map": "db"})"));
    CHECK(d.bindingOf("gauss1", "sigma") == 1);
    CHECK(d.bind(HostParam::scale, "gauss1", "sigma", 1.f, 0.5f) == 1);  // replaces the binding of that field
    CHECK(d.numBindings() == 2);
    CHECK(d.doc()["bindings"][1] == json::parse(R"({"param": "scale", "node": "gauss1", "field": "sigma", "offset": 0.5})"));
    CHECK(d.bind(HostParam::count, "gauss1", "sigma") == -1);
    REQUIRE(d.unbind(0));
    CHECK_FALSE(d.unbind(5));
    CHECK(d.valid());
    CHECK(d.bindingOf("gauss1", "sigma") == 0);
}

TEST_CASE("run issues are parsed by path and cleared by the next change", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    d.addNode(NodeKind::RateCell, 0, 0);
    REQUIRE(d.valid());
    d.addRunIssues("/nodes/2/params/n_units: too many units for the budget\nthe patch needs 140 % of the real-time budget\n"
                   "/wires/3: too slow\n/bindings/0/field: hm\n\n");
    REQUIRE(d.issues().size() == 4);
    CHECK(d.issues()[0].target == DocIssue::Target::node);
    CHECK(d.issues()[0].index == 2);
    CHECK(d.issues()[0].path == "/nodes/2/params/n_units");
    CHECK(d.issues()[0].message == "too many units for the budget");
    CHECK(d.issues()[1].target == DocIssue::Target::patch);
    CHECK(d.issues()[1].index == -1);
    CHECK(d.issues()[1].message == "the patch needs 140 % of the real-time budget");
    CHECK(d.issues()[2].target == DocIssue::Target::wire);
    CHECK(d.issues()[2].index == 3);
    CHECK(d.issues()[2].message == "too slow");
    CHECK(d.issues()[3].target == DocIssue::Target::binding);
    CHECK(d.issues()[3].index == 0);
    CHECK_FALSE(d.valid());
    REQUIRE(d.moveNode("rate1", 5, 5));
    CHECK(d.valid());
}

TEST_CASE("node parameters: defaults from the spec, pairs, choices by name or index, flags, synapse keys", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    d.addNode(NodeKind::RateCell, 0, 0);
    CHECK(d.nodeParam("rate1", "n_units") == 1);
    CHECK(d.nodeParam("rate1", "tau_m") == 10.0);
    CHECK(d.nodeParam("rate1", "prior") == "gaussian");
    CHECK(d.nodeParam("rate1", "prior_gamma") == 0.0);
    CHECK(d.nodeParam("rate1", "act_fx") == "identity");
    CHECK(d.nodeParam("rate1", "nope").is_null());
    CHECK(d.nodeParam("nobody", "tau_m").is_null());
    CHECK(d.nodeParam("in", "compress") == "db");
    CHECK(d.nodeParam("in", "bands") == 16);

    REQUIRE(d.setNodeParam("rate1", "prior", "laplacian"));
    CHECK(nodeJson(d, "rate1")["params"]["prior"] == json::array({"laplacian", 0.0}));
    REQUIRE(d.setNodeParam("rate1", "prior_gamma", 0.3));
    CHECK(nodeJson(d, "rate1")["params"]["prior"] == json::array({"laplacian", 0.3}));
    REQUIRE(d.setNodeParam("rate1", "prior", 2));
    CHECK(nodeJson(d, "rate1")["params"]["prior"] == json::array({"cauchy", 0.3}));
    CHECK(d.nodeParam("rate1", "prior") == "cauchy");
    CHECK(d.nodeParam("rate1", "prior_gamma") == 0.3);
    REQUIRE(d.setNodeParam("rate1", "prior_gamma", nullptr));
    CHECK(nodeJson(d, "rate1")["params"]["prior"] == json::array({"cauchy", 0.0}));
    REQUIRE(d.setNodeParam("rate1", "prior", nullptr));
    CHECK_FALSE(nodeJson(d, "rate1")["params"].contains("prior"));
    REQUIRE(d.setNodeParam("rate1", "threshold_lambda", 0.05));
    CHECK(nodeJson(d, "rate1")["params"]["threshold"] == json::array({"none", 0.05}));
    REQUIRE(d.setNodeParam("rate1", "integration_type", 2));
    CHECK(nodeJson(d, "rate1")["params"]["integration_type"] == "rk4");
    REQUIRE(d.setNodeParam("in", "compress", 0));
    CHECK(nodeJson(d, "in")["params"]["compress"] == "linear");
    INFO(dumpIssues(d));
    CHECK(d.valid());

    d.addNode(NodeKind::BernoulliErrorCell, 0, 0);
    CHECK(d.nodeParam("bernoulli1", "input_logits") == false);
    REQUIRE(d.setNodeParam("bernoulli1", "input_logits", 1));
    CHECK(nodeJson(d, "bernoulli1")["params"]["input_logits"] == true);
    CHECK(d.nodeParam("bernoulli1", "input_logits") == true);

    d.addNode(NodeKind::HebbianSynapse, 0, 0);
    CHECK(d.nodeParam("H1", "shape") == json::array({1, 1}));
    CHECK(d.nodeParam("H1", "eta") == 0.0);
    REQUIRE(d.setNodeParam("H1", "shape", json::array({2, 3})));
    REQUIRE(d.setNodeParam("H1", "weight_init", json::parse(R"({"dist": "uniform", "amin": 0, "amax": 0.1})")));
    REQUIRE(d.setNodeParam("H1", "prior", json::array({"l2", 0.01})));
    CHECK(nodeJson(d, "H1")["params"] == json::parse(R"({"shape": [2, 3], "weight_init": {"dist": "uniform", "amin": 0, "amax": 0.1}, "prior": ["l2", 0.01]})"));
    CHECK(d.valid());
    REQUIRE(d.setNodeParam("H1", "tie", "nobody"));
    CHECK(d.issuesOf(DocIssue::Target::node, d.nodeIndex("H1")).at(0).path == "/nodes/4/params/tie");
    REQUIRE(d.setNodeComment("H1", "learns"));
    CHECK(nodeJson(d, "H1")["comment"] == "learns");
}

TEST_CASE("every node kind can be added and is valid on its own", "[doc]") {
    const std::pair<NodeKind, const char*> kinds[] = {
        {NodeKind::RateCell, "rate1"}, {NodeKind::GaussianErrorCell, "gauss1"}, {NodeKind::LaplacianErrorCell, "laplace1"},
        {NodeKind::BernoulliErrorCell, "bernoulli1"}, {NodeKind::LeakyNoiseCell, "noise1"}, {NodeKind::RewardErrorCell, "reward1"},
        {NodeKind::AudioIn, "in2"}, {NodeKind::AudioOut, "out2"}, {NodeKind::DenseSynapse, "W1"}, {NodeKind::HebbianSynapse, "H1"}};
    REQUIRE(std::size(kinds) == size_t(kNumNodeKinds));
    for (const auto& [kind, id] : kinds) {
        INFO(kNodeKindNames[int(kind)]);
        PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
        CHECK(d.addNode(kind, 100, 200) == id);
        const int i = d.nodeIndex(id);
        REQUIRE(i == 2);
        CHECK(d.nodeKind(i) == kind);
        CHECK(d.nodePosition(i) == juce::Point<float>(100.f, 200.f));
        INFO(dumpIssues(d));
        if (kind == NodeKind::AudioIn || kind == NodeKind::AudioOut) {
            // a patch has exactly one of each
            REQUIRE(d.issues().size() == 1);
            CHECK(d.issues()[0].target == DocIssue::Target::node);
            CHECK(d.issues()[0].index == 2);
        } else {
            CHECK(d.valid());
        }
        // ports: the spec's wireable compartments, inputs first
        const auto ports = d.ports(i);
        int inputs = 0, outputs = 0;
        for (const auto& c : nodeSpec(kind).compartments) {
            if (c.role == CompartmentRole::input) ++inputs;
            else if (!(isSynapseKind(kind) && c.role == CompartmentRole::state)) ++outputs;
        }
        REQUIRE(int(ports.size()) == inputs + outputs);
        for (int k = 0; k < int(ports.size()); ++k) CHECK(ports[size_t(k)].output == (k >= inputs));
    }
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough, "T");
    CHECK(d.addNode(NodeKind::RateCell, 0, 0) == "rate1");
    CHECK(d.addNode(NodeKind::RateCell, 0, 0) == "rate2");
    std::vector<std::string> names;
    for (const auto& p : d.ports(d.nodeIndex("rate1"))) names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"j", "j_td", "z", "zF"});
    d.addNode(NodeKind::HebbianSynapse, 0, 0);
    names.clear();
    for (const auto& p : d.ports(d.nodeIndex("H1"))) names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"inputs", "gate", "pre", "post", "outputs"});
}

TEST_CASE("templates: empty is invalid at the patch level, the others are valid - the two-layer circuit runs", "[doc]") {
    CHECK(PatchDocument::templateNames() == juce::StringArray{"Empty graph", "Audio in to out", "Two-layer predictive coding"});
    PatchDocument empty;
    empty.newFromTemplate(PatchDocument::Template::empty, "T");
    REQUIRE_FALSE(empty.valid());
    CHECK(empty.issuesOf(DocIssue::Target::patch, -1).size() == empty.issues().size());
    CHECK(empty.issues()[0].path == "/nodes");
    CHECK(empty.name() == "T");

    PatchDocument pass;
    pass.newFromTemplate(PatchDocument::Template::passThrough, "T");
    INFO(dumpIssues(pass));
    CHECK(pass.valid());
    CHECK(pass.nodeIds() == std::vector<std::string>{"in", "out"});
    CHECK(pass.numWires() == 0);

    PatchDocument pc;
    pc.newFromTemplate(PatchDocument::Template::twoLayerPC, "T");
    INFO(dumpIssues(pc));
    REQUIRE(pc.valid());
    for (const auto& n : pc.doc()["nodes"]) CHECK(n["at"].is_array());
    CHECK(pc.doc()["learning"] == json::parse(R"({"settle": 2, "evolve": "step"})"));
    const Patch patch = loadPatch(pc.engineText());
    int hebbian = 0;
    for (const auto& n : patch.nodes) hebbian += n.kind == NodeKind::HebbianSynapse;
    CHECK(hebbian == 2);
    CHECK(patch.bands() == 16);

    auto engine = Engine::create(patch, {48000.0, 2, 64});
    REQUIRE(engine);
    auto weights = [&](const char* node, int rows) {
        std::vector<float> all;
        for (int r = 0; r < rows; ++r) {
            const auto row = engine->probe(node, "weights", r);
            all.insert(all.end(), row.begin(), row.end());
        }
        return all;
    };
    const auto w1 = weights("W1", 8), w2 = weights("W2", 4);
    REQUIRE(w1.size() == 8 * 16);
    REQUIRE(w2.size() == 4 * 8);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-0.3f, 0.3f);
    std::vector<std::vector<float>> sig(2, std::vector<float>(48000));
    for (auto& ch : sig)
        for (auto& x : ch) x = u(rng);
    for (int pos = 0; pos < 48000; pos += 480) {
        float* p[2] = {sig[0].data() + pos, sig[1].data() + pos};
        engine->process(p, 2, 480);
    }
    double energy = 0;
    bool finite = true;
    for (const auto& ch : sig)
        for (float x : ch) {
            finite = finite && std::isfinite(x);
            energy += double(x) * x;
        }
    CHECK(finite);
    CHECK(energy > 1e-3);
    // both dictionaries learned
    const auto w1After = weights("W1", 8), w2After = weights("W2", 4);
    double moved1 = 0, moved2 = 0;
    for (size_t k = 0; k < w1.size(); ++k) moved1 += std::fabs(w1After[k] - w1[k]);
    for (size_t k = 0; k < w2.size(); ++k) moved2 += std::fabs(w2After[k] - w2[k]);
    INFO("W1 moved " << moved1 << ", W2 moved " << moved2);
    CHECK(moved1 > 1.0);
    CHECK(moved2 > 0.1);
    for (float x : w1After) CHECK(std::isfinite(x));
}

TEST_CASE("wire fields, a wire id its bindings follow, moving a selection in one step, the patch's own fields", "[doc]") {
    PatchDocument d;
    std::string error;
    REQUIRE(d.loadJson(factoryJson("Timbre Learner"), false, error));
    const int hear = 10;
    REQUIRE(d.doc()["wires"][hear]["id"] == "hear");
    REQUIRE(d.setWireField(hear, "id", "listenToIt"));
    int onWire = 0;
    for (const auto& b : d.doc()["bindings"])
        if (b.contains("wire")) {
            CHECK(b["wire"] == "listenToIt");
            ++onWire;
        }
    CHECK(onWire == 2);
    INFO(dumpIssues(d));
    CHECK(d.valid());
    REQUIRE(d.setWireField(hear, "gain", 200));
    CHECK(d.doc()["wires"][hear]["gain"] == 200);
    REQUIRE(d.setWireField(hear, "comment", nullptr));
    CHECK_FALSE(d.doc()["wires"][hear].contains("comment"));
    CHECK_FALSE(d.setWireField(hear, "colour", 1));
    CHECK_FALSE(d.setWireField(99, "gain", 1));
    REQUIRE(d.setWireField(0, "delay", "soon"));
    CHECK(d.issuesOf(DocIssue::Target::wire, 0).size() == 1);
    REQUIRE(d.undo());
    CHECK(d.valid());

    const json before = d.doc();
    REQUIRE(d.moveNodes({"in", "cause", "nobody"}, 5.f, -5.f));
    CHECK(at(d, "in") == json::array({45, 35}));
    CHECK(at(d, "cause") == json::array({245, 35}));
    CHECK(at(d, "dict") == json::array({440, 40}));
    CHECK_FALSE(d.moveNodes({"nobody"}, 5.f, 5.f));
    REQUIRE(d.undo());
    CHECK(d.doc() == before);

    REQUIRE(d.setName("Mine"));
    CHECK(d.name() == "Mine");
    REQUIRE(d.setDescription(""));
    CHECK_FALSE(d.doc().contains("description"));
    REQUIRE(d.setLearning(nullptr));
    CHECK_FALSE(d.doc().contains("learning"));
    REQUIRE(d.setLearning(json::parse(R"({"settle": 0})")));
    REQUIRE(d.issues().size() == 1);
    CHECK(d.issues()[0].target == DocIssue::Target::patch);
    CHECK(d.issues()[0].path.rfind("/learning", 0) == 0);
}

TEST_CASE("the undo history of a large patch stays within its budget (and keeps the newest steps)", "[doc]") {
    PatchDocument d;
    d.newFromTemplate(PatchDocument::Template::passThrough);
    json big = json::array();
    for (int r = 0; r < 400; ++r) big.push_back(std::vector<double>(400, 0.123456789 * r)); // ~2 MiB of text
    // (the matrix sits in a node's comment: any JSON the document holds counts)
    json doc = d.doc();
    doc["nodes"][0]["comment"] = big.dump();
    std::string error;
    REQUIRE(d.loadJson(doc.dump(), true, error));
    for (int i = 0; i < 40; ++i) REQUIRE(d.moveNode("out", float(500 + i), 40.f));
    const int units = d.undoManager().getNumberOfUnitsTakenUpByStoredCommands();
    INFO("units " << units);
    CHECK(units <= PatchDocument::kUndoBudgetKiB + 2 * int(doc.dump().size() / 1024 + 1));
    // the newest steps can be undone, the oldest were dropped
    int undos = 0;
    while (d.canUndo() && undos < 100) {
        REQUIRE(d.undo());
        ++undos;
    }
    CHECK(undos >= PatchDocument::kUndoMinSteps);
    CHECK(undos < 40);
}
