// SPDX-License-Identifier: GPL-3.0-or-later
// The editor's side of MIDI learn and OSC through its API (no display needed): the
// right-click menu, the mapping list (review, clash shown, clear), and the OSC fields.
#include "PluginEditor.h"
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"
#include "../Gui/EditorRig.h"
#include "RemoteControl.h"

#include <catch2/catch.hpp>

using graded::HostParam;
using graded::gui::RemoteControlPanel;
using graded::plugin::GradedCellsProcessor;
using graded::test::EditorRig;

namespace {
juce::StringArray itemsOf(const juce::PopupMenu& menu) {
    juce::StringArray out;
    for (juce::PopupMenu::MenuItemIterator it(menu); it.next();) out.add(it.getItem().text);
    return out;
}
/** Runs a menu item's action as a click on it would. */
void clickItem(const juce::PopupMenu& menu, const juce::String& text) {
    bool found = false;
    for (juce::PopupMenu::MenuItemIterator it(menu); it.next();)
        if (it.getItem().text == text && it.getItem().action) {
            it.getItem().action();
            found = true;
        }
    REQUIRE(found);
}
void learnCc(GradedCellsProcessor& proc, int cc, int value) {
    juce::AudioBuffer<float> buffer(2, 256);
    buffer.clear();
    juce::MidiBuffer midi;
    midi.addEvent(juce::MidiMessage::controllerEvent(1, cc, value), 0);
    proc.processBlock(buffer, midi);
}
} // namespace

TEST_CASE("editor: the right-click menu arms MIDI learn and forgets a mapping", "[plugin][midilearn][editor]") {
    EditorRig rig(256, false);
    auto& proc = rig.proc;
    auto* ed = rig.open(0, 0, true); // as a host opens it: the processor's active editor
    REQUIRE(ed != nullptr);
    REQUIRE(ed->controlFor(HostParam::dryWet) != nullptr);
    auto& ui = ed->remoteControl();
    CHECK(ui.button().isVisible());
    CHECK(ui.button().getWidth() > 0);

    auto items = itemsOf(ui.menuFor(HostParam::dryWet));
    REQUIRE(items.contains("MIDI learn"));
    // trigger the item as a click would
    clickItem(ui.menuFor(HostParam::dryWet), "MIDI learn");
    CHECK(proc.midiLearn().armed() == HostParam::dryWet);
    CHECK(itemsOf(ui.menuFor(HostParam::dryWet)).contains("Cancel MIDI learn"));
    learnCc(proc, 22, 127);
    CHECK(proc.midiLearn().ccFor(HostParam::dryWet) == 22);
    items = itemsOf(ui.menuFor(HostParam::dryWet));
    CHECK(items.contains("Forget CC 22"));
    clickItem(ui.menuFor(HostParam::dryWet), "Forget CC 22");
    CHECK(proc.midiLearn().ccFor(HostParam::dryWet) == -1);
    rig.base.reset();
}

TEST_CASE("editor: the mapping list shows, flags clashes and clears; OSC fields are checked", "[plugin][midilearn][osc][editor]") {
    EditorRig rig(256, false);
    auto& proc = rig.proc;
    RemoteControlPanel panel(proc);
    CHECK(panel.numMappings() == 0);
    panel.learn(HostParam::tau);
    CHECK(proc.midiLearn().armed() == HostParam::tau);
    learnCc(proc, 7, 0);
    proc.midiLearn().map(9, HostParam::leak);
    panel.refresh();
    REQUIRE(panel.numMappings() == 2);
    CHECK(panel.mappingText(0).contains("CC 7"));
    CHECK(panel.mappingText(0).contains("Tau"));
    CHECK_FALSE(panel.mappingText(0).contains("inactive"));
    proc.setRewardCc(9); // a clash is said, not silent
    panel.refresh();
    CHECK(panel.mappingText(1).contains("inactive: CC 9 is the reward CC"));
    panel.clearRow(0);
    CHECK(panel.numMappings() == 1);
    CHECK(proc.midiLearn().ccFor(HostParam::tau) == -1);

    panel.oscPort().setText("0");
    CHECK_FALSE(panel.applyOsc());
    CHECK(panel.oscStatusText().contains("Not applied"));
    CHECK_FALSE(proc.osc().settings().enabled);
    panel.oscPort().setText("9555");
    panel.feedbackSelect().setText("error/L");
    CHECK(panel.applyOsc()); // (receiver left off: no port opened here)
    CHECK(proc.osc().settings().port == 9555);
    CHECK(proc.osc().settings().feedbackSelect == "error/L");
    CHECK(panel.oscStatusText().contains("Receiver: off"));
}
