// SPDX-License-Identifier: GPL-3.0-or-later
// Learning in the plugin: the learn / learnRate / resetWeights parameters and the reset-weights
// CC, learned weights in the state (bit for bit, tied to the patch, hostile blocks refused),
// the notices when learning is thrown away, npz export and import, and no allocation on the
// audio thread while the synapses learn.
#include "ProcessorTestUtil.h"
#include "RtCheck.h"

#include <Engine/WeightAccess.h>
#include <Synapses/Npz.h>
#include <Limits.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

using graded::HostParam;
using graded::WeightSet;
using graded::plugin::GradedCellsProcessor;
using namespace graded::test;
namespace rtcheck = graded::test::rtcheck;

namespace {

constexpr double kFs = 48000.0;

std::string circuitJson() {
    const auto file = juce::File(GRADED_TEST_PATCHES_DIR).getChildFile("pc-circuit.json");
    REQUIRE(file.existsAsFile());
    return file.loadFileAsString().toStdString();
}

void setParam(GradedCellsProcessor& proc, const char* id, float plain) {
    auto* p = proc.parameters().getParameter(id);
    REQUIRE(p != nullptr);
    p->setValueNotifyingHost(p->convertTo0to1(plain));
}

/** A processor running the test circuit, prepared at 48 kHz stereo (block `block`). */
std::unique_ptr<GradedCellsProcessor> circuitProcessor(int block = 512, bool prepare = true) {
    auto proc = std::make_unique<GradedCellsProcessor>();
    juce::String error;
    REQUIRE(proc->loadUserPatchJson(circuitJson(), error));
    if (prepare) proc->prepareToPlay(kFs, block);
    return proc;
}

/** `seconds` of a steady chord (three partials) through the processor in blocks of `block`;
    returns the output (channel 0) when `out` is given. `start` continues the phase. */
void play(GradedCellsProcessor& proc, double seconds, int block = 512, std::vector<float>* out = nullptr, long long* start = nullptr,
          juce::MidiBuffer* firstMidi = nullptr) {
    long long t = start ? *start : 0;
    const long long end = t + std::llround(seconds * kFs);
    juce::AudioBuffer<float> buffer(2, block);
    juce::MidiBuffer midi;
    bool first = true;
    while (t < end) {
        const int n = static_cast<int>(std::min<long long>(block, end - t));
        buffer.setSize(2, n, false, false, true);
        for (int i = 0; i < n; ++i) {
            const double x = double(t + i) / kFs;
            const float v = float(0.3 * std::sin(2 * M_PI * 440 * x) + 0.15 * std::sin(2 * M_PI * 1320 * x) + 0.08 * std::sin(2 * M_PI * 3300 * x));
            buffer.setSample(0, i, v);
            buffer.setSample(1, i, v);
        }
        midi.clear();
        proc.processBlock(buffer, first && firstMidi ? *firstMidi : midi);
        first = false;
        if (out) out->insert(out->end(), buffer.getReadPointer(0), buffer.getReadPointer(0) + n);
        t += n;
    }
    if (start) *start = t;
}

WeightSet weightsOf(GradedCellsProcessor& proc) {
    WeightSet set;
    juce::String why;
    INFO(why);
    REQUIRE(proc.learnedWeights(set, why));
    return set;
}

const graded::SynapseWeights& w1(const WeightSet& set) {
    for (const auto& w : set)
        if (w.id == "W1") return w;
    FAIL("no W1");
    return set.front();
}

bool bitIdentical(const WeightSet& a, const WeightSet& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].id != b[i].id || a[i].weights.size() != b[i].weights.size() || a[i].biases.size() != b[i].biases.size()) return false;
        if (std::memcmp(a[i].weights.data(), b[i].weights.data(), a[i].weights.size() * sizeof(float)) != 0) return false;
        if (!a[i].biases.empty() && std::memcmp(a[i].biases.data(), b[i].biases.data(), a[i].biases.size() * sizeof(float)) != 0) return false;
    }
    return true;
}

