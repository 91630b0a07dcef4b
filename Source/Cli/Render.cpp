// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli render: runs the plugin's AudioProcessor (the same code as the VST3/LV2/
// Standalone) over a file, or over a built-in demo clip. The input is streamed block by
// block (memory does not grow with the file's length), the output goes to a temporary file
// that replaces OUT only when the render succeeded.
#include "AudioFileIn.h"
#include "Commands.h"
#include "RenderSupport.h"
#include "Weights.h"

#include "PluginProcessor.h"

#include <Graph/Engine.h>
#include <Graph/Patch.h>
#include <Limits.h>

#include <juce_audio_formats/juce_audio_formats.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <unistd.h>

namespace graded::cli {

const char* const kRenderHelp =
    "usage: graded-cli render [--patch NAME|FILE.json] [IN.wav] OUT.wav [--set PARAM=VALUE]...\n"
    "                         [--midi IN.mid] [--block N] [--bits 16|24|32f] [--trace OUT.csv]\n"
    "                         [--plot OUT.png] [--export-weights DIR]\n"
    "\n"
    "Runs the GradedCells plugin's AudioProcessor over IN (WAV or AIFF) and writes OUT (WAV,\n"
    "or AIFF for .aif/.aiff), latency-compensated. Without IN it renders a built-in\n"
    "demo clip (6 s at 48 kHz: two tones, a third entering at 3 s) through the patch.\n"
    "The plugin is mono or stereo: an input with more channels is processed in stereo pairs\n"
    "(1+2, 3+4, ...; an odd last channel alone) through one processor instance per pair, and\n"
    "render says so. OUT is written to a temporary file and replaces OUT only on success.\n"
    "\n"
    "  --patch P      a factory patch name (default: the first, 'Predictive EQ') or a patch\n"
    "                 JSON file (every problem of a bad patch is listed with its JSON path)\n"
    "  --set P=V      a host parameter by id, plain value (tau=80), choice label or its first\n"
    "                 word (activation=tanh, step=256, patch=\"Noise Texture\"); repeatable.\n"
    "                 Parameters are set before the processor is prepared.\n"
    "  --midi FILE    a MIDI file driving the reward (note-on velocity, CC 1), episodes\n"
    "                 (note-off) and resets (CC 123), sample-accurately\n"
    "  --block N      host block size, 1..8192 (default 512)\n"
    "  --bits B       OUT's samples: 32f (32-bit float, the default for WAV: nothing is\n"
    "                 clipped), 24 or 16 (integer: samples beyond full scale are clipped and\n"
    "                 render warns). AIFF has no float here: it defaults to 24, and 32 is\n"
    "                 32-bit integer. render prints the output's sample peak and its true\n"
    "                 peak (4x oversampled, as ITU-R BS.1770) in dBFS.\n"
    "  --trace CSV    telemetry snapshots (~30/s), streamed to the file, one row each: every\n"
    "                 channel of every processor instance and every unit of each compartment\n"
    "                 the nodes show, columns named node.compartment[chC][uK] (C: the file's\n"
    "                 channel from 0, K: the unit), e.g. time_s,step,in.bands[ch0][u0],...,\n"
    "                 expect.zF[ch1][u15],surprise.L[ch0+ch1] (one value for both channels),\n"
    "                 critic.mu[ch0] (first unit). Next to it, CSV's name with .units.txt\n"
    "                 (demo.csv: demo.units.txt) gives each compartment's unit and meaning\n"
    "                 (AudioIn bands are (dB + 100) / 100, AudioOut gains in dB, ...) and the\n"
    "                 band centres in Hz. Telemetry carries at most 16 nodes (the first, in\n"
    "                 patch order) and 64 units per compartment\n"
    "  --plot PNG     channel 1 over time: the input and the output spectrograms (log\n"
    "                 frequency in Hz, colour in dBFS), then one lane per node: its main\n"
    "                 compartment, all units as a heat strip (units or band centres on the y\n"
    "                 axis, a colour bar in the compartment's unit) or one line when it has\n"
    "                 one unit; the MIDI events fed (reward, episode end, reset) are marked on\n"
    "                 every lane; time in seconds. Memory stays bounded: the spectrograms have\n"
    "                 1310 time columns, the lanes at most 1310 snapshots (decimated evenly)\n"
    "  --export-weights DIR  after the render, each synapse's weights and biases as DIR/<id>.npz\n"
    "                 (ngclearn's compartment names; the first channel pair's instance)\n"
    "Telemetry is collected only for --trace/--plot. The processor queues at most 15\n"
    "snapshots a block: at low rates with large blocks some are lost, and render warns.\n"
    "\n"
    "Input limits: 1..64 channels, 8/16/24/32-bit (integer or float) samples, a header whose\n"
    "sizes the file actually holds (a truncated or inflated header is refused), at most\n"
    "2^31-1 frames, and a sample rate the engine runs (1000..1536000 Hz). Non-finite input\n"
    "samples (NaN/Inf in float files) are replaced by 0 with a warning.\n"
    "\n"
    "Everything is checked before the render starts and every problem is listed, one\n"
    "'graded-cli render: error:' line each (a bad patch: each issue with its JSON path).\n"
    "\n"
    "Exit status: 0 done; 1 the output had non-finite samples (replaced by 0; a bug);\n"
    "2 bad arguments, an unreadable/unsupported input, a rate the engine cannot run, a bad\n"
    "patch or an unwritable output.\n";

namespace {

struct Options {
    std::string patch;
    std::string in, out;
    std::vector<std::pair<std::string, std::string>> sets;
    std::string midi;
    int block = 512;
    std::string bits;             ///< "16", "24", "32", "32f" or "" (the format's default)
    std::string trace, plot;
    std::string exportWeights;
};

Options parse(const std::vector<std::string>& args) {
    Options o;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
            return args[++i];
        };
        if (a == "--patch") o.patch = value();
        else if (a == "--set") {
            const auto kv = value();
            const auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) throw UsageError{"--set wants PARAM=VALUE, got '" + kv + "'"};
            o.sets.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        } else if (a == "--midi") o.midi = value();
        else if (a == "--block") {
            const auto v = value();
            const juce::String s(v);
            if (!s.containsOnly("0123456789") || s.isEmpty() || s.length() > 5 || s.getIntValue() < 1 || s.getIntValue() > 8192)
                throw UsageError{"--block wants an integer 1..8192, got '" + v + "'"};
            o.block = s.getIntValue();
        } else if (a == "--bits") {
            o.bits = value();
            if (o.bits != "16" && o.bits != "24" && o.bits != "32" && o.bits != "32f")
                throw UsageError{"--bits wants 16, 24 or 32f, got '" + o.bits + "'"};
        } else if (a == "--trace") o.trace = value();
        else if (a == "--plot") o.plot = value();
        else if (a == "--export-weights") o.exportWeights = value();
        else if (a.size() > 1 && a[0] == '-') throw UsageError{"unknown option '" + a + "'"};
        else positional.push_back(a);
    }
    if (positional.empty()) throw UsageError{"missing OUT.wav"};
    if (positional.size() > 2) throw UsageError{"too many files (want [IN.wav] OUT.wav)"};
    o.out = positional.back();
    if (positional.size() == 2) o.in = positional.front();
    return o;
}

