// SPDX-License-Identifier: GPL-3.0-or-later
// The processor under hostile conditions: latency from the first prepareToPlay and one
// report per change, rates the engine cannot run (the user's patch stays selected, saved,
// and runs again later), over-budget and hostile patches and states (refused, nothing
// lost), and no host callback made while a lock of ours is held.
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"
#include "TestSignals.h"

#include <Limits.h>
#include <XmlCheck.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <thread>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;

namespace {

using graded::test::binaryXml;
using graded::test::pumpMessages;
using graded::test::stateOf;

void setPlain(GradedCellsProcessor& proc, HostParam p, float value) {
    auto* param = proc.parameters().getParameter(graded::plugin::parameterId(p));
    REQUIRE(param != nullptr);
    param->setValueNotifyingHost(param->convertTo0to1(value));
}

/** Counts latency reports and checks the thread they come from. */
struct LatencyWatch final : juce::AudioProcessorListener {
    std::vector<int> reports;
    bool offMessageThread = false;
    void audioProcessorParameterChanged(juce::AudioProcessor*, int, float) override {}
    void audioProcessorChanged(juce::AudioProcessor* p, const ChangeDetails& d) override {
        if (!d.latencyChanged) return;
        reports.push_back(p->getLatencySamples());
        if (!juce::MessageManager::getInstance()->isThisTheMessageThread()) offMessageThread = true;
    }
};

void process(GradedCellsProcessor& proc, int channels, int samples, int block, float level = 0.3f) {
    juce::AudioBuffer<float> buffer(channels, block);
    juce::MidiBuffer midi;
    for (int pos = 0; pos < samples; pos += block) {
        for (int ch = 0; ch < channels; ++ch)
            for (int i = 0; i < block; ++i) buffer.setSample(ch, i, level * float(std::sin(0.05 * (pos + i))));
        proc.processBlock(buffer, midi);
    }
}

/** A user patch that is valid but needs 512-sample steps at 48 kHz stereo (by the engine's
    cost estimate), and more than the budget allows at 192 kHz even with 512-sample steps. */
std::string heavyPatch() {
    return R"({"format": 1, "name": "Heavy", "nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": 8}},
        {"id": "z", "kind": "RateCell", "params": {"n_units": 8400, "integration_type": "rk4"}},
        {"id": "out", "kind": "AudioOut"}], "wires": []})";
}

/** The output limiter's look-ahead at 48 kHz (1 ms): the latency is one step plus this. */
constexpr int kLookahead48k = 48;

} // namespace

TEST_CASE("latency is right from the first prepareToPlay and reported once per change, on the message thread",
          "[plugin][hardening][latency]") {
    for (int choice = 0; choice < 6; ++choice) {
        const int step = graded::kStepChoices[choice];
        INFO("step " << step);
        GradedCellsProcessor proc;
        LatencyWatch watch;
        proc.addListener(&watch);
        setPlain(proc, HostParam::step, float(choice));
        proc.prepareToPlay(48000.0, 512);
        CHECK(proc.getLatencySamples() == step + kLookahead48k);
        const int reportsAtPrepare = int(watch.reports.size());
        for (int i = 0; i < 10; ++i) {
            process(proc, 2, 4800, 480);
            pumpMessages(10);
        }
        CHECK(proc.getLatencySamples() == step + kLookahead48k);
        CHECK(int(watch.reports.size()) == reportsAtPrepare); // nothing changed: no report

        // A real change: exactly one report, from the message thread.
        const int nextChoice = (choice + 3) % 6;
        setPlain(proc, HostParam::step, float(nextChoice));
        for (int i = 0; i < 10; ++i) {
            process(proc, 2, 4800, 480);
            pumpMessages(10);
        }
        CHECK(proc.getLatencySamples() == graded::kStepChoices[nextChoice] + kLookahead48k);
        CHECK(int(watch.reports.size()) == reportsAtPrepare + 1);
        CHECK_FALSE(watch.offMessageThread);
        proc.removeListener(&watch);
    }
}

