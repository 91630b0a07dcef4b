// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "GraphView.h"
#include "PatchDocument.h"
#include "Workbench.h"
#include "LiveViews.h"
#include "RemoteControl.h"
#include "Theme.h"
#include "WeightsView.h"

#include "../Plugin/UserPatchLibrary.h"

#include <Graph/HostParams.h>
#include <Graph/Patch.h>

#include <juce_audio_processors/juce_audio_processors.h>

#include <memory>
#include <optional>
#include <vector>

namespace graded::plugin {
class GradedCellsProcessor;
}

namespace graded::gui {

/** One host parameter as a labelled control (rotary, choice box or button) attached to its
    juce parameter, so every move is automatable, undoable in the host and reaches the
    audio thread through the parameter's atomic. */
class ParamControl : public juce::Component {
public:
    ParamControl(juce::AudioProcessorValueTreeState& state, HostParam param, const juce::String& tooltip);
    void resized() override;
    HostParam param() const noexcept { return param_; }
    juce::Slider* slider() noexcept { return slider_.get(); }
    juce::ComboBox* combo() noexcept { return combo_.get(); }
    juce::Button* button() noexcept { return button_.get(); }
    /** The value in effect on what the control drives ("-> expect.tau_m 200 ms"), shown
        under the control (empty: hidden). */
    void setEffect(const juce::String& text);
    juce::String effect() const { return effect_.getText(); }
    /** Replaces the tooltip of the control and its label. */
    void setTooltipText(const juce::String& tooltip);
    juce::String tooltipText() const { return tooltip_; }

private:
    HostParam param_;
    juce::Label label_;
    juce::Label effect_;
    juce::String tooltip_;
    std::unique_ptr<juce::Slider> slider_;
    std::unique_ptr<juce::ComboBox> combo_;
    std::unique_ptr<juce::TextButton> button_;
    std::unique_ptr<juce::AudioProcessorValueTreeState::SliderAttachment> sliderAttachment_;
    std::unique_ptr<juce::AudioProcessorValueTreeState::ComboBoxAttachment> comboAttachment_;
    std::unique_ptr<juce::AudioProcessorValueTreeState::ButtonAttachment> buttonAttachment_;
};

/** What the workbench keeps while the editor is closed (held by the processor): the document
    with its undo history, whether it was open, and what of it the processor runs. */
struct WorkbenchSession {
    PatchDocument document;
    bool open = false;
    bool loaded = false;               ///< the document was loaded (from the running patch or edited)
    std::string appliedEngineText;     ///< the document's engine text the processor runs
    std::uint64_t version = 0;         ///< the processor's selection version the document follows
    std::uint64_t draftSerial = 0;     ///< the loaded state's draft taken (WorkbenchDraft::serial)
};

/** The GradedCells editor: patch selector, the patch as a graph, the selected node's
    controls, the global controls, and live views fed by telemetry snapshots that the audio
    thread publishes through a lock-free FIFO (drawn by a 30 Hz timer). It only reads
    snapshots and writes parameters. */
class PluginEditor : public juce::AudioProcessorEditor, private juce::Timer {
public:
    explicit PluginEditor(plugin::GradedCellsProcessor& processor);
    ~PluginEditor() override;

    void paint(juce::Graphics&) override;
    void resized() override;

    // For tests and tools.
    GraphView& graph() noexcept { return graph_; }
    TracesView& traces() noexcept { return traces_; }
    StripsView& strips() noexcept { return strips_; }
    BandsView& bands() noexcept { return bands_; }
    /** The selected node's "Patch values" line. */
    juce::String nodeInfoText() const { return nodeInfo_.getText(); }
    /** Clears a patch-load error shown in the status line (what the dismiss button does). */
    void dismissError();
    juce::ComboBox& patchSelector() noexcept { return patchBox_; }
    /** The control of `param` currently shown (node panel first, then globals), or null. */
    ParamControl* controlFor(HostParam param) noexcept;
    /** Pulls telemetry and refreshes the views now (the timer does this 30 times a second). */
    void refreshNow() { timerCallback(); }
    /** The warning line shown above the description (empty and hidden when all is well). */
    juce::String statusText() const { return status_.isVisible() ? status_.getText() : juce::String(); }
    int snapshotsSeen() const noexcept { return snapshots_; }
    /** MIDI learn menu and the "Remote..." panel (MIDI mappings, OSC). */
    RemoteControlUi& remoteControl() noexcept { return *remote_; }
    WeightsView& weights() noexcept { return weights_; }
    /** Whether the weights panel and the learning controls are shown (the patch has synapses). */
    bool learningShown() const noexcept { return hasSynapses_; }

