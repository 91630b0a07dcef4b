// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// OSC control (README "OSC"): a UDP receiver (juce_osc) that sets the reward, any host
// parameter, ends episodes and resets cells or weights; and an optional feedback stream of
// chosen compartments to another program.

#include "MidiLearn.h"

#include <Graph/Engine.h>

#include <juce_osc/juce_osc.h>

#include <array>
#include <atomic>
#include <functional>
#include <memory>

namespace graded::plugin {

/** What one OSC message asks for (parseOscMessage). */
struct OscAction {
    enum Kind { ignored, reward, setParam, endEpisode, resetCells, resetWeights, nothing };
    Kind kind = ignored;       ///< ignored: a bad message (`error` says why); nothing: a valid no-op (a button's release)
    HostParam param = HostParam::count;
    float value = 0.f;         ///< reward: -1..1; param: the plain value
    juce::String error;
};

/** The address table (README "OSC"); never throws. Numbers may be int32 or float32. */
OscAction parseOscMessage(const juce::OSCMessage& message);

/** An event for the engine, OSC thread -> audio thread. */
struct OscEvent {
    enum Type : int { reward, endEpisode, resetCells, resetWeights };
    Type type = reward;
    float value = 0.f;
};

/** Single-producer (the OSC thread), single-consumer (the audio thread) fixed ring. */
class OscEventQueue {
public:
    bool push(const OscEvent& e) noexcept {
        const int h = head_.load(std::memory_order_relaxed);
        const int next = (h + 1) % kSize;
        if (next == tail_.load(std::memory_order_acquire)) return false;
        slots_[static_cast<size_t>(h)] = e;
        head_.store(next, std::memory_order_release);
        return true;
    }
    bool pop(OscEvent& e) noexcept {
        const int t = tail_.load(std::memory_order_relaxed);
        if (t == head_.load(std::memory_order_acquire)) return false;
        e = slots_[static_cast<size_t>(t)];
        tail_.store((t + 1) % kSize, std::memory_order_release);
        return true;
    }

private:
    static constexpr int kSize = 256;
    std::array<OscEvent, kSize> slots_{};
    std::atomic<int> head_{0}, tail_{0};
};

/** The OSC settings, saved in the state:
      <Osc version="1" enabled="0" port="9000" feedback="0" feedbackHost="127.0.0.1"
           feedbackPort="9001" feedbackSelect="err/L, *"/>  */
struct OscSettings {
    static constexpr int kVersion = 1;
    bool enabled = false;                       ///< off by default
    int port = 9000;                            ///< UDP port to listen on (1..65535)
    bool feedback = false;
    juce::String feedbackHost = "127.0.0.1";
    int feedbackPort = 9001;
    juce::String feedbackSelect;                ///< "node/compartment" list (comma/space separated; * wildcards)
    bool operator==(const OscSettings& o) const {
        return enabled == o.enabled && port == o.port && feedback == o.feedback && feedbackHost == o.feedbackHost
               && feedbackPort == o.feedbackPort && feedbackSelect == o.feedbackSelect;
    }
    bool operator!=(const OscSettings& o) const { return !(*this == o); }
    juce::ValueTree toValueTree() const;
    /** Throws std::runtime_error with the reason on a malformed block. */
    static OscSettings fromValueTree(const juce::ValueTree& tree);
};

// Does one of `selectors` (comma/space separated "node/comp"; '*' and '?' are wildcards, so
// "*" is everything and "err/x" one compartment) match node `node`'s compartment `comp`?
bool oscSelectorMatches(const juce::String& selectors, const juce::String& node, const juce::String& comp);

/** The OSC receiver and feedback sender of one processor. Settings and feedback: message
    thread; dispatch: JUCE's OSC thread; drain: audio thread. */
class OscControl : private juce::OSCReceiver::Listener<juce::OSCReceiver::RealtimeCallback>, private juce::Timer {
public:
    explicit OscControl(ParameterOverrides& overrides);
    ~OscControl() override;

    /** Message thread: applies settings (opens or closes the port and the feedback target). */
    void setSettings(const OscSettings& settings);
    OscSettings settings() const;
    /** "off", "listening on UDP port 9000", or why the port could not be opened. */
    juce::String status() const;
    bool listening() const noexcept { return listening_.load(); }
    /** The feedback sender's state ("off", "sending to host:port", or an error). */
    juce::String feedbackStatus() const;

    /** OSC thread (public for tests): carries out one message (or counts it as ignored). */
    void dispatch(const juce::OSCMessage& message);

    /** Audio thread: hands queued events to the engine (dropped, counted, when there is none). */
    void drain(Engine* engine) noexcept;

    /** Feedback: `pull` pops a telemetry snapshot when nobody else reads them (the processor
        passes one that pops only while no editor is open); noteSnapshot is called with every
        snapshot the editor pops. Message thread. */
    void setSnapshotSource(std::function<bool(Telemetry&)> pull) { pull_ = std::move(pull); }
    void noteSnapshot(const Telemetry& snapshot);
    bool feedbackWanted() const noexcept { return feedbackOn_.load(); }
    /** Message thread: sends the newest snapshot now (the 30 Hz timer does this). */
    void sendFeedbackNow();
    /** "node/compartment" of every series in the newest snapshot (for the editor). */
    juce::StringArray availableCompartments() const;

    struct Counters {
        std::atomic<int> received{0};     ///< messages parsed (OSC thread)
        std::atomic<int> ignored{0};      ///< bad messages (wrong types, unknown ids, NaN, out of range, malformed packets)
        std::atomic<int> queueFull{0};    ///< events dropped: the audio thread was not draining
        std::atomic<int> applied{0};      ///< events handed to an engine (audio thread)
        std::atomic<int> noEngine{0};     ///< events dropped: no engine ran (audio thread)
        std::atomic<int> paramsSet{0};    ///< host parameters set
        std::atomic<int> rewards{0}, episodeEnds{0}, cellResets{0}, weightResets{0}; ///< applied, by kind (audio thread)
        std::atomic<int> feedbackSent{0}; ///< feedback messages sent
    };
    const Counters& counters() const noexcept { return counters_; }
    /** Why the last message was ignored. */
    juce::String lastError() const;
    /** The last reward value applied (audio thread). */
    float lastReward() const noexcept { return lastReward_.load(); }

private:
    void oscMessageReceived(const juce::OSCMessage& message) override;
    void oscBundleReceived(const juce::OSCBundle& bundle) override;
    void dispatchBundle(const juce::OSCBundle& bundle, int depth);
    void ignore(const juce::String& why);
    void timerCallback() override;
    void closeReceiver();

    ParameterOverrides& overrides_;
    OscEventQueue queue_;
    Counters counters_;
    std::atomic<float> lastReward_{0.f};
    std::atomic<bool> listening_{false}, feedbackOn_{false};

    juce::OSCReceiver receiver_{"GradedCells OSC"};
    std::unique_ptr<juce::DatagramSocket> socket_;
    juce::OSCSender sender_;
    bool senderConnected_ = false;

    mutable juce::CriticalSection lock_;   ///< guards the fields below (never the audio thread)
    OscSettings settings_;
    juce::String status_ = "off", feedbackStatus_ = "off", lastError_;
    Telemetry latest_;                     ///< the newest snapshot seen
    std::uint64_t latestStep_ = 0, sentStep_ = 0;
    bool haveLatest_ = false;
    std::function<bool(Telemetry&)> pull_;
    std::unique_ptr<Telemetry> scratch_ = std::make_unique<Telemetry>();

    JUCE_DECLARE_NON_COPYABLE(OscControl)
};

} // namespace graded::plugin
