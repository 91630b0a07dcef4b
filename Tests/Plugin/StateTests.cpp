// SPDX-License-Identifier: GPL-3.0-or-later
// Saved state: round trips, older versions, and hostile data (random, empty, truncated,
// foreign, malformed, too big, too deep) that must be refused whole, keeping the previous
// state, and say why.
#include "PluginProcessor.h"
#include "ProcessorTestUtil.h"

#include <catch2/catch.hpp>

using graded::HostParam;
using graded::plugin::GradedCellsProcessor;

namespace {

using graded::test::binaryXml;
using graded::test::stateOf;

std::vector<float> plainValues(GradedCellsProcessor& proc) {
    std::vector<float> v;
    for (int i = 0; i < graded::kNumHostParams; ++i)
        v.push_back(proc.parameters().getRawParameterValue(graded::plugin::parameterId(static_cast<HostParam>(i)))->load());
    return v;
}

void setRandomValues(GradedCellsProcessor& proc, juce::Random& random) {
    for (auto* p : proc.getParameters()) {
        auto* ranged = dynamic_cast<juce::RangedAudioParameter*>(p);
        if (ranged->paramID == "patch") continue;
        ranged->setValueNotifyingHost(random.nextFloat());
    }
}

bool isDefaultState(GradedCellsProcessor& proc) {
    bool ok = true;
    for (int i = 0; i < graded::kNumHostParams; ++i) {
        const auto p = static_cast<HostParam>(i);
        auto* param = proc.parameters().getParameter(graded::plugin::parameterId(p));
        const float expected = param->convertFrom0to1(param->getDefaultValue());
        const float actual = proc.parameters().getRawParameterValue(graded::plugin::parameterId(p))->load();
        if (std::fabs(expected - actual) > 1e-4f * std::max(1.f, std::fabs(expected))) {
            UNSCOPED_INFO("parameter " << std::string(graded::hostParamInfo(p).id) << " = " << actual);
            ok = false;
        }
    }
    const auto patch = proc.currentPatch();
    return ok && !patch.user && patch.factoryIndex == 0 && proc.rewardCc() == graded::plugin::kDefaultRewardCc;
}

/** A processor moved away from the defaults, so a fallback is visible. */
std::unique_ptr<GradedCellsProcessor> dirtyProcessor() {
    auto proc = std::make_unique<GradedCellsProcessor>();
    juce::Random random(99);
    setRandomValues(*proc, random);
    proc->setRewardCc(20);
    if (graded::factoryPatches().size() > 1) proc->selectFactoryPatch(1);
    return proc;
}

} // namespace

TEST_CASE("state round trip: every parameter, the patch and the MIDI mapping", "[plugin][state]") {
    juce::Random random(5);
    for (int trial = 0; trial < 10; ++trial) {
        GradedCellsProcessor a;
        if (trial % 2 == 1) a.prepareToPlay(48000.0, 256);
        setRandomValues(a, random);
        const int index = trial % static_cast<int>(graded::factoryPatches().size());
        a.selectFactoryPatch(index);
        a.setRewardCc(trial + 2);
        a.setEpisodeCc(trial + 30);
        const auto saved = stateOf(a);

        GradedCellsProcessor b;
        b.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
        CHECK(b.lastStateError().isEmpty());
        const auto va = plainValues(a), vb = plainValues(b);
        for (size_t i = 0; i < va.size(); ++i) {
            INFO("parameter " << std::string(graded::kHostParams[i].id));
            CHECK(vb[i] == Approx(va[i]).epsilon(1e-5).margin(1e-6));
        }
        CHECK(b.currentPatch().factoryIndex == index);
        CHECK_FALSE(b.currentPatch().user);
        CHECK(b.rewardCc() == trial + 2);
        CHECK(b.episodeCc() == trial + 30);
        CHECK(b.getCurrentProgram() == index);
        // The saved state is the XML the README documents.
        auto xml = juce::AudioProcessor::getXmlFromBinary(saved.getData(), static_cast<int>(saved.getSize()));
        REQUIRE(xml != nullptr);
        CHECK(xml->getTagName() == "GradedCellsState");
        CHECK(xml->getIntAttribute("formatVersion") == 1);
    }
}

