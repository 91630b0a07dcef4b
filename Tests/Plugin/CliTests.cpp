// SPDX-License-Identifier: GPL-3.0-or-later
// graded-cli: the hardened audio reader (in memory, as a fuzz harness would call it) and the
// render command run as a child process on hostile files, multichannel input, bad patches,
// rates the engine cannot run, and latency alignment.
#include "AudioFileIn.h"

#include <catch2/catch.hpp>

#include <juce_audio_formats/juce_audio_formats.h>
#include <juce_graphics/juce_graphics.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using graded::cli::AudioInLimits;
using graded::cli::readAudioMemory;

namespace {

// --- WAV bytes -------------------------------------------------------------------------------

void put16(std::vector<std::uint8_t>& v, int x) { v.push_back(std::uint8_t(x)); v.push_back(std::uint8_t(x >> 8)); }
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) { for (int i = 0; i < 4; ++i) v.push_back(std::uint8_t(x >> (8 * i))); }
void putTag(std::vector<std::uint8_t>& v, const char* t) { for (int i = 0; i < 4; ++i) v.push_back(std::uint8_t(t[i])); }

/** A canonical WAV; `claimedData` overrides the data chunk's size field. */
std::vector<std::uint8_t> wavBytes(int channels, std::uint32_t rate, int bits, int formatTag, const std::vector<std::uint8_t>& data,
                                   std::int64_t claimedData = -1) {
    std::vector<std::uint8_t> v;
    putTag(v, "RIFF");
    put32(v, std::uint32_t(36 + data.size()));
    putTag(v, "WAVE");
    putTag(v, "fmt ");
    put32(v, 16);
    put16(v, formatTag);
    put16(v, channels);
    put32(v, rate);
    put32(v, rate * std::uint32_t(channels * bits / 8));
    put16(v, channels * bits / 8);
    put16(v, bits);
    putTag(v, "data");
    put32(v, claimedData >= 0 ? std::uint32_t(claimedData) : std::uint32_t(data.size()));
    v.insert(v.end(), data.begin(), data.end());
    return v;
}

/** 16-bit PCM, channel c of frame i = f(c, i). */
template <typename F>
std::vector<std::uint8_t> pcm16(int channels, int frames, F f) {
    std::vector<std::uint8_t> d;
    d.reserve(size_t(channels) * size_t(frames) * 2);
    for (int i = 0; i < frames; ++i)
        for (int c = 0; c < channels; ++c) put16(d, int(std::lround(juce::jlimit(-1.f, 1.f, f(c, i)) * 32767.f)) & 0xffff);
    return d;
}

std::vector<std::uint8_t> float32(const std::vector<float>& interleaved) {
    std::vector<std::uint8_t> d(interleaved.size() * 4);
    std::memcpy(d.data(), interleaved.data(), d.size());
    return d;
}

std::string errorOf(const std::vector<std::uint8_t>& bytes) {
    double sr = 0;
    std::string error;
    auto b = readAudioMemory(bytes.data(), bytes.size(), sr, error);
    if (b.getNumSamples() > 0) return "";
    return error.empty() ? "<no error but no audio>" : error;
}

// --- running graded-cli ----------------------------------------------------------------------

struct Run {
    int exitCode = -1;
    std::string err;
    long maxRssKiB = 0;
};

