// SPDX-License-Identifier: GPL-3.0-or-later
#include "AudioFileIn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace graded::cli {

namespace {

std::string bytesText(std::int64_t bytes) {
    if (bytes >= (std::int64_t(1) << 30)) return juce::String(double(bytes) / double(1 << 30), 1).toStdString() + " GiB";
    if (bytes >= (std::int64_t(1) << 20)) return juce::String(double(bytes) / double(1 << 20), 1).toStdString() + " MiB";
    if (bytes >= 1024) return juce::String(double(bytes) / 1024.0, 1).toStdString() + " KiB";
    return std::to_string(bytes) + " bytes";
}

/** The format a file's header describes, found by walking its chunks. */
struct Layout {
    bool aiff = false;
    int formatTag = 0;            ///< WAV: 1 PCM, 3 float (after unwrapping EXTENSIBLE)
    std::string aifcType;         ///< AIFF-C compression type ("" for plain AIFF)
    std::int64_t channels = -1, bits = -1, blockAlign = -1;
    double rate = -1.0;
    std::int64_t aiffFrames = -1; ///< AIFF: COMM's frame count
    std::int64_t dataStart = -1, dataBytes = -1; ///< the sample data as the header claims it
};

std::uint32_t le32(const unsigned char* p) { return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24; }
std::uint32_t be32(const unsigned char* p) { return std::uint32_t(p[3]) | std::uint32_t(p[2]) << 8 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[0]) << 24; }
int le16(const unsigned char* p) { return int(p[0]) | int(p[1]) << 8; }
int be16(const unsigned char* p) { return int(p[1]) | int(p[0]) << 8; }

/** An 80-bit IEEE extended (AIFF's sample rate); NaN for infinities and NaNs. */
double extended80(const unsigned char* p) {
    const int exponent = ((p[0] & 0x7f) << 8) | p[1];
    std::uint64_t mantissa = 0;
    for (int i = 0; i < 8; ++i) mantissa = mantissa << 8 | p[2 + i];
    if (exponent == 0x7fff) return std::numeric_limits<double>::quiet_NaN();
    const double v = std::ldexp(double(mantissa), exponent - 16383 - 63);
    return (p[0] & 0x80) ? -v : v;
}

/** Reads exactly n bytes at pos; false if the stream does not hold them. */
bool readAt(juce::InputStream& in, std::int64_t pos, void* dest, int n) {
    return in.setPosition(pos) && in.read(dest, n) == n;
}

/** Walks the RIFF/FORM chunks: only the format chunk (fmt / COMM) and the sample data chunk
    (data / SSND) are read; every other chunk is skipped by its size, which must lie within the
    stream. Returns an empty string, or why the header is unreadable. */
