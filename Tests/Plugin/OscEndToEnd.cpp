// SPDX-License-Identifier: GPL-3.0-or-later
// OSC end to end with a real OSC implementation from Debian (liblo-tools: oscsend,
// oscdump; scripts/install-deps.sh): the processor listens on a free UDP port, oscsend
// drives it, and oscdump receives the feedback stream. Hidden tag: ctest plugin.osc runs it.
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"
#include "TestSignals.h"

#include <catch2/catch.hpp>

#include <cstdlib>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;
using graded::plugin::OscSettings;

namespace {

struct Rig {
    GradedCellsProcessor proc;
    juce::AudioBuffer<float> buffer{2, 512};
    juce::Random random{11};
    long long phase = 0;
    int port = 0;

    Rig() {
        const auto& patches = graded::factoryPatches();
        for (size_t i = 0; i < patches.size(); ++i)
            if (patches[i].name == "Reward-Gated EQ") proc.selectFactoryPatch(static_cast<int>(i));
        proc.prepareToPlay(48000.0, 512);
        OscSettings s;
        s.enabled = true;
        for (int attempt = 0; attempt < 50 && !proc.osc().listening(); ++attempt) {
            s.port = 20000 + random.nextInt(30000);
            proc.osc().setSettings(s);
        }
        REQUIRE(proc.osc().listening());
        port = s.port;
    }
    void block(juce::MidiBuffer midi = {}) {
        graded::test::fillSignal(buffer, 512, 48000.0, phase, random);
        proc.processBlock(buffer, midi);
    }
    /** Runs blocks (about real time) and the message loop for `ms`. */
    void run(int ms) {
        const auto end = juce::Time::getMillisecondCounter() + juce::uint32(ms);
        while (juce::Time::getMillisecondCounter() < end) {
            block();
            graded::test::pumpMessages(10);
        }
    }
    /** oscsend to our port; returns its exit code. */
    int send(const juce::String& args) {
        const auto cmd = "oscsend 127.0.0.1 " + juce::String(port) + " " + args;
        INFO(cmd);
        return std::system(cmd.toRawUTF8());
    }
    /** Runs until `done` or 5 s. */
    template <typename F> bool runUntil(F done) {
        for (int i = 0; i < 500; ++i) {
            if (done()) return true;
            block();
            graded::test::pumpMessages(10);
        }
        return done();
    }
};

} // namespace

TEST_CASE("OSC end to end: oscsend sets the reward, parameters, triggers; bad messages are counted", "[.][osc-e2e]") {
    REQUIRE(std::system("command -v oscsend >/dev/null && command -v oscdump >/dev/null") == 0); // liblo-tools (install-deps.sh)
    Rig rig;
    const auto& c = rig.proc.osc().counters();
    rig.run(50);

    REQUIRE(rig.send("/gradedcells/reward f 0.5") == 0);
    CHECK(rig.runUntil([&] { return c.rewards.load() == 1; }));
    CHECK(rig.proc.osc().lastReward() == 0.5f);

    REQUIRE(rig.send("/gradedcells/param/outputGain f -12") == 0);
    CHECK(rig.runUntil([&] { return rig.proc.parameters().getRawParameterValue("outputGain")->load() == -12.f; }));
    REQUIRE(rig.send("/gradedcells/param sf dryWet 0.25") == 0);
    CHECK(rig.runUntil([&] { return rig.proc.parameters().getRawParameterValue("dryWet")->load() == 0.25f; }));
    REQUIRE(rig.send("/gradedcells/param/activation i 3") == 0);
    CHECK(rig.runUntil([&] { return rig.proc.parameters().getRawParameterValue("activation")->load() == 3.f; }));

    REQUIRE(rig.send("/gradedcells/episode/end") == 0);
    REQUIRE(rig.send("/gradedcells/cells/reset i 1") == 0);
    REQUIRE(rig.send("/gradedcells/weights/reset") == 0);
    CHECK(rig.runUntil([&] { return c.episodeEnds.load() == 1 && c.cellResets.load() == 1 && c.weightResets.load() == 1; }));

    const int ignoredBefore = c.ignored.load();
    REQUIRE(rig.send("/gradedcells/param/nope f 1") == 0);      // unknown id
    REQUIRE(rig.send("/gradedcells/reward f 3") == 0);          // out of range
    REQUIRE(rig.send("/gradedcells/reward f nan") == 0);        // NaN
    REQUIRE(rig.send("/gradedcells/reward s hello") == 0);      // wrong type
    REQUIRE(rig.send("/gradedcells/reward d 0.5") == 0);        // a type JUCE does not read: a malformed packet
    REQUIRE(rig.send("/somewhere/else i 1") == 0);              // not ours
    CHECK(rig.runUntil([&] { return c.ignored.load() == ignoredBefore + 6; }));
    CHECK(c.rewards.load() == 1);
    CHECK(rig.proc.osc().lastReward() == 0.5f);
    rig.run(100);
    CHECK(c.ignored.load() == ignoredBefore + 6);
    CHECK(rig.proc.monitor().nonFiniteOutputs.load() == 0);
}

