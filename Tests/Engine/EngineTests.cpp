// SPDX-License-Identifier: GPL-3.0-or-later
#include "RtCheck.h"
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <random>

using namespace graded;
using namespace testutil;

namespace {
constexpr double kFs = 48000.0;

// AudioIn with 2 linear bands; `samples` (one value) is the step's mean.
std::string ioNodes() {
    return R"({"id": "in", "kind": "AudioIn", "params": {"bands": 2, "compress": "linear", "samples": 1}},
              {"id": "out", "kind": "AudioOut", "params": {"gains": "linear"}})";
}

/** Feeds one step of constant `v` (64 samples, the default step). */
void feedStep(Engine& e, float v, int channels = 2) {
    std::vector<std::vector<float>> b(size_t(channels), std::vector<float>(64, v));
    std::vector<float*> p;
    for (auto& c : b) p.push_back(c.data());
    e.process(p.data(), channels, 64);
}

Signal testSignal(int n) {
    Signal s = silence(2, n);
    addSine(s, kFs, 1000, 0.5, 0, n);
    addSine(s, kFs, 3000, 0.4, n / 3, n);
    std::mt19937 rng(3);
    std::normal_distribution<float> g(0.f, 0.05f);
    for (auto& c : s)
        for (auto& x : c) x += g(rng);
    return s;
}
} // namespace

TEST_CASE("several wires into one input are summed - weights and bias apply per row", "[engine][schedule]") {
    const std::string json = std::string(R"({"format": 1, "name": "sum", "nodes": [)") + ioNodes() + R"(,
        {"id": "a", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}},
        {"id": "w", "kind": "RateCell", "params": {"n_units": 3, "tau_m": 0}}],
      "wires": [
        {"from": "in.samples", "to": "a.j", "gain": 2},
        {"from": "in.samples", "to": "a.j", "gain": 3},
        {"from": "in.samples", "to": "a.j_td", "bias": 0.25},
        {"from": "in.samples", "to": "w.j", "gain": -1, "comment": "broadcast 1 -> 3"},
        {"from": "in.bands", "to": "w.j_td", "weights": [[1, 0], [0, 1], [1, 1]], "bias": [10, 20, 30]}]})";
    auto e = Engine::create(loadPatch(json), {kFs, 2, 64});
    for (int i = 0; i < 3; ++i) feedStep(*e, 0.5f);
    const auto a = e->probe("a", "z");
    REQUIRE(a.size() == 1);
    CHECK(a[0] == Approx(5 * 0.5 + 0.5 + 0.25)); // the driven input is zeroed each step, not accumulated
    const auto bands = e->probe("in", "bands");
    const auto w = e->probe("w", "z");
    REQUIRE(w.size() == 3);
    CHECK(w[0] == Approx(-0.5 + bands[0] + 10));
    CHECK(w[1] == Approx(-0.5 + bands[1] + 20));
    CHECK(w[2] == Approx(-0.5 + bands[0] + bands[1] + 30));
}

TEST_CASE("a delayed wire reads the previous step - the schedule is topological", "[engine][schedule]") {
    // declared out of order: c <- b <- a, plus a delayed a -> d
    const std::string json = std::string(R"({"format": 1, "name": "chain", "nodes": [)") + ioNodes() + R"(,
        {"id": "c", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}},
        {"id": "b", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}},
        {"id": "a", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}},
        {"id": "d", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}}],
      "wires": [
        {"from": "b.zF", "to": "c.j"}, {"from": "a.zF", "to": "b.j"}, {"from": "in.samples", "to": "a.j"},
        {"from": "a.zF", "to": "d.j", "delay": true}]})";
    auto e = Engine::create(loadPatch(json), {kFs, 1, 64});
    float prev = 0.f;
    for (float v : {0.1f, 0.7f, 0.3f, 0.9f}) {
        feedStep(*e, v, 1);
        CHECK(e->probe("c", "z")[0] == Approx(v)); // same step through a -> b -> c
        CHECK(e->probe("d", "z")[0] == Approx(prev)); // one step late
        prev = v;
    }
    CHECK(e->info().nodes.size() == 6);
    CHECK(e->info().wires.size() == 4);
    CHECK(e->info().wires[3].delay);
}

