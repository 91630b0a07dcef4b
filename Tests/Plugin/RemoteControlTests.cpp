// SPDX-License-Identifier: GPL-3.0-or-later
// MIDI learn and OSC at the processor level: learning, applying, clashes with the reward
// and episode CCs, the state (round trip and hostile blocks), the OSC address table, OSC
// dispatch to the engine, and the audio thread's side without allocation or locks.
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"
#include "RtCheck.h"
#include "TestSignals.h"

#include <catch2/catch.hpp>

#include <cmath>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;
using graded::plugin::OscAction;
using graded::plugin::OscSettings;
using graded::plugin::parseOscMessage;

namespace {

float valueOf(GradedCellsProcessor& proc, const char* id) { return proc.parameters().getRawParameterValue(id)->load(); }

int factoryIndex(const std::string& name) {
    const auto& patches = graded::factoryPatches();
    for (size_t i = 0; i < patches.size(); ++i)
        if (patches[i].name == name) return static_cast<int>(i);
    FAIL("no factory patch " << name);
    return 0;
}

/** Runs one block of the test signal with `midi` through the processor; returns the buffer. */
struct Runner {
    GradedCellsProcessor& proc;
    juce::AudioBuffer<float> buffer{2, 512};
    juce::Random random{7};
    long long phase = 0;
    double energy = 0.0;
    explicit Runner(GradedCellsProcessor& p) : proc(p) {}
    void block(juce::MidiBuffer midi = {}) {
        graded::test::fillSignal(buffer, 512, 48000.0, phase, random);
        proc.processBlock(buffer, midi);
        for (int ch = 0; ch < 2; ++ch)
            for (int i = 0; i < 512; ++i) energy += double(buffer.getSample(ch, i)) * buffer.getSample(ch, i);
    }
};

juce::MidiBuffer cc(int number, int value, int channel = 1) {
    juce::MidiBuffer m;
    m.addEvent(juce::MidiMessage::controllerEvent(channel, number, value), 0);
    return m;
}

juce::OSCMessage msg(const juce::String& address) { return juce::OSCMessage(juce::OSCAddressPattern(address)); }
template <typename... Args> juce::OSCMessage msg(const juce::String& address, Args... args) {
    juce::OSCMessage m{juce::OSCAddressPattern(address)};
    (m.addArgument(juce::OSCArgument(args)), ...);
    return m;
}

} // namespace

TEST_CASE("MIDI learn: arm, learn the next CC, apply it scaled to the range", "[plugin][midilearn]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 512);
    Runner run(proc);
    auto& learn = proc.midiLearn();

    learn.arm(HostParam::tau);
    REQUIRE(learn.armed() == HostParam::tau);
    run.block(cc(7, 127, 3)); // any channel
    CHECK_FALSE(learn.armed().has_value());
    CHECK(learn.ccFor(HostParam::tau) == 7);
    CHECK(learn.paramFor(7) == HostParam::tau);
    // the engine hears it at once; the parameter (and the host) when the message thread commits
    REQUIRE(proc.parameterOverrides().pending(HostParam::tau).has_value());
    CHECK(*proc.parameterOverrides().pending(HostParam::tau) == Approx(2000.f));
    CHECK(valueOf(proc, "tau") == Approx(40.f));
    CHECK(proc.commitParameterOverrides() == 1);
    CHECK(valueOf(proc, "tau") == Approx(2000.f));
    CHECK_FALSE(proc.parameterOverrides().pending(HostParam::tau).has_value());

    run.block(cc(7, 0));
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "tau") == Approx(1.f));
    run.block(cc(7, 64)); // the knob's travel (skewed): the same as the knob at 64/127
    proc.commitParameterOverrides();
    auto* tau = proc.parameters().getParameter("tau");
    CHECK(valueOf(proc, "tau") == Approx(tau->convertFrom0to1(64.f / 127.f)));

    // choices take the nearest step, toggles are on from 64
    REQUIRE(learn.map(20, HostParam::activation));
    REQUIRE(learn.map(21, HostParam::reset));
    run.block(cc(20, 127));
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "activation") == 13.f);
    run.block(cc(20, 0));
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "activation") == 0.f);
    run.block(cc(20, 50)); // 50/127 * 13 = 5.1
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "activation") == 5.f);
    run.block(cc(21, 63));
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "reset") == 0.f);
    run.block(cc(21, 64));
    proc.commitParameterOverrides();
    CHECK(valueOf(proc, "reset") == 1.f);
    CHECK(learn.applied() >= 8);

    // several values of one CC in a block: the last wins
    juce::MidiBuffer many;
    many.addEvent(juce::MidiMessage::controllerEvent(1, 7, 10), 0);
    many.addEvent(juce::MidiMessage::controllerEvent(1, 7, 127), 100);
    many.addEvent(juce::MidiMessage::controllerEvent(1, 7, 0), 200);
    run.block(many);
    CHECK(*proc.parameterOverrides().pending(HostParam::tau) == Approx(1.f));

    // the housekeeping timer commits on its own
    run.block(cc(7, 127));
    graded::test::pumpMessages(120);
    CHECK(valueOf(proc, "tau") == Approx(2000.f));
}

