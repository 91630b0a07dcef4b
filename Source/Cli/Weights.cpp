// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli weights export: run a patch, then write its synapses' weights as npz files.
#include "Weights.h"

#include "AudioFileIn.h"
#include "PluginProcessor.h"

#include <Engine/WeightAccess.h>
#include <Graph/Engine.h>
#include <Limits.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace graded::cli {

const char* const kWeightsHelp =
    "usage: graded-cli weights export --patch FILE.json|NAME [--in IN.wav] --out DIR [--seconds S]\n"
    "                                 [--set PARAM=VALUE]...\n"
    "\n"
    "Runs the patch's engine over IN.wav (WAV or AIFF; without --in: a steady three-partial chord\n"
    "at 48 kHz stereo for --seconds, default 10), learning as the plugin does, then writes\n"
    "DIR/<node id>.npz for every synapse node that is not tied to another: members weights\n"
    "[n_in][n_out], biases [1][n_out] (a 0-d 0 without a bias) and mask, float32, as ngclearn's\n"
    "component save() writes them (load them in ngclearn with the component's load(), or with\n"
    "numpy.load). --seconds limits how much of IN.wav is used. --set sets a host parameter by id\n"
    "to a plain number (learn=0, learnRate=2, step=3 for the 4th step size, ...).\n";

namespace {

struct Bad {
    std::string message;
};

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Bad{"cannot read " + path};
    in.seekg(0, std::ios::end);
    const auto size = in.tellg();
    if (size < 0 || static_cast<std::uint64_t>(size) > limits::kMaxPatchBytes) throw Bad{path + " is not a patch (too big)"};
    in.seekg(0);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Patch patchFrom(const std::string& spec) {
    for (const auto& fp : factoryPatches())
        if (fp.name == spec) return loadPatch(fp.json);
    return loadPatch(readText(spec));
}

void writeAll(const Patch& patch, const WeightSet& set, const std::string& dir, const std::vector<std::string>& learned) {
    const juce::File folder(juce::File::getCurrentWorkingDirectory().getChildFile(juce::String::fromUTF8(dir.c_str())));
    if (!folder.isDirectory() && !folder.createDirectory()) throw Bad{"cannot create the folder " + dir};
    const auto written = exportWeightsNpz(patch, set, folder.getFullPathName().toStdString());
    for (const auto& w : set) {
        if (w.tied) {
            std::fprintf(stderr, "weights: %s is tied (reads the transpose of another synapse): not written\n", w.id.c_str());
            continue;
        }
        const bool changed = std::find(learned.begin(), learned.end(), w.id) != learned.end();
        std::fprintf(stderr, "weights: %s [%d x %d]%s -> %s/%s.npz (%s)\n", w.id.c_str(), w.nIn, w.nOut,
                     w.biases.empty() ? "" : " + biases", folder.getFullPathName().toRawUTF8(), w.id.c_str(),
                     changed ? "learned" : "as initialised");
    }
    if (written.empty()) throw Bad{"the patch has no untied synapse: nothing to export"};
}

int exportCommand(const std::vector<std::string>& args) {
    std::string patchSpec, in, out;
    double seconds = -1;
    HostControls controls;
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size()) throw Bad{a + " needs a value"};
            return args[++i];
        };
        if (a == "--patch") patchSpec = value();
        else if (a == "--in") in = value();
        else if (a == "--out") out = value();
        else if (a == "--seconds") {
            const auto& v = value();
            char* end = nullptr;
            seconds = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end != '\0' || !std::isfinite(seconds) || seconds <= 0 || seconds > 24 * 3600)
                throw Bad{"--seconds wants a number of seconds in (0, 86400], not '" + v + "'"};
        } else if (a == "--set") {
            const auto& v = value();
            const auto eq = v.find('=');
            const HostParam p = eq == std::string::npos ? HostParam::count : findHostParam(v.substr(0, eq));
            if (p == HostParam::count) throw Bad{"--set wants PARAM=VALUE with a host parameter id, not '" + v + "'"};
            char* end = nullptr;
            const double x = std::strtod(v.c_str() + eq + 1, &end);
            const auto& info = hostParamInfo(p);
            if (end == v.c_str() + eq + 1 || *end != '\0' || !(x >= info.min && x <= info.max))
                throw Bad{"--set " + v + ": the value must be a number in [" + std::to_string(info.min) + ", " + std::to_string(info.max) + "]"};
            controls[p] = float(x);
        } else if (a == "--help" || a == "-h") {
            std::fputs(kWeightsHelp, stdout);
            return 0;
        } else {
            throw Bad{"unknown option '" + a + "'"};
        }
    }
    if (patchSpec.empty()) throw Bad{"--patch is required"};
    if (out.empty()) throw Bad{"--out is required"};
    Patch patch;
    try {
        patch = patchFrom(patchSpec);
    } catch (const std::exception& e) {
        throw Bad{patchSpec + ": " + plugin::GradedCellsProcessor::describeError(e).replace("\n", "; ").toStdString()};
    }

    std::unique_ptr<AudioFileIn> file;
    double rate = 48000.0;
    int channels = 2;
    std::int64_t frames = 0;
    if (!in.empty()) {
        std::string error;
        file = AudioFileIn::open(juce::File::getCurrentWorkingDirectory().getChildFile(juce::String::fromUTF8(in.c_str())), error);
        if (!file) throw Bad{error};
        rate = file->sampleRate();
        channels = file->numChannels();
        if (channels > kMaxEngineChannels) throw Bad{in + " has " + std::to_string(channels) + " channels; the engine runs at most " + std::to_string(kMaxEngineChannels)};
        frames = file->numFrames();
        if (seconds > 0) frames = std::min<std::int64_t>(frames, std::llround(seconds * rate));
    } else {
        frames = std::llround((seconds > 0 ? seconds : 10.0) * rate);
    }
    std::unique_ptr<Engine> engine;
    try {
        engine = Engine::create(patch, EngineConfig{rate, channels, 512}, controls);
    } catch (const std::exception& e) {
        throw Bad{patchSpec + ": " + plugin::GradedCellsProcessor::describeError(e).replace("\n", "; ").toStdString()};
    }
    if (weightLayout(*engine).empty()) throw Bad{"'" + patch.name + "' has no synapse nodes: nothing to export"};

    juce::AudioBuffer<float> buffer(channels, 512);
    for (std::int64_t t = 0; t < frames; t += 512) {
        const int n = static_cast<int>(std::min<std::int64_t>(512, frames - t));
        if (file) {
            std::string error;
            if (!file->read(buffer, t, n, error)) throw Bad{error};
        } else {
            buffer.setSize(channels, n, false, false, true);
            for (int i = 0; i < n; ++i) {
                const double x = double(t + i) / rate;
                const float v = float(0.3 * std::sin(2 * M_PI * 440 * x) + 0.15 * std::sin(2 * M_PI * 1320 * x) + 0.08 * std::sin(2 * M_PI * 3300 * x));
                for (int c = 0; c < channels; ++c) buffer.setSample(c, i, v);
            }
        }
        engine->process(buffer.getArrayOfWritePointers(), channels, n);
    }
    const auto set = readWeights(*engine); // the engine is ours: no other thread runs it
    std::fprintf(stderr, "weights: '%s' ran %.2f s (%s, %d ch, %.0f Hz)\n", patch.name.c_str(), double(frames) / rate,
                 file ? in.c_str() : "built-in chord", channels, rate);
    writeAll(patch, set, out, learnedSynapses(*engine, set));
    return 0;
}

} // namespace

