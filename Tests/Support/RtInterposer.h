// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Counts heap allocations and mutex locks made by this thread while a Scope is alive.
// RtInterposer.cpp replaces malloc/calloc/realloc/aligned_alloc/memalign/posix_memalign,
// operator new (all forms) and pthread_mutex_lock for the whole test executable that links
// the graded_rt_interposer object library (Tests/Support/CMakeLists.txt).

namespace rt {

struct Counts {
    long allocations = 0;
    long locks = 0;
};

/** Switches counting on for the calling thread while alive. */
class Scope {
public:
    Scope();
    ~Scope();
    Counts counts() const;
    long allocations() const { return counts().allocations; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
};

} // namespace rt
