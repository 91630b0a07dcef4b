// SPDX-License-Identifier: GPL-3.0-or-later
#include "PluginProcessor.h"

#include "PluginEditor.h"

#include <Limits.h>
#include <Patch/Layout.h>

#include <nlohmann/json.hpp>

#include <cfloat>
#include <chrono>
#include <thread>
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

/** Message thread, 30 times a second: builds `patch` parameter moves made on other threads,
    deletes engines the audio thread retired, reports latency changes to the host (once per
    change, from the thread the plugin wrappers expect). */
class GradedCellsProcessor::Housekeeping final : public juce::Timer {
public:
    using Gate = HousekeepingGate;
    Housekeeping(GradedCellsProcessor& owner, std::shared_ptr<Gate> gate) : owner_(owner), gate_(std::move(gate)) { startTimerHz(30); }
    ~Housekeeping() override { stopTimer(); }
    void timerCallback() override {
        // The destructor may run on another thread than this callback (JUCE's LV2 wrapper
        // runs its own message thread): it sets `closing`, then waits until no callback is
        // busy. A callback counts itself busy before it looks at `closing`, so one that
        // started before the wait finishes first and one that starts after does nothing;
        // this timer object itself is deleted on the message thread (see the destructor), so
        // it is alive whenever JUCE calls it.
        gate_->busy.fetch_add(1);
        if (!gate_->closing.load()) owner_.housekeeping();
        gate_->busy.fetch_sub(1);
    }

private:
    GradedCellsProcessor& owner_;
    std::shared_ptr<Gate> gate_;
};

GradedCellsProcessor::GradedCellsProcessor()
    : juce::AudioProcessor(BusesProperties()
                               .withInput("Input", juce::AudioChannelSet::stereo(), true)
                               .withOutput("Output", juce::AudioChannelSet::stereo(), true)),
      apvts_(*this, nullptr, "PARAMETERS", createParameterLayout(factoryPatchNames())) {
    cache_.bind(apvts_);
    overrides_.bind(apvts_);
    osc_ = std::make_unique<OscControl>(overrides_);
    // The feedback stream reads telemetry itself only while no editor does.
    osc_->setSnapshotSource([this](Telemetry& t) { return getActiveEditor() == nullptr && telemetry_.pop(t); });
    selection_ = factorySelection(0);
    apvts_.addParameterListener(parameterId(HostParam::patch), this);
    housekeepingGate_ = std::make_shared<HousekeepingGate>();
    housekeeping_ = std::make_unique<Housekeeping>(*this, housekeepingGate_);
}

