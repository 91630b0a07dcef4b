// SPDX-License-Identifier: GPL-3.0-or-later
// Each factory patch's claim, measured at 48 kHz stereo, default controls (64-sample steps).
#include "TestUtil.h"

#include <catch2/catch.hpp>

using namespace graded;
using namespace testutil;

namespace {
constexpr double kFs = 48000.0;
std::unique_ptr<Engine> make(const std::string& name, HostControls c = HostControls()) {
    auto e = Engine::create(factory(name), {kFs, 2, 512});
    e->setControls(c);
    return e;
}
} // namespace

// Measured: 1 kHz -28.8 dB after 2 s; 3 kHz +0.2 dB 50-100 ms after its onset.
TEST_CASE("Predictive EQ - surprise focus: steady 1 kHz fades >= 12 dB in 2 s - a new 3 kHz tone passes within 50 ms at >= -3 dB", "[engine][claim][predictive]") {
    auto e = make("Predictive EQ");
    const int n2s = int(2 * kFs), total = int(2.5 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.5, 0, total);
    addSine(s, kFs, 3000, 0.5, n2s, total);
    render(*e, s, 512);
    const int lat = e->latencySamples();
    const int win = int(0.05 * kFs); // 50 ms: whole periods of 1 kHz and 3 kHz
    const double steady = db(amplitudeAt(s[0], kFs, 1000, n2s - win + lat, win) / 0.5);
    const double fresh = db(amplitudeAt(s[0], kFs, 3000, n2s + win + lat, win) / 0.5);
    WARN("1 kHz after 2 s: " << steady << " dB; 3 kHz 50..100 ms after onset: " << fresh << " dB");
    CHECK(steady <= -12.0);
    CHECK(fresh >= -3.0);
}

// Measured: 1 kHz +0.5 dB; 3 kHz -9.5 dB (the synthesis bands are second order and leak
// about -13 dB an octave away, which limits how deep a new sound can be ducked).
TEST_CASE("Predictive EQ - expectation focus: steady 1 kHz passes at >= -3 dB - a new 3 kHz tone is ducked >= 6 dB", "[engine][claim][predictive]") {
    HostControls c;
    c[HostParam::focus] = 0.f;
    auto e = make("Predictive EQ", c);
    const int n2s = int(2 * kFs), total = int(2.5 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.5, 0, total);
    addSine(s, kFs, 3000, 0.5, n2s, total);
    render(*e, s, 256);
    const int lat = e->latencySamples();
    const int win = int(0.05 * kFs);
    const double steady = db(amplitudeAt(s[0], kFs, 1000, n2s - win + lat, win) / 0.5);
    const double fresh = db(amplitudeAt(s[0], kFs, 3000, n2s + win + lat, win) / 0.5);
    WARN("1 kHz after 2 s: " << steady << " dB; 3 kHz 50..100 ms after onset: " << fresh << " dB");
    CHECK(steady >= -3.0);
    CHECK(fresh <= -6.0);
}

TEST_CASE("Reward-Gated EQ: no reward - no learning - a reward makes the steady tone fade", "[engine][claim][reward]") {
    auto e = make("Reward-Gated EQ");
    const int n3 = int(3 * kFs), total = int(6 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.5, 0, total);
    Stream feed(*e, s);
    const int block = 480;
    while (feed.pos < total) {
        if (feed.pos == n3) e->addEvent({0, ControlEvent::reward, 1.f});
        feed(block);
    }
    const int win = int(0.05 * kFs), lat = e->latencySamples();
    const double before = db(amplitudeAt(s[0], kFs, 1000, n3 - win + lat, win) / 0.5);
    const double swell = db(amplitudeAt(s[0], kFs, 1000, n3 + lat + 480, win) / 0.5);
    const double after = db(amplitudeAt(s[0], kFs, 1000, total - win, win) / 0.5);
    WARN("no reward, 3 s: " << before << " dB; right after reward: " << swell << " dB; 3 s after reward: " << after << " dB");
    CHECK(before >= -3.0);
    CHECK(swell > before + 1.0);
    CHECK(after <= -12.0);
}

