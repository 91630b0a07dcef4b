// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// A strict, bounded well-formedness check for the small XML documents GradedCells reads
// (plugin states), run before any XML parser sees the text. JUCE 7.0.5's XmlDocument never
// returns on some malformed inputs (found by fuzzing: 1 KB states with a tag cut into an
// attribute) and expands DTD entities recursively, so only text that passes this check is
// handed to it. Linear time, no recursion, no allocation beyond a stack of open element
// names bounded by the depth limit.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace graded::xmlcheck {

/** Accepts: an optional <?xml ...?> declaration, comments, one root element with nested
    elements, attributes name="value" or name='value', character data, the five predefined
    entities and numeric character references. Refuses anything else (DTDs, processing
    instructions after the declaration, CDATA, unknown entities, unbalanced or mismatched
    tags, '<' inside attribute values, nesting deeper than maxDepth: the only bound on the
    recursion of a parser that accepts the text). Returns an empty string
    when the text is well formed, else what is wrong and at which byte. */
inline std::string check(std::string_view t, int maxDepth) {
    const std::size_t n = t.size();
    std::size_t i = 0;
    std::vector<std::string_view> open;
    bool rootSeen = false;
    auto fail = [&](const char* what) { return std::string(what) + " at byte " + std::to_string(i); };
    auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    auto isNameStart = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || static_cast<unsigned char>(c) >= 0x80;
    };
    auto isNameChar = [&](char c) { return isNameStart(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; };
    auto skipSpace = [&] { while (i < n && isSpace(t[i])) ++i; };
    auto readName = [&]() -> std::string_view {
        const std::size_t s = i;
        if (i >= n || !isNameStart(t[i])) return {};
        while (i < n && isNameChar(t[i])) ++i;
        return t.substr(s, i - s);
    };
    // An entity or character reference starting at t[i] == '&'.
    auto readReference = [&]() -> bool {
        const std::size_t semi = t.find(';', i);
        if (semi == std::string_view::npos || semi - i > 10) return false;
        const std::string_view ref = t.substr(i + 1, semi - i - 1);
        bool ok = ref == "amp" || ref == "lt" || ref == "gt" || ref == "quot" || ref == "apos";
        if (!ok && ref.size() >= 2 && ref[0] == '#') {
            const bool hex = ref[1] == 'x' || ref[1] == 'X';
            const std::string_view digits = ref.substr(hex ? 2 : 1);
            ok = !digits.empty();
            for (const char c : digits)
                ok = ok && ((c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))));
        }
        if (ok) i = semi + 1;
        return ok;
    };
    const std::string deeper = "nested deeper than " + std::to_string(maxDepth) + " levels";
    auto isDoctype = [](std::string_view at) {
        constexpr std::string_view key = "<!doctype";
        if (at.size() < key.size()) return false;
        for (std::size_t k = 0; k < key.size(); ++k) {
            const char c = at[k];
            if ((c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c) != key[k]) return false;
        }
        return true;
    };
    auto skipComment = [&]() -> bool { // at "<!--"
        const std::size_t end = t.find("-->", i + 4);
        if (end == std::string_view::npos) return false;
        i = end + 3;
        return true;
    };

    // optional byte-order mark and declaration
    if (t.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
    skipSpace();
    if (t.compare(i, 5, "<?xml") == 0) {
        const std::size_t end = t.find("?>", i);
        if (end == std::string_view::npos) return fail("unterminated XML declaration");
        if (t.substr(i, end - i).find('<', 1) != std::string_view::npos) return fail("'<' inside the XML declaration");
        i = end + 2;
    }
    while (i < n) {
        if (t[i] != '<') {
            if (t[i] == '&') {
                if (open.empty() || !readReference()) return fail("a stray or unknown '&' reference");
                continue;
            }
            if (open.empty() && !isSpace(t[i])) return fail("text outside the root element");
            if (t[i] == '>' && !open.empty()) return fail("a stray '>'");
            ++i;
            continue;
        }
        if (t.compare(i, 4, "<!--") == 0) {
            if (!skipComment()) return fail("unterminated comment");
            continue;
        }
        if (isDoctype(t.substr(i))) return fail("a DTD (<!DOCTYPE ...>; a parser would expand its entities without bound)");
        if (i + 1 < n && (t[i + 1] == '!' || t[i + 1] == '?')) return fail("a CDATA section, declaration or processing instruction");
        if (i + 1 < n && t[i + 1] == '/') { // closing tag
            i += 2;
            const std::string_view name = readName();
            if (name.empty()) return fail("a closing tag without a name");
            skipSpace();
            if (i >= n || t[i] != '>') return fail("a malformed closing tag");
            ++i;
            if (open.empty() || open.back() != name) return fail("a closing tag that does not match the open element");
            open.pop_back();
            continue;
        }
        // opening tag
        ++i;
        if (open.empty() && rootSeen) return fail("a second root element");
        const std::string_view name = readName();
        if (name.empty()) return fail("a tag without a name");
        for (;;) {
            const std::size_t before = i;
            skipSpace();
            if (i >= n) return fail("an unterminated tag");
            if (t[i] == '/' || t[i] == '>') break;
            if (i == before) return fail("attributes not separated by space");
            if (readName().empty()) return fail("a malformed attribute name");
            skipSpace();
            if (i >= n || t[i] != '=') return fail("an attribute without '='");
            ++i;
            skipSpace();
            if (i >= n || (t[i] != '"' && t[i] != '\'')) return fail("an attribute value without quotes");
            const char quote = t[i++];
            for (;;) {
                if (i >= n) return fail("an unterminated attribute value");
                const char c = t[i];
                if (c == quote) { ++i; break; }
                if (c == '<') return fail("'<' inside an attribute value");
                if (c == '&') {
                    if (!readReference()) return fail("an unknown '&' reference in an attribute value");
                    continue;
                }
                ++i;
            }
        }
        rootSeen = true;
        if (t[i] == '/') {
            if (i + 1 >= n || t[i + 1] != '>') return fail("a malformed empty-element tag");
            i += 2;
            if (int(open.size()) + 1 > maxDepth) return fail(deeper.c_str());
            continue;
        }
        ++i; // '>'
        open.push_back(name);
        if (int(open.size()) > maxDepth) return fail(deeper.c_str());
    }
    if (!open.empty()) return fail("an element that is never closed");
    if (!rootSeen) return fail("no root element");
    return {};
}

} // namespace graded::xmlcheck
