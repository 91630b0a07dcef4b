// SPDX-License-Identifier: GPL-3.0-or-later
// Host test: loads the BUILT VST3 and LV2 bundles through juce::AudioPluginFormatManager
// (this executable does not link the plugin code), then processes audio at 44.1/48/96 kHz,
// block sizes 1..4096, mono and stereo, sweeping every parameter, and round-trips the state.
//
// Findings this test encodes (JUCE 7.0.5, Debian 12):
//
// State round trip. A hosted parameter's getValue() is the HOST's cache of what the host last
// sent (VST3PluginInstance::cachedParamValues; LV2 likewise), not the plugin's value. The
// plugin quantises what it receives: choice/int/bool parameters snap to their steps (Prior
// 0.7016 -> "cauchy" = 2/3), and AudioParameterFloat keeps its PLAIN value as a float, so on
// Tau's strongly skewed range (1..2000 ms, centre 100 ms) normalised 0.003762 becomes plain
// 1.00000006 ms, which reads back as normalised 0.00438. A freshly restored instance reports
// the plugin's values (the VST3 host reads them from the edit controller in
// setComponentStateAndResetParameters), so comparing raw normalised host values was wrong for
// every discrete parameter and for Tau's bottom end; the plugin's state itself is exact (its
// serialised state is identical after the round trip, checked below). The test now compares
// in the plugin's terms: discrete parameters by their step, continuous ones by plain value.
// Also, JUCE's LV2 host lists parameters sorted by URI with "Bypass" first, so the old "first
// 19 parameters" selection held Bypass and missed "Time scale"; parameters are now matched by
// name (graded::kHostParams) in both formats and in both instances.
// Normalisation per format: the VST3 wrapper exposes each AudioProcessorParameter's own
// normalised value (skewed for continuous parameters); the LV2 host normalises the plain port
// value linearly over the TTL's lv2:minimum..lv2:maximum.
// (JUCE 7.0.5's LV2 export writes choice scale points with normalised rdf:values while the
// range is plain; scripts/fix-lv2-ttl.py rewrites them in plain units after every build and
// Tests/Validators checks the bundle with lv2lint.)
//
// Real-time safety through the host wrappers: see "attribute" below.
//
// LV2 layouts: JUCE 7.0.5's LV2 export has fixed ports (the default stereo layout), so a mono
// layout cannot be set on the hosted LV2 plugin; that case is reported with WARN as a known
// limitation (and CHECKed to be only LV2 mono), while stereo is run at every rate and size.
#include "Backtraces.h"
#include "RtCheck.h"
#include "TestSignals.h"

#include <Graph/HostParams.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <iterator>
#include <map>
#include <string>

#include <juce_audio_processors/juce_audio_processors.h>

using graded::test::fillSignal;
using graded::test::OutputCheck;
namespace rtcheck = graded::test::rtcheck;

