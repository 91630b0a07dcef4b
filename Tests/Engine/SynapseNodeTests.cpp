// SPDX-License-Identifier: GPL-3.0-or-later
// DenseSynapse and HebbianSynapse as patch nodes: load checks, ties, the "learning" object,
// a predictive-coding circuit that learns, the engine's learning controls, real-time safety.
#include "RtCheck.h"
#include "TestUtil.h"
#include "Patch/NodeSpecs.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

using namespace graded;
using namespace testutil;

namespace {

constexpr double kFs = 48000.0;

struct Circuit {
    int latent = 4, bands = 8;
    double eta = 0.02;
    std::string tie = "W1", sign = "-1";
    std::string learning;              // the "learning" object's text, or empty
    std::string w1Extra, e1Extra;      // extra params of W1 / E1
    std::string w1Shape, e1Shape;      // default: [latent, bands] / [bands, latent]
    std::string extraNodes, extraWires;
};

/** A two-layer predictive-coding circuit as ngclearn builds one: latent RateCells z1 predict
    the band energies through the Hebbian generative synapse W1 (mu = z1 @ W1); the error cell
    e0 compares them with the input; its error goes back to z1 through E1 = W1^T (tied), and
    W1 learns dW = z1^T dmu with sign_value -1 (W1 += eta z1^T dmu). */
std::string circuitJson(const Circuit& c) {
    const std::string L = std::to_string(c.latent), B = std::to_string(c.bands);
    const std::string w1Shape = c.w1Shape.empty() ? "[" + L + ", " + B + "]" : c.w1Shape;
    const std::string e1Shape = c.e1Shape.empty() ? "[" + B + ", " + L + "]" : c.e1Shape;
    return R"({"format": 1, "name": "pc circuit", )" + (c.learning.empty() ? std::string() : "\"learning\": " + c.learning + ", ") +
           R"("nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": )" + B + R"(, "minHz": 200, "maxHz": 8000}},
        {"id": "z1", "kind": "RateCell", "params": {"n_units": )" + L + R"(, "tau_m": 20, "prior": ["gaussian", 0.05]}},
        {"id": "W1", "kind": "HebbianSynapse", "params": {"shape": )" + w1Shape + R"(, "eta": )" + std::to_string(c.eta) +
           R"(, "sign_value": )" + c.sign + R"(, "w_bound": 0, "weight_init": {"dist": "uniform", "amin": 0.0, "amax": 0.2}, "seed": 7)" + c.w1Extra + R"(}},
        {"id": "e0", "kind": "GaussianErrorCell", "params": {"n_units": )" + B + R"(}},
        {"id": "E1", "kind": "DenseSynapse", "params": {"shape": )" + e1Shape + R"(, "tie": ")" + c.tie + "\"" + c.e1Extra + R"(}},
        {"id": "out", "kind": "AudioOut", "params": {"gains": "linear"}})" + c.extraNodes + R"(],
      "wires": [
        {"from": "in.bands", "to": "e0.target"},
        {"from": "z1.zF", "to": "W1.inputs"},
        {"from": "W1.outputs", "to": "e0.mu"},
        {"from": "e0.dmu", "to": "E1.inputs", "delay": true},
        {"from": "E1.outputs", "to": "z1.j"},
        {"from": "z1.zF", "to": "W1.pre"},
        {"from": "e0.dmu", "to": "W1.post"},
        {"from": "W1.outputs", "to": "out.bandGains", "gain": 0.5})" + c.extraWires + R"(]})";
}

/** A steady chord (three partials), both channels. */
Signal chord(int n) {
    Signal s = silence(2, n);
    addSine(s, kFs, 440, 0.3, 0, n);
    addSine(s, kFs, 1320, 0.15, 0, n);
    addSine(s, kFs, 3300, 0.08, 0, n);
    return s;
}

std::vector<float> weightsOf(const Engine& e, const std::string& node, int rows) {
    std::vector<float> all;
    for (int r = 0; r < rows; ++r) {
        const auto row = e.probe(node, "weights", r);
        all.insert(all.end(), row.begin(), row.end());
    }
    return all;
}

/** Mean of -L (the error's energy) over the steps of `seconds` of the chord, one step at a time. */
double meanError(Engine& e, double seconds, int step = 64) {
    Signal s = chord(int(seconds * kFs));
    const int n = int(s[0].size());
    Stream feed(e, s);
    double sum = 0;
    int count = 0;
    while (feed.pos + step <= n) {
        feed(step);
        sum += -double(e.probe("e0", "L")[0]);
        ++count;
    }
    return sum / std::max(1, count);
}

} // namespace

