// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Helpers shared by the processor, state, hardening and editor tests.

#include "PluginProcessor.h"

#include <catch2/catch.hpp>

namespace juce {
// JUCE's platform message pump (juce_linux_Messaging.cpp); runDispatchLoopUntil needs
// JUCE_MODAL_LOOPS_PERMITTED, which plugins leave off.
bool dispatchNextMessageOnSystemQueue(bool returnIfNoPendingMessages);
} // namespace juce

namespace graded::test {

/** Delivers pending messages (timers, async updates) for up to `ms`. */
inline void pumpMessages(int ms) {
    const auto end = juce::Time::getMillisecondCounter() + juce::uint32(ms);
    do {
        while (juce::dispatchNextMessageOnSystemQueue(true)) {}
        juce::Thread::sleep(1);
    } while (juce::Time::getMillisecondCounter() < end);
}

inline juce::MemoryBlock stateOf(plugin::GradedCellsProcessor& proc) {
    juce::MemoryBlock block;
    proc.getStateInformation(block);
    return block;
}

/** `xmlText` wrapped as AudioProcessor::copyXmlToBinary does. */
inline juce::MemoryBlock binaryXml(const juce::String& xmlText) {
    juce::MemoryBlock block;
    auto xml = juce::parseXML(xmlText);
    REQUIRE(xml != nullptr);
    juce::AudioProcessor::copyXmlToBinary(*xml, block);
    return block;
}

} // namespace graded::test
