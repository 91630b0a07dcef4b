// SPDX-License-Identifier: GPL-3.0-or-later
#include "PluginEditor.h"

#include "PluginProcessor.h"

#include <Engine/Bindings.h>
#include <Patch/NodeSpecs.h>

#include <algorithm>
#include <cmath>

namespace graded::gui {
namespace {

juce::String toJuce(std::string_view s) { return juce::String(s.data(), s.size()); }

juce::String tooltipFor(HostParam p) {
    switch (p) {
        case HostParam::tau: return "Time constant of the bound cells in ms (RateCell tau_m, LeakyNoiseCell tau_x): how fast their state follows the input.";
        case HostParam::prior: return "Prior over the RateCell state: gaussian, laplacian, cauchy or exp. Heavier-tailed priors keep strong activity.";
        case HostParam::leak: return "Strength (gamma) of the prior's leak: how hard the state is pulled back to zero.";
        case HostParam::activation: return "Activation f(z) of the bound cells.";
        case HostParam::integrator: return "ODE integrator: euler, midpoint (RK2) or a true RK4.";
        case HostParam::sigma: return "Sigma of the Gaussian error cell (divides like a variance): larger = less surprise.";
        case HostParam::scale: return "Scale of the Laplacian error cell: larger = smaller error signal.";
        case HostParam::noiseSigma: return "sigma_rec of the LeakyNoiseCell: amount of noise driving the texture.";
        case HostParam::noiseLeak: return "leak_scale of the LeakyNoiseCell: how fast the noisy state decays.";
        case HostParam::alpha: return "Learning rate of the reward cell's online reward predictor.";
        case HostParam::emaWindow: return "EMA window (episodes) of the reward predictor's end-of-episode update.";
        case HostParam::step: return "Samples per simulation step (also the plugin's latency).";
        case HostParam::timeScale: return "Simulated ms per real ms: above 1 the cells run faster than real time.";
        case HostParam::focus: return "What you hear: 1 = the surprise (what the cells did not expect), 0 = the expectation (through the patch's bindings).";
        case HostParam::dryWet: return "Mix of the unprocessed input (0) and the processed signal (1).";
        case HostParam::outputGain: return "Output level in dB.";
        case HostParam::reward: return "Reward fed to the reward cell.";
        case HostParam::patch: return "Factory patch.";
        case HostParam::reset: return "Resets every cell to rest (also MIDI CC 123, all notes off).";
        case HostParam::threshold: return "Threshold applied to the RateCell state after each step: none, soft (shrinks towards 0 by lambda) or cauchy.";
        case HostParam::thresholdLambda: return "Lambda of the threshold: how much of the state the threshold removes.";
        case HostParam::learn: return "Synapses learn (off: every weight stays as it is, bit for bit).";
        case HostParam::learnRate: return "Scales the learning rate (eta) of every Hebbian synapse: 0 stops learning, 1 is the patch's.";
        case HostParam::resetWeights: return "Every synapse's weights back to the patch's initial ones (also a MIDI CC, see MIDI...).";
        case HostParam::count: break;
    }
    return {};
}

/** A rotary slider that also answers the keyboard: arrows step by 1% (shift: 10%),
    Home/End jump to the ends. */
class KeySlider : public juce::Slider {
public:
    KeySlider() : juce::Slider(RotaryHorizontalVerticalDrag, TextBoxBelow) {
        setWantsKeyboardFocus(true);
    }
    bool keyPressed(const juce::KeyPress& key) override {
        const double span = getMaximum() - getMinimum();
        double stepSize = span / (key.getModifiers().isShiftDown() ? 10.0 : 100.0);
        if (getInterval() > 0) stepSize = std::max(stepSize, getInterval());
        const int code = key.getKeyCode();
        if (code == juce::KeyPress::upKey || code == juce::KeyPress::rightKey) setValue(getValue() + stepSize);
        else if (code == juce::KeyPress::downKey || code == juce::KeyPress::leftKey) setValue(getValue() - stepSize);
        else if (code == juce::KeyPress::homeKey) setValue(getMinimum());
        else if (code == juce::KeyPress::endKey) setValue(getMaximum());
        else return juce::Slider::keyPressed(key);
        return true;
    }
    void focusGained(FocusChangeType) override { repaint(); }
    void focusLost(FocusChangeType) override { repaint(); }
};

const HostParam kGlobalParams[] = {HostParam::step, HostParam::timeScale, HostParam::focus,
                                   HostParam::dryWet, HostParam::outputGain, HostParam::reward,
                                   HostParam::reset};

/** The RateCell whose zF is an error cell's prediction (mu, p or shift): what the patch
    expects. Empty when there is none. */
juce::String expectationNode(const Patch& patch) {
    for (const auto& w : patch.wires) {
        if (w.fromNode < 0 || w.toNode < 0) continue;
        // a node's main output wired into an error cell's prediction (the specs say which)
        const auto& from = patch.nodes[size_t(w.fromNode)];
        const auto* shown = nodeSpec(from.kind).shown(CompShow::main);
        const auto* to = nodeSpec(patch.nodes[size_t(w.toNode)].kind).findCompartment(w.toComp);
        if (shown && shown->name == w.fromComp && to && to->prediction) return juce::String(from.id);
    }
    return {};
}

juce::String describeParam(const ParamValue& v) {
    switch (v.type) {
        case ParamValue::Type::number: return juce::String(v.number, 4).trimCharactersAtEnd("0").trimCharactersAtEnd(".");
        case ParamValue::Type::string: return juce::String(v.text);
        case ParamValue::Type::boolean: return v.flag ? "true" : "false";
        case ParamValue::Type::pair:
            return "(" + juce::String(v.text) + ", " + juce::String(v.number, 6).trimCharactersAtEnd("0").trimCharactersAtEnd(".") + ")";
    }
    return {};
}

juce::String number(double v) {
    if (!std::isfinite(v)) return "?";
    const double a = std::abs(v);
    // three significant digits (small values keep theirs: 0.0005, not 0)
    const int places = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2
                     : a > 0 ? juce::jlimit(3, 8, 2 - int(std::floor(std::log10(a)))) : 0;
    auto text = juce::String(v, places);
    if (text.containsChar('.')) text = text.trimCharactersAtEnd("0").trimCharactersAtEnd(".");
    return text == "-0" ? juce::String("0") : text;
}

/** What binding `b` puts on its field or wire for host value `host`: the value the cell
    uses (clamped to the field's range and rounded as the engine does), with its unit. */
juce::String boundValue(const Patch& patch, const PatchBinding& b, float host) {
    const auto& info = hostParamInfo(b.param);
    const double v = bindingValue(b, std::clamp(host, info.min, info.max));
    if (b.wireField != WireField::none && b.wire >= 0 && b.wire < int(patch.wires.size())) {
        const auto& w = patch.wires[size_t(b.wire)];
        const auto name = w.id.empty() ? juce::String("wire") : juce::String(w.id);
        return name + (b.wireField == WireField::gain ? ".gain " : ".bias ") + number(v);
    }
    if (b.node < 0 || b.node >= int(patch.nodes.size())) return {};
    const auto& node = patch.nodes[size_t(b.node)];
    const auto& spec = nodeSpec(node.kind);
    if (b.fieldIndex < 0 || b.fieldIndex >= int(spec.fields.size())) return {};
    const auto& f = spec.fields[size_t(b.fieldIndex)];
    const double c = clampFieldValue(f, v);
    juce::String text = juce::String(node.id) + "." + toJuce(f.name) + " ";
    if (f.type == FieldType::choice && f.choices.names && int(c) >= 0 && int(c) < f.choices.count)
        text << toJuce(f.choices.names[int(c)]);
    else if (f.type == FieldType::flag) text << (c != 0 ? "on" : "off");
    else text << number(c) << (f.unit.empty() ? juce::String() : " " + toJuce(f.unit));
    return text;
}

/** Whether a global control does anything in `patch` (and if not, why). */
juce::String globalUnusedReason(const Patch* patch, HostParam p) {
    if (p == HostParam::focus) {
        if (!patch) return "No patch is loaded.";
        for (const auto& b : patch->bindings)
            if (b.param == p) return {};
        return "Focus does nothing in this patch: the patch binds it to no wire or field.";
    }
    if (p == HostParam::reward) {
        if (!patch) return "No patch is loaded.";
        for (const auto& n : patch->nodes)
            if (n.kind == NodeKind::RewardErrorCell) return {};
        return "Reward does nothing in this patch: it has no RewardErrorCell.";
    }
    return {};
}

} // namespace

// ------------------------------------------------------------------------------------------
ParamControl::ParamControl(juce::AudioProcessorValueTreeState& state, HostParam param,
                           const juce::String& tooltip)
    : param_(param) {
    const auto& info = hostParamInfo(param);
    const auto id = toJuce(info.id);
    auto* p = state.getParameter(id);
    juce::String name = toJuce(info.name);
    if (!info.unit.empty()) name << " (" << toJuce(info.unit) << ")";
    label_.setText(name, juce::dontSendNotification);
    label_.setJustificationType(juce::Justification::centred);
    label_.setFont(juce::Font(12.5f));
    addAndMakeVisible(label_);
    setTitle(name);
    setDescription(tooltip);
    if (auto* choice = dynamic_cast<juce::AudioParameterChoice*>(p)) {
        combo_ = std::make_unique<juce::ComboBox>(name);
        combo_->addItemList(choice->choices, 1);
        combo_->setTooltip(tooltip);
        combo_->setTitle(name);
        addAndMakeVisible(*combo_);
        comboAttachment_ = std::make_unique<juce::AudioProcessorValueTreeState::ComboBoxAttachment>(state, id, *combo_);
    } else if (info.type == HostParamType::toggle) {
        button_ = std::make_unique<juce::TextButton>(toJuce(info.name));
        button_->setTooltip(tooltip);
        button_->setTitle(name);
        button_->setClickingTogglesState(true);
        addAndMakeVisible(*button_);
        buttonAttachment_ = std::make_unique<juce::AudioProcessorValueTreeState::ButtonAttachment>(state, id, *button_);
    } else if (p != nullptr) {
        slider_ = std::make_unique<KeySlider>();
        slider_->setTooltip(tooltip);
        slider_->setTitle(name);
        slider_->setTextBoxStyle(juce::Slider::TextBoxBelow, false, 74, 18);
        addAndMakeVisible(*slider_);
        sliderAttachment_ = std::make_unique<juce::AudioProcessorValueTreeState::SliderAttachment>(state, id, *slider_);
    }
    label_.setTooltip(tooltip);
    tooltip_ = tooltip;
    effect_.setFont(juce::Font(11.5f));
    effect_.setJustificationType(juce::Justification::centred);
    effect_.setColour(juce::Label::textColourId, colours::positive);
    effect_.setMinimumHorizontalScale(0.6f);
    addChildComponent(effect_);
}

void ParamControl::setEffect(const juce::String& text) {
    if (text == effect_.getText() && effect_.isVisible() == text.isNotEmpty()) return;
    effect_.setText(text, juce::dontSendNotification);
    effect_.setTooltip(text.isEmpty() ? juce::String() : "In effect now: " + text.fromFirstOccurrenceOf("-> ", false, false));
    const bool vis = text.isNotEmpty();
    if (vis != effect_.isVisible()) {
        effect_.setVisible(vis);
        resized();
    }
}

void ParamControl::setTooltipText(const juce::String& tooltip) {
    if (tooltip == tooltip_) return;
    tooltip_ = tooltip;
    label_.setTooltip(tooltip);
    setDescription(tooltip);
    if (slider_) slider_->setTooltip(tooltip);
    if (combo_) combo_->setTooltip(tooltip);
    if (button_) button_->setTooltip(tooltip);
}

void ParamControl::resized() {
    auto r = getLocalBounds();
    label_.setBounds(r.removeFromTop(18));
    if (effect_.isVisible()) effect_.setBounds(r.removeFromBottom(15));
    if (slider_) slider_->setBounds(r);
    if (combo_) combo_->setBounds(r.withSizeKeepingCentre(r.getWidth() - 4, std::min(26, r.getHeight())));
    if (button_) button_->setBounds(r.withSizeKeepingCentre(r.getWidth() - 8, std::min(30, r.getHeight())));
}

// ------------------------------------------------------------------------------------------
/** The workbench session the processor keeps for its editors (made on first use). */
static std::shared_ptr<WorkbenchSession> sessionOf(plugin::GradedCellsProcessor& p) {
    auto& slot = p.editorSession();
    auto session = std::static_pointer_cast<WorkbenchSession>(slot);
    if (session == nullptr) {
        session = std::make_shared<WorkbenchSession>();
        session->open = p.workbenchDraft().open; // as the host's session left it
        slot = session;
    }
    return session;
}

PluginEditor::PluginEditor(plugin::GradedCellsProcessor& p)
    : juce::AudioProcessorEditor(p), processor_(p), session_(sessionOf(p)), document_(session_->document) {
    setLookAndFeel(&lookAndFeel_);
    setOpaque(true);
    setWantsKeyboardFocus(false);
    setFocusContainerType(juce::Component::FocusContainerType::keyboardFocusContainer);
    setTitle("GradedCells");

    title_.setText("GradedCells", juce::dontSendNotification);
    title_.setFont(juce::Font(20.0f, juce::Font::bold));
    addAndMakeVisible(title_);

    patchBox_.setTitle("Patch");
    patchBox_.setTooltip("Factory patches, and user patches from " + userPatchFolder().getFullPathName());
    patchBox_.onChange = [this] { patchChosen(); };
    addAndMakeVisible(patchBox_);
    loadButton_.setTooltip("Load a patch file (JSON, see PatchFormat.md)");
    loadButton_.onClick = [this] { loadPatchFile(); };
    addAndMakeVisible(loadButton_);
    folderButton_.setTooltip("Rescan the user patch folder: " + userPatchFolder().getFullPathName());
    folderButton_.onClick = [this] { rebuildPatchList(); };
    addAndMakeVisible(folderButton_);
    midiButton_.setTooltip("How MIDI drives the reward: notes from middle C up reward (velocity), notes below punish, "
                           "pitch bend gives a reward from -1 to +1; what happens when the last note is released");
    midiButton_.onClick = [this] { showMidiMenu(); };
    addAndMakeVisible(midiButton_);

    description_.setFont(juce::Font(12.5f));
    description_.setColour(juce::Label::textColourId, colours::textDim);
    description_.setJustificationType(juce::Justification::topLeft);
    description_.setMinimumHorizontalScale(1.0f);
    addAndMakeVisible(description_);
    status_.setFont(juce::Font(12.5f, juce::Font::bold));
    status_.setColour(juce::Label::textColourId, juce::Colour(0xffff8a65));
    status_.setJustificationType(juce::Justification::topLeft);
    status_.setMinimumHorizontalScale(1.0f);
    addChildComponent(status_);
    dismissButton_.setTooltip("Hide this message");
    dismissButton_.onClick = [this] { dismissError(); };
    addChildComponent(dismissButton_);

    graph_.onSelect = [this](int i) { showNode(i); };
    addAndMakeVisible(graph_);
    nodeTitle_.setFont(juce::Font(15.0f, juce::Font::bold));
    addAndMakeVisible(nodeTitle_);
    nodeInfo_.setFont(juce::Font(12.5f));
    nodeInfo_.setColour(juce::Label::textColourId, colours::textDim);
    nodeInfo_.setJustificationType(juce::Justification::topLeft);
    nodeInfo_.setMinimumHorizontalScale(1.0f);
    addAndMakeVisible(nodeInfo_);

    for (auto param : kGlobalParams) {
        globalControls_.push_back(std::make_unique<ParamControl>(processor_.parameters(), param, tooltipFor(param)));
        addAndMakeVisible(*globalControls_.back());
    }
    addAndMakeVisible(strips_);
    addAndMakeVisible(traces_);
    addAndMakeVisible(bands_);
    addAndMakeVisible(meters_);
    for (auto param : {HostParam::learn, HostParam::learnRate, HostParam::resetWeights}) {
        learnControls_.push_back(std::make_unique<ParamControl>(processor_.parameters(), param, tooltipFor(param)));
        addChildComponent(*learnControls_.back());
    }
    addChildComponent(weights_);
    weights_.exportButton.onClick = [this] { exportWeights(); };
    weights_.importButton.onClick = [this] { importWeights(); };
    heatFrame_ = std::make_unique<WeightHeatFrame>();
    shownNoticeCount_ = processor_.weightsNoticeCount();

    remote_ = std::make_unique<RemoteControlUi>(processor_, *this); // "Remote..." button, right-click MIDI learn

    // The workbench: built now, shown by its button.
    workbench_ = std::make_unique<WorkbenchPanel>(document_);
    addChildComponent(*workbench_);
    document_.onChange = [this] { documentChanged(); };
    workbenchButton_.setClickingTogglesState(true);
    workbenchButton_.setTooltip("Build and edit patches: add nodes, draw wires, edit every parameter; "
                                "each valid edit plays at once, undo with Ctrl+Z");
    workbenchButton_.onClick = [this] { setWorkbenchOpen(workbenchButton_.getToggleState()); };
    addAndMakeVisible(workbenchButton_);
    saveAsButton_.setTooltip("Save the workbench's patch to the user patch folder under a name");
    saveAsButton_.onClick = [this] { askSaveAs(); };
    renameButton_.setTooltip("Rename the user patch chosen in the patch menu");
    renameButton_.onClick = [this] { askRename(); };
    deletePatchButton_.setTooltip("Delete the user patch chosen in the patch menu from the folder");
    deletePatchButton_.onClick = [this] { askDelete(); };
    libraryInfo_.setFont(juce::Font(12.5f));
    libraryInfo_.setColour(juce::Label::textColourId, colours::textDim);
    for (juce::Component* c : {static_cast<juce::Component*>(&saveAsButton_), static_cast<juce::Component*>(&renameButton_),
                               static_cast<juce::Component*>(&deletePatchButton_), static_cast<juce::Component*>(&libraryInfo_)})
        addChildComponent(c);

    rebuildPatchList();
    syncPatch(true);

    const auto size = processor_.editorSize();
    setResizable(true, true);
    setResizeLimits(kMinWidth, kMinHeight, 2800, 2000);
    setSize(juce::jlimit(kMinWidth, 2800, size.x > 0 ? size.x : kDefaultWidth),
            juce::jlimit(kMinHeight, 2000, size.y > 0 ? size.y : kDefaultHeight));
    constructed_ = true; // from now on, sizes are the user's and are remembered
    if (session_->open) { // the workbench was open when the editor was last closed
        session_->open = false;
        setWorkbenchOpen(true);
    }
    startTimerHz(30);
}

PluginEditor::~PluginEditor() {
    document_.onChange = nullptr; // the document (and its undo history) outlives this editor
    stopTimer();
    setLookAndFeel(nullptr);
}

juce::File PluginEditor::userPatchFolder() const { return plugin::UserPatchLibrary::defaultFolder(); }

ParamControl* PluginEditor::controlFor(HostParam param) noexcept {
    for (auto& c : nodeControls_)
        if (c->param() == param) return c.get();
    for (auto& c : globalControls_)
        if (c->param() == param) return c.get();
    for (auto& c : learnControls_)
        if (c->param() == param && c->isVisible()) return c.get();
    return nullptr;
}

void PluginEditor::rebuildPatchList() {
    patchBox_.clear(juce::dontSendNotification);
    patchBox_.addSectionHeading("Factory");
    const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
    for (int i = 0; i < names.size(); ++i) patchBox_.addItem(names[i], i + 1);
    const auto folder = userPatchFolder();
    userPatches_ = plugin::UserPatchLibrary(folder).scan();
    patchBox_.addSectionHeading("User (" + folder.getFullPathName() + ")");
    if (userPatches_.empty()) patchBox_.addItem("(no .json patches in the folder)", 999);
    patchBox_.setItemEnabled(999, false);
    // listed by their names; a name two files share also shows its file name
    for (size_t i = 0; i < userPatches_.size(); ++i) {
        const auto& e = userPatches_[i];
        const bool shared = (i > 0 && userPatches_[i - 1].name.equalsIgnoreCase(e.name))
                            || (i + 1 < userPatches_.size() && userPatches_[i + 1].name.equalsIgnoreCase(e.name));
        patchBox_.addItem(shared ? e.name + " (" + e.file.getFileName() + ")" : e.name, 1000 + int(i));
    }
    shownVersion_ = 0;
    syncPatch(true);
}

void PluginEditor::patchChosen() {
    const int id = patchBox_.getSelectedId();
    if (id >= 1 && id < 999) {
        loadError_.clear();
        processor_.selectFactoryPatch(id - 1);
    } else if (id >= 1000 && id - 1000 < int(userPatches_.size())) {
        juce::String error;
        const auto& file = userPatches_[size_t(id - 1000)].file;
        if (!processor_.loadUserPatchFile(file, error)) {
            loadError_ = "Could not load " + file.getFileName() + ": " + error.replace("\n", "; ");
            // the selector shows the patch still running (so choosing the file again retries)
            showRunningPatchInBox();
            syncStatus();
            return;
        }
        loadError_.clear();
    }
    syncPatch(true);
    syncStatus();
}

void PluginEditor::loadPatchFile() {
    chooser_ = std::make_unique<juce::FileChooser>("Load a GradedCells patch", userPatchFolder(), "*.json");
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                          [this](const juce::FileChooser& fc) {
                              const auto file = fc.getResult();
                              if (file == juce::File()) return;
                              juce::String error;
                              if (!processor_.loadUserPatchFile(file, error)) {
                                  loadError_ = "Could not load " + file.getFileName() + ": " + error.replace("\n", "; ");
                              } else {
                                  loadError_.clear();
                                  syncPatch(true);
                              }
                              syncStatus();
                          });
}

