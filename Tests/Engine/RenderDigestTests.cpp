// SPDX-License-Identifier: GPL-3.0-or-later
// Render digests: every factory patch through graded::Engine over a few deterministic test
// signals, with events and host parameter changes, hashed bit for bit (output floats and every
// compartment of every node at the end). The expected values were recorded from the code as it
// was before the engine was split into parts (issue 8); a restructure must keep them.
//
// To print the current digests (e.g. after an intended change of behaviour):
//   GRADED_PRINT_DIGESTS=1 ./engine_tests "[digest]"
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

using namespace graded;

namespace {

struct Fnv {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void bytes(const void* p, size_t n) {
        const auto* b = static_cast<const unsigned char*>(p);
        for (size_t i = 0; i < n; ++i) { h ^= b[i]; h *= 0x100000001b3ULL; }
    }
    void floats(const float* x, size_t n) { bytes(x, n * sizeof(float)); }
    void text(const std::string& s) { bytes(s.data(), s.size()); bytes("\0", 1); }
};

/** Deterministic noise in [-0.5, 0.5) (a 64-bit LCG: no library distribution involved). */
struct Lcg {
    std::uint64_t s;
    double next() {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        return double(s >> 11) * (1.0 / 9007199254740992.0) - 0.5;
    }
};

using testutil::Signal;

/** The CLI's demo clip recipe (two tones, a third entering at 3 s, small seeded noise),
    4 s long. Channel 1 is 0.9 x channel 0. */
Signal demoClip(double sr, int ch) {
    const int n = int(4.0 * sr);
    Signal s = testutil::silence(ch, n);
    Lcg rng{1};
    const double twoPi = 2.0 * M_PI;
    for (int i = 0; i < n; ++i) {
        const double t = i / sr;
        const double fadeIn = std::min(1.0, t / 0.05), fadeOut = std::min(1.0, (4.0 - t) / 0.05);
        double v = 0.25 * std::sin(twoPi * 220.0 * t) + 0.15 * std::sin(twoPi * 330.0 * t);
        if (t >= 3.0) v += 0.2 * std::min(1.0, (t - 3.0) / 0.02) * std::sin(twoPi * 1760.0 * t);
        v = v * fadeIn * fadeOut + 0.01 * rng.next();
        for (int c = 0; c < ch; ++c) s[size_t(c)][size_t(i)] = float(c == 0 ? v : 0.9 * v);
    }
    return s;
}

Signal sine(double sr, int ch) {
    Signal s = testutil::silence(ch, int(1.0 * sr));
    testutil::addSine(s, sr, 440.0, 0.5, 0, int(s[0].size()));
    return s;
}

Signal clicks(double sr, int ch) {
    Signal s = testutil::silence(ch, int(1.0 * sr));
    for (int i = 0; i < int(s[0].size()); i += int(sr / 8))
        for (auto& c : s) c[size_t(i)] = 0.8f;
    return s;
}

Signal silenceThenTone(double sr, int ch) {
    Signal s = testutil::silence(ch, int(1.5 * sr));
    testutil::addSine(s, sr, 1000.0, 0.3, int(0.7 * sr), int(s[0].size()));
    return s;
}

/** Renders `sig` in blocks of `block`, with events and host changes at fixed blocks. */
void renderScripted(Engine& e, Signal& sig, int block, double sr) {
    const int n = int(sig[0].size());
    testutil::Stream feed(e, sig);
    HostControls hc;
    for (int b = 0; feed.pos < n; ++b) {
        const int pos = feed.pos, len = std::min(block, n - pos);
        const double t = pos / sr;
        // host parameter changes (once, when their time comes)
        if (t >= 0.25 && hc[HostParam::tau] == 40.f) { hc[HostParam::tau] = 120.f; hc[HostParam::reward] = 0.5f; }
        if (t >= 0.5 && hc[HostParam::step] == 2.f) { hc[HostParam::step] = 3.f; hc[HostParam::noiseSigma] = 0.6f; }
        if (t >= 0.6 && hc[HostParam::dryWet] == 1.f) { hc[HostParam::dryWet] = 0.7f; hc[HostParam::outputGain] = -3.f; }
        if (t >= 0.8 && hc[HostParam::prior] == 0.f) { hc[HostParam::prior] = 1.f; hc[HostParam::leak] = 0.3f; hc[HostParam::sigma] = 2.f; }
        if (t >= 0.9 && hc[HostParam::activation] == 4.f) { hc[HostParam::activation] = 2.f; hc[HostParam::alpha] = 0.3f; hc[HostParam::scale] = 0.5f; }
        if (t >= 1.1 && hc[HostParam::timeScale] == 1.f) { hc[HostParam::timeScale] = 2.f; hc[HostParam::focus] = 0.4f; hc[HostParam::threshold] = 1.f; hc[HostParam::thresholdLambda] = 0.1f; }
        if (t >= 1.2 && hc[HostParam::emaWindow] == 10.f) { hc[HostParam::emaWindow] = 3.f; hc[HostParam::integrator] = 2.f; hc[HostParam::noiseLeak] = 2.5f; }
        e.setControls(hc);
        // events (sample-accurate within the block)
        if (b % 7 == 3) e.addEvent({len / 3, ControlEvent::reward, b % 2 ? 0.8f : -0.4f});
        if (b % 11 == 5) e.addEvent({len / 2, ControlEvent::endEpisode, 0.f});
        if (b == 60) e.addEvent({len - 1, ControlEvent::resetCells, 0.f});
        feed(len);
    }
}

std::uint64_t digestOf(const Patch& patch, double sr, int ch, int block, Signal sig) {
    EngineConfig cfg;
    cfg.sampleRate = sr;
    cfg.numChannels = ch;
    cfg.maxBlockSize = block;
    auto e = Engine::create(patch, cfg);
    renderScripted(*e, sig, block, sr);
    Fnv h;
    for (const auto& c : sig) h.floats(c.data(), c.size());
    std::uint64_t steps = e->stepCount();
    h.bytes(&steps, sizeof steps);
    const int lat = e->latencySamples();
    h.bytes(&lat, sizeof lat);
    for (const auto& n : e->info().nodes)
        for (const auto& comp : n.compartments)
            for (int c = 0; c < ch; ++c) {
                const auto v = e->probe(n.id, comp, c);
                h.text(n.id + "." + comp);
                h.floats(v.data(), v.size());
            }
    return h.h;
}

struct Case {
    const char* signal;
    double sr;
    int ch, block;
};

const Case kCases[] = {
    {"demo", 48000.0, 2, 512}, {"demo", 48000.0, 2, 97}, {"demo", 44100.0, 1, 256},
    {"sine", 48000.0, 2, 64},  {"sine", 44100.0, 1, 1000},
    {"clicks", 48000.0, 2, 128}, {"clicks", 44100.0, 1, 33},
    {"silenceThenTone", 48000.0, 2, 480}, {"silenceThenTone", 44100.0, 1, 17},
};

Signal signalFor(const std::string& name, double sr, int ch) {
    if (name == "demo") return demoClip(sr, ch);
    if (name == "sine") return sine(sr, ch);
    if (name == "clicks") return clicks(sr, ch);
    return silenceThenTone(sr, ch);
}

/** Recorded after issue 9 (analytic filterbank, ramped gains, limiter, new factory patches). Key: patch|signal|sr|ch|block. */
const std::map<std::string, std::uint64_t> kExpected = {
#include "RenderDigests.inc"
};

} // namespace

TEST_CASE("renders of every factory patch are bit-identical to the recorded digests", "[engine][digest]") {
    const bool print = std::getenv("GRADED_PRINT_DIGESTS") != nullptr;
    int checked = 0;
    for (const auto& fp : factoryPatches()) {
        const Patch patch = loadPatch(fp.json);
        for (const auto& c : kCases) {
            char key[160];
            std::snprintf(key, sizeof key, "%s|%s|%g|%d|%d", fp.name.c_str(), c.signal, c.sr, c.ch, c.block);
            const std::uint64_t d = digestOf(patch, c.sr, c.ch, c.block, signalFor(c.signal, c.sr, c.ch));
            if (print) {
                std::printf("    {\"%s\", 0x%016llxULL},\n", key, static_cast<unsigned long long>(d));
                continue;
            }
            INFO(key);
            const auto it = kExpected.find(key);
            REQUIRE(it != kExpected.end());
            CHECK(it->second == d);
            ++checked;
        }
    }
    if (print) return;
    CHECK(checked == int(factoryPatches().size() * (sizeof kCases / sizeof kCases[0])));
    CHECK(checked == int(kExpected.size()));
}
