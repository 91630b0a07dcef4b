// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// MIDI learn (README "MIDI learn") and the lock-free path by which host parameters are set
// from threads that must not call the host: the audio thread (mapped CCs) and the OSC thread.

#include "Parameters.h"

#include <juce_audio_processors/juce_audio_processors.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

namespace graded::plugin {

/** Host-parameter values set off the message thread, without locks or allocation.

    JUCE caveat (7.0.5): AudioProcessorParameter::setValueNotifyingHost takes the
    parameter's listenerLock (a CriticalSection, i.e. a pthread mutex) and the editor's
    parameter attachments post a message (AsyncUpdater) from the calling thread, which locks
    the message queue and may allocate. So it is never called on the audio thread here.
    Instead a value goes into a fixed slot per parameter (one 64-bit atomic: normalised and
    plain value); the audio thread puts pending slots over the parameter values it read for
    the block (apply), so the engine hears the move in the same block, and the message
    thread (the processor's 30 Hz housekeeping timer) tells the parameter and the host
    (commit: setValueNotifyingHost), after which the slot is cleared. Without a message loop
    (graded-cli) a slot simply stays in force. */
class ParameterOverrides {
public:
    ParameterOverrides();
    /** Message thread, once: the parameters, and each one's plain value for every CC value. */
    void bind(juce::AudioProcessorValueTreeState& state);

    /** Any thread but the message thread's commit: `normalised` in 0..1, `plain` what the
        parameter holds for it (RangedAudioParameter::convertFrom0to1). Lock-free. */
    void set(HostParam p, float normalised, float plain) noexcept;
    /** Audio thread: pending values replace the block's parameter values. */
    void apply(HostControls& controls) const noexcept;
    /** Message thread: tells the parameters (and so the host) the pending values; returns
        how many. */
    int commit();
    /** Forgets pending values (a state load sets every parameter itself). */
    void discardPending() noexcept { for (auto& s : slots_) s.store(kNone); }
    /** A pending plain value (tests, the state). */
    std::optional<float> pending(HostParam p) const noexcept;

    juce::RangedAudioParameter* parameter(HostParam p) const noexcept { return params_[static_cast<size_t>(p)]; }
    /** The plain value a CC value (0..127) gives parameter p (precomputed by bind). */
    float plainForCc(HostParam p, int value) const noexcept { return ccPlain_[static_cast<size_t>(p)][static_cast<size_t>(value & 127)]; }

private:
    static constexpr std::uint64_t kNone = ~std::uint64_t(0);
    std::array<std::atomic<std::uint64_t>, kNumHostParams> slots_;
    std::array<juce::RangedAudioParameter*, kNumHostParams> params_{};
    std::array<std::array<float, 128>, kNumHostParams> ccPlain_{};
};

/** The CCs that are not for MIDI learn while they have another job (reward CC, episode CC,
    all-notes-off, ...): learning refuses them, and a mapping on one is kept but inactive
    (the editor's list says so) until the other job moves elsewhere. CCs 120..127 are MIDI
    channel-mode messages and are never learnt. */
struct ReservedCcs {
    static constexpr int kMax = 8;
    int cc[kMax] = {};
    int count = 0;
    void add(int c) noexcept { if (count < kMax && c >= 0 && c < 128) cc[count++] = c; }
    bool contains(int c) const noexcept {
        if (c >= 120) return true;
        for (int i = 0; i < count; ++i) if (cc[i] == c) return true;
        return false;
    }
};

/** MIDI learn: a table CC -> host parameter (omni: any channel), read lock-free by the audio
    thread. One CC drives at most one parameter and a parameter has at most one CC (learning
    again moves it). A CC value 0..127 moves the parameter across its range as its knob does
    (normalised value/127, with the knob's skew); a choice or an integer parameter takes the
    step nearest to that (equal zones), a toggle is on from 64 up.

    Learning is armed from the message thread (arm(p), an atomic); the audio thread takes the
    next CC message that is not reserved, maps it to p and disarms. */
class MidiLearn {
public:
    static constexpr int kNone = -1;
    MidiLearn();

    // ---- message thread (any non-audio thread) ----
    void arm(HostParam p) noexcept { armed_.store(static_cast<int>(p)); }
    void cancel() noexcept { armed_.store(kNone); }
    std::optional<HostParam> armed() const noexcept;
    /** Maps cc (0..119) to p (replacing p's earlier CC and cc's earlier parameter). */
    bool map(int cc, HostParam p) noexcept;
    void clearCc(int cc) noexcept;
    void clearParam(HostParam p) noexcept;
    void clearAll() noexcept;
    /** The CC mapped to p, or kNone. */
    int ccFor(HostParam p) const noexcept;
    /** The parameter cc drives, if any. */
    std::optional<HostParam> paramFor(int cc) const noexcept;
    /** Every mapping, by CC. */
    std::vector<std::pair<int, HostParam>> mappings() const;
    /** Grows with every change of the table or the armed state (the editor's change signal). */
    int serial() const noexcept { return serial_.load(); }
    /** The last CC learning refused (a reserved one), and how many times it refused. */
    int lastRefusedCc() const noexcept { return lastRefusedCc_.load(); }
    int refusals() const noexcept { return refusals_.load(); }
    /** Mapped CC messages applied (audio thread counter). */
    int applied() const noexcept { return applied_.load(); }

    // ---- audio thread ----
    /** Learns (when armed) and turns mapped CCs of `midi` into parameter values (the last
        value of each parameter in the block wins). Never allocates or locks. */
    void process(const juce::MidiBuffer& midi, const ReservedCcs& reserved, ParameterOverrides& out) noexcept;

private:
    void assign(int cc, int param) noexcept;
    std::array<std::atomic<int>, 128> ccToParam_;
    std::atomic<int> armed_{kNone};
    std::atomic<int> serial_{0};
    std::atomic<int> lastRefusedCc_{kNone};
    std::atomic<int> refusals_{0};
    std::atomic<int> applied_{0};
    std::array<int, kNumHostParams> blockValue_{}; ///< audio thread scratch: the CC value per parameter (-1: none)
};

/** The MidiLearn block of the saved state:
      <MidiLearn version="1"><Map cc="7" param="tau"/> ...</MidiLearn>
    Parsing is strict (the state is refused whole on a malformed entry); a parameter id this
    build does not know (a newer version's) is skipped. */
struct MidiLearnState {
    static constexpr int kVersion = 1;
    std::vector<std::pair<int, HostParam>> maps;
    juce::ValueTree toValueTree() const;
    /** Throws std::runtime_error with the reason on a malformed block. */
    static MidiLearnState fromValueTree(const juce::ValueTree& tree);
};

} // namespace graded::plugin