void PluginEditor::showRunningPatchInBox() {
    const auto sel = processor_.currentPatch();
    if (!sel.user) patchBox_.setSelectedId(sel.factoryIndex + 1, juce::dontSendNotification);
    else {
        int id = 0;
        for (size_t i = 0; i < userPatches_.size() && id == 0; ++i)
            if (userPatches_[i].name == juce::String::fromUTF8(sel.name.c_str())) id = 1000 + int(i);
        if (id) patchBox_.setSelectedId(id, juce::dontSendNotification);
        else patchBox_.setText(juce::String(sel.name), juce::dontSendNotification);
    }
}

void PluginEditor::syncPatch(bool force) {
    // The processor parses a patch once and numbers every selection: a new number is the
    // only change signal (no JSON is parsed or hashed here).
    const auto sel = processor_.currentPatch();
    if (sel.version == shownVersion_ && !force) return;
    shownVersion_ = sel.version;
    // The running patch changed elsewhere (the patch menu, a state load): the workbench follows
    // (undoably: Ctrl+Z brings the edited patch back).
    if (session_->open && !applying_ && sel.version != session_->version) loadDocumentFromProcessor(true);
    patch_ = sel.patch;
    showRunningPatchInBox();
    traces_.clear();
    strips_.clear();
    const bool synapses = patch_ && std::any_of(patch_->nodes.begin(), patch_->nodes.end(),
                                                [](const PatchNode& n) { return n.synapse() != nullptr; });
    if (synapses != hasSynapses_) {
        hasSynapses_ = synapses;
        weights_.setVisible(synapses);
        for (auto& c : learnControls_) c->setVisible(synapses);
        resized();
    }
    if (patch_) {
        description_.setText(juce::String(patch_->name) + ": " + juce::String(patch_->description),
                             juce::dontSendNotification);
        graph_.setPatch(*patch_);
        // Start on the first node the patch binds controls to: the one a user tunes.
        for (const auto& b : patch_->bindings)
            if (b.node >= 0) {
                graph_.setSelected(b.node);
                break;
            }
        const auto expect = expectationNode(*patch_);
        // A BernoulliErrorCell's prediction is a logit: the view plots P = sigmoid(zF).
        bool logits = false;
        for (const auto& w : patch_->wires)
            if (w.fromNode >= 0 && w.toNode >= 0 && juce::String(patch_->nodes[size_t(w.fromNode)].id) == expect
                && patch_->nodes[size_t(w.toNode)].kind == NodeKind::BernoulliErrorCell)
                logits = true;
        bands_.setExpectationNode(expect, logits);
        juce::StringArray ids, constant;
        for (const auto& n : patch_->nodes) {
            ids.add(juce::String(n.id));
            if (n.kind == NodeKind::LaplacianErrorCell) constant.add(juce::String(n.id));
        }
        traces_.setNodes(ids, constant);
        // Noise patches: AudioOut's noise input is what it uses; show it beside appliedDb.
        std::vector<StripsView::Derived> derived;
        const bool gainsWired = std::any_of(patch_->wires.begin(), patch_->wires.end(), [this](const PatchWire& w) {
            return w.toNode == patch_->audioOut && w.toComp == "bandGains";
        });
        for (const auto& w : patch_->wires)
            if (w.toNode == patch_->audioOut && w.toComp == "noise" && w.fromNode >= 0 && w.weights.empty()) {
                const auto& from = patch_->nodes[size_t(w.fromNode)];
                const auto* shown = nodeSpec(from.kind).shown(CompShow::main);
                if (shown && shown->name == w.fromComp)
                    derived.push_back({juce::String(patch_->nodes[size_t(w.toNode)].id) + ".noise",
                                       juce::String(from.id), w.gain, w.bias.empty() ? 0.f : w.bias.front(),
                                       gainsWired ? juce::String() : juce::String(patch_->nodes[size_t(w.toNode)].id)});
            }
        strips_.setNodes(ids, derived);
        showNode(graph_.selected());
    } else {
        graph_.setPatch(Patch{});
        bands_.setExpectationNode({}, false);
        traces_.setNodes({}, {});
        strips_.setNodes({}, {});
        showNode(-1);
    }
    syncEffects(true);
}