TEST_CASE("batch rows are channels: each channel is simulated on its own row", "[engine][schedule]") {
    const std::string json = std::string(R"({"format": 1, "name": "rows", "nodes": [)") + ioNodes() + R"(,
        {"id": "a", "kind": "RateCell", "params": {"n_units": 1, "tau_m": 0}}],
      "wires": [{"from": "in.samples", "to": "a.j"}]})";
    auto e = Engine::create(loadPatch(json), {kFs, 2, 64});
    std::vector<float> l(64, 0.25f), r(64, 0.75f);
    float* p[] = {l.data(), r.data()};
    e->process(p, 2, 64);
    CHECK(e->probe("a", "z", 0)[0] == Approx(0.25f));
    CHECK(e->probe("a", "z", 1)[0] == Approx(0.75f));
    std::fill(l.begin(), l.end(), 0.5f);
    e->process(p, 1, 64); // fewer channels than configured: the missing one is silent
    CHECK(e->probe("a", "z", 0)[0] == Approx(0.5f));
    CHECK(e->probe("a", "z", 1)[0] == Approx(0.f));
}

TEST_CASE("output does not depend on the host block size (bit-exact)", "[engine][blocks]") {
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        const int n = int(0.6 * kFs);
        const Signal input = testSignal(n);
        std::vector<Signal> outs;
        for (int block : {1, 17, 64, 512, 4096, -1}) {
            auto e = Engine::create(loadPatch(fp.json), {kFs, 2, 4096});
            e->setControls(HostControls());
            Signal s = input;
            if (block > 0) render(*e, s, block);
            else {
                std::mt19937 rng(11);
                std::uniform_int_distribution<int> len(0, 700);
                Stream feed(*e, s);
                while (feed.pos < n) feed(std::min(len(rng), n - feed.pos));
            }
            outs.push_back(s);
        }
        for (size_t i = 1; i < outs.size(); ++i) CHECK(outs[i] == outs[0]);
        CHECK(rms(outs[0][0], n / 2, n / 2) > 1e-4); // something was heard
    }
}

TEST_CASE("events are sample-accurate on the step grid - whatever the block size", "[engine][blocks]") {
    const int n = int(0.8 * kFs), at = 24000 + 5;
    const Signal input = testSignal(n);
    std::vector<Signal> outs;
    for (int block : {32, 100, 1000}) {
        auto e = Engine::create(factory("Reward-Gated EQ"), {kFs, 2, 1000});
        Signal s = input;
        Stream feed(*e, s);
        while (feed.pos < n) {
            const int pos = feed.pos, l = std::min(block, n - pos);
            if (at >= pos && at < pos + l) e->addEvent({at - pos, ControlEvent::reward, 1.f});
            if (at + 4800 >= pos && at + 4800 < pos + l) e->addEvent({at + 4800 - pos, ControlEvent::endEpisode, 0.f});
            if (at + 9600 >= pos && at + 9600 < pos + l) e->addEvent({at + 9600 - pos, ControlEvent::resetCells, 0.f});
            feed(l);
        }
        outs.push_back(s);
    }
    CHECK(outs[1] == outs[0]);
    CHECK(outs[2] == outs[0]);
}

TEST_CASE("the reward event reaches the RewardErrorCell - resetCells resets", "[engine][events]") {
    auto e = Engine::create(factory("Reward-Gated EQ"), {kFs, 2, 64});
    e->addEvent({10, ControlEvent::reward, 0.8f});
    feedStep(*e, 0.1f);
    CHECK(e->probe("critic", "reward")[0] == Approx(0.8f));
    CHECK(e->probe("critic", "rpe")[0] == Approx(0.8f));
    HostControls c;
    c[HostParam::reward] = 0.1f;
    e->setControls(c);
    feedStep(*e, 0.1f);
    CHECK(e->probe("critic", "reward")[0] == Approx(0.9f)); // host value + held event value
    e->addEvent({0, ControlEvent::resetCells, 0.f});
    feedStep(*e, 0.1f);
    CHECK(e->probe("critic", "n_ep_steps")[0] == Approx(1.f)); // reset, then one step
}