/** Runs graded-cli with `args`, stderr captured, and its peak RSS from wait4(). */
Run runCli(const std::vector<std::string>& args) {
    const auto errFile = juce::File::createTempFile(".err");
    std::vector<std::string> all{GRADED_CLI_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        const int fd = ::open(errFile.getFullPathName().toRawUTF8(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int nul = ::open("/dev/null", O_WRONLY);
        dup2(fd, 2);
        dup2(nul, 1);
        execv(argv[0], argv.data());
        _exit(127);
    }
    Run r;
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.maxRssKiB = usage.ru_maxrss;
    r.err = errFile.loadFileAsString().toStdString();
    errFile.deleteFile();
    return r;
}

struct TempDir {
    juce::File dir = juce::File::getSpecialLocation(juce::File::tempDirectory)
                         .getChildFile("graded-cli-tests-" + juce::String(getpid()));
    TempDir() { dir.createDirectory(); }
    ~TempDir() { dir.deleteRecursively(); }
    std::string path(const char* name) const { return dir.getChildFile(name).getFullPathName().toStdString(); }
    std::string write(const char* name, const std::vector<std::uint8_t>& bytes) const {
        dir.getChildFile(name).replaceWithData(bytes.data(), bytes.size());
        return path(name);
    }
    std::string write(const char* name, const char* text) const {
        dir.getChildFile(name).replaceWithText(text);
        return path(name);
    }
};

juce::AudioBuffer<float> readBack(const std::string& path, double& sr) {
    std::string error;
    auto b = graded::cli::readAudioFile(juce::File(path), sr, error);
    INFO(error);
    REQUIRE(b.getNumSamples() > 0);
    return b;
}

float sine(int c, int i) { return 0.3f * std::sin(0.01f * float(i) * float(c + 1)) + 0.05f * std::sin(0.37f * float(i) + float(c)); }

} // namespace

TEST_CASE("readAudio: a valid 16-bit WAV and a float WAV read back", "[cli][audiofile]") {
    double sr = 0;
    std::string error;
    const auto bytes = wavBytes(2, 44100, 16, 1, pcm16(2, 1000, sine));
    auto b = readAudioMemory(bytes.data(), bytes.size(), sr, error);
    REQUIRE(error.empty());
    REQUIRE(b.getNumChannels() == 2);
    REQUIRE(b.getNumSamples() == 1000);
    CHECK(sr == 44100.0);
    CHECK(b.getSample(1, 500) == Approx(sine(1, 500)).margin(1e-4));

    std::vector<float> f(2 * 100, 0.25f);
    f[7] = std::numeric_limits<float>::quiet_NaN();
    const auto fb = wavBytes(2, 48000, 32, 3, float32(f));
    auto b2 = readAudioMemory(fb.data(), fb.size(), sr, error);
    REQUIRE(b2.getNumSamples() == 100);
    CHECK(std::isnan(b2.getSample(1, 3))); // the reader reports what is there; render replaces it
}

TEST_CASE("readAudio: hostile headers get a clear error, never an allocation they claim", "[cli][audiofile]") {
    const auto data = pcm16(2, 4800, sine);
    // A 19 KB file whose data chunk claims ~4 GB (it made render allocate 4.2 GB).
    const auto e1 = errorOf(wavBytes(2, 48000, 16, 1, data, 0xfffffff0));
    CHECK_THAT(e1, Catch::Contains("truncated or corrupt") && Catch::Contains("claims 1073741820 frames"));
    // Truncated in the data.
    auto truncated = wavBytes(2, 48000, 16, 1, pcm16(2, 48000, sine));
    truncated.resize(100000);
    CHECK_THAT(errorOf(truncated), Catch::Contains("truncated or corrupt"));
    // Truncated in the header, foreign, empty.
    auto shortHeader = wavBytes(2, 48000, 16, 1, data);
    shortHeader.resize(30);
    CHECK_THAT(errorOf(shortHeader), Catch::Contains("not a readable WAV/AIFF file"));
    const std::string png = "\x89PNG\r\n\x1a\n0000000000000000000000000000000000";
    CHECK_THAT(errorOf(std::vector<std::uint8_t>(png.begin(), png.end())), Catch::Contains("neither a WAV nor an AIFF"));
    CHECK_THAT(errorOf({}), Catch::Contains("empty"));
    // Channels, rates, sample formats.
    CHECK_THAT(errorOf(wavBytes(0, 48000, 16, 1, data)), Catch::Contains("0 channels"));
    CHECK_THAT(errorOf(wavBytes(65, 48000, 16, 1, pcm16(65, 10, sine))), Catch::Contains("65 channels"));
    CHECK(errorOf(wavBytes(64, 48000, 16, 1, pcm16(64, 10, sine))).empty());
    CHECK_THAT(errorOf(wavBytes(2, 0, 16, 1, data)), Catch::Contains("sample rate of 0 Hz"));
    CHECK_THAT(errorOf(wavBytes(2, 48000, 12, 1, std::vector<std::uint8_t>(3000))), Catch::Contains("12-bit"));
    CHECK_THAT(errorOf(wavBytes(2, 48000, 16, 1, {})), Catch::Contains("no audio"));
    CHECK_THAT(errorOf(wavBytes(2, 20000000, 16, 1, data)), Catch::Contains("not plausible"));
}

TEST_CASE("readAudio: AIFF reads back; a corrupt COMM chunk gets a clear error", "[cli][audiofile]") {
    juce::MemoryBlock block;
    {
        auto* stream = new juce::MemoryOutputStream(block, false);
        std::unique_ptr<juce::AudioFormatWriter> w(juce::AiffAudioFormat().createWriterFor(stream, 48000.0, 2, 16, {}, 0));
        REQUIRE(w != nullptr);
        juce::AudioBuffer<float> b(2, 480);
        for (int i = 0; i < 480; ++i) { b.setSample(0, i, sine(0, i)); b.setSample(1, i, sine(1, i)); }
        REQUIRE(w->writeFromAudioSampleBuffer(b, 0, 480));
    }
    std::vector<std::uint8_t> bytes(static_cast<const std::uint8_t*>(block.getData()),
                                    static_cast<const std::uint8_t*>(block.getData()) + block.getSize());
    double sr = 0;
    std::string error;
    auto b = readAudioMemory(bytes.data(), bytes.size(), sr, error);
    REQUIRE(b.getNumSamples() == 480);
    CHECK(sr == 48000.0);
    CHECK(b.getSample(1, 100) == Approx(sine(1, 100)).margin(1e-4));
    const auto comm = std::search(bytes.begin(), bytes.end(), std::begin("COMM"), std::begin("COMM") + 4) - bytes.begin();
    REQUIRE(comm + 26 < std::ptrdiff_t(bytes.size()));
    auto noChannels = bytes;
    noChannels[size_t(comm + 8)] = noChannels[size_t(comm + 9)] = 0;
    CHECK_THAT(errorOf(noChannels), Catch::Contains("0 channels"));
    auto infRate = bytes; // 80-bit extended with the maximum exponent: Inf/NaN
    infRate[size_t(comm + 16)] = 0x7f;
    infRate[size_t(comm + 17)] = 0xff;
    CHECK_THAT(errorOf(infRate), Catch::Contains("sample rate"));
    auto truncated = bytes;
    truncated.resize(bytes.size() / 2);
    CHECK_THAT(errorOf(truncated), Catch::Contains("truncated or corrupt"));
}

TEST_CASE("readAudio: random corruption of a WAV never crashes nor reads more than the bytes hold", "[cli][audiofile]") {
    const auto good = wavBytes(3, 48000, 24, 1, std::vector<std::uint8_t>(3 * 3 * 500, 0x11));
    std::mt19937 rng(7);
    int read = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        auto bytes = good;
        const int flips = 1 + int(rng() % 6);
        for (int k = 0; k < flips; ++k) bytes[rng() % 44] = std::uint8_t(rng()); // the header
        if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
        double sr = 0;
        std::string error;
        auto b = readAudioMemory(bytes.data(), bytes.size(), sr, error);
        if (b.getNumSamples() > 0) {
            ++read;
            CHECK(std::int64_t(b.getNumSamples()) * b.getNumChannels() <= std::int64_t(bytes.size())); // >= 1 byte a sample
            CHECK(b.getNumChannels() <= AudioInLimits::maxChannels);
            CHECK(std::isfinite(sr));
        } else {
            CHECK(!error.empty());
        }
    }
    CHECK(read > 0); // some mutations stay readable
}

