// SPDX-License-Identifier: GPL-3.0-or-later
#include "PluginProcessor.h"

#include "PluginEditor.h"

#include <cmath>
#include <cfloat>

namespace graded::plugin {

namespace {

juce::String oneLine(const std::exception& e) {
    if (const auto* pe = dynamic_cast<const PatchError*>(&e)) {
        const auto& issues = pe->issues();
        if (!issues.empty()) {
            juce::String s = juce::String(issues.front().path) + ": " + issues.front().message;
            if (issues.size() > 1) s << " (and " << static_cast<int>(issues.size() - 1) << " more)";
            return s;
        }
    }
    return juce::String(e.what()).upToFirstOccurrenceOf("\n", false, false);
}

/** Non-finite and subnormal samples become 0; returns how many non-finite ones there were. */
inline int sanitise(float* x, int n) noexcept {
    int bad = 0;
    for (int i = 0; i < n; ++i) {
        const float v = x[i];
        if (!std::isfinite(v)) { x[i] = 0.f; ++bad; }
        else if (std::fabs(v) < FLT_MIN) x[i] = 0.f;
    }
    return bad;
}

} // namespace

/** Polls for `patch` parameter moves and deletes engines the audio thread retired. */
class GradedCellsProcessor::Builder final : public juce::Thread {
public:
    explicit Builder(GradedCellsProcessor& owner) : juce::Thread("GradedCells engine builder"), owner_(owner) {}
    void run() override {
        while (!threadShouldExit()) {
            owner_.builderTick();
            wait(10);
        }
    }

private:
    GradedCellsProcessor& owner_;
};

GradedCellsProcessor::GradedCellsProcessor()
    : juce::AudioProcessor(BusesProperties()
                               .withInput("Input", juce::AudioChannelSet::stereo(), true)
                               .withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      apvts_(*this, nullptr, "PARAMETERS", createParameterLayout(factoryPatchNames())) {
    cache_.bind(apvts_);
    if (!factoryPatches().empty()) selection_.name = factoryPatches().front().name;
    builder_ = std::make_unique<Builder>(*this);
    builder_->startThread();
}

GradedCellsProcessor::~GradedCellsProcessor() {
    builder_->stopThread(2000);
    delete engine_;
    engine_ = nullptr;
}

juce::StringArray GradedCellsProcessor::factoryPatchNames() {
    juce::StringArray names;
    for (const auto& p : factoryPatches()) names.add(juce::String::fromUTF8(p.name.c_str()));
    return names;
}

std::unique_ptr<Engine> GradedCellsProcessor::buildEngine(const PatchSelection& selection,
                                                          const EngineConfig& config) const {
    if (selection.user) return Engine::create(loadPatch(selection.userJson), config);
    const auto& patches = factoryPatches();
    if (patches.empty()) throw std::runtime_error("no factory patches are built in");
    const int index = juce::jlimit(0, static_cast<int>(patches.size()) - 1, selection.factoryIndex);
    return Engine::create(loadPatch(patches[static_cast<size_t>(index)].json), config);
}

bool GradedCellsProcessor::buildAndPublish(const PatchSelection& selection, juce::String& error) {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return buildAndPublishLocked(selection, error);
}

bool GradedCellsProcessor::buildAndPublishLocked(const PatchSelection& selection, juce::String& error) {
    try {
        // Unprepared: still build once (default config) so a bad patch is refused now.
        const EngineConfig config = prepared_ ? config_ : EngineConfig{44100.0, 2, 512};
        auto engine = buildEngine(selection, config);
        selection_ = selection;
        if (prepared_) {
            HostControls controls;
            cache_.read(controls);
            engine->setControls(controls);
            setLatencySamples(engine->latencySamples());
            handoff_.publish(engine.release());
        }
        return true;
    } catch (const std::exception& e) {
        error = oneLine(e);
        return false;
    }
}

PatchSelection GradedCellsProcessor::factorySelection(int index) {
    PatchSelection s;
    const int count = static_cast<int>(factoryPatches().size());
    s.factoryIndex = juce::jlimit(0, juce::jmax(0, count - 1), index);
    if (count > 0) s.name = factoryPatches()[static_cast<size_t>(s.factoryIndex)].name;
    return s;
}

void GradedCellsProcessor::builderTick() {
    handoff_.collect();
    {
        // Noticing a `patch` parameter move and building its engine happen under one hold of
        // buildMutex_, so selection_ never lags a move this thread has already consumed:
        // getStateInformation() (same lock) sees either the move still pending or the new
        // selection, never the old patch with the move marked as seen.
        std::lock_guard<std::mutex> lock(buildMutex_);
        const int param = static_cast<int>(std::lround(cache_.get(HostParam::patch)));
        if (param != seenPatchParam_.load()) {
            seenPatchParam_.store(param);
            juce::String error;
            if (!buildAndPublishLocked(factorySelection(param), error))
                juce::Logger::writeToLog("GradedCells: cannot switch to factory patch " + juce::String(param) + ": " + error);
        }
    }
    const int latency = latencyOfRunningEngine_.load(std::memory_order_relaxed);
    if (latency > 0 && latency != getLatencySamples()) setLatencySamples(latency);
}

PatchSelection GradedCellsProcessor::selectionForState() const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    // A `patch` parameter move the builder thread has not picked up yet (it polls every
    // 10 ms) already decides the patch: save that factory patch, not the one still running.
    const int param = static_cast<int>(std::lround(cache_.get(HostParam::patch)));
    if (param != seenPatchParam_.load()) return factorySelection(param);
    return selection_;
}

bool GradedCellsProcessor::waitForPatchBuilds(int timeoutMs) {
    const auto start = juce::Time::getMillisecondCounter();
    for (;;) {
        bool idle = false;
        {
            std::lock_guard<std::mutex> lock(buildMutex_);
            const int param = static_cast<int>(std::lround(cache_.get(HostParam::patch)));
            idle = param == seenPatchParam_.load();
        }
        if (idle) return true;
        if (juce::Time::getMillisecondCounter() - start > static_cast<juce::uint32>(timeoutMs)) return false;
        juce::Thread::sleep(2);
    }
}

void GradedCellsProcessor::prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) {
    std::lock_guard<std::mutex> lock(buildMutex_);
    config_ = EngineConfig{sampleRate, juce::jlimit(1, kMaxEngineChannels, getTotalNumOutputChannels()),
                           juce::jmax(1, maximumExpectedSamplesPerBlock)};
    prepared_ = true;
    // Audio is stopped: take back everything in flight.
    delete handoff_.takePending();
    handoff_.collect();
    delete engine_;
    engine_ = nullptr;

    std::unique_ptr<Engine> engine;
    try {
        engine = buildEngine(selection_, config_);
    } catch (const std::exception& e) {
        juce::Logger::writeToLog("GradedCells: patch '" + juce::String(selection_.name) +
                                 "' failed to build (" + oneLine(e) + "); using the default patch");
        selection_ = PatchSelection{};
        if (!factoryPatches().empty()) selection_.name = factoryPatches().front().name;
        try {
            engine = buildEngine(selection_, config_);
        } catch (const std::exception& e2) {
            juce::Logger::writeToLog("GradedCells: default patch failed to build: " + oneLine(e2));
        }
    }
    cache_.read(controls_);
    lastResetParam_ = controls_[HostParam::reset] >= 0.5f;
    if (engine != nullptr) {
        engine->setControls(controls_);
        latencyOfRunningEngine_.store(engine->latencySamples());
        setLatencySamples(engine->latencySamples());
    }
    engine_ = engine.release();
}