/** The state's XML text with the Weights element's data replaced by `base64` (or removed). */
juce::MemoryBlock withWeightData(const juce::MemoryBlock& state, const juce::String& base64) {
    auto xml = juce::AudioProcessor::getXmlFromBinary(state.getData(), static_cast<int>(state.getSize()));
    REQUIRE(xml != nullptr);
    auto* weights = xml->getChildByName("Weights");
    REQUIRE(weights != nullptr);
    weights->setAttribute("data", base64);
    juce::MemoryBlock out;
    juce::AudioProcessor::copyXmlToBinary(*xml, out);
    return out;
}

std::uint64_t fnv(const std::string& s) { return graded::patchContentHash(s); }

} // namespace

TEST_CASE("learning: learn, learnRate and resetWeights are host parameters (version 3)", "[plugin][learning]") {
    GradedCellsProcessor proc;
    struct Expect { const char* id; float def; };
    for (auto e : {Expect{"learn", 1.f}, Expect{"learnRate", 1.f}, Expect{"resetWeights", 0.f}}) {
        INFO(e.id);
        auto* p = dynamic_cast<juce::RangedAudioParameter*>(proc.parameters().getParameter(e.id));
        REQUIRE(p != nullptr);
        CHECK(p->getVersionHint() == 3);
        CHECK(p->convertFrom0to1(p->getDefaultValue()) == Approx(e.def));
    }
    auto* rate = dynamic_cast<juce::RangedAudioParameter*>(proc.parameters().getParameter("learnRate"));
    CHECK(rate->getNormalisableRange().start == 0.f);
    CHECK(rate->getNormalisableRange().end == 10.f);
    CHECK(rate->getNormalisableRange().convertFrom0to1(0.5f) == Approx(1.f)); // skewed: 1 in the middle
    // the ids that were there before keep their versions
    CHECK(dynamic_cast<juce::RangedAudioParameter*>(proc.parameters().getParameter("threshold"))->getVersionHint() == 2);
}

TEST_CASE("learning: learn off freezes the weights bit for bit; on, they learn", "[plugin][learning]") {
    auto proc = circuitProcessor();
    const auto initial = weightsOf(*proc);
    play(*proc, 1.0);
    const auto learned = weightsOf(*proc);
    CHECK_FALSE(bitIdentical(initial, learned));
    setParam(*proc, "learn", 0.f);
    play(*proc, 1.0);
    CHECK(bitIdentical(weightsOf(*proc), learned));
    setParam(*proc, "learnRate", 0.f); // a scale of 0 freezes too
    setParam(*proc, "learn", 1.f);
    play(*proc, 0.5);
    CHECK(bitIdentical(weightsOf(*proc), learned));
    setParam(*proc, "learnRate", 1.f);
    play(*proc, 0.5);
    CHECK_FALSE(bitIdentical(weightsOf(*proc), learned));
}

TEST_CASE("learning: learnRate scales the update", "[plugin][learning]") {
    // From the same state, the first step that changes W1 (its weights or its biases) changes
    // it twice as much at learnRate 2.
    auto a = circuitProcessor(64), b = circuitProcessor(64);
    setParam(*b, "learnRate", 2.f);
    auto flat = [](const graded::SynapseWeights& w) {
        auto v = w.weights;
        v.insert(v.end(), w.biases.begin(), w.biases.end());
        return v;
    };
    const auto w0 = flat(w1(weightsOf(*a)));
    REQUIRE(w0 == flat(w1(weightsOf(*b))));
    long long ta = 0, tb = 0;
    for (int step = 0; step < 2000; ++step) {
        play(*a, 64 / kFs, 64, nullptr, &ta);
        play(*b, 64 / kFs, 64, nullptr, &tb);
        const auto wa = flat(w1(weightsOf(*a)));
        if (wa == w0) continue;
        const auto wb = flat(w1(weightsOf(*b)));
        double da = 0, db = 0;
        for (size_t i = 0; i < w0.size(); ++i) {
            da += std::fabs(double(wa[i]) - w0[i]);
            db += std::fabs(double(wb[i]) - w0[i]);
        }
        INFO("first change at step " << step << ": |dW| + |db| " << da << " (learnRate 1), " << db << " (learnRate 2)");
        CHECK(da > 0);
        CHECK(db == Approx(2 * da).epsilon(1e-4));
        return;
    }
    FAIL("W1 never changed");
}

