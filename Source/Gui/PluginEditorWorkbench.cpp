// SPDX-License-Identifier: GPL-3.0-or-later
// The editor's workbench: the PatchDocument it edits, running each valid edit, and the user
// patch library (Save as, Rename, Delete).
#include "PluginEditor.h"

#include "PluginProcessor.h"

#include <Graph/Patch.h>
#include <Patch/Layout.h>

namespace graded::gui {

void PluginEditor::showPlayViews(bool visible) {
    for (juce::Component* c : {static_cast<juce::Component*>(&graph_), static_cast<juce::Component*>(&nodeTitle_),
                               static_cast<juce::Component*>(&nodeInfo_), static_cast<juce::Component*>(&description_)})
        c->setVisible(visible);
    for (auto& c : nodeControls_) c->setVisible(visible);
    for (auto& c : globalControls_) c->setVisible(visible);
    for (auto& c : learnControls_) c->setVisible(visible && hasSynapses_);
}

void PluginEditor::setWorkbenchOpen(bool open) {
    workbenchButton_.setToggleState(open, juce::dontSendNotification);
    if (open == session_->open) return;
    session_->open = open;
    if (open && (!session_->loaded || processor_.currentPatch().version != session_->version))
        loadDocumentFromProcessor(session_->loaded);
    showPlayViews(!open);
    workbench_->setVisible(open);
    for (juce::Component* c : {static_cast<juce::Component*>(&saveAsButton_), static_cast<juce::Component*>(&renameButton_),
                               static_cast<juce::Component*>(&deletePatchButton_), static_cast<juce::Component*>(&libraryInfo_)})
        c->setVisible(open);
    if (open) workbench_->documentChanged();
    saveDraft(document_.engineText());
    resized();
}

void PluginEditor::loadDocumentFromProcessor(bool undoable) {
    const auto sel = processor_.currentPatch();
    std::string text = sel.userJson;
    if (!sel.user) {
        const auto& factory = factoryPatches();
        if (sel.factoryIndex >= 0 && sel.factoryIndex < int(factory.size())) text = factory[size_t(sel.factoryIndex)].json;
    }
    if (text.empty()) return;
    applying_ = true; // the processor runs this already: nothing to apply
    std::string error;
    const bool ok = document_.loadJson(text, undoable, error);
    applying_ = false;
    if (!ok) {
        setLibraryText("The running patch could not be opened: " + juce::String(error), true);
        return;
    }
    session_->loaded = true;
    session_->version = sel.version;
    fitPending_ = true;
    session_->appliedEngineText = document_.engineText();
    // A user patch without positions keeps the layout just made (nothing is rebuilt).
    if (sel.user && document_.valid()) processor_.updateUserPatchLayout(document_.text());
    // A draft from a loaded state (an edit that did not run when the session was saved): taken
    // once, over the running patch (so Ctrl+Z goes back to what runs).
    if (const auto wb = processor_.workbenchDraft(); !wb.draft.empty() && wb.serial != session_->draftSerial) {
        session_->draftSerial = wb.serial;
        std::string draftError;
        if (!document_.loadJson(wb.draft, true, draftError))
            setLibraryText("The workbench draft in the saved state could not be opened: " + juce::String(draftError), true);
    }
    if (session_->open) resized();
    workbench_->documentChanged();
}

void PluginEditor::documentChanged() {
    // The workbench catches up asynchronously: the edit may come from one of its own controls'
    // callbacks, and bringing it up to date rebuilds those controls.
    juce::MessageManager::callAsync([safe = juce::Component::SafePointer<PluginEditor>(this)] {
        if (safe != nullptr && safe->workbench_ != nullptr) safe->workbench_->documentChanged();
    });
    if (applying_ || !session_->loaded) return;
    const auto engineText = document_.engineText();
    applyDocument(engineText);
    saveDraft(engineText);
}

void PluginEditor::saveDraft(const std::string& engineText) {
    // What does not run (yet) is kept in the host's session: the draft, and whether the workbench is open.
    const bool unapplied = session_->loaded && engineText != session_->appliedEngineText;
    processor_.setWorkbenchDraft(session_->open, unapplied ? document_.text() : std::string());
}

/** The factory patch whose JSON is `engineJson` (a patch without layout), or -1. */
static int factoryPatchOf(const nlohmann::json& engineJson) {
    static const std::vector<nlohmann::json> parsed = [] { // parsed once
        std::vector<nlohmann::json> v;
        for (const auto& f : factoryPatches()) v.push_back(nlohmann::json::parse(f.json, nullptr, false));
        return v;
    }();
    for (size_t i = 0; i < parsed.size(); ++i)
        if (parsed[i] == engineJson) return int(i);
    return -1;
}

void PluginEditor::applyDocument(const std::string& engineText) {
    if (!document_.valid()) return; // the issues show on the nodes and wires; the last valid patch plays on
    if (engineText == session_->appliedEngineText) {
        processor_.updateUserPatchLayout(document_.text()); // only positions moved (a factory patch: nothing to save)
        return;
    }
    applying_ = true;
    juce::String error;
    bool ran = true;
    // Back to a factory patch exactly (e.g. by undo): that factory patch is selected again.
    if (const int factory = factoryPatchOf(withoutLayout(document_.doc())); factory >= 0)
        processor_.selectFactoryPatch(factory);
    else
        ran = processor_.loadUserPatchJson(document_.text(), error, true); // (what the synapses learned stays)
    if (ran) {
        session_->appliedEngineText = engineText;
        session_->version = processor_.currentPatch().version;
        loadError_.clear();
    } else {
        // valid as a patch, but it cannot run (e.g. over the real-time budget): shown where it applies
        document_.addRunIssues(error.toStdString());
    }
    applying_ = false;
    syncPatch(false);
    syncStatus();
}

juce::File PluginEditor::selectedUserPatch() const {
    const int id = patchBox_.getSelectedId();
    if (id >= 1000 && id - 1000 < int(userPatches_.size())) return userPatches_[size_t(id - 1000)].file;
    return {};
}

void PluginEditor::setLibraryText(const juce::String& text, bool error) {
    libraryInfo_.setColour(juce::Label::textColourId, error ? juce::Colour(0xffff8a65) : colours::textDim);
    libraryInfo_.setText(text, juce::dontSendNotification);
    libraryInfo_.setTooltip(text);
}

bool PluginEditor::saveDocumentAs(const juce::String& name, bool overwrite, juce::String& error) {
    const plugin::UserPatchLibrary library(userPatchFolder());
    const auto file = library.saveAs(document_.text(), name, overwrite, error);
    if (file == juce::File()) {
        setLibraryText("Not saved: " + error, true);
        return false;
    }
    document_.setName(name.trim().toStdString()); // (runs the renamed patch: the name is part of it)
    rebuildPatchList();
    for (size_t i = 0; i < userPatches_.size(); ++i)
        if (userPatches_[i].file == file) patchBox_.setSelectedId(1000 + int(i), juce::dontSendNotification);
    setLibraryText("Saved as '" + name.trim() + "': " + file.getFullPathName(), false);
    return true;
}

bool PluginEditor::renameUserPatch(const juce::File& file, const juce::String& name, juce::String& error) {
    const plugin::UserPatchLibrary library(userPatchFolder());
    const auto oldName = plugin::UserPatchLibrary::nameOf(file.loadFileAsString().toStdString());
    juce::File renamed;
    if (!library.rename(file, name, error, &renamed)) {
        setLibraryText("Not renamed: " + error, true);
        return false;
    }
    // the running patch is that one: its name follows (in the document, which runs it)
    if (session_->loaded && juce::String::fromUTF8(document_.name().c_str()) == oldName) document_.setName(name.trim().toStdString());
    rebuildPatchList();
    for (size_t i = 0; i < userPatches_.size(); ++i)
        if (userPatches_[i].file == renamed) patchBox_.setSelectedId(1000 + int(i), juce::dontSendNotification);
    setLibraryText("Renamed '" + oldName + "' to '" + name.trim() + "'", false);
    return true;
}

bool PluginEditor::deleteUserPatch(const juce::File& file, juce::String& error) {
    const plugin::UserPatchLibrary library(userPatchFolder());
    const auto name = plugin::UserPatchLibrary::nameOf(file.loadFileAsString().toStdString());
    if (!library.remove(file, error)) {
        setLibraryText("Not deleted: " + error, true);
        return false;
    }
    rebuildPatchList();
    setLibraryText("Deleted '" + name + "' (" + file.getFileName() + "); what runs now keeps running", false);
    return true;
}

void PluginEditor::askName(const juce::String& message, const juce::String& initial, const juce::String& okButton,
                           std::function<void(const juce::String&)> onName) {
    nameDialog_ = NameDialog::showIn(*this, message, {}, initial, okButton, std::move(onName));
}

void PluginEditor::confirm(const juce::String& title, const juce::String& message, const juce::String& yesButton,
                           std::function<void()> onYes) {
    const auto options = juce::MessageBoxOptions()
                             .withTitle(title)
                             .withMessage(message)
                             .withButton(yesButton)
                             .withButton("Cancel")
                             .withAssociatedComponent(this);
    juce::AlertWindow::showAsync(options, [safe = juce::Component::SafePointer<PluginEditor>(this), onYes = std::move(onYes)](int r) {
        if (r == 1 && safe != nullptr) onYes();
    });
}

void PluginEditor::askSaveAs() {
    askName("Save the patch as (in " + userPatchFolder().getFullPathName() + "):",
            juce::String::fromUTF8(document_.name().c_str()), "Save", [this](const juce::String& name) {
                juce::String error;
                if (plugin::UserPatchLibrary(userPatchFolder()).fileNamed(name) == juce::File()) {
                    saveDocumentAs(name, false, error);
                    return;
                }
                confirm("Replace '" + name.trim() + "'?", "A patch of that name exists in the folder. Replace it?", "Replace",
                        [this, name] {
                            juce::String e;
                            saveDocumentAs(name, true, e);
                        });
            });
}

juce::File PluginEditor::chosenUserPatch(const juce::String& action) {
    const auto file = selectedUserPatch();
    if (file == juce::File()) setLibraryText("Choose a user patch in the patch menu to " + action + " it", true);
    return file;
}

void PluginEditor::askRename() {
    const auto file = chosenUserPatch("rename");
    if (file == juce::File()) return;
    const auto name = plugin::UserPatchLibrary::nameOf(file.loadFileAsString().toStdString());
    askName("A new name for '" + name + "':", name, "Rename", [this, file](const juce::String& to) {
        juce::String error;
        renameUserPatch(file, to, error);
    });
}

void PluginEditor::askDelete() {
    const auto file = chosenUserPatch("delete");
    if (file == juce::File()) return;
    const auto name = plugin::UserPatchLibrary::nameOf(file.loadFileAsString().toStdString());
    confirm("Delete '" + name + "'?", file.getFullPathName() + " will be deleted. The patch running now keeps running.", "Delete",
            [this, file] {
                juce::String error;
                deleteUserPatch(file, error);
            });
}

} // namespace graded::gui