void PluginEditor::showNode(int index) {
    for (auto& c : nodeControls_) removeChildComponent(c.get());
    nodeControls_.clear();
    if (!patch_ || index < 0 || index >= int(patch_->nodes.size())) {
        nodeTitle_.setText("No node selected", juce::dontSendNotification);
        nodeInfo_.setText({}, juce::dontSendNotification);
        resized();
        return;
    }
    const auto& node = patch_->nodes[size_t(index)];
    nodeTitle_.setText(juce::String(node.id) + "  (" + toJuce(kNodeKindNames[int(node.kind)]) + ")",
                       juce::dontSendNotification);
    std::vector<HostParam> params;
    for (const auto& b : patch_->bindings)
        if (b.node == index && std::find(params.begin(), params.end(), b.param) == params.end()
            && std::find(std::begin(kGlobalParams), std::end(kGlobalParams), b.param) == std::end(kGlobalParams))
            params.push_back(b.param);
    // Only controls that act on this node: the patch's bindings decide.
    for (auto p : params) {
        nodeControls_.push_back(std::make_unique<ParamControl>(processor_.parameters(), p, tooltipFor(p)));
        addChildComponent(*nodeControls_.back());
        nodeControls_.back()->setVisible(!session_->open);
    }
    infoNode_ = index;
    syncEffects(true);
    resized();
}