std::string walkChunks(juce::InputStream& in, std::int64_t length, Layout& L) {
    unsigned char head[12];
    if (!readAt(in, 0, head, 12)) return "its header is cut short";
    L.aiff = std::memcmp(head, "FORM", 4) == 0;
    const bool aifc = L.aiff && std::memcmp(head + 8, "AIFC", 4) == 0;
    bool haveFormat = false;
    for (std::int64_t pos = 12; pos + 8 <= length;) {
        unsigned char ch[8];
        if (!readAt(in, pos, ch, 8)) break;
        const std::int64_t size = L.aiff ? be32(ch + 4) : le32(ch + 4);
        const std::int64_t body = pos + 8;
        const bool fits = size <= length - body;
        if (!L.aiff && std::memcmp(ch, "fmt ", 4) == 0) {
            if (size < 16 || !fits) return "its fmt chunk is cut short";
            unsigned char f[40] = {};
            if (!readAt(in, body, f, int(std::min<std::int64_t>(size, 40)))) return "its fmt chunk is cut short";
            L.formatTag = le16(f);
            L.channels = le16(f + 2);
            L.rate = double(le32(f + 4));
            L.blockAlign = le16(f + 12);
            L.bits = le16(f + 14);
            if (L.formatTag == 0xFFFE) { // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID
                if (size < 40) return "its extensible fmt chunk is cut short";
                L.formatTag = le16(f + 24);
            }
            haveFormat = true;
        } else if (L.aiff && std::memcmp(ch, "COMM", 4) == 0) {
            if (size < 18 || !fits) return "its COMM chunk is cut short";
            unsigned char c[22] = {};
            if (!readAt(in, body, c, int(std::min<std::int64_t>(size, 22)))) return "its COMM chunk is cut short";
            L.channels = be16(c);
            L.aiffFrames = be32(c + 2);
            L.bits = be16(c + 6);
            L.rate = extended80(c + 8);
            if (aifc) {
                if (size < 22) return "its AIFF-C COMM chunk has no compression type";
                L.aifcType.assign(reinterpret_cast<const char*>(c + 18), 4);
            }
            haveFormat = true;
        } else if (!L.aiff && std::memcmp(ch, "data", 4) == 0) {
            L.dataStart = body;
            L.dataBytes = size; // may claim more than the stream holds: checked by the caller
            if (haveFormat) break;
        } else if (L.aiff && std::memcmp(ch, "SSND", 4) == 0) {
            unsigned char o[8];
            if (size < 8 || !readAt(in, body, o, 8)) return "its SSND chunk is cut short";
            const std::int64_t offset = be32(o);
            L.dataStart = body + 8 + offset;
            L.dataBytes = size - 8 - offset;
            if (offset > length || L.dataBytes < 0) return "its SSND chunk's offset lies outside the chunk";
            if (haveFormat) break;
        }
        if (!fits) break; // a chunk running past the end: nothing after it can be trusted
        pos = body + size + (size & 1);
    }
    if (!haveFormat) return std::string("no ") + (L.aiff ? "COMM" : "fmt") + " chunk (truncated header?)";
    if (L.dataStart < 0) return std::string("no ") + (L.aiff ? "SSND" : "data") + " chunk";
    return {};
}

} // namespace

