// SPDX-License-Identifier: GPL-3.0-or-later
// Timbre Learner (issue 10, "A factory patch that learns"): the claims of the factory patch
// that is a two-layer predictive-coding circuit, measured on synthetic instruments through
// graded::Engine (48 kHz stereo, 64-sample steps). The same claims on real instruments
// (fluidsynth) are Tests/RealMaterial/claims_learning.py. Figures are printed with WARN.
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

using namespace graded;
using namespace testutil;

namespace {

constexpr double kFs = 48000.0;
constexpr int kStep = 64;
constexpr int kBands = 32, kCauses = 8;

/** A steady harmonic instrument, both channels (channel 1 at 0.8 of channel 0).
    timbre 0: a bright saw-like tone on 220 Hz (all harmonics, 1/k);
    timbre 1: a hollow clarinet-like tone on 330 Hz (odd harmonics, 1/k^2, a formant near 1.5 kHz);
    timbre 2: a dark tone on 147 Hz (harmonics 1..4). `phase` continues the oscillators. */
struct Instrument {
    int timbre = 0;
    double amp = 0.25;
    double t = 0; // seconds played so far (continuous phase across calls)

    Signal play(double seconds) {
        const int n = int(seconds * kFs);
        Signal s = silence(2, n);
        const double f0 = timbre == 0 ? 220.0 : timbre == 1 ? 330.0 : 146.83;
        const int harmonics = timbre == 2 ? 4 : 20;
        double norm = 0;
        std::vector<double> a(size_t(harmonics + 1), 0.0);
        for (int k = 1; k <= harmonics; ++k) {
            double v = 0;
            if (timbre == 0) v = 1.0 / k;
            else if (timbre == 1) v = (k % 2 == 1 ? 1.0 / (k * k) : 0.0) * (1.0 + 3.0 * std::exp(-std::pow((k * f0 - 1500.0) / 400.0, 2)));
            else v = 1.0;
            if (k * f0 > 15000.0) v = 0;
            a[size_t(k)] = v;
            norm += v;
        }
        for (int i = 0; i < n; ++i) {
            const double tt = t + i / kFs;
            double v = 0;
            for (int k = 1; k <= harmonics; ++k)
                if (a[size_t(k)] != 0) v += a[size_t(k)] * std::sin(2 * M_PI * k * f0 * tt + 0.7 * k);
            v *= amp / norm;
            s[0][size_t(i)] = float(v);
            s[1][size_t(i)] = float(0.8 * v);
        }
        t += n / kFs;
        return s;
    }
};

struct Run {
    std::unique_ptr<Engine> e;
    std::vector<double> err;     // -L per step (the error's energy)
    double outPeak = 0;
    bool finite = true;

    int step = kStep;
    explicit Run(bool learning = true, int stepSamples = kStep) : step(stepSamples) {
        HostControls c;
        int choice = 0;
        while (kStepChoices[choice] != stepSamples && choice < 5) ++choice;
        c[HostParam::step] = float(choice);
        e = Engine::create(factory("Timbre Learner"), {kFs, 2, 512}, c);
        e->setLearning(learning);
    }
    /** Plays `s` through the engine one step at a time; returns the output. */
    Signal play(Signal s) {
        const int n = int(s[0].size());
        Stream feed(*e, s);
        while (feed.pos + step <= n) {
            feed(step);
            const double L = -double(e->probe("error", "L")[0]);
            finite = finite && std::isfinite(L);
            err.push_back(L);
        }
        for (const auto& c : s)
            for (float v : c) {
                finite = finite && std::isfinite(v);
                outPeak = std::max(outPeak, double(std::fabs(v)));
            }
        return s;
    }
    /** Mean error energy over [from, to) seconds of everything played so far, in dB. */
    double errDb(double from, double to) const {
        const double perSec = kFs / step;
        const size_t a = size_t(from * perSec), b = std::min(err.size(), size_t(to * perSec));
        double sum = 0;
        for (size_t i = a; i < b; ++i) sum += err[i];
        return 10 * std::log10(std::max(sum / double(std::max<size_t>(1, b - a)), 1e-30));
    }
    std::vector<float> weights() const {
        std::vector<float> all;
        for (int r = 0; r < kCauses; ++r) {
            const auto row = e->probe("dict", "weights", r);
            all.insert(all.end(), row.begin(), row.end());
        }
        return all;
    }
};

void warnf(const char* fmt, double a, double b = 0, double c = 0, double d = 0, double f = 0) {
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, a, b, c, d, f);
    WARN(buf);
}

} // namespace

TEST_CASE("Timbre Learner: a two-layer predictive-coding circuit with a learning dictionary", "[engine][claim][learning]") {
    const Patch p = factory("Timbre Learner");
    int hebbian = 0, tied = 0, rate = 0, gauss = 0;
    for (const auto& n : p.nodes) {
        if (n.kind == NodeKind::HebbianSynapse) ++hebbian;
        if (n.kind == NodeKind::DenseSynapse && n.synapse() && n.synapse()->tieNode >= 0) ++tied;
        if (n.kind == NodeKind::RateCell) ++rate;
        if (n.kind == NodeKind::GaussianErrorCell) ++gauss;
    }
    CHECK(hebbian == 1);
    CHECK(tied == 1);
    CHECK(rate == 2); // the causes and the silence gate
    CHECK(gauss == 1);
    CHECK(p.learning.settle == 2);
    CHECK(p.learning.evolve == PatchLearning::Evolve::step);
    Run r;
    CHECK(r.weights().size() == size_t(kCauses * kBands));
}

