// SPDX-License-Identifier: GPL-3.0-or-later
// Processor-level tests: the AudioProcessor at every supported rate, block size and layout,
// hostile input, every parameter swept across its range, MIDI driving the reward cell and
// patch switching while processing.
#include "PluginProcessor.h"
#include "TestSignals.h"

#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <limits>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;
using graded::test::fillSignal;
using graded::test::OutputCheck;

namespace {

void setLayout(GradedCellsProcessor& proc, int channels) {
    const auto set = channels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
    juce::AudioProcessor::BusesLayout layout;
    layout.inputBuses.add(set);
    layout.outputBuses.add(set);
    REQUIRE(proc.setBusesLayout(layout));
}

void setPlain(GradedCellsProcessor& proc, HostParam p, float value) {
    auto* param = proc.parameters().getParameter(graded::plugin::parameterId(p));
    REQUIRE(param != nullptr);
    param->setValueNotifyingHost(param->convertTo0to1(value));
}

/** Runs `seconds` of the test signal in blocks from `nextBlock`; returns the output check. */
template <typename NextBlock>
OutputCheck run(GradedCellsProcessor& proc, double sampleRate, int channels, double seconds,
                NextBlock nextBlock, juce::MidiBuffer* midi = nullptr) {
    OutputCheck check;
    juce::AudioBuffer<float> buffer(channels, 4096);
    juce::MidiBuffer empty;
    juce::Random random(1);
    long long phase = 0;
    const long long total = static_cast<long long>(seconds * sampleRate);
    while (phase < total) {
        const int n = nextBlock();
        buffer.setSize(channels, n, false, false, true);
        fillSignal(buffer, n, sampleRate, phase, random);
        proc.processBlock(buffer, midi != nullptr ? *midi : empty);
        check.check(buffer, n);
        if (midi != nullptr) midi->clear();
    }
    return check;
}

int findFactoryPatchWithReward() {
    const auto& patches = graded::factoryPatches();
    for (size_t i = 0; i < patches.size(); ++i) {
        const auto patch = graded::loadPatch(patches[i].json);
        for (const auto& node : patch.nodes)
            if (node.kind == graded::NodeKind::RewardErrorCell) return static_cast<int>(i);
    }
    return -1;
}

} // namespace

TEST_CASE("parameters come from the host parameter table", "[plugin][params]") {
    GradedCellsProcessor proc;
    const auto& params = proc.getParameters();
    REQUIRE(params.size() == graded::kNumHostParams);
    for (int i = 0; i < graded::kNumHostParams; ++i) {
        const auto& info = graded::kHostParams[static_cast<size_t>(i)];
        auto* p = dynamic_cast<juce::RangedAudioParameter*>(params[i]);
        REQUIRE(p != nullptr);
        CHECK(p->paramID == juce::String(info.id.data(), info.id.size()));
        CHECK(p->getVersionHint() == info.versionHint);
        CHECK(p->getLabel() == juce::String(info.unit.data(), info.unit.size()));
        CHECK(p->convertFrom0to1(p->getDefaultValue()) == Approx(info.defaultValue).margin(1e-4));
        CHECK(p->getNormalisableRange().start == Approx(info.min));
        CHECK(p->getNormalisableRange().end == Approx(info.max));
    }
    auto* activation = dynamic_cast<juce::AudioParameterChoice*>(proc.parameters().getParameter("activation"));
    REQUIRE(activation != nullptr);
    CHECK(activation->choices.size() == graded::kNumActivations);
    CHECK(activation->choices[4] == "tanh");
    auto* step = dynamic_cast<juce::AudioParameterChoice*>(proc.parameters().getParameter("step"));
    REQUIRE(step != nullptr);
    CHECK(step->choices[0] == "16 samples");
    auto* patch = proc.parameters().getParameter("patch");
    REQUIRE(patch != nullptr);
    REQUIRE(!graded::factoryPatches().empty());
    CHECK(patch->getText(patch->convertTo0to1(0.f), 100) ==
          juce::String(graded::factoryPatches().front().name));
    CHECK(proc.getNumPrograms() >= 1);
    CHECK(proc.getProgramName(0).isNotEmpty());
}

