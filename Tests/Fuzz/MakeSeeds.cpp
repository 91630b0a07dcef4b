// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the binary seed corpora committed in Tests/Fuzz/seeds/ (run it again after the
// state format or the factory patches change):
//   graded_fuzz_seeds <Tests/Fuzz/seeds> <user patch .json>
//   state/: getStateInformation() for every factory patch (with moved parameters, MIDI CCs
//           and an editor size), for a user patch, and one state as plain XML text
//   audio/: short WAV (16/24-bit, 32-bit float, mono/stereo) and AIFF files
#include "PluginProcessor.h"

#include <juce_audio_formats/juce_audio_formats.h>
#include <juce_events/juce_events.h>
#include <juce_gui_basics/juce_gui_basics.h>

#include <cmath>
#include <cstdio>
#include <memory>

using graded::plugin::GradedCellsProcessor;

namespace {

void write(const juce::File& file, const juce::MemoryBlock& block) {
    file.getParentDirectory().createDirectory();
    if (!file.replaceWithData(block.getData(), block.getSize())) {
        std::fprintf(stderr, "cannot write %s\n", file.getFullPathName().toRawUTF8());
        std::exit(1);
    }
    std::printf("%s (%d bytes)\n", file.getFullPathName().toRawUTF8(), static_cast<int>(block.getSize()));
}

void moveParameters(GradedCellsProcessor& proc, int seed) {
    juce::Random random(seed);
    for (auto* p : proc.getParameters())
        if (auto* ranged = dynamic_cast<juce::RangedAudioParameter*>(p))
            if (ranged->paramID != "patch") ranged->setValueNotifyingHost(random.nextFloat());
}

void writeAudio(const juce::File& file, juce::AudioFormat& format, int channels, int bits, double sr, int length) {
    juce::AudioBuffer<float> buffer(channels, length);
    for (int c = 0; c < channels; ++c)
        for (int i = 0; i < length; ++i)
            buffer.setSample(c, i, 0.5f * std::sin(0.2f * static_cast<float>(i) * static_cast<float>(c + 1)));
    juce::MemoryBlock block;
    {
        auto* stream = new juce::MemoryOutputStream(block, false);
        std::unique_ptr<juce::AudioFormatWriter> writer(
            format.createWriterFor(stream, sr, static_cast<unsigned>(channels), bits, {}, 0));
        if (writer == nullptr) {
            delete stream;
            std::fprintf(stderr, "no writer for %s\n", file.getFileName().toRawUTF8());
            std::exit(1);
        }
        writer->writeFromAudioSampleBuffer(buffer, 0, length);
    } // the writer owns and flushes the stream
    write(file, block);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: graded_fuzz_seeds SEEDS_DIR USER_PATCH.json\n");
        return 2;
    }
    juce::ScopedJuceInitialiser_GUI juceInit;
    const juce::File out(juce::File::getCurrentWorkingDirectory().getChildFile(argv[1]));
    const auto stateDir = out.getChildFile("state");
    const auto audioDir = out.getChildFile("audio");

    {
        GradedCellsProcessor proc;
        proc.prepareToPlay(48000.0, 256);
        const auto names = GradedCellsProcessor::factoryPatchNames();
        for (int i = 0; i < names.size(); ++i) {
            proc.selectFactoryPatch(i);
            moveParameters(proc, 100 + i);
            proc.setRewardCc(10 + i);
            proc.setEpisodeCc(64 + i);
            if (i % 2 == 0) proc.setEditorSize(1100 + i, 720);
            proc.waitForPatchBuilds(5000);
            juce::MemoryBlock block;
            proc.getStateInformation(block);
            write(stateDir.getChildFile("factory" + juce::String(i) + ".bin"), block);
            if (i == 0) {
                // The same state as plain XML text (setStateInformation accepts both).
                auto xml = juce::AudioProcessor::getXmlFromBinary(block.getData(), static_cast<int>(block.getSize()));
                const auto text = xml->toString(juce::XmlElement::TextFormat().singleLine());
                write(stateDir.getChildFile("factory0.xml"), juce::MemoryBlock(text.toRawUTF8(), text.getNumBytesAsUTF8()));
            }
        }
        juce::String error;
        const juce::File user(juce::File::getCurrentWorkingDirectory().getChildFile(argv[2]));
        if (!proc.loadUserPatchFile(user, error)) {
            std::fprintf(stderr, "user patch: %s\n", error.toRawUTF8());
            return 1;
        }
        proc.waitForPatchBuilds(5000);
        juce::MemoryBlock block;
        proc.getStateInformation(block);
        write(stateDir.getChildFile("user.bin"), block);
    }

    juce::WavAudioFormat wav;
    juce::AiffAudioFormat aiff;
    writeAudio(audioDir.getChildFile("mono16.wav"), wav, 1, 16, 48000.0, 64);
    writeAudio(audioDir.getChildFile("stereo24.wav"), wav, 2, 24, 44100.0, 48);
    writeAudio(audioDir.getChildFile("stereo32f.wav"), wav, 2, 32, 96000.0, 32);
    writeAudio(audioDir.getChildFile("quad16.wav"), wav, 4, 16, 48000.0, 16);
    writeAudio(audioDir.getChildFile("mono8.wav"), wav, 1, 8, 22050.0, 40);
    writeAudio(audioDir.getChildFile("mono16.aiff"), aiff, 1, 16, 48000.0, 64);
    writeAudio(audioDir.getChildFile("stereo24.aiff"), aiff, 2, 24, 44100.0, 48);
    return 0;
}
