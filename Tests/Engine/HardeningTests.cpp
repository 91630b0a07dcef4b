// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile patches: sizes, nesting, counts, the real-time budget, the output ceiling and
// the step/latency contract. Each case is one the hardening sweep found crashing, hanging
// or running slower than real time; here each must give a clear PatchError (or run safely).
#include "Engine.h"
#include "TestUtil.h"

#include <Limits.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

using namespace graded;

namespace {

using testutil::dump;
using testutil::issuesOf;
const auto& mentions = testutil::has;

const std::string kIo = R"({"id": "in", "kind": "AudioIn", "params": {"bands": 4}}, {"id": "out", "kind": "AudioOut"})";

std::string patchWith(const std::string& nodes, const std::string& wires = "", const std::string& bindings = "") {
    return R"({"format": 1, "name": "t", "nodes": [)" + kIo + (nodes.empty() ? "" : ", " + nodes) + R"(], "wires": [)" + wires
           + R"(], "bindings": [)" + bindings + "]}";
}

std::string nested(int depth, const std::string& inner = "1") {
    return std::string(size_t(depth), '[') + inner + std::string(size_t(depth), ']');
}

} // namespace

TEST_CASE("the sweep's 1 KB crash: a 65537 x 65536 wire is refused before anything is allocated", "[engine][hardening]") {
    // Sizes used to be multiplied in int: 65537 * 65536 wrapped and the engine read past the weights.
    for (const char* init : {"ones", "uniform"}) {
        INFO(init);
        const auto v = issuesOf(patchWith(R"({"id": "a", "kind": "RateCell", "params": {"n_units": 65537}},
                                             {"id": "b", "kind": "RateCell", "params": {"n_units": 65536}})",
                                          std::string(R"({"from": "a.zF", "to": "b.j", "init": ")") + init + "\"}"));
        INFO(dump(v));
        CHECK(mentions(v, "/nodes/2/params/n_units", "limit is 65536"));
    }
    // Within the unit limit, the weight matrix is checked in 64-bit before it is allocated.
    const auto v = issuesOf(patchWith(R"({"id": "a", "kind": "RateCell", "params": {"n_units": 65536}},
                                         {"id": "b", "kind": "RateCell", "params": {"n_units": 65536}})",
                                      R"({"from": "a.zF", "to": "b.j", "init": "ones"})"));
    INFO(dump(v));
    CHECK(mentions(v, "/wires/0", "4294967296 values"));
    CHECK(mentions(v, "/wires/0", "limit"));
}

TEST_CASE("deep JSON nesting is refused before any recursive processing", "[engine][hardening]") {
    // 10^5 levels in a binding's "node" (used to crash in dump()), 10^6 in params (crashed in a copy).
    const auto a = issuesOf(patchWith("", "", R"({"param": "tau", "node": )" + nested(100000) + R"(, "field": "tau_m"})"));
    REQUIRE(a.size() == 1);
    CHECK(a[0].message.find("nested deeper than 32") != std::string::npos);
    const auto b = issuesOf(patchWith(R"({"id": "r", "kind": "RateCell", "params": {"n_units": 2, "tau_m": )" + nested(1000000) + "}}"));
    REQUIRE(b.size() == 1);
    CHECK(b[0].message.find("nested deeper") != std::string::npos);
    // Brackets inside strings do not count; a patch at 5 levels loads as before.
    const auto c = issuesOf(patchWith(R"({"id": "r", "kind": "RateCell", "comment": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "params": {"n_units": 2, "prior": ["gaussian", 0.1]}})"));
    CHECK(c.empty());
    // Just past the limit / at it.
    CHECK(issuesOf(nested(limits::kMaxJsonDepth + 1)).at(0).message.find("nested deeper") != std::string::npos);
    CHECK(issuesOf(nested(limits::kMaxJsonDepth)).at(0).message.find("object") != std::string::npos);
}