namespace {

struct Loaded {
    juce::AudioPluginFormatManager formats;
    std::unique_ptr<juce::AudioPluginInstance> instance;
    juce::String error;
};

std::unique_ptr<juce::PluginDescription> findVst3(juce::AudioPluginFormatManager& fm, juce::String& error) {
    for (auto* format : fm.getFormats()) {
        if (format->getName() != "VST3") continue;
        juce::OwnedArray<juce::PluginDescription> types;
        // .../GradedCells.vst3/Contents/x86_64-linux -> the bundle
        const auto bundle = juce::File(GRADED_VST3_MODULE_DIR).getParentDirectory().getParentDirectory();
        format->findAllTypesForFile(types, bundle.getFullPathName());
        if (!types.isEmpty()) return std::make_unique<juce::PluginDescription>(*types[0]);
    }
    error = "no VST3 plugin found above " GRADED_VST3_MODULE_DIR;
    return nullptr;
}

std::unique_ptr<juce::PluginDescription> findLv2(juce::AudioPluginFormatManager& fm, juce::String& error) {
    for (auto* format : fm.getFormats()) {
        if (format->getName() != "LV2") continue;
        const juce::File bundle(GRADED_LV2_BUNDLE);
        format->searchPathsForPlugins(juce::FileSearchPath(bundle.getParentDirectory().getFullPathName()), false, false);
        juce::OwnedArray<juce::PluginDescription> types;
        format->findAllTypesForFile(types, GRADED_LV2_URI);
        if (!types.isEmpty()) return std::make_unique<juce::PluginDescription>(*types[0]);
    }
    error = "no LV2 plugin " GRADED_LV2_URI " found in " GRADED_LV2_BUNDLE;
    return nullptr;
}

std::unique_ptr<Loaded> load(const juce::String& formatName, double sampleRate, int blockSize) {
    auto loaded = std::make_unique<Loaded>();
    loaded->formats.addDefaultFormats();
    auto desc = formatName == "VST3" ? findVst3(loaded->formats, loaded->error) : findLv2(loaded->formats, loaded->error);
    if (desc == nullptr) return loaded;
    loaded->instance = loaded->formats.createPluginInstance(*desc, sampleRate, blockSize, loaded->error);
    return loaded;
}

bool setChannels(juce::AudioPluginInstance& p, int channels) {
    const auto set = channels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
    juce::AudioProcessor::BusesLayout layout;
    layout.inputBuses.add(set);
    layout.outputBuses.add(set);
    return p.setBusesLayout(layout);
}

OutputCheck process(juce::AudioPluginInstance& p, double sr, int channels, int blockSize, double seconds,
                    long* allocations = nullptr, long* locks = nullptr, long* blocks = nullptr) {
    OutputCheck check;
    juce::AudioBuffer<float> buffer(channels, 4096);
    juce::MidiBuffer midi;
    juce::Random random(blockSize);
    long long phase = 0;
    const long long total = static_cast<long long>(seconds * sr);
    while (phase < total) {
        const int n = blockSize > 0 ? blockSize : 1 + random.nextInt(4096);
        buffer.setSize(channels, n, false, false, true);
        fillSignal(buffer, n, sr, phase, random);
        if (allocations != nullptr) {
            rtcheck::Scope scope;
            p.processBlock(buffer, midi);
            *allocations += scope.counts().allocations;
            *locks += scope.counts().locks;
            if (blocks != nullptr) ++*blocks;
        } else {
            p.processBlock(buffer, midi);
        }
        check.check(buffer, n);
    }
    return check;
}

void exercise(const juce::String& formatName) {
    const double rates[] = {44100.0, 48000.0, 96000.0};
    const int sizes[] = {1, 7, 64, 256, 1000, 4096, 0 /* varying */};
    int stereoRuns = 0, monoRuns = 0, monoSkipped = 0;
    for (int channels : {1, 2}) {
        for (double sr : rates) {
            auto loaded = load(formatName, sr, 4096);
            INFO(formatName << ": " << loaded->error);
            REQUIRE(loaded->instance != nullptr);
            auto& p = *loaded->instance;
            if (!setChannels(p, channels)) {
                // Known limitation, not a pass: JUCE 7.0.5's LV2 export has fixed ports (the
                // plugin's default stereo layout), so a hosted LV2 instance cannot go mono.
                // Only that case may be skipped; anything else failing to set a layout fails.
                WARN("LIMITATION: " << formatName << " at " << sr << " Hz offers no " << channels
                     << "-channel layout (JUCE 7.0.5 LV2 export: fixed stereo ports); mono not tested in " << formatName);
                CHECK(formatName == "LV2");
                CHECK(channels == 1);
                ++monoSkipped;
                continue;
            }
            REQUIRE(p.getMainBusNumInputChannels() == channels);
            REQUIRE(p.getMainBusNumOutputChannels() == channels);
            p.prepareToPlay(sr, 4096);
            for (int size : sizes) {
                INFO(formatName << " channels " << channels << " rate " << sr << " block " << size);
                const auto check = process(p, sr, channels, size, size != 0 && size < 16 ? 0.03 : 0.2);
                CHECK(check.ok());
                CHECK(check.energy > 0.0);
                ++(channels == 1 ? monoRuns : stereoRuns);
            }
            p.releaseResources();
        }
    }
    const int expected = static_cast<int>(std::size(rates) * std::size(sizes));
    CHECK(stereoRuns == expected); // stereo: every rate and block size, in both formats
    if (formatName == "LV2") {
        CHECK(monoRuns + monoSkipped * static_cast<int>(std::size(sizes)) == expected);
        if (monoSkipped > 0)
            WARN("LIMITATION: LV2 ran stereo only (" << stereoRuns << " rate/block-size runs); mono skipped at "
                 << monoSkipped << " rates");
    } else {
        CHECK(monoRuns == expected);
    }
}

} // namespace

TEST_CASE("VST3: loads and processes at every rate, block size and layout", "[host][vst3]") {
    exercise("VST3");
}

TEST_CASE("LV2: loads and processes at every rate, block size and layout", "[host][lv2]") {
    exercise("LV2");
}