TEST_CASE("changing the step at run time works at a step boundary and does not allocate", "[engine][step]") {
    auto e = Engine::create(factory("Predictive EQ"), {kFs, 2, 512});
    HostControls c;
    e->setControls(c);
    const int look = 48; // the limiter's 1 ms look-ahead at 48 kHz
    CHECK(e->latencySamples() == 64 + look);
    Signal s = testSignal(int(kFs));
    Stream run(*e, s);
    run(1000);
    long allocs = 0;
    for (int choice : {5, 0, 3, 1}) {
        c[HostParam::step] = float(choice);
        const auto before = e->stepCount();
        {
            rt::Scope scope;
            e->setControls(c);
            run(3000);
            allocs += scope.allocations();
        }
        CHECK(e->latencySamples() == kStepChoices[choice] + look);
        CHECK(e->stepCount() > before);
    }
    CHECK(allocs == 0);
    for (const auto& ch : s)
        for (float x : ch) REQUIRE(std::isfinite(x));
}

TEST_CASE("non-finite input gives finite output - and the engine recovers", "[engine][safety]") {
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        auto e = Engine::create(loadPatch(fp.json), {kFs, 2, 512});
        Signal s = testSignal(int(0.5 * kFs));
        for (int i = 5000; i < 5100; ++i) {
            s[0][size_t(i)] = std::numeric_limits<float>::quiet_NaN();
            s[1][size_t(i)] = i % 2 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
        }
        s[0][7000] = 1e30f;
        s[1][7001] = -3e38f;
        render(*e, s, 256);
        for (const auto& ch : s)
            for (float x : ch) REQUIRE(std::isfinite(x));
        CHECK(rms(s[0], int(0.4 * kFs), int(0.1 * kFs)) > 1e-4);
    }
}

TEST_CASE("absurd tuning never makes the output non-finite", "[engine][safety]") {
    HostControls c;
    c[HostParam::tau] = 1.f;          // far below the step: Euler diverges, the cell restarts
    c[HostParam::timeScale] = 100.f;
    c[HostParam::sigma] = 0.01f;
    c[HostParam::noiseSigma] = 2.f;
    c[HostParam::leak] = 2.f;
    c[HostParam::activation] = 11.f;
    c[HostParam::outputGain] = 12.f;
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        auto e = Engine::create(loadPatch(fp.json), {kFs, 2, 512});
        e->setControls(c);
        Signal s = testSignal(int(0.5 * kFs));
        render(*e, s, 512);
        for (const auto& ch : s)
            for (float x : ch) REQUIRE(std::isfinite(x));
    }
}

TEST_CASE("no subnormal output - even as sound decays into silence", "[engine][safety]") {
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        auto e = Engine::create(loadPatch(fp.json), {kFs, 2, 512});
        Signal s = silence(2, int(3 * kFs));
        addSine(s, kFs, 200, 1e-3, 0, int(0.2 * kFs));
        for (int i = 100; i < 200; ++i) s[0][size_t(i)] = 1e-39f; // subnormal input
        render(*e, s, 512);
        long subnormals = 0;
        for (const auto& ch : s)
            for (float x : ch) subnormals += std::fpclassify(x) == FP_SUBNORMAL;
        CHECK(subnormals == 0);
    }
}

TEST_CASE("process - setControls and addEvent allocate nothing after create", "[engine][realtime]") {
    for (const auto& fp : factoryPatches()) {
        INFO(fp.name);
        auto e = Engine::create(loadPatch(fp.json), {kFs, 2, 4096});
        Signal s = testSignal(int(kFs));
        HostControls c;
        Stream feed(*e, s);
        long allocs = 0;
        int k = 0;
        for (int len : {1, 17, 64, 512, 4096, 0, 333, 4096, 4096}) {
            c[HostParam::focus] = float(k % 2);
            c[HostParam::activation] = float(k % 14);
            c[HostParam::prior] = float(k % 4);
            c[HostParam::integrator] = float(k % 3);
            c[HostParam::tau] = 10.f + 50.f * k;
            c[HostParam::reset] = float(k == 4);
            ++k;
            rt::Scope scope;
            e->setControls(c);
            e->addEvent({3, ControlEvent::reward, 0.5f});
            e->addEvent({10, ControlEvent::endEpisode, 0.f});
            feed(len);
            e->reset();
            allocs += scope.allocations();
        }
        CHECK(allocs == 0);
    }
}