void PluginEditor::showNodeInfo() {
    if (!patch_ || infoNode_ < 0 || infoNode_ >= int(patch_->nodes.size())) return;
    const auto& node = patch_->nodes[size_t(infoNode_)];
    const auto& spec = nodeSpec(node.kind);
    // A bound field shows the value in effect (marked *, with the control that drives it),
    // not the file's value, which the binding overrides.
    auto boundBy = [&](const std::string& key) -> const PatchBinding* {
        for (const auto& b : patch_->bindings) {
            if (b.node != infoNode_ || b.fieldIndex < 0 || b.fieldIndex >= int(spec.fields.size())) continue;
            const auto& f = spec.fields[size_t(b.fieldIndex)];
            if (f.name == key || f.alias == key) return &b;
        }
        return nullptr;
    };
    auto& state = processor_.parameters();
    juce::StringArray lines;
    bool anyBound = false;
    if (const auto* m = node.cellParams())
        for (const auto& [name, value] : *m) {
            if (const auto* b = boundBy(name)) {
                const float host = state.getRawParameterValue(toJuce(hostParamInfo(b->param).id))->load();
                lines.add(boundValue(*patch_, *b, host).fromFirstOccurrenceOf(".", false, false).replaceFirstOccurrenceOf(" ", " = ")
                          + "* (" + toJuce(hostParamInfo(b->param).name) + ")");
                anyBound = true;
            } else {
                lines.add(juce::String(name) + " = " + describeParam(value));
            }
        }
    // bound fields the file does not name (its default applies until the control moves)
    for (const auto& b : patch_->bindings)
        if (b.node == infoNode_ && b.fieldIndex >= 0 && b.fieldIndex < int(spec.fields.size())) {
            const auto key = std::string(spec.fields[size_t(b.fieldIndex)].name);
            const auto* m = node.cellParams();
            bool named = false;
            if (m)
                for (const auto& kv : *m)
                    if (kv.first == key || spec.fields[size_t(b.fieldIndex)].alias == kv.first) named = true;
            if (!named && boundBy(key) == &b) {
                const float host = state.getRawParameterValue(toJuce(hostParamInfo(b.param).id))->load();
                lines.add(boundValue(*patch_, b, host).fromFirstOccurrenceOf(".", false, false).replaceFirstOccurrenceOf(" ", " = ")
                          + "* (" + toJuce(hostParamInfo(b.param).name) + ")");
                anyBound = true;
            }
        }
    if (const auto* in = node.audioIn()) lines.add("bands = " + juce::String(in->bands));
    juce::String info;
    if (nodeControls_.empty() && isCellKind(node.kind)) info << "No host control is bound to this node in this patch. ";
    if (!lines.isEmpty()) info << (anyBound ? "Values (* = in effect, set by the control named): " : "Patch values: ")
                               << lines.joinIntoString(",  ");
    if (info != nodeInfo_.getText()) nodeInfo_.setText(info, juce::dontSendNotification);
}

