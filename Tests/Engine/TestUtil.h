// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "Engine.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <string>
#include <vector>

namespace testutil {

inline graded::Patch factory(const std::string& name) {
    for (const auto& p : graded::factoryPatches())
        if (p.name == name) return graded::loadPatch(p.json);
    throw std::runtime_error("no factory patch " + name);
}

/** The issues loadPatch reports for `json` (none if it loads). */
inline std::vector<graded::PatchIssue> issuesOf(const std::string& json) {
    try {
        graded::loadPatch(json);
    } catch (const graded::PatchError& e) {
        return e.issues();
    }
    return {};
}

/** Whether an issue at `path` has `part` in its message. */
inline bool has(const std::vector<graded::PatchIssue>& v, const std::string& path, const std::string& part = "") {
    for (const auto& i : v)
        if (i.path == path && i.message.find(part) != std::string::npos) return true;
    return false;
}

inline std::string dump(const std::vector<graded::PatchIssue>& v) {
    std::string s;
    for (const auto& i : v) s += i.path + ": " + i.message + "\n";
    return s;
}

using Signal = std::vector<std::vector<float>>; // [channel][sample]

inline Signal silence(int ch, int n) { return Signal(size_t(ch), std::vector<float>(size_t(n), 0.f)); }

inline void addSine(Signal& s, double fs, double hz, double amp, int from, int to) {
    for (auto& c : s)
        for (int i = from; i < to && i < int(c.size()); ++i) c[size_t(i)] += float(amp * std::sin(2 * M_PI * hz * (i - from) / fs));
}

/** Feeds `sig` through the engine in place, from a cursor: each call processes the next `len` samples
    (all of sig's channels) and moves `pos` on. Calls do not allocate (the pointers are made here). */
struct Stream {
    Stream(graded::Engine& engine, Signal& signal) : e(engine), sig(signal), ptrs(signal.size()) {}
    void operator()(int len) {
        for (size_t c = 0; c < sig.size(); ++c) ptrs[c] = sig[c].data() + pos;
        e.process(ptrs.data(), int(sig.size()), len);
        pos += len;
    }
    int size() const { return int(sig[0].size()); }
    graded::Engine& e;
    Signal& sig;
    std::vector<float*> ptrs;
    int pos = 0;
};

/** Runs `sig` through the engine in place, in host blocks of `block` samples. */
inline void render(graded::Engine& e, Signal& sig, int block) {
    Stream feed(e, sig);
    while (feed.pos < feed.size()) feed(std::min(block, feed.size() - feed.pos));
}

/** Amplitude of the `hz` component of x[from, from + len) (single-bin DFT). */
inline double amplitudeAt(const std::vector<float>& x, double fs, double hz, int from, int len) {
    std::complex<double> acc = 0;
    for (int i = 0; i < len; ++i) acc += double(x[size_t(from + i)]) * std::polar(1.0, -2 * M_PI * hz * i / fs);
    return 2.0 * std::abs(acc) / len;
}

inline double rms(const std::vector<float>& x, int from, int len) {
    double s = 0;
    for (int i = 0; i < len; ++i) s += double(x[size_t(from + i)]) * x[size_t(from + i)];
    return std::sqrt(s / len);
}

inline double db(double a) { return 20.0 * std::log10(std::max(a, 1e-12)); }

} // namespace testutil