juce::AudioBuffer<float> demoClip(double sr) {
    const int n = static_cast<int>(6.0 * sr);
    juce::AudioBuffer<float> b(2, n);
    juce::Random random(1);
    const double twoPi = juce::MathConstants<double>::twoPi;
    for (int i = 0; i < n; ++i) {
        const double t = i / sr;
        const double fadeIn = std::min(1.0, t / 0.05), fadeOut = std::min(1.0, (6.0 - t) / 0.05);
        double s = 0.25 * std::sin(twoPi * 220.0 * t) + 0.15 * std::sin(twoPi * 330.0 * t);
        if (t >= 3.0) s += 0.2 * std::min(1.0, (t - 3.0) / 0.02) * std::sin(twoPi * 1760.0 * t); // the new tone
        s = s * fadeIn * fadeOut + 0.01 * (random.nextDouble() - 0.5);
        b.setSample(0, i, static_cast<float>(s));
        b.setSample(1, i, static_cast<float>(0.9 * s));
    }
    return b;
}

void readMidi(const std::string& path, double sr, std::vector<std::pair<std::int64_t, juce::MidiMessage>>& out) {
    juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(path));
    if (!file.existsAsFile()) throw UsageError{"no such MIDI file: " + path};
    if (file.getSize() > (std::int64_t(4) << 20)) throw UsageError{"MIDI file " + path + " is larger than 4 MiB (the limit: about a million events)"};
    juce::FileInputStream in(file);
    if (!in.openedOk()) throw UsageError{"cannot read MIDI file " + path};
    juce::MidiFile midi;
    if (!midi.readFrom(in)) throw UsageError{"not a MIDI file: " + path};
    midi.convertTimestampTicksToSeconds();
    juce::MidiMessageSequence all;
    for (int t = 0; t < midi.getNumTracks(); ++t) all.addSequence(*midi.getTrack(t), 0.0);
    all.sort();
    for (const auto* e : all) {
        const double t = e->message.getTimeStamp() * sr;
        if (!(t < 9.0e15)) continue; // NaN or absurdly late: never reached
        out.emplace_back(t > 0.0 ? static_cast<std::int64_t>(std::llround(t)) : 0, e->message);
    }
}

} // namespace