TEST_CASE("a rate the engine cannot run keeps the user's patch selected and saved; it runs again later",
          "[plugin][hardening][rate]") {
    GradedCellsProcessor proc;
    juce::String error;
    const auto json = graded::factoryPatches().back().json;
    REQUIRE(proc.loadUserPatchJson(json, error));
    for (double rate : {500.0, 2000000.0}) {
        INFO(rate);
        proc.prepareToPlay(rate, 256);
        CHECK(proc.currentPatch().user);
        CHECK(proc.currentPatch().userJson == json);
        CHECK(proc.engineStatus().contains("cannot run"));
        CHECK(proc.getLatencySamples() == 0);
        // dry: the input comes out as it went in
        juce::AudioBuffer<float> buffer(2, 256);
        for (int i = 0; i < 256; ++i) buffer.setSample(0, i, 0.5f * float(std::sin(i * 0.1))), buffer.setSample(1, i, -0.25f);
        juce::AudioBuffer<float> copy(buffer);
        juce::MidiBuffer midi;
        proc.processBlock(buffer, midi);
        for (int i = 0; i < 256; ++i) CHECK(buffer.getSample(0, i) == copy.getSample(0, i));
        // the state still holds the user's patch
        GradedCellsProcessor other;
        const auto saved = stateOf(proc);
        other.setStateInformation(saved.getData(), int(saved.getSize()));
        CHECK(other.lastStateError().isEmpty());
        CHECK(other.currentPatch().user);
        CHECK(other.currentPatch().userJson == json);
    }
    proc.prepareToPlay(48000.0, 256);
    CHECK(proc.engineStatus().isEmpty());
    CHECK(proc.currentPatch().user);
    CHECK(proc.getLatencySamples() == 64 + kLookahead48k);
    process(proc, 2, 4800, 256);
    CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
}

TEST_CASE("a patch over the real-time budget at this rate runs dry and says why; one over it anywhere is refused",
          "[plugin][hardening][budget]") {
    GradedCellsProcessor proc;
    setPlain(proc, HostParam::step, 0.f); // 16 samples asked for
    proc.prepareToPlay(48000.0, 512);
    juce::String error;
    REQUIRE(proc.loadUserPatchJson(heavyPatch(), error));
    process(proc, 2, 4096, 512);
    pumpMessages(50);
    CHECK(proc.engineStatus().isEmpty());
    CHECK(proc.getLatencySamples() == 512 + kLookahead48k); // the smallest step within the budget

    proc.prepareToPlay(192000.0, 512);
    CHECK(proc.currentPatch().user);
    CHECK(proc.engineStatus().contains("real-time budget"));
    CHECK(proc.engineStatus().contains("node 'z'"));

    // Over budget even at 48 kHz with 512-sample steps: refused, the previous patch stays.
    proc.prepareToPlay(48000.0, 512);
    const std::string tooBig = R"({"format": 1, "name": "Too big", "nodes": [
        {"id": "in", "kind": "AudioIn"}, {"id": "a", "kind": "RateCell", "params": {"n_units": 2048}},
        {"id": "b", "kind": "RateCell", "params": {"n_units": 2048}}, {"id": "out", "kind": "AudioOut"}],
        "wires": [{"id": "w", "from": "a.zF", "to": "b.j", "init": "ones"}]})";
    CHECK_FALSE(proc.loadUserPatchJson(tooBig, error));
    CHECK(error.contains("/wires/0"));
    CHECK(error.contains("real-time budget"));
    CHECK(proc.currentPatch().userJson == heavyPatch());
}

TEST_CASE("every problem of a refused user patch is reported, none cut", "[plugin][hardening]") {
    GradedCellsProcessor proc;
    juce::String error;
    CHECK_FALSE(proc.loadUserPatchJson(R"({"format": 2, "name": "", "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 99}},
        {"id": "x", "kind": "Nope"}, {"id": "out", "kind": "AudioOut", "params": {"maxDb": 40}}], "extra": 1})", error));
    INFO(error);
    for (const char* path : {"/format", "/name", "/extra", "/nodes/0/params/bands", "/nodes/1/kind", "/nodes/2/params/maxDb"})
        CHECK(error.contains(path));
    CHECK_FALSE(error.contains("more)"));
}

