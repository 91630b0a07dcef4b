// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>
#include <atomic>

namespace graded::plugin {

/** A single-producer, single-consumer ring of fixed-size snapshots: the audio thread pushes
    (never blocks, never allocates; a full ring drops the new snapshot), the GUI thread pops.
    It outlives engine swaps, so the editor never touches an engine. */
template <typename T, int N> class SnapshotFifo {
public:
    /** Producer (audio thread). False when full. */
    bool push(const T& value) noexcept {
        const int h = head_.load(std::memory_order_relaxed);
        const int next = (h + 1) % N;
        if (next == tail_.load(std::memory_order_acquire)) return false;
        slots_[size_t(h)] = value;
        head_.store(next, std::memory_order_release);
        return true;
    }
    /** Consumer (GUI thread). False when empty. */
    bool pop(T& out) noexcept {
        const int t = tail_.load(std::memory_order_relaxed);
        if (t == head_.load(std::memory_order_acquire)) return false;
        out = slots_[size_t(t)];
        tail_.store((t + 1) % N, std::memory_order_release);
        return true;
    }

private:
    std::array<T, N> slots_{};
    std::atomic<int> head_{0};
    std::atomic<int> tail_{0};
};

} // namespace graded::plugin
