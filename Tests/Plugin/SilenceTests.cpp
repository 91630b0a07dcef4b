// SPDX-License-Identifier: GPL-3.0-or-later
// Silence stays silent (issue 9): every factory patch, at the start, after a reset (the host's
// reset(), the `reset` parameter, CC 123) and after a patch switch, on silent input; and a
// patch switch while music plays leaves no burst once the input stops.
#include "ProcessorTestUtil.h"

#include "Graph/HostParams.h"
#include "Graph/Patch.h"
#include "Parameters.h"

#include <cmath>

using namespace graded;
using namespace graded::plugin;
using namespace graded::test;

namespace {

void setPlainValue(GradedCellsProcessor& proc, HostParam p, float value) {
    auto* param = proc.parameters().getParameter(parameterId(p));
    REQUIRE(param != nullptr);
    param->setValueNotifyingHost(param->convertTo0to1(value));
}

/** Runs `samples` of silence (or a tone, level > 0) in 480-sample blocks with `midi` in the
    first block; returns the output's peak in dBFS (-300 for digital silence). */
double runPeakDb(GradedCellsProcessor& proc, int samples, float level = 0.f, const juce::MidiBuffer& first = {}) {
    float peak = 0.f;
    long t = 0;
    for (int done = 0; done < samples; done += 480) {
        juce::AudioBuffer<float> b(2, 480);
        for (int c = 0; c < 2; ++c)
            for (int i = 0; i < 480; ++i, ++t) b.setSample(c, i, level * float(std::sin(0.0577 * double(t)) + 0.3 * std::sin(0.31 * double(t))));
        juce::MidiBuffer midi;
        if (done == 0) midi = first;
        proc.processBlock(b, midi);
        peak = std::max(peak, b.getMagnitude(0, 480));
    }
    return peak > 0.f ? 20.0 * std::log10(double(peak)) : -300.0;
}

} // namespace

TEST_CASE("silence stays silent: at the start, after every kind of reset, after a patch switch", "[plugin][silence]") {
    const int n = int(factoryPatches().size());
    for (int p = 0; p < n; ++p) {
        INFO(factoryPatches()[size_t(p)].name);
        GradedCellsProcessor proc;
        setPlainValue(proc, HostParam::patch, float(p));
        proc.prepareToPlay(48000.0, 480);
        pumpMessages(20);
        CHECK(runPeakDb(proc, 48000) < -90.0); // start

        // after music: stop the input, let the tails ring out, then the resets
        runPeakDb(proc, 48000, 0.5f);
        runPeakDb(proc, 96000);
        proc.reset();
        CHECK(runPeakDb(proc, 24000) < -90.0);
        setPlainValue(proc, HostParam::reset, 1.f);
        CHECK(runPeakDb(proc, 24000) < -90.0);
        setPlainValue(proc, HostParam::reset, 0.f);
        juce::MidiBuffer allOff;
        allOff.addEvent(juce::MidiMessage::allNotesOff(1), 0);
        CHECK(runPeakDb(proc, 24000, 0.f, allOff) < -90.0);

        // a switch to every other patch, on silence
        for (int q = 0; q < n; ++q) {
            INFO("switched to " << factoryPatches()[size_t(q)].name);
            setPlainValue(proc, HostParam::patch, float(q));
            pumpMessages(50); // the new engine is built on the message thread and handed over
            CHECK(runPeakDb(proc, 24000) < -90.0);
        }
    }
}

TEST_CASE("a patch switch during music leaves nothing behind once the input stops", "[plugin][silence]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 480);
    const int n = int(factoryPatches().size());
    for (int q = 1; q <= n; ++q) {
        INFO("to " << factoryPatches()[size_t(q % n)].name);
        runPeakDb(proc, 24000, 0.5f);
        setPlainValue(proc, HostParam::patch, float(q % n));
        pumpMessages(50);
        runPeakDb(proc, 24000, 0.5f);
        runPeakDb(proc, 96000); // tails ring out (the Noise Texture neurons leak away)
        CHECK(runPeakDb(proc, 24000) < -90.0);
    }
}