TEST_CASE("Noise Texture: silence stays silent - a tone excites band noise", "[engine][claim][texture]") {
    auto e = make("Noise Texture");
    const int n1 = int(1 * kFs), total = int(3 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.5, n1, total);
    Signal in = s;
    render(*e, s, 333);
    const double quiet = db(rms(s[0], n1 / 4, n1 - n1 / 4)); // after the cells settle from rest
    const double loud = db(rms(s[0], total - n1, n1));
    // noise, not the input: little of the 1 kHz sine itself is in the output
    const int win = int(0.05 * kFs);
    double corr = 0, ex = 0, ey = 0;
    for (int i = total - n1; i < total; ++i) {
        corr += double(s[0][size_t(i)]) * in[0][size_t(i - e->latencySamples())];
        ex += double(s[0][size_t(i)]) * s[0][size_t(i)];
        ey += double(in[0][size_t(i)]) * in[0][size_t(i)];
    }
    const double r = std::abs(corr) / std::sqrt(ex * ey + 1e-30);
    const double tone = db(amplitudeAt(s[0], kFs, 1000, total - win, win));
    WARN("silence: " << quiet << " dBFS; with a -6 dBFS 1 kHz tone: " << loud << " dBFS rms, 1 kHz line " << tone
                     << " dB, correlation with input " << r);
    CHECK(quiet <= -100.0);
    CHECK(loud >= -20.0); // the noise takes the band's own level
    CHECK(r < 0.3);
    // the two channels flicker independently (batch rows have their own noise)
    CHECK(s[0] != s[1]);
}

TEST_CASE("Onset Gate: a note's attack passes - its sustain is gated", "[engine][claim][onset]") {
    auto e = make("Onset Gate");
    const int n1 = int(1 * kFs), total = int(3 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.5, n1, total);
    render(*e, s, 64);
    const int lat = e->latencySamples();
    const int win = int(0.05 * kFs);
    const double attack = db(amplitudeAt(s[0], kFs, 1000, n1 + lat, win) / 0.5);
    const double sustain = db(amplitudeAt(s[0], kFs, 1000, n1 + int(1.5 * kFs) + lat, win) / 0.5);
    WARN("first 50 ms: " << attack << " dB; after 1.5 s: " << sustain << " dB");
    CHECK(attack >= -1.0);
    CHECK(sustain <= -15.0);
}

// Measured: clicks move the gain by 0.5 dB; 1 s after a +12 dB step the gain is 4.4 dB lower.
TEST_CASE("Robust Leveler: clicks barely move the gain - a level change is met halfway", "[engine][claim][leveler]") {
    auto e = make("Robust Leveler");
    // 12 s of a -20 dBFS tone (the patch has listened long enough to have a memory), clicks
    // between 8 and 12 s, then +12 dB
    const int total = int(16 * kFs), n8 = int(8 * kFs), n12 = int(12 * kFs);
    Signal s = silence(2, total);
    addSine(s, kFs, 1000, 0.1, 0, n12);
    addSine(s, kFs, 1000, 0.4, n12, total);
    // clicks: 5 ms bursts at 5x the tone's amplitude (+14 dB; peaks stay below full scale, so
    // the output limiter has nothing to do), 4 per second
    for (int k = n8 + 2400; k < n12 - 2400; k += int(kFs / 4))
        for (int i = 0; i < 240; ++i) s[0][size_t(k + i)] += ((i / 12) % 2 ? .5f : -.5f), s[1][size_t(k + i)] += ((i / 12) % 2 ? .5f : -.5f);
    render(*e, s, 1000);
    const int lat = e->latencySamples();
    const int win = int(0.05 * kFs);
    // output tone level (gain) measured between clicks and just before the clicks start
    const double ref = db(amplitudeAt(s[0], kFs, 1000, n8 - win + lat, win) / 0.1);
    double worst = 0;
    for (int k = n8 + 2400; k < n12 - 2400 - int(kFs / 4); k += int(kFs / 4)) {
        const double g = db(amplitudeAt(s[0], kFs, 1000, k + 240 + 2400 + lat, win) / 0.1);
        worst = std::max(worst, std::abs(g - ref));
    }
    const double afterStep = db(amplitudeAt(s[0], kFs, 1000, n12 + int(1.0 * kFs) + lat, win) / 0.4);
    const double later = db(amplitudeAt(s[0], kFs, 1000, total - win, win) / 0.4);
    WARN("gain before clicks " << ref << " dB; largest move between clicks " << worst << " dB; gain 1 s after a +12 dB step "
                               << afterStep << " dB (" << (ref - afterStep) << " dB of 12 compensated), 4 s after " << later << " dB");
    CHECK(worst < 1.0);
    CHECK(ref - afterStep >= 3.0);
    CHECK(later > afterStep); // the memory follows: the new level becomes the norm
}