TEST_CASE("patch text, node, wire and binding counts have limits", "[engine][hardening]") {
    CHECK(issuesOf(std::string(limits::kMaxPatchBytes + 1, ' ')).at(0).message.find("bytes; the limit") != std::string::npos);

    std::string nodes, wires, bindings;
    for (int i = 0; i < 3000; ++i) nodes += std::string(i ? ", " : "") + R"({"id": "n)" + std::to_string(i) + R"(", "kind": "GaussianErrorCell"})";
    auto v = issuesOf(patchWith(nodes));
    INFO(dump(v));
    CHECK(mentions(v, "/nodes", "the limit is 256"));

    for (int i = 0; i < 300000; ++i) wires += (i ? ", " : "") + std::string(R"({"from": "in.level", "to": "out.gain"})");
    v = issuesOf(patchWith("", wires));
    CHECK(mentions(v, "/wires", "300000 wires; the limit is 4096"));

    for (int i = 0; i < 2000; ++i) bindings += (i ? ", " : "") + std::string(R"({"param": "tau", "node": "x", "field": "tau_m"})");
    v = issuesOf(patchWith("", "", bindings));
    CHECK(mentions(v, "/bindings", "the limit is 1024"));
}

TEST_CASE("a patch at the structural limits loads in linear time and every wire is checked", "[engine][hardening]") {
    // 254 cells in a chain plus the I/O nodes and 4096 wires: the schedule's sort is linear.
    std::string nodes, wires;
    for (int i = 0; i < limits::kMaxNodes - 2; ++i)
        nodes += std::string(i ? ", " : "") + R"({"id": "g)" + std::to_string(i) + R"(", "kind": "GaussianErrorCell", "params": {"n_units": 1}})";
    int w = 0;
    for (int i = 0; i + 1 < limits::kMaxNodes - 2; ++i, ++w)
        wires += std::string(w ? ", " : "") + R"({"from": "g)" + std::to_string(i) + R"(.dmu", "to": "g)" + std::to_string(i + 1) + R"(.target"})";
    for (; w < limits::kMaxWires; ++w) wires += R"(, {"from": "in.level", "to": "g0.mu"})";
    const Patch p = loadPatch(patchWith(nodes, wires));
    CHECK(p.wires.size() == size_t(limits::kMaxWires));
    auto e = Engine::create(p, {48000.0, 2, 512});
    testutil::Signal s = testutil::silence(2, 4096);
    testutil::addSine(s, 48000.0, 440.0, 0.5, 0, 4096);
    testutil::render(*e, s, 512);
    for (const auto& ch : s)
        for (float x : ch) REQUIRE(std::isfinite(x));
}

TEST_CASE("numbers that do not fit are errors, not undefined conversions", "[engine][hardening]") {
    const std::string ab = R"({"id": "a", "kind": "RateCell", "params": {"n_units": 3}}, {"id": "b", "kind": "RateCell", "params": {"n_units": 3}})";
    for (const char* seed : {"1e300", "-1", "4294967296", "1.5"}) {
        INFO(seed);
        const auto v = issuesOf(patchWith(ab, std::string(R"({"from": "a.zF", "to": "b.j", "init": "uniform", "seed": )") + seed + "}"));
        CHECK(mentions(v, "/wires/0/seed", "whole number"));
    }
    CHECK(issuesOf(patchWith(ab, R"({"from": "a.zF", "to": "b.j", "init": "uniform", "seed": 4294967295})")).empty());
    // LeakyNoiseCell's seed, n_units and AudioIn bands of absurd size
    CHECK(mentions(issuesOf(patchWith(R"({"id": "n", "kind": "LeakyNoiseCell", "params": {"n_units": 2, "seed": 1e300}})")), "/nodes/2/params/seed", "whole number"));
    CHECK(mentions(issuesOf(patchWith(R"({"id": "n", "kind": "RateCell", "params": {"n_units": 1e300}})")), "/nodes/2/params/n_units", "limit"));
    CHECK_FALSE(issuesOf(R"({"format": 1, "name": "t", "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 1e300}}, {"id": "out", "kind": "AudioOut"}]})").empty());
    // a non-string kind is an issue, not a type error escaping the loader
    CHECK(mentions(issuesOf(R"({"format": 1, "name": "t", "nodes": [{"id": "in", "kind": 5}, {"id": "out", "kind": ["AudioOut"]}]})"), "/nodes/0/kind", "must be a string"));
}

