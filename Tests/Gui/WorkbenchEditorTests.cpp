// SPDX-License-Identifier: GPL-3.0-or-later
// The workbench inside the real editor and processor, end to end: build a circuit from an
// empty graph with the mouse, watch it run while the last valid patch keeps playing through
// invalid edits, save it to the user folder, reload it from the patch menu, render it with
// graded-cli, rename and delete it, and undo every step back to the empty graph. Writes the
// README's workbench screenshots (into Resources/Screenshots with GRADED_UPDATE_SCREENSHOTS=1).
#include <catch2/catch.hpp>

#include "EditorRig.h"
#include "MouseTestUtil.h"
#include "PluginEditor.h"
#include "PluginProcessor.h"
#include "../Plugin/ProcessorTestUtil.h"

#include <Graph/Patch.h>

#include <cmath>
#include <cstdlib>

using graded::NodeKind;
using graded::gui::PatchDocument;
using graded::gui::PluginEditor;
using graded::plugin::GradedCellsProcessor;
using namespace graded::test;
using json = nlohmann::json;

namespace {

/** Processes `blocks` blocks of a 440 Hz + 2.5 kHz signal; returns the peak of the output. */
float play(GradedCellsProcessor& p, int blocks, long& n) {
    juce::AudioBuffer<float> buffer(2, 256);
    juce::MidiBuffer midi;
    float peak = 0.f;
    for (int b = 0; b < blocks; ++b) {
        for (int i = 0; i < 256; ++i, ++n) {
            const double t = double(n) / 48000.0;
            const float x = float(0.2 * std::sin(2 * juce::MathConstants<double>::pi * 440.0 * t)
                                  + 0.1 * std::sin(2 * juce::MathConstants<double>::pi * 2500.0 * t));
            buffer.setSample(0, i, x);
            buffer.setSample(1, i, x);
        }
        p.processBlock(buffer, midi);
        peak = std::max(peak, buffer.getMagnitude(0, 256));
    }
    return peak;
}

juce::File screenshotDir() {
    if (juce::SystemStats::getEnvironmentVariable("GRADED_UPDATE_SCREENSHOTS", {}) == "1")
        return juce::File(GRADED_SOURCE_DIR).getChildFile("Resources/Screenshots");
    return juce::File::getSpecialLocation(juce::File::currentExecutableFile).getParentDirectory();
}

} // namespace