TEST_CASE("state round trip with a user patch", "[plugin][state]") {
    GradedCellsProcessor a;
    juce::String error;
    auto json = graded::factoryPatches().back().json;
    REQUIRE(a.loadUserPatchJson(json, error));
    const auto saved = stateOf(a);
    GradedCellsProcessor b;
    b.prepareToPlay(44100.0, 128);
    b.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK(b.currentPatch().user);
    CHECK(b.currentPatch().userJson == json);
    CHECK(b.currentPatchName() == a.currentPatchName());
}

TEST_CASE("older and newer state versions load", "[plugin][state]") {
    for (const char* version : {"", "formatVersion=\"0\"", "formatVersion=\"7\""}) {
        INFO("version attribute: " << version);
        GradedCellsProcessor proc;
        const auto state = binaryXml(juce::String("<GradedCellsState ") + version + ">"
                                     "<PARAMETERS><PARAM id=\"tau\" value=\"123.5\"/>"
                                     "<PARAM id=\"activation\" value=\"2\"/><PARAM id=\"futureParam\" value=\"1\"/>"
                                     "</PARAMETERS></GradedCellsState>");
        proc.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        CHECK(proc.lastStateError().isEmpty());
        CHECK(proc.parameters().getRawParameterValue("tau")->load() == Approx(123.5f));
        CHECK(proc.parameters().getRawParameterValue("activation")->load() == Approx(2.f));
        CHECK(proc.parameters().getRawParameterValue("sigma")->load() == Approx(1.f)); // missing -> default
    }
}

TEST_CASE("corrupt state is refused whole: the previous state stays and the reason is given", "[plugin][state][corrupt]") {
    GradedCellsProcessor reference;
    const auto good = stateOf(*dirtyProcessor());

    auto expectDefault = [&good](const void* data, int size, const char* what) {
        auto proc = dirtyProcessor();
        proc->prepareToPlay(44100.0, 64);
        const auto before = stateOf(*proc);
        proc->setStateInformation(data, size);
        INFO(what);
        CHECK_FALSE(isDefaultState(*proc));
        CHECK(stateOf(*proc) == before); // nothing of the refused state was applied
        CHECK(before == good);
        CHECK(proc->lastStateError().isNotEmpty());
        // and it still runs
        juce::AudioBuffer<float> buffer(2, 64);
        buffer.clear();
        juce::MidiBuffer midi;
        proc->processBlock(buffer, midi);
    };

    expectDefault(nullptr, 0, "null");
    expectDefault(good.getData(), 0, "empty");
    expectDefault(good.getData(), -5, "negative size");

    juce::Random random(1234);
    for (int trial = 0; trial < 40; ++trial) {
        juce::MemoryBlock junk(static_cast<size_t>(1 + random.nextInt(2000)));
        random.fillBitsRandomly(junk.getData(), junk.getSize());
        expectDefault(junk.getData(), static_cast<int>(junk.getSize()), "random bytes");
    }
    for (int cut : {1, 4, 8, 9, 20, 50, 100, 200, static_cast<int>(good.getSize()) / 2,
                    static_cast<int>(good.getSize()) - 30, static_cast<int>(good.getSize()) - 2}) {
        if (cut <= 0 || cut >= static_cast<int>(good.getSize())) continue;
        expectDefault(good.getData(), cut, "truncated");
    }
    // Magic number intact, text corrupted in the middle.
    juce::MemoryBlock flipped(good);
    for (size_t i = 40; i < flipped.getSize() - 10; i += 7) static_cast<char*>(flipped.getData())[i] = '<';
    expectDefault(flipped.getData(), static_cast<int>(flipped.getSize()), "corrupted text");

    const auto foreign = binaryXml("<SomeOtherPlugin formatVersion=\"1\"><PARAMETERS/></SomeOtherPlugin>");
    expectDefault(foreign.getData(), static_cast<int>(foreign.getSize()), "foreign XML");
    const juce::String foreignText = "<?xml version=\"1.0\"?><VST3PluginState><IComponent>abc</IComponent></VST3PluginState>";
    expectDefault(foreignText.toRawUTF8(), static_cast<int>(foreignText.getNumBytesAsUTF8()), "foreign plain XML");

    const auto badValue = binaryXml("<GradedCellsState formatVersion=\"1\"><PARAMETERS>"
                                    "<PARAM id=\"tau\" value=\"abc\"/></PARAMETERS></GradedCellsState>");
    expectDefault(badValue.getData(), static_cast<int>(badValue.getSize()), "malformed value");
    const auto nanValue = binaryXml("<GradedCellsState formatVersion=\"1\"><PARAMETERS>"
                                    "<PARAM id=\"tau\" value=\"nan\"/></PARAMETERS></GradedCellsState>");
    expectDefault(nanValue.getData(), static_cast<int>(nanValue.getSize()), "NaN value");
    const auto badPatch = binaryXml("<GradedCellsState formatVersion=\"1\"><Patch source=\"user\" json=\"{&quot;nodes&quot;: 3}\"/>"
                                    "</GradedCellsState>");
    expectDefault(badPatch.getData(), static_cast<int>(badPatch.getSize()), "invalid user patch");
    const auto badSource = binaryXml("<GradedCellsState formatVersion=\"1\"><Patch source=\"cloud\"/></GradedCellsState>");
    expectDefault(badSource.getData(), static_cast<int>(badSource.getSize()), "unknown patch source");
    const auto badCc = binaryXml("<GradedCellsState formatVersion=\"1\"><Midi rewardCc=\"300\"/></GradedCellsState>");
    expectDefault(badCc.getData(), static_cast<int>(badCc.getSize()), "CC out of range");
}