TEST_CASE("render: hostile files exit 2 with a reason and stay small", "[cli][render]") {
    TempDir t;
    const auto data = pcm16(2, 4800, sine);
    struct Case { const char* name; std::vector<std::uint8_t> bytes; const char* message; };
    auto truncated = wavBytes(2, 48000, 16, 1, pcm16(2, 48000, sine));
    truncated.resize(100000);
    const std::string text = "not audio at all\n";
    const std::vector<Case> cases{
        {"huge.wav", wavBytes(2, 48000, 16, 1, data, 0xfffffff0), "truncated or corrupt"},
        {"truncated.wav", truncated, "truncated or corrupt"},
        {"foreign.wav", std::vector<std::uint8_t>(text.begin(), text.end()), "neither a WAV nor an AIFF"},
        {"zero.wav", wavBytes(0, 48000, 16, 1, data), "0 channels"},
        {"ch65.wav", wavBytes(65, 48000, 16, 1, pcm16(65, 100, sine)), "65 channels"},
        {"sr500.wav", wavBytes(2, 500, 16, 1, pcm16(2, 2000, sine)), "the engine cannot run"},
        {"sr2M.wav", wavBytes(2, 2000000, 16, 1, pcm16(2, 20000, sine)), "the engine cannot run"},
    };
    for (const auto& c : cases) {
        const auto out = t.path("out.wav");
        const auto r = runCli({"render", t.write(c.name, c.bytes), out});
        INFO(c.name << ": " << r.err);
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.err, Catch::Contains(c.message));
        CHECK(r.maxRssKiB < 200 * 1024);
        CHECK(!juce::File(out).exists()); // nothing half-written
    }
    // A failing render leaves an existing OUT alone.
    const auto keep = t.write("keep.wav", wavBytes(1, 48000, 16, 1, pcm16(1, 100, sine)));
    const auto r = runCli({"render", t.path("huge.wav"), keep});
    CHECK(r.exitCode == 2);
    CHECK(juce::File(keep).getSize() == 44 + 200);
}