std::string sampleRateText(double hz) {
    if (std::isfinite(hz) && hz == std::floor(hz) && std::abs(hz) < 1e15) return std::to_string(static_cast<long long>(hz));
    return juce::String(hz, 3).toStdString();
}

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
    unsigned char magic[12] = {};
    const bool hasMagic = readAt(*stream, 0, magic, int(std::min<std::int64_t>(12, streamBytes))) && streamBytes >= 12;
    const bool wav = hasMagic && std::memcmp(magic, "RIFF", 4) == 0 && std::memcmp(magic + 8, "WAVE", 4) == 0;
    const bool aiff = hasMagic && std::memcmp(magic, "FORM", 4) == 0
                      && (std::memcmp(magic + 8, "AIFF", 4) == 0 || std::memcmp(magic + 8, "AIFC", 4) == 0);
    if (hasMagic && std::memcmp(magic, "RF64", 4) == 0) {
        error = name + " is an RF64 file (WAV over 4 GB), which graded-cli does not read";
        return nullptr;
    }
    if (!wav && !aiff) {
        const bool looksLikeWav = streamBytes >= 4 && (std::memcmp(magic, "RIFF", 4) == 0 || std::memcmp(magic, "FORM", 4) == 0);
        error = looksLikeWav ? name + " is not a readable WAV/AIFF file: its header is cut short"
                             : name + " is neither a WAV nor an AIFF file";
        return nullptr;
    }
    Layout L;
    if (const auto why = walkChunks(*stream, streamBytes, L); !why.empty()) {
        error = name + " is not a readable WAV/AIFF file: " + why;
        return nullptr;
    }
    // the sample format
    std::string why;
    bool isFloat = false, bigEndian = L.aiff, unsigned8 = false;
    if (L.channels == 0) why += ", 0 channels";
    if (!L.aiff && L.rate == 0) why += ", a sample rate of 0 Hz";
    if (L.aiff) {
        const std::string& t = L.aifcType;
        if (t == "sowt") bigEndian = false;
        else if (t == "fl32" || t == "FL32") { isFloat = true; if (L.bits != 32) L.bits = 32; }
        else if (t == "fl64" || t == "FL64") { isFloat = true; if (L.bits != 64) L.bits = 64; }
        else if (!t.empty() && t != "NONE") why += ", AIFF-C compression '" + t + "' (graded-cli reads NONE, sowt, fl32, fl64)";
    } else if (L.formatTag == 3) {
        isFloat = true;
    } else if (L.formatTag != 1) {
        why += ", sample format tag " + std::to_string(L.formatTag) + " (not PCM or float)";
    }
    if (!why.empty()) {
        error = name + " is not a readable WAV/AIFF file: its header says" + why.substr(1);
        return nullptr;
    }
    const bool bitsOk = isFloat ? (L.bits == 32 || L.bits == 64) : (L.bits == 8 || L.bits == 16 || L.bits == 24 || L.bits == 32);
    if (!bitsOk) {
        error = name + ": " + std::to_string(L.bits) + "-bit " + (isFloat ? "float" : "integer")
                + " samples are not supported (8, 16, 24, 32-bit integer; 32, 64-bit float)";
        return nullptr;
    }
    unsigned8 = !L.aiff && !isFloat && L.bits == 8; // WAV's 8-bit samples are unsigned
    const double sr = L.rate;
    if (!std::isfinite(sr) || sr < AudioInLimits::minSampleRate || sr > AudioInLimits::maxSampleRate) {
        error = name + ": the header's sample rate (" + sampleRateText(sr) +
                " Hz) is not plausible (1 Hz..10 MHz)";
        return nullptr;
    }
    const std::int64_t channels = L.channels;
    if (channels < 1 || channels > AudioInLimits::maxChannels) {
        error = name + ": " + std::to_string(channels) + " channels (graded-cli reads 1.." +
                std::to_string(AudioInLimits::maxChannels) + ")";
        return nullptr;
    }
    const std::int64_t bytesPerFrame = channels * (L.bits / 8);
    const std::int64_t claimed = L.aiff ? L.aiffFrames : L.dataBytes / bytesPerFrame;
    // The stream holds at most this many frames from the data's start.
    const std::int64_t held = std::max<std::int64_t>(0, streamBytes - L.dataStart) / bytesPerFrame;
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
    in->stream_ = std::move(stream);
    in->dataStart_ = L.dataStart;
    in->sampleRate_ = sr;
    in->channels_ = static_cast<int>(channels);
    in->frames_ = claimed;
    in->bits_ = static_cast<int>(L.bits);
    in->float_ = isFloat;
    in->bigEndian_ = bigEndian;
    in->aiff_ = L.aiff;
    in->unsigned8_ = unsigned8;
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
    dest.setSize(channels_, std::max(0, count), false, false, true);
    if (count <= 0) return true;
    dest.clear();
    const std::int64_t first = std::clamp<std::int64_t>(start, 0, frames_);
    const int total = static_cast<int>(std::clamp<std::int64_t>(frames_ - first, 0, count - (first - start)));
    constexpr int kChunk = 16384; // frames decoded per read: bounded scratch memory
    for (int done = 0; done < total; done += kChunk)
        if (!decode(dest, first + done, static_cast<int>(first - start) + done, std::min(kChunk, total - done), error)) return false;
    return true;
}

bool AudioFileIn::decode(juce::AudioBuffer<float>& dest, std::int64_t first, int offset, int n, std::string& error) {
    const int bytes = bits_ / 8;
    const std::int64_t frameBytes = std::int64_t(channels_) * bytes;
    raw_.resize(static_cast<size_t>(n * frameBytes));
    if (!readAt(*stream_, dataStart_ + first * frameBytes, raw_.data(), static_cast<int>(raw_.size()))) {
        error = "read error in the audio file at frame " + std::to_string(first);
        return false;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(raw_.data());
    for (int i = 0; i < n; ++i)
        for (int c = 0; c < channels_; ++c, p += bytes) {
            unsigned char b[8];
            for (int k = 0; k < bytes; ++k) b[k] = bigEndian_ ? p[bytes - 1 - k] : p[k]; // little-endian order
            float v = 0.f;
            if (float_ && bytes == 4) {
                float f;
                std::memcpy(&f, b, 4);
                v = f;
            } else if (float_) {
                double d;
                std::memcpy(&d, b, 8);
                v = static_cast<float>(d);
            } else if (bytes == 1) {
                v = unsigned8_ ? (float(b[0]) - 128.f) / 128.f : float(static_cast<signed char>(b[0])) / 128.f;
            } else {
                std::uint32_t u = 0;
                for (int k = 0; k < bytes; ++k) u |= std::uint32_t(b[k]) << (8 * (k + 4 - bytes)); // left-justified
                v = float(double(static_cast<std::int32_t>(u)) / 2147483648.0);
            }
            dest.setSample(c, offset + i, v);
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