TEST_CASE("the real-time budget: too much work per step is refused, naming the culprit", "[engine][hardening]") {
    // A 2048 x 2048 wire is within the weight limit but costs far more than a core at 48 kHz.
    const Patch p = loadPatch(patchWith(R"({"id": "a", "kind": "RateCell", "params": {"n_units": 2048}},
                                          {"id": "b", "kind": "RateCell", "params": {"n_units": 2048}})",
                                        R"({"id": "big", "from": "a.zF", "to": "b.j", "init": "ones"})"));
    const auto cost = Engine::estimate(p, {48000.0, 2, 512}, 64);
    CHECK(cost.coreShare > 10.0);
    REQUIRE_FALSE(cost.parts.empty());
    CHECK(cost.parts.front().path == "/wires/0");
    try {
        Engine::create(p, {48000.0, 2, 512});
        FAIL("over budget but built");
    } catch (const PatchError& e) {
        INFO(e.what());
        CHECK(mentions(e.issues(), "/wires/0", "real-time budget is 50%"));
        CHECK(mentions(e.issues(), "/wires/0", "wire 'big' (a.zF -> b.j, 2048 x 2048 weights)"));
    }
    CHECK(Engine::minimumStep(p, {48000.0, 2, 512}) == 0);

    // One big cell: named by its node.
    const Patch q = loadPatch(patchWith(R"({"id": "huge", "kind": "RateCell", "params": {"n_units": 65536, "integration_type": "rk4"}})"));
    try {
        Engine::create(q, {96000.0, 2, 512});
        FAIL("over budget but built");
    } catch (const PatchError& e) {
        CHECK(mentions(e.issues(), "/nodes/2", "node 'huge' (RateCell, 65536 units)"));
    }

    // Every factory patch fits with the smallest step at 192 kHz, and with room to spare at
    // the default step.
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        const auto c = Engine::estimate(loadPatch(fp.json), {192000.0, 2, 512}, 16);
        CHECK(c.coreShare < limits::kMaxCoreShare);
        CHECK(Engine::estimate(loadPatch(fp.json), {192000.0, 2, 512}, 64).coreShare < limits::kMaxCoreShare / 2);
        CHECK(c.bytes < (std::int64_t(8) << 20));
    }
}

TEST_CASE("a patch that only fits with larger steps runs at the smallest step that fits", "[engine][hardening]") {
    // ~600 units of rk4 RateCell: over budget at 16-sample steps at 48 kHz, fine at 512.
    const Patch p = loadPatch(patchWith(R"({"id": "z", "kind": "RateCell", "params": {"n_units": 1200, "integration_type": "rk4"}})"));
    const EngineConfig cfg{48000.0, 2, 512};
    const int minStep = Engine::minimumStep(p, cfg);
    INFO("minimum step " << minStep);
    REQUIRE(minStep > 16);
    REQUIRE(minStep <= 512);
    HostControls controls;
    controls[HostParam::step] = 0; // 16 samples asked
    auto e = Engine::create(p, cfg, controls);
    CHECK(e->stepSamples() == minStep);
    CHECK(e->latencySamples() == minStep + 48); // + the limiter's 1 ms look-ahead
    controls[HostParam::step] = 5; // 512
    e->setControls(controls);
    testutil::Signal s = testutil::silence(2, 2048);
    testutil::render(*e, s, 256);
    CHECK(e->stepSamples() == 512);
}

TEST_CASE("the step and so the latency are right from the start, for every step", "[engine][hardening]") {
    for (int i = 0; i < 6; ++i) {
        HostControls controls;
        controls[HostParam::step] = float(i);
        auto e = Engine::create(testutil::factory("Predictive EQ"), {48000.0, 2, 512}, controls);
        CHECK(e->stepSamples() == kStepChoices[i]);
        CHECK(e->latencySamples() == kStepChoices[i] + 48); // + the limiter's 1 ms look-ahead
    }
    HostControls odd;
    odd[HostParam::step] = 1e30f; // clamped, not an undefined conversion
    CHECK(Engine::create(testutil::factory("Predictive EQ"), {48000.0, 2, 512}, odd)->stepSamples() == 512);
}

