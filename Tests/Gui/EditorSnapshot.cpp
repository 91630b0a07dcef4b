// SPDX-License-Identifier: GPL-3.0-or-later
// editor-snapshot: renders the editor for every factory patch, with its live views fed by a
// few seconds of demo audio and MIDI, to PNG files (the README's screenshots).
// Usage: editor-snapshot OUT_DIR [SECONDS] [PATCH.json]   (run under xvfb-run on a headless
// machine); with PATCH.json only that (user) patch is rendered, e.g. a learning circuit
// whose weight heat maps then show what its synapses learned.
#include "PluginEditor.h"
#include "PluginProcessor.h"

#include <Graph/Patch.h>

#include <juce_gui_basics/juce_gui_basics.h>

#include <cmath>
#include <cstdio>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: editor-snapshot OUT_DIR [SECONDS]\n");
        return 2;
    }
    juce::ScopedJuceInitialiser_GUI juceInit;
    const juce::File outDir = juce::File::getCurrentWorkingDirectory().getChildFile(argv[1]);
    if (!outDir.createDirectory()) {
        std::fprintf(stderr, "editor-snapshot: cannot create %s\n", argv[1]);
        return 2;
    }
    const double seconds = argc > 2 ? std::max(0.5, std::atof(argv[2])) : 4.0;
    const double sr = 48000.0;
    const int block = 512;
    const auto& factory = graded::factoryPatches();
    const juce::File userPatch = argc > 3 ? juce::File::getCurrentWorkingDirectory().getChildFile(argv[3]) : juce::File();
    for (int i = 0; i < (argc > 3 ? 1 : int(factory.size())); ++i) {
        graded::plugin::GradedCellsProcessor proc;
        proc.prepareToPlay(sr, block);
        if (argc > 3) {
            juce::String error;
            if (!proc.loadUserPatchFile(userPatch, error)) {
                std::fprintf(stderr, "editor-snapshot: %s\n", error.toRawUTF8());
                return 2;
            }
        } else {
            proc.selectFactoryPatch(i);
        }
        proc.waitForPatchBuilds(5000);
        std::unique_ptr<juce::AudioProcessorEditor> editor(proc.createEditor());
        editor->setSize(1100, 720);
        auto* ed = dynamic_cast<graded::gui::PluginEditor*>(editor.get());
        juce::AudioBuffer<float> buffer(2, block);
        juce::Random rng(7);
        long n = 0;
        const int blocks = int(seconds * sr / block);
        for (int b = 0; b < blocks; ++b) {
            juce::MidiBuffer midi;
            for (int s = 0; s < block; ++s, ++n) {
                const double t = double(n) / sr;
                double x = 0.25 * std::sin(2 * juce::MathConstants<double>::pi * 1000.0 * t);
                if (t > seconds * 0.6) x += 0.25 * std::sin(2 * juce::MathConstants<double>::pi * 3000.0 * t);
                if (std::fmod(t, 0.5) < 0.02) x += 0.3 * (rng.nextDouble() * 2 - 1); // clicks
                buffer.setSample(0, s, float(x));
                buffer.setSample(1, s, float(x * 0.9));
                if (n % 24000 == 0) midi.addEvent(juce::MidiMessage::noteOn(1, 60, juce::uint8(90 + (n / 24000) % 30)), s);
                if (n % 24000 == 12000) midi.addEvent(juce::MidiMessage::noteOff(1, 60), s);
            }
            proc.processBlock(buffer, midi);
            if (ed && b % 8 == 0) ed->refreshNow();
        }
        if (ed) ed->refreshNow();
        const auto image = editor->createComponentSnapshot(editor->getLocalBounds(), true, 1.0f);
        juce::String name = argc > 3 ? userPatch.getFileNameWithoutExtension() : juce::String(factory[size_t(i)].name);
        name = name.removeCharacters(" /\\:").trim();
        const auto file = outDir.getChildFile(name + ".png");
        file.deleteFile();
        juce::FileOutputStream os(file);
        juce::PNGImageFormat png;
        if (!os.openedOk() || !png.writeImageToStream(image, os)) {
            std::fprintf(stderr, "editor-snapshot: cannot write %s\n", file.getFullPathName().toRawUTF8());
            return 1;
        }
        std::printf("%s\n", file.getFullPathName().toRawUTF8());
        editor.reset();
        proc.releaseResources();
    }
    if (argc > 3) return 0;
    // A patch the host's rate cannot run: the editor says why (audio passes through dry).
    {
        graded::plugin::GradedCellsProcessor proc;
        proc.prepareToPlay(500.0, block);
        std::unique_ptr<juce::AudioProcessorEditor> editor(proc.createEditor());
        editor->setSize(1100, 720);
        if (auto* ed = dynamic_cast<graded::gui::PluginEditor*>(editor.get())) ed->refreshNow();
        const auto image = editor->createComponentSnapshot(editor->getLocalBounds(), true, 1.0f);
        const auto file = outDir.getChildFile("NotRunning.png");
        file.deleteFile();
        juce::FileOutputStream os(file);
        juce::PNGImageFormat png;
        if (!os.openedOk() || !png.writeImageToStream(image, os)) return 1;
        std::printf("%s\n", file.getFullPathName().toRawUTF8());
    }
    return 0;
}
