// SPDX-License-Identifier: GPL-3.0-or-later
// The filterbank on its own: band design, analysis and synthesis.
#include "Engine/Filterbank.h"
#include "RtCheck.h"
#include "TestUtil.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <vector>

using namespace graded;

namespace {

constexpr double kFs = 48000.0;

/** |H| of band k at f. */
double response(const Filterbank& fb, int k, double f) {
    const std::complex<double> z1 = std::polar(1.0, -2.0 * M_PI * f / kFs), z2 = z1 * z1;
    return std::abs(double(fb.b0(k)) * (1.0 - z2) / (1.0 + double(fb.a1(k)) * z1 + double(fb.a2(k)) * z2));
}

struct Run {
    Filterbank fb;
    int C, S;
    std::vector<float> in, out, bands, level, samples, gains, gain, noise, mix, outGain;
    Run(const AudioInParams& ip, const AudioOutParams& op, int channels, int step) : C(channels), S(step) {
        fb.prepare(ip, op, kFs, C, kMaxStepSamples);
        fb.reset();
        const int N = fb.bands();
        in.assign(size_t(C * kMaxStepSamples), 0.f);
        out = in;
        bands.assign(size_t(C * N), 0.f);
        level.assign(size_t(C), 0.f);
        samples.assign(size_t(C * ip.samples), 0.f);
        gains.assign(size_t(C * N), 0.f);
        gain.assign(size_t(C), 1.f);
        noise.assign(size_t(C * N), 0.f);
        mix.assign(kMaxStepSamples, 1.f);
        outGain = mix;
    }
    /** One step of `x` (all channels) through analysis and synthesis. */
    void step(const float* x) {
        for (int c = 0; c < C; ++c) std::copy(x, x + S, in.begin() + c * kMaxStepSamples);
        fb.analyse(in.data(), kMaxStepSamples, S, bands.data(), level.data(), samples.data());
        fb.synthesise(gains.data(), gain.data(), noise.data(), false, in.data(), mix.data(), outGain.data(), kMaxStepSamples, S, out.data());
    }
};

} // namespace

TEST_CASE("filterbank bands are log-spaced band-passes with a 0 dB peak", "[filterbank]") {
    AudioInParams ip;
    ip.bands = 8;
    ip.minHz = 100;
    ip.maxHz = 6400;
    Filterbank fb;
    fb.prepare(ip, AudioOutParams(), kFs, 1, kMaxStepSamples);
    REQUIRE(fb.bands() == 8);
    for (int k = 0; k < 8; ++k) {
        const double fc = 100.0 * std::pow(2.0, k * 6.0 / 7.0);
        INFO("band " << k << " at " << fc << " Hz");
        CHECK(response(fb, k, fc) == Approx(1.0).epsilon(1e-3));
        CHECK(response(fb, k, fc * 4) < 0.5);
        CHECK(response(fb, k, fc / 4) < 0.5);
    }
    CHECK(fb.normalisation() > 0.f);
    CHECK(fb.normalisation() < 2.f);
}

TEST_CASE("filterbank band count is its own: at most kMaxBands", "[filterbank]") {
    AudioInParams ip;
    ip.bands = 1000;
    Filterbank fb;
    fb.prepare(ip, AudioOutParams(), kFs, 1, kMaxStepSamples);
    CHECK(fb.bands() == Filterbank::kMaxBands);
}

TEST_CASE("filterbank analysis puts a tone in its band - synthesis at 0 dB gives it back", "[filterbank]") {
    AudioInParams ip;
    ip.bands = 8;
    ip.minHz = 100;
    ip.maxHz = 6400;
    ip.compressDb = false;
    AudioOutParams op;
    op.smoothMs = 0;
    Run r(ip, op, 2, 256);
    const double f = 100.0 * std::pow(2.0, 3 * 6.0 / 7.0); // band 3's centre
    std::vector<float> x(256);
    double inSq = 0, outSq = 0;
    for (int s = 0; s < 40; ++s) {
        for (int t = 0; t < 256; ++t) x[size_t(t)] = float(0.5 * std::sin(2 * M_PI * f * (s * 256 + t) / kFs));
        r.step(x.data());
        if (s >= 20)
            for (int t = 0; t < 256; ++t) { inSq += double(x[size_t(t)]) * x[size_t(t)]; outSq += double(r.out[size_t(t)]) * r.out[size_t(t)]; }
    }
    int loudest = 0;
    for (int k = 1; k < 8; ++k)
        if (r.bands[size_t(k)] > r.bands[size_t(loudest)]) loudest = k;
    CHECK(loudest == 3);
    CHECK(r.bands[8 + 3] == r.bands[3]); // channel 2 heard the same
    CHECK(r.level[0] == Approx(0.5 / std::sqrt(2.0)).epsilon(0.05));
    const double gainDb = 10.0 * std::log10(outSq / inSq);
    INFO("tone through the bank at 0 dB: " << gainDb << " dB");
    CHECK(std::abs(gainDb) < 3.0);
}

TEST_CASE("filterbank: muted bands and dry mix - reset silences - no allocation", "[filterbank][realtime]") {
    AudioInParams ip;
    ip.bands = 4;
    AudioOutParams op;
    op.smoothMs = 0;
    Run r(ip, op, 1, 64);
    std::vector<float> x(64);
    for (int t = 0; t < 64; ++t) x[size_t(t)] = float(0.3 * std::sin(0.2 * t));
    std::fill(r.gains.begin(), r.gains.end(), -60.f); // dB: far down
    graded::test::rtcheck::Scope scope;
    for (int s = 0; s < 20; ++s) r.step(x.data());
    CHECK(scope.allocations() == 0);
    CHECK(testutil::rms(r.out, 0, 64) < 0.01);
    std::fill(r.mix.begin(), r.mix.end(), 0.f); // all dry: the input, untouched, delayed by the limiter's look-ahead
    r.step(x.data());
    const int L = r.fb.latency();
    REQUIRE(L == 48); // 1 ms at 48 kHz
    for (int t = L; t < 64; ++t) CHECK(r.out[size_t(t)] == x[size_t(t - L)]);
    r.fb.reset();
    std::fill(x.begin(), x.end(), 0.f);
    std::fill(r.mix.begin(), r.mix.end(), 1.f);
    std::fill(r.gains.begin(), r.gains.end(), 0.f);
    r.step(x.data());
    CHECK(testutil::rms(r.out, 0, 64) == 0.0);
}
