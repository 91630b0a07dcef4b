// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The editor tests' set-up (Tests/Gui and Tests/Plugin): a prepared processor, its editor,
// and, where a test wants one, a user patch folder of its own.

#include "PluginEditor.h"
#include "PluginProcessor.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <memory>

namespace graded::test {

/** A user patch folder of its own for the test (GRADEDCELLS_PATCH_DIR), removed afterwards. */
struct TempPatchFolder {
    juce::File folder = juce::File::getSpecialLocation(juce::File::tempDirectory)
                            .getNonexistentChildFile("graded-workbench-", "", false);
    TempPatchFolder() {
        REQUIRE(folder.createDirectory().wasOk());
        setenv("GRADEDCELLS_PATCH_DIR", folder.getFullPathName().toRawUTF8(), 1);
    }
    ~TempPatchFolder() {
        unsetenv("GRADEDCELLS_PATCH_DIR");
        folder.deleteRecursively();
    }
};

/** A processor prepared at 48 kHz in `block`-sample blocks (with a user patch folder of its own
    if `ownPatchFolder`) and, once open() is called, its editor. */
struct EditorRig {
    std::unique_ptr<TempPatchFolder> temp; // made before the processor, removed after it
    plugin::GradedCellsProcessor proc;
    std::unique_ptr<juce::AudioProcessorEditor> base;
    long n = 0; // samples played so far, for tests that keep a signal going

    explicit EditorRig(int block = 256, bool ownPatchFolder = true)
        : temp(ownPatchFolder ? std::make_unique<TempPatchFolder>() : nullptr) {
        proc.prepareToPlay(48000.0, block);
    }

    /** Creates the editor, sized `width` x `height` (0: left at its own size). `asHost`: through
        createEditorIfNeeded, so the processor knows it as its active editor (as in a host).
        Returns it as a PluginEditor (nullptr if it is not one). */
    gui::PluginEditor* open(int width, int height, bool asHost = false) {
        base.reset(asHost ? proc.createEditorIfNeeded() : proc.createEditor());
        if (width > 0) base->setSize(width, height);
        return dynamic_cast<gui::PluginEditor*>(base.get());
    }
    gui::PluginEditor& editor() { return dynamic_cast<gui::PluginEditor&>(*base); }
};

} // namespace graded::test