TEST_CASE("Workbench in the editor: build from an empty graph, run, save, reload, render, undo to empty",
          "[workbench][editor]") {
    EditorRig rig; // 48 kHz, 256-sample blocks, a user folder of its own
    rig.open(1280, 860);
    auto& [temp, proc, base, n] = rig;
    auto& editor = rig.editor();
    auto& doc = editor.document();
    play(proc, 20, n);

    // Opening the workbench shows the running factory patch; nothing is rebuilt.
    editor.setWorkbenchOpen(true);
    CHECK(editor.workbench().isVisible());
    CHECK_FALSE(editor.graph().isVisible());
    CHECK(doc.name() == "Predictive EQ");
    CHECK(doc.valid());
    CHECK(proc.monitor().engineSwaps.load() == 0);
    CHECK_FALSE(doc.canUndo());
    const json factory = doc.doc();
    for (int i = 0; i < int(doc.nodeIds().size()); ++i) { // fitted: every box in view
        INFO("node " << doc.nodeIds()[size_t(i)]);
        CHECK(editor.workbench().canvas().getLocalBounds().toFloat().contains(editor.workbench().canvas().nodeBounds(i)));
    }

    // New > Empty graph: invalid, so Predictive EQ keeps playing.
    doc.newFromTemplate(PatchDocument::Template::empty);
    const json empty = doc.doc();
    CHECK_FALSE(doc.valid());
    pump();
    CHECK(editor.workbench().issueLine().contains("keeps playing"));
    CHECK(play(proc, 40, n) > 0.01f);
    CHECK_FALSE(proc.currentPatch().user);
    CHECK(proc.monitor().engineSwaps.load() == 0);

    // Nodes (the "Add node" menu's action), then wires drawn with the mouse.
    auto& canvas = editor.workbench().canvas();
    canvas.setScale(1.0f);
    canvas.setViewOffset({0, 0});
    canvas.addNodeAt(NodeKind::AudioIn, {20, 150});
    canvas.addNodeAt(NodeKind::RateCell, {240, 30});
    canvas.addNodeAt(NodeKind::GaussianErrorCell, {460, 120});
    canvas.addNodeAt(NodeKind::AudioOut, {680, 40});
    const auto ids = doc.nodeIds();
    REQUIRE(ids.size() == 4);
    const std::string in = ids[0], expect = ids[1], surprise = ids[2], out = ids[3];
    CHECK(doc.nodeKind(1) == NodeKind::RateCell);
    // sixteen units each, as many as the input's bands
    REQUIRE(doc.setNodeParam(expect, "n_units", 16));
    REQUIRE(doc.setNodeParam(surprise, "n_units", 16));
    REQUIRE(doc.setNodeParam(expect, "tau_m", 200.0));
    wireByMouse(doc, canvas, in, "bands", surprise, "target");
    wireByMouse(doc, canvas, expect, "zF", surprise, "mu");
    wireByMouse(doc, canvas, surprise, "dmu", out, "bandGains");
    // Every valid step ran at once (a new engine, crossfaded from the one before).
    REQUIRE(doc.valid());
    CHECK(proc.currentPatch().user);
    CHECK(proc.currentPatch().userJson == doc.text());
    const auto lastValid = proc.currentPatch().userJson;
    // The learning loop without a delay: the loader's message lands on the wires of the cycle,
    // and the last valid patch keeps playing.
    wireByMouse(doc, canvas, surprise, "dmu", expect, "j");
    const int loopWire = doc.numWires() - 1;
    REQUIRE_FALSE(doc.valid());
    pump();
    CHECK(canvas.wireIssueTextOf(loopWire).contains("cycle"));
    CHECK(editor.workbench().issueLine().contains("keeps playing"));
    for (int i = 0; i < 30; ++i) { // the last valid patch plays on (and the views follow it)
        CHECK(play(proc, 8, n) > 0.001f);
        editor.refreshNow();
    }
    CHECK(proc.currentPatch().userJson == lastValid);
    CHECK(doc.issues().size() == 2);  // the two wires of the loop (not the wire to out downstream of it)
    CHECK(writeSnapshot(editor, screenshotDir().getChildFile("WorkbenchIssue.png")));
    // Delay it in the inspector (the wire is selected after the drag): valid, and it runs at once.
    REQUIRE(canvas.selectedWire() == loopWire);
    editor.workbench().inspector().refresh();
    auto* delay = dynamic_cast<juce::Button*>(editor.workbench().inspector().control("wire:delay"));
    REQUIRE(delay != nullptr);
    delay->setToggleState(true, juce::sendNotificationSync);
    pump();
    INFO([&] {
        std::string s;
        for (const auto& i : doc.issues()) s += i.path + ": " + i.message + "\n";
        return s;
    }());
    REQUIRE(doc.valid());
    CHECK(editor.workbench().issueLine() == "Valid: playing");
    CHECK(proc.currentPatch().user);
    CHECK(proc.currentPatch().name == "Untitled");
    CHECK(proc.engineStatus().isEmpty());
    const float builtPeak = play(proc, 200, n);
    CHECK(builtPeak > 0.001f);
    CHECK(proc.monitor().crossfades.load() >= 1);     // faded in from Predictive EQ
    CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
    // gain of the wire into bandGains through the inspector's field
    REQUIRE(doc.setWireField(2, "gain", 20.0));
    CHECK(proc.currentPatch().userJson.find("20") != std::string::npos);

    // Moving a node changes only the layout: saved with the patch, nothing rebuilt.
    {
        play(proc, 10, n); // (the gain edit's engine swaps in)
        const int swaps = proc.monitor().engineSwaps.load();
        const auto version = proc.currentPatch().version;
        const auto box = canvas.nodeBounds(doc.nodeIndex(out));
        drag(canvas, box.getTopLeft().translated(50, 10), box.getTopLeft().translated(50, 210));
        play(proc, 10, n);
        CHECK(proc.monitor().engineSwaps.load() == swaps);
        CHECK(proc.currentPatch().version == version);
        CHECK(json::parse(proc.currentPatch().userJson)["nodes"][3]["at"][1] == json(240));
    }
    for (int i = 0; i < 60; ++i) { // live views under the workbench
        play(proc, 8, n);
        editor.refreshNow();
    }
    CHECK(editor.snapshotsSeen() > 0);
    CHECK(writeSnapshot(editor, screenshotDir().getChildFile("Workbench.png")));

    // Save as: a file in the user folder, listed by its name, selected.
    juce::String error;
    REQUIRE(editor.saveDocumentAs("Surprise EQ", false, error));
    REQUIRE(editor.userPatches().size() == 1);
    const auto saved = editor.userPatches()[0].file;
    CHECK(saved.getParentDirectory() == temp->folder);
    CHECK(editor.userPatches()[0].name == "Surprise EQ");
    CHECK(editor.patchSelector().getText() == "Surprise EQ");
    CHECK(editor.selectedUserPatch() == saved);
    CHECK(doc.name() == "Surprise EQ");
    CHECK(proc.currentPatch().name == "Surprise EQ");
    CHECK_FALSE(editor.saveDocumentAs("surprise eq", false, error)); // never replaced silently
    CHECK(error.contains("exists"));

    // Another patch from the menu: the workbench follows; the saved one loads back from its file.
    editor.patchSelector().setSelectedId(2, juce::sendNotificationSync); // factory patch 2
    editor.refreshNow();
    CHECK(doc.name() == graded::factoryPatches()[1].name);
    editor.patchSelector().setSelectedId(1000, juce::sendNotificationSync);
    editor.refreshNow();
    CHECK(proc.currentPatch().name == "Surprise EQ");
    CHECK(doc.name() == "Surprise EQ");
    {
        PatchDocument reloaded;
        std::string e;
        REQUIRE(reloaded.loadJson(saved.loadFileAsString().toStdString(), false, e));
        CHECK(reloaded.engineText() == doc.engineText());
        CHECK(reloaded.text() == doc.text()); // positions too
    }
    CHECK(play(proc, 100, n) > 0.001f);

    // graded-cli renders the saved file.
    {
        const auto wav = temp->folder.getChildFile("render.wav");
        juce::ChildProcess cli;
        REQUIRE(cli.start(juce::StringArray{GRADED_CLI, "render", "--patch", saved.getFullPathName(), wav.getFullPathName()}));
        const auto output = cli.readAllProcessOutput();
        INFO(output);
        CHECK(cli.getExitCode() == 0);
        CHECK(wav.getSize() > 100000); // 6 s of float stereo
        CHECK(output.contains("peak"));
    }

    // Rename and delete in the folder (the running patch keeps running).
    REQUIRE(editor.renameUserPatch(saved, "Surprise EQ 2", error));
    REQUIRE(editor.userPatches().size() == 1);
    CHECK(editor.userPatches()[0].name == "Surprise EQ 2");
    CHECK(editor.userPatches()[0].file.getFileName() == "Surprise-EQ-2.json");
    CHECK(doc.name() == "Surprise EQ 2");
    const auto renamed = editor.userPatches()[0].file;
    REQUIRE(editor.deleteUserPatch(renamed, error));
    CHECK(editor.userPatches().empty());
    CHECK_FALSE(renamed.exists());
    CHECK(proc.currentPatch().name == "Surprise EQ 2");
    CHECK(play(proc, 20, n) > 0.001f);

    // Undo with Ctrl+Z on the canvas until the empty graph, then once more: Predictive EQ.
    int undos = 0;
    while (doc.doc() != empty && undos < 100) {
        REQUIRE(key(canvas, 'z', cmd));
        ++undos;
    }
    CHECK(doc.doc() == empty);
    CHECK(undos > 12);
    CHECK(proc.currentPatch().user);               // an invalid document does not stop what plays
    CHECK(play(proc, 20, n) > 0.001f);
    REQUIRE(key(canvas, 'z', cmd));
    CHECK(doc.doc() == factory);
    CHECK_FALSE(doc.canUndo());
    play(proc, 10, n);
    CHECK_FALSE(proc.currentPatch().user);
    CHECK(proc.currentPatch().factoryIndex == 0);
    CHECK(proc.monitor().nonFiniteOutputs.load() == 0);

    editor.setWorkbenchOpen(false);
    CHECK(editor.graph().isVisible());
    CHECK_FALSE(editor.workbench().isVisible());
}

