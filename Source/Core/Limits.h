// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// The resource budget of everything GradedCells reads from outside (patches, plugin state,
// golden files, audio files) and of the work a patch may ask for. Every size is checked
// against these limits, in 64-bit arithmetic, before anything is allocated or any
// recursive processing starts; see PatchFormat.md ("Limits") and the README.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace graded::limits {

// ---- text inputs ----------------------------------------------------------------------
/** Largest patch JSON text (a patch with explicit weights for the largest wire fits). */
inline constexpr std::size_t kMaxPatchBytes = 16u << 20;          // 16 MiB
/** Deepest JSON nesting accepted anywhere (patches, golden files). A patch needs 4. */
inline constexpr int kMaxJsonDepth = 32;
/** Largest plugin state accepted by setStateInformation (a user patch plus its settings). */
inline constexpr std::size_t kMaxStateBytes = 40u << 20;          // 40 MiB
/** Deepest XML nesting accepted in a plugin state (it needs 3). */
inline constexpr int kMaxXmlDepth = 16;
/** Largest golden (replay) file. */
inline constexpr std::size_t kMaxGoldenBytes = 512u << 20;        // 512 MiB

// ---- patch structure ------------------------------------------------------------------
inline constexpr int kMaxNodes = 256;
inline constexpr int kMaxWires = 4096;
inline constexpr int kMaxBindings = 1024;
/** n_units of one cell in a patch. */
inline constexpr std::int64_t kMaxUnitsPerNode = 65536;
// Bands of the filterbank (AudioIn `bands`).
inline constexpr int kMaxBands = 64;
/** Weights of one wire (dst units x src units) and of all wires together. */
inline constexpr std::int64_t kMaxWeightsPerWire = std::int64_t(1) << 22;   // 4 Mi values, 16 MiB
inline constexpr std::int64_t kMaxWeightsTotal = std::int64_t(1) << 23;     // 8 Mi values, 32 MiB
/** Memory of an engine's state: every compartment of every cell, weights, delay lines, the
    filterbank buffers, for the engine's channel count. */
inline constexpr std::int64_t kMaxEngineBytes = std::int64_t(256) << 20;   // 256 MiB

// ---- real-time budget -----------------------------------------------------------------
/** The cost model (Engine: estimateCost) counts multiply-adds; this rate is a deliberately
    low figure for one core of a modest machine running the portable (SSE2) build, so the
    estimate errs on the expensive side. */
inline constexpr double kOpsPerSecond = 1.0e9;
/** Share of one core a patch may take (by the estimate) at the current sample rate and
    step: the rest is the host's and the other plugins'. */
inline constexpr double kMaxCoreShare = 0.5;

// ---- output ---------------------------------------------------------------------------
/** Ceiling of the plugin's output: +6 dBFS. Every output sample is finite and within
    +-kOutputCeiling whatever the patch and the host parameters do. */
inline constexpr float kOutputCeiling = 1.99526231f;  // 10^(6/20)
inline constexpr double kOutputCeilingDb = 6.0;

// ---- bounded scanners (no recursion, linear, stop at the limit) -----------------------

/** The nesting depth of JSON text ([ and { outside strings), or limit + 1 as soon as it
    passes `limit`. Does not validate the JSON; the parser does that afterwards. */
inline int jsonNestingDepth(std::string_view text, int limit = kMaxJsonDepth) noexcept {
    int depth = 0, maxDepth = 0;
    bool inString = false, escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') inString = false;
            continue;
        }
        if (c == '"') inString = true;
        else if (c == '[' || c == '{') {
            if (++depth > maxDepth) maxDepth = depth;
            if (maxDepth > limit) return limit + 1;
        } else if (c == ']' || c == '}') {
            if (depth > 0) --depth;
        }
    }
    return maxDepth;
}

} // namespace graded::limits