TEST_CASE("synapse nodes: a predictive-coding circuit loads, wired like any node", "[engine][synapse]") {
    const Patch p = loadPatch(circuitJson({}));
    REQUIRE(p.nodes.size() == 6);
    CHECK(p.nodes[2].kind == NodeKind::HebbianSynapse);
    CHECK(p.nodes[4].kind == NodeKind::DenseSynapse);
    REQUIRE(p.nodes[4].synapse());
    CHECK(p.nodes[4].synapse()->tieNode == 2);
    CHECK(p.nodes[2].synapse()->params.nIn == 4);
    CHECK(p.nodes[2].synapse()->params.signValue == -1.0);
    CHECK(p.learning.settle == 1);
    CHECK(p.learning.evolve == PatchLearning::Evolve::step);
    CHECK(nodeSpec(NodeKind::HebbianSynapse).findCompartment("dWeights"));
    CHECK_FALSE(nodeSpec(NodeKind::DenseSynapse).findCompartment("pre"));
    auto e = Engine::create(p, {kFs, 2, 64});
    CHECK(e->info().nodes[2].kindName == "HebbianSynapse");
    CHECK(e->probe("W1", "outputs").size() == 8);
    CHECK(e->probe("E1", "outputs").size() == 4);
    CHECK(weightsOf(*e, "W1", 4).size() == 32);
}

TEST_CASE("synapse nodes: sizes, batch_size, ties and limits are checked at load", "[engine][synapse]") {
    SECTION("a shape that does not match the wired sizes") {
        Circuit c;
        c.w1Shape = "[5, 8]";
        c.e1Shape = "[8, 5]";
        const auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/wires/1", "size mismatch: 'zF' has 4 units, 'inputs' has 5"));
        CHECK(has(is, "/wires/4", "size mismatch"));
        CHECK(has(is, "/wires/5", "size mismatch"));
    }
    SECTION("batch_size is the engine's") {
        Circuit c;
        c.w1Extra = R"(, "batch_size": 2)";
        const auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/nodes/2/params/batch_size", "set by the engine"));
    }
    SECTION("bad parameters are named with their pointer") {
        Circuit c;
        c.w1Extra = R"(, "weight_init": {"dist": "fancy"}, "optim_type": "sgd")";
        c.e1Extra = R"(, "eta": 0.1)";
        const auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/nodes/2/params/weight_init/dist", "unknown initialiser 'fancy'"));
        CHECK(has(is, "/nodes/4/params/eta", "unknown parameter for DenseSynapse"));
    }
    SECTION("a tie to a missing node, a cell, a wrong shape, itself") {
        Circuit c;
        c.tie = "W9";
        auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/nodes/4/params/tie", "unknown node 'W9'"));
        c.tie = "z1";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/nodes/4/params/tie", "'z1' is a RateCell, not a synapse"));
        c.tie = "E1";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/nodes/4/params/tie", "cannot be tied to itself"));
        c.tie = "W1";
        c.e1Shape = "[4, 8]";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/nodes/4/params/tie", "transposed shape of 'W1': [8, 4], not [4, 8]"));
        c.e1Shape.clear();
        c.extraNodes = R"(, {"id": "E2", "kind": "DenseSynapse", "params": {"shape": [4, 8], "tie": "E1"}})";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/nodes/6/params/tie", "'E1' is tied itself"));
    }
    SECTION("matrices are state, not wire ends") {
        Circuit c;
        c.extraWires = R"(, {"from": "W1.weights", "to": "out.gain"})";
        const auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/wires/8/from", "'weights' is the state of HebbianSynapse 'W1' and cannot be wired"));
    }
    SECTION("over the weight limits: one synapse, then the patch's total") {
        Circuit c;
        c.extraNodes = R"(, {"id": "big", "kind": "DenseSynapse", "params": {"shape": [4096, 2048]}})";
        auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/nodes/6/params/shape", "exceeds the limit of 4194304 weights"));
        c.extraNodes = R"(, {"id": "b1", "kind": "DenseSynapse", "params": {"shape": [2048, 2048]}},
                            {"id": "b2", "kind": "DenseSynapse", "params": {"shape": [2048, 2048]}})";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/nodes/7/params/shape", "the limit is 8388608"));
        // synapse weights and wire weights share the total
        c.extraNodes = R"(, {"id": "b1", "kind": "DenseSynapse", "params": {"shape": [2048, 2048]}},
                            {"id": "b2", "kind": "DenseSynapse", "params": {"shape": [2048, 2047]}},
                            {"id": "r", "kind": "RateCell", "params": {"n_units": 2048}})";
        c.extraWires = R"(, {"from": "z1.zF", "to": "r.j", "init": "ones"}, {"from": "r.zF", "to": "r.j", "init": "ones", "delay": true})";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/wires/9", "the limit is 8388608"));
    }
    SECTION("the learning object") {
        Circuit c;
        c.learning = R"({"settle": 0, "evolve": "sometimes", "rate": 1})";
        auto is = issuesOf(circuitJson(c));
        INFO(dump(is));
        CHECK(has(is, "/learning/settle", "whole number in 1..64"));
        CHECK(has(is, "/learning/evolve", "must be \"step\", \"episode\" or {\"every\": N}"));
        CHECK(has(is, "/learning/rate", "unknown key"));
        c.learning = R"({"evolve": {"every": 0}})";
        is = issuesOf(circuitJson(c));
        CHECK(has(is, "/learning/evolve/every", "whole number"));
        c.learning = R"({"evolve": {"every": 16}, "settle": 4})";
        const Patch p = loadPatch(circuitJson(c));
        CHECK(p.learning.evolve == PatchLearning::Evolve::every);
        CHECK(p.learning.every == 16);
        CHECK(p.learning.settle == 4);
    }
}

