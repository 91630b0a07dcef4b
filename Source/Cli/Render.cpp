// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli render: runs the plugin's AudioProcessor (the same code as the VST3/LV2/
// Standalone) over a file, or over a built-in demo clip.
#include "Commands.h"

#include "PluginProcessor.h"

#include <juce_audio_formats/juce_audio_formats.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <unistd.h>

namespace graded::cli {

const char* const kRenderHelp =
    "usage: graded-cli render [--patch NAME|FILE.json] [IN.wav] OUT.wav [--set PARAM=VALUE]...\n"
    "                         [--midi IN.mid] [--block N] [--trace OUT.csv] [--plot OUT.png]\n"
    "\n"
    "Runs the GradedCells plugin's AudioProcessor over IN (WAV or AIFF) and writes OUT (WAV,\n"
    "or AIFF for .aif/.aiff), latency-compensated. Without IN it renders a built-in demo clip\n"
    "(6 s at 48 kHz: two tones, a third entering at 3 s) through the patch.\n"
    "\n"
    "  --patch P      a factory patch name (default: the first, 'Predictive EQ') or a patch\n"
    "                 JSON file\n"
    "  --set P=V      a host parameter by id, plain value (tau=80) or choice label\n"
    "                 (activation=tanh, step=\"64 samples\", patch=\"Noise Texture\"); repeatable\n"
    "  --midi FILE    a MIDI file driving the reward (note-on velocity, CC 1), episodes\n"
    "                 (note-off) and resets (CC 123), sample-accurately\n"
    "  --block N      host block size, 1..8192 (default 512)\n"
    "  --trace CSV    telemetry snapshots (~30/s): each node's main compartment, L, mu, bands\n"
    "  --plot PNG     the traces and the band spectrum over time\n"
    "\n"
    "Exit status: 0 done, 2 bad arguments or unreadable/unwritable files (one-line error).\n";

namespace {

struct UsageError {
    std::string message;
};

struct Options {
    std::string patch;
    std::string in, out;
    std::vector<std::pair<std::string, std::string>> sets;
    std::string midi;
    int block = 512;
    std::string trace, plot;
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
            if (!s.containsOnly("0123456789") || s.isEmpty() || s.getIntValue() < 1 || s.getIntValue() > 8192)
                throw UsageError{"--block wants an integer 1..8192, got '" + v + "'"};
            o.block = s.getIntValue();
        } else if (a == "--trace") o.trace = value();
        else if (a == "--plot") o.plot = value();
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

float parseValue(const juce::RangedAudioParameter& p, const std::string& text) {
    const juce::String s(text);
    if (auto* choice = dynamic_cast<const juce::AudioParameterChoice*>(&p)) {
        const int idx = choice->choices.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
    }
    if (p.paramID == "patch") {
        const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
        const int idx = names.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
    }
    if (s.isEmpty() || !s.containsOnly("0123456789+-.eE"))
        throw UsageError{"--set " + p.paramID.toStdString() + ": '" + text + "' is not a number or a known label"};
    const float v = s.getFloatValue();
    const auto range = p.getNormalisableRange();
    if (!std::isfinite(v) || v < range.start || v > range.end)
        throw UsageError{"--set " + p.paramID.toStdString() + "=" + text + " is outside " +
                         juce::String(range.start).toStdString() + ".." + juce::String(range.end).toStdString()};
    return v;
}

juce::MidiMessageSequence readMidi(const std::string& path, double sr, std::vector<std::pair<int, juce::MidiMessage>>& out) {
    juce::File file(path);
    juce::FileInputStream in(file);
    if (!in.openedOk()) throw UsageError{"cannot read MIDI file " + path};
    juce::MidiFile midi;
    if (!midi.readFrom(in)) throw UsageError{"not a MIDI file: " + path};
    midi.convertTimestampTicksToSeconds();
    juce::MidiMessageSequence all;
    for (int t = 0; t < midi.getNumTracks(); ++t) all.addSequence(*midi.getTrack(t), 0.0);
    all.sort();
    for (const auto* e : all)
        out.emplace_back(static_cast<int>(std::lround(e->message.getTimeStamp() * sr)), e->message);
    return all;
}

struct TraceRow {
    std::uint64_t step;
    double time;
    Telemetry t;
};

void writeTrace(const std::string& path, const std::vector<TraceRow>& rows) {
    juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(path));
    juce::FileOutputStream out(file);
    if (!out.openedOk()) throw UsageError{"cannot write " + path};
    out.setPosition(0);
    out.truncate();
    if (rows.empty()) return;
    const auto& first = rows.front().t;
    out << "step,time_s";
    for (int n = 0; n < first.numNodes; ++n) {
        const auto& node = first.nodes[n];
        for (int v = 0; v < node.main.numValues; ++v) out << "," << node.id << "[" << v << "]";
        out << "," << node.id << ".L," << node.id << ".extra";
    }
    for (int b = 0; b < first.numBands; ++b) out << ",band" << b;
    out << "\n";
    for (const auto& r : rows) {
        out << juce::String(static_cast<juce::int64>(r.step)) << "," << juce::String(r.time, 6);
        for (int n = 0; n < first.numNodes && n < r.t.numNodes; ++n) {
            const auto& node = r.t.nodes[n];
            for (int v = 0; v < first.nodes[n].main.numValues; ++v)
                out << "," << juce::String(v < node.main.numValues ? node.main.values[v] : 0.f, 7);
            const float L = node.scalar.name == "L" ? node.scalar.value : 0.f;
            const float extra = node.scalar.name == "mu" ? node.scalar.value : 0.f;
            out << "," << juce::String(L, 7) << "," << juce::String(extra, 7);
        }
        for (int b = 0; b < first.numBands; ++b) out << "," << juce::String(r.t.bandEnergy[b], 7);
        out << "\n";
    }
}

void writePlot(const std::string& path, const std::vector<TraceRow>& rows, const juce::String& title) {
    const int w = 1400, h = 900, margin = 60;
    juce::Image image(juce::Image::RGB, w, h, true, juce::SoftwareImageType());
    juce::Graphics g(image);
    g.fillAll(juce::Colour(0xff101418));
    g.setColour(juce::Colours::white);
    g.setFont(18.f);
    g.drawText(title, margin, 10, w - 2 * margin, 30, juce::Justification::left);
    if (rows.size() >= 2) {
        const double t0 = rows.front().time, t1 = rows.back().time;
        auto xOf = [&](double t) { return margin + static_cast<float>((t - t0) / std::max(1e-9, t1 - t0)) * (w - 2 * margin); };
        // Top: one lane per node (first value of its main compartment, normalised per lane).
        const auto& first = rows.front().t;
        const int lanes = std::max(1, first.numNodes);
        const juce::Rectangle<int> top(margin, 50, w - 2 * margin, h / 2 - 60);
        const float laneH = static_cast<float>(top.getHeight()) / lanes;
        for (int n = 0; n < first.numNodes; ++n) {
            float lo = 1e30f, hi = -1e30f;
            for (const auto& r : rows) { lo = std::min(lo, r.t.nodes[n].main.values[0]); hi = std::max(hi, r.t.nodes[n].main.values[0]); }
            const float y0 = top.getY() + laneH * (n + 1) - 4, span = std::max(1e-9f, hi - lo);
            juce::Path path;
            for (size_t i = 0; i < rows.size(); ++i) {
                const float y = y0 - (rows[i].t.nodes[n].main.values[0] - lo) / span * (laneH - 12);
                if (i == 0) path.startNewSubPath(xOf(rows[i].time), y); else path.lineTo(xOf(rows[i].time), y);
            }
            g.setColour(juce::Colour::fromHSV(static_cast<float>(n) / lanes, 0.7f, 0.95f, 1.f));
            g.strokePath(path, juce::PathStrokeType(1.5f));
            g.setFont(13.f);
            g.drawText(juce::String(first.nodes[n].id) + " [" + juce::String(lo, 3) + ", " + juce::String(hi, 3) + "]",
                       top.getX() + 4, static_cast<int>(top.getY() + laneH * n), 500, 16, juce::Justification::left);
        }
        // Bottom: band spectrum over time (AudioIn bands, channel 0).
        const juce::Rectangle<int> bottom(margin, h / 2 + 20, w - 2 * margin, h / 2 - 70);
        const int bands = std::max(1, first.numBands);
        float lo = 1e30f, hi = -1e30f;
        for (const auto& r : rows)
            for (int b = 0; b < first.numBands; ++b) { lo = std::min(lo, r.t.bandEnergy[b]); hi = std::max(hi, r.t.bandEnergy[b]); }
        const float bandH = static_cast<float>(bottom.getHeight()) / bands;
        for (size_t i = 0; i + 1 < rows.size(); ++i) {
            const float x = xOf(rows[i].time), x2 = xOf(rows[i + 1].time);
            for (int b = 0; b < first.numBands; ++b) {
                const float v = (rows[i].t.bandEnergy[b] - lo) / std::max(1e-9f, hi - lo);
                g.setColour(juce::Colour::fromHSV(0.7f - 0.7f * v, 0.9f, 0.2f + 0.8f * v, 1.f));
                g.fillRect(x, bottom.getBottom() - bandH * (b + 1), std::max(1.f, x2 - x), bandH);
            }
        }
        g.setColour(juce::Colours::white);
        g.setFont(14.f);
        g.drawText("band spectrum (low bands at the bottom), " + juce::String(first.numBands) + " bands",
                   bottom.getX(), bottom.getY() - 20, 600, 18, juce::Justification::left);
        g.drawText(juce::String(t0, 2) + " s", margin, h - 40, 100, 18, juce::Justification::left);
        g.drawText(juce::String(t1, 2) + " s", w - margin - 100, h - 40, 100, 18, juce::Justification::right);
    }
    juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(path));
    file.deleteFile();
    juce::FileOutputStream out(file);
    juce::PNGImageFormat png;
    if (!out.openedOk() || !png.writeImageToStream(image, out)) throw UsageError{"cannot write " + path};
}

} // namespace