TEST_CASE("bus layouts: mono or stereo, in == out", "[plugin][layout]") {
    GradedCellsProcessor proc;
    juce::AudioProcessor::BusesLayout l;
    l.inputBuses.add(juce::AudioChannelSet::mono());
    l.outputBuses.add(juce::AudioChannelSet::mono());
    CHECK(proc.checkBusesLayoutSupported(l));
    l.outputBuses.getReference(0) = juce::AudioChannelSet::stereo();
    CHECK_FALSE(proc.checkBusesLayoutSupported(l));
    l.inputBuses.getReference(0) = juce::AudioChannelSet::stereo();
    CHECK(proc.checkBusesLayoutSupported(l));
    l.inputBuses.getReference(0) = juce::AudioChannelSet::create5point1();
    l.outputBuses.getReference(0) = juce::AudioChannelSet::create5point1();
    CHECK_FALSE(proc.checkBusesLayoutSupported(l));
}

TEST_CASE("every sample rate, block size and layout gives finite, normal output", "[plugin][rates]") {
    const double rates[] = {22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
    const int sizes[] = {1, 2, 3, 17, 64, 128, 441, 512, 1000, 4096};
    for (int channels : {1, 2}) {
        for (double sr : rates) {
            GradedCellsProcessor proc;
            setLayout(proc, channels);
            proc.prepareToPlay(sr, 4096);
            CHECK(proc.getLatencySamples() > 0);
            for (int size : sizes) {
                INFO("channels " << channels << " rate " << sr << " block " << size);
                const double seconds = size < 16 ? 0.05 : 0.25;
                const auto check = run(proc, sr, channels, seconds, [size] { return size; });
                CHECK(check.ok());
                CHECK(check.energy > 0.0);
            }
            juce::Random random(static_cast<juce::int64>(sr) + channels);
            INFO("channels " << channels << " rate " << sr << " varying blocks");
            const auto check = run(proc, sr, channels, 0.5, [&random] { return 1 + random.nextInt(4096); });
            CHECK(check.ok());
            CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
        }
    }
}

TEST_CASE("the result does not depend on the block size", "[plugin][blocksize]") {
    auto render = [](int blockSize) {
        GradedCellsProcessor proc;
        proc.prepareToPlay(48000.0, 4096);
        juce::AudioBuffer<float> buffer(2, 4096), all(2, 48000);
        juce::MidiBuffer midi;
        juce::Random random(7);
        long long phase = 0;
        int pos = 0;
        while (pos < all.getNumSamples()) {
            const int n = std::min(blockSize, all.getNumSamples() - pos);
            buffer.setSize(2, n, false, false, true);
            fillSignal(buffer, n, 48000.0, phase, random);
            proc.processBlock(buffer, midi);
            for (int ch = 0; ch < 2; ++ch) all.copyFrom(ch, pos, buffer, ch, 0, n);
            pos += n;
        }
        return all;
    };
    const auto a = render(4096);
    const auto b = render(37);
    double maxDiff = 0.0;
    for (int ch = 0; ch < 2; ++ch)
        for (int i = 0; i < a.getNumSamples(); ++i)
            maxDiff = std::max(maxDiff, static_cast<double>(std::fabs(a.getSample(ch, i) - b.getSample(ch, i))));
    CHECK(maxDiff < 1e-4);
}

TEST_CASE("NaN, Inf, huge and subnormal input give finite output", "[plugin][hostile]") {
    for (int channels : {1, 2}) {
        GradedCellsProcessor proc;
        setLayout(proc, channels);
        proc.prepareToPlay(44100.0, 512);
        juce::AudioBuffer<float> buffer(channels, 512);
        juce::MidiBuffer midi;
        OutputCheck check;
        const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(), 1e30f, -1e30f, FLT_MIN / 4.f,
                                  -FLT_MIN / 8.f, 0.5f};
        juce::Random random(3);
        for (int block = 0; block < 400; ++block) {
            for (int ch = 0; ch < channels; ++ch)
                for (int i = 0; i < 512; ++i)
                    buffer.setSample(ch, i, random.nextInt(4) == 0 ? specials[random.nextInt(8)]
                                                                  : random.nextFloat() - 0.5f);
            proc.processBlock(buffer, midi);
            check.check(buffer, 512);
        }
        CHECK(check.ok());
        // Recovers: ordinary input afterwards still gives sound.
        const auto after = run(proc, 44100.0, channels, 0.5, [] { return 512; });
        CHECK(after.ok());
        CHECK(after.energy > 0.0);
    }
}