TEST_CASE("MIDI learn: the engine hears a mapped CC in the same block, without the message thread", "[plugin][midilearn]") {
    GradedCellsProcessor a, b;
    for (auto* p : {&a, &b}) p->prepareToPlay(48000.0, 512);
    Runner ra(a), rb(b);
    a.midiLearn().map(30, HostParam::outputGain);
    for (int i = 0; i < 20; ++i) { ra.block(); rb.block(); }
    ra.energy = rb.energy = 0.0;
    for (int i = 0; i < 40; ++i) { ra.block(cc(30, 0)); rb.block(); } // -48 dB on a, never committed
    ra.energy = rb.energy = 0.0; // (past the gain's smoothing)
    for (int i = 0; i < 20; ++i) { ra.block(cc(30, 0)); rb.block(); }
    CHECK(valueOf(a, "outputGain") == 0.f);                            // the parameter has not moved yet
    INFO("energy with the CC " << ra.energy << ", without " << rb.energy);
    REQUIRE(rb.energy > 0.0);
    CHECK(ra.energy < rb.energy * 1e-4); // -48 dB: 1.6e-5
}

TEST_CASE("MIDI learn: the reward, episode and channel-mode CCs are refused, and a clash is inactive", "[plugin][midilearn]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 512);
    Runner run(proc);
    auto& learn = proc.midiLearn();
    learn.arm(HostParam::tau);
    run.block(cc(1, 100));   // the reward CC: refused, still armed, and it still sets the reward
    CHECK(learn.armed() == HostParam::tau);
    CHECK(learn.lastRefusedCc() == 1);
    CHECK(proc.monitor().midiRewardEvents.load() == 1);
    run.block(cc(64, 127));  // the episode CC
    CHECK(learn.lastRefusedCc() == 64);
    run.block(cc(123, 0));   // all notes off
    CHECK(learn.lastRefusedCc() == 123);
    CHECK(learn.refusals() == 3);
    proc.setResetWeightsCc(20); // the reset-weights CC, once one is chosen
    run.block(cc(20, 127));
    CHECK(learn.lastRefusedCc() == 20);
    CHECK(learn.refusals() == 4);
    proc.setResetWeightsCc(-1);
    CHECK(learn.mappings().empty());
    CHECK_FALSE(learn.map(121, HostParam::tau)); // channel-mode messages are never mapped
    run.block(cc(9, 127));
    CHECK(learn.ccFor(HostParam::tau) == 9);
    proc.commitParameterOverrides();

    // the reward CC moved onto a mapped CC: the reward wins, the mapping waits (kept, inactive)
    proc.setRewardCc(9);
    CHECK(proc.reservedCcs().contains(9));
    const int rewardsBefore = proc.monitor().midiRewardEvents.load();
    run.block(cc(9, 0));
    CHECK_FALSE(proc.parameterOverrides().pending(HostParam::tau).has_value());
    CHECK(proc.monitor().midiRewardEvents.load() == rewardsBefore + 1);
    CHECK(learn.ccFor(HostParam::tau) == 9);
    proc.setRewardCc(1);
    run.block(cc(9, 0));
    CHECK(proc.parameterOverrides().pending(HostParam::tau).has_value());
}

