// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Pieces of graded-cli render (and soak): argument errors, --set values, the streamed trace
// (every channel and unit, with a units file) and the plot (spectrograms, node lanes, events).

#include <Graph/Engine.h>

#include <juce_audio_processors/juce_audio_processors.h>

#include <memory>
#include <string>
#include <vector>

namespace graded::cli {

/** Bad arguments or bad input: the command prints "graded-cli CMD: error: message", exit 2. */
struct UsageError {
    std::string message;
};

/** A --set value for `p`: a choice label, the label's first word ("256" for "256 samples"),
    a factory patch name for `patch`, or a plain number within the parameter's range. */
float parseParameterValue(const juce::RangedAudioParameter& p, const std::string& text);

/** What a shown compartment holds, for the trace's units file and the plot's labels: its
    unit ("dB", "(dB+100)/100", "mA", "model units", ...) and what it is. */
struct CompartmentInfo {
    std::string unit;        ///< short, for an axis or a colour bar
    std::string about;       ///< one line: what the values are, how the patch sets them
    bool bands = false;      ///< one column per filterbank band (AudioIn/AudioOut band compartments)
};
/** `node` (telemetry node index `index`) and its compartment `comp`, from the running patch
    (the node's kind, the AudioIn/AudioOut settings, which wires drive it). */
CompartmentInfo compartmentInfo(const Patch* patch, int index, const TelemetryNode& node, std::string_view comp);
/** The filterbank's band centres in Hz (as Filterbank computes them), for labels. */
std::vector<double> bandCentresHz(const Patch* patch, double sampleRate);

/** --trace: one CSV row per telemetry snapshot, streamed (memory stays constant however long
    the render). Every processor instance (instance g runs file channels 2g and 2g+1) adds its
    snapshot of the same step to the row. Columns: time_s, step, then per instance and node
    "node.comp[chC][uK]" for every channel C (numbered in the file, from 0) and unit K of its
    main and secondary compartments, "node.comp[chC]" for its scalar (the first unit), with
    "[chA+chB]" for a compartment with one row for the instance's channels (an error cell's L,
    summed over them). A companion text file (`unitsFile`) names each compartment's unit and
    meaning. The AudioIn bands are the "in.bands" columns (no separate band columns). */
class TraceWriter {
public:
    /** Throws UsageError if it cannot write. */
    TraceWriter(const juce::File& file, const std::string& name, const juce::File& unitsFile, const Patch* patch, double sampleRate);
    /** One row: instances[g] is instance g's snapshot (all of the same step). */
    void add(const std::vector<const Telemetry*>& instances, double timeSeconds);
    void finish();  ///< flushes; throws UsageError on a write error
    std::int64_t rows() const noexcept { return rows_; }
    int columns() const noexcept { return columns_; }

private:
    struct Column {
        int instance = 0, node = 0, what = 0, channel = 0, unit = 0; ///< what: 0 main, 1 secondary, 2 scalar
    };
    void writeHeader(const std::vector<const Telemetry*>& instances);

    std::string name_;
    juce::File unitsFile_;
    const Patch* patch_;
    double sampleRate_;
    std::unique_ptr<juce::FileOutputStream> out_;
    bool header_ = false;
    std::vector<Column> layout_;
    int columns_ = 0;
    std::int64_t rows_ = 0;
};

/** --plot: a bounded series of channel 0 of each node's main compartment (every unit). When
    it holds `capacity` points it drops every other one and keeps one point in twice as many
    from then on, so a long render keeps an evenly decimated series. */
class PlotSeries {
public:
    explicit PlotSeries(size_t capacity);
    void add(const Telemetry& t, double timeSeconds);

