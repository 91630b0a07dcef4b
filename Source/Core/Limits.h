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

/** The element nesting depth of XML text, or limit + 1 as soon as it passes `limit`.
    Skips comments, CDATA, processing instructions, declarations and quoted attribute
    values; does not validate (the parser does that afterwards). */
inline int xmlNestingDepth(std::string_view text, int limit = kMaxXmlDepth) noexcept {
    int depth = 0, maxDepth = 0;
    const std::size_t n = text.size();
    auto skipTo = [&](std::size_t from, std::string_view end) -> std::size_t {
        const std::size_t at = text.find(end, from);
        return at == std::string_view::npos ? n : at + end.size();
    };
    std::size_t i = 0;
    while (i < n) {
        if (text[i] != '<') { ++i; continue; }
        if (text.compare(i, 4, "<!--") == 0) { i = skipTo(i + 4, "-->"); continue; }
        if (text.compare(i, 9, "<![CDATA[") == 0) { i = skipTo(i + 9, "]]>"); continue; }
        if (i + 1 < n && (text[i + 1] == '?' || text[i + 1] == '!')) { i = skipTo(i + 2, ">"); continue; }
        const bool closing = i + 1 < n && text[i + 1] == '/';
        // find the end of the tag, skipping quoted attribute values
        std::size_t j = i + 1;
        char quote = 0;
        for (; j < n; ++j) {
            const char c = text[j];
            if (quote) { if (c == quote) quote = 0; }
            else if (c == '"' || c == '\'') quote = c;
            else if (c == '>') break;
        }
        const bool selfClosing = j < n && j > i && text[j - 1] == '/';
        if (closing) { if (depth > 0) --depth; }
        else if (!selfClosing) {
            if (++depth > maxDepth) maxDepth = depth;
            if (maxDepth > limit) return limit + 1;
        } else if (depth + 1 > maxDepth) {
            maxDepth = depth + 1;
            if (maxDepth > limit) return limit + 1;
        }
        i = j + 1;
    }
    return maxDepth;
}

/** Whether XML text declares a DTD (<!DOCTYPE, any case), i.e. may define entities. */
inline bool xmlHasDoctype(std::string_view text) noexcept {
    constexpr std::string_view key = "<!doctype";
    for (std::size_t i = text.find("<!"); i != std::string_view::npos; i = text.find("<!", i + 2)) {
        if (text.size() - i < key.size()) return false;
        bool match = true;
        for (std::size_t k = 2; k < key.size() && match; ++k) {
            const char c = text[i + k];
            match = (c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) == key[k];
        }
        if (match) return true;
    }
    return false;
}

} // namespace graded::limits
