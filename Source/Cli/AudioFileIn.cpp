// SPDX-License-Identifier: GPL-3.0-or-later
#include "AudioFileIn.h"

#include <cmath>

namespace graded::cli {

namespace {

std::string bytesText(std::int64_t bytes) {
    if (bytes >= (std::int64_t(1) << 30)) return juce::String(double(bytes) / double(1 << 30), 1).toStdString() + " GiB";
    if (bytes >= (std::int64_t(1) << 20)) return juce::String(double(bytes) / double(1 << 20), 1).toStdString() + " MiB";
    if (bytes >= 1024) return juce::String(double(bytes) / 1024.0, 1).toStdString() + " KiB";
    return std::to_string(bytes) + " bytes";
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
        error = name + " is not a readable WAV or AIFF file (foreign format, truncated header, or a "
                       "header with no channels, no sample rate or an unsupported sample format)";
        return nullptr;
    }
    const double sr = reader->sampleRate;
    const std::int64_t channels = reader->numChannels;
    const int bits = static_cast<int>(reader->bitsPerSample);
    if (!std::isfinite(sr) || sr < AudioInLimits::minSampleRate || sr > AudioInLimits::maxSampleRate) {
        error = name + ": the header's sample rate (" + juce::String(sr).toStdString() +
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