TEST_CASE("MIDI learn: one CC per parameter and one parameter per CC; clearing", "[plugin][midilearn]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 512);
    Runner run(proc);
    auto& learn = proc.midiLearn();
    learn.map(9, HostParam::tau);
    learn.arm(HostParam::tau);
    run.block(cc(10, 5));                          // learning again moves tau to CC 10
    CHECK(learn.ccFor(HostParam::tau) == 10);
    CHECK_FALSE(learn.paramFor(9).has_value());
    learn.map(10, HostParam::leak);               // CC 10 now drives leak only
    CHECK(learn.ccFor(HostParam::tau) == -1);
    CHECK(learn.paramFor(10) == HostParam::leak);
    learn.map(11, HostParam::sigma);
    learn.map(12, HostParam::scale);
    CHECK(learn.mappings().size() == 3);
    learn.clearCc(11);
    CHECK(learn.ccFor(HostParam::sigma) == -1);
    learn.clearParam(HostParam::scale);
    CHECK(learn.mappings().size() == 1);
    const int serial = learn.serial();
    learn.arm(HostParam::focus);
    learn.clearAll();
    CHECK(learn.mappings().empty());
    CHECK_FALSE(learn.armed().has_value());
    CHECK(learn.serial() > serial);
    run.block(cc(10, 127));
    CHECK_FALSE(proc.parameterOverrides().pending(HostParam::leak).has_value());
}

