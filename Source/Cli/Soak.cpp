// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli soak: runs the plugin's AudioProcessor through the plugin API for a long stretch
// of audio with everything a host and a player can throw at it, faster than real time, and
// checks that the output stays finite and bounded and that memory does not grow.
#include "Commands.h"
#include "RenderSupport.h"

#include "PluginProcessor.h"

#include <Limits.h>

#include <juce_gui_basics/juce_gui_basics.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <unistd.h>

namespace graded::cli {

const char* const kSoakHelp =
    "usage: graded-cli soak [--minutes M] [--patch NAME] [--seed S] [--bound B] [--rss-tolerance MIB]\n"
    "\n"
    "Renders each factory patch (or only --patch NAME) for M minutes of audio (default 2) through\n"
    "the plugin's AudioProcessor, as a host would: stereo, 48 kHz, blocks of a host-like size that\n"
    "changes now and then, and now and then any size 1..2048; random automation of every host\n"
    "parameter (including `patch` and `step`) through setValueNotifyingHost; patch switches\n"
    "(selectFactoryPatch, returning to the patch under test); MIDI (note-on/off with random\n"
    "velocity, CC 1, CC 64, CC 123); reset() and re-prepares; state save/restore; on a mix of\n"
    "noise bursts, sines, silence, clicks and overloads with now and then NaN, Inf, +-1e30 and\n"
    "subnormal input samples.\n"
    "\n"
    "Checks, each a violation that stops the soak with exit 1:\n"
    "  - every output sample finite and |x| <= B (default: the plugin's output ceiling, +6 dBFS\n"
    "    = 1.9953);\n"
    "  - the processor replaced no non-finite engine output (its monitor counter stays 0);\n"
    "  - the processor never runs dry (engineStatus() empty after each prepare and at the end);\n"
    "  - patch switches take effect (engine swaps at least half the switches; the processor's\n"
    "    housekeeping, a message-thread timer in a host, runs here every 1/30 s of audio);\n"
    "  - resident memory (/proc/self/statm) after the patch's run is at most MIB (default 16)\n"
    "    above what it was after warm-up (the first 10% of the run, at most 60 s of audio).\n"
    "Reports, per patch: audio length, wall time, speed factor (x real time), output peak (and\n"
    "the peak away from hostile input samples), RSS after warm-up and at the end, and the\n"
    "event counts.\n"
    "\n"
    "Exit status: 0 no violation, 1 a violation (a message says which), 2 bad arguments.\n";

namespace {

struct SoakOptions {
    double minutes = 2.0;
    std::string patch;
    std::uint64_t seed = 1;
    float bound = limits::kOutputCeiling; // the plugin's documented output ceiling (+6 dBFS)
    double rssToleranceMiB = 16.0;
};

SoakOptions parseSoak(const std::vector<std::string>& args) {
    SoakOptions o;
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&]() -> juce::String {
            if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
            return juce::String(args[++i]);
        };
        auto number = [&](double lo, double hi) {
            const auto v = value();
            if (v.isEmpty() || !v.containsOnly("0123456789.eE+-")) throw UsageError{a + " wants a number, got '" + v.toStdString() + "'"};
            const double d = v.getDoubleValue();
            if (!(d >= lo && d <= hi)) throw UsageError{a + " wants " + juce::String(lo).toStdString() + ".." + juce::String(hi).toStdString()};
            return d;
        };
        if (a == "--minutes") o.minutes = number(0.01, 10000.0);
        else if (a == "--patch") o.patch = value().toStdString();
        else if (a == "--seed") o.seed = static_cast<std::uint64_t>(number(0, 1e15));
        else if (a == "--bound") o.bound = static_cast<float>(number(1e-6, 1e30));
        else if (a == "--rss-tolerance") o.rssToleranceMiB = number(0.0, 1e6);
        else throw UsageError{"unknown argument '" + a + "'"};
    }
    return o;
}