int runWeights(const std::vector<std::string>& args) {
    try {
        if (args.empty() || args[0] == "--help" || args[0] == "-h") {
            std::fputs(kWeightsHelp, args.empty() ? stderr : stdout);
            return args.empty() ? 2 : 0;
        }
        if (args[0] != "export") throw Bad{"unknown action '" + args[0] + "' (only 'export'; import is in the editor)"};
        return exportCommand(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const Bad& b) {
        std::fprintf(stderr, "graded-cli weights: error: %s\n", b.message.c_str());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "graded-cli weights: error: %s\n", e.what());
        return 2;
    }
}

void exportWeightsAfterRender(plugin::GradedCellsProcessor& processor, const std::string& dir) {
    WeightSet set;
    juce::String why;
    if (!processor.learnedWeights(set, why)) throw std::runtime_error("--export-weights: " + why.toStdString());
    const auto patch = processor.currentPatch().patch;
    if (set.empty() || patch == nullptr) throw std::runtime_error("--export-weights: the patch has no synapse nodes");
    Engine* engine = processor.engineForProcessingThread(); // processing has stopped: ours to read
    try {
        writeAll(*patch, set, dir, engine ? learnedSynapses(*engine, set) : std::vector<std::string>{});
    } catch (const Bad& b) {
        throw std::runtime_error("--export-weights: " + b.message);
    }
}

} // namespace graded::cli
