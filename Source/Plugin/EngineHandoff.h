// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <array>
#include <atomic>
#include <mutex>

namespace graded::plugin {

/** Hands a heap object (an engine) built off the audio thread to the audio thread, and the
    one it replaces back to a non-audio thread for deletion, without locks or allocation on
    the audio side.

    - publish() (any non-audio thread): offers a new object; an older offer the audio thread
      never took is deleted right there.
    - acquire() (audio thread, at a block's start): swaps in the pending object, if any, and
      parks the replaced one in a retire slot. If every slot is full it keeps the current
      object and tries again next block.
    - collect() (non-audio thread, e.g. a timer or the builder thread): deletes retired
      objects.

    The audio thread is the only writer of a non-null retire slot and collect() the only one
    that empties slots, so one producer and (under collectLock_) one consumer. */
template <typename T> class Handoff {
public:
    Handoff() { for (auto& s : retired_) s.store(nullptr); }
    ~Handoff() {
        release(pending_.exchange(nullptr));
        collect();
    }
    Handoff(const Handoff&) = delete;
    Handoff& operator=(const Handoff&) = delete;

    /** Offers `next`; nullptr offers "no object" (the audio thread then retires the current
        one and runs without: the plugin passes audio through dry). */
    void publish(T* next) { release(pending_.exchange(next != nullptr ? next : none(), std::memory_order_acq_rel)); }

    /** Audio thread. Returns the object to use from now on (maybe `current`, maybe nullptr). */
    T* acquire(T* current) noexcept {
        if (pending_.load(std::memory_order_acquire) == nullptr) return current;
        std::atomic<T*>* slot = nullptr;
        if (current != nullptr) {
            for (auto& s : retired_)
                if (s.load(std::memory_order_acquire) == nullptr) { slot = &s; break; }
            if (slot == nullptr) return current;
        }
        T* next = pending_.exchange(nullptr, std::memory_order_acq_rel);
        if (next == nullptr) return current;
        if (slot != nullptr) slot->store(current, std::memory_order_release);
        return next == none() ? nullptr : next;
    }

    /** Audio thread: like acquire(), but the replaced object stays the caller's (to finish
        with, e.g. a crossfade) until it hands it to retire(). */
    T* swapIn(T* current) noexcept {
        if (pending_.load(std::memory_order_acquire) == nullptr) return current;
        T* next = pending_.exchange(nullptr, std::memory_order_acq_rel);
        if (next == nullptr) return current;
        return next == none() ? nullptr : next;
    }
    /** Audio thread: parks `p` for collect(); false when every slot is full (try again later). */
    bool retire(T* p) noexcept {
        if (p == nullptr) return true;
        for (auto& s : retired_)
            if (s.load(std::memory_order_acquire) == nullptr) {
                s.store(p, std::memory_order_release);
                return true;
            }
        return false;
    }

    /** Non-audio thread: deletes whatever the audio thread retired. */
    int collect() {
        std::lock_guard<std::mutex> lock(collectLock_);
        int n = 0;
        for (auto& s : retired_)
            if (T* p = s.exchange(nullptr, std::memory_order_acq_rel)) { delete p; ++n; }
        return n;
    }

    /** Non-audio thread, audio stopped: takes back an offer nobody picked up. */
    T* takePending() {
        T* p = pending_.exchange(nullptr, std::memory_order_acq_rel);
        return p == none() ? nullptr : p;
    }
    bool hasPending() const noexcept { return pending_.load(std::memory_order_acquire) != nullptr; }

private:
    /** The offer of "no object": a distinct address that is never dereferenced or deleted. */
    T* none() noexcept { return reinterpret_cast<T*>(&noneTag_); }
    void release(T* p) { if (p != none()) delete p; }

    char noneTag_ = 0;
    std::atomic<T*> pending_{nullptr};
    std::array<std::atomic<T*>, 8> retired_;
    std::mutex collectLock_;
};

} // namespace graded::plugin