TEST_CASE("synapse nodes: the tied feedback reads W1 transposed", "[engine][synapse]") {
    auto e = Engine::create(loadPatch(circuitJson({})), {kFs, 2, 64});
    e->setLearning(false); // W1 evolves after E1 read it: compare with the weights E1 saw
    Signal s = chord(64 * 20);
    render(*e, s, 64);
    const auto W = weightsOf(*e, "W1", 4); // [4][8]
    const auto x = e->probe("E1", "inputs"); // 8
    const auto y = e->probe("E1", "outputs"); // 4
    REQUIRE(x.size() == 8);
    REQUIRE(y.size() == 4);
    double mag = 0;
    for (int j = 0; j < 4; ++j) {
        double acc = 0;
        for (int i = 0; i < 8; ++i) acc += double(x[size_t(i)]) * W[size_t(j * 8 + i)];
        CHECK(y[size_t(j)] == Approx(acc).margin(1e-5));
        mag += std::fabs(acc);
    }
    CHECK(mag > 1e-3); // not a trivially zero comparison
}

TEST_CASE("synapse nodes: a predictive-coding circuit learns a steady sound (its error falls)", "[engine][synapse][claim]") {
    const Patch p = loadPatch(circuitJson({}));
    auto learning = Engine::create(p, {kFs, 2, 64});
    auto frozen = Engine::create(p, {kFs, 2, 64});
    frozen->setLearning(false);
    // the first second: the latents settle (and the learner starts learning)
    const double early = meanError(*learning, 1.0), earlyFrozen = meanError(*frozen, 1.0);
    double late = 0, lateFrozen = 0;
    for (int k = 0; k < 9; ++k) {
        late = meanError(*learning, 1.0);
        lateFrozen = meanError(*frozen, 1.0);
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "-L (mean over a second): first second %.4f -> tenth second %.4f (frozen: %.4f -> %.4f), %.1f dB",
                  early, late, earlyFrozen, lateFrozen, 10 * std::log10(early / late));
    WARN(buf);
    CHECK(std::isfinite(late));
    CHECK(late < early * 0.1);          // at least 10 dB lower
    CHECK(late < lateFrozen * 0.1);     // and because W1 learned, not because z1 settled
    const auto W = weightsOf(*learning, "W1", 4);
    for (float w : W) CHECK(std::isfinite(w));
}