void PluginEditor::syncEffects(bool force) {
    auto& state = processor_.parameters();
    juce::String key;
    for (int i = 0; i < kNumHostParams; ++i) key << juce::String(state.getRawParameterValue(toJuce(hostParamInfo(HostParam(i)).id))->load()) << ",";
    key << processor_.rewardCc() << "," << processor_.episodeCc() << "," << infoNode_ << "," << int(shownVersion_);
    if (!force && key == effectsKey_) return;
    effectsKey_ = key;
    if (!patch_) {
        for (auto& c : nodeControls_) c->setEffect({});
        nodeInfo_.setText({}, juce::dontSendNotification);
    }
    auto effectOf = [&](HostParam p) {
        juce::StringArray parts;
        if (patch_) {
            const float host = state.getRawParameterValue(toJuce(hostParamInfo(p).id))->load();
            for (const auto& b : patch_->bindings)
                if (b.param == p) parts.addIfNotAlreadyThere(boundValue(*patch_, b, host));
        }
        parts.removeEmptyStrings();
        return parts.isEmpty() ? juce::String() : "-> " + parts.joinIntoString(", ");
    };
    auto drives = [&](HostParam p) {
        juce::StringArray parts;
        if (patch_)
            for (const auto& b : patch_->bindings)
                if (b.param == p) {
                    if (b.wireField != WireField::none && b.wire >= 0)
                        parts.addIfNotAlreadyThere("wire " + juce::String(patch_->wires[size_t(b.wire)].id)
                                                   + (b.wireField == WireField::gain ? " gain" : " bias"));
                    else if (b.node >= 0)
                        parts.addIfNotAlreadyThere(juce::String(patch_->nodes[size_t(b.node)].id) + "." + juce::String(b.field));
                }
        return parts.isEmpty() ? juce::String() : "\nDrives " + parts.joinIntoString(", ") + " (value = offset + scale x control, from the patch).";
    };
    for (auto& c : nodeControls_) {
        c->setEffect(effectOf(c->param()));
        c->setTooltipText(tooltipFor(c->param()) + drives(c->param()));
    }
    for (auto& c : globalControls_) {
        const auto p = c->param();
        juce::String tip = tooltipFor(p);
        if (p == HostParam::reward)
            tip << " MIDI sets it too: notes (velocity), pitch bend and CC " << processor_.rewardCc()
                << "; CC " << processor_.episodeCc() << " ends an episode (change them in MIDI...).";
        const auto why = globalUnusedReason(patch_.get(), p);
        if (why.isNotEmpty()) tip = why + "\n" + tip;
        else tip << drives(p);
        c->setTooltipText(tip);
        c->setEnabled(why.isEmpty());
        c->setAlpha(why.isEmpty() ? 1.0f : 0.45f);
        c->setEffect(p == HostParam::focus && why.isEmpty() ? effectOf(p) : juce::String());
    }
    showNodeInfo();
}

