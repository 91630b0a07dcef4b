// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Counts heap allocations made by the calling thread while a Scope is alive.
// AllocCounter.cpp replaces operator new (all forms) and malloc/calloc/realloc for the
// whole engine_tests executable.

namespace alloccount {
class Scope {
public:
    Scope();
    ~Scope();
    long allocations() const;
};
} // namespace alloccount