TEST_CASE("Timbre Learner: on a steady instrument the error falls by at least 10 dB within 30 s, because the dictionary learns",
          "[engine][claim][learning]") {
    Run learn, frozen(false);
    Instrument a, b;
    for (int s = 0; s < 30; ++s) {
        learn.play(a.play(1.0));
        frozen.play(b.play(1.0));
    }
    const double first = learn.errDb(0.0, 0.5), at30 = learn.errDb(29.0, 30.0), frozen30 = frozen.errDb(29.0, 30.0);
    warnf("error (10 log10 mean -L): first 0.5 s %.1f dB, 29-30 s %.1f dB (fall %.1f dB); frozen at its initial weights, 29-30 s: %.1f dB",
          first, at30, first - at30, frozen30);
    CHECK(learn.finite);
    CHECK(first - at30 >= 10.0);
    CHECK(frozen30 - at30 >= 10.0); // the dictionary's learning, not the causes settling
}

TEST_CASE("Timbre Learner: a change of instrument raises the error at once and it falls again as the circuit relearns",
          "[engine][claim][learning]") {
    Run r;
    Instrument a;
    for (int s = 0; s < 20; ++s) r.play(a.play(1.0));
    Instrument b;
    b.timbre = 1;
    for (int s = 0; s < 20; ++s) r.play(b.play(1.0));
    const double before = r.errDb(19.0, 20.0), onset = r.errDb(20.0, 20.5), after = r.errDb(39.0, 40.0);
    warnf("error: instrument A, 19-20 s %.1f dB; instrument B starts at 20 s: 20-20.5 s %.1f dB (+%.1f dB); 39-40 s %.1f dB (%.1f dB below the rise)",
          before, onset, onset - before, after, onset - after);
    CHECK(r.finite);
    CHECK(onset - before >= 6.0);
    CHECK(onset - after >= 6.0);
}

TEST_CASE("Timbre Learner: the weights stay bounded over 10 minutes of changing sound", "[engine][claim][learning][slow]") {
    Run r;
    Instrument inst[3];
    inst[1].timbre = 1;
    inst[2].timbre = 2;
    float wMin = 1e9f, wMax = -1e9f;
    bool wFinite = true;
    // 10 minutes: 10-second sections cycling through three instruments at levels 0 dB,
    // -20 dB and -40 dB, a section of noise and one of silence
    testutil::Signal noise = silence(2, int(kFs * 10));
    std::uint32_t seed = 1;
    for (auto& c : noise)
        for (auto& v : c) {
            seed = seed * 1664525u + 1013904223u;
            v = 0.2f * (float(seed >> 8) / float(1u << 24) - 0.5f);
        }
    for (int sec = 0; sec < 60; ++sec) {
        const int kind = sec % 5;
        if (kind < 3) {
            Instrument& in = inst[(sec / 5 + kind) % 3];
            in.amp = 0.25 * std::pow(10.0, -20.0 * ((sec / 5) % 3) / 20.0);
            r.play(in.play(10.0));
        } else if (kind == 3) {
            r.play(noise);
        } else {
            r.play(silence(2, int(kFs * 10)));
        }
        for (float w : r.weights()) {
            wFinite = wFinite && std::isfinite(w);
            wMin = std::min(wMin, w);
            wMax = std::max(wMax, w);
        }
    }
    double errMax = 0;
    for (double v : r.err) errMax = std::max(errMax, v);
    warnf("10 min: weights in [%.4f, %.4f] (w_bound 1, non-negative); largest error energy %.3f; output peak %.3f",
          wMin, wMax, errMax, r.outPeak);
    CHECK(r.err.size() >= size_t(600 * kFs / kStep) - 1);
    CHECK(wFinite);
    CHECK(r.finite);
    CHECK(wMin >= 0.f);
    CHECK(wMax <= 1.f);
    CHECK(r.outPeak < 0.891); // -1 dBFS ceiling
}