void PluginEditor::dismissError() {
    loadError_.clear();
    syncStatus();
}

void PluginEditor::timerCallback() {
    bool got = false;
    while (processor_.popTelemetry(snapshot_)) {
        traces_.update(snapshot_);
        ++snapshots_;
        got = true;
    }
    if (got) {
        strips_.update(snapshot_);
        bands_.update(snapshot_);
        graph_.setActivity(snapshot_);
        meters_.setCpu(snapshot_.cpuLoad);
    }
    if (processor_.popWeightHeat(*heatFrame_) && hasSynapses_) weights_.update(*heatFrame_);
    if (const int count = processor_.weightsNoticeCount(); count != shownNoticeCount_) {
        shownNoticeCount_ = count;
        weightsNotice_ = processor_.weightsNotice();
        noticeTicks_ = 30 * 20; // 20 s
    } else if (noticeTicks_ > 0 && --noticeTicks_ == 0) {
        weightsNotice_.clear();
    }
    const auto& mon = processor_.monitor();
    meters_.setMidi(mon.midiRewardEvents.load(), mon.lastMidiReward.load());
    syncPatch(false);
    syncEffects(false);
    syncStatus();
    // The reset button is momentary: release it once the audio thread had time to see it.
    if (auto* c = controlFor(HostParam::reset); c && c->button() && c->button()->getToggleState()) {
        if (++resetHeldTicks_ > 6) c->button()->setToggleState(false, juce::sendNotificationSync);
    } else {
        resetHeldTicks_ = 0;
    }
    if (auto* c = controlFor(HostParam::resetWeights); c && c->button() && c->button()->getToggleState()) {
        if (++resetWeightsHeldTicks_ > 6) c->button()->setToggleState(false, juce::sendNotificationSync);
    } else {
        resetWeightsHeldTicks_ = 0;
    }
}