double rssMiB() {
    std::ifstream statm("/proc/self/statm");
    long long size = 0, resident = 0;
    statm >> size >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

struct Violation {
    std::string message;
};

/** The test signal: segments of one kind each, 20 ms .. 2 s long. */
class Signal {
public:
    explicit Signal(std::mt19937_64& rng) : rng_(rng) {}

    void fill(juce::AudioBuffer<float>& b, int n, std::int64_t& hostileCount) {
        for (int i = 0; i < n; ++i) {
            if (left_ <= 0) next();
            --left_;
            float l = 0.f, r = 0.f;
            switch (kind_) {
                case 0: { // noise burst with a decaying envelope
                    env_ *= decay_;
                    l = amp_ * env_ * uni(-1.f, 1.f);
                    r = amp_ * env_ * uni(-1.f, 1.f);
                    break;
                }
                case 1: { // one or two sines
                    phase_ += inc_;
                    phase2_ += inc2_;
                    l = amp_ * static_cast<float>(std::sin(phase_));
                    r = amp_ * static_cast<float>(0.7 * std::sin(phase_) + 0.3 * std::sin(phase2_));
                    break;
                }
                case 2: break; // silence
                case 3: { // clicks
                    if (--untilClick_ <= 0) {
                        untilClick_ = clickEvery_;
                        l = r = amp_ * (rng_() & 1 ? 1.f : -1.f);
                    }
                    break;
                }
                default: { // overload: clipped square plus noise beyond full scale
                    phase_ += inc_;
                    const float sq = std::sin(phase_) >= 0 ? 1.f : -1.f;
                    l = amp_ * sq + 0.2f * uni(-1.f, 1.f);
                    r = -l;
                    break;
                }
            }
            b.setSample(0, i, l);
            b.setSample(1, i, r);
        }
        if (uniform() < 0.004) { // hostile samples now and then
            static const float kHostile[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                             -std::numeric_limits<float>::infinity(), 1e30f, -1e30f,
                                             std::numeric_limits<float>::max(), 1e-40f, -1e-42f};
            const int count = 1 + static_cast<int>(rng_() % 16);
            for (int k = 0; k < count; ++k) {
                const int ch = static_cast<int>(rng_() % 2), at = static_cast<int>(rng_() % static_cast<unsigned>(n));
                b.setSample(ch, at, kHostile[rng_() % (sizeof(kHostile) / sizeof(kHostile[0]))]);
                ++hostileCount;
            }
        }
    }

    std::string describe() const {
        static const char* const kinds[] = {"noise burst", "sine", "silence", "clicks", "overload"};
        return std::string(kinds[kind_]) + " amp " + juce::String(amp_, 3).toStdString();
    }

private:
    double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
    float uni(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng_); }
    void next() {
        const double w = uniform();
        kind_ = w < 0.3 ? 0 : w < 0.6 ? 1 : w < 0.75 ? 2 : w < 0.92 ? 3 : 4;
        left_ = static_cast<int>(48000.0 * (0.02 + 1.98 * uniform()));
        amp_ = static_cast<float>(std::pow(10.0, -3.0 * uniform())); // -60..0 dBFS
        if (kind_ == 4) amp_ = 1.f + 3.f * static_cast<float>(uniform());
        env_ = 1.f;
        decay_ = static_cast<float>(std::exp(-1.0 / (48000.0 * (0.005 + 0.5 * uniform()))));
        const double twoPi = juce::MathConstants<double>::twoPi;
        inc_ = twoPi * 20.0 * std::pow(1000.0, uniform()) / 48000.0;    // 20 Hz..20 kHz
        inc2_ = twoPi * 20.0 * std::pow(1000.0, uniform()) / 48000.0;
        clickEvery_ = static_cast<int>(48000.0 * (0.01 + 0.5 * uniform()));
        untilClick_ = 0;
    }

    std::mt19937_64& rng_;
    int kind_ = 2, left_ = 0, clickEvery_ = 4800, untilClick_ = 0;
    float amp_ = 0.f, env_ = 1.f, decay_ = 1.f;
    double phase_ = 0.0, phase2_ = 0.0, inc_ = 0.01, inc2_ = 0.02;
};

struct PatchReport {
    double audioSeconds = 0, wallSeconds = 0;
    float peak = 0.f, peakOrdinary = 0.f; ///< all blocks; blocks without hostile input samples
    double rssWarm = 0, rssEnd = 0;
    std::string peakOrdinaryWhere; ///< time, signal kind and parameter values of peakOrdinary
    std::int64_t blocks = 0, paramMoves = 0, patchSwitches = 0, midiEvents = 0, resets = 0, prepares = 0,
                 stateRoundTrips = 0, hostileSamples = 0, engineSwaps = 0;
};

