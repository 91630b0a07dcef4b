// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: the plugin's saved-state loader. One prepared GradedCellsProcessor
// (stereo, 48 kHz, 256-sample blocks) lives for the whole run; each input is handed to
// setStateInformation() as a host would, then the processor saves its state, processes a
// few blocks, and reloads its own saved state.
// Findings: a crash, a sanitizer report, a hang (-timeout), an allocation over
// -rss_limit_mb, and a state the processor saved itself but cannot load back (that would
// lose the user's work).
#include "PluginProcessor.h"

#include <juce_events/juce_events.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

// JUCE's Linux message loop step (juce_linux_Messaging.cpp); runDispatchLoopUntil() needs
// JUCE_MODAL_LOOPS_PERMITTED, which the plugin does not set.
namespace juce {
bool dispatchNextMessageOnSystemQueue(bool returnIfNoPendingMessages);
}

namespace {

using graded::plugin::GradedCellsProcessor;

constexpr int kBlock = 256;

struct Fixture {
    juce::ScopedJuceInitialiser_GUI juce;
    GradedCellsProcessor proc;
    juce::AudioBuffer<float> buffer{2, kBlock};
    juce::MidiBuffer midi;
    int inputs = 0;

    Fixture() {
        // States that fail to load are logged by the processor; keep the fuzzer's output readable.
        juce::Logger::setCurrentLogger(&silent);
        juce::AudioProcessor::BusesLayout layout;
        layout.inputBuses.add(juce::AudioChannelSet::stereo());
        layout.outputBuses.add(juce::AudioChannelSet::stereo());
        if (!proc.setBusesLayout(layout)) std::abort();
        proc.prepareToPlay(48000.0, kBlock);
    }
    ~Fixture() { juce::Logger::setCurrentLogger(nullptr); }

    struct Silent : juce::Logger {
        void logMessage(const juce::String&) override {}
    } silent;

    void process(int blocks) {
        for (int b = 0; b < blocks; ++b) {
            for (int c = 0; c < buffer.getNumChannels(); ++c)
                for (int i = 0; i < kBlock; ++i)
                    buffer.setSample(c, i, 0.25f * std::sin(0.05f * static_cast<float>(i + b * kBlock + c)));
            midi.clear();
            if (b == 0) midi.addEvent(juce::MidiMessage::noteOn(1, 60, 0.8f), 10);
            if (b == 1) midi.addEvent(juce::MidiMessage::noteOff(1, 60), 20);
            proc.processBlock(buffer, midi);
        }
    }
};

Fixture* fixture = nullptr;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fixture = new Fixture(); // never deleted: lives as long as the fuzzing process
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    auto& f = *fixture;
    f.proc.setStateInformation(data, static_cast<int>(size));
    f.proc.waitForPatchBuilds(5000);

    juce::MemoryBlock saved;
    f.proc.getStateInformation(saved);
    f.process(3);

    // The state just saved must load back as it is.
    f.proc.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    const auto error = f.proc.lastStateError();
    if (error.isNotEmpty()) {
        std::fprintf(stderr, "fuzz_state: the processor cannot load the state it saved: %s\n",
                     error.toRawUTF8());
        std::abort();
    }
    f.proc.waitForPatchBuilds(5000);
    f.process(1);

    // APVTS and JUCE's timers post messages; deliver them now and then so they do not pile up.
    if (++f.inputs % 64 == 0)
        for (int i = 0; i < 1000 && juce::dispatchNextMessageOnSystemQueue(true); ++i) {}
    return 0;
}
