// SPDX-License-Identifier: GPL-3.0-or-later
#include "RemoteControl.h"

#include "PluginEditor.h"
#include "PluginProcessor.h"
#include "Theme.h"

namespace graded::gui {

namespace {

juce::String paramName(HostParam p) {
    const auto& info = hostParamInfo(p);
    juce::String s(info.name.data(), info.name.size());
    if (!info.unit.empty()) s << " (" << juce::String(info.unit.data(), info.unit.size()) << ")";
    return s;
}

juce::String ccJob(plugin::GradedCellsProcessor& proc, int cc) {
    if (cc == proc.rewardCc()) return "the reward CC";
    if (cc == proc.episodeCc()) return "the episode CC";
    if (cc == proc.resetWeightsCc()) return "the reset-weights CC";
    return "reserved";
}

void styleLabel(juce::Label& l, const juce::String& text, bool bold = false) {
    l.setText(text, juce::dontSendNotification);
    l.setFont(juce::Font(bold ? 15.f : 12.5f, bold ? juce::Font::bold : juce::Font::plain));
    l.setJustificationType(juce::Justification::centredLeft);
}

std::optional<int> portFrom(const juce::TextEditor& e) {
    const auto t = e.getText().trim();
    if (t.isEmpty() || t.length() > 5 || !t.containsOnly("0123456789")) return std::nullopt;
    const int p = t.getIntValue();
    if (p < 1 || p > 65535) return std::nullopt;
    return p;
}

} // namespace

// --- RemoteControlPanel --------------------------------------------------------------------

RemoteControlPanel::RemoteControlPanel(plugin::GradedCellsProcessor& processor) : processor_(processor) {
    styleLabel(midiTitle_, "MIDI learn", true);
    styleLabel(learnHint_, "Right-click a control and choose \"MIDI learn\", or pick one here; then move a controller.");
    learnHint_.setColour(juce::Label::textColourId, colours::textDim);
    styleLabel(learnStatus_, {});
    for (auto* c : {&midiTitle_, &learnHint_, &learnStatus_}) addAndMakeVisible(*c);
    list_.setRowHeight(20);
    list_.setTitle("MIDI mappings");
    addAndMakeVisible(list_);
    for (int i = 0; i < kNumHostParams; ++i) learnParam_.addItem(paramName(static_cast<HostParam>(i)), i + 1);
    learnParam_.setSelectedId(1, juce::dontSendNotification);
    learnParam_.setTitle("Parameter to learn");
    addAndMakeVisible(learnParam_);
    learnButton_.onClick = [this] { learn(static_cast<HostParam>(learnParam_.getSelectedId() - 1)); };
    cancelButton_.onClick = [this] { processor_.midiLearn().cancel(); refresh(); };
    clearButton_.onClick = [this] { clearRow(list_.getSelectedRow()); };
    clearAllButton_.onClick = [this] { processor_.midiLearn().clearAll(); refresh(); };
    for (auto* b : {&learnButton_, &cancelButton_, &clearButton_, &clearAllButton_}) addAndMakeVisible(*b);

    styleLabel(oscTitle_, "OSC", true);
    styleLabel(hostLabel_, "host");
    styleLabel(fbPortLabel_, "port");
    styleLabel(selectLabel_, "compartments");
    styleLabel(available_, {});
    available_.setColour(juce::Label::textColourId, colours::textDim);
    available_.setJustificationType(juce::Justification::topLeft);
    styleLabel(oscStatus_, {});
    styleLabel(counters_, {});
    counters_.setColour(juce::Label::textColourId, colours::textDim);
    for (auto* c : {&oscTitle_, &hostLabel_, &fbPortLabel_, &selectLabel_, &available_, &oscStatus_, &counters_}) addAndMakeVisible(*c);
    oscEnable_.setTooltip("Off by default. Listens for /gradedcells/... messages (README \"OSC\")");
    feedbackEnable_.setTooltip("Sends the chosen compartments' channel-0 values as /gradedcells/out/<node>/<compartment> ~30 times a second");
    oscPort_.setInputRestrictions(5, "0123456789");
    feedbackPort_.setInputRestrictions(5, "0123456789");
    feedbackHost_.setInputRestrictions(253, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:");
    feedbackSelect_.setTextToShowWhenEmpty("e.g. error/L, expect/zF   (* for all)", colours::textDim);
    oscPort_.setTitle("OSC port");
    feedbackHost_.setTitle("Feedback host");
    feedbackPort_.setTitle("Feedback port");
    feedbackSelect_.setTitle("Feedback compartments");
    for (auto* c : std::initializer_list<juce::Component*>{&oscEnable_, &feedbackEnable_, &oscPort_, &feedbackHost_, &feedbackPort_, &feedbackSelect_, &applyButton_})
        addAndMakeVisible(*c);
    applyButton_.onClick = [this] { applyOsc(); };
    loadOscFields();
    setSize(600, 470);
    refresh();
    startTimerHz(10);
}

RemoteControlPanel::~RemoteControlPanel() { stopTimer(); }

void RemoteControlPanel::loadOscFields() {
    const auto s = processor_.osc().settings();
    oscEnable_.setToggleState(s.enabled, juce::dontSendNotification);
    oscPort_.setText(juce::String(s.port), false);
    feedbackEnable_.setToggleState(s.feedback, juce::dontSendNotification);
    feedbackHost_.setText(s.feedbackHost, false);
    feedbackPort_.setText(juce::String(s.feedbackPort), false);
    feedbackSelect_.setText(s.feedbackSelect, false);
}

bool RemoteControlPanel::applyOsc() {
    auto s = processor_.osc().settings();
    const auto port = portFrom(oscPort_), fbPort = portFrom(feedbackPort_);
    applyError_.clear();
    if (!port) applyError_ = "the OSC port must be 1 .. 65535";
    else if (!fbPort) applyError_ = "the feedback port must be 1 .. 65535";
    else if (feedbackEnable_.getToggleState() && feedbackHost_.getText().trim().isEmpty()) applyError_ = "the feedback host is empty";
    if (applyError_.isNotEmpty()) {
        refresh();
        return false;
    }
    s.enabled = oscEnable_.getToggleState();
    s.port = *port;
    s.feedback = feedbackEnable_.getToggleState();
    s.feedbackHost = feedbackHost_.getText().trim();
    s.feedbackPort = *fbPort;
    s.feedbackSelect = feedbackSelect_.getText().trim().substring(0, 1024);
    processor_.osc().setSettings(s);
    refresh();
    return true;
}

void RemoteControlPanel::learn(HostParam p) {
    processor_.midiLearn().arm(p);
    refresh();
}

void RemoteControlPanel::clearRow(int row) {
    if (row < 0 || row >= numMappings()) return;
    processor_.midiLearn().clearCc(rows_[static_cast<size_t>(row)].cc);
    refresh();
}

juce::String RemoteControlPanel::mappingText(int row) const {
    if (row < 0 || row >= numMappings()) return {};
    const auto& r = rows_[static_cast<size_t>(row)];
    auto text = "CC " + juce::String(r.cc) + "  ->  " + paramName(r.param);
    if (r.inactive) text << "   (inactive: CC " << r.cc << " is " << ccJob(processor_, r.cc) << ")";
    return text;
}

void RemoteControlPanel::rebuildRows() {
    rows_.clear();
    const auto reserved = processor_.reservedCcs();
    for (const auto& [cc, p] : processor_.midiLearn().mappings()) rows_.push_back({cc, p, reserved.contains(cc)});
    list_.updateContent();
    list_.repaint();
}

void RemoteControlPanel::paintListBoxItem(int row, juce::Graphics& g, int width, int height, bool selected) {
    if (row < 0 || row >= numMappings()) return;
    if (selected) g.fillAll(colours::accent.withAlpha(0.3f));
    g.setColour(rows_[static_cast<size_t>(row)].inactive ? juce::Colour(0xffff8a65) : colours::text);
    g.setFont(13.f);
    g.drawText(mappingText(row), 6, 0, width - 12, height, juce::Justification::centredLeft, true);
}

void RemoteControlPanel::timerCallback() {
    auto& learn = processor_.midiLearn();
    if (learn.serial() != shownSerial_ || processor_.rewardCc() != shownRewardCc_ || processor_.episodeCc() != shownEpisodeCc_) {
        shownSerial_ = learn.serial();
        shownRewardCc_ = processor_.rewardCc();
        shownEpisodeCc_ = processor_.episodeCc();
        rebuildRows();
    }
    juce::String status;
    if (const auto armed = learn.armed()) {
        status = "Learning " + paramName(*armed) + ": move a controller...";
        if (learn.lastRefusedCc() >= 0 && learn.refusals() > 0)
            status << "  (CC " << learn.lastRefusedCc() << " is " << ccJob(processor_, learn.lastRefusedCc()) << ": not used)";
    } else if (rows_.empty()) {
        status = "No mappings. The reward CC (" + juce::String(processor_.rewardCc()) + "), the episode CC ("
                 + juce::String(processor_.episodeCc()) + ") and CCs 120-127 are never learnt.";
    } else {
        status = juce::String(rows_.size()) + " mapping(s); CC " + juce::String(processor_.rewardCc()) + " (reward) and "
                 + juce::String(processor_.episodeCc()) + " (episode) keep their jobs.";
    }
    learnStatus_.setText(status, juce::dontSendNotification);
    cancelButton_.setEnabled(learn.armed().has_value());

    auto& osc = processor_.osc();
    juce::String oscText = "Receiver: " + osc.status() + ".  Feedback: " + osc.feedbackStatus() + ".";
    if (applyError_.isNotEmpty()) oscText = "Not applied: " + applyError_;
    oscStatus_.setText(oscText, juce::dontSendNotification);
    oscStatus_.setColour(juce::Label::textColourId, applyError_.isNotEmpty() || osc.status().startsWith("cannot") ? juce::Colour(0xffff8a65) : colours::text);
    const auto& c = osc.counters();
    juce::String counts = "received " + juce::String(c.received.load()) + ", ignored " + juce::String(c.ignored.load())
                          + ", feedback messages sent " + juce::String(c.feedbackSent.load());
    if (c.ignored.load() > 0) counts << "  (last ignored: " << osc.lastError() << ")";
    counters_.setText(counts, juce::dontSendNotification);
    counters_.setTooltip(counts);
    const auto avail = osc.availableCompartments();
    available_.setText(avail.isEmpty() ? juce::String("(the compartments appear once audio runs)")
                                       : "Available: " + avail.joinIntoString(", "),
                       juce::dontSendNotification);
}

void RemoteControlPanel::paint(juce::Graphics& g) { g.fillAll(colours::background); }

void RemoteControlPanel::resized() {
    auto r = getLocalBounds().reduced(10);
    midiTitle_.setBounds(r.removeFromTop(22));
    learnHint_.setBounds(r.removeFromTop(20));
    auto learnRow = r.removeFromTop(28);
    learnParam_.setBounds(learnRow.removeFromLeft(220).reduced(2));
    learnButton_.setBounds(learnRow.removeFromLeft(70).reduced(2));
    cancelButton_.setBounds(learnRow.removeFromLeft(100).reduced(2));
    learnStatus_.setBounds(r.removeFromTop(20));
    auto listArea = r.removeFromTop(130);
    auto buttons = listArea.removeFromRight(120);
    list_.setBounds(listArea.reduced(2));
    clearButton_.setBounds(buttons.removeFromTop(28).reduced(2));
    clearAllButton_.setBounds(buttons.removeFromTop(28).reduced(2));
    r.removeFromTop(8);
    oscTitle_.setBounds(r.removeFromTop(22));
    auto row1 = r.removeFromTop(28);
    oscEnable_.setBounds(row1.removeFromLeft(200));
    oscPort_.setBounds(row1.removeFromLeft(80).reduced(2));
    applyButton_.setBounds(row1.removeFromRight(80).reduced(2));
    auto row2 = r.removeFromTop(28);
    feedbackEnable_.setBounds(row2.removeFromLeft(150));
    hostLabel_.setBounds(row2.removeFromLeft(40));
    feedbackHost_.setBounds(row2.removeFromLeft(160).reduced(2));
    fbPortLabel_.setBounds(row2.removeFromLeft(40));
    feedbackPort_.setBounds(row2.removeFromLeft(80).reduced(2));
    auto row3 = r.removeFromTop(28);
    selectLabel_.setBounds(row3.removeFromLeft(100));
    feedbackSelect_.setBounds(row3.reduced(2));
    available_.setBounds(r.removeFromTop(40));
    oscStatus_.setBounds(r.removeFromTop(22));
    counters_.setBounds(r.removeFromTop(22));
}

// --- RemoteControlUi -----------------------------------------------------------------------

RemoteControlUi::RemoteControlUi(plugin::GradedCellsProcessor& processor, juce::Component& editor)
    : processor_(processor), editor_(editor) {
    button_.setTooltip("MIDI learn mappings and OSC (right-click any control to MIDI-learn it)");
    button_.onClick = [this] { showPanel(); };
    editor_.addAndMakeVisible(button_);
    editor_.addMouseListener(this, true);
    startTimerHz(10);
}

RemoteControlUi::~RemoteControlUi() {
    stopTimer();
    editor_.removeMouseListener(this);
    editor_.removeChildComponent(&button_);
}

void RemoteControlUi::showPanel() {
    auto panel = std::make_unique<RemoteControlPanel>(processor_);
    juce::CallOutBox::launchAsynchronously(std::move(panel), editor_.getLocalArea(&button_, button_.getLocalBounds()), &editor_);
}

juce::PopupMenu RemoteControlUi::menuFor(HostParam param) {
    auto& learn = processor_.midiLearn();
    juce::PopupMenu menu;
    menu.addSectionHeader(paramName(param));
    const bool armedHere = learn.armed() == param;
    if (armedHere) menu.addItem("Cancel MIDI learn", [this] { processor_.midiLearn().cancel(); });
    else menu.addItem("MIDI learn", [this, param] { processor_.midiLearn().arm(param); });
    const int cc = learn.ccFor(param);
    if (cc >= 0) {
        juce::String text = "Forget CC " + juce::String(cc);
        if (processor_.reservedCcs().contains(cc)) text << " (inactive: " << ccJob(processor_, cc) << ")";
        menu.addItem(text, [this, param] { processor_.midiLearn().clearParam(param); });
    }
    menu.addSeparator();
    menu.addItem("MIDI mappings and OSC...", [this] { showPanel(); });
    return menu;
}

void RemoteControlUi::mouseDown(const juce::MouseEvent& e) {
    if (!e.mods.isPopupMenu() || e.eventComponent == nullptr) return;
    auto* control = dynamic_cast<ParamControl*>(e.eventComponent);
    if (control == nullptr) control = e.eventComponent->findParentComponentOfClass<ParamControl>();
    if (control == nullptr) return;
    // A JUCE button clicks (toggles) on any mouse button's release: a right-click on the
    // Reset or a toggle button must only open the menu.
    if (auto* b = dynamic_cast<juce::Button*>(e.eventComponent)) b->setState(juce::Button::buttonNormal);
    menuFor(control->param()).showMenuAsync(juce::PopupMenu::Options().withTargetComponent(control));
}

void RemoteControlUi::timerCallback() {
    const int serial = processor_.midiLearn().serial();
    if (serial == shownSerial_) return;
    shownSerial_ = serial;
    const auto armed = processor_.midiLearn().armed();
    button_.setButtonText(armed ? "Learning..." : "Remote...");
    button_.setToggleState(armed.has_value(), juce::dontSendNotification);
}

} // namespace graded::gui