void PluginEditor::exportWeights() {
    chooser_ = std::make_unique<juce::FileChooser>("Export the synapse weights into a folder (one <id>.npz each)",
                                                   juce::File::getSpecialLocation(juce::File::userDocumentsDirectory));
    chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectDirectories,
                          [this](const juce::FileChooser& fc) {
                              const auto dir = fc.getResult();
                              if (dir == juce::File()) return;
                              juce::StringArray written;
                              juce::String error;
                              if (processor_.exportWeights(dir, written, error)) loadError_ = "Exported " + juce::String(written.size()) + " synapse(s) to " + dir.getFullPathName();
                              else loadError_ = "Could not export the weights: " + error;
                              syncStatus();
                          });
}

void PluginEditor::importWeights() {
    if (!patch_) return;
    juce::PopupMenu menu;
    int id = 1;
    for (const auto& n : patch_->nodes) {
        const auto* sn = n.synapse();
        if (sn == nullptr) continue;
        const auto name = juce::String::fromUTF8(n.id.c_str());
        menu.addItem(id++, "Into " + name + (sn->tieNode >= 0 ? " (tied: import into " + juce::String(sn->tie) + ")" : juce::String()),
                     sn->tieNode < 0, false);
    }
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(&weights_.importButton), [this](int chosen) {
        if (chosen <= 0 || !patch_) return;
        juce::String target;
        int k = 1;
        for (const auto& n : patch_->nodes)
            if (n.synapse() != nullptr && k++ == chosen) target = juce::String::fromUTF8(n.id.c_str());
        chooser_ = std::make_unique<juce::FileChooser>("Import weights into " + target, juce::File(), "*.npz");
        chooser_->launchAsync(juce::FileBrowserComponent::openMode | juce::FileBrowserComponent::canSelectFiles,
                              [this, target](const juce::FileChooser& fc) {
                                  const auto file = fc.getResult();
                                  if (file == juce::File()) return;
                                  juce::String error;
                                  if (processor_.importWeights(file, target, error)) loadError_.clear();
                                  else loadError_ = "Could not import " + file.getFileName() + ": " + error.replace("\n", "; ");
                                  syncStatus();
                              });
    });
}

void PluginEditor::showMidiMenu() {
    using plugin::RewardRelease;
    juce::PopupMenu menu;
    menu.addSectionHeader("Reward from MIDI");
    menu.addItem("Notes C4 and up: +velocity; below C4: -velocity", false, false, nullptr);
    menu.addItem("Pitch bend: -1 .. +1;  CC " + juce::String(processor_.rewardCc()) + ": 0 .. 1", false, false, nullptr);
    // The reward and episode CC numbers (saved in the state).
    static const int kCcChoices[] = {1, 2, 4, 7, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 64, 65, 66, 67, 69, 80, 81, 82, 83};
    juce::PopupMenu rewardCc, episodeCc;
    const int rcc = processor_.rewardCc(), ecc = processor_.episodeCc();
    for (int cc : kCcChoices) {
        rewardCc.addItem("CC " + juce::String(cc), true, rcc == cc, [this, cc] { processor_.setRewardCc(cc); });
        episodeCc.addItem("CC " + juce::String(cc), true, ecc == cc, [this, cc] { processor_.setEpisodeCc(cc); });
    }
    menu.addSubMenu("Reward CC (now CC " + juce::String(rcc) + ")", rewardCc);
    menu.addSubMenu("End episode on CC (now CC " + juce::String(ecc) + ")", episodeCc);
    menu.addSectionHeader("When the last note is released");
    const auto release = processor_.rewardRelease();
    menu.addItem("Reward returns to 0", true, release == RewardRelease::zero,
                 [this] { processor_.setRewardRelease(RewardRelease::zero); });
    menu.addItem("Reward holds its value", true, release == RewardRelease::hold,
                 [this] { processor_.setRewardRelease(RewardRelease::hold); });
    // Synapses: a CC whose rising edge (past 64) resets every weight (saved in the state).
    juce::PopupMenu resetCc;
    const int current = processor_.resetWeightsCc();
    resetCc.addItem("None", true, current < 0, [this] { processor_.setResetWeightsCc(-1); });
    for (int cc : {14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 80, 81, 82, 83, 85, 86, 87, 88, 89, 90})
        resetCc.addItem("CC " + juce::String(cc), true, current == cc, [this, cc] { processor_.setResetWeightsCc(cc); });
    menu.addSectionHeader("Synapses");
    menu.addSubMenu("Reset weights on CC" + (current >= 0 ? " (now CC " + juce::String(current) + ")" : juce::String(" (now none)")), resetCc);
    menu.showMenuAsync(juce::PopupMenu::Options().withTargetComponent(&midiButton_));
}

