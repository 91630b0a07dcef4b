// SPDX-License-Identifier: GPL-3.0-or-later
// Saved state: binary-wrapped XML (juce::AudioProcessor::copyXmlToBinary) of
//   <GradedCellsState formatVersion="1">
//     <Patch source="factory|user" index="0" name="..." json="{...user patch...}"/>
//     <Midi rewardCc="1" episodeCc="64" rewardAfterNoteOff="zero|hold" resetWeightsCc="-1"/>
//     <Editor width="1100" height="720"/>                             (optional)
//     <Workbench open="1" draft="{...}"/>   (optional: the workbench's unapplied patch text)
//     <PARAMETERS> <PARAM id="tau" value="40"/> ... </PARAMETERS>   (plain values)
//     <MidiLearn version="1"> <Map cc="7" param="tau"/> ... </MidiLearn>   (MidiLearn.h)
//     <Osc version="1" enabled="0" port="9000" feedback="0" ... />        (OscControl.h)
//     <Weights version="1" bytes="N" data="base64"/>   (patches with synapses; WeightAccess.h)
//   </GradedCellsState>
// The Weights block holds every synapse's weights and biases bit for bit, tied to the
// patch by its content hash; it is omitted (with a logged reason) when it would take the
// state past limits::kMaxStateBytes. A block that is corrupt or does not match the patch
// is refused on its own (the rest of the state loads; weightsNotice() says why).
// Older states (formatVersion missing or 0) load. Anything unreadable (too big, nested
// deeper than limits::kMaxXmlDepth, truncated, foreign, malformed) is refused whole before
// any of it is applied: the previous state stays, lastStateError() and the log say why.
#include "PluginProcessor.h"

#include <Engine/Cost.h>
#include <Limits.h>
#include <XmlCheck.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>