int runRender(const std::vector<std::string>& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") { std::fputs(kRenderHelp, stdout); return 0; }
    try {
        const Options o = parse(args);
        juce::ScopedJuceInitialiser_GUI juceInit;
        const auto cwd = juce::File::getCurrentWorkingDirectory();

        // Every check runs before anything is rendered or written, and every problem found is
        // listed (exit 2), not just the first.
        std::vector<std::string> problems;
        auto check = [&](auto&& step) {
            try {
                step();
            } catch (const UsageError& e) {
                problems.push_back(e.message);
            }
        };

        // --- input ---------------------------------------------------------------------------
        double sr = 48000.0;
        juce::AudioBuffer<float> demo;
        std::unique_ptr<AudioFileIn> in;
        if (o.in.empty()) {
            demo = demoClip(sr);
        } else {
            check([&] {
                std::string error;
                in = AudioFileIn::open(cwd.getChildFile(o.in), error);
                if (in == nullptr) throw UsageError{error};
                sr = in->sampleRate();
            });
        }
        const bool inputOk = o.in.empty() || in != nullptr;
        const int channels = in ? in->numChannels() : demo.getNumChannels();
        const std::int64_t total = in ? in->numFrames() : demo.getNumSamples();

        // --- patch: loaded here so every issue is listed with its JSON path -------------------
        const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
        int factoryIndex = 0;
        std::string userJson;
        std::optional<Patch> patch;
        check([&] {
            if (!o.patch.empty()) {
                factoryIndex = names.indexOf(juce::String(o.patch), true);
                if (factoryIndex < 0) {
                    const juce::File file(cwd.getChildFile(o.patch));
                    if (!file.existsAsFile())
                        throw UsageError{"--patch '" + o.patch + "' is neither a factory patch (" +
                                         names.joinIntoString(", ").toStdString() + ") nor a file"};
                    if (file.getSize() > static_cast<std::int64_t>(limits::kMaxPatchBytes))
                        throw UsageError{"patch " + o.patch + " is larger than " +
                                         std::to_string(limits::kMaxPatchBytes >> 20) + " MiB"};
                    juce::MemoryBlock data;
                    if (!file.loadFileAsData(data)) throw UsageError{"cannot read patch " + o.patch};
                    userJson = data.toString().toStdString();
                }
            }
            try {
                patch = loadPatch(userJson.empty() ? factoryPatches().at(static_cast<size_t>(std::max(0, factoryIndex))).json
                                                   : userJson);
            } catch (const PatchError& e) {
                std::string m = "patch " + o.patch + " cannot be loaded (" + std::to_string(e.issues().size()) +
                                (e.issues().size() == 1 ? " problem):" : " problems):");
                for (const auto& issue : e.issues())
                    m += "\n  " + (issue.path.empty() ? std::string("/") : issue.path) + ": " + issue.message;
                throw UsageError{m};
            } catch (const std::exception& e) {
                throw UsageError{"patch " + o.patch + " cannot be loaded: " + e.what()};
            }
        });

        // --- the engine's range, before anything runs ----------------------------------------
        if (inputOk)
            check([&] {
                if (!(sr >= kMinSampleRate && sr <= kMaxSampleRate))
                    throw UsageError{"the engine cannot run " + (o.in.empty() ? std::string("the demo clip") : o.in) + ": it is at " +
                                     sampleRateText(sr) + " Hz, the engine runs at " + sampleRateText(kMinSampleRate) + ".." +
                                     sampleRateText(kMaxSampleRate) + " Hz"};
            });

        // --- --set values, against a processor's own parameters ------------------------------
        std::vector<std::pair<juce::String, float>> settings; // parameter id, normalised value
        {
            plugin::GradedCellsProcessor probe;
            for (const auto& [id, value] : o.sets)
                check([&, &id = id, &value = value] {
                    auto* p = probe.parameters().getParameter(juce::String(id));
                    if (p == nullptr) throw UsageError{"--set: unknown parameter '" + id + "'"};
                    settings.emplace_back(juce::String(id), p->convertTo0to1(parseParameterValue(*p, value)));
                });
        }

        std::vector<std::pair<std::int64_t, juce::MidiMessage>> midiEvents;
        if (!o.midi.empty()) check([&] { readMidi(o.midi, sr, midiEvents); });

        // --- output paths (the files are only created once everything checked out) -----------
        auto checkWritable = [&](const std::string& path, const char* what) {
            check([&] {
                const juce::File f(cwd.getChildFile(path));
                if (f.isDirectory()) throw UsageError{"cannot write " + std::string(what) + " " + path + ": it is a directory"};
                const auto dir = f.getParentDirectory();
                if (!dir.isDirectory()) throw UsageError{"cannot write " + std::string(what) + " " + path + ": no folder " +
                                                         dir.getFullPathName().toStdString()};
                if (!dir.hasWriteAccess()) throw UsageError{"cannot write " + std::string(what) + " " + path + ": " +
                                                            dir.getFullPathName().toStdString() + " is read-only"};
            });
        };
        checkWritable(o.out, "OUT");
        if (!o.trace.empty()) checkWritable(o.trace, "--trace");
        if (!o.plot.empty()) checkWritable(o.plot, "--plot");

        if (!problems.empty()) {
            for (const auto& m : problems) std::fprintf(stderr, "graded-cli render: error: %s\n", m.c_str());
            return 2;
        }

        // --- processors: one per channel pair ------------------------------------------------
        const int groups = (channels + 1) / 2;
        std::vector<std::unique_ptr<plugin::GradedCellsProcessor>> procs;
        for (int g = 0; g < groups; ++g) {
            auto proc = std::make_unique<plugin::GradedCellsProcessor>();
            const int groupChannels = std::min(2, channels - 2 * g);
            juce::AudioProcessor::BusesLayout layout;
            const auto set = groupChannels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
            layout.inputBuses.add(set);
            layout.outputBuses.add(set);
            if (!proc->setBusesLayout(layout)) throw UsageError{"the processor refused a " + std::to_string(groupChannels) + "-channel layout"};
            if (!userJson.empty()) {
                juce::String error;
                if (!proc->loadUserPatchJson(userJson, error)) throw UsageError{"patch " + o.patch + ": " + error.toStdString()};
            } else if (factoryIndex > 0) {
                proc->selectFactoryPatch(factoryIndex);
            }
            // Parameters before prepareToPlay, so the prepared engine (and its latency) see them.
            for (const auto& [id, normalised] : settings)
                proc->parameters().getParameter(id)->setValueNotifyingHost(normalised);
            if (!proc->waitForPatchBuilds(10000)) throw UsageError{"the processor's patch build did not finish in 10 s"};
            procs.push_back(std::move(proc));
        }
        if (groups > 1)
            std::fprintf(stderr, "render: %d channels: the plugin is mono/stereo, so each pair of channels (1+2, 3+4, ...%s) "
                                 "runs through its own processor instance (%d instances)%s\n",
                         channels, channels % 2 ? "; the last alone" : "", groups,
                         (o.plot.empty()) ? "" : "; the plot shows channel 1, the trace every channel");

        for (auto& proc : procs) proc->prepareToPlay(sr, o.block);
        // The processor's own verdict at the prepared rate (the rate, the real-time budget at
        // this rate and step): a patch that cannot run would pass the audio through dry.
        if (const auto status = procs.front()->engineStatus(); status.isNotEmpty())
            throw UsageError{"the engine cannot run " + (o.in.empty() ? std::string("the demo clip") : o.in) + " (" +
                             sampleRateText(sr) + " Hz) through this patch: " + status.toStdString()};
        const int latency = procs.front()->getLatencySamples();
        // the engine's step (the latency is one step plus the output limiter's look-ahead)
        const auto* preparedEngine = procs.front()->engineForProcessingThread(); // not processing yet
        const int stepNow = preparedEngine != nullptr ? preparedEngine->stepSamples() : latency;
        if (auto* stepParam = procs.front()->parameters().getParameter("step")) {
            const auto asked = stepParam->getCurrentValueAsText();
            if (asked.getIntValue() > 0 && asked.getIntValue() != stepNow)
                std::fprintf(stderr, "render: note: step %s asked, the engine runs %d-sample steps at %s Hz (the smallest "
                                     "step that fits its real-time budget there)\n",
                             asked.toRawUTF8(), stepNow, sampleRateText(sr).c_str());
        }
        for (auto& proc : procs)
            if (proc->getLatencySamples() != latency)
                throw UsageError{"the processor instances report different latencies (" + std::to_string(latency) + ", " +
                                 std::to_string(proc->getLatencySamples()) + ")"};

        // --- outputs (opened before the render so a bad path fails now) ---------------------
        const juce::File outFile(cwd.getChildFile(o.out));
        const auto ext = outFile.getFileExtension().toLowerCase();
        std::unique_ptr<juce::AudioFormat> format;
        const bool aiffOut = ext == ".aif" || ext == ".aiff";
        if (aiffOut) format = std::make_unique<juce::AiffAudioFormat>();
        else format = std::make_unique<juce::WavAudioFormat>();
        // JUCE writes 32-bit WAV as float and 32-bit AIFF as integer.
        if (aiffOut && o.bits == "32f") throw UsageError{"--bits 32f: AIFF output is integer here (16, 24 or 32); write a .wav for float"};
        if (!aiffOut && o.bits == "32") throw UsageError{"--bits 32: 32-bit WAV output is float here; say 32f (or 16, 24)"};
        const int outBits = o.bits.empty() ? (aiffOut ? 24 : 32) : std::stoi(o.bits);
        const bool floatOut = !aiffOut && outBits == 32;
        juce::TemporaryFile tempOut(outFile);
        std::unique_ptr<juce::AudioFormatWriter> writer;
        {
            auto stream = std::make_unique<juce::FileOutputStream>(tempOut.getFile());
            if (!stream->openedOk()) throw UsageError{"cannot write " + o.out + " (" + stream->getStatus().getErrorMessage().toStdString() + ")"};
            writer.reset(format->createWriterFor(stream.get(), sr, static_cast<unsigned>(channels), outBits, {}, 0));
            if (writer == nullptr) throw UsageError{"cannot write " + o.out + " as " + format->getFormatName().toStdString() +
                                                    " (" + std::to_string(channels) + " ch, " + sampleRateText(sr) + " Hz)"};
            stream.release();
        }
        // The running patch (what --set patch=... chose), for the units of the trace and plot.
        const std::shared_ptr<const Patch> runningPatch = procs.front()->currentPatch().patch;
        std::unique_ptr<TraceWriter> trace;
        juce::File traceUnits;
        if (!o.trace.empty()) {
            const juce::File traceFile(cwd.getChildFile(o.trace));
            traceUnits = traceFile.getSiblingFile(traceFile.getFileNameWithoutExtension() + ".units.txt");
            trace = std::make_unique<TraceWriter>(traceFile, o.trace, traceUnits, runningPatch.get(), sr);
        }
        std::unique_ptr<PlotSeries> plot;
        std::unique_ptr<Spectrogram> inSpectrum, outSpectrum;
        std::vector<PlotEvent> plotEvents;
        std::int64_t plotEventsLeftOut = 0;
        constexpr size_t kMaxPlotEvents = 100000;
        if (!o.plot.empty()) {
            plot = std::make_unique<PlotSeries>(kPlotTimeColumns);
            inSpectrum = std::make_unique<Spectrogram>(sr, total, kPlotTimeColumns, kPlotFrequencyRows);
            outSpectrum = std::make_unique<Spectrogram>(sr, total, kPlotTimeColumns, kPlotFrequencyRows);
        }
        // What the processor's MIDI mapping makes of an event, for the plot's markers.
        const int rewardCc = procs.front()->rewardCc(), episodeCc = procs.front()->episodeCc();
        int episodeCcValue = 0;
        auto markEvent = [&](std::int64_t sample, const juce::MidiMessage& m) {
            std::optional<PlotEvent> e;
            const double time = static_cast<double>(sample) / sr;
            if (m.isNoteOn()) {
                const float v = m.getVelocity() / 127.f;
                const float r = m.getNoteNumber() >= plugin::kRewardSplitNote ? v : -v;
                e = PlotEvent{time, r >= 0 ? PlotEvent::rewardUp : PlotEvent::rewardDown, r};
            } else if (m.isNoteOff()) {
                e = PlotEvent{time, PlotEvent::episodeEnd, 0.f};
            } else if (m.isPitchWheel()) {
                const int bend = m.getPitchWheelValue();
                const float r = bend >= 8192 ? static_cast<float>(bend - 8192) / 8191.f : static_cast<float>(bend - 8192) / 8192.f;
                e = PlotEvent{time, r >= 0 ? PlotEvent::rewardUp : PlotEvent::rewardDown, r};
            } else if (m.isController() && m.getControllerNumber() == rewardCc) {
                e = PlotEvent{time, PlotEvent::rewardUp, m.getControllerValue() / 127.f};
            } else if (m.isController() && m.getControllerNumber() == plugin::kAllNotesOffCc) {
                e = PlotEvent{time, PlotEvent::reset, 0.f};
            } else if (m.isController() && m.getControllerNumber() == episodeCc) {
                if (m.getControllerValue() >= 64 && episodeCcValue < 64) e = PlotEvent{time, PlotEvent::episodeEnd, 0.f};
                episodeCcValue = m.getControllerValue();
            }
            if (!e) return;
            if (plotEvents.size() < kMaxPlotEvents) plotEvents.push_back(*e);
            else ++plotEventsLeftOut;
        };

        // --- the render loop: bounded memory, whatever the length ----------------------------
        juce::AudioBuffer<float> inBlock(channels, o.block), outBlock(channels, o.block);
        std::vector<juce::AudioBuffer<float>> groupBlocks;
        for (int g = 0; g < groups; ++g) groupBlocks.emplace_back(std::min(2, channels - 2 * g), o.block);
        juce::MidiBuffer midi, groupMidi;
        size_t nextMidi = 0;
        const bool progress = total > static_cast<std::int64_t>(10.0 * sr) || isatty(2);
        int lastPercent = -1;
        std::int64_t nonFiniteIn = 0, nonFiniteOut = 0;
        double inSquares = 0.0, outSquares = 0.0;
        float outPeak = 0.f;
        std::int64_t overFullScale = 0; // samples an integer file clips
        std::vector<TruePeakMeter> truePeak(static_cast<size_t>(channels));
        Telemetry snapshot;
        const bool wantTelemetry = trace != nullptr || plot != nullptr;
        std::vector<std::vector<Telemetry>> snapshots(procs.size()); // per instance, this block's
        if (wantTelemetry)
            for (auto& v : snapshots) v.reserve(16);
        std::vector<const Telemetry*> row;
        std::int64_t telemetryFullBlocks = 0, unmatchedRows = 0;
        const std::int64_t end = total + latency; // run latency samples past the end so the output lines up
        for (std::int64_t pos = 0; pos < end; pos += o.block) {
            const int n = static_cast<int>(std::min<std::int64_t>(o.block, end - pos));
            const int avail = static_cast<int>(std::max<std::int64_t>(0, std::min<std::int64_t>(n, total - pos)));
            if (in) {
                std::string error;
                if (!in->read(inBlock, pos, n, error)) throw UsageError{o.in + ": " + error};
            } else {
                inBlock.setSize(channels, n, false, false, true);
                inBlock.clear();
                for (int ch = 0; ch < channels && avail > 0; ++ch) inBlock.copyFrom(ch, 0, demo, ch, static_cast<int>(pos), avail);
            }
            for (int ch = 0; ch < channels; ++ch) {
                float* d = inBlock.getWritePointer(ch);
                for (int i = 0; i < n; ++i) {
                    if (!std::isfinite(d[i])) { d[i] = 0.f; ++nonFiniteIn; }
                    if (i >= avail) d[i] = 0.f;
                    inSquares += double(d[i]) * d[i];
                }
            }
            if (inSpectrum && avail > 0) inSpectrum->add(inBlock.getReadPointer(0), avail);
            midi.clear();
            while (nextMidi < midiEvents.size() && midiEvents[nextMidi].first < pos + n) {
                const int offset = static_cast<int>(std::max<std::int64_t>(0, midiEvents[nextMidi].first - pos));
                midi.addEvent(midiEvents[nextMidi].second, offset);
                if (plot) markEvent(pos + offset, midiEvents[nextMidi].second);
                ++nextMidi;
            }
            outBlock.setSize(channels, n, false, false, true);
            for (int g = 0; g < groups; ++g) {
                auto& b = groupBlocks[static_cast<size_t>(g)];
                b.setSize(b.getNumChannels(), n, false, false, true);
                for (int c = 0; c < b.getNumChannels(); ++c) b.copyFrom(c, 0, inBlock, 2 * g + c, 0, n);
                groupMidi = midi;
                procs[static_cast<size_t>(g)]->processBlock(b, groupMidi);
                for (int c = 0; c < b.getNumChannels(); ++c) outBlock.copyFrom(2 * g + c, 0, b, c, 0, n);
            }
            const int from = static_cast<int>(std::max<std::int64_t>(0, latency - pos)); // first sample past the latency
            const std::int64_t dst = pos + from - latency;
            const int count = static_cast<int>(std::min<std::int64_t>(n - from, total - dst));
            if (count > 0) {
                for (int ch = 0; ch < channels; ++ch) {
                    float* d = outBlock.getWritePointer(ch, from);
                    for (int i = 0; i < count; ++i) {
                        if (!std::isfinite(d[i])) { d[i] = 0.f; ++nonFiniteOut; }
                        outSquares += double(d[i]) * d[i];
                        outPeak = std::max(outPeak, std::abs(d[i]));
                        if (std::abs(d[i]) >= 1.f) ++overFullScale;
                        truePeak[static_cast<size_t>(ch)].add(d[i]);
                    }
                }
                if (!writer->writeFromAudioSampleBuffer(outBlock, from, count)) throw UsageError{"cannot write " + o.out + " (disk full?)"};
                if (outSpectrum) outSpectrum->add(outBlock.getReadPointer(0, from), count);
            }
            // Each processor forwards its running engine's snapshots into its own FIFO; without
            // --trace/--plot they are dropped here, never kept. A trace row joins every
            // instance's snapshot of the same step (they run in lockstep).
            const auto* engine = procs.front()->engineForProcessingThread(); // we are its processing thread
            const int stepSamples = engine != nullptr ? engine->stepSamples() : latency;
            for (size_t g = 0; g < procs.size(); ++g) {
                auto& got = snapshots[g];
                got.clear();
                while (procs[g]->popTelemetry(snapshot))
                    if (wantTelemetry) got.push_back(snapshot);
                // The processor's telemetry queue (a 16-slot ring) holds 15 snapshots: a block
                // that filled it may have lost some.
                if (wantTelemetry && got.size() >= 15) ++telemetryFullBlocks;
            }
            for (const auto& first : snapshots.front()) {
                // Steps are stepSamples long (the parameters do not move during a render).
                const double time = static_cast<double>(first.step) * stepSamples / sr;
                if (plot) plot->add(first, time);
                if (!trace) continue;
                row.assign(1, &first);
                for (size_t g = 1; g < procs.size(); ++g) {
                    const auto& got = snapshots[g];
                    const auto it = std::find_if(got.begin(), got.end(), [&](const Telemetry& t) { return t.step == first.step; });
                    if (it == got.end()) break;
                    row.push_back(&*it);
                }
                if (row.size() == procs.size()) trace->add(row, time);
                else ++unmatchedRows;
            }
            if (progress) {
                const int percent = static_cast<int>(100.0 * static_cast<double>(std::min(total, pos + n)) / static_cast<double>(std::max<std::int64_t>(1, total)));
                if (percent != lastPercent) {
                    lastPercent = percent;
                    const int bar = percent / 2;
                    std::fprintf(stderr, "\rrender [%.*s%*s] %3d%%", bar, "##################################################",
                                 50 - bar, "", percent);
                }
            }
        }
        if (progress) std::fputs("\n", stderr);

        if (!o.exportWeights.empty()) exportWeightsAfterRender(*procs.front(), o.exportWeights);

        // The engine's own step after the render: the latency the processor should have reported.
        int runningLatency = latency;
        if (auto* engine = procs.front()->engineForProcessingThread()) runningLatency = engine->latencySamples();

        writer.reset(); // flushes and closes the temporary file
        if (!tempOut.overwriteTargetFileWithTemporary()) throw UsageError{"cannot write " + o.out};
        if (trace) trace->finish();
        if (plot) {
            PlotInput p;
            p.series = plot.get();
            p.input = inSpectrum.get();
            p.output = outSpectrum.get();
            p.events = &plotEvents;
            p.eventsLeftOut = plotEventsLeftOut;
            p.patch = runningPatch.get();
            p.sampleRate = sr;
            p.seconds = static_cast<double>(total) / sr;
            p.title = "GradedCells render: " + procs.front()->currentPatchName() + " (" +
                      (o.in.empty() ? juce::String("demo clip") : juce::String(o.in)) + ", " + juce::String(channels) + " ch, " +
                      juce::String(sampleRateText(sr)) + " Hz, " + juce::String(stepNow) + "-sample steps, latency " + juce::String(latency) + ")";
            writePlot(cwd.getChildFile(o.plot), o.plot, p);
        }

        const double samples = static_cast<double>(std::max<std::int64_t>(1, total)) * channels;
        float tp = 0.f;
        for (auto& m : truePeak) tp = std::max(tp, m.finish());
        auto dbfs = [](double x) { return x > 0.0 ? 20.0 * std::log10(x) : -std::numeric_limits<double>::infinity(); };
        std::fprintf(stderr, "render: %s -> %s (%s, %d ch, %.0f Hz, %.2f s, %s, latency %d samples compensated, "
                             "in RMS %.4f, out RMS %.4f, out peak %.4f = %.2f dBFS, true peak %.2f dBTP%s%s)\n",
                     o.in.empty() ? "demo clip" : o.in.c_str(), outFile.getFullPathName().toRawUTF8(),
                     procs.front()->currentPatchName().toRawUTF8(), channels, sr, static_cast<double>(total) / sr,
                     floatOut ? "32-bit float" : (std::to_string(outBits) + "-bit").c_str(), latency,
                     std::sqrt(inSquares / samples), std::sqrt(outSquares / samples), static_cast<double>(outPeak),
                     dbfs(outPeak), dbfs(tp),
                     o.trace.empty() ? "" : (", trace " + o.trace + " (" + std::to_string(trace->rows()) + " rows x " +
                                             std::to_string(trace->columns()) + " columns; units in " +
                                             traceUnits.getFileName().toStdString() + ")").c_str(),
                     o.plot.empty() ? "" : (", plot " + o.plot).c_str());
        if (!floatOut && overFullScale > 0)
            std::fprintf(stderr, "render: warning: %lld samples at or beyond full scale (peak %+.2f dBFS) were clipped in the "
                                 "%d-bit file; --bits 32f keeps them\n",
                         static_cast<long long>(overFullScale), dbfs(outPeak), outBits);
        else if (tp >= 1.f)
            std::fprintf(stderr, "render: note: the true peak (%+.2f dBTP) is at or above 0 dBFS: a fixed-point copy or a "
                                 "converter would clip\n", dbfs(tp));
        if (runningLatency != latency)
            std::fprintf(stderr, "render: warning: the processor reported %d samples of latency after prepareToPlay but its "
                                 "engine's latency is %d samples: the output is misaligned by %d samples (a processor bug)\n",
                         latency, runningLatency, runningLatency - latency);
        if (telemetryFullBlocks > 0)
            std::fprintf(stderr, "render: warning: in %lld blocks the processor's telemetry queue (15 snapshots) was full, "
                                 "so trace/plot rows were dropped there; a smaller --block keeps them all\n",
                         static_cast<long long>(telemetryFullBlocks));
        if (unmatchedRows > 0)
            std::fprintf(stderr, "render: warning: %lld trace rows left out: not every processor instance had a snapshot of "
                                 "that step\n", static_cast<long long>(unmatchedRows));
        if (nonFiniteIn > 0)
            std::fprintf(stderr, "render: warning: %lld non-finite input samples (NaN/Inf) were replaced by 0\n",
                         static_cast<long long>(nonFiniteIn));
        if (nonFiniteOut > 0) {
            std::fprintf(stderr, "graded-cli render: error: the processor produced %lld non-finite output samples "
                                 "(written as 0)\n", static_cast<long long>(nonFiniteOut));
            return 1;
        }
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "graded-cli render: error: %s\n", e.message.c_str());
        return 2;
    }
}

} // namespace graded::cli