TEST_CASE("Workbench in the editor: the two-layer template runs and learns (README screenshot)", "[workbench][editor]") {
    EditorRig rig; // 48 kHz, 256-sample blocks, a user folder of its own
    rig.open(1280, 860);
    auto& [temp, proc, base, n] = rig;
    auto& editor = rig.editor();
    editor.setWorkbenchOpen(true);
    auto& doc = editor.document();
    doc.newFromTemplate(PatchDocument::Template::twoLayerPC);
    REQUIRE(doc.valid());
    CHECK(doc.name() == "Two-layer predictive coding");
    pump();
    editor.workbench().canvas().fitToView();
    for (int i = 0; i < 60; ++i) {
        play(proc, 8, n);
        editor.refreshNow();
    }
    CHECK(proc.currentPatch().user);
    CHECK(proc.currentPatch().name == "Two-layer predictive coding");
    CHECK(editor.learningShown());
    // Retuning a cell while it learns keeps what the dictionaries learned (same ids, same shapes).
    graded::WeightSet before, after;
    juce::String why;
    REQUIRE(proc.learnedWeights(before, why));
    REQUIRE(doc.setNodeParam("z1", "tau_m", 120.0));
    REQUIRE(proc.learnedWeights(after, why));
    REQUIRE(before.size() == after.size());
    for (size_t i = 0; i < before.size(); ++i) {
        INFO(before[i].id);
        CHECK(before[i].weights == after[i].weights);
    }
    CHECK(proc.currentPatch().userJson.find("120") != std::string::npos);
    CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
    CHECK(writeSnapshot(editor, screenshotDir().getChildFile("WorkbenchTwoLayer.png")));
}

