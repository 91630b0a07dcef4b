// SPDX-License-Identifier: GPL-3.0-or-later
#include "PluginProcessor.h"

#include "PluginEditor.h"

#include <Limits.h>

#include <cfloat>
#include <cmath>

namespace graded::plugin {

namespace {

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

/** Message thread: reports latency changes of the running engine to the host (once per
    change, from the thread the plugin wrappers expect). */
class GradedCellsProcessor::LatencySync final : public juce::Timer {
public:
    explicit LatencySync(GradedCellsProcessor& owner) : owner_(owner) { startTimerHz(30); }
    ~LatencySync() override { stopTimer(); }
    void timerCallback() override { owner_.syncLatency(); }

private:
    GradedCellsProcessor& owner_;
};

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
    latencySync_ = std::make_unique<LatencySync>(*this);
}

GradedCellsProcessor::~GradedCellsProcessor() {
    latencySync_.reset();
    builder_->stopThread(2000);
    delete engine_;
    engine_ = nullptr;
}

juce::StringArray GradedCellsProcessor::factoryPatchNames() {
    juce::StringArray names;
    for (const auto& p : factoryPatches()) names.add(juce::String::fromUTF8(p.name.c_str()));
    return names;
}

juce::String GradedCellsProcessor::describeError(const std::exception& e) {
    if (const auto* pe = dynamic_cast<const PatchError*>(&e)) {
        juce::StringArray lines;
        for (const auto& issue : pe->issues())
            lines.add(juce::String::fromUTF8((issue.path.empty() ? std::string("/") : issue.path).c_str()) + ": "
                      + juce::String::fromUTF8(issue.message.c_str()));
        if (!lines.isEmpty()) return lines.joinIntoString("\n");
    }
    if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return "out of memory";
    return juce::String::fromUTF8(e.what());
}

GradedCellsProcessor::Built GradedCellsProcessor::buildEngine(const PatchSelection& selection, const EngineConfig& config,
                                                              const HostControls& controls) const {
    const auto& patches = factoryPatches();
    if (!selection.user && patches.empty()) throw std::runtime_error("no factory patches are built in");
    const Patch patch = selection.user
                            ? loadPatch(selection.userJson)
                            : loadPatch(patches[static_cast<size_t>(juce::jlimit(0, static_cast<int>(patches.size()) - 1,
                                                                                   selection.factoryIndex))].json);
    Built built;
    try {
        built.engine = Engine::create(patch, config, controls);
        return built;
    } catch (const std::exception& e) {
        // Valid, but can it run at all? At 48 kHz stereo with the largest step it must fit the
        // budget; otherwise it is refused like an invalid patch.
        const EngineConfig reference{48000.0, 2, 512};
        const auto estimate = Engine::estimate(patch, reference, kMaxStepSamples);
        if (estimate.coreShare > limits::kMaxCoreShare || estimate.bytes > limits::kMaxEngineBytes) throw;
        built.status = "'" + juce::String::fromUTF8(patch.name.c_str()) + "' cannot run at " + juce::String(config.sampleRate, 0)
                       + " Hz (" + describeError(e).replace("\n", "; ") + "); audio passes through unprocessed";
        return built;
    }
}

bool GradedCellsProcessor::buildAndPublish(const PatchSelection& selection, juce::String& error) {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return buildAndPublishLocked(selection, error);
}

bool GradedCellsProcessor::buildAndPublishLocked(const PatchSelection& selection, juce::String& error) {
    try {
        // Unprepared: still build once (default config) so a bad patch is refused now.
        const EngineConfig config = prepared_ ? config_ : EngineConfig{44100.0, 2, 512};
        HostControls controls;
        cache_.read(controls);
        auto built = buildEngine(selection, config, controls);
        selection_ = selection;
        if (prepared_) {
            engineStatus_ = built.status;
            if (built.status.isNotEmpty()) juce::Logger::writeToLog("GradedCells: " + built.status);
            handoff_.publish(built.engine.release()); // nullptr: run dry
        }
        return true;
    } catch (const std::exception& e) {
        error = describeError(e);
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
}

void GradedCellsProcessor::syncLatency() {
    handoff_.collect();
    const int latency = latencyOfRunningEngine_.load(std::memory_order_relaxed);
    if (latency != getLatencySamples()) setLatencySamples(latency);
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
    int latency = 0;
    {
        std::lock_guard<std::mutex> lock(buildMutex_);
        config_ = EngineConfig{sampleRate, juce::jlimit(1, kMaxEngineChannels, getTotalNumOutputChannels()),
                               juce::jmax(1, maximumExpectedSamplesPerBlock)};
        prepared_ = true;
        // Audio is stopped: take back everything in flight.
        delete handoff_.takePending();
        handoff_.collect();
        delete engine_;
        engine_ = nullptr;

        cache_.read(controls_);
        lastResetParam_ = controls_[HostParam::reset] >= 0.5f;
        // The selection stays whatever happens: a patch that cannot run here runs dry and says why.
        try {
            auto built = buildEngine(selection_, config_, controls_);
            engineStatus_ = built.status;
            engine_ = built.engine.release();
        } catch (const std::exception& e) {
            engineStatus_ = "'" + juce::String::fromUTF8(selection_.name.c_str()) + "' cannot run: "
                            + describeError(e).replace("\n", "; ") + "; audio passes through unprocessed";
        }
        if (engineStatus_.isNotEmpty()) juce::Logger::writeToLog("GradedCells: " + engineStatus_);
        if (engine_ != nullptr) {
            engine_->setControls(controls_);
            latency = engine_->latencySamples();
        }
        latencyOfRunningEngine_.store(latency);
    }
    setLatencySamples(latency); // a host callback: no lock of ours held
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
    if (engine_ == nullptr) {
        // No engine (the patch cannot run at this rate): the audio passes through dry, within
        // the output ceiling.
        latencyOfRunningEngine_.store(0, std::memory_order_relaxed);
        for (int ch = 0; ch < numChannels; ++ch) {
            float* x = buffer.getWritePointer(ch);
            for (int i = 0; i < numSamples; ++i) x[i] = juce::jlimit(-limits::kOutputCeiling, limits::kOutputCeiling, x[i]);
        }
        return;
    }
    if (numSamples == 0) return;

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
    // The parameter first (a host callback: no lock of ours held). If the builder thread
    // notices the move before the lock below, it builds this same patch too: harmless.
    setPatchParameter(s.factoryIndex);
    std::lock_guard<std::mutex> lock(buildMutex_);
    seenPatchParam_.store(s.factoryIndex);
    juce::String error;
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
        error = describeError(e);
        return false;
    }
    s.factoryIndex = seenPatchParam_.load();
    return buildAndPublish(s, error);
}

bool GradedCellsProcessor::loadUserPatchFile(const juce::File& file, juce::String& error) {
    if (!file.existsAsFile()) {
        error = "no such file: " + file.getFullPathName();
        return false;
    }
    if (file.getSize() > static_cast<juce::int64>(limits::kMaxPatchBytes)) {
        error = file.getFullPathName() + " is " + juce::String(file.getSize()) + " bytes; a patch may have at most "
                + juce::String(static_cast<juce::int64>(limits::kMaxPatchBytes));
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

juce::String GradedCellsProcessor::engineStatus() const {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return engineStatus_;
}

} // namespace graded::plugin

juce::AudioProcessor* JUCE_CALLTYPE createPluginFilter() {
    return new graded::plugin::GradedCellsProcessor();
}