GradedCellsProcessor::~GradedCellsProcessor() {
    housekeepingGate_->closing.store(true);
    housekeeping_->stopTimer();
    while (housekeepingGate_->busy.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    // JUCE's timer thread may have picked this timer and released its lock just before
    // calling it: that call still comes, on the message thread. Deleting the timer there
    // (after whatever that thread is doing now) means it is never called once deleted; the
    // call finds `closing` set and leaves the processor alone.
    auto* mm = juce::MessageManager::getInstanceWithoutCreating();
    if (mm == nullptr || mm->isThisTheMessageThread()) {
        housekeeping_.reset();
    } else {
        Housekeeping* timer = housekeeping_.release();
        if (!juce::MessageManager::callAsync([timer] { delete timer; })) delete timer; // no message loop: no timer calls either
    }
    osc_.reset();
    apvts_.removeParameterListener(parameterId(HostParam::patch), this);
    std::lock_guard<std::mutex> lock(buildMutex_); // and any build in flight elsewhere
    latestEngine_ = nullptr;
    dropFadingEngine();
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
    if (selection.patch == nullptr) throw std::runtime_error("no patch selected (no factory patches are built in)");
    const Patch& patch = *selection.patch;
    Built built;
    try {
        built.engine = Engine::create(patch, config, controls);
        return built;
    } catch (const std::exception& e) {
        // Valid, but can it run at all? Otherwise it is refused like an invalid patch.
        if (!runsAnywhere(patch)) throw;
        built.status = "'" + juce::String::fromUTF8(patch.name.c_str()) + "' cannot run at " + juce::String(config.sampleRate, 0)
                       + " Hz (" + describeError(e).replace("\n", "; ") + "); audio passes through unprocessed";
        return built;
    }
}

bool GradedCellsProcessor::buildAndPublish(const PatchSelection& selection, juce::String& error, bool keepMatching) {
    std::lock_guard<std::mutex> lock(buildMutex_);
    return buildAndPublishLocked(selection, error, true, false, keepMatching);
}

bool GradedCellsProcessor::buildAndPublishLocked(const PatchSelection& selection, juce::String& error, bool carry,
                                                 bool keepVersion, bool keepMatching) {
    try {
        // Unprepared: still build once (default config) so a bad patch is refused now.
        const EngineConfig config = prepared_ ? config_ : EngineConfig{44100.0, 2, 512};
        HostControls controls;
        cache_.read(controls);
        auto built = buildEngine(selection, config, controls);
        const auto version = selection_.version;
        selection_ = selection;
        selection_.version = keepVersion ? version : nextVersion_++;
        // Learned weights: pending ones (a state's) go into the new engine before the audio
        // thread ever sees it; the outgoing engine's are carried over or reported as lost.
        handOverWeights(built.engine.get(), selection, carry && !stateLoadInProgress_, prepared_, keepMatching);
        if (prepared_) {
            engineStatus_ = built.status;
            if (built.status.isNotEmpty()) juce::Logger::writeToLog("GradedCells: " + built.status);
            if (built.engine != nullptr) built.engine->setTelemetryRing(&telemetry_);
            latestEngine_ = built.engine.get();
            latestHash_ = contentHash(selection);
            handoff_.publish(built.engine.release()); // nullptr: run dry
        }
        return true;
    } catch (const std::exception& e) {
        error = describeError(e);
        return false;
    }
}

PatchSelection GradedCellsProcessor::factorySelection(int index) {
    // Every factory patch is parsed once, on first use, and shared from then on.
    static const std::vector<std::shared_ptr<const Patch>> parsed = [] {
        std::vector<std::shared_ptr<const Patch>> v;
        for (const auto& fp : factoryPatches()) v.push_back(std::make_shared<const Patch>(loadPatch(fp.json)));
        return v;
    }();
    PatchSelection s;
    const int count = static_cast<int>(parsed.size());
    s.factoryIndex = juce::jlimit(0, juce::jmax(0, count - 1), index);
    if (count > 0) {
        s.name = factoryPatches()[static_cast<size_t>(s.factoryIndex)].name;
        s.patch = parsed[static_cast<size_t>(s.factoryIndex)];
    }
    return s;
}

void GradedCellsProcessor::parameterChanged(const juce::String&, float newValue) {
    if (ownPatchParamWrites_.load() > 0 || !std::isfinite(newValue)) return;
    const int index = static_cast<int>(std::lround(juce::jlimit(0.f, 1000.f, newValue)));
    pendingPatchParam_.store(index);
    // On the message thread: build now. Elsewhere (e.g. automation on the audio thread) the
    // move is only noted, lock-free, and the message-thread timer builds it.
    if (juce::MessageManager::existsAndIsCurrentThread()) buildPendingPatchParameter();
}

void GradedCellsProcessor::buildPendingPatchParameter() {
    const int index = pendingPatchParam_.exchange(-1);
    if (index < 0) return;
    std::lock_guard<std::mutex> lock(buildMutex_);
    juce::String error;
    if (!buildAndPublishLocked(factorySelection(index), error))
        juce::Logger::writeToLog("GradedCells: cannot switch to factory patch " + juce::String(index) + ": " + error);
}

void GradedCellsProcessor::housekeeping() {
    overrides_.commit(); // MIDI learn / OSC parameter moves -> the parameters and the host
    handoff_.collect();
    buildPendingPatchParameter();
    const int latency = latencyOfRunningEngine_.load(std::memory_order_relaxed);
    if (latency != getLatencySamples()) setLatencySamples(latency); // no lock of ours held
}

PatchSelection GradedCellsProcessor::selectionForState() const {
    // A `patch` parameter move not built yet already decides the patch: save that one.
    const int pending = pendingPatchParam_.load();
    if (pending >= 0) return factorySelection(pending);
    std::lock_guard<std::mutex> lock(buildMutex_);
    return selection_;
}

bool GradedCellsProcessor::waitForPatchBuilds(int timeoutMs) {
    if (juce::MessageManager::existsAndIsCurrentThread()) buildPendingPatchParameter();
    const auto start = juce::Time::getMillisecondCounter();
    while (pendingPatchParam_.load() >= 0) {
        if (juce::Time::getMillisecondCounter() - start > static_cast<juce::uint32>(timeoutMs)) return false;
        juce::Thread::sleep(2);
    }
    handoff_.collect();
    return true;
}

void GradedCellsProcessor::prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) {
    int latency = 0;
    {
        std::lock_guard<std::mutex> lock(buildMutex_);
        config_ = EngineConfig{sampleRate, juce::jlimit(1, kMaxEngineChannels, getTotalNumOutputChannels()),
                               juce::jmax(1, maximumExpectedSamplesPerBlock)};
        prepared_ = true;
        heatInterval_.store(juce::jmax(256, static_cast<int>(sampleRate / 8.0)));
        // Audio is stopped: what the newest engine learned waits for the new one; then take
        // back everything in flight.
        keepWeightsOfLatestEngine();
        latestEngine_ = nullptr;
        delete handoff_.takePending();
        handoff_.collect();
        dropFadingEngine();
        delete engine_;
        engine_ = nullptr;
        fadeSamples_ = juce::jmax(1, static_cast<int>(sampleRate * kSwapFadeMs / 1000.0));
        fadeScratch_.setSize(juce::jmax(getTotalNumInputChannels(), getTotalNumOutputChannels(), 1),
                             juce::jmax(1, maximumExpectedSamplesPerBlock));

        cache_.read(controls_);
        // The selection stays whatever happens: a patch that cannot run here runs dry and says why.
        try {
            auto built = buildEngine(selection_, config_, controls_);
            engineStatus_ = built.status;
            if (built.engine != nullptr) built.engine->setTelemetryRing(&telemetry_);
            handOverWeights(built.engine.get(), selection_, true, true);
            engine_ = built.engine.release();
            latestEngine_ = engine_;
            latestHash_ = contentHash(selection_);
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
    keepWeightsOfLatestEngine(); // audio is stopped
    latestEngine_ = nullptr;
    delete handoff_.takePending();
    handoff_.collect();
    dropFadingEngine();
    delete engine_;
    engine_ = nullptr;
}

void GradedCellsProcessor::reset() {
    if (engine_ != nullptr) engine_->reset();
    // A reset ends a crossfade, and a swap the next block takes is not faded: from a reset on
    // the output is the new engine's alone (as if it had been built by prepareToPlay).
    fadeEnd_ = fadePos_;
    hardSwap_ = true;
}

void GradedCellsProcessor::dropFadingEngine() noexcept {
    delete fadingOut_;
    fadingOut_ = nullptr;
    fadePos_ = fadeStart_ = fadeEnd_ = 0;
}

void GradedCellsProcessor::acquireEngine() noexcept {
    // A finished crossfade: the old engine goes to the retire slots (kept while they are full).
    if (fadingOut_ != nullptr && fadePos_ >= fadeEnd_ && handoff_.retire(fadingOut_)) fadingOut_ = nullptr;
    if (fadingOut_ != nullptr || !handoff_.hasPending()) return; // one swap at a time
    Engine* next = handoff_.swapIn(engine_);
    if (next == engine_) return;
    monitor_.engineSwaps.fetch_add(1, std::memory_order_relaxed);
    if (engine_ != nullptr) {
        fadingOut_ = engine_;
        fadePos_ = 0;
        // (an engine that has not run yet has nothing to fade from)
        if (next != nullptr && !hardSwap_ && engine_->stepCount() > 0) {
            fadingOut_->setTelemetryRing(nullptr); // the editor follows the new engine only
            fadeStart_ = next->latencySamples();   // the new engine is silent that long
            fadeEnd_ = fadeStart_ + fadeSamples_;
            monitor_.crossfades.fetch_add(1, std::memory_order_relaxed);
        } else {
            fadeStart_ = fadeEnd_ = 0;  // to dry (the patch cannot run here) or after a reset: at once
            if (handoff_.retire(fadingOut_)) fadingOut_ = nullptr;
        }
    }
    engine_ = next;
}

void GradedCellsProcessor::mixFadingEngine(juce::AudioBuffer<float>& buffer, int channels, int numSamples) noexcept {
    fadingOut_->setControls(controls_);
    fadingOut_->process(fadeScratch_.getArrayOfWritePointers(), juce::jmin(channels, fadingOut_->config().numChannels),
                        numSamples);
    const float span = static_cast<float>(fadeEnd_ - fadeStart_);
    for (int ch = 0; ch < channels; ++ch) {
        float* out = buffer.getWritePointer(ch);
        const float* old = fadeScratch_.getReadPointer(ch);
        for (int i = 0; i < numSamples; ++i) {
            const float g = juce::jlimit(0.f, 1.f, static_cast<float>(fadePos_ + i - fadeStart_) / span);
            out[i] = g * out[i] + (1.f - g) * old[i];
        }
    }
    fadePos_ += numSamples;
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
    const bool releaseToZero = rewardRelease_.load(std::memory_order_relaxed) == static_cast<int>(RewardRelease::zero);
    if (episodeCc != lastEpisodeCcNumber_) { // a newly chosen CC starts released
        lastEpisodeCcNumber_ = episodeCc;
        lastEpisodeCcValue_ = 0;
    }
    const int resetWeightsCc = resetWeightsCc_.load(std::memory_order_relaxed);
    if (resetWeightsCc != lastResetWeightsCcNumber_) {
        lastResetWeightsCcNumber_ = resetWeightsCc;
        lastResetWeightsCcValue_ = 0;
    }
    const int lastSample = juce::jmax(0, numSamples - 1);
    auto send = [this](ControlEvent ev, bool played) {
        engine_->addEvent(ev);
        switch (ev.type) {
        case ControlEvent::reward:
            monitor_.lastMidiReward.store(ev.value, std::memory_order_relaxed);
            if (played) monitor_.midiRewardEvents.fetch_add(1, std::memory_order_relaxed);
            break;
        case ControlEvent::endEpisode: monitor_.episodeEnds.fetch_add(1, std::memory_order_relaxed); break;
        case ControlEvent::resetCells: monitor_.cellResets.fetch_add(1, std::memory_order_relaxed); break;
        }
    };
    for (const auto meta : midi) {
        if (meta.numBytes < 2) continue;
        const juce::uint8* d = meta.data;
        const int status = d[0] & 0xF0, channel = d[0] & 0x0F;
        const int offset = juce::jlimit(0, lastSample, meta.samplePosition);
        if (status == 0xB0 && meta.numBytes >= 3 && resetWeightsCc >= 0 && d[1] == resetWeightsCc) {
            // at the block's start (weights are not sample-accurate); checked first, so a CC
            // shared with another mapping does both
            const bool rising = d[2] >= 64 && lastResetWeightsCcValue_ < 64;
            lastResetWeightsCcValue_ = d[2];
            if (rising) {
                engine_->resetWeights();
                monitor_.weightResets.fetch_add(1, std::memory_order_relaxed);
            }
        }
        if (status == 0x90 && meta.numBytes >= 3 && d[2] > 0) {
            const int note = d[1] & 0x7F;
            if (!heldNotes_[size_t(channel)][size_t(note)]) {
                heldNotes_[size_t(channel)][size_t(note)] = true;
                ++heldNoteCount_;
            }
            const float v = static_cast<float>(d[2]) / 127.f;
            send({offset, ControlEvent::reward, note >= kRewardSplitNote ? v : -v}, true);
        } else if (status == 0x80 || (status == 0x90 && meta.numBytes >= 3)) {
            const int note = d[1] & 0x7F;
            if (heldNotes_[size_t(channel)][size_t(note)]) {
                heldNotes_[size_t(channel)][size_t(note)] = false;
                --heldNoteCount_;
            }
            send({offset, ControlEvent::endEpisode, 0.f}, false);
            // after the episode's evolve (same offset, queued after it)
            if (releaseToZero && heldNoteCount_ == 0) send({offset, ControlEvent::reward, 0.f}, false);
        } else if (status == 0xE0 && meta.numBytes >= 3) {
            const int bend = (d[1] & 0x7F) | (d[2] & 0x7F) << 7; // 0..16383, centre 8192
            const float r = bend >= 8192 ? static_cast<float>(bend - 8192) / 8191.f : static_cast<float>(bend - 8192) / 8192.f;
            send({offset, ControlEvent::reward, r}, true);
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == rewardCc) {
            send({offset, ControlEvent::reward, static_cast<float>(d[2]) / 127.f}, true);
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == kAllNotesOffCc) {
            send({offset, ControlEvent::resetCells, 0.f}, false);
            for (auto& ch : heldNotes_) ch.fill(false);
            if (heldNoteCount_ > 0 && releaseToZero) send({offset, ControlEvent::reward, 0.f}, false);
            heldNoteCount_ = 0;
        } else if (status == 0xB0 && meta.numBytes >= 3 && d[1] == episodeCc) {
            const bool rising = d[2] >= 64 && lastEpisodeCcValue_ < 64;
            lastEpisodeCcValue_ = d[2];
            if (rising) send({offset, ControlEvent::endEpisode, 0.f}, false);
        }
    }
}

void GradedCellsProcessor::processBlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) {
    // The seqlock that lets copyRunningWeights read the engine's weights: odd while a block
    // runs (the only writer of the engine's weights is this function).
    processSeq_.fetch_add(1, std::memory_order_acq_rel);
    processWithinSeqlock(buffer, midi);
    processSeq_.fetch_add(1, std::memory_order_acq_rel);
}

void GradedCellsProcessor::processWithinSeqlock(juce::AudioBuffer<float>& buffer, juce::MidiBuffer& midi) noexcept {
    const int numSamples = buffer.getNumSamples();
    const int numChannels = juce::jmin(buffer.getNumChannels(), getTotalNumOutputChannels());
    for (int ch = getTotalNumInputChannels(); ch < buffer.getNumChannels(); ++ch)
        buffer.clear(ch, 0, numSamples);

    acquireEngine();
    hardSwap_ = false;
    // MIDI learn and OSC, lock-free: mapped CCs move parameters (even while running dry),
    // OSC events reach the engine (see MidiLearn.h, OscControl.h).
    midiLearn_.process(midi, reservedCcs(), overrides_);
    osc_->drain(engine_);
    if (engine_ == nullptr) {
        // No engine (the patch cannot run at this rate): the audio passes through dry; the
        // processor sanitises it itself here (non-finite -> 0, within the output ceiling).
        latencyOfRunningEngine_.store(0, std::memory_order_relaxed);
        for (int ch = 0; ch < numChannels; ++ch) {
            float* x = buffer.getWritePointer(ch);
            sanitise(x, numSamples);
            for (int i = 0; i < numSamples; ++i) x[i] = juce::jlimit(-limits::kOutputCeiling, limits::kOutputCeiling, x[i]);
        }
        return;
    }
    if (numSamples == 0) return;

    // Parameters once per block; the engine owns the reset edge, input sanitising, denormal
    // handling and the output ceiling.
    cache_.read(controls_);
    overrides_.apply(controls_); // MIDI learn / OSC values not yet told to the host
    const bool resetWeights = controls_[HostParam::resetWeights] >= 0.5f;
    if (resetWeights && !lastResetWeightsParam_) monitor_.weightResets.fetch_add(1, std::memory_order_relaxed);
    lastResetWeightsParam_ = resetWeights;
    engine_->setControls(controls_); // learn, learnRate and the resetWeights edge act in the engine
    handleMidi(midi, numSamples);
    const int engineChannels = juce::jmin(numChannels, engine_->config().numChannels);
    bool fading = fadingOut_ != nullptr && fadePos_ < fadeEnd_;
    if (fading && (numSamples > fadeScratch_.getNumSamples() || numChannels > fadeScratch_.getNumChannels())) {
        fadeEnd_ = fadePos_; // a block larger than prepared: no room for the copy, switch at once
        fading = false;
    }
    if (fading) // the old engine hears the same input (copied before the new one overwrites it)
        for (int ch = 0; ch < numChannels; ++ch) fadeScratch_.copyFrom(ch, 0, buffer, ch, 0, numSamples);
    engine_->process(buffer.getArrayOfWritePointers(), engineChannels, numSamples);
    if (fading) mixFadingEngine(buffer, numChannels, numSamples);
    // A last guard that should never fire: counted so tests and the soak can prove it.
    int bad = 0;
    for (int ch = 0; ch < numChannels; ++ch) bad += sanitise(buffer.getWritePointer(ch), numSamples);
    if (bad > 0) monitor_.nonFiniteOutputs.fetch_add(bad, std::memory_order_relaxed);
    latencyOfRunningEngine_.store(engine_->latencySamples(), std::memory_order_relaxed);
    // the editor's weight heat maps, a few times a second (fixed-size, no allocation)
    heatCountdown_ -= numSamples;
    if (heatCountdown_ <= 0) {
        heatCountdown_ = heatInterval_.load(std::memory_order_relaxed);
        auto& frame = heat_.writeSlot();
        fillHeatFrame(*engine_, frame);
        frame.serial = ++heatSerial_;
        heat_.publish();
    }
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
    // Our own move: the listener ignores it (the caller builds what it selects).
    ++ownPatchParamWrites_;
    if (auto* p = apvts_.getParameter(parameterId(HostParam::patch)))
        p->setValueNotifyingHost(p->convertTo0to1(static_cast<float>(index)));
    --ownPatchParamWrites_;
    pendingPatchParam_.store(-1);
}

void GradedCellsProcessor::selectFactoryPatch(int index) {
    const auto s = factorySelection(index);
    setPatchParameter(s.factoryIndex); // a host callback: no lock of ours held
    {
        std::lock_guard<std::mutex> lock(buildMutex_);
        juce::String error;
        if (!buildAndPublishLocked(s, error))
            juce::Logger::writeToLog("GradedCells: factory patch " + juce::String(s.factoryIndex) + " failed to build: " + error);
    }
    handoff_.collect();
}

bool GradedCellsProcessor::loadUserPatchJson(const std::string& json, juce::String& error, bool keepMatchingWeights) {
    PatchSelection s;
    s.user = true;
    s.userJson = json;
    try {
        s.patch = std::make_shared<const Patch>(loadPatch(json));
    } catch (const std::exception& e) {
        error = describeError(e);
        return false;
    }
    s.name = s.patch->name.empty() ? std::string("User patch") : s.patch->name;
    return selectUserPatch(std::move(s), error, keepMatchingWeights);
}

namespace {
/** A patch text's JSON without the editor's node positions (null: not a JSON object). */
nlohmann::json engineJsonOf(const std::string& text) {
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) return nullptr;
    return withoutLayout(std::move(doc));
}
} // namespace

bool GradedCellsProcessor::updateUserPatchLayout(const std::string& json) {
    if (json.size() > limits::kMaxPatchBytes) return false;
    std::lock_guard<std::mutex> lock(buildMutex_);
    if (!selection_.user || selection_.userJson == json) return selection_.user;
    const auto now = engineJsonOf(selection_.userJson);
    if (now.is_null() || now != engineJsonOf(json)) return false;
    // The same engine: only the text (and so the content hash weights are tied to) changes.
    const auto oldHash = contentHash(selection_);
    selection_.userJson = json;
    const auto newHash = contentHash(selection_);
    if (latestHash_ == oldHash) latestHash_ = newHash;
    if (pendingWeights_ && pendingWeights_->hash == oldHash) pendingWeights_->hash = newHash;
    return true;
}

bool GradedCellsProcessor::selectUserPatch(PatchSelection s, juce::String& error, bool keepMatchingWeights) {
    s.factoryIndex = static_cast<int>(std::lround(cache_.get(HostParam::patch)));
    const bool ok = buildAndPublish(s, error, keepMatchingWeights);
    handoff_.collect();
    return ok;
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
