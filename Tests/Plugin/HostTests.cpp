// SPDX-License-Identifier: GPL-3.0-or-later
// Host test: loads the BUILT VST3 and LV2 bundles through juce::AudioPluginFormatManager
// (this executable does not link the plugin code), then processes audio at 44.1/48/96 kHz,
// block sizes 1..4096, mono and stereo, sweeping every parameter, and round-trips the state.
#include "RtCheck.h"
#include "TestSignals.h"

#include <catch2/catch.hpp>

#include <juce_audio_processors/juce_audio_processors.h>

using graded::test::fillSignal;
using graded::test::OutputCheck;
namespace rtcheck = graded::test::rtcheck;

namespace {

struct Loaded {
    juce::AudioPluginFormatManager formats;
    std::unique_ptr<juce::AudioPluginInstance> instance;
    juce::String error;
};

std::unique_ptr<juce::PluginDescription> findVst3(juce::AudioPluginFormatManager& fm, juce::String& error) {
    for (auto* format : fm.getFormats()) {
        if (format->getName() != "VST3") continue;
        juce::OwnedArray<juce::PluginDescription> types;
        // .../GradedCells.vst3/Contents/x86_64-linux -> the bundle
        const auto bundle = juce::File(GRADED_VST3_MODULE_DIR).getParentDirectory().getParentDirectory();
        format->findAllTypesForFile(types, bundle.getFullPathName());
        if (!types.isEmpty()) return std::make_unique<juce::PluginDescription>(*types[0]);
    }
    error = "no VST3 plugin found above " GRADED_VST3_MODULE_DIR;
    return nullptr;
}

std::unique_ptr<juce::PluginDescription> findLv2(juce::AudioPluginFormatManager& fm, juce::String& error) {
    for (auto* format : fm.getFormats()) {
        if (format->getName() != "LV2") continue;
        const juce::File bundle(GRADED_LV2_BUNDLE);
        format->searchPathsForPlugins(juce::FileSearchPath(bundle.getParentDirectory().getFullPathName()), false, false);
        juce::OwnedArray<juce::PluginDescription> types;
        format->findAllTypesForFile(types, GRADED_LV2_URI);
        if (!types.isEmpty()) return std::make_unique<juce::PluginDescription>(*types[0]);
    }
    error = "no LV2 plugin " GRADED_LV2_URI " found in " GRADED_LV2_BUNDLE;
    return nullptr;
}

std::unique_ptr<Loaded> load(const juce::String& formatName, double sampleRate, int blockSize) {
    auto loaded = std::make_unique<Loaded>();
    loaded->formats.addDefaultFormats();
    auto desc = formatName == "VST3" ? findVst3(loaded->formats, loaded->error) : findLv2(loaded->formats, loaded->error);
    if (desc == nullptr) return loaded;
    loaded->instance = loaded->formats.createPluginInstance(*desc, sampleRate, blockSize, loaded->error);
    return loaded;
}

bool setChannels(juce::AudioPluginInstance& p, int channels) {
    const auto set = channels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
    juce::AudioProcessor::BusesLayout layout;
    layout.inputBuses.add(set);
    layout.outputBuses.add(set);
    return p.setBusesLayout(layout);
}

OutputCheck process(juce::AudioPluginInstance& p, double sr, int channels, int blockSize, double seconds,
                    long* allocations = nullptr, long* locks = nullptr) {
    OutputCheck check;
    juce::AudioBuffer<float> buffer(channels, 4096);
    juce::MidiBuffer midi;
    juce::Random random(blockSize);
    long long phase = 0;
    const long long total = static_cast<long long>(seconds * sr);
    while (phase < total) {
        const int n = blockSize > 0 ? blockSize : 1 + random.nextInt(4096);
        buffer.setSize(channels, n, false, false, true);
        fillSignal(buffer, n, sr, phase, random);
        if (allocations != nullptr) {
            rtcheck::Scope scope;
            p.processBlock(buffer, midi);
            *allocations += scope.counts().allocations;
            *locks += scope.counts().locks;
        } else {
            p.processBlock(buffer, midi);
        }
        check.check(buffer, n);
    }
    return check;
}

void exercise(const juce::String& formatName) {
    const double rates[] = {44100.0, 48000.0, 96000.0};
    const int sizes[] = {1, 7, 64, 256, 1000, 4096, 0 /* varying */};
    for (int channels : {1, 2}) {
        for (double sr : rates) {
            auto loaded = load(formatName, sr, 4096);
            INFO(formatName << ": " << loaded->error);
            REQUIRE(loaded->instance != nullptr);
            auto& p = *loaded->instance;
            if (!setChannels(p, channels)) {
                // JUCE 7.0.5's LV2 export has fixed ports (the default stereo layout).
                WARN(formatName << ": the hosted plugin offers no " << channels << "-channel layout; skipped");
                CHECK(formatName == "LV2");
                continue;
            }
            p.prepareToPlay(sr, 4096);
            for (int size : sizes) {
                INFO(formatName << " channels " << channels << " rate " << sr << " block " << size);
                const auto check = process(p, sr, channels, size, size != 0 && size < 16 ? 0.03 : 0.2);
                CHECK(check.ok());
                CHECK(check.energy > 0.0);
            }
            p.releaseResources();
        }
    }
}

} // namespace

