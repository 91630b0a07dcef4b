// SPDX-License-Identifier: GPL-3.0-or-later
// Views that tell the truth: bound knobs show the value in effect on their field, global
// knobs that do nothing are disabled and say why, CC tooltips follow the configured CCs,
// the live views show what the cells use, and a refused patch file's error stays.
#include <catch2/catch.hpp>

#include "PluginEditor.h"
#include "PluginProcessor.h"
#include "EditorRig.h"
#include "../Plugin/ProcessorTestUtil.h"

#include <cmath>
#include <cstdlib>

using graded::HostParam;
using graded::gui::PluginEditor;
using graded::plugin::GradedCellsProcessor;
using graded::test::EditorRig;

namespace {

void setParam(GradedCellsProcessor& p, const char* id, float value) {
    auto* param = p.parameters().getParameter(id);
    REQUIRE(param != nullptr);
    param->setValueNotifyingHost(param->convertTo0to1(value));
}

void selectFactory(GradedCellsProcessor& p, const juce::String& name) {
    const int index = GradedCellsProcessor::factoryPatchNames().indexOf(name);
    REQUIRE(index >= 0);
    p.selectFactoryPatch(index);
}

/** Runs `seconds` of a 1 kHz tone with a 4 Hz on/off pulse, pulling telemetry into the
    editor every 50 ms (its FIFO holds only a few snapshots). */
void run(GradedCellsProcessor& p, PluginEditor* ed, double seconds, double sr = 48000.0, int block = 480) {
    juce::AudioBuffer<float> buffer(2, block);
    juce::MidiBuffer midi;
    double phase = 0;
    long n = 0;
    const int blocks = int(seconds * sr / block);
    for (int b = 0; b < blocks; ++b) {
        for (int i = 0; i < block; ++i, ++n) {
            const float on = (n / 6000) % 2 ? 0.05f : 0.4f;
            const float s = on * float(std::sin(phase));
            phase += 2.0 * juce::MathConstants<double>::pi * 1000.0 / sr;
            buffer.setSample(0, i, s);
            buffer.setSample(1, i, s);
        }
        p.processBlock(buffer, midi);
        if (ed && b % 5 == 4) ed->refreshNow();
    }
}

} // namespace

TEST_CASE("a bound knob shows the value in effect on the field it drives", "[gui]") {
    EditorRig rig(480, false);
    auto& proc = rig.proc;
    selectFactory(proc, "Predictive EQ");
    auto* ed = rig.open(0, 0);
    REQUIRE(ed != nullptr);
    ed->refreshNow();
    auto* tau = ed->controlFor(HostParam::tau);
    REQUIRE(tau != nullptr);
    CHECK(tau->effect() == "-> expect.tau_m 200 ms");          // Tau 40 ms x 5
    CHECK(tau->tooltipText().contains("Drives expect.tau_m"));
    CHECK(ed->nodeInfoText().contains("tau_m = 200 ms* (Tau)"));
    setParam(proc, "tau", 100.0f);
    ed->refreshNow();
    CHECK(tau->effect() == "-> expect.tau_m 500 ms");
    CHECK(ed->nodeInfoText().contains("tau_m = 500 ms* (Tau)"));
    CHECK_FALSE(ed->nodeInfoText().contains("tau_m = 200"));  // the file's value is not in effect
    // a choice: the prior's name; a scaled leak: 0.01 x host
    auto* prior = ed->controlFor(HostParam::prior);
    REQUIRE(prior != nullptr);
    CHECK(prior->effect().startsWith("-> expect.prior "));
    // Robust Leveler: Tau 100 ms x 25
    selectFactory(proc, "Robust Leveler");
    ed->refreshNow();
    tau = ed->controlFor(HostParam::tau);
    REQUIRE(tau != nullptr);
    CHECK(tau->effect() == "-> track.tau_m 2500 ms");
    // the focus knob shows the wire gain and bias it sets (Predictive EQ: 800 x focus - 400)
    selectFactory(proc, "Predictive EQ");
    setParam(proc, "focus", 0.5f);
    ed->refreshNow();
    auto* focus = ed->controlFor(HostParam::focus);
    REQUIRE(focus != nullptr);
    CHECK(focus->effect() == "-> hear.gain 0, hear.bias -15");
}

TEST_CASE("global knobs that do nothing in a patch are disabled and say why; CC tooltips follow the CCs", "[gui]") {
    EditorRig rig(480, false);
    auto& proc = rig.proc;
    selectFactory(proc, "Noise Texture");
    auto* ed = rig.open(0, 0);
    REQUIRE(ed != nullptr);
    ed->refreshNow();
    auto* focus = ed->controlFor(HostParam::focus);
    auto* reward = ed->controlFor(HostParam::reward);
    REQUIRE(focus != nullptr);
    REQUIRE(reward != nullptr);
    CHECK_FALSE(focus->isEnabled());
    CHECK(focus->tooltipText().startsWith("Focus does nothing in this patch"));
    CHECK_FALSE(reward->isEnabled());
    CHECK(reward->tooltipText().contains("no RewardErrorCell"));
    CHECK(ed->controlFor(HostParam::dryWet)->isEnabled());

    selectFactory(proc, "Predictive EQ");
    ed->refreshNow();
    CHECK(focus->isEnabled());
    CHECK_FALSE(reward->isEnabled());

    selectFactory(proc, "Reward-Gated EQ");
    ed->refreshNow();
    CHECK(focus->isEnabled());
    CHECK(reward->isEnabled());
    CHECK(reward->tooltipText().contains("CC 1;"));
    CHECK(reward->tooltipText().contains("CC 64 ends an episode"));
    proc.setRewardCc(7);
    proc.setEpisodeCc(20);
    ed->refreshNow();
    CHECK(reward->tooltipText().contains("CC 7;"));
    CHECK(reward->tooltipText().contains("CC 20 ends an episode"));
    CHECK_FALSE(reward->tooltipText().contains("CC 1;"));
    for (auto p : {HostParam::focus, HostParam::reward, HostParam::reset, HostParam::resetWeights})
        if (auto* c = ed->controlFor(p)) CHECK_FALSE(c->tooltipText().contains("CC 1 "));
}

