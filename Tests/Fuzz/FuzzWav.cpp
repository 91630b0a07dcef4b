// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer harness: graded-cli's audio file reading (WAV / AIFF).
// A crash, a sanitizer report, a hang (-timeout) or an allocation over -rss_limit_mb is a
// finding; a file the readers refuse, or the size checks reject, is not.
#include <juce_audio_formats/juce_audio_formats.h>

#include <algorithm>
#include <cstdint>
#include <memory>

namespace {

/* ====================================================================================
   SWITCH-TO-CLI: this function copies the reading path of Source/Cli/Render.cpp
   (renderMain: AudioFormatManager::createReaderFor + the length check + AudioBuffer::setSize
   (lengthInSamples) + AudioFormatReader::read). Source/Cli is being changed to read audio
   in a function of its own; once that lands, link that function (add the file to
   graded_fuzz_wav's sources in Tests/Fuzz/CMakeLists.txt) and call it here instead, so the
   fuzzer tests the CLI's real code rather than this copy.
   ==================================================================================== */
bool readLikeTheCli(const std::uint8_t* data, size_t size, juce::AudioBuffer<float>& input, double& sr) {
    static juce::AudioFormatManager formats = [] {
        juce::AudioFormatManager m;
        m.registerBasicFormats(); // WAV and AIFF in this build (no FLAC/Ogg/MP3)
        return m;
    }();
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