PatchReport soakOne(int patchIndex, const SoakOptions& o, std::mt19937_64& rng) {
    constexpr double sr = 48000.0;
    constexpr int maxBlock = 2048;
    PatchReport rep;
    plugin::GradedCellsProcessor proc;
    juce::AudioProcessor::BusesLayout layout;
    layout.inputBuses.add(juce::AudioChannelSet::stereo());
    layout.outputBuses.add(juce::AudioChannelSet::stereo());
    if (!proc.setBusesLayout(layout)) throw Violation{"the processor refused a stereo layout"};
    proc.selectFactoryPatch(patchIndex);
    proc.waitForPatchBuilds(10000);
    proc.prepareToPlay(sr, maxBlock);
    ++rep.prepares;
    const auto name = plugin::GradedCellsProcessor::factoryPatchNames()[patchIndex].toStdString();
    auto checkRunning = [&](const char* when) {
        if (const auto status = proc.engineStatus(); status.isNotEmpty())
            throw Violation{name + ": " + when + ", the processor runs dry: " + status.toStdString()};
    };
    checkRunning("after prepareToPlay");

    auto& params = proc.getParameters();
    auto uniform = [&] { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); };
    const int numPatches = static_cast<int>(plugin::GradedCellsProcessor::factoryPatchNames().size());
    const std::int64_t total = static_cast<std::int64_t>(o.minutes * 60.0 * sr);
    const std::int64_t warmUp = std::min<std::int64_t>(total / 10, static_cast<std::int64_t>(60.0 * sr));
    bool warm = false;
    Signal signal(rng);
    juce::AudioBuffer<float> buffer(2, maxBlock);
    juce::MidiBuffer midi;
    Telemetry telemetry;
    int hostBlock = 512;
    std::int64_t lastHostile = -1, nextHousekeeping = 0;
    bool switchedPatch = false;
    std::int64_t returnAt = -1; // when to return to the patch under test after a switch
    const auto t0 = std::chrono::steady_clock::now();

    for (std::int64_t pos = 0; pos < total;) {
        // --- host behaviour between blocks ---
        if (uniform() < 0.002) hostBlock = 32 << (rng() % 7); // 32..2048
        int n = hostBlock;
        if (uniform() < 0.1) n = 1 + static_cast<int>(rng() % maxBlock);
        n = static_cast<int>(std::min<std::int64_t>(n, total - pos));

        if (uniform() < 0.03) { // automation: any host parameter, any value
            auto* p = params[static_cast<int>(rng() % static_cast<unsigned>(params.size()))];
            auto* ranged = dynamic_cast<juce::RangedAudioParameter*>(p);
            const bool isPatch = ranged != nullptr && ranged->paramID == "patch";
            if (!isPatch || uniform() < 0.05) { // the `patch` parameter rarely: each move rebuilds
                p->setValueNotifyingHost(static_cast<float>(uniform()));
                ++rep.paramMoves;
                if (isPatch) { ++rep.patchSwitches; switchedPatch = true; returnAt = pos + static_cast<std::int64_t>(sr * (1.0 + 5.0 * uniform())); }
            }
        }
        if (uniform() < 0.001) { // a patch switch through the API
            proc.selectFactoryPatch(static_cast<int>(rng() % static_cast<unsigned>(std::max(1, numPatches))));
            ++rep.patchSwitches;
            switchedPatch = true;
            returnAt = pos + static_cast<std::int64_t>(sr * (1.0 + 5.0 * uniform()));
        }
        if (returnAt >= 0 && pos >= returnAt) {
            proc.selectFactoryPatch(patchIndex);
            ++rep.patchSwitches;
            switchedPatch = true;
            returnAt = -1;
        }
        if (uniform() < 0.0005) { proc.reset(); ++rep.resets; }
        if (uniform() < 0.0001) { // the host stops, re-prepares and goes on
            proc.releaseResources();
            proc.prepareToPlay(sr, maxBlock);
            ++rep.prepares;
            checkRunning("after a re-prepare");
        }
        if (uniform() < 0.0001) { // state save and restore, as a host does on a project reload
            juce::MemoryBlock state;
            proc.getStateInformation(state);
            proc.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
            ++rep.stateRoundTrips;
        }

        // The host's message thread: the processor's housekeeping timer (30 Hz) builds pending
        // `patch` moves and deletes retired engines; without a message loop we run it here
        // (and right after any patch change), as the processor asks of tools like this one.
        if (pos >= nextHousekeeping || switchedPatch) {
            proc.waitForPatchBuilds(0);
            nextHousekeeping = pos + static_cast<std::int64_t>(sr / 30.0);
            switchedPatch = false;
        }

        // --- MIDI ---
        midi.clear();
        if (uniform() < 0.05) {
            const int count = 1 + static_cast<int>(rng() % 4);
            for (int k = 0; k < count; ++k) {
                const int at = static_cast<int>(rng() % static_cast<unsigned>(n));
                const double w = uniform();
                juce::MidiMessage m;
                if (w < 0.35) m = juce::MidiMessage::noteOn(1, 36 + static_cast<int>(rng() % 48), static_cast<juce::uint8>(1 + rng() % 127));
                else if (w < 0.6) m = juce::MidiMessage::noteOff(1, 36 + static_cast<int>(rng() % 48));
                else if (w < 0.8) m = juce::MidiMessage::controllerEvent(1, 1, static_cast<int>(rng() % 128));
                else if (w < 0.95) m = juce::MidiMessage::controllerEvent(1, 64, rng() & 1 ? 127 : 0);
                else m = juce::MidiMessage::controllerEvent(1, 123, 0);
                midi.addEvent(m, at);
                ++rep.midiEvents;
            }
        }

        // --- audio ---
        buffer.setSize(2, n, false, false, true);
        const std::int64_t hostileBefore = rep.hostileSamples;
        signal.fill(buffer, n, rep.hostileSamples);
        if (rep.hostileSamples != hostileBefore) lastHostile = pos + n;
        // Ordinary: no hostile input sample in this block nor in the 2048 before it (the
        // engine's step delays its output by up to 512 samples).
        const bool ordinary = lastHostile < 0 || pos > lastHostile + 2048;
        proc.processBlock(buffer, midi);
        ++rep.blocks;
        for (int ch = 0; ch < 2; ++ch) {
            const float* d = buffer.getReadPointer(ch);
            for (int i = 0; i < n; ++i) {
                const float v = d[i];
                if (!std::isfinite(v) || std::abs(v) > o.bound)
                    throw Violation{name + ": output sample " + juce::String(v).toStdString() + " (channel " + std::to_string(ch) +
                                    ") at " + juce::String(static_cast<double>(pos + i) / sr, 3).toStdString() +
                                    " s of audio is " + (std::isfinite(v) ? "beyond the bound " + juce::String(o.bound).toStdString() : "not finite")};
                rep.peak = std::max(rep.peak, std::abs(v));
                if (ordinary && std::abs(v) > rep.peakOrdinary) {
                    rep.peakOrdinary = std::abs(v);
                    { // where the loudest ordinary output comes from
                        rep.peakOrdinaryWhere = juce::String(static_cast<double>(pos + i) / sr, 3).toStdString() + " s, " +
                                                proc.currentPatchName().toStdString() + ", input " + signal.describe() + ":";
                        for (auto* param : params)
                            if (auto* r = dynamic_cast<juce::RangedAudioParameter*>(param))
                                rep.peakOrdinaryWhere += " " + r->paramID.toStdString() + "=" + r->getCurrentValueAsText().toStdString();
                    }
                }
            }
        }
        while (proc.popTelemetry(telemetry)) {} // the GUI's side of the FIFO
        if (proc.monitor().nonFiniteOutputs.load() != 0)
            throw Violation{name + ": the engine produced " + std::to_string(proc.monitor().nonFiniteOutputs.load()) +
                            " non-finite samples (the processor replaced them by 0) by " +
                            juce::String(static_cast<double>(pos) / sr, 3).toStdString() + " s of audio"};
        pos += n;
        if (!warm && pos >= warmUp) {
            warm = true;
            rep.rssWarm = rssMiB();
        }
    }
    proc.waitForPatchBuilds(10000);
    checkRunning("at the end");
    proc.releaseResources();
    rep.rssEnd = rssMiB();
    rep.engineSwaps = proc.monitor().engineSwaps.load();
    rep.audioSeconds = static_cast<double>(total) / sr;
    rep.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
}

} // namespace