TEST_CASE("the live views show what the cells use", "[gui]") {
    EditorRig rig(480, false);
    auto& proc = rig.proc;
    selectFactory(proc, "Predictive EQ");
    auto* ed = rig.open(0, 0);
    REQUIRE(ed != nullptr);
    run(proc, ed, 1.5);
    auto rows = ed->strips().rowLabels();
    CHECK(rows.contains("out.appliedDb"));
    CHECK_FALSE(rows.contains("out.bandGains"));
    CHECK(ed->traces().names().contains("surprise.L"));

    // stale snapshots of the previous patch, queued when the patch changes, are not shown
    run(proc, nullptr, 0.3);
    selectFactory(proc, "Noise Texture");
    ed->refreshNow();
    CHECK_FALSE(ed->traces().names().contains("surprise.L"));
    for (const auto& name : ed->traces().names()) CHECK((name.startsWith("out.") || name.startsWith("texture.")));
    run(proc, ed, 1.0);
    for (const auto& name : ed->traces().names()) CHECK((name.startsWith("out.") || name.startsWith("texture.")));
    rows = ed->strips().rowLabels();
    INFO(rows.joinIntoString(", ").toStdString());
    CHECK(rows.contains("out.noise"));       // what Noise Texture uses (no wire drives its bandGains)
    CHECK_FALSE(rows.contains("out.appliedDb"));
    CHECK_FALSE(rows.contains("out.bandGains"));
    CHECK_FALSE(rows.contains("expect.zF"));

    // Onset Gate: the expectation is a logit; the view plots P = sigmoid in 0..1
    selectFactory(proc, "Onset Gate");
    run(proc, ed, 1.5);
    CHECK(ed->bands().legend().contains("P = sigmoid(belief."));
    for (int k = 0; k < 4; ++k) {
        const float v = ed->bands().expectation(k);
        CHECK(v >= 0.0f);
        CHECK(v <= 1.0f);
    }

    // Robust Leveler: the Laplacian error's L is labelled for what it is
    selectFactory(proc, "Robust Leveler");
    run(proc, ed, 3.0);
    const int i = ed->traces().names().indexOf("error.L");
    REQUIRE(i >= 0);
    INFO(ed->traces().legendText(i).toStdString());
    CHECK(ed->traces().legendText(i).contains("counts mismatched units"));
}

TEST_CASE("a refused user patch's error stays until dismissed or another patch loads", "[gui]") {
    // a private HOME, so the user patch folder is a temporary one
    const juce::String oldHome = juce::SystemStats::getEnvironmentVariable("HOME", {});
    juce::TemporaryFile home;
    REQUIRE(home.getFile().createDirectory());
    setenv("HOME", home.getFile().getFullPathName().toRawUTF8(), 1);
    const auto folder = juce::File::getSpecialLocation(juce::File::userApplicationDataDirectory)
                            .getChildFile("GradedCells").getChildFile("Patches");
    REQUIRE(folder.isAChildOf(home.getFile()));
    REQUIRE(folder.createDirectory());
    REQUIRE(folder.getChildFile("broken.json").replaceWithText("{ \"format\": 1, \"nodes\": [ }"));
    {
        EditorRig rig(480, false);
        auto& proc = rig.proc;
        auto* ed = rig.open(0, 0);
        REQUIRE(ed != nullptr);
        ed->refreshNow();
        CHECK(ed->statusText().isEmpty());
        ed->patchSelector().setSelectedId(1000, juce::sendNotificationSync);
        CHECK(ed->statusText().contains("Could not load broken.json"));
        CHECK(ed->patchSelector().getSelectedId() != 1000); // the selector shows what still runs
        for (int tick = 0; tick < 3; ++tick) {
            run(proc, nullptr, 0.05);
            ed->refreshNow();
        }
        CHECK(ed->statusText().contains("Could not load broken.json"));
        ed->dismissError();
        CHECK(ed->statusText().isEmpty());
        // again, then another patch clears it
        ed->patchSelector().setSelectedId(1000, juce::sendNotificationSync);
        ed->refreshNow();
        INFO("status: " << ed->statusText().toStdString());
        CHECK(ed->statusText().contains("Could not load broken.json"));
        ed->patchSelector().setSelectedId(2, juce::sendNotificationSync);
        ed->refreshNow();
        CHECK(ed->statusText().isEmpty());
    }
    setenv("HOME", oldHome.toRawUTF8(), 1);
    home.getFile().deleteRecursively();
}
