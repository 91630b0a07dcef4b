// SPDX-License-Identifier: GPL-3.0-or-later
// Engine figures (no JUCE): the cost of each factory patch at 48 kHz stereo with 64-sample
// steps, as a share of one core, and the worst host block over a 60-second render as a share
// of that block's duration.
#include "Engine/Filterbank.h"
#include "Graph/Engine.h"
#include "Graph/Patch.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

using namespace graded;

namespace {

constexpr double kRate = 48000.0;
constexpr int kBlock = 512;

/** A test signal with some life in it: two tones, a third entering, and clicks. */
void fillSignal(std::vector<std::vector<float>>& buf, long offset) {
    for (size_t c = 0; c < buf.size(); ++c)
        for (size_t i = 0; i < buf[c].size(); ++i) {
            const double t = double(offset + long(i)) / kRate;
            double x = 0.2 * std::sin(2 * M_PI * 440.0 * t) + 0.1 * std::sin(2 * M_PI * 1000.0 * t);
            if (std::fmod(t, 4.0) > 2.0) x += 0.2 * std::sin(2 * M_PI * 3000.0 * t);
            if (std::fmod(t, 0.5) < 0.005) x += 0.3;
            buf[c][i] = float(x * (c == 0 ? 1.0 : 0.8));
        }
}

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

std::unique_ptr<Engine> makeEngine(int patchIndex) {
    const auto& fp = factoryPatches();
    EngineConfig cfg;
    cfg.sampleRate = kRate;
    cfg.numChannels = 2;
    cfg.maxBlockSize = kBlock;
    auto e = Engine::create(loadPatch(fp[size_t(patchIndex)].json), cfg);
    HostControls controls; // defaults: step = 64 samples
    e->setControls(controls);
    return e;
}

/** One second of stereo audio per iteration; core_percent = CPU time / audio time. */
void EnginePatch(benchmark::State& state) {
    const int index = int(state.range(0));
    auto engine = makeEngine(index);
    std::vector<std::vector<float>> buf(2, std::vector<float>(kBlock));
    float* ptrs[2] = {buf[0].data(), buf[1].data()};
    const int blocksPerSecond = int(kRate / kBlock);
    long pos = 0;
    double cpu = 0, audio = 0;
    for (auto _ : state) {
        for (int b = 0; b < blocksPerSecond; ++b) {
            state.PauseTiming();
            fillSignal(buf, pos);
            state.ResumeTiming();
            const double t0 = threadCpuSeconds();
            engine->process(ptrs, 2, kBlock);
            cpu += threadCpuSeconds() - t0;
            audio += kBlock / kRate;
            pos += kBlock;
        }
        benchmark::ClobberMemory();
    }
    state.SetLabel(factoryPatches()[size_t(index)].name);
    state.counters["core_percent"] = 100.0 * cpu / audio;
}

/** Renders 60 s through the default patch in 512-sample host blocks and reports the worst
    block's processing time as a share of the block's duration (10.7 ms). */
void EngineWorstBlock60s(benchmark::State& state) {
    for (auto _ : state) {
        auto engine = makeEngine(0);
        std::vector<std::vector<float>> buf(2, std::vector<float>(kBlock));
        float* ptrs[2] = {buf[0].data(), buf[1].data()};
        const long total = long(60 * kRate);
        double worst = 0, sum = 0;
        long blocks = 0;
        for (long pos = 0; pos < total; pos += kBlock) {
            fillSignal(buf, pos);
            const auto t0 = std::chrono::steady_clock::now();
            engine->process(ptrs, 2, kBlock);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            worst = std::max(worst, s);
            sum += s;
            ++blocks;
        }
        const double blockSeconds = kBlock / kRate;
        state.counters["worst_block_percent"] = 100.0 * worst / blockSeconds;
        state.counters["mean_block_percent"] = 100.0 * (sum / double(blocks)) / blockSeconds;
    }
    state.SetLabel(factoryPatches()[0].name + ", 60 s, 512-sample blocks");
}

/** The filterbank alone (AudioIn's analysis and AudioOut's synthesis with every band gain
    driven, limiter included), one stereo instance at 48 kHz with 64-sample steps, for
    state.range(0) bands; range(1): 1 = the widest kernels this CPU has (AVX2), 0 = the
    portable SSE2 baseline. core_percent = CPU time / audio time. */
void FilterbankStereo(benchmark::State& state) {
    AudioInParams in;
    in.bands = int(state.range(0));
    in.minHz = 50;
    in.maxHz = 14000;
    AudioOutParams out;
    Filterbank fb;
    constexpr int S = 64, C = 2;
    fb.prepare(in, out, kRate, C, kMaxStepSamples);
    fb.setWideKernels(state.range(1) != 0);
    std::vector<std::vector<float>> sig(C, std::vector<float>(kRate));
    fillSignal(sig, 0);
    std::vector<float> x(size_t(C * kMaxStepSamples)), y(x.size()), bands(size_t(C * in.bands)), level(C), samples(size_t(C * 16));
    std::vector<float> gains(size_t(C * in.bands), -6.f), gain(C, 1.f), noise(size_t(C * in.bands), 0.f), mix(S, 1.f), og(S, 1.f);
    double cpu = 0, audio = 0;
    long pos = 0;
    for (auto _ : state) {
        for (int step = 0; step < int(kRate) / S; ++step) {
            for (int c = 0; c < C; ++c)
                std::copy_n(sig[size_t(c)].begin() + (pos % long(kRate - S)), S, x.begin() + c * kMaxStepSamples);
            pos += S;
            for (size_t i = 0; i < gains.size(); ++i) gains[i] = -6.f + 3.f * float(std::sin(0.001 * double(pos) + double(i)));
            const double t0 = threadCpuSeconds();
            fb.analyse(x.data(), kMaxStepSamples, S, bands.data(), level.data(), samples.data());
            fb.synthesise(gains.data(), gain.data(), noise.data(), false, x.data(), mix.data(), og.data(), kMaxStepSamples, S, y.data());
            cpu += threadCpuSeconds() - t0;
            audio += S / kRate;
        }
        benchmark::DoNotOptimize(y.data());
    }
    state.SetLabel(std::to_string(in.bands) + " bands, stereo, 48 kHz, " + (fb.wideKernels() ? "AVX2 (8 lanes)" : "SSE2 (4 lanes)"));
    state.counters["core_percent"] = 100.0 * cpu / audio;
}

void registerPatches() {
    for (int bands : {16, 32, 48, 64})
        for (int wide : {0, 1})
            benchmark::RegisterBenchmark("FilterbankStereo", FilterbankStereo)->Args({bands, wide})->Unit(benchmark::kMillisecond);
    for (int i = 0; i < int(factoryPatches().size()); ++i)
        benchmark::RegisterBenchmark("EnginePatch", EnginePatch)->Arg(i)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("EngineWorstBlock60s", EngineWorstBlock60s)->Iterations(1)->Unit(benchmark::kMillisecond);
}

const int registered = (registerPatches(), 0);

} // namespace