TEST_CASE("Workbench in the editor: closing and reopening the editor keeps the document, its undo history and the open workbench",
          "[workbench][editor]") {
    EditorRig rig; // the editor is opened and closed below
    auto& proc = rig.proc;
    long& n = rig.n;
    json built;
    {
        std::unique_ptr<juce::AudioProcessorEditor> base(proc.createEditor());
        auto& editor = dynamic_cast<PluginEditor&>(*base);
        editor.setWorkbenchOpen(true);
        editor.document().newFromTemplate(PatchDocument::Template::passThrough);
        editor.workbench().canvas().addNodeAt(NodeKind::RateCell, {300, 200});
        REQUIRE(editor.document().valid());
        built = editor.document().doc();
        play(proc, 20, n);
    }
    // a patch change while the editor is closed is followed when it opens (undoably)
    play(proc, 20, n);
    std::unique_ptr<juce::AudioProcessorEditor> base(proc.createEditor());
    auto& editor = dynamic_cast<PluginEditor&>(*base);
    CHECK(editor.workbenchOpen());
    CHECK(editor.workbench().isVisible());
    CHECK(editor.document().doc() == built);
    CHECK(proc.currentPatch().userJson == editor.document().text());
    REQUIRE(editor.document().canUndo());
    REQUIRE(key(editor.workbench().canvas(), 'z', cmd));   // the rate cell goes
    CHECK(editor.document().nodeIds().size() == 2);
    REQUIRE(key(editor.workbench().canvas(), 'z', cmd));   // back to Predictive EQ
    CHECK(editor.document().name() == "Predictive EQ");
    play(proc, 20, n);
    CHECK(proc.currentPatch().name == "Predictive EQ");
    CHECK_FALSE(proc.currentPatch().user);   // the factory patch itself again
    proc.selectFactoryPatch(2);
    base.reset();
    {
        std::unique_ptr<juce::AudioProcessorEditor> again(proc.createEditor());
        auto& e = dynamic_cast<PluginEditor&>(*again);
        CHECK(e.document().name() == graded::factoryPatches()[2].name);
        REQUIRE(key(e.workbench().canvas(), 'z', cmd));     // the switch made while closed is undoable
        CHECK(e.document().name() == "Predictive EQ");
    }
}