namespace graded::plugin {

namespace {

constexpr int kStateFormatVersion = 1;
const juce::Identifier kRootTag{"GradedCellsState"};
const juce::Identifier kPatchTag{"Patch"};
const juce::Identifier kMidiTag{"Midi"};
const juce::Identifier kParamsTag{"PARAMETERS"};
const juce::Identifier kEditorTag{"Editor"};
const juce::Identifier kWeightsTag{"Weights"};
const juce::Identifier kWorkbenchTag{"Workbench"};

/** A state read completely and checked before any of it is applied. */
struct StagedState {
    std::array<std::optional<float>, kNumHostParams> values;
    PatchSelection patch;
    int rewardCc = kDefaultRewardCc;
    int episodeCc = kDefaultEpisodeCc;
    RewardRelease rewardRelease = RewardRelease::hold; ///< states from before the setting: hold, as then
    int resetWeightsCc = kDefaultResetWeightsCc;
    int editorWidth = 0, editorHeight = 0;
    WorkbenchDraft workbench;         ///< empty draft: none
    int formatVersion = 0;
    std::optional<MidiLearnState> midiLearn;   ///< none: no mappings
    std::optional<OscSettings> osc;            ///< none: OSC off
    bool hasWeights = false;          ///< a Weights block was present
    WeightSet weights;                ///< decoded and checked (hasWeights and weightsError empty)
    std::uint64_t weightsHash = 0;
    juce::String weightsError;        ///< why the block is refused
};

struct StateError {
    juce::String reason;
};

std::optional<double> parseNumber(const juce::var& v) {
    if (v.isInt() || v.isInt64() || v.isDouble() || v.isBool()) return static_cast<double>(v);
    const auto text = v.toString().trim();
    if (text.isEmpty() || text.length() > 64 || !text.containsOnly("0123456789+-.eE")) return std::nullopt;
    // std::from_chars, not juce::String::getDoubleValue: JUCE's overflows an int on a long
    // exponent ("3.51e300880783081", found by fuzzing); from_chars is exact, locale-free and
    // reports out-of-range values.
    const std::string s = text.toStdString();
    const char* first = s.c_str() + (s[0] == '+' ? 1 : 0);
    double d = 0.0;
    const auto [end, ec] = std::from_chars(first, s.c_str() + s.size(), d);
    if (ec != std::errc() || end != s.c_str() + s.size()) return std::nullopt;
    return d;
}

StagedState stage(const juce::XmlElement& xml) {
    if (!xml.hasTagName(kRootTag.toString()))
        throw StateError{"foreign state: root element <" + xml.getTagName() + ">"};
    StagedState s;
    s.formatVersion = xml.getIntAttribute("formatVersion", 0);
    const auto tree = juce::ValueTree::fromXml(xml);
    if (!tree.isValid()) throw StateError{"malformed state XML"};

    const auto params = tree.getChildWithName(kParamsTag);
    for (const auto& child : params) {
        const auto id = child.getProperty("id").toString().toStdString();
        const HostParam p = findHostParam(id);
        if (p == HostParam::count) continue; // a parameter from a newer version
        const auto value = parseNumber(child.getProperty("value"));
        if (!value || !std::isfinite(*value))
            throw StateError{"malformed value for parameter '" + juce::String(id) + "'"};
        const auto& info = hostParamInfo(p);
        s.values[static_cast<size_t>(p)] = juce::jlimit(info.min, info.max, static_cast<float>(*value));
    }

    const auto patch = tree.getChildWithName(kPatchTag);
    if (patch.isValid()) {
        const auto source = patch.getProperty("source", "factory").toString();
        if (source == "user") {
            s.patch.user = true;
            s.patch.userJson = patch.getProperty("json").toString().toStdString();
            if (s.patch.userJson.empty()) throw StateError{"user patch without JSON"};
        } else if (source == "factory") {
            const auto index = parseNumber(patch.getProperty("index", 0));
            const auto& info = hostParamInfo(HostParam::patch);
            if (!index || !(*index >= info.min && *index <= info.max) || *index != std::floor(*index))
                throw StateError{"malformed factory patch index"};
            s.patch.factoryIndex = static_cast<int>(*index);
        } else {
            throw StateError{"unknown patch source '" + source + "'"};
        }
    } else if (s.values[static_cast<size_t>(HostParam::patch)]) {
        s.patch.factoryIndex = static_cast<int>(std::lround(*s.values[static_cast<size_t>(HostParam::patch)]));
    }

    const auto midi = tree.getChildWithName(kMidiTag);
    if (midi.isValid()) {
        const auto cc = parseNumber(midi.getProperty("rewardCc", kDefaultRewardCc));
        if (!cc || *cc < 0 || *cc > 127) throw StateError{"malformed rewardCc"};
        s.rewardCc = static_cast<int>(*cc);
        const auto ecc = parseNumber(midi.getProperty("episodeCc", kDefaultEpisodeCc));
        if (!ecc || *ecc < 0 || *ecc > 127) throw StateError{"malformed episodeCc"};
        s.episodeCc = static_cast<int>(*ecc);
        const auto rwcc = parseNumber(midi.getProperty("resetWeightsCc", kDefaultResetWeightsCc));
        if (!rwcc || *rwcc < -1 || *rwcc > 127 || *rwcc != std::floor(*rwcc)) throw StateError{"malformed resetWeightsCc"};
        s.resetWeightsCc = static_cast<int>(*rwcc);
        const auto release = midi.getProperty("rewardAfterNoteOff", "hold").toString();
        if (release == "zero") s.rewardRelease = RewardRelease::zero;
        else if (release != "hold") throw StateError{"malformed rewardAfterNoteOff '" + release + "'"};
    }

    // MIDI learn and OSC: checked as strictly as the Midi block (a malformed one refuses the state).
    try {
        if (const auto t = tree.getChildWithName("MidiLearn"); t.isValid()) s.midiLearn = MidiLearnState::fromValueTree(t);
        if (const auto t = tree.getChildWithName("Osc"); t.isValid()) s.osc = OscSettings::fromValueTree(t);
    } catch (const std::runtime_error& e) {
        throw StateError{juce::String(e.what())};
    }

    // Learned weights: refused on their own when bad (the rest of the state still loads).
    const auto weights = tree.getChildWithName(kWeightsTag);
    if (weights.isValid()) {
        s.hasWeights = true;
        const auto text = weights.getProperty("data").toString();
        juce::MemoryOutputStream decoded;
        std::string error;
        if (text.isEmpty() || !juce::Base64::convertFromBase64(decoded, text))
            s.weightsError = "the weight block is not base64";
        else if (!decodeWeightBlock(std::string_view(static_cast<const char*>(decoded.getData()), decoded.getDataSize()),
                                    s.weights, s.weightsHash, error))
            s.weightsError = juce::String::fromUTF8(error.c_str());
    }

    // The workbench's draft (an edit that did not run yet, e.g. invalid): kept like the editor's
    // size, as a convenience: a malformed or oversized one is ignored.
    if (const auto wb = tree.getChildWithName(kWorkbenchTag); wb.isValid()) {
        s.workbench.open = wb.getProperty("open", 0).toString() == "1";
        const auto draft = wb.getProperty("draft", {}).toString();
        if (draft.getNumBytesAsUTF8() <= limits::kMaxPatchBytes) s.workbench.draft = draft.toStdString();
    }

    // The editor's size is a convenience: a bad value is ignored, not a reason to reject.
    const auto editor = tree.getChildWithName(kEditorTag);
    if (editor.isValid()) {
        const auto w = parseNumber(editor.getProperty("width", 0));
        const auto h = parseNumber(editor.getProperty("height", 0));
        if (w && h && *w >= 100 && *w <= 10000 && *h >= 100 && *h <= 10000) {
            s.editorWidth = static_cast<int>(*w);
            s.editorHeight = static_cast<int>(*h);
        }
    }
    return s;
}

} // namespace

void GradedCellsProcessor::getStateInformation(juce::MemoryBlock& destData) {
    const auto patch = selectionForState();
    juce::ValueTree root(kRootTag);
    root.setProperty("formatVersion", kStateFormatVersion, nullptr);

    juce::ValueTree patchTree(kPatchTag);
    patchTree.setProperty("source", patch.user ? "user" : "factory", nullptr);
    patchTree.setProperty("index", patch.factoryIndex, nullptr);
    patchTree.setProperty("name", juce::String::fromUTF8(patch.name.c_str()), nullptr);
    if (patch.user) patchTree.setProperty("json", juce::String::fromUTF8(patch.userJson.c_str()), nullptr);
    root.appendChild(patchTree, nullptr);

    juce::ValueTree midi(kMidiTag);
    midi.setProperty("rewardCc", rewardCc(), nullptr);
    midi.setProperty("episodeCc", episodeCc(), nullptr);
    midi.setProperty("rewardAfterNoteOff", rewardRelease() == RewardRelease::zero ? "zero" : "hold", nullptr);
    midi.setProperty("resetWeightsCc", resetWeightsCc(), nullptr);
    root.appendChild(midi, nullptr);

    if (const auto wb = workbenchDraft(); wb.open || !wb.draft.empty()) {
        juce::ValueTree workbench(kWorkbenchTag);
        workbench.setProperty("open", wb.open ? 1 : 0, nullptr);
        if (!wb.draft.empty() && wb.draft.size() <= limits::kMaxPatchBytes)
            workbench.setProperty("draft", juce::String::fromUTF8(wb.draft.c_str(), int(wb.draft.size())), nullptr);
        root.appendChild(workbench, nullptr);
    }

    const auto size = editorSize();
    if (size.x > 0 && size.y > 0) {
        juce::ValueTree editor(kEditorTag);
        editor.setProperty("width", size.x, nullptr);
        editor.setProperty("height", size.y, nullptr);
        root.appendChild(editor, nullptr);
    }

    juce::ValueTree params(kParamsTag);
    for (int i = 0; i < kNumHostParams; ++i) {
        const auto p = static_cast<HostParam>(i);
        juce::ValueTree child("PARAM");
        child.setProperty("id", parameterId(p), nullptr);
        child.setProperty("value", overrides_.pending(p).value_or(cache_.get(p)), nullptr); // a MIDI/OSC move not yet told to the host counts
        params.appendChild(child, nullptr);
    }
    root.appendChild(params, nullptr);
    root.appendChild(MidiLearnState{midiLearn_.mappings()}.toValueTree(), nullptr);
    root.appendChild(osc_->settings().toValueTree(), nullptr);

    // Learned weights (a consistent copy of the running engine's, see LearnedWeights.cpp).
    const bool hasSynapses = patch.patch != nullptr
        && std::any_of(patch.patch->nodes.begin(), patch.patch->nodes.end(), [](const PatchNode& n) { return n.synapse() != nullptr; });
    if (hasSynapses) {
        WeightSet set;
        juce::String why;
        bool ok = false;
        {
            std::lock_guard<std::mutex> lock(buildMutex_);
            const auto hash = contentHash(patch);
            if (latestEngine_ != nullptr && latestHash_ == hash) {
                ok = copyRunningWeights(*latestEngine_, set);
                if (!ok) why = "the audio thread never paused long enough to copy them";
            } else if (pendingWeights_ && pendingWeights_->hash == hash) {
                set = pendingWeights_->set;
                ok = true;
            } else {
                why = "the patch is not running";
            }
        }
        if (ok) {
            const auto blockBytes = weightBlockBytes(set);
            const auto base64Bytes = (blockBytes + 2) / 3 * 4;
            const auto otherBytes = static_cast<std::uint64_t>(patch.userJson.size()); // a lower bound (the exact check follows)
            if (base64Bytes + otherBytes > limits::kMaxStateBytes) {
                ok = false;
                why = "they would take the state to " + juce::String(static_cast<juce::int64>(base64Bytes + otherBytes)) + " bytes, past the limit of "
                      + juce::String(static_cast<juce::int64>(limits::kMaxStateBytes));
            } else {
                const auto block = encodeWeightBlock(set, contentHash(patch));
                juce::ValueTree weights(kWeightsTag);
                weights.setProperty("version", kWeightBlockVersion, nullptr);
                weights.setProperty("bytes", static_cast<juce::int64>(block.size()), nullptr);
                weights.setProperty("data", juce::Base64::toBase64(block.data(), block.size()), nullptr);
                root.appendChild(weights, nullptr);
            }
        }
        if (!ok) juce::Logger::writeToLog("GradedCells: the learned weights are not saved in this state: " + why);
    }

    if (auto xml = root.createXml()) copyXmlToBinary(*xml, destData);
    // The exact check: the whole state must load again (limits::kMaxStateBytes).
    if (destData.getSize() > limits::kMaxStateBytes && root.getChildWithName(kWeightsTag).isValid()) {
        juce::Logger::writeToLog("GradedCells: the learned weights are not saved in this state: with them it would be "
                                 + juce::String(static_cast<juce::int64>(destData.getSize())) + " bytes, past the limit of "
                                 + juce::String(static_cast<juce::int64>(limits::kMaxStateBytes)));
        root.removeChild(root.getChildWithName(kWeightsTag), nullptr);
        destData.reset();
        if (auto xml = root.createXml()) copyXmlToBinary(*xml, destData);
    }
}

void GradedCellsProcessor::setStateInformation(const void* data, int sizeInBytes) {
    auto fail = [this](const juce::String& reason) {
        juce::Logger::writeToLog("GradedCells: state not loaded (" + reason + "); the previous state is kept");
        std::lock_guard<std::mutex> lock(buildMutex_);
        lastStateError_ = reason;
    };
    if (data == nullptr || sizeInBytes <= 0) return fail("empty state");
    if (static_cast<juce::uint64>(sizeInBytes) > limits::kMaxStateBytes)
        return fail("state is " + juce::String(sizeInBytes) + " bytes; the limit is " + juce::String(static_cast<juce::int64>(limits::kMaxStateBytes)));

    // The XML text, bounded before it is parsed: JUCE's XML parser and ValueTree::fromXml
    // recurse once per nesting level, so the depth is checked on the raw text first. JUCE's
    // parser also accepts a document cut off after a complete tag, so truncation is checked
    // here: the binary header (magic, text length) must match the data's size, and plain XML
    // text must end with the closing root tag.
    constexpr juce::uint32 kBinaryXmlMagic = 0x21324356; // AudioProcessor::copyXmlToBinary
    const auto* bytes = static_cast<const char*>(data);
    std::string_view text;
    bool binary = false;
    if (sizeInBytes >= 8 && juce::ByteOrder::littleEndianInt(bytes) == kBinaryXmlMagic) {
        const auto length = static_cast<juce::int64>(juce::ByteOrder::littleEndianInt(bytes + 4));
        if (length > static_cast<juce::int64>(sizeInBytes) - 8) return fail("truncated state");
        text = std::string_view(bytes + 8, static_cast<size_t>(length));
        binary = true;
    } else {
        text = std::string_view(bytes, static_cast<size_t>(sizeInBytes));  // plain XML (hand-written or older tools)
    }
    // JUCE's XML parser recurses once per nesting level, expands a DTD's entities without
    // bound (billion laughs, or endless for an entity that names itself) and never returns
    // on some malformed text (found by fuzzing): it only ever sees text that passes one
    // strict, linear well-formedness check with a depth limit and no DTD.
    if (const auto why = xmlcheck::check(text, limits::kMaxXmlDepth); !why.empty())
        return fail("not a GradedCells state (malformed XML: " + juce::String(why) + ")");
    std::unique_ptr<juce::XmlElement> xml;
    {
        // (copyXmlToBinary's length excludes its terminating zero byte)
        const auto xmlText = juce::String::fromUTF8(text.data(), static_cast<int>(text.size())).trim();
        if (xmlText.startsWithChar('<') && (binary || xmlText.endsWith("</" + kRootTag.toString() + ">")))
            xml = juce::parseXML(xmlText);
    }
    if (xml == nullptr) return fail("not a GradedCells state (unreadable or truncated XML)");

    StagedState staged;
    try {
        staged = stage(*xml);
        if (staged.patch.user) { // parsed once and validated before applying: valid, and runnable somewhere
            auto patch = std::make_shared<const Patch>(loadPatch(staged.patch.userJson));
            if (!runsAnywhere(*patch)) checkBudget(*patch, kRunsAnywhereConfig, kMaxStepSamples); // throws, naming the culprits
            staged.patch.name = patch->name.empty() ? std::string("User patch") : patch->name;
            staged.patch.patch = std::move(patch);
        }
    } catch (const StateError& e) {
        return fail(e.reason);
    } catch (const std::exception& e) {
        return fail("user patch invalid: " + describeError(e).replace("\n", "; "));
    }
    if (staged.formatVersion > kStateFormatVersion)
        juce::Logger::writeToLog("GradedCells: state format " + juce::String(staged.formatVersion) +
                                 " is newer than this build's " + juce::String(kStateFormatVersion) +
                                 "; loading the parts it knows");

    overrides_.discardPending(); // MIDI/OSC moves from before the state are not carried over it
    for (int i = 0; i < kNumHostParams; ++i) {
        const auto p = static_cast<HostParam>(i);
        if (p == HostParam::patch) continue;
        if (auto* param = apvts_.getParameter(parameterId(p))) {
            const auto& v = staged.values[static_cast<size_t>(i)];
            param->setValueNotifyingHost(v ? param->convertTo0to1(*v) : param->getDefaultValue());
        }
    }
    setRewardCc(staged.rewardCc);
    setEpisodeCc(staged.episodeCc);
    setRewardRelease(staged.rewardRelease);
    midiLearn_.clearAll();
    if (staged.midiLearn)
        for (const auto& [cc, p] : staged.midiLearn->maps) midiLearn_.map(cc, p);
    osc_->setSettings(staged.osc.value_or(OscSettings{}));
    setResetWeightsCc(staged.resetWeightsCc);
    {
        // The state's weights wait for the engine built for its patch (applied before the audio
        // thread sees it); a state without weights gives the patch's initial weights.
        std::lock_guard<std::mutex> lock(buildMutex_);
        pendingWeights_.reset();
        stateLoadInProgress_ = true;
        if (staged.hasWeights && staged.weightsError.isNotEmpty())
            noteWeights("The learned weights in the loaded state were refused: " + staged.weightsError);
        else if (staged.hasWeights && staged.weightsHash != contentHash(staged.patch.user ? staged.patch : factorySelection(staged.patch.factoryIndex)))
            noteWeights("The learned weights in the loaded state were refused: they were saved with another version of the patch");
        else if (staged.hasWeights)
            pendingWeights_ = PendingWeights{std::move(staged.weights), staged.weightsHash, "the loaded state"};
    }
    struct EndStateLoad {
        GradedCellsProcessor& p;
        ~EndStateLoad() {
            std::lock_guard<std::mutex> lock(p.buildMutex_);
            p.stateLoadInProgress_ = false;
        }
    } endStateLoad{*this};
    if (staged.editorWidth > 0) setEditorSize(staged.editorWidth, staged.editorHeight);
    {
        std::lock_guard<std::mutex> lock(draftMutex_);
        workbench_ = staged.workbench;
        workbench_.serial = ++draftSerial_; // the editor takes a loaded draft once
    }

    juce::String error;
    if (staged.patch.user) {
        const int paramIndex = staged.values[static_cast<size_t>(HostParam::patch)]
                                   ? static_cast<int>(std::lround(*staged.values[static_cast<size_t>(HostParam::patch)]))
                                   : staged.patch.factoryIndex;
        setPatchParameter(paramIndex); // a host callback: no lock of ours held
        // Validated above; it is selected even where it cannot run (it then runs dry and
        // engineStatus() says why), so the user's patch is never lost.
        if (!selectUserPatch(staged.patch, error)) return fail("user patch failed to load: " + error);
    } else {
        selectFactoryPatch(staged.patch.factoryIndex);
    }
    std::lock_guard<std::mutex> lock(buildMutex_);
    lastStateError_.clear();
}

void GradedCellsProcessor::resetToDefaultState() {
    for (auto* param : getParameters())
        if (auto* ranged = dynamic_cast<juce::RangedAudioParameter*>(param))
            if (ranged->paramID != parameterId(HostParam::patch))
                ranged->setValueNotifyingHost(ranged->getDefaultValue());
    setRewardCc(kDefaultRewardCc);
    setEpisodeCc(kDefaultEpisodeCc);
    setRewardRelease(RewardRelease::zero);
    midiLearn_.clearAll();
    osc_->setSettings(OscSettings{});
    setWorkbenchDraft(false, {});
    selectFactoryPatch(0);
}

} // namespace graded::plugin
