// SPDX-License-Identifier: GPL-3.0-or-later
// Every node spec, walked: defaults agree with the parameter structs, every bindable field
// goes live at its minimum, maximum and default through the binding path, every compartment
// is present with its declared shape on a built node (batch 1 and 2), and host-parameter
// choices match the kernels' tables.
#include "Engine/Network.h"
#include "Cells/CellSpecs.h"
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace graded;

namespace {

template <typename P> void checkDefaults(const NodeSpec& spec) {
    const P p;
    for (const auto& f : spec.fields) {
        if (f.at.storage == FieldStorage::none) continue;
        INFO(spec.kind << "." << f.name);
        CHECK(readField(&p, f) == f.defaultValue);
        // (a 64-bit seed's default is beyond what a JSON number writes exactly)
        if (f.at.storage != FieldStorage::u64) CHECK_FALSE(checkFieldValue(f, f.defaultValue));
    }
}

/** The ends of a field's range a test can set (a large finite value for an open end). */
double lowest(const FieldSpec& f) { return std::isfinite(f.min) ? f.min : -1e3; }
double highest(const FieldSpec& f) { return std::isfinite(f.max) ? f.max : 1e3; }

ParamMap cellParams(int units, int batch) {
    return {{"n_units", ParamValue::num(units)}, {"batch_size", ParamValue::num(batch)}};
}

/** A patch of AudioIn -> AudioOut with `bands` bands and `samples` samples. */
Patch ioPatch(int bands, int samples) {
    return loadPatch(R"({"format": 1, "name": "io", "nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": )" + std::to_string(bands) + R"(, "samples": )" + std::to_string(samples) + R"(}},
        {"id": "out", "kind": "AudioOut"}],
        "wires": [{"from": "in.bands", "to": "out.bandGains"}]})");
}

} // namespace

TEST_CASE("every node kind has a spec named after it", "[spec]") {
    for (int k = 0; k < kNumNodeKinds; ++k) {
        const NodeSpec& spec = nodeSpec(NodeKind(k));
        CHECK(spec.kind == kNodeKindNames[k]);
        CHECK(spec.shown(CompShow::main) != nullptr);
        CHECK(bool(spec.cell.makeFloat) == isCellKind(NodeKind(k)));
        for (const auto& f : spec.fields) {
            INFO(spec.kind << "." << f.name);
            if (f.type == FieldType::choice) {
                REQUIRE(f.choices.count > 0);
                CHECK(f.max == f.choices.count - 1);
                for (int i = 0; i < f.choices.count; ++i) CHECK(f.choices.find(f.choices.names[i]) == i);
            }
            if (!f.pairNumber.empty()) REQUIRE(spec.findField(f.pairNumber));
            if (!f.partOf.empty()) REQUIRE(spec.findField(f.partOf));
            if (f.bindable && isCellKind(NodeKind(k))) CHECK((f.live != nullptr || spec.cell.setParam != nullptr));
        }
    }
}

TEST_CASE("error cells name their prediction input - cells their cost", "[spec]") {
    for (const NodeKind k : {NodeKind::GaussianErrorCell, NodeKind::LaplacianErrorCell, NodeKind::BernoulliErrorCell}) {
        const NodeSpec& spec = nodeSpec(k);
        INFO(spec.kind);
        REQUIRE(spec.compartments.size() > 0);
        CHECK(spec.compartments[0].prediction);
        CHECK(spec.compartments[0].role == CompartmentRole::input);
        CHECK(spec.shown(CompShow::scalar)->name == "L");
    }
    for (int k = 0; k < kNumCellKinds; ++k) CHECK(nodeSpec(NodeKind(k)).cell.perUnit > 0.0);
    CHECK(nodeSpec(NodeKind::RateCell).cell.perStage > 0.0);
}

TEST_CASE("spec defaults are the parameter structs' defaults", "[spec]") {
    checkDefaults<RateCellParams>(rateCellSpec());
    checkDefaults<GaussianErrorCellParams>(gaussianErrorCellSpec());
    checkDefaults<LaplacianErrorCellParams>(laplacianErrorCellSpec());
    checkDefaults<BernoulliErrorCellParams>(bernoulliErrorCellSpec());
    checkDefaults<LeakyNoiseCellParams>(leakyNoiseCellSpec());
    checkDefaults<RewardErrorCellParams>(rewardErrorCellSpec());
    checkDefaults<AudioInParams>(audioInSpec());
    checkDefaults<AudioOutParams>(audioOutSpec());
}

TEST_CASE("every bindable field goes live at its minimum, maximum and default", "[spec][bindings]") {
    for (int k = 0; k < kNumCellKinds; ++k) {
        const NodeSpec& spec = nodeSpec(NodeKind(k));
        for (const int batch : {1, 2}) {
            auto cell = spec.cell.makeFloat(cellParams(3, batch));
            for (const auto& f : spec.fields) {
                if (!f.bindable) continue;
                for (const double v : {lowest(f), highest(f), f.defaultValue}) {
                    INFO(spec.kind << "." << f.name << " = " << v << ", batch " << batch);
                    setLive(spec, f, *cell, v);
                    const double want = clampFieldValue(f, v);
                    CHECK_FALSE(checkFieldValue(f, want));
                    if (f.live) CHECK(getLive(spec, f, *cell) == double(float(want)));
                    else CHECK(getLive(spec, f, *cell) == want);
                    cell->advance(1.f);
                    CHECK(cell->batchSize() == batch); // sizes never change live
                    CHECK(cell->nUnits() == 3);
                }
            }
        }
    }
}