TEST_CASE("Workbench in the editor: Save as... and Rename... ask for the name in a dialog inside the editor", "[workbench][editor]") {
    EditorRig rig; // 48 kHz, 256-sample blocks, a user folder of its own
    rig.open(1280, 860);
    auto& editor = rig.editor();
    editor.setWorkbenchOpen(true);
    editor.document().newFromTemplate(PatchDocument::Template::passThrough);
    auto answer = [&](const juce::String& name, const juce::String& button) {
        pump();
        auto* dialog = editor.nameDialog();
        REQUIRE(dialog != nullptr);
        CHECK(dialog->getParentComponent() == &editor);     // not a window of its own
        CHECK(dialog->isCurrentlyModal());
        auto* field = dynamic_cast<juce::TextEditor*>(dialog->findChildWithID("rename:id"));
        REQUIRE(field != nullptr);
        field->setText(name, juce::dontSendNotification);
        juce::Button* pressed = nullptr;
        for (auto* child : dialog->getChildren())
            if (auto* b = dynamic_cast<juce::Button*>(child); b != nullptr && b->getButtonText() == button) pressed = b;
        REQUIRE(pressed != nullptr);
        pressed->triggerClick();
        pump();
        CHECK(editor.nameDialog() == nullptr);                // dismissed
    };
    editor.saveAsButton().triggerClick();
    pump();
    REQUIRE(editor.nameDialog() != nullptr);
    CHECK(editor.nameDialog()->text() == "Audio in to out"); // the patch's name, selected
    answer("Plain", "Cancel");                                       // cancelled: nothing written
    CHECK(editor.userPatches().empty());
    editor.saveAsButton().triggerClick();
    answer("Plain", "Save");
    REQUIRE(editor.userPatches().size() == 1);
    CHECK(editor.userPatches()[0].name == "Plain");
    CHECK(editor.libraryText().startsWith("Saved as 'Plain'"));
    // Rename... acts on the user patch chosen in the menu (the one just saved)
    editor.renameButton().triggerClick();
    answer("Plainer", "Rename");
    REQUIRE(editor.userPatches().size() == 1);
    CHECK(editor.userPatches()[0].name == "Plainer");
    CHECK(editor.document().name() == "Plainer");
    // without a user patch chosen there is nothing to rename: the library line says so
    editor.patchSelector().setSelectedId(1, juce::sendNotificationSync);
    editor.renameButton().triggerClick();
    pump();
    CHECK(editor.nameDialog() == nullptr);
    CHECK(editor.libraryText().contains("Choose a user patch"));
}

TEST_CASE("Workbench in the editor: an edit that does not run yet is saved in the host's session and comes back",
          "[workbench][editor][state]") {
    juce::MemoryBlock state;
    json draft;
    {
        EditorRig rig;
        rig.open(1280, 860);
        auto& editor = rig.editor();
        editor.setWorkbenchOpen(true);
        auto& doc = editor.document();
        doc.newFromTemplate(PatchDocument::Template::passThrough);   // valid: runs
        REQUIRE(doc.valid());
        editor.workbench().canvas().addNodeAt(NodeKind::GaussianErrorCell, {300, 200});
        REQUIRE(doc.setNodeParam(doc.nodeIds().back(), "sigma", -1.0));   // invalid: does not run
        REQUIRE_FALSE(doc.valid());
        draft = doc.doc();
        CHECK(rig.proc.workbenchDraft().open);
        CHECK(json::parse(rig.proc.workbenchDraft().draft) == draft);
        rig.proc.getStateInformation(state);
    }
    // a new instance (the host reopens the session): the running patch is the last valid one,
    // the workbench opens on the draft, with its issue, and Ctrl+Z goes back to what runs
    EditorRig rig2;
    rig2.proc.setStateInformation(state.getData(), int(state.getSize()));
    REQUIRE(rig2.proc.lastStateError().isEmpty());
    CHECK(rig2.proc.currentPatch().name == "Audio in to out");
    rig2.open(1280, 860);
    auto& editor = rig2.editor();
    CHECK(editor.workbenchOpen());
    CHECK(editor.document().doc() == draft);
    CHECK_FALSE(editor.document().valid());
    REQUIRE(key(editor.workbench().canvas(), 'z', cmd));
    CHECK(editor.document().valid());
    CHECK(editor.document().text() == rig2.proc.currentPatch().userJson);
    CHECK(rig2.proc.workbenchDraft().draft.empty());     // back at what runs: nothing left to keep
    CHECK(rig2.proc.workbenchDraft().open);
    // a state without a Workbench element clears the draft
    rig2.proc.setWorkbenchDraft(true, draft.dump());
    juce::MemoryBlock plain;
    { GradedCellsProcessor fresh; fresh.getStateInformation(plain); }
    rig2.proc.setStateInformation(plain.getData(), int(plain.getSize()));
    CHECK(rig2.proc.workbenchDraft().draft.empty());
    CHECK_FALSE(rig2.proc.workbenchDraft().open);
    // a draft that is not a patch's JSON: said, and the workbench shows what runs
    EditorRig rig3;
    const auto odd = binaryXml("<GradedCellsState formatVersion=\"1\"><Workbench open=\"1\" draft=\"{oops\"/></GradedCellsState>");
    rig3.proc.setStateInformation(odd.getData(), int(odd.getSize()));
    rig3.open(1280, 860);
    CHECK(rig3.editor().workbenchOpen());
    CHECK(rig3.editor().libraryText().contains("could not be opened"));
    CHECK(rig3.editor().document().name() == "Predictive EQ");
    CHECK(rig3.editor().document().valid());
}