TEST_CASE("learning: resetWeights (parameter edge, and a MIDI CC) restores the initial weights", "[plugin][learning]") {
    auto proc = circuitProcessor();
    const auto initial = weightsOf(*proc);
    play(*proc, 1.0);
    REQUIRE_FALSE(bitIdentical(weightsOf(*proc), initial));
    setParam(*proc, "learn", 0.f); // nothing learns after the reset: the weights stay initial
    const int resets = proc->monitor().weightResets.load();
    setParam(*proc, "resetWeights", 1.f);
    play(*proc, 0.1);
    CHECK(bitIdentical(weightsOf(*proc), initial));
    CHECK(proc->monitor().weightResets.load() == resets + 1);
    // held: no further reset; learning again changes them; the edge again resets
    setParam(*proc, "learn", 1.f);
    play(*proc, 1.0);
    CHECK_FALSE(bitIdentical(weightsOf(*proc), initial));
    setParam(*proc, "resetWeights", 0.f);
    setParam(*proc, "learn", 0.f);
    play(*proc, 0.1);
    CHECK_FALSE(bitIdentical(weightsOf(*proc), initial));

    // the CC: off by default; set to 20, its rising edge resets
    CHECK(proc->resetWeightsCc() == -1);
    juce::MidiBuffer cc;
    cc.addEvent(juce::MidiMessage::controllerEvent(1, 20, 127), 0);
    play(*proc, 0.02, 512, nullptr, nullptr, &cc);
    CHECK_FALSE(bitIdentical(weightsOf(*proc), initial));
    proc->setResetWeightsCc(20);
    juce::MidiBuffer up;
    up.addEvent(juce::MidiMessage::controllerEvent(1, 20, 0), 0);
    up.addEvent(juce::MidiMessage::controllerEvent(1, 20, 100), 10);
    play(*proc, 0.02, 512, nullptr, nullptr, &up);
    CHECK(bitIdentical(weightsOf(*proc), initial));
    // the CC is saved
    auto other = std::make_unique<GradedCellsProcessor>();
    const auto state = stateOf(*proc);
    other->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
    CHECK(other->resetWeightsCc() == 20);
}

TEST_CASE("learning: learned weights are saved and restored bit for bit; the render continues identically", "[plugin][learning][state]") {
    auto a = circuitProcessor();
    play(*a, 3.0);
    const auto learned = weightsOf(*a);
    const auto state = stateOf(*a);
    REQUIRE(state.getSize() > 0);

    for (bool prepareFirst : {false, true}) {
        INFO("restored into a fresh processor, " << (prepareFirst ? "prepared before" : "prepared after") << " setStateInformation");
        GradedCellsProcessor b;
        if (prepareFirst) b.prepareToPlay(kFs, 512);
        b.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        CHECK(b.lastStateError().isEmpty());
        if (!prepareFirst) {
            // saved again before the audio starts: the restored weights are still in the state
            const auto again = stateOf(b);
            GradedCellsProcessor c;
            c.setStateInformation(again.getData(), static_cast<int>(again.getSize()));
            c.prepareToPlay(kFs, 512);
            CHECK(bitIdentical(weightsOf(c), learned));
            b.prepareToPlay(kFs, 512);
        }
        CHECK(bitIdentical(weightsOf(b), learned));
        CHECK(b.weightsNotice().isEmpty());

        // From the same weights and rest, a and b render the same sound bit for bit.
        a->reset();
        std::vector<float> outA, outB;
        long long ta = 0, tb = 0;
        play(*a, 1.0, 512, &outA, &ta);
        play(b, 1.0, 512, &outB, &tb);
        REQUIRE(outA.size() == outB.size());
        CHECK(std::memcmp(outA.data(), outB.data(), outA.size() * sizeof(float)) == 0);
        CHECK(bitIdentical(weightsOf(*a), weightsOf(b)));
        // (a keeps learning: restore its saved weights for the next round)
        a->setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        CHECK(bitIdentical(weightsOf(*a), learned));
    }
}

TEST_CASE("learning: learned weights survive prepareToPlay and releaseResources", "[plugin][learning]") {
    auto proc = circuitProcessor();
    play(*proc, 1.0);
    const auto learned = weightsOf(*proc);
    proc->prepareToPlay(kFs, 256); // a host re-prepares
    CHECK(bitIdentical(weightsOf(*proc), learned));
    proc->releaseResources();
    proc->prepareToPlay(44100.0, 512);
    CHECK(bitIdentical(weightsOf(*proc), learned));
    // reloading the same patch keeps them too
    juce::String error;
    REQUIRE(proc->loadUserPatchJson(circuitJson(), error));
    CHECK(bitIdentical(weightsOf(*proc), learned));
    CHECK(proc->weightsNotice().isEmpty());
}

