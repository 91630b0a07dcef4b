// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "EngineHandoff.h"
#include "MidiLearn.h"
#include "OscControl.h"
#include "Parameters.h"

#include <Graph/Engine.h>
#include <Engine/WeightAccess.h>

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace graded::plugin {

/** Which patch the plugin runs: a factory patch by index, or a user patch's full JSON, with
    the patch parsed once (immutable, shared by the processor, the editor and tools). */
struct PatchSelection {
    bool user = false;
    int factoryIndex = 0;
    std::string userJson;    ///< user patches only
    std::string name;
    std::shared_ptr<const Patch> patch;  ///< the parsed patch (null only before the first selection)
    std::uint64_t version = 0;           ///< grows with every selection: the editor's change signal
};

/** What the editor's workbench leaves in the state: whether it was open, and its patch text when
    that differs from the running patch (an edit that does not run yet, e.g. an invalid one). */
struct WorkbenchDraft {
    bool open = false;
    std::string draft;
    std::uint64_t serial = 0;   ///< grows with every state load (the editor takes a loaded draft once)
};

/** Default MIDI mapping (see README): note-on velocity sets the reward (positive from
    kRewardSplitNote up, negative below it), pitch bend sets a bipolar reward, CC
    kDefaultRewardCc sets it too; note-off ends an episode; all-notes-off (CC 123) resets the
    cells. */
inline constexpr int kDefaultRewardCc = 1;
/** Notes from this one (middle C) up reward (+velocity/127); notes below punish (-velocity/127). */
inline constexpr int kRewardSplitNote = 60;
/** What the reward does when the last held note is released. */
enum class RewardRelease { zero = 0, hold = 1 };
/** CC that ends an episode when it rises to >= 64 (default: the sustain pedal). */
inline constexpr int kDefaultEpisodeCc = 64;
inline constexpr int kAllNotesOffCc = 123;
/** CC whose rising edge (to >= 64) resets every synapse's weights; -1: none (the default). */
inline constexpr int kDefaultResetWeightsCc = -1;

/** GradedCells' AudioProcessor: runs a graded::Engine (a patch of ngclearn graded cells) on
    the audio, with the host parameters of graded::kHostParams and MIDI driving the reward.

    Threads. prepareToPlay/releaseResources/state/patch loading: message (or host) thread.
    processBlock: audio thread; it never allocates, locks, logs or throws. A patch change
    builds the new engine off the audio thread and hands it over through Handoff; the audio
    thread swaps it in at a block's start and a message-thread timer deletes the replaced
    one. The `patch` parameter is watched by a parameter listener: a move made on the
    message thread builds at once; one made on another thread (host automation on the audio
    thread) is only noted, lock-free, and the timer builds it. Latency: prepareToPlay reports
    the engine's (right for the `step` parameter from the start); later changes (step,
    patch) are reported once each by the timer. No host callback (parameter change,
    latency) is made while a lock of ours is held. */
class GradedCellsProcessor final : public juce::AudioProcessor,
                                   private juce::AudioProcessorValueTreeState::Listener {
public:
    GradedCellsProcessor();
    ~GradedCellsProcessor() override;

    // juce::AudioProcessor
    void prepareToPlay(double sampleRate, int maximumExpectedSamplesPerBlock) override;
    void releaseResources() override;
    bool isBusesLayoutSupported(const BusesLayout& layouts) const override;
    void processBlock(juce::AudioBuffer<float>&, juce::MidiBuffer&) override;
    using juce::AudioProcessor::processBlock;
    void reset() override;

    juce::AudioProcessorEditor* createEditor() override;
    bool hasEditor() const override { return true; }

    const juce::String getName() const override { return "GradedCells"; }
    bool acceptsMidi() const override { return true; }
    bool producesMidi() const override { return false; }
    bool isMidiEffect() const override { return false; }
    double getTailLengthSeconds() const override { return 0.0; }

    int getNumPrograms() override;
    int getCurrentProgram() override;
    void setCurrentProgram(int index) override;
    const juce::String getProgramName(int index) override;
    void changeProgramName(int, const juce::String&) override {}

    void getStateInformation(juce::MemoryBlock& destData) override;
    void setStateInformation(const void* data, int sizeInBytes) override;

    // GradedCells API (never from the audio thread)
    juce::AudioProcessorValueTreeState& parameters() noexcept { return apvts_; }
    static juce::StringArray factoryPatchNames();

    /** Loads a user patch (JSON file or text); on failure keeps the current patch, returns
        false and puts a one-line reason in `error`. `keepMatchingWeights` (the workbench's
        edits of the running patch): what each synapse learned is kept when the new patch has a
        synapse of the same id and shape (the others' are discarded, with a notice). */
    bool loadUserPatchFile(const juce::File& file, juce::String& error);
    bool loadUserPatchJson(const std::string& json, juce::String& error, bool keepMatchingWeights = false);
    /** The running user patch's text replaced by `json` when the two differ only in the
        editor's node positions ("at"): nothing is rebuilt (the cells and weights go on), the
        state saves the new text. False (nothing changed) when they differ in anything else,
        or a factory patch runs: load it instead. */
    bool updateUserPatchLayout(const std::string& json);
    /** Selects a factory patch (also moves the `patch` parameter). */
    void selectFactoryPatch(int index);
    PatchSelection currentPatch() const;
    juce::String currentPatchName() const;

    /** GUI thread (one consumer): the oldest telemetry snapshot not yet read. Snapshots
        come from whichever engine runs: each engine writes straight into this one lock-free
        ring (Engine::setTelemetryRing), which outlives engine swaps. */
    bool popTelemetry(Telemetry& out) noexcept {
        if (!telemetry_.pop(out)) return false;
        if (osc_ != nullptr) osc_->noteSnapshot(out); // the OSC feedback stream sees what the editor reads
        return true;
    }

    /** The workbench's draft and open state, saved in the state (any thread but the audio thread). */
    WorkbenchDraft workbenchDraft() const {
        std::lock_guard<std::mutex> lock(draftMutex_);
        return workbench_;
    }
    void setWorkbenchDraft(bool open, std::string draft) {
        std::lock_guard<std::mutex> lock(draftMutex_);
        workbench_.open = open;
        workbench_.draft = std::move(draft);
    }

    /** Message thread: what an editor keeps across its openings (the workbench's document and
        its undo history), opaque here; created and read by the editor. */
    std::shared_ptr<void>& editorSession() noexcept { return editorSession_; }

    /** The editor's size, remembered across editor openings and saved in the state
        ({0, 0} until the editor was first sized). */
    juce::Point<int> editorSize() const noexcept { return {editorWidth_.load(), editorHeight_.load()}; }
    void setEditorSize(int width, int height) noexcept {
        editorWidth_.store(width);
        editorHeight_.store(height);
    }

    int rewardCc() const noexcept { return rewardCc_.load(); }
    void setRewardCc(int cc) noexcept { rewardCc_.store(juce::jlimit(0, 127, cc)); }
    int episodeCc() const noexcept { return episodeCc_.load(); }
    void setEpisodeCc(int cc) noexcept { episodeCc_.store(juce::jlimit(0, 127, cc)); }
    /** After the last held note is released the MIDI reward returns to 0 (zero, the default)
        or keeps its value (hold; what states saved before this setting existed get). */
    RewardRelease rewardRelease() const noexcept { return static_cast<RewardRelease>(rewardRelease_.load()); }
    void setRewardRelease(RewardRelease r) noexcept { rewardRelease_.store(static_cast<int>(r)); }
    /** CC whose rising edge (>= 64) resets the weights (-1: none). */
    int resetWeightsCc() const noexcept { return resetWeightsCc_.load(); }
    void setResetWeightsCc(int cc) noexcept { resetWeightsCc_.store(cc < 0 ? -1 : juce::jlimit(0, 127, cc)); }

    // ---- learned weights (see README "Learned weights"; never from the audio thread) ----
    /** A consistent copy of the running engine's synapse weights (see copyRunningWeights in
        PluginProcessor.cpp: a seqlock around processBlock), or the weights waiting for the
        next engine; false (and `why`) when there are none or no consistent copy was had. */
    bool learnedWeights(WeightSet& out, juce::String& why) const;
    /** Writes `<dir>/<node id>.npz` for each untied synapse (ngclearn's save() layout). */
    bool exportWeights(const juce::File& dir, juce::StringArray& written, juce::String& error);
    /** Reads `file` (an npz from ngclearn's save() or exportWeights) into synapse `id`:
        validated (shape, finite), then the running engine is rebuilt with it and every other
        synapse's current weights, and swapped in like a patch change (cells restart). */
    bool importWeights(const juce::File& file, const juce::String& id, juce::String& error);
    /** The last notice about learned weights (discarded by a patch switch or a state load,
        refused from a state, imported), and a counter that grows with each notice. */
    juce::String weightsNotice() const;
    int weightsNoticeCount() const noexcept { return weightsNoticeCount_.load(); }
    /** GUI thread (one reader): the newest weight heat map frame (a few per second). */
    bool popWeightHeat(WeightHeatFrame& out) noexcept { return heat_.read(out); }

    // ---- MIDI learn and OSC (README "MIDI learn", "OSC"; MidiLearn.h, OscControl.h) ----
    MidiLearn& midiLearn() noexcept { return midiLearn_; }
    OscControl& osc() noexcept { return *osc_; }
    /** Host parameters set by mapped CCs or OSC, pending until the message thread tells the host. */
    const ParameterOverrides& parameterOverrides() const noexcept { return overrides_; }
    /** Message thread: tells the host those values now (the housekeeping timer does it at 30 Hz). */
    int commitParameterOverrides() { return overrides_.commit(); }
    /** The CCs that have another job now (reward, episode and reset-weights CCs; 120..127): never learnt,
        and a mapping on one is inactive. */
    ReservedCcs reservedCcs() const noexcept {
        ReservedCcs r;
        r.add(rewardCc());
        r.add(episodeCc());
        r.add(resetWeightsCc()); // (-1, none, is not added)
        return r;
    }

    /** Every parameter to its default, factory patch 0, default MIDI mapping. */
    void resetToDefaultState();
    /** Why the last setStateInformation was refused (empty when it loaded); a refused state
        leaves the previous state untouched. */
    juce::String lastStateError() const;
    /** Why the selected patch is not running (empty while it runs): it is valid but cannot
        run at the prepared sample rate (or within the real-time budget there). The patch
        stays selected and saved, audio passes through dry, and it runs again when
        prepareToPlay brings a rate it can run at. */
    juce::String engineStatus() const;
    /** Every problem of a patch or build error, one per line ("/wires/3: ..."). */
    static juce::String describeError(const std::exception& e);

    /** Builds a `patch` parameter move that is still pending (on the message thread, or
        waits up to timeoutMs for the timer to do it) and deletes retired engines. Tools
        without a message loop (the CLI) call it after moving the parameter. */
    bool waitForPatchBuilds(int timeoutMs);

    /** The engine the audio thread runs. Only from the thread that calls processBlock, or
        while processing is stopped (tools, tests: telemetry, probes, info). */
    Engine* engineForProcessingThread() noexcept { return engine_; }

    /** Counters for tests and tools, written by the audio thread. */
    struct Monitor {
        std::atomic<float> lastMidiReward{0.f};
        std::atomic<int> midiRewardEvents{0};
        std::atomic<int> episodeEnds{0};
        std::atomic<int> cellResets{0};
        std::atomic<int> nonFiniteOutputs{0};   ///< engine outputs the last guard replaced by 0 (stays 0)
        std::atomic<int> engineSwaps{0};
        std::atomic<int> crossfades{0};          ///< engine swaps that crossfaded from the replaced engine
        std::atomic<int> weightResets{0};       ///< resetWeights edges (parameter or CC) seen
    };
    const Monitor& monitor() const noexcept { return monitor_; }

private:
    class Housekeeping;
    /** What building an engine for a selection gave: the engine, or none and why. */
    struct Built {
        std::unique_ptr<Engine> engine;
        juce::String status;      ///< why there is no engine (empty when there is one)
    };
    void handleMidi(const juce::MidiBuffer& midi, int numSamples) noexcept;
    void processWithinSeqlock(juce::AudioBuffer<float>&, juce::MidiBuffer&) noexcept;
    /** Builds an engine for `selection` with the prepared config and publishes it; on
        failure returns false with `error` set and keeps the current engine. */
    bool buildAndPublish(const PatchSelection& selection, juce::String& error, bool keepMatching = false);
    /** Selects a parsed user patch (keeps the current one and returns false if it cannot). */
    bool selectUserPatch(PatchSelection selection, juce::String& error, bool keepMatchingWeights = false);
    /** buildMutex_ held. `carry`: a rebuild of the same patch keeps what the engine learned
        (false for state loads, whose weights are their own). `keepVersion`: the same
        selection rebuilt (weight import): the editor is not told of a new patch. */
    bool buildAndPublishLocked(const PatchSelection& selection, juce::String& error, bool carry = true, bool keepVersion = false,
                               bool keepMatching = false);
    static PatchSelection factorySelection(int index); ///< clamped to the factory patches, parsed once
    /** The patch to save: the running selection, or the factory patch a pending `patch`
        parameter move selects. */
    PatchSelection selectionForState() const;
    /** Builds an engine for `selection`. A patch that is invalid, or over the resource budget
        even at 48 kHz stereo, throws (PatchError); one that only cannot run with `config`
        gives no engine and the reason. Never a host callback, never the audio thread. */
    Built buildEngine(const PatchSelection& selection, const EngineConfig& config, const HostControls& controls) const;
    /** Where every patch must be able to run (48 kHz stereo, the largest step): one over the
        budget even there is refused like an invalid one. */
    static constexpr EngineConfig kRunsAnywhereConfig{48000.0, 2, 512};
    static bool runsAnywhere(const Patch& patch) {
        return Engine::estimate(patch, kRunsAnywhereConfig, kMaxStepSamples).withinBudget();
    }
    void parameterChanged(const juce::String& parameterID, float newValue) override;
    /** Message thread: builds a pending `patch` parameter move, deletes retired engines and
        reports the running engine's latency. */
    void housekeeping();
    void buildPendingPatchParameter();
    void setPatchParameter(int index);

    /** Weights waiting for the next engine built for the patch whose text hashes to `hash`
        (a loaded state's, or those of an engine rebuilt by prepareToPlay). */
    struct PendingWeights {
        WeightSet set;
        std::uint64_t hash = 0;
        juce::String origin;      ///< for notices: "the loaded state", ...
    };
    static std::uint64_t contentHash(const PatchSelection& selection);
    /** buildMutex_ held: copies `engine`'s weights while no processBlock runs (seqlock). */
    bool copyRunningWeights(Engine& engine, WeightSet& out) const;
    /** buildMutex_ held: the newest engine's learned weights into pendingWeights_ (audio stopped). */
    void keepWeightsOfLatestEngine();
    /** buildMutex_ held: gives the new engine pending weights, or carries the latest engine's
        over when the patch is the same (`carry`), or says what was discarded. */
    void handOverWeights(Engine* next, const PatchSelection& selection, bool carry, bool published, bool keepMatching = false);
    void noteWeights(const juce::String& text);

    juce::AudioProcessorValueTreeState apvts_;
    ParameterCache cache_;

    // Audio thread.
    Engine* engine_ = nullptr;
    HostControls controls_;
    Monitor monitor_;

    // `patch` parameter moves made off the message thread, for the timer (-1: none), and
    // our own moves of it, which the listener ignores.
    std::atomic<int> pendingPatchParam_{-1};
    std::atomic<int> ownPatchParamWrites_{0};
    std::atomic<int> rewardCc_{kDefaultRewardCc};
    std::atomic<int> episodeCc_{kDefaultEpisodeCc};
    std::atomic<int> rewardRelease_{static_cast<int>(RewardRelease::zero)};
    std::atomic<int> resetWeightsCc_{kDefaultResetWeightsCc};
    bool lastResetWeightsParam_ = false;  ///< audio thread: the parameter's edge (counted)
    int lastResetWeightsCcValue_ = 0;   ///< audio thread: for the CC's rising edge
    int lastResetWeightsCcNumber_ = kDefaultResetWeightsCc;
    /** Odd while processBlock runs (the audio thread's seqlock over the engine's weights). */
    std::atomic<std::uint32_t> processSeq_{0};
    WeightHeatBuffer heat_;           ///< audio thread -> editor: weight heat maps
    std::uint64_t heatSerial_ = 0;    ///< audio thread
    int heatCountdown_ = 0;           ///< audio thread: samples to the next heat frame
    std::atomic<int> heatInterval_{6000};  ///< samples between heat frames (sampleRate / 8)
    std::atomic<int> weightsNoticeCount_{0};
    std::array<std::array<bool, 128>, 16> heldNotes_{}; ///< audio thread: [channel][note]
    int heldNoteCount_ = 0;                             ///< audio thread
    int lastEpisodeCcValue_ = 0;  ///< audio thread: for the CC's rising edge
    int lastEpisodeCcNumber_ = kDefaultEpisodeCc;
    std::atomic<int> latencyOfRunningEngine_{0}; ///< audio thread -> LatencySync (0: no engine)

    /** Audio thread: the engine a swap replaced, still running for a crossfade into the new
        one (so a patch change or a workbench edit never drops out): the new engine's output
        fades in over kSwapFadeMs once its latency has passed. Then it is retired. */
    Engine* fadingOut_ = nullptr;
    int fadePos_ = 0, fadeStart_ = 0, fadeEnd_ = 0;  ///< audio thread: samples since the swap, fade window
    int fadeSamples_ = 960;                          ///< set by prepareToPlay (audio stopped)
    bool hardSwap_ = false;                          ///< audio thread: set by reset(): the next block's swap is not faded
    juce::AudioBuffer<float> fadeScratch_;           ///< the old engine's copy of the input (sized at prepare)
    static constexpr double kSwapFadeMs = 20.0;
    /** Audio thread: swaps in a pending engine (crossfading from the current one). */
    void acquireEngine() noexcept;
    /** Audio thread, during a fade (the caller checked it fits the scratch buffer, which holds a
        copy of the input): runs the fading-out engine on it and mixes it in. */
    void mixFadingEngine(juce::AudioBuffer<float>& buffer, int channels, int numSamples) noexcept;
    /** Audio stopped (prepare, release, destruction): the fading engine is deleted. */
    void dropFadingEngine() noexcept;
    Handoff<Engine> handoff_;
    TelemetryRing telemetry_;         ///< every engine's snapshots -> the GUI (one queue, outlives engines)
    std::atomic<int> editorWidth_{0}, editorHeight_{0};
    mutable std::mutex buildMutex_;   ///< non-audio threads only
    PatchSelection selection_;        ///< guarded by buildMutex_
    EngineConfig config_;             ///< guarded by buildMutex_
    bool prepared_ = false;           ///< guarded by buildMutex_
    juce::String lastStateError_;     ///< guarded by buildMutex_
    juce::String engineStatus_;       ///< guarded by buildMutex_
    Engine* latestEngine_ = nullptr;  ///< guarded by buildMutex_: the newest engine published (alive while the mutex is held)
    std::uint64_t latestHash_ = 0;    ///< guarded by buildMutex_: its patch's content hash
    std::optional<PendingWeights> pendingWeights_;  ///< guarded by buildMutex_
    juce::String weightsNotice_;      ///< guarded by buildMutex_
    bool stateLoadInProgress_ = false;  ///< guarded by buildMutex_: builds for a state load carry nothing over

    std::uint64_t nextVersion_ = 1;   ///< guarded by buildMutex_
    std::unique_ptr<Housekeeping> housekeeping_;
    /** Shared by the processor and its housekeeping timer, outliving both: see ~GradedCellsProcessor. */
    struct HousekeepingGate {
        std::atomic<bool> closing{false}; ///< set by the destructor: callbacks do nothing
        std::atomic<int> busy{0};         ///< housekeeping callbacks running (the destructor waits for them)
    };
    std::shared_ptr<HousekeepingGate> housekeepingGate_;

    std::shared_ptr<void> editorSession_; ///< message thread: see editorSession()
    mutable std::mutex draftMutex_;       ///< guards workbench_ (never taken by the audio thread)
    WorkbenchDraft workbench_;
    std::uint64_t draftSerial_ = 0;       ///< guarded by draftMutex_
    ParameterOverrides overrides_;    ///< MIDI learn / OSC -> parameters (lock-free)
    MidiLearn midiLearn_;             ///< the CC table (read by the audio thread)
    std::unique_ptr<OscControl> osc_; ///< (destroyed first: its thread uses overrides_)

    JUCE_DECLARE_NON_COPYABLE_WITH_LEAK_DETECTOR(GradedCellsProcessor)
};

} // namespace graded::plugin