int runRender(const std::vector<std::string>& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") { std::fputs(kRenderHelp, stdout); return 0; }
    try {
        const Options o = parse(args);
        juce::ScopedJuceInitialiser_GUI juceInit;
        juce::AudioFormatManager formats;
        formats.registerBasicFormats();

        double sr = 48000.0;
        juce::AudioBuffer<float> input;
        if (o.in.empty()) {
            input = demoClip(sr);
        } else {
            juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(o.in));
            if (!file.existsAsFile()) throw UsageError{"no such file: " + o.in};
            std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(file));
            if (reader == nullptr) throw UsageError{"cannot read audio file " + o.in + " (WAV or AIFF)"};
            if (reader->lengthInSamples <= 0 || reader->lengthInSamples > (1LL << 31) - 1)
                throw UsageError{"audio file " + o.in + " is empty or too long"};
            sr = reader->sampleRate;
            const int channels = std::min(2, static_cast<int>(reader->numChannels));
            input.setSize(channels, static_cast<int>(reader->lengthInSamples));
            reader->read(&input, 0, input.getNumSamples(), 0, true, channels > 1);
        }
        const int channels = input.getNumChannels();
        const int total = input.getNumSamples();

        plugin::GradedCellsProcessor proc;
        juce::AudioProcessor::BusesLayout layout;
        const auto set = channels == 1 ? juce::AudioChannelSet::mono() : juce::AudioChannelSet::stereo();
        layout.inputBuses.add(set);
        layout.outputBuses.add(set);
        proc.setBusesLayout(layout);

        if (!o.patch.empty()) {
            const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
            const int idx = names.indexOf(juce::String(o.patch), true);
            if (idx >= 0) {
                proc.selectFactoryPatch(idx);
            } else {
                const juce::File file(juce::File::getCurrentWorkingDirectory().getChildFile(o.patch));
                if (!file.existsAsFile())
                    throw UsageError{"--patch '" + o.patch + "' is neither a factory patch (" +
                                     names.joinIntoString(", ").toStdString() + ") nor a file"};
                juce::String error;
                if (!proc.loadUserPatchFile(file, error)) throw UsageError{"patch " + o.patch + ": " + error.toStdString()};
            }
        }
        for (const auto& [id, value] : o.sets) {
            auto* p = proc.parameters().getParameter(juce::String(id));
            if (p == nullptr) throw UsageError{"--set: unknown parameter '" + id + "'"};
            p->setValueNotifyingHost(p->convertTo0to1(parseValue(*p, value)));
        }
        proc.waitForPatchBuilds(5000);

        std::vector<std::pair<int, juce::MidiMessage>> midiEvents;
        if (!o.midi.empty()) readMidi(o.midi, sr, midiEvents);

        proc.prepareToPlay(sr, o.block);
        const int latency = proc.getLatencySamples();
        juce::AudioBuffer<float> output(channels, total);
        juce::AudioBuffer<float> block(channels, o.block);
        juce::MidiBuffer midi;
        std::vector<TraceRow> rows;
        size_t nextMidi = 0;
        const bool progress = total > static_cast<int>(10.0 * sr) || isatty(2);
        int lastPercent = -1;
        // Run latency samples past the end so the output lines up with the input.
        for (int pos = 0; pos < total + latency; pos += o.block) {
            const int n = std::min(o.block, total + latency - pos);
            block.setSize(channels, n, false, false, true);
            for (int ch = 0; ch < channels; ++ch) {
                block.clear(ch, 0, n);
                const int avail = std::max(0, std::min(n, total - pos));
                if (avail > 0) block.copyFrom(ch, 0, input, ch, pos, avail);
            }
            midi.clear();
            while (nextMidi < midiEvents.size() && midiEvents[nextMidi].first < pos + n) {
                midi.addEvent(midiEvents[nextMidi].second, std::max(0, midiEvents[nextMidi].first - pos));
                ++nextMidi;
            }
            proc.processBlock(block, midi);
            for (int ch = 0; ch < channels; ++ch) {
                const int from = std::max(0, latency - pos);      // first block sample past the latency
                const int dst = pos + from - latency;
                const int count = std::min(n - from, total - dst);
                if (count > 0) output.copyFrom(ch, dst, block, ch, from, count);
            }
            // The processor forwards the running engine's snapshots into its own FIFO.
            TraceRow row;
            while (proc.popTelemetry(row.t)) {
                row.step = row.t.step;
                row.time = static_cast<double>(row.t.step) * latency / sr;
                rows.push_back(row);
            }
            if (progress) {
                const int percent = static_cast<int>(100.0 * std::min(total, pos + n) / std::max(1, total));
                if (percent != lastPercent) {
                    lastPercent = percent;
                    const int bar = percent / 2;
                    std::fprintf(stderr, "\rrender [%.*s%*s] %3d%%", bar, "##################################################",
                                 50 - bar, "", percent);
                }
            }
        }
        if (progress) std::fputs("\n", stderr);

        // Write the output.
        juce::File outFile(juce::File::getCurrentWorkingDirectory().getChildFile(o.out));
        const auto ext = outFile.getFileExtension().toLowerCase();
        std::unique_ptr<juce::AudioFormat> format;
        if (ext == ".aif" || ext == ".aiff") format = std::make_unique<juce::AiffAudioFormat>();
        else format = std::make_unique<juce::WavAudioFormat>();
        outFile.deleteFile();
        auto stream = std::make_unique<juce::FileOutputStream>(outFile);
        if (!stream->openedOk()) throw UsageError{"cannot write " + o.out};
        std::unique_ptr<juce::AudioFormatWriter> writer(
            format->createWriterFor(stream.get(), sr, static_cast<unsigned>(channels), 24, {}, 0));
        if (writer == nullptr) throw UsageError{"cannot write " + o.out};
        stream.release();
        writer->writeFromAudioSampleBuffer(output, 0, total);
        writer.reset();

        if (!o.trace.empty()) writeTrace(o.trace, rows);
        if (!o.plot.empty())
            writePlot(o.plot, rows, "GradedCells render: " + proc.currentPatchName() + " (" +
                                        (o.in.empty() ? juce::String("demo clip") : juce::String(o.in)) + ")");
        double inRms = 0.0, outRms = 0.0;
        for (int ch = 0; ch < channels; ++ch) {
            inRms += input.getRMSLevel(ch, 0, total);
            outRms += output.getRMSLevel(ch, 0, total);
        }
        std::fprintf(stderr, "render: %s -> %s (%s, %d ch, %.0f Hz, %.2f s, latency %d samples compensated, "
                             "in RMS %.4f, out RMS %.4f%s%s)\n",
                     o.in.empty() ? "demo clip" : o.in.c_str(), outFile.getFullPathName().toRawUTF8(),
                     proc.currentPatchName().toRawUTF8(), channels, sr, total / sr, latency,
                     inRms / channels, outRms / channels,
                     o.trace.empty() ? "" : (", trace " + o.trace).c_str(),
                     o.plot.empty() ? "" : (", plot " + o.plot).c_str());
        return 0;
    } catch (const UsageError& e) {
        std::fprintf(stderr, "graded-cli render: error: %s\n", e.message.c_str());
        return 2;
    }
}

} // namespace graded::cli