TEST_CASE("learning: a patch switch or a state load that drops learned weights says so", "[plugin][learning]") {
    auto proc = circuitProcessor();
    const auto emptyState = [&] { // the same patch, saved before it learned, without weights
        auto s = stateOf(*proc);
        auto xml = juce::AudioProcessor::getXmlFromBinary(s.getData(), static_cast<int>(s.getSize()));
        REQUIRE(xml != nullptr);
        xml->removeChildElement(xml->getChildByName("Weights"), true);
        juce::MemoryBlock out;
        juce::AudioProcessor::copyXmlToBinary(*xml, out);
        return out;
    }();
    play(*proc, 1.0);
    const int before = proc->weightsNoticeCount();
    proc->selectFactoryPatch(0);
    CHECK(proc->weightsNoticeCount() == before + 1);
    CHECK(proc->weightsNotice().contains("W1"));
    CHECK(proc->weightsNotice().contains("discarded"));

    // a state without weights replaces learned ones: said too
    juce::String error;
    REQUIRE(proc->loadUserPatchJson(circuitJson(), error));
    play(*proc, 1.0);
    proc->setStateInformation(emptyState.getData(), static_cast<int>(emptyState.getSize()));
    CHECK(proc->weightsNotice().contains("W1"));
    CHECK(proc->weightsNotice().contains("a saved state was loaded"));

    // a patch without synapses switching to another: nothing to say
    proc->selectFactoryPatch(0);
    const int count = proc->weightsNoticeCount();
    proc->selectFactoryPatch(1);
    CHECK(proc->weightsNoticeCount() == count);
}

TEST_CASE("learning: an edit of the running patch (the workbench's) keeps what same-id, same-shape synapses learned", "[plugin][learning]") {
    auto proc = circuitProcessor();
    play(*proc, 1.0);
    const auto learned = weightsOf(*proc);
    const auto initial = weightsOf(*circuitProcessor());
    REQUIRE_FALSE(bitIdentical(learned, initial));
    auto edited = nlohmann::json::parse(circuitJson());
    edited["nodes"][1]["params"]["tau_m"] = 30;        // z1 retuned
    edited["nodes"][2]["params"]["eta"] = 0.01;        // W1's learning rate halved (its shape stays)
    juce::String error;
    const int notices = proc->weightsNoticeCount();
    REQUIRE(proc->loadUserPatchJson(edited.dump(), error, true));
    CHECK(bitIdentical(weightsOf(*proc), learned));      // in the new engine before it plays
    CHECK(proc->weightsNoticeCount() == notices);
    play(*proc, 0.5);
    CHECK_FALSE(bitIdentical(weightsOf(*proc), learned)); // and it goes on learning from there

    // A shape change drops them, and says so; without keepMatchingWeights any change drops them.
    auto reshaped = nlohmann::json::parse(circuitJson());
    reshaped["nodes"][1]["params"]["n_units"] = 5;
    reshaped["nodes"][2]["params"]["shape"] = {5, 8};
    reshaped["nodes"][4]["params"]["shape"] = {8, 5};
    REQUIRE(proc->loadUserPatchJson(reshaped.dump(), error, true));
    CHECK(proc->weightsNotice().contains("W1"));
    CHECK(proc->weightsNotice().contains("changed shape"));
    play(*proc, 1.0);
    REQUIRE(proc->loadUserPatchJson(edited.dump(), error));
    CHECK(proc->weightsNotice().contains("the patch changed"));
}