void GradedCellsProcessor::releaseResources() {
    std::lock_guard<std::mutex> lock(buildMutex_);
    prepared_ = false;
    delete handoff_.takePending();
    handoff_.collect();
    delete engine_;
    engine_ = nullptr;
}

void GradedCellsProcessor::reset() {
    if (engine_ != nullptr) engine_->reset();
}

bool GradedCellsProcessor::isBusesLayoutSupported(const BusesLayout& layouts) const {
    const auto in = layouts.getMainInputChannelSet();
    const auto out = layouts.getMainOutputChannelSet();
    if (out != juce::AudioChannelSet::mono() && out != juce::AudioChannelSet::stereo()) return false;
    return in == out;
}

void GradedCellsProcessor::handleMidi(const juce::MidiBuffer& midi, int numSamples) noexcept {
    const int rewardCc = rewardCc_.load(std::memory_order_relaxed);
    const int episodeCc = episodeCc_.load(std::memory_order_relaxed);
    if (episodeCc != lastEpisodeCcNumber_) { // a newly chosen CC starts released
        lastEpisodeCcNumber_ = episodeCc;
        lastEpisodeCcValue_ = 0;
    }
    const int lastSample = juce::jmax(0, numSamples - 1);
    for (const auto meta : midi) {
        if (meta.numBytes < 2) continue;
        const juce::uint8* d = meta.data;
        const int status = d[0] & 0xF0;
        ControlEvent ev;
        ev.sampleOffset = juce::jlimit(0, lastSample, meta.samplePosition);
        if (status == 0x90 && meta.numBytes >= 3 && d[2] > 0) {
            ev.type = ControlEvent::reward;
            ev.value = static_cast<float>(d[2]) / 127.f;
        } else if (status == 0x80 || (status == 0x90 && meta.numBytes >= 3)) {
            ev.type = ControlEvent::endEpisode;
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == rewardCc) {
            ev.type = ControlEvent::reward;
            ev.value = static_cast<float>(d[2]) / 127.f;
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == kAllNotesOffCc) {
            ev.type = ControlEvent::resetCells;
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == episodeCc) {
            const bool rising = d[2] >= 64 && lastEpisodeCcValue_ < 64;
            lastEpisodeCcValue_ = d[2];
            if (!rising) continue;
            ev.type = ControlEvent::endEpisode;
        } else {
            continue;
        }
        engine_->addEvent(ev);
        switch (ev.type) {
        case ControlEvent::reward:
            monitor_.lastMidiReward.store(ev.value, std::memory_order_relaxed);
            monitor_.midiRewardEvents.fetch_add(1, std::memory_order_relaxed);
            break;
        case ControlEvent::endEpisode: monitor_.episodeEnds.fetch_add(1, std::memory_order_relaxed); break;
        case ControlEvent::resetCells: monitor_.cellResets.fetch_add(1, std::memory_order_relaxed); break;
        }
    }
}

void GradedCellsProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) {
    juce::ScopedNoDenormals noDenormals;
    const int numSamples = buffer.getNumSamples();
    const int numChannels = juce::jmin(buffer.getNumChannels(), getTotalNumOutputChannels());
    for (int ch = getTotalNumInputChannels(); ch < buffer.getNumChannels(); ++ch)
        buffer.clear(ch, 0, numSamples);

    Engine* next = handoff_.acquire(engine_);
    if (next != engine_) {
        engine_ = next;
        monitor_.engineSwaps.fetch_add(1, std::memory_order_relaxed);
    }
    for (int ch = 0; ch < numChannels; ++ch) sanitise(buffer.getWritePointer(ch), numSamples);
    if (engine_ == nullptr || numSamples == 0) return;

    cache_.read(controls_);
    const bool resetParam = controls_[HostParam::reset] >= 0.5f;
    if (resetParam && !lastResetParam_) {
        engine_->addEvent(ControlEvent{0, ControlEvent::resetCells, 0.f});
        monitor_.cellResets.fetch_add(1, std::memory_order_relaxed);
    }
    lastResetParam_ = resetParam;
    engine_->setControls(controls_);
    handleMidi(midi, numSamples);

    const int engineChannels = juce::jmin(numChannels, engine_->config().numChannels);
    engine_->process(buffer.getArrayOfWritePointers(), engineChannels, numSamples);
    int bad = 0;
    for (int ch = 0; ch < numChannels; ++ch) bad += sanitise(buffer.getWritePointer(ch), numSamples);
    if (bad > 0) monitor_.nonFiniteOutputs.fetch_add(bad, std::memory_order_relaxed);
    latencyOfRunningEngine_.store(engine_->latencySamples(), std::memory_order_relaxed);
    while (engine_->popTelemetry(telemetryScratch_)) telemetry_.push(telemetryScratch_);
}

