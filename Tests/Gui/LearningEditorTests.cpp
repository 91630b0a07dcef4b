// SPDX-License-Identifier: GPL-3.0-or-later
// The editor with a learning circuit: the weights panel (heat maps fed by the processor's
// frames) and the learn / learn-rate / reset-weights controls appear only for patches with
// synapses; a switch that throws learned weights away is said in the status line.
#include <catch2/catch.hpp>

#include "PluginEditor.h"
#include "PluginProcessor.h"
#include "EditorRig.h"
#include "../Plugin/ProcessorTestUtil.h"

#include <cmath>

using graded::HostParam;
using graded::gui::PluginEditor;
using graded::plugin::GradedCellsProcessor;
using graded::test::EditorRig;

namespace {

void playChord(GradedCellsProcessor& p, double seconds) {
    juce::AudioBuffer<float> buffer(2, 512);
    juce::MidiBuffer midi;
    const int blocks = int(seconds * 48000.0 / 512);
    long n = 0;
    for (int b = 0; b < blocks; ++b) {
        for (int i = 0; i < 512; ++i, ++n) {
            const double t = double(n) / 48000.0;
            const float v = float(0.3 * std::sin(2 * M_PI * 440 * t) + 0.15 * std::sin(2 * M_PI * 1320 * t));
            buffer.setSample(0, i, v);
            buffer.setSample(1, i, v);
        }
        p.processBlock(buffer, midi);
    }
}

} // namespace

TEST_CASE("editor: a learning circuit shows its weights and the learning controls", "[gui][learning]") {
    EditorRig rig(512, false);
    auto& proc = rig.proc;
    rig.open(1100, 720);
    auto& editor = rig.editor();
    editor.refreshNow();
    // factory patch 0 has no synapses: nothing of it shows
    CHECK_FALSE(editor.learningShown());
    CHECK(editor.controlFor(HostParam::learn) == nullptr);
    CHECK_FALSE(editor.weights().isVisible());

    juce::String error;
    const auto file = juce::File(GRADED_TEST_PATCHES_DIR).getChildFile("pc-circuit.json");
    REQUIRE(proc.loadUserPatchFile(file, error));
    editor.refreshNow();
    CHECK(editor.learningShown());
    CHECK(editor.weights().isVisible());
    CHECK(editor.weights().getWidth() > 100);
    for (auto p : {HostParam::learn, HostParam::learnRate, HostParam::resetWeights}) {
        auto* c = editor.controlFor(p);
        REQUIRE(c != nullptr);
        CHECK(c->isVisible());
        CHECK(c->getWidth() > 40);
    }
    // the learn button moves the parameter
    editor.controlFor(HostParam::learn)->button()->setToggleState(false, juce::sendNotificationSync);
    CHECK(proc.parameters().getRawParameterValue("learn")->load() == 0.f);
    editor.controlFor(HostParam::learn)->button()->setToggleState(true, juce::sendNotificationSync);

    playChord(proc, 1.0);
    editor.refreshNow();
    CHECK(editor.weights().framesSeen() > 0);
    CHECK(editor.weights().mapsShown() == 1); // W1 (E1 is tied to it)

    // the momentary reset-weights button releases itself
    editor.controlFor(HostParam::resetWeights)->button()->setToggleState(true, juce::sendNotificationSync);
    for (int i = 0; i < 10; ++i) editor.refreshNow();
    CHECK(proc.parameters().getRawParameterValue("resetWeights")->load() == 0.f);

    // switching away from what it learned: the status line says so
    playChord(proc, 1.0);
    proc.selectFactoryPatch(0);
    editor.refreshNow();
    CHECK(editor.statusText().contains("Learned weights of W1 were discarded"));
    CHECK_FALSE(editor.learningShown());
    CHECK_FALSE(editor.weights().isVisible());
}