int runSoak(const std::vector<std::string>& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") { std::fputs(kSoakHelp, stdout); return 0; }
    try {
        const SoakOptions o = parseSoak(args);
        juce::ScopedJuceInitialiser_GUI juceInit;
        const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
        std::vector<int> which;
        if (o.patch.empty()) {
            for (int i = 0; i < names.size(); ++i) which.push_back(i);
        } else {
            const int idx = names.indexOf(juce::String(o.patch), true);
            if (idx < 0) throw UsageError{"--patch '" + o.patch + "' is not a factory patch (" + names.joinIntoString(", ").toStdString() + ")"};
            which.push_back(idx);
        }
        if (which.empty()) throw UsageError{"no factory patches are built in"};
        std::mt19937_64 rng(o.seed);
        double worstGrowth = 0.0;
        std::fprintf(stderr, "soak: %zu patch(es), %.2f min of audio each, seed %llu, bound %g, RSS tolerance %.1f MiB\n",
                     which.size(), o.minutes, static_cast<unsigned long long>(o.seed), static_cast<double>(o.bound), o.rssToleranceMiB);
        for (int idx : which) {
            const auto name = names[idx].toStdString();
            const PatchReport r = soakOne(idx, o, rng);
            const double growth = r.rssEnd - r.rssWarm;
            worstGrowth = std::max(worstGrowth, growth);
            std::fprintf(stderr,
                         "soak: %-16s %.1f min of audio in %.1f s (%.1fx real time), peak %.3f (%.3f in blocks without hostile samples), RSS %.1f -> %.1f MiB (%+.2f), "
                         "%lld blocks, %lld parameter moves, %lld patch switches (%lld engine swaps), %lld MIDI events, %lld resets, %lld prepares, "
                         "%lld state round trips, %lld hostile input samples\n",
                         name.c_str(), r.audioSeconds / 60.0, r.wallSeconds, r.audioSeconds / std::max(1e-9, r.wallSeconds),
                         static_cast<double>(r.peak), static_cast<double>(r.peakOrdinary), r.rssWarm, r.rssEnd, growth, static_cast<long long>(r.blocks),
                         static_cast<long long>(r.paramMoves), static_cast<long long>(r.patchSwitches), static_cast<long long>(r.engineSwaps),
                         static_cast<long long>(r.midiEvents), static_cast<long long>(r.resets), static_cast<long long>(r.prepares),
                         static_cast<long long>(r.stateRoundTrips), static_cast<long long>(r.hostileSamples));
            if (!r.peakOrdinaryWhere.empty())
                std::fprintf(stderr, "soak: %-16s the peak away from hostile input came at %s\n", name.c_str(), r.peakOrdinaryWhere.c_str());
            if (r.engineSwaps * 2 < r.patchSwitches)
                throw Violation{name + ": only " + std::to_string(r.engineSwaps) + " engine swaps for " +
                                std::to_string(r.patchSwitches) + " patch switches: switches stopped taking effect"};
            if (growth > o.rssToleranceMiB)
                throw Violation{name + ": resident memory grew by " + juce::String(growth, 2).toStdString() + " MiB after warm-up (" +
                                juce::String(r.rssWarm, 1).toStdString() + " -> " + juce::String(r.rssEnd, 1).toStdString() +
                                " MiB; tolerance " + juce::String(o.rssToleranceMiB, 1).toStdString() + " MiB)"};
        }
        std::fprintf(stderr, "soak: passed (largest RSS growth after warm-up %+.2f MiB)\n", worstGrowth);
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "graded-cli soak: error: %s\n", e.message.c_str());
        return 2;
    } catch (const Violation& v) {
        std::fprintf(stderr, "graded-cli soak: FAILED: %s\n", v.message.c_str());
        return 1;
    }
}

} // namespace graded::cli