juce::AudioProcessorEditor* GradedCellsProcessor::createEditor() {
    return new gui::PluginEditor(*this);
}

int GradedCellsProcessor::getNumPrograms() {
    return juce::jmax(1, static_cast<int>(factoryPatches().size()));
}

int GradedCellsProcessor::getCurrentProgram() {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return selection_.user ? 0 : selection_.factoryIndex;
}

void GradedCellsProcessor::setCurrentProgram(int index) {
    if (index >= 0 && index < static_cast<int>(factoryPatches().size())) selectFactoryPatch(index);
}

const juce::String GradedCellsProcessor::getProgramName(int index) {
    const auto& patches = factoryPatches();
    if (index >= 0 && index < static_cast<int>(patches.size()) && !patches[static_cast<size_t>(index)].name.empty())
        return juce::String::fromUTF8(patches[static_cast<size_t>(index)].name.c_str());
    return "Default";
}

void GradedCellsProcessor::setPatchParameter(int index) {
    if (auto* p = apvts_.getParameter(parameterId(HostParam::patch)))
        p->setValueNotifyingHost(p->convertTo0to1(static_cast<float>(index)));
}

void GradedCellsProcessor::selectFactoryPatch(int index) {
    const auto s = factorySelection(index);
    juce::String error;
    // Parameter, `seen` and the build under one lock hold (see builderTick()).
    std::lock_guard<std::mutex> lock(buildMutex_);
    setPatchParameter(s.factoryIndex);
    seenPatchParam_.store(s.factoryIndex);
    if (!buildAndPublishLocked(s, error))
        juce::Logger::writeToLog("GradedCells: factory patch " + juce::String(s.factoryIndex) + " failed to build: " + error);
}

bool GradedCellsProcessor::loadUserPatchJson(const std::string& json, juce::String& error) {
    PatchSelection s;
    s.user = true;
    s.userJson = json;
    try {
        const Patch patch = loadPatch(json);
        s.name = patch.name.empty() ? std::string("User patch") : patch.name;
    } catch (const std::exception& e) {
        error = oneLine(e);
        return false;
    }
    {
        std::lock_guard<std::mutex> lock(buildMutex_);
        s.factoryIndex = seenPatchParam_.load();
    }
    return buildAndPublish(s, error);
}

bool GradedCellsProcessor::loadUserPatchFile(const juce::File& file, juce::String& error) {
    if (!file.existsAsFile()) {
        error = "no such file: " + file.getFullPathName();
        return false;
    }
    juce::MemoryBlock data;
    if (!file.loadFileAsData(data)) {
        error = "cannot read " + file.getFullPathName();
        return false;
    }
    return loadUserPatchJson(data.toString().toStdString(), error);
}

PatchSelection GradedCellsProcessor::currentPatch() const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return selection_;
}

juce::String GradedCellsProcessor::currentPatchName() const {
    const auto s = currentPatch();
    return s.name.empty() ? juce::String("Default") : juce::String::fromUTF8(s.name.c_str());
}

juce::String GradedCellsProcessor::lastStateError() const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return lastStateError_;
}

} // namespace graded::plugin

juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() {
    return new graded::plugin::GradedCellsProcessor();
}