    struct Lane {
        std::string id, comp;    ///< node id, main compartment
        int nodeIndex = 0;
        int offset = 0, count = 0; ///< its values in each point's row
    };
    const std::vector<Lane>& lanes() const noexcept { return lanes_; }
    size_t size() const noexcept { return times_.size(); }
    double time(size_t i) const noexcept { return times_[i]; }
    const float* row(size_t i) const noexcept { return values_.data() + i * size_t(stride_); }
    /** The node of lane l as the first snapshot had it (for compartmentInfo). */
    const TelemetryNode& node(int l) const noexcept { return nodes_[size_t(l)]; }

private:
    size_t capacity_;
    std::vector<Lane> lanes_;
    std::vector<TelemetryNode> nodes_;
    std::vector<double> times_;
    std::vector<float> values_;
    int stride_ = 0;
    bool started_ = false;
    std::uint64_t seen_ = 0, stride2_ = 1;
};

/** A spectrogram of a stream, bounded: `columns` time columns over the render's known length,
    `rows` log-spaced frequency rows from ~20 Hz to Nyquist; each column holds the mean power
    of the Hann-windowed FFT frames centred in it, in dBFS (a full-scale sine reads 0 dBFS). */
class Spectrogram {
public:
    Spectrogram(double sampleRate, std::int64_t totalFrames, int columns, int rows);
    /** The next `n` samples of the stream. */
    void add(const float* x, int n);
    int columns() const noexcept { return columns_; }
    int rows() const noexcept { return rows_; }
    double lowHz() const noexcept { return lowHz_; }
    double highHz() const noexcept { return highHz_; }
    int fftSize() const noexcept { return n_; }
    /** dBFS of column c, row r (row 0: lowest); a column no frame fell in takes its left
        neighbour's value. */
    float db(int c, int r) const;

private:
    void frame();
    double sr_;
    std::int64_t total_, pos_ = 0, nextFrame_;
    int columns_, rows_, n_, hop_;
    double lowHz_, highHz_;
    std::vector<float> ring_, window_;
    std::vector<double> re_, im_, cosT_, sinT_;
    std::vector<int> rev_, rowLo_, rowHi_;
    std::vector<float> sum_;      ///< [columns][rows] power
    std::vector<int> count_;      ///< frames per column
};

/** A MIDI event as render fed it to the processors, for the plot's markers. */
struct PlotEvent {
    enum Kind { rewardUp, rewardDown, episodeEnd, reset };
    double time = 0.0;
    Kind kind = rewardUp;
    float value = 0.f;   ///< the reward it sets (reward events)
};

/** What writePlot draws. */
struct PlotInput {
    const PlotSeries* series = nullptr;
    const Spectrogram* input = nullptr;
    const Spectrogram* output = nullptr;
    const std::vector<PlotEvent>* events = nullptr;
    std::int64_t eventsLeftOut = 0;   ///< events beyond what render keeps for the plot
    const Patch* patch = nullptr;
    double sampleRate = 48000.0;
    double seconds = 0.0;       ///< the render's length
    juce::String title;
};

/** The spectrograms' resolution that fills the plot: one column per pixel of its time axis. */
inline constexpr int kPlotTimeColumns = 1310, kPlotFrequencyRows = 200;
/** The plot's size for `lanes` node lanes. */
juce::Point<int> plotSize(int lanes);
/** Draws the plot and writes it as PNG (throws UsageError if it cannot). */
void writePlot(const juce::File& file, const std::string& name, const PlotInput& in);

/** The true peak of a stream of samples: the largest magnitude of the signal 4x oversampled
    by a windowed-sinc interpolator (48 taps, as ITU-R BS.1770 suggests), so inter-sample
    peaks that a converter would reconstruct are seen. */
class TruePeakMeter {
public:
    TruePeakMeter();
    void add(float x) noexcept;
    /** Flushes the interpolator and returns the peak (linear). */
    float finish() noexcept;

private:
    static constexpr int kTaps = 12;      ///< per phase
    static constexpr int kPhases = 4;
    float coeff_[kPhases][kTaps];
    float hist_[kTaps] = {};
    int pos_ = 0;
    float peak_ = 0.f;
};

} // namespace graded::cli
