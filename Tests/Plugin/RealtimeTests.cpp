// SPDX-License-Identifier: GPL-3.0-or-later
// processBlock after prepareToPlay: no heap allocation and no mutex lock, counted by the
// interposer in RtCheck.cpp, including blocks that pick up a new engine after a patch change.
#include "PluginProcessor.h"
#include "RtCheck.h"
#include "TestSignals.h"

#include <catch2/catch.hpp>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;
namespace rtcheck = graded::test::rtcheck;

TEST_CASE("the interposer counts", "[realtime]") {
    REQUIRE(rtcheck::interposerActive());
}

TEST_CASE("processBlock neither allocates nor locks", "[realtime][plugin]") {
    REQUIRE(rtcheck::interposerActive());
    for (int channels : {1, 2}) {
        GradedCellsProcessor proc;
        juce::AudioProcessor::BusesLayout layout;
        const auto set = channels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
        layout.inputBuses.add(set);
        layout.outputBuses.add(set);
        REQUIRE(proc.setBusesLayout(layout));
        proc.prepareToPlay(48000.0, 1024);

        juce::AudioBuffer<float> buffer(channels, 1024);
        juce::MidiBuffer midi;
        midi.ensureSize(4096);
        juce::Random random(2);
        long long phase = 0;
        long allocations = 0, locks = 0, blocks = 0;
        const int count = static_cast<int>(graded::factoryPatches().size());
        int swapsBefore = proc.monitor().engineSwaps.load();

        for (int round = 0; round < 4 * count + 8; ++round) {
            // Message-thread work between blocks: parameters, MIDI, patch changes.
            auto* p = dynamic_cast<juce::RangedAudioParameter*>(proc.getParameters()[random.nextInt(graded::kNumHostParams)]);
            if (round % 4 == 3) p = dynamic_cast<juce::RangedAudioParameter*>(proc.parameters().getParameter("patch"));
            if (p->paramID == "patch")
                p->setValueNotifyingHost(p->convertTo0to1(static_cast<float>(round % count)));
            else
                p->setValueNotifyingHost(random.nextFloat());
            for (int b = 0; b < 20; ++b) {
                const int n = 1 + random.nextInt(1024);
                buffer.setSize(channels, n, false, false, true);
                graded::test::fillSignal(buffer, n, 48000.0, phase, random);
                midi.clear();
                midi.addEvent(juce::MidiMessage::noteOn(1, 60, static_cast<juce::uint8>(1 + random.nextInt(126))), random.nextInt(n));
                midi.addEvent(juce::MidiMessage::controllerEvent(1, 1, random.nextInt(128)), random.nextInt(n));
                if (b % 7 == 0) midi.addEvent(juce::MidiMessage::noteOff(1, 60), n - 1);
                if (b % 11 == 0) midi.addEvent(juce::MidiMessage::allNotesOff(1), 0);
                {
                    rtcheck::Scope scope;
                    proc.processBlock(buffer, midi);
                    allocations += scope.counts().allocations;
                    locks += scope.counts().locks;
                }
                ++blocks;
            }
            juce::Thread::sleep(20); // let the builder thread publish and collect
        }
        INFO("channels " << channels << ", " << blocks << " blocks, "
             << proc.monitor().engineSwaps.load() - swapsBefore << " engine swaps");
        CHECK(allocations == 0);
        CHECK(locks == 0);
        CHECK(proc.monitor().engineSwaps.load() - swapsBefore > 0);
    }
}