    // ---- the workbench (README "Workbench"): building patches in the editor ----
    /** Shows the workbench (in place of the graph and the node and global controls) or hides it.
        Opening it the first time, or after the running patch changed elsewhere, loads the running
        patch into the document. */
    void setWorkbenchOpen(bool open);
    bool workbenchOpen() const noexcept { return session_->open; }
    WorkbenchPanel& workbench() noexcept { return *workbench_; }
    /** What the workbench edits. Every valid change runs at once (a new engine, crossfaded);
        an invalid one shows its issues and the last valid patch keeps playing. */
    PatchDocument& document() noexcept { return document_; }
    /** Saves the document to the user patch folder as `name` (its name becomes `name`);
        an existing patch of that name is replaced only when `overwrite`. The patch list is
        rescanned and shows it selected. */
    bool saveDocumentAs(const juce::String& name, bool overwrite, juce::String& error);
    /** Renames / deletes a patch of the user folder (the running patch keeps running). */
    bool renameUserPatch(const juce::File& file, const juce::String& name, juce::String& error);
    bool deleteUserPatch(const juce::File& file, juce::String& error);
    const std::vector<plugin::UserPatchEntry>& userPatches() const noexcept { return userPatches_; }
    /** The user patch the selector shows, if any (what Rename and Delete act on). */
    juce::File selectedUserPatch() const;
    /** The name dialog of Save as... / Rename... while it is open (null otherwise). */
    NameDialog* nameDialog() noexcept { return nameDialog_.getComponent(); }
    juce::Button& saveAsButton() noexcept { return saveAsButton_; }
    juce::Button& renameButton() noexcept { return renameButton_; }
    /** The library line under the workbench's buttons ("Saved as ...", errors). */
    juce::String libraryText() const { return libraryInfo_.getText(); }

    static constexpr int kMinWidth = 760, kMinHeight = 520, kDefaultWidth = 1100, kDefaultHeight = 720;

private:
    void timerCallback() override;
    void rebuildPatchList();
    void patchChosen();
    void loadPatchFile();
    void syncPatch(bool force);
    void showRunningPatchInBox();
    void syncStatus();
    /** Effective values under the bound controls, the node's values line, and the tooltips
        that name the configured CCs; cheap when nothing changed. */
    void syncEffects(bool force);
    void showNodeInfo();
    void showNode(int index);
    void exportWeights();
    void importWeights();
    juce::File userPatchFolder() const;
    void documentChanged();
    /** Runs a valid document (a new engine) or shows why it cannot; `engineText`: its engineText(). */
    void applyDocument(const std::string& engineText);
    /** The unapplied document and the open state, for the host's session. */
    void saveDraft(const std::string& engineText);
    void loadDocumentFromProcessor(bool undoable);
    void showPlayViews(bool visible);
    void layoutLive(juce::Rectangle<int> live);
    /** A modal dialog inside the editor asking for a name; `onName` gets it (only when confirmed). */
    void askName(const juce::String& message, const juce::String& initial, const juce::String& okButton,
                 std::function<void(const juce::String&)> onName);
    /** An asynchronous yes/cancel box; `onYes` runs only when confirmed and the editor lives. */
    void confirm(const juce::String& title, const juce::String& message, const juce::String& yesButton,
                 std::function<void()> onYes);
    /** The user patch chosen in the menu, or none (the library line then says to choose one). */
    juce::File chosenUserPatch(const juce::String& action);
    void askSaveAs();
    void askRename();
    void askDelete();
    void setLibraryText(const juce::String& text, bool error);

    plugin::GradedCellsProcessor& processor_;
    GradedLookAndFeel lookAndFeel_;
    juce::TooltipWindow tooltips_{this, 600};

    juce::Label title_;
    juce::ComboBox patchBox_;
    juce::TextButton loadButton_{"Load patch..."};
    juce::TextButton folderButton_{"Rescan folder"};
    juce::TextButton midiButton_{"MIDI..."};
    void showMidiMenu();
    juce::Label description_;
    juce::Label status_;              ///< why the patch is not running, or why a load failed
    juce::String shownStatus_, loadError_;
    juce::TextButton dismissButton_{"Dismiss"};
    juce::String effectsKey_;         ///< host values and CCs the effects were made from
    int infoNode_ = -1;
    GraphView graph_;
    juce::Label nodeTitle_;
    juce::Label nodeInfo_;
    std::vector<std::unique_ptr<ParamControl>> nodeControls_;
    std::vector<std::unique_ptr<ParamControl>> globalControls_;
    StripsView strips_;
    TracesView traces_;
    BandsView bands_;
    MetersView meters_;
    WeightsView weights_;
    std::vector<std::unique_ptr<ParamControl>> learnControls_;  ///< learn, learnRate, resetWeights
    bool hasSynapses_ = false;
    std::unique_ptr<WeightHeatFrame> heatFrame_;
    int shownNoticeCount_ = 0;
    juce::String weightsNotice_;      ///< shown in the status line for a while
    int noticeTicks_ = 0;
    int resetWeightsHeldTicks_ = 0;

    std::shared_ptr<const Patch> patch_;   ///< the processor's parsed patch, shared
    std::uint64_t shownVersion_ = 0;       ///< PatchSelection::version shown (0: none)
    std::vector<plugin::UserPatchEntry> userPatches_;   ///< the user folder, by name
    std::unique_ptr<juce::FileChooser> chooser_;
    Telemetry snapshot_;
    int snapshots_ = 0;
    bool constructed_ = false;
    int resetHeldTicks_ = 0;
    std::unique_ptr<RemoteControlUi> remote_;

    std::shared_ptr<WorkbenchSession> session_;
    PatchDocument& document_;          ///< session_->document
    std::unique_ptr<WorkbenchPanel> workbench_;
    juce::TextButton workbenchButton_{"Workbench"};
    juce::TextButton saveAsButton_{"Save as..."}, renameButton_{"Rename..."}, deletePatchButton_{"Delete patch..."};
    juce::Label libraryInfo_;
    bool applying_ = false;            ///< inside documentChanged's own processor calls
    bool fitPending_ = false;          ///< a patch was opened in the workbench: fit it to the view once laid out
    juce::Component::SafePointer<NameDialog> nameDialog_;  ///< Save as / Rename, while open

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(PluginEditor)
};

} // namespace graded::gui
