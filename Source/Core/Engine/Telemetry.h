// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Telemetry: fixed-size snapshots, audio thread -> GUI (~30 per second), each node's shown
// compartments labelled by name (which ones: the node spec's CompShow), every channel and
// unit of them.

#include "../Patch/Model.h"

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

namespace graded {

inline constexpr int kTelemetryMaxNodes = 16;
/** Channels carried: the plugin runs its engine mono or stereo. An engine built for more
    channels (Engine allows up to kMaxEngineChannels) has its first two carried. */
inline constexpr int kTelemetryMaxChannels = 2;
inline constexpr int kTelemetryMaxValues = 64;   ///< units per channel of a shown compartment
inline constexpr int kTelemetryMaxBands = 64;    ///< >= Filterbank::kMaxBands
inline constexpr int kTelemetryIdLen = 24;

/** A shown compartment, every row (channel) and unit of it: channel c's units are
    values[c * numValues .. c * numValues + numValues), so values[0 .. numValues) is channel 0
    (what the editor draws). A compartment with one row for all channels (an error cell's L)
    has numChannels == 1 even in a stereo engine: its row is a sum over the channels. */
struct TelemetrySeries {
    std::string_view name;           ///< the compartment ("zF"; static storage); empty: none
    bool traced = false;             ///< its mean is worth a trace over time (the spec says)
    bool perChannel = true;          ///< one row per channel (false: one row for all channels)
    int numChannels = 0;             ///< rows carried (<= kTelemetryMaxChannels)
    int numValues = 0;               ///< units per row (<= kTelemetryMaxValues)
    float values[kTelemetryMaxChannels * kTelemetryMaxValues] = {};
    const float* channel(int c) const noexcept { return values + c * numValues; }
};

/** The first unit of a compartment, per row (an error cell's L: one row; a RewardErrorCell's
    mu: one per channel). `value` is row 0's. */
struct TelemetryScalar {
    std::string_view name;           ///< empty: none
    bool perChannel = true;          ///< as TelemetrySeries::perChannel
    int numChannels = 0;
    float value = 0.f;               ///< = values[0]
    float values[kTelemetryMaxChannels] = {};
};

struct TelemetryNode {
    NodeKind kind = NodeKind::RateCell;
    char id[kTelemetryIdLen] = {};   ///< node id, NUL-terminated (truncated)
    TelemetrySeries main;            ///< CompShow::main (RateCell zF, error cells' gradient, AudioIn bands, ...)
    TelemetrySeries secondary;       ///< CompShow::secondary (RateCell z, LeakyNoiseCell x)
    TelemetryScalar scalar;          ///< CompShow::scalar
};

/** One snapshot. Fixed size (19 096 bytes on x86-64; a TelemetryRing of 16 is about 300 KB),
    so the audio thread fills it without allocating; it copies only the values shown. */
struct Telemetry {
    std::uint64_t step = 0;          ///< simulation step count
    int numChannels = 0;             ///< channels carried: the engine's, at most kTelemetryMaxChannels
    int numNodes = 0;
    TelemetryNode nodes[kTelemetryMaxNodes];
    int numBands = 0;                ///< bands per channel
    /** AudioIn bands, channel-major as TelemetrySeries::values (bandEnergy[0 .. numBands) is
        channel 0); the same values as the AudioIn node's main series. */
    float bandEnergy[kTelemetryMaxChannels * kTelemetryMaxBands] = {};
    float cpuLoad = 0.f;             ///< process() time / real time, smoothed (0..1+)
};

class Network;

/** A single-producer (audio thread), single-consumer (GUI thread) ring of snapshots: the
    producer never blocks or allocates (a full ring drops the new snapshot). An engine fills
    its own ring, or one its owner gives it (Engine::setTelemetryRing) so that snapshots from
    every engine a plugin swaps in reach the editor through one queue. */
class TelemetryRing {
public:
    /** Producer: the slot to fill, or nullptr when the ring is full. */
    Telemetry* beginWrite() noexcept {
        const int h = head_.load(std::memory_order_relaxed);
        return (h + 1) % kSize == tail_.load(std::memory_order_acquire) ? nullptr : &slots_[h];
    }
    /** Producer: publishes the slot beginWrite() returned. */
    void commitWrite() noexcept { head_.store((head_.load(std::memory_order_relaxed) + 1) % kSize, std::memory_order_release); }
    /** Consumer: the oldest snapshot not yet read; false when none. */
    bool pop(Telemetry& out) noexcept {
        const int t = tail_.load(std::memory_order_relaxed);
        if (t == head_.load(std::memory_order_acquire)) return false;
        out = slots_[t];
        tail_.store((t + 1) % kSize, std::memory_order_release);
        return true;
    }

private:
    static constexpr int kSize = 16;
    Telemetry slots_[kSize];
    std::atomic<int> head_{0}, tail_{0};
};

/** Builds snapshots from the network and hands them to one reader (single producer, single
    consumer; a snapshot is dropped when the reader is behind). */
class TelemetryQueue {
public:
    /** Resolves what each node shows; one snapshot every `intervalSamples`. */
    void prepare(Network& net, int inNode, int intervalSamples);
    /** Audio thread, after each step of `samples` samples. */
    void afterStep(int samples, std::uint64_t steps, float cpuLoad) noexcept;
    /** GUI thread: the oldest snapshot not yet read; false when none. */
    bool pop(Telemetry& out) noexcept { return ring_->pop(out); }
    /** Off the audio thread, before processing: write into `ring` (nullptr: the own ring). */
    void setRing(TelemetryRing* ring) noexcept { ring_ = ring != nullptr ? ring : &own_; }

private:
    struct Source {
        const float* data = nullptr;
        int rows = 0, cols = 0;      ///< carried (clamped to the snapshot's room)
        int stride = 0;              ///< the compartment's row length
        bool perChannel = true;
        std::string_view name;
        bool traced = false;
    };
    struct Shown {
        NodeKind kind;
        char id[kTelemetryIdLen] = {};
        Source main, secondary, scalar;
    };
    void push(std::uint64_t steps, float cpuLoad) noexcept;

    std::vector<Shown> shown_;
    Source bands_;
    int channels_ = 0;
    TelemetryRing own_;
    TelemetryRing* ring_ = &own_;
    int interval_ = 1600, since_ = 0;
};

} // namespace graded