TEST_CASE("render: NaN/Inf input samples are replaced and reported; the output is finite", "[cli][render]") {
    TempDir t;
    std::vector<float> f(2 * 48000);
    for (size_t i = 0; i < f.size(); ++i) f[i] = 0.3f * std::sin(0.02f * float(i / 2));
    for (size_t i = 0; i < f.size(); i += 997) f[i] = std::numeric_limits<float>::quiet_NaN();
    for (size_t i = 5; i < f.size(); i += 1999) f[i] = -std::numeric_limits<float>::infinity();
    const auto r = runCli({"render", t.write("nan.wav", wavBytes(2, 48000, 32, 3, float32(f))), t.path("out.wav")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("non-finite input samples (NaN/Inf) were replaced by 0"));
    double sr = 0;
    const auto out = readBack(t.path("out.wav"), sr);
    for (int c = 0; c < out.getNumChannels(); ++c)
        for (int i = 0; i < out.getNumSamples(); ++i) REQUIRE(std::isfinite(out.getSample(c, i)));
}

TEST_CASE("render: more than two channels run in stereo pairs, each exactly as a stereo render", "[cli][render]") {
    TempDir t;
    const int frames = 24000;
    const auto five = t.write("five.wav", wavBytes(5, 48000, 16, 1, pcm16(5, frames, sine)));
    const auto pair34 = t.write("pair34.wav", wavBytes(2, 48000, 16, 1, pcm16(2, frames, [](int c, int i) { return sine(c + 2, i); })));
    const auto mono5 = t.write("mono5.wav", wavBytes(1, 48000, 16, 1, pcm16(1, frames, [](int, int i) { return sine(4, i); })));
    const auto r = runCli({"render", five, t.path("five-out.wav")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("5 channels") && Catch::Contains("3 instances"));
    REQUIRE(runCli({"render", pair34, t.path("pair34-out.wav")}).exitCode == 0);
    REQUIRE(runCli({"render", mono5, t.path("mono5-out.wav")}).exitCode == 0);
    double sr = 0;
    const auto all = readBack(t.path("five-out.wav"), sr);
    const auto p = readBack(t.path("pair34-out.wav"), sr);
    const auto m = readBack(t.path("mono5-out.wav"), sr);
    REQUIRE(all.getNumChannels() == 5);
    REQUIRE(all.getNumSamples() == frames);
    float energy = 0.f;
    for (int i = 0; i < frames; ++i) {
        REQUIRE(all.getSample(2, i) == p.getSample(0, i));
        REQUIRE(all.getSample(3, i) == p.getSample(1, i));
        REQUIRE(all.getSample(4, i) == m.getSample(0, i));
        energy += std::abs(all.getSample(4, i));
    }
    CHECK(energy > 1.f); // the last channel is processed, not dropped
}

TEST_CASE("render: a bad patch file lists every issue with its JSON path", "[cli][render]") {
    TempDir t;
    const std::string json = R"({"format": 1, "name": "bad",
      "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 99}},
                {"id": "e", "kind": "GaussianErrorCell", "params": {"n_units": 16, "sigma": "big"}},
                {"id": "out", "kind": "AudioOut"}],
      "wires": []})";
    const auto patch = t.write("bad.json", std::vector<std::uint8_t>(json.begin(), json.end()));
    const auto r = runCli({"render", "--patch", patch, t.path("out.wav")});
    INFO(r.err);
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("2 problems"));
    CHECK_THAT(r.err, Catch::Contains("/nodes/0/params/bands:"));
    CHECK_THAT(r.err, Catch::Contains("/nodes/1/params/sigma:"));
    CHECK_THAT(r.err, !Catch::Contains("more)"));
}

TEST_CASE("render: every problem of a command line is listed, and nothing is written", "[cli][render]") {
    TempDir t;
    const std::string json = R"({"format": 1, "nodes": [{"id": "in", "kind": "AudioIn", "params": {"bands": 0}}]})";
    const auto patch = t.write("bad.json", std::vector<std::uint8_t>(json.begin(), json.end()));
    const auto in = t.write("huge.wav", wavBytes(2, 48000, 16, 1, pcm16(2, 100, sine), 0x7ffffff0));
    const auto r = runCli({"render", in, t.path("out.wav"), "--patch", patch, "--set", "nope=1", "--set", "step=7",
                           "--trace", t.path("missing/t.csv"), "--plot", t.dir.getFullPathName().toStdString()});
    INFO(r.err);
    CHECK(r.exitCode == 2);
    CHECK_THAT(r.err, Catch::Contains("truncated or corrupt"));
    CHECK_THAT(r.err, Catch::Contains("/nodes/0/params/bands"));
    CHECK_THAT(r.err, Catch::Contains("unknown parameter 'nope'"));
    CHECK_THAT(r.err, Catch::Contains("step=7: not one of 16 samples"));
    CHECK_THAT(r.err, Catch::Contains("--trace") && Catch::Contains("no folder"));
    CHECK_THAT(r.err, Catch::Contains("--plot") && Catch::Contains("is a directory"));
    CHECK(!juce::File(t.path("out.wav")).exists());
}