TEST_CASE("the workbench's draft and open state: saved, restored, and a bad one ignored (not a reason to refuse)", "[plugin][state]") {
    GradedCellsProcessor a;
    a.setWorkbenchDraft(true, R"({"format": 1, "name": "draft", "nodes": []})");
    const auto saved = graded::test::stateOf(a);
    GradedCellsProcessor b;
    b.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK(b.workbenchDraft().open);
    CHECK(b.workbenchDraft().draft == R"({"format": 1, "name": "draft", "nodes": []})");
    const auto serial = b.workbenchDraft().serial;
    b.setStateInformation(saved.getData(), static_cast<int>(saved.getSize()));
    CHECK(b.workbenchDraft().serial > serial); // each load offers its draft again

    // not JSON: kept as text (the editor says it cannot open it); odd "open": closed
    const auto odd = binaryXml("<GradedCellsState formatVersion=\"1\"><Workbench open=\"yes\" draft=\"not json &lt;\"/></GradedCellsState>");
    b.setStateInformation(odd.getData(), static_cast<int>(odd.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK_FALSE(b.workbenchDraft().open);
    CHECK(b.workbenchDraft().draft == "not json <");
    // past a patch's size: dropped, the rest loads
    const juce::String big = juce::String::repeatedString("x", int(graded::limits::kMaxPatchBytes) + 1);
    const auto huge = binaryXml("<GradedCellsState formatVersion=\"1\"><Workbench open=\"1\" draft=\"" + big + "\"/></GradedCellsState>");
    b.setStateInformation(huge.getData(), static_cast<int>(huge.getSize()));
    CHECK(b.lastStateError().isEmpty());
    CHECK(b.workbenchDraft().open);
    CHECK(b.workbenchDraft().draft.empty());
    // and the default state clears it
    b.resetToDefaultState();
    CHECK_FALSE(b.workbenchDraft().open);
    CHECK(b.workbenchDraft().draft.empty());
}