TEST_CASE("learning: hostile weight blocks are refused with a reason, never a crash", "[plugin][learning][hardening]") {
    auto source = circuitProcessor();
    play(*source, 0.5);
    const auto state = stateOf(*source);
    const auto good = weightsOf(*source);
    const std::uint64_t hash = fnv(circuitJson());
    const auto initial = weightsOf(*circuitProcessor());

    auto base64 = [](const std::string& bytes) { return juce::Base64::toBase64(bytes.data(), bytes.size()); };
    auto withChecksum = [](std::string body) {
        const std::uint64_t sum = graded::patchContentHash(body);
        for (int i = 0; i < 8; ++i) body.push_back(char((sum >> (8 * i)) & 0xff));
        return body;
    };
    auto u32 = [](std::uint32_t v) { std::string s; for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xff)); return s; };
    auto u64 = [](std::uint64_t v) { std::string s; for (int i = 0; i < 8; ++i) s.push_back(char((v >> (8 * i)) & 0xff)); return s; };
    const std::string header = std::string("GCWT") + u32(1) + u64(hash);

    auto shape = good;
    w1(shape); // (exists)
    for (auto& w : shape) if (w.id == "W1") { w.nIn = 5; w.weights.resize(40); }
    auto nonFinite = good;
    for (auto& w : nonFinite) if (w.id == "W1") w.weights[3] = std::numeric_limits<float>::quiet_NaN();
    auto unknown = good;
    unknown[0].id = "nope";
    auto noBias = good;
    for (auto& w : noBias) if (w.id == "W1") w.biases.clear();
    std::string flipped = graded::encodeWeightBlock(good, hash);
    flipped[flipped.size() / 2] ^= 0x10;
    std::string newer = graded::encodeWeightBlock(good, hash);
    newer[4] = 2;

    struct Case { const char* name; juce::String data; const char* reason; };
    const std::vector<Case> cases = {
        {"not base64", "!!!***", "base64"},
        {"empty", "", "base64"},
        {"foreign bytes", base64("hello, this is not a weight block at all"), "not a weight block"},
        {"flipped bit", base64(flipped), "checksum"},
        {"truncated", base64(graded::encodeWeightBlock(good, hash).substr(0, 60)), ""},
        {"newer version", base64(newer), "version"},
        {"another patch", base64(graded::encodeWeightBlock(good, hash ^ 1)), "another version of the patch"},
        {"wrong shape", base64(graded::encodeWeightBlock(shape, hash)), "[4, 8]"},
        {"non-finite", base64(withChecksum(graded::encodeWeightBlock(nonFinite, hash).substr(0, graded::encodeWeightBlock(nonFinite, hash).size() - 8))), "not finite"},
        {"unknown synapse", base64(graded::encodeWeightBlock(unknown, hash)), "no synapse 'nope'"},
        {"biases missing", base64(graded::encodeWeightBlock(noBias, hash)), "biases"},
        {"a billion synapses", base64(withChecksum(header + u32(1000000000u))), "synapses"},
        {"a huge shape", base64(withChecksum(header + u32(1) + u32(2) + "W1" + u32(65536) + u32(65536) + u32(0))), "bad shape"},
        {"count beyond the data", base64(withChecksum(header + u32(3) + u32(2) + "W1" + u32(4) + u32(8) + u32(8))), "truncated"},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        auto proc = circuitProcessor();
        const auto hostile = withWeightData(state, c.data);
        proc->setStateInformation(hostile.getData(), static_cast<int>(hostile.getSize()));
        CHECK(proc->lastStateError().isEmpty()); // the rest of the state loads
        const auto notice = proc->weightsNotice();
        INFO("notice: " << notice);
        CHECK(notice.contains("refused"));
        if (*c.reason) CHECK(notice.contains(c.reason));
        CHECK(bitIdentical(weightsOf(*proc), initial)); // the patch's own weights
        std::vector<float> out;
        play(*proc, 0.2, 512, &out);
        for (float v : out) REQUIRE(std::isfinite(v));
    }
}

TEST_CASE("learning: the decoder refuses every truncation and bit flip of a block", "[plugin][learning][hardening]") {
    auto proc = circuitProcessor();
    play(*proc, 0.3);
    const std::string block = graded::encodeWeightBlock(weightsOf(*proc), 42);
    WeightSet set;
    std::uint64_t hash = 0;
    std::string error;
    REQUIRE(graded::decodeWeightBlock(block, set, hash, error));
    CHECK(hash == 42);
    CHECK(bitIdentical(set, weightsOf(*proc)));
    for (size_t n = 0; n < block.size(); ++n) {
        INFO("first " << n << " bytes");
        REQUIRE_FALSE(graded::decodeWeightBlock(std::string_view(block).substr(0, n), set, hash, error));
    }
    for (size_t i = 0; i < block.size(); i += 7) {
        std::string bad = block;
        bad[i] ^= 0x01;
        INFO("bit flip at " << i);
        REQUIRE_FALSE(graded::decodeWeightBlock(bad, set, hash, error));
    }
}

