// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: graded-cli's audio file reading (WAV / AIFF).
// A crash, a sanitizer report, a hang (-timeout) or an allocation over -rss_limit_mb is a
// finding; a file the readers refuse, or the size checks reject, is not.
#include <juce_audio_formats/juce_audio_formats.h>

#if GRADED_FUZZ_CLI_AUDIO_IN
#include "AudioFileIn.h" // Source/Cli: graded-cli's own reader
#endif

#include <algorithm>
#include <cstdint>
#include <memory>

namespace {

#if GRADED_FUZZ_CLI_AUDIO_IN
// graded-cli's reader (Source/Cli/AudioFileIn.cpp, library graded_cli_audio_in, linked when it exists):
// the whole-file read of tools, and the streamed block reads of `render`.
bool readLikeTheCli(const std::uint8_t* data, size_t size, juce::AudioBuffer<float>& input, double& sr) {
    std::string error;
    input = graded::cli::readAudioMemory(data, size, sr, error);
    std::string error2;
    auto file = graded::cli::AudioFileIn::open(std::make_unique<juce::MemoryInputStream>(data, size, false),
                                               "fuzz", error2);
    if (file != nullptr) {
        juce::AudioBuffer<float> block;
        const std::int64_t frames = std::min<std::int64_t>(file->numFrames(), 4096);
        for (std::int64_t pos = 0; pos < frames + 300; pos += 256)
            if (!file->read(block, pos, 256, error2)) break;
    }
    return error.empty() && input.getNumChannels() > 0;
}
#else
/* ====================================================================================
   SWITCH-TO-CLI: this function copies the reading path of Source/Cli/Render.cpp
   (renderMain: AudioFormatManager::createReaderFor + the length check + AudioBuffer::setSize
   (lengthInSamples) + AudioFormatReader::read) as it is on main without the CLI's own
   reader. When the tree has graded-cli's hardened reader (target graded_cli_audio_in,
   Source/Cli/AudioFileIn.cpp), Tests/Fuzz/CMakeLists.txt links it and defines
   GRADED_FUZZ_CLI_AUDIO_IN=1, and the version above (the CLI's real code) is fuzzed
   instead; this copy only serves older trees and can be deleted.
   ==================================================================================== */
bool readLikeTheCli(const std::uint8_t* data, size_t size, juce::AudioBuffer<float>& input, double& sr) {
    static juce::AudioFormatManager formats;
    if (formats.getNumKnownFormats() == 0) formats.registerBasicFormats(); // WAV, AIFF here
    auto stream = std::make_unique<juce::MemoryInputStream>(data, size, false);
    std::unique_ptr<juce::AudioFormatReader> reader(formats.createReaderFor(std::move(stream)));
    if (reader == nullptr) return false;                                 // "cannot read audio file"
    if (reader->lengthInSamples <= 0 || reader->lengthInSamples > (1LL << 31) - 1)
        return false;                                                    // "empty or too long"
    sr = reader->sampleRate;
    const int channels = std::min(2, static_cast<int>(reader->numChannels));
    input.setSize(channels, static_cast<int>(reader->lengthInSamples));
    reader->read(&input, 0, input.getNumSamples(), 0, true, channels > 1);
    return true;
}
#endif

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    juce::AudioBuffer<float> input;
    double sr = 0.0;
    if (!readLikeTheCli(data, size, input, sr)) return 0;
    // Touch every sample (a reader that left memory uninitialised or out of bounds shows here).
    float sum = 0.f;
    for (int c = 0; c < input.getNumChannels(); ++c)
        for (int i = 0; i < input.getNumSamples(); ++i) sum += input.getSample(c, i);
    volatile float sink = sum;
    (void)sink;
    return 0;
}
