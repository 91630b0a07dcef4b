// SPDX-License-Identifier: GPL-3.0-or-later
// Catch2 main for JUCE-based tests: JUCE's message manager and GUI singletons exist for
// the whole run.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <juce_events/juce_events.h>
#include <juce_gui_basics/juce_gui_basics.h>

int main(int argc, char** argv) {
    juce::ScopedJuceInitialiser_GUI juceInit;
    return Catch::Session().run(argc, argv);
}