TEST_CASE("synapse nodes: freezing keeps the weights bit for bit; resetWeights restores them", "[engine][synapse]") {
    const Patch p = loadPatch(circuitJson({}));
    auto e = Engine::create(p, {kFs, 2, 64});
    const auto initial = weightsOf(*e, "W1", 4);
    meanError(*e, 0.5);
    const auto learned = weightsOf(*e, "W1", 4);
    CHECK(learned != initial);
    e->setLearning(false);
    const double errBefore = meanError(*e, 0.5);
    CHECK(weightsOf(*e, "W1", 4) == learned);
    (void)errBefore;
    // a learn-rate scale of 0 freezes too (applied at the next step)
    e->setLearning(true);
    e->setLearnRateScale(0.f);
    meanError(*e, 0.2);
    CHECK(weightsOf(*e, "W1", 4) == learned);
    e->setLearnRateScale(std::nanf("")); // ignored: still 0
    meanError(*e, 0.2);
    CHECK(weightsOf(*e, "W1", 4) == learned);
    e->setLearnRateScale(1.f);
    meanError(*e, 0.2);
    CHECK(weightsOf(*e, "W1", 4) != learned);
    e->resetWeights();
    CHECK(weightsOf(*e, "W1", 4) == initial);
    // an engine reset keeps the weights (as ngclearn's reset)
    meanError(*e, 0.2);
    const auto again = weightsOf(*e, "W1", 4);
    e->reset();
    CHECK(weightsOf(*e, "W1", 4) == again);
}

TEST_CASE("synapse nodes: the learn-rate scale scales the update", "[engine][synapse]") {
    const Patch p = loadPatch(circuitJson({}));
    auto a = Engine::create(p, {kFs, 2, 64});
    auto b = Engine::create(p, {kFs, 2, 64});
    b->setLearnRateScale(2.f);
    // one step each from the same state: b's change is twice a's
    Signal s1 = chord(64 * 30), s2 = s1;
    a->setLearning(false);
    b->setLearning(false);
    render(*a, s1, 64);
    render(*b, s2, 64);
    const auto w0 = weightsOf(*a, "W1", 4);
    REQUIRE(w0 == weightsOf(*b, "W1", 4));
    a->setLearning(true);
    b->setLearning(true);
    Signal t1 = chord(64), t2 = t1;
    render(*a, t1, 64);
    render(*b, t2, 64);
    const auto wa = weightsOf(*a, "W1", 4), wb = weightsOf(*b, "W1", 4);
    double da = 0, db = 0;
    for (size_t i = 0; i < w0.size(); ++i) {
        da += std::fabs(double(wa[i]) - w0[i]);
        db += std::fabs(double(wb[i]) - w0[i]);
    }
    CHECK(da > 0);
    CHECK(db == Approx(2 * da).epsilon(1e-3));
}

