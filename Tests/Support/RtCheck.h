// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

/** Counts heap allocations (malloc, calloc, realloc, aligned allocs, operator new) and mutex
    locks made by the current thread while a RtCheck::Scope is alive. The counting versions of
    those functions are interposed by RtCheck.cpp for the whole test executable. */
namespace graded::test::rtcheck {

struct Counts {
    long allocations = 0;
    long locks = 0;
};

/** Enables counting on this thread for the scope's lifetime. */
class Scope {
public:
    Scope();
    ~Scope();
    Counts counts() const;
    long allocations() const { return counts().allocations; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
};

/** True when the interposer is linked and working (self-test). */
bool interposerActive();

/** Optional backtrace recording, for attributing each counted event to the code that made
    it. While recording is on, every event a Scope counts also stores its return addresses
    (backtrace(), into static storage: the recorder itself neither allocates nor takes an
    interposed lock, and anything the unwinder does is not counted). */
struct Event {
    static constexpr int kMaxFrames = 64;
    bool lock = false;        ///< pthread_mutex_(try)lock; otherwise an allocation
    int numFrames = 0;
    void* frames[kMaxFrames] = {};
};
void setRecording(bool on);
void clearRecorded();
int numRecorded();            ///< events recorded since clearRecorded() (at most kMaxEvents kept)
const Event& recorded(int index);
inline constexpr int kMaxEvents = 4096;

} // namespace graded::test::rtcheck

namespace rt = graded::test::rtcheck;