TEST_CASE("sweeping every parameter across its range keeps the output finite and normal", "[plugin][sweep]") {
    for (int channels : {1, 2}) {
        GradedCellsProcessor proc;
        setLayout(proc, channels);
        proc.prepareToPlay(48000.0, 512);
        for (int i = 0; i < graded::kNumHostParams; ++i) {
            const auto p = static_cast<HostParam>(i);
            const auto& info = graded::hostParamInfo(p);
            const int points = info.type == graded::HostParamType::continuous ? 9
                               : static_cast<int>(info.max - info.min) + 1;
            for (int k = 0; k < std::min(points, 16); ++k) {
                const float v = info.min + (info.max - info.min) * static_cast<float>(k) /
                                              static_cast<float>(std::max(1, std::min(points, 16) - 1));
                setPlain(proc, p, v);
                if (p == HostParam::patch) REQUIRE(proc.waitForPatchBuilds(5000));
                INFO("channels " << channels << " param " << std::string(info.id) << " = " << v);
                const auto check = run(proc, 48000.0, channels, 0.1, [] { return 256; });
                CHECK(check.ok());
            }
            setPlain(proc, p, info.defaultValue);
            if (p == HostParam::patch) REQUIRE(proc.waitForPatchBuilds(5000));
        }
        // Every parameter at its minimum, then every one at its maximum, at once.
        for (bool top : {false, true}) {
            for (int i = 0; i < graded::kNumHostParams; ++i) {
                const auto p = static_cast<HostParam>(i);
                if (p == HostParam::patch) continue;
                setPlain(proc, p, top ? graded::hostParamInfo(p).max : graded::hostParamInfo(p).min);
            }
            INFO("channels " << channels << (top ? " all max" : " all min"));
            const auto check = run(proc, 48000.0, channels, 0.5, [] { return 333; });
            CHECK(check.ok());
        }
        CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
    }
}

TEST_CASE("MIDI drives the reward cell sample-accurately", "[plugin][midi]") {
    GradedCellsProcessor proc;
    const int rewardPatch = findFactoryPatchWithReward();
    if (rewardPatch >= 0) proc.selectFactoryPatch(rewardPatch);
    proc.prepareToPlay(48000.0, 512);
    juce::MidiBuffer midi;

    midi.addEvent(juce::MidiMessage::noteOn(1, 60, static_cast<juce::uint8>(127)), 100);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().midiRewardEvents.load() == 1);
    CHECK(proc.monitor().lastMidiReward.load() == Approx(1.0f));

    midi.addEvent(juce::MidiMessage::controllerEvent(1, 1, 64), 3);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().midiRewardEvents.load() == 2);
    CHECK(proc.monitor().lastMidiReward.load() == Approx(64.0f / 127.0f));

    midi.addEvent(juce::MidiMessage::noteOff(1, 60), 511);
    midi.addEvent(juce::MidiMessage::noteOn(1, 61, static_cast<juce::uint8>(0)), 20); // note-off too
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().episodeEnds.load() == 2);

    midi.addEvent(juce::MidiMessage::allNotesOff(1), 0);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().cellResets.load() == 1);

    // A different reward CC: CC 1 no longer counts, CC 74 does.
    proc.setRewardCc(74);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 1, 100), 0);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 74, 127), 0);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().midiRewardEvents.load() == 3);
    CHECK(proc.monitor().lastMidiReward.load() == Approx(1.0f));

    // The episode CC (default 64, the sustain pedal) ends an episode on its rising edge only.
    CHECK(proc.episodeCc() == graded::plugin::kDefaultEpisodeCc);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 127), 10);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 100), 20); // still down: no edge
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 0), 30);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 90), 40);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().episodeEnds.load() == 4);
    proc.setEpisodeCc(20);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 0), 0);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 64, 127), 1);
    midi.addEvent(juce::MidiMessage::controllerEvent(1, 20, 127), 2);
    run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
    CHECK(proc.monitor().episodeEnds.load() == 5);

    if (rewardPatch < 0) {
        WARN("no factory patch has a RewardErrorCell; reward reached only the engine's event queue");
        return;
    }
    // The reward reaches the cell: hold a note-on reward and read the cell's input.
    auto* engine = proc.engineForProcessingThread();
    REQUIRE(engine != nullptr);
    std::string rewardNode;
    for (const auto& node : engine->info().nodes)
        if (node.kind == graded::NodeKind::RewardErrorCell) rewardNode = node.id;
    REQUIRE(!rewardNode.empty());
    setPlain(proc, HostParam::reward, 0.f);
    midi.addEvent(juce::MidiMessage::noteOn(1, 60, static_cast<juce::uint8>(127)), 0);
    run(proc, 48000.0, 2, 0.05, [] { return 512; }, &midi);
    const auto reward = engine->probe(rewardNode, "reward");
    REQUIRE(!reward.empty());
    CHECK(reward[0] == Approx(1.0f).margin(1e-4));
}