TEST_CASE("learning: weights export to ngclearn's npz layout and import back", "[plugin][learning][npz]") {
    auto a = circuitProcessor();
    play(*a, 1.0);
    const auto learned = weightsOf(*a);
    const auto dir = juce::File::createTempFile("gc-weights");
    juce::StringArray written;
    juce::String error;
    REQUIRE(a->exportWeights(dir, written, error));
    REQUIRE(written.size() == 1); // E1 is tied to W1: not written
    CHECK(written[0].endsWith("W1.npz"));
    const auto bytes = graded::npz::readFile(written[0].toStdString(), graded::npz::kMaxNpzBytes);
    std::vector<std::string> members;
    for (const auto& m : graded::npz::readZip(bytes)) members.push_back(m.first);
    CHECK(members == std::vector<std::string>{"weights.npy", "biases.npy", "mask.npy"});

    auto b = circuitProcessor();
    const int notices = b->weightsNoticeCount();
    REQUIRE(b->importWeights(juce::File(written[0]), "W1", error));
    CHECK(b->weightsNoticeCount() > notices);
    CHECK(bitIdentical(weightsOf(*b), learned));
    play(*b, 0.2); // the imported weights run (and learn)
    const auto running = weightsOf(*b);

    // refused: a tied synapse, an unknown one, a file of the wrong shape, garbage
    CHECK_FALSE(b->importWeights(juce::File(written[0]), "E1", error));
    CHECK(error.contains("W1"));
    CHECK_FALSE(b->importWeights(juce::File(written[0]), "nope", error));
    CHECK(error.contains("no synapse"));
    graded::npz::Array wrong;
    wrong.shape = {4, 6};
    wrong.float64 = false;
    wrong.values.assign(24, 0.5);
    const auto wrongFile = dir.getChildFile("wrong.npz");
    graded::npz::writeFile(wrongFile.getFullPathName().toStdString(), graded::npz::writeZip({{"weights.npy", graded::npz::writeNpy(wrong)}}));
    CHECK_FALSE(b->importWeights(wrongFile, "W1", error));
    CHECK(error.contains("shape"));
    const auto garbage = dir.getChildFile("garbage.npz");
    garbage.replaceWithText("PK not really");
    CHECK_FALSE(b->importWeights(garbage, "W1", error));
    wrong.shape = {4, 8};
    wrong.values.assign(32, 0.5);
    wrong.values[5] = std::numeric_limits<double>::infinity();
    graded::npz::writeFile(wrongFile.getFullPathName().toStdString(), graded::npz::writeZip({{"weights.npy", graded::npz::writeNpy(wrong)}}));
    CHECK_FALSE(b->importWeights(wrongFile, "W1", error));
    CHECK(error.contains("finite"));
    CHECK(bitIdentical(weightsOf(*b), running)); // nothing changed
    dir.deleteRecursively();
}

TEST_CASE("learning: the heat map frames arrive, downsampled, from the audio thread", "[plugin][learning]") {
    auto proc = circuitProcessor();
    auto frame = std::make_unique<graded::WeightHeatFrame>();
    CHECK_FALSE(proc->popWeightHeat(*frame));
    play(*proc, 0.5);
    REQUIRE(proc->popWeightHeat(*frame));
    CHECK(frame->count == 1); // W1 (E1 is tied)
    CHECK(std::string(frame->maps[0].id) == "W1");
    CHECK(frame->maps[0].rows == 4);
    CHECK(frame->maps[0].cols == 8);
    const auto w = w1(weightsOf(*proc)).weights;
    float hi = -1e9f;
    for (float v : w) hi = std::max(hi, v);
    CHECK(frame->maps[0].hi <= hi + 1.f); // (a frame from a few blocks ago)
    CHECK(frame->serial > 0);
    CHECK_FALSE(proc->popWeightHeat(*frame)); // read: nothing newer yet
}

