// SPDX-License-Identifier: GPL-3.0-or-later
#include "AudioFileIn.h"

#include <cmath>
#include <cstring>

namespace graded::cli {

namespace {

std::string bytesText(std::int64_t bytes) {
    if (bytes >= (std::int64_t(1) << 30)) return juce::String(double(bytes) / double(1 << 30), 1).toStdString() + " GiB";
    if (bytes >= (std::int64_t(1) << 20)) return juce::String(double(bytes) / double(1 << 20), 1).toStdString() + " MiB";
    if (bytes >= 1024) return juce::String(double(bytes) / 1024.0, 1).toStdString() + " KiB";
    return std::to_string(bytes) + " bytes";
}

/** Why JUCE refused a stream, when its start says it is a WAV or AIFF: the fmt/COMM chunk's
    fields, read from the first 64 KiB only. Empty when the stream looks like neither. */
std::string diagnoseHeader(juce::InputStream& stream) {
    if (!stream.setPosition(0)) return {};
    juce::MemoryBlock head;
    stream.readIntoMemoryBlock(head, 65536);
    const auto* d = static_cast<const juce::uint8*>(head.getData());
    const size_t size = head.getSize();
    auto le16 = [&](size_t at) { return at + 2 <= size ? int(d[at] | d[at + 1] << 8) : -1; };
    auto le32 = [&](size_t at) { return at + 4 <= size ? std::int64_t(std::uint32_t(d[at] | d[at + 1] << 8 | d[at + 2] << 16 | std::uint32_t(d[at + 3]) << 24)) : -1; };
    auto be16 = [&](size_t at) { return at + 2 <= size ? int(d[at] << 8 | d[at + 1]) : -1; };
    auto be32 = [&](size_t at) { return at + 4 <= size ? std::int64_t(std::uint32_t(std::uint32_t(d[at]) << 24 | d[at + 1] << 16 | d[at + 2] << 8 | d[at + 3])) : -1; };
    auto tag = [&](size_t at, const char* t) { return at + 4 <= size && std::memcmp(d + at, t, 4) == 0; };
    const bool wav = (tag(0, "RIFF") || tag(0, "RF64")) && tag(8, "WAVE");
    const bool aiff = tag(0, "FORM") && (tag(8, "AIFF") || tag(8, "AIFC"));
    if (!wav && !aiff) return {};
    for (size_t at = 12; at + 8 <= size;) {
        const std::int64_t len = wav ? le32(at + 4) : be32(at + 4);
        if (wav && tag(at, "fmt ")) {
            if (len < 16 || at + 24 > size) return "its fmt chunk is cut short";
            const int formatTag = le16(at + 8), channels = le16(at + 10), bits = le16(at + 22);
            const std::int64_t rate = le32(at + 12);
            std::string why;
            if (channels == 0) why += ", 0 channels";
            if (rate == 0) why += ", a sample rate of 0 Hz";
            if (bits == 0 || bits % 8 != 0 || bits > 32) why += ", " + std::to_string(bits) + "-bit samples";
            if (formatTag != 1 && formatTag != 3 && formatTag != 0xFFFE) why += ", sample format tag " + std::to_string(formatTag) + " (not PCM or float)";
            return why.empty() ? "its header (" + std::to_string(channels) + " ch, " + std::to_string(rate) + " Hz, " +
                                     std::to_string(bits) + "-bit, format " + std::to_string(formatTag) + ") is not one JUCE reads"
                               : "its header says" + why.substr(1);
        }
        if (aiff && tag(at, "COMM")) {
            if (len < 18 || at + 26 > size) return "its COMM chunk is cut short";
            const int channels = be16(at + 8), bits = be16(at + 14);
            std::string why;
            if (channels == 0) why += ", 0 channels";
            if (bits == 0 || bits % 8 != 0 || bits > 32) why += ", " + std::to_string(bits) + "-bit samples";
            return why.empty() ? "its sample rate is 0, not finite or out of range" : "its header says" + why.substr(1);
        }
        if (len < 0) break;
        at += 8 + static_cast<size_t>(len) + static_cast<size_t>(len & 1);
    }
    return "no format chunk in its first 64 KiB (truncated header?)";
}

} // namespace

std::unique_ptr<AudioFileIn> AudioFileIn::open(std::unique_ptr<juce::InputStream> stream,
                                               const std::string& name, std::string& error) {
    if (stream == nullptr) {
        error = "cannot open " + name;
        return nullptr;
    }
    const std::int64_t streamBytes = stream->getTotalLength();
    if (streamBytes <= 0) {
        error = name + " is empty";
        return nullptr;
    }
    // Only the formats whose frames have a fixed size in the file, so the stream's length
    // bounds the frame count (no FLAC/Ogg/MP3: they are not built in anyway).
    juce::WavAudioFormat wav;
    juce::AiffAudioFormat aiff;
    std::unique_ptr<juce::AudioFormatReader> reader;
    for (juce::AudioFormat* format : {static_cast<juce::AudioFormat*>(&wav), static_cast<juce::AudioFormat*>(&aiff)}) {
        if (!stream->setPosition(0)) break;
        reader.reset(format->createReaderFor(stream.get(), false));
        if (reader != nullptr) {
            stream.release(); // the reader owns it now
            break;
        }
    }
    if (reader == nullptr) {
        const std::string why = diagnoseHeader(*stream);
        error = why.empty() ? name + " is neither a WAV nor an AIFF file"
                            : name + " is not a readable WAV/AIFF file: " + why;
        return nullptr;
    }
    const double sr = reader->sampleRate;
    const std::int64_t channels = reader->numChannels;
    const int bits = static_cast<int>(reader->bitsPerSample);
    if (!std::isfinite(sr) || sr < AudioInLimits::minSampleRate || sr > AudioInLimits::maxSampleRate) {
        error = name + ": the header's sample rate (" + (std::isfinite(sr) && sr == std::floor(sr) && std::abs(sr) < 1e15 ? std::to_string(static_cast<long long>(sr)) : juce::String(sr, 3).toStdString()) +
                " Hz) is not plausible (1 Hz..10 MHz)";
        return nullptr;
    }
    if (channels < 1 || channels > AudioInLimits::maxChannels) {
        error = name + ": " + std::to_string(channels) + " channels (graded-cli reads 1.." +
                std::to_string(AudioInLimits::maxChannels) + ")";
        return nullptr;
    }
    if (bits != 8 && bits != 16 && bits != 24 && bits != 32) {
        error = name + ": " + std::to_string(bits) + "-bit samples are not supported (8, 16, 24, 32)";
        return nullptr;
    }
    const std::int64_t bytesPerFrame = channels * bits / 8;
    const std::int64_t claimed = reader->lengthInSamples;
    // The stream holds at most this many frames (its whole length, header included, as data).
    const std::int64_t held = streamBytes / bytesPerFrame;
    if (claimed <= 0) {
        error = name + " holds no audio (0 frames)";
        return nullptr;
    }
    if (claimed > held) {
        error = name + " is truncated or corrupt: its header claims " + std::to_string(claimed) + " frames (" +
                bytesText(claimed * bytesPerFrame) + " of audio) but the file is " + bytesText(streamBytes) +
                " (at most " + std::to_string(held) + " frames)";
        return nullptr;
    }
    if (claimed > AudioInLimits::maxFrames) {
        error = name + " is too long: " + std::to_string(claimed) + " frames (at most 2^31 - 1)";
        return nullptr;
    }
    std::unique_ptr<AudioFileIn> in(new AudioFileIn());
    in->reader_ = std::move(reader);
    in->sampleRate_ = sr;
    in->channels_ = static_cast<int>(channels);
    in->frames_ = claimed;
    return in;
}

namespace {

std::unique_ptr<juce::InputStream> openFileStream(const juce::File& file, std::string& error) {
    const std::string name = file.getFullPathName().toStdString();
    if (file.isDirectory()) {
        error = name + " is a directory, not an audio file";
        return nullptr;
    }
    if (!file.existsAsFile()) {
        error = "no such file: " + name;
        return nullptr;
    }
    auto stream = std::make_unique<juce::FileInputStream>(file);
    if (!stream->openedOk()) {
        error = "cannot open " + name + ": " + stream->getStatus().getErrorMessage().toStdString();
        return nullptr;
    }
    return stream;
}

} // namespace

std::unique_ptr<AudioFileIn> AudioFileIn::open(const juce::File& file, std::string& error) {
    auto stream = openFileStream(file, error);
    if (stream == nullptr) return nullptr;
    return open(std::move(stream), file.getFullPathName().toStdString(), error);
}

bool AudioFileIn::read(juce::AudioBuffer<float>& dest, std::int64_t start, int count, std::string& error) {
    dest.setSize(channels_, count, false, false, true);
    if (count <= 0) return true;
    if (!reader_->read(dest.getArrayOfWritePointers(), channels_, start, count)) {
        error = "read error in the audio file at frame " + std::to_string(start);
        return false;
    }
    return true;
}

juce::AudioBuffer<float> readAudio(std::unique_ptr<juce::InputStream> stream, const std::string& name,
                                   double& sampleRate, std::string& error) {
    auto in = AudioFileIn::open(std::move(stream), name, error);
    if (in == nullptr) return {};
    if (in->numFrames() * in->numChannels() > AudioInLimits::maxSamplesInMemory) {
        error = name + " is too big to read into memory: " + std::to_string(in->numFrames()) + " frames x " +
                std::to_string(in->numChannels()) + " channels (at most 2^29 samples, 2 GiB of floats)";
        return {};
    }
    juce::AudioBuffer<float> buffer;
    if (!in->read(buffer, 0, static_cast<int>(in->numFrames()), error)) return {};
    sampleRate = in->sampleRate();
    return buffer;
}

juce::AudioBuffer<float> readAudioFile(const juce::File& file, double& sampleRate, std::string& error) {
    auto stream = openFileStream(file, error);
    if (stream == nullptr) return {};
    return readAudio(std::move(stream), file.getFullPathName().toStdString(), sampleRate, error);
}

juce::AudioBuffer<float> readAudioMemory(const void* data, size_t size, double& sampleRate, std::string& error) {
    return readAudio(std::make_unique<juce::MemoryInputStream>(data, size, false), "<memory>", sampleRate, error);
}

} // namespace graded::cli