TEST_CASE("the binding path clamps into the field's range and ignores what is not finite", "[spec][bindings]") {
    const NodeSpec& spec = leakyNoiseCellSpec();
    auto cell = spec.cell.makeFloat(cellParams(2, 1));
    const FieldSpec& tau = *spec.findField("tau_x");
    setLive(spec, tau, *cell, -5.0);
    CHECK(getLive(spec, tau, *cell) > 0.0); // tau_x > 0: the same rule as at load
    setLive(spec, tau, *cell, 20.0);
    setLive(spec, tau, *cell, std::numeric_limits<double>::quiet_NaN());
    CHECK(getLive(spec, tau, *cell) == 20.0);
    const FieldSpec& act = *spec.findField("act_fx");
    setLive(spec, act, *cell, 99.0);
    CHECK(getLive(spec, act, *cell) == kNumActivations - 1);
}

TEST_CASE("every compartment is present with its declared shape on a built node", "[spec][compartments]") {
    for (const int batch : {1, 2}) {
        for (int k = 0; k < kNumCellKinds; ++k) {
            const NodeSpec& spec = nodeSpec(NodeKind(k));
            auto cell = spec.cell.makeFloat(cellParams(5, batch));
            NodeSizes sizes;
            sizes.channels = batch;
            sizes.units = 5;
            REQUIRE(int(cell->compartments().size()) == spec.compartments.size());
            for (int i = 0; i < spec.compartments.size(); ++i) {
                const auto& cs = spec.compartments[i];
                const auto& c = cell->compartments()[size_t(i)];
                INFO(spec.kind << "." << cs.name << ", batch " << batch);
                CHECK(c.name == cs.name); // declaration order too
                CHECK(c.role == cs.role);
                CHECK(c.rows == sizes.rowsOf(cs));
                CHECK(c.cols == sizes.colsOf(cs));
                CHECK(c.units == cs.units);
                CHECK(c.scalar == cs.scalar);
            }
        }
        for (const auto& [bands, samples] : {std::pair{7, 4}, std::pair{32, 16}, std::pair{1, 1}}) {
            const Patch p = ioPatch(bands, samples);
            Network net;
            net.build(p, batch);
            for (const int node : {p.audioIn, p.audioOut}) {
                const NodeSpec& spec = nodeSpec(p.nodes[size_t(node)].kind);
                const NodeSizes sizes = nodeSizes(p, node, batch);
                CHECK(sizes.bands == bands);
                for (const auto& cs : spec.compartments) {
                    INFO(spec.kind << "." << cs.name << ", batch " << batch << ", bands " << bands);
                    const CompartmentView v = net.compartment(node, cs.name);
                    REQUIRE(v.data);
                    CHECK(v.rows == sizes.rowsOf(cs));
                    CHECK(v.cols == sizes.colsOf(cs));
                }
            }
        }
    }
}

TEST_CASE("host choice parameters offer the kernels' names, as the specs do", "[spec][host]") {
    for (int i = 0; i < kNumHostParams; ++i) {
        const auto p = HostParam(i);
        const auto labels = hostChoiceLabels(p);
        if (labels.count == 0) continue;
        INFO(hostParamInfo(p).id);
        CHECK(hostParamInfo(p).max == float(labels.count - 1));
    }
    const FieldSpec& prior = *rateCellSpec().findField("prior");
    CHECK(prior.choices.names == hostChoiceLabels(HostParam::prior).names);
    const FieldSpec& act = *rateCellSpec().findField("act_fx");
    CHECK(act.choices.names == hostChoiceLabels(HostParam::activation).names);
}

TEST_CASE("patch checks read the ranges from the specs", "[spec][patch]") {
    using testutil::has;
    using testutil::issuesOf;
    const std::string io = R"({"id": "in", "kind": "AudioIn", "params": {"bands": 4}}, {"id": "out", "kind": "AudioOut"})";
    const auto v = issuesOf(R"({"format": 1, "name": "t", "nodes": [)" + io + R"(,
        {"id": "a", "kind": "LeakyNoiseCell", "params": {"tau_x": 0}},
        {"id": "b", "kind": "RewardErrorCell", "params": {"ema_window_len": 0}},
        {"id": "c", "kind": "RateCell", "params": {"act_fx": "swish"}}],
        "bindings": [{"param": "tau", "node": "a", "field": "tau_x", "offset": -3000}]})");
    CHECK(has(v, "/nodes/2/params/tau_x", "must be > 0"));
    CHECK(has(v, "/nodes/3/params/ema_window_len", "must be >= 1"));
    CHECK(has(v, "/nodes/4/params/act_fx", "unknown activation 'swish'"));
}