TEST_CASE("VST3: loads and processes at every rate, block size and layout", "[host][vst3]") {
    exercise("VST3");
}

TEST_CASE("LV2: loads and processes at every rate, block size and layout", "[host][lv2]") {
    exercise("LV2");
}

TEST_CASE("hosted: every parameter swept, state round trip, no allocation in process", "[host][sweep]") {
    for (const juce::String formatName : {"VST3", "LV2"}) {
        auto loaded = load(formatName, 48000.0, 512);
        INFO(formatName << ": " << loaded->error);
        REQUIRE(loaded->instance != nullptr);
        auto& p = *loaded->instance;
        CHECK(p.getName() == "GradedCells");
        p.prepareToPlay(48000.0, 512);
        // Only GradedCells' own 19 parameters (the VST3 wrapper adds Bypass, Program and
        // 2048 "MIDI CC" proxies).
        juce::Array<juce::AudioProcessorParameter*> params;
        for (auto* param : p.getParameters())
            if (params.size() < 19 && !param->getName(64).startsWith("MIDI CC")) params.add(param);
        CHECK(params.size() == 19);
        for (auto* param : params) {
            for (int k = 0; k <= 8; ++k) {
                param->setValueNotifyingHost(static_cast<float>(k) / 8.f);
                INFO(formatName << " parameter " << param->getName(64) << " = " << k / 8.0);
                const auto check = process(p, 48000.0, 2, 256, 0.05);
                CHECK(check.ok());
            }
            param->setValueNotifyingHost(param->getDefaultValue());
        }
        // State round trip into a fresh instance.
        juce::Random random(42);
        for (auto* param : params)
            if (!param->getName(64).containsIgnoreCase("patch") && !param->getName(64).containsIgnoreCase("bypass"))
                param->setValueNotifyingHost(random.nextFloat());
        process(p, 48000.0, 2, 256, 0.05);
        juce::MemoryBlock state;
        p.getStateInformation(state);
        CHECK(state.getSize() > 0);
        auto other = load(formatName, 48000.0, 512);
        REQUIRE(other->instance != nullptr);
        other->instance->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        other->instance->prepareToPlay(48000.0, 512);
        process(*other->instance, 48000.0, 2, 256, 0.02);
        const auto& otherParams = other->instance->getParameters();
        REQUIRE(otherParams.size() >= params.size());
        for (int i = 0; i < params.size(); ++i) {
            INFO(formatName << " parameter " << params[i]->getName(64));
            CHECK(otherParams[i]->getValue() == Approx(params[i]->getValue()).margin(1e-4));
        }
        // Real-time safety through the host wrapper (counts the plugin and the wrapper).
        long allocations = 0, locks = 0;
        process(p, 48000.0, 2, 256, 0.05); // warm up
        process(p, 48000.0, 2, 256, 0.5, &allocations, &locks);
        WARN(formatName << " hosted processBlock: " << allocations << " allocations, " << locks << " mutex locks in 0.5 s");
        CHECK(allocations == 0);
        p.releaseResources();
    }
}
