// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// Symbolises the return addresses rtcheck records (RtCheck.h): for each frame, the loaded
// object (dladdr) and the function containing it, looked up in that object's ELF symbol
// table (.symtab, falling back to .dynsym) and demangled. Not real-time safe: use it after
// the counted scope.
#include <string>
#include <vector>

namespace graded::test::backtraces {

struct Frame {
    std::string object;   ///< canonical path of the loaded object ("" if unknown)
    std::string symbol;   ///< demangled function name ("?" if unknown)
};

std::vector<Frame> symbolise(void* const* frames, int numFrames);

/** Canonical (realpath) form of a file path, "" if it does not exist. */
std::string canonicalPath(const std::string& path);

} // namespace graded::test::backtraces