TEST_CASE("hostile states: the sweep's crashes are refused in bounded time, the previous state kept",
          "[plugin][hardening][state]") {
    GradedCellsProcessor proc;
    proc.selectFactoryPatch(2);
    setPlain(proc, HostParam::tau, 321.f);
    proc.prepareToPlay(48000.0, 256);
    const auto before = stateOf(proc);
    auto expectRefused = [&](const juce::MemoryBlock& data, const char* what, const char* reason) {
        INFO(what);
        proc.setStateInformation(data.getData(), int(data.getSize()));
        CHECK(proc.lastStateError().contains(reason));
        CHECK(stateOf(proc) == before);
        process(proc, 2, 1024, 256);
    };

    // 10^5 nested elements (crashed in parseXML / ValueTree::fromXml)
    {
        juce::String xml = "<GradedCellsState formatVersion=\"1\">";
        juce::MemoryOutputStream deep;
        deep << xml;
        for (int i = 0; i < 100000; ++i) deep << "<a>";
        for (int i = 0; i < 100000; ++i) deep << "</a>";
        deep << "</GradedCellsState>";
        const auto text = deep.toString();
        juce::MemoryBlock block;
        block.append("VC2!", 4); // copyXmlToBinary's magic, little-endian 0x21324356
        const auto len = juce::ByteOrder::swapIfBigEndian(static_cast<juce::uint32>(text.getNumBytesAsUTF8()));
        block.append(&len, 4);
        block.append(text.toRawUTF8(), text.getNumBytesAsUTF8());
        expectRefused(block, "deep binary XML", "nested deeper");
        juce::MemoryBlock plain(text.toRawUTF8(), text.getNumBytesAsUTF8());
        expectRefused(plain, "deep plain XML", "nested deeper");
    }
    // DTD entities: exponential ("billion laughs") and self-referencing (endless recursion)
    for (const char* dtd : {"<!DOCTYPE s [<!ENTITY a \"xxxxxxxxxx\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                            "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
                            "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
                            "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\"><!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">]>",
                            "<!doctype s [<!ENTITY a \"&a;\">]>"}) {
        const juce::String text = juce::String("<?xml version=\"1.0\"?>") + dtd
                                  + "<GradedCellsState formatVersion=\"1\"><Midi rewardCc=\"&h;&a;\"/></GradedCellsState>";
        juce::MemoryBlock block;
        block.append("VC2!", 4);
        const auto len = juce::ByteOrder::swapIfBigEndian(static_cast<juce::uint32>(text.getNumBytesAsUTF8()));
        block.append(&len, 4);
        block.append(text.toRawUTF8(), text.getNumBytesAsUTF8());
        expectRefused(block, "DTD entities", "DTD");
    }
    // the 1 KB patch that crashed the audio thread, inside a state
    {
        const juce::String patch = R"({"format": 1, "name": "x", "nodes": [{"id": "in", "kind": "AudioIn"},
            {"id": "a", "kind": "RateCell", "params": {"n_units": 65537}}, {"id": "b", "kind": "RateCell", "params": {"n_units": 65536}},
            {"id": "out", "kind": "AudioOut"}], "wires": [{"from": "a.zF", "to": "b.j", "init": "ones"}]})";
        juce::XmlElement root("GradedCellsState");
        root.setAttribute("formatVersion", 1);
        auto* p = root.createNewChildElement("Patch");
        p->setAttribute("source", "user");
        p->setAttribute("json", patch);
        juce::MemoryBlock block;
        juce::AudioProcessor::copyXmlToBinary(root, block);
        expectRefused(block, "huge wire in a state", "limit");
        // deep JSON in the user patch of a state
        p->setAttribute("json", R"({"format": 1, "name": "x", "nodes": )" + juce::String::repeatedString("[", 100000) + "]}");
        juce::AudioProcessor::copyXmlToBinary(root, block);
        expectRefused(block, "deep JSON in a state", "nested deeper");
    }
    // a factory index that does not fit an int (undefined conversion before)
    for (const char* index : {"1e300", "-1e300", "1.5", "64", "nan"})
        expectRefused(binaryXml(juce::String("<GradedCellsState formatVersion=\"1\"><Patch source=\"factory\" index=\"") + index + "\"/></GradedCellsState>"),
                      index, "index");
    // numbers JUCE's String::getDoubleValue overflows an int on (found by fuzzing)
    for (const char* v : {"3.51e300880783081", "1e99999999999", "-7e-88888888888888", "1e400"})
        expectRefused(binaryXml(juce::String("<GradedCellsState formatVersion=\"1\"><PARAMETERS><PARAM id=\"tau\" value=\"") + v
                                + "\"/></PARAMETERS></GradedCellsState>"),
                      v, "malformed value");
    // bigger than any state we write
    {
        juce::MemoryBlock big(graded::limits::kMaxStateBytes + 1, true);
        expectRefused(big, "oversized state", "limit");
    }
}

TEST_CASE("the processor's output stays within the +6 dBFS ceiling", "[plugin][hardening]") {
    GradedCellsProcessor proc;
    proc.selectFactoryPatch(4);
    setPlain(proc, HostParam::outputGain, 12.f);
    proc.prepareToPlay(48000.0, 512);
    juce::AudioBuffer<float> buffer(2, 512);
    juce::MidiBuffer midi;
    float peak = 0.f;
    for (int b = 0; b < 200; ++b) {
        for (int ch = 0; ch < 2; ++ch)
            for (int i = 0; i < 512; ++i) buffer.setSample(ch, i, ((b * 512 + i) / 50) % 2 ? 1.f : -1.f);
        proc.processBlock(buffer, midi);
        peak = std::max(peak, buffer.getMagnitude(0, 512));
    }
    CHECK(peak <= graded::limits::kOutputCeiling);
}