TEST_CASE("synapse nodes: evolve every N steps, on episodes; settle runs the graph T times", "[engine][synapse]") {
    SECTION("every N") {
        Circuit c;
        c.learning = R"({"evolve": {"every": 100}})";
        auto e = Engine::create(loadPatch(circuitJson(c)), {kFs, 2, 64});
        const auto w0 = weightsOf(*e, "W1", 4);
        Signal s = chord(64 * 99);
        render(*e, s, 64);
        CHECK(weightsOf(*e, "W1", 4) == w0);
        Signal t = chord(64);
        render(*e, t, 64);
        CHECK(weightsOf(*e, "W1", 4) != w0);
    }
    SECTION("episode") {
        Circuit c;
        c.learning = R"({"evolve": "episode"})";
        auto e = Engine::create(loadPatch(circuitJson(c)), {kFs, 2, 64});
        const auto w0 = weightsOf(*e, "W1", 4);
        Signal s = chord(64 * 200);
        render(*e, s, 64);
        CHECK(weightsOf(*e, "W1", 4) == w0);
        e->addEvent({0, ControlEvent::endEpisode, 0.f});
        Signal t = chord(64);
        render(*e, t, 64);
        CHECK(weightsOf(*e, "W1", 4) != w0);
        // frozen: an episode does not evolve
        const auto w1 = weightsOf(*e, "W1", 4);
        e->setLearning(false);
        e->addEvent({0, ControlEvent::endEpisode, 0.f});
        Signal u = chord(64);
        render(*e, u, 64);
        CHECK(weightsOf(*e, "W1", 4) == w1);
    }
    SECTION("settle") {
        Circuit c1, c4;
        c1.learning = R"({"settle": 1})";
        c4.learning = R"({"settle": 4})";
        const Patch p1 = loadPatch(circuitJson(c1)), p4 = loadPatch(circuitJson(c4));
        auto e1 = Engine::create(p1, {kFs, 2, 64});
        auto e4 = Engine::create(p4, {kFs, 2, 64});
        e1->setLearning(false);
        e4->setLearning(false);
        // the band envelopes settle first (the filterbank follows no faster than its bands
        // ring), then the cells start from rest on a steady input
        // (one continuous chord: the cells are reset at step 80)
        auto run = [](Engine& e, int steps) {
            const Signal all = chord(64 * (80 + steps));
            Signal pre = silence(2, 64 * 80), post = silence(2, 64 * steps);
            for (int c = 0; c < 2; ++c) {
                std::copy_n(all[size_t(c)].begin(), 64 * 80, pre[size_t(c)].begin());
                std::copy_n(all[size_t(c)].begin() + 64 * 80, 64 * steps, post[size_t(c)].begin());
            }
            render(e, pre, 64);
            e.addEvent({0, ControlEvent::resetCells, 0.f});
            render(e, post, 64);
        };
        // settling 4 steps per audio step reaches in 10 audio steps where 1 needs 40
        run(*e1, 40);
        run(*e4, 10);
        const auto z1 = e1->probe("z1", "z"), z4 = e4->probe("z1", "z");
        REQUIRE(z1.size() == 4);
        for (size_t i = 0; i < z1.size(); ++i) CHECK(z4[i] == Approx(z1[i]).margin(0.02));
        CHECK(std::fabs(z1[0]) > 1e-3);
        // and costs about four times as much per audio step
        auto graphShare = [](const Patch& p) {
            double share = 0;
            for (const auto& part : Engine::estimate(p, {kFs, 2, 64}, 64).parts)
                if (part.what.rfind("the filterbank", 0) != 0) share += part.coreShare;
            return share;
        };
        CHECK(graphShare(p4) > 3.5 * graphShare(p1));
        CHECK(graphShare(p4) < 4.0 * graphShare(p1));
    }
}

TEST_CASE("synapse nodes: the circuit's cost, estimated and measured", "[engine][synapse][cost]") {
    Circuit c;
    c.latent = 16;
    c.bands = 32;
    c.learning = R"({"settle": 4})";
    const Patch p = loadPatch(circuitJson(c));
    const CostEstimate est = Engine::estimate(p, {kFs, 2, 64}, 64);
    CHECK(est.withinBudget());
    bool named = false;
    for (const auto& part : est.parts)
        if (part.what.find("synapse 'W1' (HebbianSynapse, 16 x 32)") != std::string::npos) named = true;
    CHECK(named);
    auto e = Engine::create(p, {kFs, 2, 64});
    Signal s = chord(int(kFs * 2));
    const auto t0 = std::chrono::steady_clock::now();
    render(*e, s, 64);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double perStepUs = secs / double(e->stepCount()) * 1e6;
    double graph = 0;
    for (const auto& part : est.parts)
        if (part.what.rfind("the filterbank", 0) != 0) graph += part.coreShare;
    char buf[320];
    std::snprintf(buf, sizeof buf,
                  "16 latents x 32 bands, settle 4, 48 kHz stereo, 64-sample steps: estimate %.2f%% of a core (the graph %.2f%%, "
                  "the rest the filterbank), %lld bytes; measured %.2f us per step (%.2f%% of a core)",
                  est.coreShare * 100, graph * 100, (long long)est.bytes, perStepUs, perStepUs * 1e-6 * kFs / 64 * 100);
    WARN(buf);
    CHECK(perStepUs > 0);
}