TEST_CASE("the allocation counter does count", "[engine][realtime]") {
    rt::Scope scope;
    auto v = std::make_unique<std::vector<int>>(100);
    CHECK(scope.allocations() >= 2);
}

TEST_CASE("telemetry: fixed-size snapshots about 30 times a second - one way", "[engine][telemetry]") {
    auto e = Engine::create(factory("Reward-Gated EQ"), {kFs, 2, 512});
    Signal s = testSignal(int(0.5 * kFs));
    render(*e, s, 512);
    Telemetry t;
    int count = 0;
    Telemetry last;
    while (e->popTelemetry(t)) {
        ++count;
        last = t;
    }
    CHECK(count >= 13); // 0.5 s at ~30/s, the FIFO holds 15
    CHECK(count <= 16);
    CHECK(last.numNodes == 8); // in, expect, error, forget, critic, praise, blame, out
    CHECK(last.numBands == 48);
    CHECK(std::string(last.nodes[1].id) == "expect");
    CHECK(last.nodes[1].kind == NodeKind::RateCell);
    CHECK(last.nodes[1].main.name == "zF");
    CHECK(last.nodes[1].main.numValues == 48);
    CHECK(last.nodes[1].secondary.name == "z");
    CHECK(last.nodes[4].kind == NodeKind::RewardErrorCell);
    CHECK(last.nodes[4].scalar.name == "mu");
    CHECK(last.nodes[2].scalar.name == "L");
    CHECK(last.nodes[2].scalar.value < 0.f);
    CHECK(last.cpuLoad > 0.f);
    CHECK_FALSE(e->popTelemetry(t));
}

TEST_CASE("create rejects bad configurations", "[engine][config]") {
    const Patch p = factory("Predictive EQ");
    CHECK_THROWS_AS(Engine::create(p, {0.0, 2, 512}), ConfigError);
    CHECK_THROWS_AS(Engine::create(p, {48000.0, 0, 512}), ConfigError);
    CHECK_THROWS_AS(Engine::create(p, {48000.0, kMaxEngineChannels + 1, 512}), ConfigError);
    for (double fs : {22050.0, 44100.0, 96000.0, 192000.0}) {
        auto e = Engine::create(p, {fs, 1, 512});
        Signal s = testSignal(4096);
        render(*e, s, 512);
        for (float x : s[0]) REQUIRE(std::isfinite(x));
    }
}

TEST_CASE("threshold bindings reach the RateCell live", "[engine][bindings]") {
    auto run = [](float threshold, float lambda) {
        auto e = Engine::create(factory("Predictive EQ"), {kFs, 2, 512});
        HostControls c;
        c[HostParam::threshold] = threshold;
        c[HostParam::thresholdLambda] = lambda;
        e->setControls(c);
        Signal s = testSignal(int(1.0 * kFs));
        render(*e, s, 512);
        double sum = 0;
        for (float z : e->probe("expect", "z")) sum += std::abs(z);
        return sum;
    };
    const double none = run(0.f, 1.f);
    const double soft = run(1.f, 1.f); // soft_threshold, lambda = 0.01 per step
    INFO("sum |z| without threshold " << none << ", with soft threshold " << soft);
    CHECK(none > 1.0);
    CHECK(soft < 0.5 * none);
    // lambda 0 makes the soft threshold the identity
    CHECK(run(1.f, 0.f) == Approx(none).epsilon(1e-6));
}

TEST_CASE("binding fields are resolved when the patch loads", "[engine][bindings]") {
    const auto p = factory("Predictive EQ");
    REQUIRE_FALSE(p.bindings.empty());
    for (const auto& b : p.bindings) {
        INFO(b.field);
        CHECK((b.fieldIndex >= 0) != (b.wireField != WireField::none));
    }
}