TEST_CASE("Timbre Learner: frozen learning keeps the weights and the sound stable", "[engine][claim][learning]") {
    Run r;
    Instrument a, b;
    b.timbre = 1;
    for (int s = 0; s < 10; ++s) r.play(a.play(1.0));
    r.e->setLearning(false);
    const auto frozenWeights = r.weights();
    // instrument A, then B for 10 s, then A again: frozen, A sounds as it did before B
    const Signal a1 = r.play(a.play(2.0));
    r.play(b.play(10.0));
    const Signal a2 = r.play(a.play(2.0));
    CHECK(r.weights() == frozenWeights);
    const int n = int(kFs * 1.0), from = int(kFs * 1.0); // the second second of each
    const double d = std::fabs(db(rms(a2[0], from, n)) - db(rms(a1[0], from, n)));
    const double e1 = r.errDb(11.0, 12.0), e2 = r.errDb(23.0, 24.0);
    // the same with learning on: B reshapes the dictionary and A comes back different
    Run l;
    Instrument la, lb;
    lb.timbre = 1;
    for (int s = 0; s < 10; ++s) l.play(la.play(1.0));
    const Signal la1 = l.play(la.play(2.0));
    l.play(lb.play(10.0));
    const Signal la2 = l.play(la.play(2.0));
    const double dl = std::fabs(db(rms(la2[0], from, n)) - db(rms(la1[0], from, n)));
    const double le1 = l.errDb(11.0, 12.0), le2 = l.errDb(23.0, 24.0);
    warnf("frozen: A's output before/after 10 s of B differs by %.3f dB, A's error %.2f -> %.2f dB", d, e1, e2);
    warnf("learning on: A's output differs by %.3f dB, A's error %.2f -> %.2f dB", dl, le1, le2);
    CHECK(d < 0.1);
    CHECK(std::fabs(e2 - e1) < 0.5);
    CHECK(le2 - le1 > 1.0); // with learning on, B did change what A meets (so the comparison can fail)
}

TEST_CASE("Timbre Learner: a pause does not wipe out what it learned", "[engine][claim][learning]") {
    Run r;
    Instrument a;
    for (int s = 0; s < 10; ++s) r.play(a.play(1.0));
    const auto learned = r.weights();
    const double before = r.errDb(9.0, 10.0);
    // the sound stops: its decay (the band envelopes ring out over about a second) is still
    // sound and is learned; then 9 s of silence, in which nothing is learned
    r.play(silence(2, int(kFs * 1)));
    const auto afterTail = r.weights();
    r.play(silence(2, int(kFs * 9)));
    const auto afterPause = r.weights();
    double tail = 0, pause = 0;
    for (size_t i = 0; i < learned.size(); ++i) {
        tail = std::max(tail, double(std::fabs(afterTail[i] - learned[i])));
        pause = std::max(pause, double(std::fabs(afterPause[i] - afterTail[i])));
    }
    r.play(a.play(1.0));
    const double back = r.errDb(20.25, 21.0); // the causes settle from rest in the first quarter second
    warnf("after 10 s of A: largest weight change over the 1 s decay %.2e, over the 9 s of silence after it %.2e; "
          "A's error %.1f dB before the pause, %.1f dB over 0.25-1 s after it", tail, pause, before, back);
    CHECK(pause < 1e-4);
    CHECK(std::isfinite(back));
}

// The cost claim (< 3 % of one core at 48 kHz stereo, 64-sample steps) is a benchmark figure,
// not a timed test (a shared machine, or a sanitizer build, would make a timing assertion
// flaky): graded-bench --benchmark_filter=EnginePatch prints it (EnginePatch/5: 0.96 %). Here:
// the patch fits the engine's own budget, and the measured share is printed.
TEST_CASE("Timbre Learner: within the real-time budget; its measured cost is printed", "[engine][claim][learning][cost]") {
    const Patch p = factory("Timbre Learner");
    const CostEstimate est = Engine::estimate(p, {kFs, 2, 512}, kStep);
    CHECK(est.withinBudget());
    CHECK(est.coreShare < 0.10); // the (deliberately pessimistic) estimate
    auto e = Engine::create(p, {kFs, 2, 512});
    REQUIRE(e->stepSamples() == kStep);
    Instrument a;
    Signal s = a.play(5.0);
    auto cpu = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
    };
    Stream feed(*e, s);
    const int n = int(s[0].size());
    const double t0 = cpu();
    while (feed.pos + 512 <= n) feed(512);
    const double share = (cpu() - t0) / (n / kFs);
    warnf("cost: estimate %.2f%% of one core (deliberately pessimistic), measured %.2f%% in this build (thread CPU time "
          "over 5 s of audio; graded-bench EnginePatch is the reference figure)", est.coreShare * 100, share * 100);
    CHECK(std::isfinite(share));
}

TEST_CASE("Timbre Learner: stable and learning at every step size", "[engine][claim][learning]") {
    for (int step : {16, 128, 512}) {
        Run r(true, step);
        REQUIRE(r.e->stepSamples() == step);
        Instrument a, b;
        b.timbre = 1;
        for (int s = 0; s < 30; ++s) r.play(a.play(1.0));
        for (int s = 0; s < 30; ++s) r.play(b.play(1.0));
        const double first = r.errDb(0.0, 0.5), a30 = r.errDb(29.0, 30.0), bOnset = r.errDb(30.0, 30.5), b30 = r.errDb(59.0, 60.0);
        warnf("step %.0f: error %.1f dB (0-0.5 s) -> %.1f dB (29-30 s); instrument B: %.1f dB (30-30.5 s) -> %.1f dB (59-60 s)",
              step, first, a30, bOnset, b30);
        CHECK(r.finite);
        CHECK(first - a30 >= 10.0);
        CHECK(bOnset - a30 >= 6.0);
        CHECK(bOnset - b30 >= 10.0);
    }
}