TEST_CASE("render: 10 minutes without --trace stay in bounded memory", "[cli][render]") {
    TempDir t;
    // 10 min of stereo 16-bit: a 115 MB file; the old render kept every telemetry row and the
    // whole input and output (728 MB resident on this file).
    const int rate = 48000, seconds = 600;
    const auto second = pcm16(2, rate, sine);
    const auto path = t.path("long.wav");
    {
        std::vector<std::uint8_t> header = wavBytes(2, rate, 16, 1, {}, std::int64_t(second.size()) * seconds);
        juce::FileOutputStream out{juce::File(path)};
        REQUIRE(out.openedOk());
        out.write(header.data(), header.size());
        for (int s = 0; s < seconds; ++s) out.write(second.data(), second.size());
    }
    const auto r = runCli({"render", path, t.path("long-out.wav")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(r.maxRssKiB < 64 * 1024);
    WARN("10-minute render peak RSS: " << r.maxRssKiB << " KiB");
}

TEST_CASE("render: with --set step=N the output lines up with the input sample-exactly", "[cli][render][latency]") {
    TempDir t;
    // Clicks at odd positions (not on any step boundary), through the dry path (dryWet=0):
    // the engine delays the dry signal by one step, and render compensates the latency the
    // processor reports after prepareToPlay.
    const int frames = 48000 * 2;
    std::vector<int> clicks;
    for (int at = 9601; at + 1000 < frames; at += 4813) clicks.push_back(at);
    auto clickAt = [&](int, int i) { return std::find(clicks.begin(), clicks.end(), i) != clicks.end() ? 0.9f : 0.f; };
    const auto in = t.write("clicks.wav", wavBytes(2, 48000, 16, 1, pcm16(2, frames, clickAt)));
    for (const char* step : {"16", "64", "256", "512"}) {
        const auto out = t.path("aligned.wav");
        const auto r = runCli({"render", in, out, "--set", "dryWet=0", "--set", std::string("step=") + step});
        INFO("step " << step << ": " << r.err);
        REQUIRE(r.exitCode == 0);
        // one step plus the output limiter's 1 ms look-ahead (48 samples at 48 kHz)
        CHECK_THAT(r.err, Catch::Contains("latency " + std::to_string(std::stoi(step) + 48) + " samples compensated"));
        double sr = 0;
        const auto b = readBack(out, sr);
        int aligned = 0, firstOffset = 0;
        for (int at : clicks) {
            int best = at - 600;
            for (int i = at - 600; i <= at + 600; ++i)
                if (std::abs(b.getSample(0, i)) > std::abs(b.getSample(0, best))) best = i;
            if (best == at) ++aligned;
            else if (firstOffset == 0) firstOffset = best - at;
        }
        INFO(aligned << " of " << clicks.size() << " clicks aligned; the first misaligned one came out "
                     << firstOffset << " samples late");
        CHECK(aligned == int(clicks.size()));
    }
}

TEST_CASE("render: at 1536 kHz a step below the real-time minimum runs larger, said and still aligned", "[cli][render][latency]") {
    TempDir t;
    const int frames = 1536000 / 4;
    std::vector<int> clicks;
    for (int at = 100003; at + 5000 < frames; at += 48017) clicks.push_back(at);
    auto clickAt = [&](int, int i) { return std::find(clicks.begin(), clicks.end(), i) != clicks.end() ? 0.9f : 0.f; };
    const auto in = t.write("fast.wav", wavBytes(2, 1536000, 16, 1, pcm16(2, frames, clickAt)));
    const auto out = t.path("fast-out.wav");
    // a light filterbank (the factory patches' 24..48 bands in stereo are over the budget at
    // 1.536 MHz whatever the step) with a cell whose per-step cost rules out 16-sample steps
    const auto patch = t.write("light.json", R"({"format": 1, "name": "light", "nodes": [
        {"id": "in", "kind": "AudioIn", "params": {"bands": 8}},
        {"id": "z", "kind": "RateCell", "params": {"n_units": 64, "integration_type": "rk4"}},
        {"id": "out", "kind": "AudioOut"}], "wires": []})");
    const auto r = runCli({"render", "--patch", patch, in, out, "--set", "dryWet=0", "--set", "step=16"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    double sr = 0;
    const auto b = readBack(out, sr);
    int aligned = 0;
    for (int at : clicks) {
        int best = at - 2000;
        for (int i = at - 2000; i <= at + 2000; ++i)
            if (std::abs(b.getSample(1, i)) > std::abs(b.getSample(1, best))) best = i;
        if (best == at) ++aligned;
    }
    CHECK(aligned == int(clicks.size()));
    // the engine chose a larger step: render says so
    CHECK_THAT(r.err, Catch::Contains("step 16 samples asked, the engine runs"));
}

TEST_CASE("render: float WAV by default, --bits 16|24 on request; peak, true peak and a clip warning", "[cli][render]") {
    TempDir t;
    // 0.9 full scale at fs/4, 45 degrees off the samples: sample peak 0.636, true peak 0.9
    std::vector<float> f(2 * 48000);
    for (size_t i = 0; i < f.size(); ++i)
        f[i] = float(0.9 * std::sin(juce::MathConstants<double>::halfPi * double((i / 2) % 4) + juce::MathConstants<double>::pi / 4));
    const auto in = t.write("quarter.wav", wavBytes(2, 48000, 32, 3, float32(f)));
    auto r = runCli({"render", in, t.path("float.wav"), "--set", "dryWet=0"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("32-bit float") && Catch::Contains("out peak 0.6364 = -3.9") && Catch::Contains("true peak -0.9"));
    std::string error;
    auto file = graded::cli::AudioFileIn::open(juce::File(t.path("float.wav")), error);
    REQUIRE(file != nullptr);
    CHECK(file->isFloat());
    CHECK(file->bitsPerSample() == 32);

    // An input beyond full scale (float, peak 1.5) passed dry: the output limiter never goes
    // above the dry input's own level, so it stays beyond full scale. Float keeps it (and
    // notes the true peak); 16-bit clips and warns.
    for (auto& x : f) x *= 1.5f / 0.9f;
    const auto hot = t.write("hot.wav", wavBytes(2, 48000, 32, 3, float32(f)));
    r = runCli({"render", hot, t.path("loud.wav"), "--set", "dryWet=0"});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("true peak") && Catch::Contains("would clip"));
    double sr = 0;
    CHECK(readBack(t.path("loud.wav"), sr).getMagnitude(0, 0, 48000) > 1.05f); // sample peak 1.061, true peak 1.5
    r = runCli({"render", hot, t.path("loud16.wav"), "--set", "dryWet=0", "--bits", "16"});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("16-bit") && Catch::Contains("were clipped in the 16-bit file"));
    file = graded::cli::AudioFileIn::open(juce::File(t.path("loud16.wav")), error);
    REQUIRE(file != nullptr);
    CHECK_FALSE(file->isFloat());
    CHECK(file->bitsPerSample() == 16);
    CHECK(runCli({"render", in, t.path("x.wav"), "--bits", "12"}).exitCode == 2);
    CHECK(runCli({"render", in, t.path("x.aiff"), "--bits", "32f"}).exitCode == 2);
    r = runCli({"render", in, t.path("x.aiff")});
    CHECK(r.exitCode == 0);
    CHECK_THAT(r.err, Catch::Contains("24-bit"));
}

namespace {

std::vector<std::string> splitCsv(const juce::String& line) {
    std::vector<std::string> out;
    for (const auto& s : juce::StringArray::fromTokens(line, ",", "")) out.push_back(s.toStdString());
    return out;
}

/** The MIDI file the plot test feeds: a note-on above C4 at 0.5 s, its note-off at 1 s, a
    note-on below C4 at 1.5 s, all-notes-off (CC 123) at 2.5 s. */
void writeMidi(const juce::File& file) {
    juce::MidiMessageSequence track;
    auto at = [&](double s, juce::MidiMessage m) { m.setTimeStamp(s * 960.0); track.addEvent(m); }; // 480 ticks/beat, 120 bpm
    at(0.5, juce::MidiMessage::noteOn(1, 64, juce::uint8(100)));
    at(1.0, juce::MidiMessage::noteOff(1, 64));
    at(1.5, juce::MidiMessage::noteOn(1, 48, juce::uint8(80)));
    at(2.5, juce::MidiMessage::controllerEvent(1, 123, 0));
    track.updateMatchedPairs();
    juce::MidiFile midi;
    midi.setTicksPerQuarterNote(480);
    midi.addTrack(track);
    juce::FileOutputStream out(file);
    REQUIRE(out.openedOk());
    REQUIRE(midi.writeTo(out));
}

/** A reward-gated predictive EQ (the factory patch's graph, kept here so that the test's node
    names and 16 bands stay put whatever the factory patches become). */
const char* const kTracePatch = R"({
  "format": 1, "name": "trace test",
  "nodes": [
    {"id": "in", "kind": "AudioIn", "params": {"bands": 16, "minHz": 80, "maxHz": 12000, "compress": "db"}},
    {"id": "expect", "kind": "RateCell", "params": {"n_units": 16, "tau_m": 200, "prior": ["gaussian", 0.0], "act_fx": "identity"}},
    {"id": "error", "kind": "GaussianErrorCell", "params": {"n_units": 16, "sigma": 1.0}},
    {"id": "critic", "kind": "RewardErrorCell", "params": {"n_units": 1, "alpha": 0.001, "ema_window_len": 10}},
    {"id": "out", "kind": "AudioOut", "params": {"gains": "db", "minDb": -60, "maxDb": 0, "maxGain": 1.99, "smoothMs": 5}}
  ],
  "wires": [
    {"from": "in.bands", "to": "error.target"},
    {"from": "expect.zF", "to": "error.mu"},
    {"from": "error.dmu", "to": "expect.j", "delay": true},
    {"from": "critic.rpe", "to": "error.modulator"},
    {"from": "in.bands", "to": "out.bandGains", "gain": 200, "bias": -24},
    {"from": "expect.zF", "to": "out.bandGains", "gain": -200},
    {"from": "critic.rpe", "to": "out.gain", "gain": 0.5, "bias": 1}
  ]
})";

} // namespace