TEST_CASE("MIDI learn and OSC settings: saved in the state and restored", "[plugin][midilearn][osc][state]") {
    GradedCellsProcessor a;
    a.midiLearn().map(7, HostParam::tau);
    a.midiLearn().map(74, HostParam::activation);
    OscSettings s;
    s.enabled = false; // (not opened here: the state test must not need a free port)
    s.port = 9123;
    s.feedback = false;
    s.feedbackHost = "192.168.1.20";
    s.feedbackPort = 9124;
    s.feedbackSelect = "err/L, hid/*";
    a.osc().setSettings(s);
    const auto block = graded::test::stateOf(a);
    auto xml = juce::AudioProcessor::getXmlFromBinary(block.getData(), static_cast<int>(block.getSize()));
    REQUIRE(xml != nullptr);
    CHECK(xml->getChildByName("MidiLearn") != nullptr);
    CHECK(xml->getChildByName("MidiLearn")->getIntAttribute("version") == 1);
    CHECK(xml->getChildByName("Osc") != nullptr);

    GradedCellsProcessor b;
    b.midiLearn().map(3, HostParam::leak); // replaced by the state's
    b.setStateInformation(block.getData(), static_cast<int>(block.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK(b.midiLearn().mappings() == a.midiLearn().mappings());
    CHECK(b.osc().settings() == s);

    // a state from before MIDI learn and OSC: no mappings, OSC off
    b.setStateInformation(nullptr, 0);
    const auto old = graded::test::binaryXml(R"(<GradedCellsState formatVersion="1"><Patch source="factory" index="0"/></GradedCellsState>)");
    b.setStateInformation(old.getData(), static_cast<int>(old.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK(b.midiLearn().mappings().empty());
    CHECK(b.osc().settings() == OscSettings{});

    // resetToDefaultState clears them too
    a.resetToDefaultState();
    CHECK(a.midiLearn().mappings().empty());
    CHECK(a.osc().settings() == OscSettings{});
}

TEST_CASE("MIDI learn and OSC: hostile state blocks refuse the state whole, the previous one stays",
          "[plugin][midilearn][osc][state][hardening]") {
    const char* blocks[] = {
        R"(<MidiLearn version="1"><Map cc="200" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="-1" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="abc" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="1e3" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="121" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="7" param="tau"/><Map cc="7" param="leak"/></MidiLearn>)",
        R"(<MidiLearn version="1"><Map cc="7" param="tau"/><Map cc="8" param="tau"/></MidiLearn>)",
        R"(<MidiLearn version="x"/>)",
        R"(<MidiLearn version="-3"/>)",
        R"(<Osc version="1" port="0"/>)",
        R"(<Osc version="1" port="70000"/>)",
        R"(<Osc version="1" port="12ab"/>)",
        R"(<Osc version="1" enabled="maybe"/>)",
        R"(<Osc version="1" feedbackPort="-5"/>)",
        R"(<Osc version="1" feedbackHost="bad host!"/>)",
        R"(<Osc version="" />)",
    };
    GradedCellsProcessor proc;
    proc.midiLearn().map(5, HostParam::focus);
    for (const char* b : blocks) {
        INFO(b);
        const auto state = graded::test::binaryXml(juce::String(R"(<GradedCellsState formatVersion="1"><Patch source="factory" index="0"/>)") + b
                                                   + "</GradedCellsState>");
        proc.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        CHECK(proc.lastStateError().isNotEmpty());
        CHECK(proc.midiLearn().ccFor(HostParam::focus) == 5);
        CHECK_FALSE(proc.osc().settings().enabled);
    }
    // 129 mappings
    juce::String many = R"(<GradedCellsState formatVersion="1"><MidiLearn version="1">)";
    for (int i = 0; i < 129; ++i) many << "<Map cc=\"" << (i % 120) << "\" param=\"tau\"/>";
    many << "</MidiLearn></GradedCellsState>";
    const auto state = graded::test::binaryXml(many);
    proc.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    CHECK(proc.lastStateError().contains("128"));
    CHECK(proc.midiLearn().ccFor(HostParam::focus) == 5);

    // a newer version's parameter id or element is skipped, the rest loads
    const auto newer = graded::test::binaryXml(
        R"(<GradedCellsState formatVersion="1"><MidiLearn version="2"><Map cc="7" param="fromTheFuture"/><Map cc="8" param="tau"/><Curve/></MidiLearn></GradedCellsState>)");
    proc.setStateInformation(newer.getData(), static_cast<int>(newer.getSize()));
    CHECK(proc.lastStateError().isEmpty());
    CHECK(proc.midiLearn().mappings().size() == 1);
    CHECK(proc.midiLearn().ccFor(HostParam::tau) == 8);
}

TEST_CASE("OSC address table: parsing and every kind of bad message", "[plugin][osc]") {
    auto parse = [](const juce::OSCMessage& m) { return parseOscMessage(m); };
    auto a = parse(msg("/gradedcells/reward", 0.5f));
    CHECK(a.kind == OscAction::reward);
    CHECK(a.value == 0.5f);
    CHECK(parse(msg("/gradedcells/reward", juce::int32(-1))).value == -1.f);
    CHECK(parse(msg("/gradedcells/reward", juce::int32(1))).kind == OscAction::reward);

    a = parse(msg("/gradedcells/param/tau", 200.f));
    CHECK(a.kind == OscAction::setParam);
    CHECK(a.param == HostParam::tau);
    CHECK(a.value == 200.f);
    a = parse(msg("/gradedcells/param", juce::String("dryWet"), 0.25f));
    CHECK(a.kind == OscAction::setParam);
    CHECK(a.param == HostParam::dryWet);
    a = parse(msg("/gradedcells/param/activation", 2.6f)); // a choice: the nearest index
    CHECK(a.value == 3.f);
    CHECK(parse(msg("/gradedcells/param/emaWindow", juce::int32(12))).value == 12.f);

    CHECK(parse(msg("/gradedcells/episode/end")).kind == OscAction::endEpisode);
    CHECK(parse(msg("/gradedcells/episode/end", 1.f)).kind == OscAction::endEpisode);
    CHECK(parse(msg("/gradedcells/episode/end", juce::int32(0))).kind == OscAction::nothing); // a button's release
    CHECK(parse(msg("/gradedcells/cells/reset")).kind == OscAction::resetCells);
    CHECK(parse(msg("/gradedcells/weights/reset", juce::int32(1))).kind == OscAction::resetWeights);

    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    const juce::OSCMessage badOnes[] = {
        msg("/gradedcells/reward"),
        msg("/gradedcells/reward", 1.5f),
        msg("/gradedcells/reward", -1.01f),
        msg("/gradedcells/reward", nan),
        msg("/gradedcells/reward", inf),
        msg("/gradedcells/reward", juce::String("0.5")),
        msg("/gradedcells/reward", 0.5f, 0.5f),
        msg("/gradedcells/param/tau", 5000.f),
        msg("/gradedcells/param/tau", 0.5f),      // below its 1 ms
        msg("/gradedcells/param/tau", nan),
        msg("/gradedcells/param/tau", juce::String("fast")),
        msg("/gradedcells/param/tau"),
        msg("/gradedcells/param/nope", 1.f),
        msg("/gradedcells/param/", 1.f),
        msg("/gradedcells/param", 1.f, 1.f),
        msg("/gradedcells/param", juce::String("nope"), 1.f),
        msg("/gradedcells/param/activation", 14.f),
        msg("/gradedcells/episode/end", juce::String("now")),
        msg("/gradedcells/episode/end", nan),
        msg("/gradedcells/cells/reset", 1.f, 1.f),
        msg("/gradedcells/nothing"),
        msg("/other/reward", 0.5f),
        msg("/gradedcells/*", 0.5f),
    };
    for (const auto& m : badOnes) {
        const auto r = parse(m);
        INFO(m.getAddressPattern().toString() << " -> " << r.error);
        CHECK(r.kind == OscAction::ignored);
        CHECK(r.error.isNotEmpty());
    }
}

TEST_CASE("OSC feedback selectors", "[plugin][osc]") {
    using graded::plugin::oscSelectorMatches;
    CHECK(oscSelectorMatches("*", "err", "L"));
    CHECK(oscSelectorMatches("err/L", "err", "L"));
    CHECK_FALSE(oscSelectorMatches("err/L", "err", "Lx"));
    CHECK_FALSE(oscSelectorMatches("err/L", "hid", "L"));
    CHECK(oscSelectorMatches("hid/zF, err/*", "err", "mu"));
    CHECK(oscSelectorMatches("*/L", "e2", "L"));
    CHECK_FALSE(oscSelectorMatches("", "err", "L"));
}

TEST_CASE("OSC dispatch: events reach the engine like MIDI's, parameters like MIDI learn's, bad ones are counted",
          "[plugin][osc]") {
    const int patch = factoryIndex("Reward-Gated EQ");
    GradedCellsProcessor viaOsc, viaMidi, none;
    for (auto* p : {&viaOsc, &viaMidi, &none}) {
        p->selectFactoryPatch(patch);
        p->prepareToPlay(48000.0, 512);
    }
    Runner ro(viaOsc), rm(viaMidi), rn(none);
    for (int i = 0; i < 10; ++i) { ro.block(); rm.block(); rn.block(); }
    viaOsc.osc().dispatch(msg("/gradedcells/reward", 1.f)); // the same event as CC 1 = 127 at offset 0
    ro.block();
    rm.block(cc(1, 127));
    rn.block();
    CHECK(viaOsc.osc().counters().rewards.load() == 1);
    CHECK(viaOsc.osc().lastReward() == 1.f);
    bool differs = false;
    for (int i = 0; i < 200; ++i) {
        ro.block(); rm.block(); rn.block();
        for (int ch = 0; ch < 2; ++ch)
            for (int s = 0; s < 512; ++s) {
                REQUIRE(ro.buffer.getSample(ch, s) == rm.buffer.getSample(ch, s));
                differs = differs || ro.buffer.getSample(ch, s) != rn.buffer.getSample(ch, s);
            }
    }
    CHECK(differs); // the reward acted

    auto& osc = viaOsc.osc();
    osc.dispatch(msg("/gradedcells/param/outputGain", -12.f));
    CHECK(osc.counters().paramsSet.load() == 1);
    ro.block();
    viaOsc.commitParameterOverrides();
    CHECK(valueOf(viaOsc, "outputGain") == -12.f);
    osc.dispatch(msg("/gradedcells/episode/end"));
    osc.dispatch(msg("/gradedcells/cells/reset", 1.f));
    osc.dispatch(msg("/gradedcells/weights/reset"));
    ro.block();
    CHECK(osc.counters().episodeEnds.load() == 1);
    CHECK(osc.counters().cellResets.load() == 1);
    CHECK(osc.counters().weightResets.load() == 1);

    const int ignored = osc.counters().ignored.load();
    osc.dispatch(msg("/gradedcells/param/nope", 1.f));
    osc.dispatch(msg("/gradedcells/reward", std::numeric_limits<float>::quiet_NaN()));
    CHECK(osc.counters().ignored.load() == ignored + 2);
    CHECK(osc.lastError().contains("finite"));

    // nobody draining: the queue fills, the rest are counted and dropped
    for (int i = 0; i < 300; ++i) osc.dispatch(msg("/gradedcells/reward", 0.f));
    CHECK(osc.counters().queueFull.load() >= 300 - 256);
    ro.block();
    CHECK(osc.counters().queueFull.load() < 300);
}

TEST_CASE("OSC: the port is off by default, opens exclusively and says when it cannot", "[plugin][osc]") {
    GradedCellsProcessor a, b;
    CHECK_FALSE(a.osc().listening());
    CHECK(a.osc().status() == "off");
    OscSettings s;
    s.enabled = true;
    juce::Random random;
    bool opened = false;
    for (int attempt = 0; attempt < 50 && !opened; ++attempt) {
        s.port = 20000 + random.nextInt(30000);
        a.osc().setSettings(s);
        opened = a.osc().listening();
    }
    REQUIRE(opened);
    CHECK(a.osc().status().contains(juce::String(s.port)));
    b.osc().setSettings(s); // the same port: refused, and said
    CHECK_FALSE(b.osc().listening());
    CHECK(b.osc().status().contains("cannot"));
    CHECK(b.osc().settings().enabled); // the user's choice is kept (saved) all the same
    s.enabled = false;
    a.osc().setSettings(s);
    CHECK_FALSE(a.osc().listening());
    b.osc().setSettings(OscSettings{}); // (b retries only when asked)
}

TEST_CASE("MIDI learn and OSC on the audio thread: no allocation, no lock", "[realtime][plugin]") {
    REQUIRE(graded::test::rtcheck::interposerActive());
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 512);
    juce::AudioBuffer<float> buffer(2, 512);
    juce::MidiBuffer midi;
    midi.ensureSize(4096);
    juce::Random random(3);
    long long phase = 0;
    proc.midiLearn().map(7, HostParam::tau);
    proc.midiLearn().map(8, HostParam::activation);
    long allocations = 0, locks = 0;
    for (int b = 0; b < 400; ++b) {
        if (b % 50 == 0) proc.midiLearn().arm(static_cast<HostParam>(b / 50 % 6));
        if (b % 3 == 0) proc.osc().dispatch(msg("/gradedcells/reward", random.nextFloat()));
        if (b % 7 == 0) proc.osc().dispatch(msg("/gradedcells/param/dryWet", random.nextFloat()));
        if (b % 11 == 0) proc.osc().dispatch(msg("/gradedcells/episode/end"));
        if (b % 13 == 0) proc.osc().dispatch(msg("/gradedcells/weights/reset"));
        if (b % 17 == 0) proc.osc().dispatch(msg("/gradedcells/cells/reset"));
        if (b % 5 == 0) proc.commitParameterOverrides();
        graded::test::fillSignal(buffer, 512, 48000.0, phase, random);
        midi.clear();
        for (int k = 0; k < 4; ++k)
            midi.addEvent(juce::MidiMessage::controllerEvent(1, 7 + random.nextInt(8), random.nextInt(128)), random.nextInt(512));
        graded::test::rtcheck::Scope scope;
        proc.processBlock(buffer, midi);
        allocations += scope.counts().allocations;
        locks += scope.counts().locks;
    }
    CHECK(proc.midiLearn().applied() > 0);
    CHECK(proc.osc().counters().applied.load() > 0);
    CHECK(allocations == 0);
    CHECK(locks == 0);
}
