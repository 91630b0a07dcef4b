// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Reading WAV/AIFF input for graded-cli, hardened against hostile files. The RIFF/FORM
// chunks are walked and the samples decoded here, not by JUCE's readers (fuzzing found
// JUCE 7.0.5's WAV/AIFF readers allocating a metadata chunk's claimed size, looping over a
// huge chunk's claimed entries, reading past an AIFF 'cate' chunk and dividing by a zero
// frame size): only the format and sample-data chunks are read, every size is checked
// against the stream's length before anything is allocated (a 19 KB file claiming 4 GB of
// data is refused), channel counts, sample formats and rates are range-checked, and a
// truncated or foreign file gets a one-line reason. Usable from a fuzz harness through the
// memory overloads. Formats: WAV (RIFF) PCM 8/16/24/32-bit and float 32/64-bit, also as
// WAVE_FORMAT_EXTENSIBLE; AIFF PCM 8/16/24/32-bit; AIFF-C NONE, sowt, fl32, fl64.

#include <juce_audio_formats/juce_audio_formats.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace graded::cli {

/** Limits every input file must meet (documented in graded-cli render --help and README). */
struct AudioInLimits {
    /** Channels: 1..64. More is not a plausible audio file for an effect (and each stereo pair
        costs a processor instance in render). */
    static constexpr int maxChannels = 64;
    /** Header sample rate: finite and within 1 Hz..10 MHz; anything else is corrupt. (Whether
        the engine can run at the rate is render's check, not the reader's.) */
    static constexpr double minSampleRate = 1.0;
    static constexpr double maxSampleRate = 10.0e6;
    /** Frames: at most 2^31 - 1 (juce::AudioBuffer's int sample index). */
    static constexpr std::int64_t maxFrames = 2147483647LL;
    /** readAudio() (whole file in memory): at most 2^29 float samples (2 GiB) over all
        channels. render streams its input block by block and is not bound by this. */
    static constexpr std::int64_t maxSamplesInMemory = std::int64_t(1) << 29;
};

/** A sample rate for messages: whole numbers exactly ("48000"), others with 3 decimals. */
std::string sampleRateText(double hz);

/** An opened, validated WAV or AIFF stream that reads blocks of float samples on demand. */
class AudioFileIn {
public:
    /** Opens `stream` (takes ownership) as WAV or AIFF. `name` is used in messages. Returns
        nullptr with a one-line `error` when the stream is not a readable WAV/AIFF, is empty,
        truncated (the header claims more frames than the stream can hold), or breaks a limit
        of AudioInLimits. */
    static std::unique_ptr<AudioFileIn> open(std::unique_ptr<juce::InputStream> stream,
                                             const std::string& name, std::string& error);
    static std::unique_ptr<AudioFileIn> open(const juce::File& file, std::string& error);

    double sampleRate() const noexcept { return sampleRate_; }
    int numChannels() const noexcept { return channels_; }
    std::int64_t numFrames() const noexcept { return frames_; }
    juce::String formatName() const { return aiff_ ? "AIFF file" : "WAV file"; }
    int bitsPerSample() const noexcept { return bits_; }
    bool isFloat() const noexcept { return float_; }

    /** Reads frames [start, start + count) of every channel into dest (resized to
        numChannels x count, no reallocation when it is big enough). Frames past the end read
        as zeros. Returns false with `error` set if the stream fails. */
    bool read(juce::AudioBuffer<float>& dest, std::int64_t start, int count, std::string& error);

private:
    AudioFileIn() = default;
    /** Decodes n frames from frame `first` into dest at `offset`. */
    bool decode(juce::AudioBuffer<float>& dest, std::int64_t first, int offset, int n, std::string& error);
    std::unique_ptr<juce::InputStream> stream_;
    std::int64_t dataStart_ = 0;      ///< byte offset of frame 0
    double sampleRate_ = 0.0;
    int channels_ = 0;
    std::int64_t frames_ = 0;
    int bits_ = 0;
    bool float_ = false, bigEndian_ = false, aiff_ = false, unsigned8_ = false;
    std::vector<char> raw_;           ///< one block of raw sample bytes
};

/** The whole file (or stream, or memory) as a buffer, within AudioInLimits::maxSamplesInMemory.
    Returns an empty buffer with `error` set on any problem. For tools and fuzz harnesses. */
juce::AudioBuffer<float> readAudio(std::unique_ptr<juce::InputStream> stream, const std::string& name,
                                   double& sampleRate, std::string& error);
juce::AudioBuffer<float> readAudioFile(const juce::File& file, double& sampleRate, std::string& error);
juce::AudioBuffer<float> readAudioMemory(const void* data, size_t size, double& sampleRate, std::string& error);

} // namespace graded::cli