void PluginEditor::syncStatus() {
    const auto engine = processor_.engineStatus();
    juce::StringArray lines;
    if (engine.isNotEmpty()) lines.add("Not running: " + engine);
    if (loadError_.isNotEmpty()) lines.add(loadError_);
    if (weightsNotice_.isNotEmpty()) lines.add(weightsNotice_);
    const auto text = lines.joinIntoString("\n");
    if (text == shownStatus_) return;
    shownStatus_ = text;
    status_.setText(text, juce::dontSendNotification);
    status_.setTooltip(text);
    status_.setVisible(text.isNotEmpty());
    dismissButton_.setVisible(loadError_.isNotEmpty());
    resized();
}

void PluginEditor::paint(juce::Graphics& g) {
    g.fillAll(colours::background);
}

void PluginEditor::resized() {
    if (constructed_) processor_.setEditorSize(getWidth(), getHeight());
    auto r = getLocalBounds().reduced(8);
    auto top = r.removeFromTop(32);
    title_.setBounds(top.removeFromLeft(130));
    workbenchButton_.setBounds(top.removeFromRight(96).reduced(2));
    folderButton_.setBounds(top.removeFromRight(100).reduced(2));
    midiButton_.setBounds(top.removeFromRight(64).reduced(2));
    if (remote_) remote_->button().setBounds(top.removeFromRight(84).reduced(2));
    loadButton_.setBounds(top.removeFromRight(104).reduced(2));
    patchBox_.setBounds(top.reduced(4, 2));
    if (status_.isVisible()) {
        auto line = r.removeFromTop(34);
        if (dismissButton_.isVisible()) dismissButton_.setBounds(line.removeFromRight(80).reduced(4, 6));
        status_.setBounds(line);
    }
    if (session_->open) {
        // the workbench takes the middle; the live views stay below it
        auto live = r.removeFromBottom(juce::jlimit(130, 190, r.getHeight() / 4));
        r.removeFromBottom(4);
        auto bar = r.removeFromTop(30);
        saveAsButton_.setBounds(bar.removeFromLeft(96).reduced(2));
        renameButton_.setBounds(bar.removeFromLeft(90).reduced(2));
        deletePatchButton_.setBounds(bar.removeFromLeft(112).reduced(2));
        libraryInfo_.setBounds(bar.reduced(6, 0));
        workbench_->setBounds(r);
        if (fitPending_ && workbench_->canvas().getWidth() > 0) { // a patch just opened: show all of it
            fitPending_ = false;
            workbench_->canvas().fitToView();
        }
        layoutLive(live);
        return;
    }
    description_.setBounds(r.removeFromTop(status_.isVisible() ? 34 : 50));
    r.removeFromTop(4);

    auto live = r.removeFromBottom(juce::jmax(170, r.getHeight() * 2 / 5));
    auto globals = r.removeFromBottom(96);
    if (hasSynapses_) {
        // learning: three controls at the end of the globals row, the weights beside the views
        auto learn = globals.removeFromRight(juce::jmin(300, globals.getWidth() / 3));
        const int lw = learn.getWidth() / int(learnControls_.size());
        for (size_t i = 0; i < learnControls_.size(); ++i)
            learnControls_[i]->setBounds(learn.getX() + int(i) * lw, learn.getY(), lw - 4, learn.getHeight());
    }
    auto middle = r;
    auto nodePanel = middle.removeFromRight(juce::jmax(280, middle.getWidth() * 2 / 5));
    graph_.setBounds(middle.reduced(0, 2));
    nodePanel.reduce(8, 2);
    nodeTitle_.setBounds(nodePanel.removeFromTop(22));
    nodeInfo_.setBounds(nodePanel.removeFromBottom(juce::jmin(64, nodePanel.getHeight() / 3)));
    const int n = int(nodeControls_.size());
    if (n > 0) {
        const int perRow = juce::jmax(1, juce::jmin(n, nodePanel.getWidth() / 92));
        const int rows = (n + perRow - 1) / perRow;
        const int w = nodePanel.getWidth() / perRow, h = juce::jmin(104, nodePanel.getHeight() / rows);
        for (int i = 0; i < n; ++i)
            nodeControls_[size_t(i)]->setBounds(nodePanel.getX() + (i % perRow) * w, nodePanel.getY() + (i / perRow) * h, w - 4, h - 4);
    }
    const int g = int(globalControls_.size());
    const int gw = globals.getWidth() / g;
    for (int i = 0; i < g; ++i) globalControls_[size_t(i)]->setBounds(globals.getX() + i * gw, globals.getY(), gw - 4, globals.getHeight());

    layoutLive(live);
}

void PluginEditor::layoutLive(juce::Rectangle<int> live) {
    meters_.setBounds(live.removeFromBottom(26));
    live.removeFromBottom(4);
    if (hasSynapses_) weights_.setBounds(live.removeFromRight(live.getWidth() / 3).reduced(2, 0));
    const int third = live.getWidth() / 3;
    strips_.setBounds(live.removeFromLeft(third).reduced(2, 0));
    traces_.setBounds(live.removeFromLeft(third).reduced(2, 0));
    bands_.setBounds(live.reduced(2, 0));
}

} // namespace graded::gui