namespace {

/** The hosted parameter called `name`, or nullptr. */
juce::AudioProcessorParameter* findByName(juce::AudioPluginInstance& p, const juce::String& name) {
    for (auto* param : p.getParameters())
        if (param->getName(256) == name) return param;
    return nullptr;
}

juce::String nameOf(const graded::HostParamInfo& info) { return juce::String(info.name.data(), info.name.size()); }

/** The plain value a hosted normalised value stands for, as the format maps it (see the top
    of this file): VST3 carries the plugin parameter's own normalisation (JUCE's
    NormalisableRange, skewed for continuous parameters with a centre), LV2 a linear one over
    the port range. */
double plainOf(const juce::String& formatName, const graded::HostParamInfo& info, float normalised) {
    if (formatName == "VST3" && info.type == graded::HostParamType::continuous) {
        juce::NormalisableRange<float> range(info.min, info.max);
        if (info.skewCentre > info.min && info.skewCentre < info.max) range.setSkewForCentre(info.skewCentre);
        return range.convertFrom0to1(normalised);
    }
    return info.min + static_cast<double>(normalised) * (info.max - info.min);
}

/** The step a discrete parameter lands on in the plugin (JUCE rounds choice/int values to the
    nearest step; AudioParameterBool is on from 0.5). */
double snapped(const graded::HostParamInfo& info, double plain) {
    if (info.type == graded::HostParamType::toggle) return plain - info.min >= 0.5 * (info.max - info.min) ? info.max : info.min;
    return std::round(plain);
}

/* Real-time attribution of every allocation and mutex lock counted during processBlock.

   Method: rtcheck records a backtrace for each counted event; each frame is symbolised from
   the ELF symbol table of the object it lies in. The "maker" of an event is the innermost
   frame, below the interposed function, that lies in this test executable (JUCE's hosting
   code: VST3PluginInstance, lv2_host) or in the loaded plugin .so (our code plus JUCE's plugin
   wrapper); system-library frames in between are attributed to whoever called them.

   Findings (JUCE 7.0.5, 48 kHz, 256-sample stereo blocks, 0.5 s = 94 blocks):
   VST3, 94 allocations + 470 locks =
     - 94 allocations, plugin .so, JuceVST3Component::processAudio<float>: JUCE's VST3
       wrapper itself. ClientBufferMapperData::setUpInputChannels (juce_VST3Common.h,
       inlined) does `const auto mapping = map[busIndex];`, copying a DynamicChannelMapping
       (AudioChannelSet + ChannelMapping, whose std::vector<int> of channel indices is the
       one operator new) for each active input bus, once per block. The disassembly shows
       BigInteger's copy constructor followed by operator new in the loop over the 80-byte
       mapping entries. Not our code and not avoidable from the AudioProcessor (an effect
       needs its input bus); later JUCE versions take that mapping by reference.
     - 94 locks, plugin .so, JuceVST3Component::processAudio<float>: the wrapper's
       `ScopedLock sl (pluginInstance->getCallbackLock())` around processBlock
       (CriticalSection::enter tail-calls pthread_mutex_lock, so its own frame is absent).
       Uncontended unless the plugin itself takes getCallbackLock() elsewhere, which
       GradedCells never does; every JUCE plugin wrapper takes it.
     - 94 locks in this executable's juce::MidiEventList::getEventCount(), called by the
       plugin wrapper's MidiEventList::toMidiBuffer through the HOST's IEventList (the test
       host's input event list locks its own CriticalSection): host implementation.
     - 94 + 188 locks in VST3PluginInstance::processAudio / MidiEventList::toMidiBuffer in
       this executable: JUCE's VST3 hosting code (its MIDI event lists' and parameter
       change queues' CriticalSections), host side.
   LV2, 0 allocations + 94 locks = 94 wrapper callback locks in
     juce::lv2_client::LV2PluginInstance::run (`const ScopedLock lock { processor->
     getCallbackLock() }`), one per block.
   GradedCellsProcessor::processBlock and the graded engine: 0 allocations, 0 locks (also
   plugin.realtime, which links the processor directly).

   So the test asserts: nothing on a graded:: frame; nothing else made by the plugin .so
   beyond exactly one wrapper callback lock per block (both formats) and, for VST3 only, at
   most one wrapper channel-mapping copy per block; and no host-side allocation. */
struct Attribution {
    long ours = 0;                 ///< a frame in graded:: / GradedCellsProcessor code
    long wrapperCallbackLocks = 0; ///< plugin .so: the JUCE wrapper's callback lock
    long wrapperMappingAllocs = 0; ///< plugin .so: JUCE 7.0.5 VST3 setUpInputChannels copy
    long otherPlugin = 0;          ///< anything else made by the plugin .so
    long hostAllocations = 0, hostLocks = 0;
    long unparsed = 0;             ///< no interposed function found in the backtrace
    std::map<std::string, long> sites;
    std::string unexpected;        ///< backtraces of the first few unexpected events
};

bool isInterposed(const std::string& symbol) {
    for (const char* name : {"malloc", "calloc", "realloc", "memalign", "aligned_alloc", "posix_memalign",
                             "pthread_mutex_lock", "pthread_mutex_trylock"})
        if (symbol == name) return true;
    return symbol.rfind("operator new", 0) == 0;
}

Attribution attribute(const juce::String& formatName, const std::string& pluginSo) {
    namespace bt = graded::test::backtraces;
    const std::string exe = bt::canonicalPath("/proc/self/exe");
    Attribution a;
    int unexpectedShown = 0;
    const int n = juce::jmin(rtcheck::numRecorded(), rtcheck::kMaxEvents);
    for (int i = 0; i < n; ++i) {
        const auto& event = rtcheck::recorded(i);
        const auto frames = bt::symbolise(event.frames, event.numFrames);
        size_t first = 0;
        while (first < frames.size() && !(frames[first].object == exe && isInterposed(frames[first].symbol))) ++first;
        if (first == frames.size()) {
            ++a.unparsed;
            continue;
        }
        size_t maker = first + 1;
        while (maker < frames.size() && frames[maker].object != exe && frames[maker].object != pluginSo) ++maker;
        bool inPlugin = false, ours = false;
        for (size_t k = first + 1; k < frames.size(); ++k) {
            if (frames[k].object != pluginSo) continue;
            inPlugin = true;
            if (frames[k].symbol.find("graded::") != std::string::npos ||
                frames[k].symbol.find("GradedCellsProcessor") != std::string::npos)
                ours = true;
        }
        const bool makerInPlugin = maker < frames.size() && frames[maker].object == pluginSo;
        const std::string makerSymbol = maker < frames.size() ? frames[maker].symbol : std::string("?");
        const std::string kind = event.lock ? "lock" : "allocation";
        bool expected = true;
        if (ours) {
            ++a.ours;
            expected = false;
        } else if (makerInPlugin) {
            const bool vst3Process = makerSymbol == "void juce::JuceVST3Component::processAudio<float>(Steinberg::Vst::ProcessData&)";
            const bool lv2Run = makerSymbol == "juce::lv2_client::LV2PluginInstance::run(unsigned int)";
            if (event.lock && ((formatName == "VST3" && vst3Process) || (formatName == "LV2" && lv2Run))) {
                ++a.wrapperCallbackLocks;
            } else if (!event.lock && formatName == "VST3" && vst3Process) {
                ++a.wrapperMappingAllocs;
            } else {
                ++a.otherPlugin;
                expected = false;
            }
        } else {
            ++(event.lock ? a.hostLocks : a.hostAllocations);
        }
        ++a.sites[(makerInPlugin ? "plugin " : (inPlugin ? "host (called from plugin) " : "host ")) + kind + " in " + makerSymbol.substr(0, 120)];
        if (!expected && unexpectedShown++ < 3) {
            a.unexpected += kind + ":\n";
            for (size_t k = first; k < frames.size(); ++k)
                a.unexpected += "  " + juce::File(frames[k].object).getFileName().toStdString() + "  " + frames[k].symbol.substr(0, 200) + "\n";
        }
    }
    return a;
}

std::string pluginBinary(const juce::String& formatName) {
    const auto path = formatName == "VST3" ? juce::File(GRADED_VST3_MODULE_DIR).getChildFile("GradedCells.so")
                                           : juce::File(GRADED_LV2_BUNDLE).getChildFile("libGradedCells.so");
    return graded::test::backtraces::canonicalPath(path.getFullPathName().toStdString());
}

} // namespace