TEST_CASE("switching patches while processing hands engines over", "[plugin][patch]") {
    const int count = static_cast<int>(graded::factoryPatches().size());
    GradedCellsProcessor proc;
    proc.prepareToPlay(44100.0, 256);
    juce::Random random(11);
    for (int round = 0; round < 3 * count; ++round) {
        const int index = round % count;
        setPlain(proc, HostParam::patch, static_cast<float>(index));
        // Keep processing while the builder works, as a host would.
        for (int wait = 0; wait < 200 && proc.currentPatch().factoryIndex != index; ++wait) {
            run(proc, 44100.0, 2, 0.005, [] { return 256; });
            juce::Thread::sleep(1);
        }
        const auto check = run(proc, 44100.0, 2, 0.05, [&random] { return 1 + random.nextInt(256); });
        CHECK(check.ok());
        CHECK(proc.currentPatch().factoryIndex == index);
        CHECK(proc.currentPatchName() == juce::String(graded::factoryPatches()[static_cast<size_t>(index)].name));
    }
    CHECK(proc.monitor().engineSwaps.load() >= count - 1);

    // A user patch from a file; a broken one is refused with a reason.
    auto file = juce::File::createTempFile(".json");
    file.replaceWithText(graded::factoryPatches().back().json);
    juce::String error;
    CHECK(proc.loadUserPatchFile(file, error));
    CHECK(proc.currentPatch().user);
    file.replaceWithText("{ \"nodes\": [ ");
    CHECK_FALSE(proc.loadUserPatchFile(file, error));
    CHECK(error.isNotEmpty());
    CHECK(proc.currentPatch().user);
    file.deleteFile();
    run(proc, 44100.0, 2, 0.05, [] { return 128; });
}

TEST_CASE("MIDI reward is bipolar: low notes and pitch bend punish; the reward returns to 0 after the last note unless held",
          "[plugin][midi]") {
    for (const auto release : {graded::plugin::RewardRelease::zero, graded::plugin::RewardRelease::hold}) {
        GradedCellsProcessor proc;
        proc.setRewardRelease(release);
        proc.prepareToPlay(48000.0, 512);
        juce::MidiBuffer midi;
        auto reward = [&] { return proc.monitor().lastMidiReward.load(); };
        midi.addEvent(juce::MidiMessage::noteOn(1, 48, static_cast<juce::uint8>(127)), 0); // below middle C
        run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
        CHECK(reward() == Approx(-1.f));
        midi.addEvent(juce::MidiMessage::noteOn(1, 72, static_cast<juce::uint8>(64)), 0);
        run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
        CHECK(reward() == Approx(64.f / 127.f));
        midi.addEvent(juce::MidiMessage::noteOff(1, 48), 0); // one note still held: no release
        run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
        CHECK(reward() == Approx(64.f / 127.f));
        midi.addEvent(juce::MidiMessage::noteOff(1, 72), 0);
        run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
        CHECK(reward() == Approx(release == graded::plugin::RewardRelease::zero ? 0.f : 64.f / 127.f));
        CHECK(proc.monitor().episodeEnds.load() == 2);
        for (const auto& [bend, expected] : std::vector<std::pair<int, float>>{{0, -1.f}, {8192, 0.f}, {16383, 1.f}, {4096, -0.5f}}) {
            midi.addEvent(juce::MidiMessage::pitchWheel(1, bend), 0);
            run(proc, 48000.0, 2, 0.01, [] { return 512; }, &midi);
            CHECK(reward() == Approx(expected));
        }
        CHECK(proc.monitor().midiRewardEvents.load() == 6);
        // saved and restored
        juce::MemoryBlock state;
        proc.getStateInformation(state);
        GradedCellsProcessor other;
        other.setRewardRelease(release == graded::plugin::RewardRelease::zero ? graded::plugin::RewardRelease::hold
                                                                              : graded::plugin::RewardRelease::zero);
        other.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        CHECK(other.rewardRelease() == release);
    }
    // a state from before the setting keeps the old behaviour (hold)
    GradedCellsProcessor old;
    juce::MemoryBlock block;
    juce::AudioProcessor::copyXmlToBinary(*juce::parseXML("<GradedCellsState formatVersion=\"1\"><Midi rewardCc=\"1\" episodeCc=\"64\"/></GradedCellsState>"), block);
    old.setStateInformation(block.getData(), static_cast<int>(block.getSize()));
    CHECK(old.lastStateError().isEmpty());
    CHECK(old.rewardRelease() == graded::plugin::RewardRelease::hold);
}