TEST_CASE("synapse nodes: the step loop, learning controls and episodes never allocate", "[engine][synapse][realtime]") {
    Circuit c;
    c.learning = R"({"settle": 3, "evolve": {"every": 2}})";
    c.w1Extra = R"(, "optim_type": "adam", "bias_init": {"dist": "constant", "value": 0.0})";
    auto e = Engine::create(loadPatch(circuitJson(c)), {kFs, 2, 512});
    Signal s = chord(int(kFs));
    Stream run(*e, s);
    run(4096);
    long allocs = 0;
    {
        rt::Scope scope;
        run(3000);
        e->setLearnRateScale(0.5f);
        run(1000);
        e->addEvent({0, ControlEvent::endEpisode, 0.f});
        e->addEvent({10, ControlEvent::resetCells, 0.f});
        run(2000);
        e->setLearning(false);
        run(777);
        e->resetWeights();
        e->setLearning(true);
        run(4000);
        e->reset();
        run(1000);
        allocs = scope.allocations();
    }
    CHECK(allocs == 0);
    for (float w : weightsOf(*e, "W1", 4)) CHECK(std::isfinite(w));
}

TEST_CASE("synapse nodes: settle 1 and the step schedule change nothing for a patch without synapses", "[engine][synapse]") {
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        std::string withLearning = fp.json;
        const auto brace = withLearning.find('{');
        REQUIRE(brace != std::string::npos);
        withLearning.insert(brace + 1, R"("learning": {"settle": 1, "evolve": "step"}, )");
        auto a = Engine::create(loadPatch(fp.json), {kFs, 2, 512});
        auto b = Engine::create(loadPatch(withLearning), {kFs, 2, 512});
        Signal sa = chord(int(kFs * 0.5)), sb = sa;
        render(*a, sa, 256);
        render(*b, sb, 256);
        CHECK(sa == sb);
        CHECK(Engine::estimate(loadPatch(fp.json), {kFs, 2, 512}, 64).coreShare
              == Engine::estimate(loadPatch(withLearning), {kFs, 2, 512}, 64).coreShare);
    }
}

TEST_CASE("synapse nodes: a runaway rule falls back to the initial weights, never NaN", "[engine][synapse]") {
    Circuit c;
    c.eta = 1e30; // huge: the update overflows float
    c.sign = "1"; // ascend the error
    auto e = Engine::create(loadPatch(circuitJson(c)), {kFs, 2, 64});
    Signal s = chord(int(kFs * 0.5));
    render(*e, s, 64);
    for (float w : weightsOf(*e, "W1", 4)) CHECK(std::isfinite(w));
    for (const auto& ch : s)
        for (float x : ch) REQUIRE(std::isfinite(x));
}

TEST_CASE("synapse nodes: a synapse counts toward the real-time and memory budgets", "[engine][synapse][cost]") {
    Circuit c;
    c.learning = R"({"settle": 8})";
    c.extraNodes = R"(, {"id": "big", "kind": "HebbianSynapse", "params": {"shape": [2048, 2048], "eta": 0.001}})";
    const Patch p = loadPatch(circuitJson(c));
    const CostEstimate est = Engine::estimate(p, {kFs, 2, 512}, 512);
    CHECK_FALSE(est.withinBudget());
    REQUIRE(!est.parts.empty());
    CHECK(est.parts[0].path == "/nodes/6");
    CHECK(est.parts[0].what == "synapse 'big' (HebbianSynapse, 2048 x 2048)");
    CHECK(est.bytes > std::int64_t(4) * 4 * 2048 * 2048); // weights, mask, dWeights, the initial copy
    try {
        Engine::create(p, {kFs, 2, 512});
        FAIL("a patch over the budget was built");
    } catch (const PatchError& e) {
        INFO(e.what());
        CHECK(has(e.issues(), "/nodes/6", "synapse 'big' (HebbianSynapse, 2048 x 2048) costs about"));
    }
    // the same synapse, settling once and learning every 64 steps, fits
    c.learning = R"({"settle": 1, "evolve": {"every": 64}})";
    c.extraNodes = R"(, {"id": "big", "kind": "HebbianSynapse", "params": {"shape": [256, 256], "eta": 0.001}})";
    CHECK(Engine::estimate(loadPatch(circuitJson(c)), {kFs, 2, 512}, 512).withinBudget());
}
