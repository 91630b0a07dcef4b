// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the patch loader and, when a patch loads, the engine built from it.
// The input is the patch's JSON text. graded::PatchError / ConfigError (and any other
// std::exception thrown by loadPatch or Engine::create) are the expected way to reject a
// patch; a crash, a sanitizer report, a hang (-timeout), an allocation over -rss_limit_mb
// or a non-finite sample out of the engine is a finding.
#include <Graph/Engine.h>
#include <Graph/Patch.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr int kBlock = 256;
constexpr int kBlocks = 4;

void runEngine(const graded::Patch& patch, const graded::EngineConfig& config) {
    std::unique_ptr<graded::Engine> engine;
    try {
        (void)graded::Engine::estimate(patch, config, 64);
        (void)graded::Engine::minimumStep(patch, config);
    } catch (const std::exception&) {
    }
    try {
        engine = graded::Engine::create(patch, config);
    } catch (const std::exception&) {
        return; // PatchError / ConfigError: rejected cleanly
    }
    if (engine == nullptr) return;

    std::vector<std::vector<float>> audio(static_cast<size_t>(config.numChannels), std::vector<float>(kBlock));
    std::vector<float*> channels;
    for (auto& c : audio) channels.push_back(c.data());

    graded::HostControls controls;
    std::uint32_t noise = 12345u;
    for (int b = 0; b < kBlocks; ++b) {
        for (auto& c : audio)
            for (auto& s : c) {
                noise = noise * 1664525u + 1013904223u;
                s = static_cast<float>(static_cast<std::int32_t>(noise)) * (0.5f / 2147483648.f);
            }
        engine->setControls(controls);
        if (b == 1) engine->addEvent({kBlock / 2, graded::ControlEvent::reward, 1.f});
        if (b == 2) engine->addEvent({0, graded::ControlEvent::endEpisode, 0.f});
        if (b == 3) engine->addEvent({7, graded::ControlEvent::resetCells, 0.f});
        engine->process(channels.data(), config.numChannels, kBlock);
        for (const auto& c : audio)
            for (float s : c)
                if (!std::isfinite(s)) {
                    std::fprintf(stderr, "fuzz_patch: the engine produced a non-finite sample (%f)\n", double(s));
                    std::abort();
                }
        graded::Telemetry t;
        while (engine->popTelemetry(t)) {}
    }
    engine->reset();
    (void)engine->info();
    (void)engine->latencySamples();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    graded::Patch patch;
    try {
        patch = graded::loadPatch(text);
    } catch (const std::exception&) {
        return 0; // PatchError (or a JSON/size error surfaced as std::exception): rejected
    }
    graded::EngineConfig stereo;   // the plugin's usual configuration
    runEngine(patch, stereo);
    graded::EngineConfig mono;     // and an odd one: mono, 44.1 kHz, small blocks
    mono.sampleRate = 44100.0;
    mono.numChannels = 1;
    mono.maxBlockSize = 64;
    runEngine(patch, mono);
    return 0;
}
