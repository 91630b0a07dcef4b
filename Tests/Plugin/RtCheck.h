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
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
};

/** True when the interposer is linked and working (self-test). */
bool interposerActive();

} // namespace graded::test::rtcheck