TEST_CASE("hosted: every parameter swept, state round trip, no allocation in process", "[host][sweep]") {
    REQUIRE(rtcheck::interposerActive());
    for (const juce::String formatName : {"VST3", "LV2"}) {
        auto loaded = load(formatName, 48000.0, 512);
        INFO(formatName << ": " << loaded->error);
        REQUIRE(loaded->instance != nullptr);
        auto& p = *loaded->instance;
        CHECK(p.getName() == "GradedCells");
        p.prepareToPlay(48000.0, 512);
        // GradedCells' own parameters, by name (the VST3 wrapper adds Bypass, Program and 2048
        // "MIDI CC" proxies; the LV2 host adds Bypass and sorts by URI).
        juce::Array<juce::AudioProcessorParameter*> params;
        for (const auto& info : graded::kHostParams) {
            auto* param = findByName(p, nameOf(info));
            INFO(formatName << " parameter " << nameOf(info));
            REQUIRE(param != nullptr);
            params.add(param);
        }
        for (auto* param : params) {
            for (int k = 0; k <= 8; ++k) {
                param->setValueNotifyingHost(static_cast<float>(k) / 8.f);
                INFO(formatName << " parameter " << param->getName(64) << " = " << k / 8.0);
                const auto check = process(p, 48000.0, 2, 256, 0.05);
                CHECK(check.ok());
            }
            param->setValueNotifyingHost(param->getDefaultValue());
        }

        // State round trip into a fresh instance (every parameter but the patch index).
        juce::Random random(42);
        for (int i = 0; i < params.size(); ++i)
            if (static_cast<graded::HostParam>(i) != graded::HostParam::patch) params[i]->setValueNotifyingHost(random.nextFloat());
        process(p, 48000.0, 2, 256, 0.05);
        juce::MemoryBlock state;
        p.getStateInformation(state);
        CHECK(state.getSize() > 0);
        auto other = load(formatName, 48000.0, 512);
        REQUIRE(other->instance != nullptr);
        auto& q = *other->instance;
        q.setStateInformation(state.getData(), static_cast<int>(state.getSize()));
        q.prepareToPlay(48000.0, 512);
        process(q, 48000.0, 2, 256, 0.02);
        for (int i = 0; i < params.size(); ++i) {
            const auto& info = graded::kHostParams[static_cast<size_t>(i)];
            auto* restored = findByName(q, nameOf(info));
            INFO(formatName << " parameter " << nameOf(info) << ": host sent " << params[i]->getValue()
                            << ", restored instance reports " << (restored ? restored->getValue() : -1.f));
            REQUIRE(restored != nullptr);
            const double sent = plainOf(formatName, info, params[i]->getValue());
            const double got = plainOf(formatName, info, restored->getValue());
            if (info.type == graded::HostParamType::continuous)
                CHECK(got == Approx(sent).margin(1e-5 * (info.max - info.min)));
            else
                CHECK(got == Approx(snapped(info, sent)).margin(1e-3));
        }
        // The plugin's own state is exact: the restored instance saves what it was given.
        juce::MemoryBlock restoredState;
        q.getStateInformation(restoredState);
        CHECK(restoredState == state);

        // Real-time safety through the host wrapper: every allocation and lock attributed.
        long allocations = 0, locks = 0, blocks = 0;
        process(p, 48000.0, 2, 256, 0.05); // warm up
        rtcheck::clearRecorded();
        rtcheck::setRecording(true);
        process(p, 48000.0, 2, 256, 0.5, &allocations, &locks, &blocks);
        rtcheck::setRecording(false);
        REQUIRE(rtcheck::numRecorded() == allocations + locks);
        REQUIRE(rtcheck::numRecorded() <= rtcheck::kMaxEvents);
        const auto a = attribute(formatName, pluginBinary(formatName));
        std::string sites;
        for (const auto& [site, count] : a.sites) sites += "\n  " + std::to_string(count) + " x " + site;
        WARN(formatName << " hosted processBlock, " << blocks << " blocks: " << allocations << " allocations, "
                        << locks << " mutex locks; by maker:" << sites);
        INFO(formatName << " unexpected plugin-side events:\n" << a.unexpected);
        CHECK(a.unparsed == 0);                       // every event attributed
        CHECK(a.ours == 0);                           // GradedCells code: nothing
        CHECK(a.otherPlugin == 0);                    // plugin .so: only the documented wrapper events
        CHECK(a.wrapperCallbackLocks == blocks);      // exactly one callback lock per block
        if (formatName == "VST3")
            CHECK(a.wrapperMappingAllocs <= blocks);  // JUCE 7.0.5 VST3 wrapper copy (see above)
        else
            CHECK(allocations == 0);                  // LV2: no allocation anywhere
        CHECK(a.hostAllocations == 0);
        CHECK(a.ours + a.otherPlugin + a.wrapperCallbackLocks + a.wrapperMappingAllocs + a.hostAllocations + a.hostLocks ==
              allocations + locks);
        p.releaseResources();
    }
}
