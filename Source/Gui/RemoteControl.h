// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The editor's side of MIDI learn and OSC: a right-click menu on every parameter control
// ("MIDI learn", "Forget CC n"), and a "Remote..." button opening a panel that lists the
// MIDI mappings (review, clear, learn) and sets up OSC (port, feedback target, compartments).

#include <Graph/HostParams.h>

#include <juce_gui_basics/juce_gui_basics.h>

#include <memory>

namespace graded::plugin {
class GradedCellsProcessor;
}

namespace graded::gui {

/** The panel (shown in a call-out box by RemoteControlUi; public for tests). */
class RemoteControlPanel : public juce::Component, private juce::Timer, private juce::ListBoxModel {
public:
    explicit RemoteControlPanel(plugin::GradedCellsProcessor& processor);
    ~RemoteControlPanel() override;
    void resized() override;
    void paint(juce::Graphics&) override;

    // For tests.
    juce::ListBox& mappingList() noexcept { return list_; }
    juce::String mappingText(int row) const;
    int numMappings() const { return static_cast<int>(rows_.size()); }
    void clearRow(int row);
    void learn(HostParam p);
    juce::ToggleButton& oscEnable() noexcept { return oscEnable_; }
    juce::TextEditor& oscPort() noexcept { return oscPort_; }
    juce::ToggleButton& feedbackEnable() noexcept { return feedbackEnable_; }
    juce::TextEditor& feedbackHost() noexcept { return feedbackHost_; }
    juce::TextEditor& feedbackPort() noexcept { return feedbackPort_; }
    juce::TextEditor& feedbackSelect() noexcept { return feedbackSelect_; }
    /** Applies the OSC fields (the Apply button); false, with the reason shown, when a field is bad. */
    bool applyOsc();
    juce::String oscStatusText() const { return oscStatus_.getText(); }
    void refresh() { timerCallback(); }

private:
    void timerCallback() override;
    int getNumRows() override { return static_cast<int>(rows_.size()); }
    void paintListBoxItem(int row, juce::Graphics&, int width, int height, bool selected) override;
    void rebuildRows();
    void loadOscFields();

    plugin::GradedCellsProcessor& processor_;
    juce::Label midiTitle_, learnHint_, learnStatus_;
    juce::ListBox list_{"MIDI mappings", this};
    juce::TextButton clearButton_{"Clear selected"}, clearAllButton_{"Clear all"}, learnButton_{"Learn"}, cancelButton_{"Cancel learn"};
    juce::ComboBox learnParam_;
    juce::Label oscTitle_, portLabel_, hostLabel_, fbPortLabel_, selectLabel_, available_, oscStatus_, counters_;
    juce::ToggleButton oscEnable_{"Receive OSC on UDP port"}, feedbackEnable_{"Send feedback to"};
    juce::TextEditor oscPort_, feedbackHost_, feedbackPort_, feedbackSelect_;
    juce::TextButton applyButton_{"Apply"};
    struct Row {
        int cc;
        HostParam param;
        bool inactive;
    };
    std::vector<Row> rows_;
    int shownSerial_ = -1;
    int shownRewardCc_ = -1, shownEpisodeCc_ = -1;
    juce::String applyError_;
};

/** Owns the "Remote..." button and the right-click menu for an editor: attach once. */
class RemoteControlUi : private juce::MouseListener, private juce::Timer {
public:
    RemoteControlUi(plugin::GradedCellsProcessor& processor, juce::Component& editor);
    ~RemoteControlUi() override;
    juce::TextButton& button() noexcept { return button_; }
    /** Shows the panel in a call-out box over the editor. */
    void showPanel();
    /** The menu a right-click on a control of `param` shows (for tests). */
    juce::PopupMenu menuFor(HostParam param);

private:
    void mouseDown(const juce::MouseEvent& e) override;
    void timerCallback() override;

    plugin::GradedCellsProcessor& processor_;
    juce::Component& editor_;
    juce::TextButton button_{"Remote..."};
    int shownSerial_ = -1;
};

} // namespace graded::gui