TEST_CASE("learning: processBlock with learning on, heat maps, resets and toggles neither allocates nor locks", "[realtime][plugin][learning]") {
    REQUIRE(rtcheck::interposerActive());
    auto proc = circuitProcessor(1024);
    proc->setResetWeightsCc(21);
    juce::AudioBuffer<float> buffer(2, 1024);
    juce::MidiBuffer midi;
    midi.ensureSize(4096);
    long allocations = 0, locks = 0;
    long long t = 0;
    auto frame = std::make_unique<graded::WeightHeatFrame>();
    int frames = 0;
    for (int round = 0; round < 40; ++round) {
        setParam(*proc, "learn", round % 5 == 4 ? 0.f : 1.f);
        setParam(*proc, "learnRate", 0.5f + float(round % 3));
        setParam(*proc, "resetWeights", round % 7 == 6 ? 1.f : 0.f);
        for (int b = 0; b < 10; ++b) {
            const int n = 64 + (b * 97) % 960;
            buffer.setSize(2, n, false, false, true);
            for (int i = 0; i < n; ++i) {
                const float v = float(0.3 * std::sin(2 * M_PI * 440 * double(t + i) / kFs));
                buffer.setSample(0, i, v);
                buffer.setSample(1, i, v);
            }
            t += n;
            midi.clear();
            if (b == 3) midi.addEvent(juce::MidiMessage::controllerEvent(1, 21, round % 2 ? 127 : 0), 0);
            {
                rtcheck::Scope scope;
                proc->processBlock(buffer, midi);
                allocations += scope.counts().allocations;
                locks += scope.counts().locks;
            }
        }
        if (proc->popWeightHeat(*frame)) ++frames;
    }
    INFO(frames << " heat frames read");
    CHECK(allocations == 0);
    CHECK(locks == 0);
    CHECK(frames > 0);
    CHECK(proc->monitor().weightResets.load() > 0);
}

TEST_CASE("learning: saving while an audio thread learns gives consistent, restorable weights", "[plugin][learning][threads]") {
    auto proc = circuitProcessor();
    std::atomic<bool> stop{false};
    std::atomic<long> blocks{0};
    std::thread audio([&] {
        juce::AudioBuffer<float> buffer(2, 512);
        juce::MidiBuffer midi;
        long long t = 0;
        while (!stop.load()) {
            for (int i = 0; i < 512; ++i) {
                const float v = float(0.3 * std::sin(2 * M_PI * 440 * double(t + i) / kFs));
                buffer.setSample(0, i, v);
                buffer.setSample(1, i, v);
            }
            t += 512;
            proc->processBlock(buffer, midi);
            blocks.fetch_add(1);
        }
    });
    while (blocks.load() < 50) std::this_thread::yield();
    const auto initial = weightsOf(*circuitProcessor());
    int saved = 0, changed = 0;
    for (int k = 0; k < 40; ++k) {
        const auto state = stateOf(*proc);
        auto xml = juce::AudioProcessor::getXmlFromBinary(state.getData(), static_cast<int>(state.getSize()));
        REQUIRE(xml != nullptr);
        auto* w = xml->getChildByName("Weights");
        REQUIRE(w != nullptr); // never left out: the audio thread pauses between blocks
        juce::MemoryOutputStream decoded;
        REQUIRE(juce::Base64::convertFromBase64(decoded, w->getStringAttribute("data")));
        WeightSet set;
        std::uint64_t hash = 0;
        std::string error;
        INFO(error);
        REQUIRE(graded::decodeWeightBlock(std::string_view(static_cast<const char*>(decoded.getData()), decoded.getDataSize()), set, hash, error));
        ++saved;
        if (!bitIdentical(set, initial)) ++changed;
        // restoring it elsewhere gives exactly what was saved
        if (k % 10 == 0) {
            GradedCellsProcessor other;
            other.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
            other.prepareToPlay(kFs, 512);
            CHECK(bitIdentical(weightsOf(other), set));
        }
        // a reload of the same patch carries the weights while the audio runs
        if (k == 20) {
            juce::String err;
            REQUIRE(proc->loadUserPatchJson(circuitJson(), err));
        }
        juce::Thread::sleep(2);
    }
    stop.store(true);
    audio.join();
    INFO(blocks.load() << " blocks while saving " << saved << " states");
    CHECK(saved == 40);
    CHECK(changed > 0);
    CHECK(proc->weightsNotice().isEmpty());
}