TEST_CASE("OSC end to end: oscdump receives the chosen compartments", "[.][osc-e2e]") {
    Rig rig;
    rig.run(200);
    // what can be chosen (the telemetry's compartments)
    rig.proc.osc().setSnapshotSource({});
    graded::Telemetry t;
    while (rig.proc.popTelemetry(t)) {}
    const auto available = rig.proc.osc().availableCompartments();
    INFO(available.joinIntoString(" "));
    REQUIRE(available.size() >= 2);
    const auto chosen = available[1];

    int dumpPort = rig.port + 1;
    juce::ChildProcess dump;
    REQUIRE(dump.start(juce::StringArray{"oscdump", "-L", juce::String(dumpPort)}));
    juce::Thread::sleep(300);
    REQUIRE(dump.isRunning());

    // the processor's own snapshot source again (no editor open: it reads telemetry itself)
    auto& proc = rig.proc;
    proc.osc().setSnapshotSource([&proc](graded::Telemetry& s) { return proc.getActiveEditor() == nullptr && proc.popTelemetry(s); });
    OscSettings s = proc.osc().settings();
    s.feedback = true;
    s.feedbackHost = "127.0.0.1";
    s.feedbackPort = dumpPort;
    s.feedbackSelect = chosen;
    proc.osc().setSettings(s);
    CHECK(proc.osc().feedbackStatus().startsWith("sending to"));
    rig.run(800);
    const int sent = proc.osc().counters().feedbackSent.load();
    CHECK(sent >= 5);
    juce::Thread::sleep(200);
    dump.kill();
    const auto output = dump.readAllProcessOutput();
    juce::StringArray lines;
    lines.addLines(output);
    lines.removeEmptyStrings();
    INFO("sent " << sent << ", oscdump printed:\n" << lines.joinIntoString("\n").substring(0, 2000));
    const auto address = "/gradedcells/out/" + chosen;
    int ours = 0, others = 0;
    for (const auto& l : lines) {
        if (l.contains(address + " f")) ++ours; // "<time tag> <address> fff... <values>"
        else if (l.contains("/gradedcells/out/")) ++others;
    }
    CHECK(ours >= 5);
    CHECK(others == 0);
    // each line carries finite float values
    for (const auto& l : lines)
        if (l.contains(address)) {
            juce::StringArray tokens;
            tokens.addTokens(l, " ", "");
            tokens.removeEmptyStrings();
            REQUIRE(tokens.size() >= 4); // time tag, address, types, values
            CHECK(tokens[1] == address);
            CHECK(tokens[2].containsOnly("f"));
            CHECK(tokens.size() - 3 == tokens[2].length());
            break;
        }
}