TEST_CASE("render: --trace names every column (node, compartment, channel, unit) of every channel; --plot is readable",
          "[cli][render][trace]") {
    TempDir t;
    const int frames = 3 * 48000;
    // Channel 0: a 440 Hz tone; channel 1: 3 kHz and 150 Hz, so the channels' bands differ.
    const auto in = t.write("st.wav", wavBytes(2, 48000, 16, 1, pcm16(2, frames, [](int c, int i) {
        const float s = float(i) / 48000.f, twoPi = 6.2831853f;
        return c == 0 ? 0.3f * std::sin(twoPi * 440.f * s) : 0.2f * std::sin(twoPi * 3000.f * s) + 0.2f * std::sin(twoPi * 150.f * s);
    })));
    writeMidi(t.dir.getChildFile("ev.mid"));
    REQUIRE(t.dir.getChildFile("patch.json").replaceWithText(kTracePatch));
    const auto r = runCli({"render", in, t.path("out.wav"), "--patch", t.path("patch.json"), "--midi", t.path("ev.mid"),
                           "--trace", t.path("st.csv"), "--plot", t.path("st.png")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);

    // --- the trace -------------------------------------------------------------------------
    juce::StringArray lines;
    lines.addLines(t.dir.getChildFile("st.csv").loadFileAsString());
    lines.removeEmptyStrings();
    REQUIRE(lines.size() > 80); // 3 s at ~30 snapshots a second
    const auto header = splitCsv(lines[0]);
    REQUIRE(header.size() > 10);
    CHECK(header[0] == "time_s");
    CHECK(header[1] == "step");
    // node.compartment[chC][uK], node.compartment[chC] (a scalar) or [chA+chB] (one row for both)
    for (size_t i = 2; i < header.size(); ++i) {
        const juce::String h(header[i]);
        INFO(header[i]);
        const auto node = h.upToFirstOccurrenceOf(".", false, false);
        const auto comp = h.fromFirstOccurrenceOf(".", false, false).upToFirstOccurrenceOf("[", false, false);
        CHECK(node.isNotEmpty());
        CHECK(comp.isNotEmpty());
        CHECK(h.fromFirstOccurrenceOf("[", true, false).containsOnly("[]chu0123456789+"));
        CHECK(h.contains("[ch"));
    }
    // AudioOut shows the gains applied (appliedDb) or, before that compartment, the gains asked.
    const std::string outComp = std::count(header.begin(), header.end(), "out.appliedDb[ch0][u0]") == 1 ? "appliedDb" : "bandGains";
    for (const std::string& name : std::vector<std::string>{"in.bands[ch0][u0]", "in.bands[ch1][u15]", "expect.zF[ch0][u3]", "expect.zF[ch1][u15]", "expect.z[ch1][u0]",
                                   "error.dmu[ch1][u7]", "error.L[ch0+ch1]", "critic.rpe[ch0][u0]", "critic.mu[ch1]",
                                   "out." + outComp + "[ch0][u0]", "out." + outComp + "[ch1][u15]"}) {
        INFO(name);
        CHECK(std::count(header.begin(), header.end(), name) == 1);
    }
    CHECK(std::count(header.begin(), header.end(), "in.bands[ch1][u16]") == 0);
    CHECK(std::count_if(header.begin(), header.end(), [](const std::string& h) { return h.rfind("band", 0) == 0; }) == 0); // no duplicate band columns
    for (int i = 1; i < lines.size(); ++i) {
        INFO("row " << i);
        REQUIRE(splitCsv(lines[i]).size() == header.size());
    }
    // Both channels are there and differ (channel 0 is a 440 Hz tone, channel 1 is not).
    auto column = [&](const std::string& name) {
        const auto at = size_t(std::find(header.begin(), header.end(), name) - header.begin());
        REQUIRE(at < header.size());
        std::vector<float> v;
        for (int i = 1; i < lines.size(); ++i) v.push_back(std::stof(splitCsv(lines[i])[at]));
        return v;
    };
    for (const int u : {5, 12}) { // ~425 Hz and ~4.4 kHz
        const auto a = column("in.bands[ch0][u" + std::to_string(u) + "]"), b = column("in.bands[ch1][u" + std::to_string(u) + "]");
        float diff = 0.f;
        for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(a[i] - b[i]));
        CHECK(diff > 0.05f);
    }
    const auto fiveCh0 = column("in.bands[ch0][u5]"), fiveCh1 = column("in.bands[ch1][u5]");
    CHECK(fiveCh0.back() > fiveCh1.back() + 0.1f); // the 440 Hz tone is in channel 0's band 5 (dB/100 units)
    const auto time = column("time_s");
    CHECK(time.front() > 0.f);
    CHECK(time.back() <= 3.01f);
    CHECK(time.back() > 2.9f);
    // The units file names each compartment's unit.
    const auto units = t.dir.getChildFile("st.units.txt").loadFileAsString();
    CHECK(units.contains("in.bands[ch][u0..15]: dB/100 above -100 dB"));
    CHECK(units.contains(juce::String("out." + outComp + "[ch][u0..15]: dB")));
    CHECK(units.contains("error.L: nats"));
    CHECK(units.contains("critic.mu: reward units"));
    CHECK(units.contains("band centres (Hz)"));

    // --- the plot ------------------------------------------------------------------------------
    const auto image = juce::ImageFileFormat::loadFrom(t.dir.getChildFile("st.png"));
    REQUIRE(image.isValid());
    // 1600 wide; 66 header + 2 spectrograms of 22 + 200 + 8 + 5 node lanes (in, expect, error,
    // critic, out) of 22 + 100 + 8 + 56 axis.
    CHECK(image.getWidth() == 1600);
    CHECK(image.getHeight() == 66 + 2 * 230 + 5 * 130 + 56);
    // The input spectrogram (x 130..1440, y 88..288; 46.9 Hz .. 24 kHz, log): varied colours,
    // and the 440 Hz row of channel 1 is brighter than its 10 kHz row.
    std::vector<juce::uint32> colours;
    for (int x = 140; x < 1430; x += 7)
        for (int y = 90; y < 286; y += 5) colours.push_back(image.getPixelAt(x, y).getARGB());
    std::sort(colours.begin(), colours.end());
    CHECK(std::unique(colours.begin(), colours.end()) - colours.begin() > 50);
    auto rowY = [](double hz) { return 288 - int(std::log(hz / 46.875) / std::log(24000.0 / 46.875) * 200.0); };
    const int x = 130 + 1310 * 3 / 4; // at 2.25 s, between markers
    CHECK(image.getPixelAt(x, rowY(440.0)).getBrightness() > image.getPixelAt(x, rowY(10000.0)).getBrightness() + 0.3f);
    // The note-on at 0.5 s is marked (green) on every lane: near the top of the critic.rpe
    // lane (the fourth node lane, a line on a dark ground).
    const auto marker = image.getPixelAt(130 + 1310 / 6, 66 + 2 * 230 + 3 * 130 + 22 + 5);
    CHECK(marker.getGreen() > marker.getRed() + 40);
    CHECK(marker.getGreen() > marker.getBlue() + 40);
}

TEST_CASE("render: --trace of three channels has each instance's channels, numbered in the file", "[cli][render][trace]") {
    TempDir t;
    const auto in = t.write("three.wav", wavBytes(3, 48000, 16, 1, pcm16(3, 24000, sine)));
    const auto r = runCli({"render", in, t.path("out.wav"), "--trace", t.path("three.csv")});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    juce::StringArray lines;
    lines.addLines(t.dir.getChildFile("three.csv").loadFileAsString());
    lines.removeEmptyStrings();
    REQUIRE(lines.size() > 10);
    const auto header = splitCsv(lines[0]);
    for (const char* name : {"in.bands[ch0][u0]", "in.bands[ch1][u0]", "in.bands[ch2][u15]", "expect.zF[ch2][u0]",
                             "surprise.L[ch0+ch1]", "surprise.L[ch2]", "out.appliedDb[ch2][u15]"}) {
        INFO(name);
        CHECK(std::count(header.begin(), header.end(), name) == 1);
    }
    CHECK(std::count(header.begin(), header.end(), "in.bands[ch3][u0]") == 0);
    for (int i = 1; i < lines.size(); ++i) REQUIRE(splitCsv(lines[i]).size() == header.size());
}
