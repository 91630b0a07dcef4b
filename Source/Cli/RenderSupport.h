// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once
// Pieces of graded-cli render (and soak): argument errors, --set values, the streamed trace
// and the bounded plot series.

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

/** --trace: writes each telemetry snapshot to the CSV as it comes (the header from the first
    one), so memory stays constant however long the render. Columns are labelled by what the
    node specs show: each node's main and secondary compartments ("expect.zF[0]", "expect.z[0]"),
    its scalar ("surprise.L", "critic.mu"), then the AudioIn bands ("band0"). */
class TraceWriter {
public:
    TraceWriter(const juce::File& file, const std::string& name); ///< throws UsageError if it cannot write
    void add(const Telemetry& t, double timeSeconds);
    void finish();  ///< flushes; throws UsageError on a write error
    std::int64_t rows() const noexcept { return rows_; }

private:
    std::string name_;
    std::unique_ptr<juce::FileOutputStream> out_;
    bool header_ = false;
    int numNodes_ = 0, numBands_ = 0;
    int numMain_[kTelemetryMaxNodes] = {}, numSecondary_[kTelemetryMaxNodes] = {};
    bool scalar_[kTelemetryMaxNodes] = {};
    std::int64_t rows_ = 0;
};

/** --plot: a bounded series: the first value of each node's main compartment (its lane is
    labelled "id.compartment") and the band
    energies. When it holds `capacity` points it drops every other one and keeps one point in
    twice as many from then on, so a long render keeps an evenly decimated series. */
class PlotSeries {
public:
    explicit PlotSeries(size_t capacity);
    void add(const Telemetry& t, double timeSeconds);

    struct Point {
        double time = 0.0;
        float node[kTelemetryMaxNodes] = {};
        float band[kTelemetryMaxBands] = {};
    };
    const std::vector<Point>& points() const noexcept { return points_; }
    int numNodes() const noexcept { return numNodes_; }
    int numBands() const noexcept { return numBands_; }
    const std::string& nodeId(int n) const { return ids_[static_cast<size_t>(n)]; }

private:
    size_t capacity_;
    std::vector<Point> points_;
    std::vector<std::string> ids_;
    int numNodes_ = -1, numBands_ = 0;
    std::uint64_t seen_ = 0, stride_ = 1;
};

/** Draws the plot and writes it as PNG (throws UsageError if it cannot). */
void writePlot(const juce::File& file, const std::string& name, const PlotSeries& series, const juce::String& title);

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