TEST_CASE("a patch parameter move builds at once on the message thread, and via the timer from any other thread",
          "[plugin][hardening][patchparam]") {
    GradedCellsProcessor proc;
    proc.prepareToPlay(48000.0, 256);
    const auto v0 = proc.currentPatch().version;
    setPlain(proc, HostParam::patch, 3.f); // message thread (this test's thread)
    CHECK(proc.currentPatch().factoryIndex == 3);
    CHECK(proc.currentPatch().version > v0);
    REQUIRE(proc.currentPatch().patch != nullptr);
    CHECK(proc.currentPatch().patch->name == graded::factoryPatches()[3].name);

    // Host automation on another thread (the audio thread, say): only noted there.
    std::thread automation([&proc] {
        auto* p = proc.parameters().getParameter(graded::plugin::parameterId(HostParam::patch));
        p->setValueNotifyingHost(p->convertTo0to1(1.f));
    });
    automation.join();
    // saved state already says patch 1 although nothing was built yet
    GradedCellsProcessor other;
    const auto saved = stateOf(proc);
    other.setStateInformation(saved.getData(), int(saved.getSize()));
    CHECK(other.currentPatch().factoryIndex == 1);
    for (int i = 0; i < 50 && proc.currentPatch().factoryIndex != 1; ++i) {
        process(proc, 2, 256, 256);
        pumpMessages(10);
    }
    CHECK(proc.currentPatch().factoryIndex == 1);
    process(proc, 2, 4096, 256); // (a swap waits for the crossfade of the one before: ~22 ms)
    pumpMessages(50);
    CHECK(proc.monitor().engineSwaps.load() >= 2);
    CHECK(proc.monitor().nonFiniteOutputs.load() == 0);
}

TEST_CASE("states JUCE's XML parser never returns on are refused by the strict check first", "[plugin][hardening][state]") {
    // Found by fuzzing (Tests/Fuzz): 1 KB states with a tag cut into an attribute hang
    // juce::XmlDocument; the strict well-formedness check refuses them in linear time.
    const juce::File dir(GRADED_HOSTILE_STATES_DIR);
    const auto files = dir.findChildFiles(juce::File::findFiles, false, "*.bin");
    REQUIRE(files.size() >= 3);
    GradedCellsProcessor proc;
    proc.selectFactoryPatch(1);
    const auto before = stateOf(proc);
    for (const auto& f : files) {
        INFO(f.getFileName());
        juce::MemoryBlock data;
        REQUIRE(f.loadFileAsData(data));
        proc.setStateInformation(data.getData(), int(data.getSize()));
        CHECK(proc.lastStateError().contains("malformed XML"));
        CHECK(stateOf(proc) == before);
    }
}

TEST_CASE("the strict XML check accepts what we write and refuses what we never write", "[plugin][hardening][state]") {
    GradedCellsProcessor proc;
    const auto saved = stateOf(proc);
    const std::string_view text(static_cast<const char*>(saved.getData()) + 8, saved.getSize() - 9);
    CHECK(graded::xmlcheck::check(text, 16).empty());
    const char* good[] = {"<a/>", "<?xml version=\"1.0\"?>\n<a x='1' y=\"&amp;&#65;&#x42;\">\n  <b/> <!-- c --> </a>\n"};
    for (const char* g : good) CHECK(graded::xmlcheck::check(g, 16) == "");
    const char* bad[] = {"", "<a>", "<a></b>", "<a x=1/>", "<a x=\"<\"/>", "<a x=\"&foo;\"/>", "<a/><b/>", "text<a/>",
                         "<a><![CDATA[x]]></a>", "<!DOCTYPE a><a/>", "<a><?pi x?></a>", "<a x=\"1\"y=\"2\"/>", "<a x=\"1/>",
                         "<a><b></a></b>", "<a>&</a>", "<a><</a>", "<a><!-- x</a>"};
    for (const char* b : bad) {
        INFO(b);
        CHECK_FALSE(graded::xmlcheck::check(b, 16).empty());
    }
    CHECK_FALSE(graded::xmlcheck::check("<a><a><a/></a></a>", 2).empty());
    CHECK(graded::xmlcheck::check("<a><a><a/></a></a>", 3).empty());
}
