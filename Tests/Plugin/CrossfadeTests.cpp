// SPDX-License-Identifier: GPL-3.0-or-later
// Engine swaps (a patch change, a workbench edit) crossfade: no dropout, no click.
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using graded::plugin::GradedCellsProcessor;

namespace {
constexpr double kFs = 48000.0;
const char* kThrough = R"({"format": 1, "name": "Through", "description": "%s",
  "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 16}}, {"id": "out", "kind": "AudioOut"}]})";

std::string throughPatch(const char* description) {
    return juce::String(kThrough).replace("%s", description).toStdString();
}

/** Plays a 440 Hz sine (0.3) in blocks of `block`; calls `atBlock(b)` before block b. */
template <typename F> std::vector<float> playSine(GradedCellsProcessor& proc, int blocks, int block, F&& atBlock) {
    std::vector<float> out;
    juce::AudioBuffer<float> buffer(2, block);
    juce::MidiBuffer midi;
    long n = 0;
    for (int b = 0; b < blocks; ++b) {
        atBlock(b);
        for (int i = 0; i < block; ++i, ++n)
            for (int ch = 0; ch < 2; ++ch)
                buffer.setSample(ch, i, 0.3f * float(std::sin(2.0 * juce::MathConstants<double>::pi * 440.0 * double(n) / kFs)));
        proc.processBlock(buffer, midi);
        for (int i = 0; i < block; ++i) out.push_back(buffer.getSample(0, i));
    }
    return out;
}

/** The smallest and largest RMS (dB) of 128-sample windows in [from, to). */
std::pair<double, double> windowRangeDb(const std::vector<float>& x, size_t from, size_t to) {
    double lo = 1e9, hi = -1e9;
    for (size_t w = from; w + 128 <= to; w += 64) {
        double e = 0;
        for (size_t i = w; i < w + 128; ++i) e += double(x[i]) * x[i];
        const double db = 10.0 * std::log10(e / 128.0 + 1e-20);
        lo = std::min(lo, db);
        hi = std::max(hi, db);
    }
    return {lo, hi};
}
} // namespace

TEST_CASE("a patch change while audio runs crossfades: no dropout, no jump", "[plugin][crossfade]") {
    for (int block : {64, 256, 1024}) {
        INFO("block " << block);
        GradedCellsProcessor proc;
        proc.prepareToPlay(kFs, block);
        juce::String error;
        REQUIRE(proc.loadUserPatchJson(throughPatch("a"), error));
        const int swapBlock = int(kFs / block);   // after one second
        const auto out = playSine(proc, int(2 * kFs / block), block, [&](int b) {
            if (b == swapBlock) REQUIRE(proc.loadUserPatchJson(throughPatch("b"), error)); // a new engine
        });
        CHECK(proc.monitor().crossfades.load() == 1);
        CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
        const size_t swapAt = size_t(swapBlock) * size_t(block);
        const auto steady = windowRangeDb(out, swapAt - 12000, swapAt);
        const auto across = windowRangeDb(out, swapAt - 512, swapAt + 4800);
        INFO("steady " << steady.first << ".." << steady.second << " dB, across the swap " << across.first << ".."
                       << across.second << " dB");
        // without the crossfade the new engine's latency (112 samples) is silence: -200 dB here
        CHECK(across.first > steady.first - 1.5);
        CHECK(across.second < steady.second + 1.5);
        // and no step from one sample to the next larger than the sine's own
        float maxStep = 0.f;
        for (size_t i = swapAt - 512; i < swapAt + 4800; ++i) maxStep = std::max(maxStep, std::abs(out[i + 1] - out[i]));
        CHECK(maxStep < 0.3f * 2.f * float(juce::MathConstants<double>::pi) * 440.f / float(kFs) * 1.5f);
    }
}

TEST_CASE("after reset() a pending engine takes over at once (no fade from the old one)", "[plugin][crossfade]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(kFs, 256);
    juce::String error;
    REQUIRE(proc.loadUserPatchJson(throughPatch("a"), error));
    playSine(proc, 50, 256, [](int) {});
    REQUIRE(proc.loadUserPatchJson(throughPatch("b"), error));
    proc.reset();
    playSine(proc, 10, 256, [](int) {});
    CHECK(proc.monitor().crossfades.load() == 0);
    CHECK(proc.monitor().engineSwaps.load() >= 1);
    // a later swap fades again, and rapid swaps queue behind the running fade without a gap
    REQUIRE(proc.loadUserPatchJson(throughPatch("c"), error));
    playSine(proc, 2, 256, [](int) {});
    REQUIRE(proc.loadUserPatchJson(throughPatch("d"), error));
    const auto out = playSine(proc, 40, 256, [](int) {});
    CHECK(proc.monitor().crossfades.load() == 2);
    CHECK(windowRangeDb(out, 0, out.size()).first > -15.0);
    proc.releaseResources(); // with nothing left fading
}