TEST_CASE("the output never passes the +6 dBFS ceiling, whatever the patch and input do", "[engine][hardening]") {
    // Every gain at its limit, the output gain at +12 dB, a full-scale input.
    const std::string loud = R"({"format": 1, "name": "loud", "nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": 8}},
        {"id": "out", "kind": "AudioOut", "params": {"gains": "db", "maxDb": 6, "maxGain": 1.99, "maxNoise": 16, "bandGainDefault": 6}}],
      "wires": [{"from": "in.level", "to": "out.noise", "gain": 1000}, {"from": "in.level", "to": "out.gain", "gain": 1000}]})";
    auto e = Engine::create(loadPatch(loud), {48000.0, 2, 512});
    HostControls c;
    c[HostParam::outputGain] = 12.f;
    e->setControls(c);
    testutil::Signal s = testutil::silence(2, 48000);
    for (auto& ch : s)
        for (size_t i = 0; i < ch.size(); ++i) ch[i] = (i / 37) % 2 ? 1.f : -1.f;
    s[0][100] = std::numeric_limits<float>::infinity();
    s[1][200] = std::numeric_limits<float>::quiet_NaN();
    s[0][300] = 1e30f;
    testutil::render(*e, s, 333);
    float peak = 0.f;
    for (const auto& ch : s)
        for (float x : ch) {
            REQUIRE(std::isfinite(x));
            peak = std::max(peak, std::fabs(x));
        }
    CHECK(peak <= limits::kOutputCeiling);
    // the limiter's ceiling: -1 dBFS or the dry input's own level (here full scale), never more
    CHECK(peak <= 1.0f);
    CHECK(peak > 0.85f); // the patch really is that loud: the limiter did the work

    // Gain limits above the ceiling are refused.
    const auto v = issuesOf(R"({"format": 1, "name": "t", "nodes": [{"id": "in", "kind": "AudioIn"},
        {"id": "out", "kind": "AudioOut", "params": {"maxDb": 12, "maxGain": 4}}]})");
    CHECK(mentions(v, "/nodes/1/params/maxDb", "+6 dB"));
    CHECK(mentions(v, "/nodes/1/params/maxGain", "+6 dB"));
}

TEST_CASE("PatchError lists every problem, none cut", "[engine][hardening]") {
    std::string nodes;
    for (int i = 0; i < 40; ++i) nodes += std::string(i ? ", " : "") + R"({"id": "g)" + std::to_string(i) + R"(", "kind": "GaussianErrorCell", "params": {"sigma": -1}})";
    try {
        loadPatch(patchWith(nodes));
        FAIL("loaded");
    } catch (const PatchError& e) {
        CHECK(e.issues().size() == 40);
        const std::string what = e.what();
        for (int i = 0; i < 40; ++i) CHECK(what.find("/nodes/" + std::to_string(i + 2) + "/params/sigma") != std::string::npos);
    }
}

TEST_CASE("sample rates outside the engine's range are a ConfigError", "[engine][hardening]") {
    const Patch p = testutil::factory("Predictive EQ");
    for (double fs : {0.0, 500.0, 999.0, 1536001.0, 1e300, std::numeric_limits<double>::quiet_NaN()}) {
        INFO(fs);
        CHECK_THROWS_AS(Engine::create(p, {fs, 2, 512}), ConfigError);
    }
    CHECK_NOTHROW(Engine::create(p, {1000.0, 2, 512}));
    // the highest rate is accepted: a light patch runs there; Predictive EQ's 48 bands in
    // stereo are over the real-time budget there, which is a PatchError naming the filterbank
    const Patch light = loadPatch(R"({"format": 1, "name": "light", "nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": 8}}, {"id": "out", "kind": "AudioOut"}],
      "wires": [{"from": "in.bands", "to": "out.bandGains", "gain": 0}]})");
    CHECK_NOTHROW(Engine::create(light, {1536000.0, 2, 512}));
    try {
        Engine::create(p, {1536000.0, 2, 512});
        FAIL("48 bands in stereo at 1.536 MHz built");
    } catch (const PatchError& e) {
        CHECK(mentions(e.issues(), "/nodes/0", "the filterbank (48 bands)"));
    }
    CHECK_NOTHROW(Engine::create(p, {384000.0, 2, 512}));
}
