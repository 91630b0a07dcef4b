// SPDX-License-Identifier: GPL-3.0-or-later
#include "RenderSupport.h"

#include "PluginProcessor.h"

#include <juce_gui_basics/juce_gui_basics.h>

#include <algorithm>
#include <cmath>

namespace graded::cli {

float parseParameterValue(const juce::RangedAudioParameter& p, const std::string& text) {
    const juce::String s(text);
    if (auto* choice = dynamic_cast<const juce::AudioParameterChoice*>(&p)) {
        const int idx = choice->choices.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
        int match = -1, matches = 0;
        for (int i = 0; i < choice->choices.size(); ++i)
            if (choice->choices[i].upToFirstOccurrenceOf(" ", false, false).equalsIgnoreCase(s)) { match = i; ++matches; }
        if (matches == 1) return static_cast<float>(match);
    }
    if (p.paramID == "patch") {
        const auto names = plugin::GradedCellsProcessor::factoryPatchNames();
        const int idx = names.indexOf(s, true);
        if (idx >= 0) return static_cast<float>(idx);
    }
    if (s.isEmpty() || !s.containsOnly("0123456789+-.eE"))
        throw UsageError{"--set " + p.paramID.toStdString() + ": '" + text + "' is not a number or a known label"};
    const float v = s.getFloatValue();
    const auto range = p.getNormalisableRange();
    if (!std::isfinite(v) || v < range.start || v > range.end) {
        if (auto* choice = dynamic_cast<const juce::AudioParameterChoice*>(&p))
            throw UsageError{"--set " + p.paramID.toStdString() + "=" + text + ": not one of " +
                             choice->choices.joinIntoString(", ").toStdString() + " (nor an index 0.." +
                             std::to_string(choice->choices.size() - 1) + ")"};
        throw UsageError{"--set " + p.paramID.toStdString() + "=" + text + " is outside " +
                         juce::String(range.start).toStdString() + ".." + juce::String(range.end).toStdString()};
    }
    return v;
}

// --- TraceWriter -----------------------------------------------------------------------------

TraceWriter::TraceWriter(const juce::File& file, const std::string& name) : name_(name) {
    if (file.isDirectory()) throw UsageError{"cannot write " + name + ": it is a directory"};
    out_ = std::make_unique<juce::FileOutputStream>(file, 1 << 16);
    if (!out_->openedOk()) throw UsageError{"cannot write " + name + " (" + out_->getStatus().getErrorMessage().toStdString() + ")"};
    out_->setPosition(0);
    out_->truncate();
}

void TraceWriter::add(const Telemetry& t, double timeSeconds) {
    auto& out = *out_;
    if (!header_) {
        header_ = true;
        numNodes_ = std::clamp(t.numNodes, 0, kTelemetryMaxNodes);
        numBands_ = std::clamp(t.numBands, 0, kTelemetryMaxBands);
        out << "step,time_s";
        auto series = [&](const char* id, const TelemetrySeries& s, int& count) {
            count = s.name.empty() ? 0 : std::clamp(s.numValues, 0, kTelemetryMaxValues);
            for (int v = 0; v < count; ++v) out << "," << id << "." << juce::String(s.name.data(), s.name.size()) << "[" << v << "]";
        };
        for (int n = 0; n < numNodes_; ++n) {
            const auto& node = t.nodes[n];
            series(node.id, node.main, numMain_[n]);
            series(node.id, node.secondary, numSecondary_[n]);
            scalar_[n] = !node.scalar.name.empty();
            if (scalar_[n]) out << "," << node.id << "." << juce::String(node.scalar.name.data(), node.scalar.name.size());
        }
        for (int b = 0; b < numBands_; ++b) out << ",band" << b;
        out << "\n";
    }
    out << juce::String(static_cast<juce::int64>(t.step)) << "," << juce::String(timeSeconds, 6);
    auto values = [&](bool has, const TelemetrySeries& s, int count) {
        for (int v = 0; v < count; ++v) out << "," << juce::String(has && v < s.numValues ? s.values[v] : 0.f, 7);
    };
    for (int n = 0; n < numNodes_; ++n) {
        const bool has = n < t.numNodes;
        const auto& node = t.nodes[n];
        values(has, node.main, numMain_[n]);
        values(has, node.secondary, numSecondary_[n]);
        if (scalar_[n]) out << "," << juce::String(has ? node.scalar.value : 0.f, 7);
    }
    for (int b = 0; b < numBands_; ++b) out << "," << juce::String(b < t.numBands ? t.bandEnergy[b] : 0.f, 7);
    out << "\n";
    ++rows_;
}

void TraceWriter::finish() {
    out_->flush();
    if (out_->getStatus().failed()) throw UsageError{"cannot write " + name_ + " (" + out_->getStatus().getErrorMessage().toStdString() + ")"};
    out_.reset();
}

// --- PlotSeries -----------------------------------------------------------------------------

PlotSeries::PlotSeries(size_t capacity) : capacity_(std::max<size_t>(4, capacity)) { points_.reserve(capacity_); }

void PlotSeries::add(const Telemetry& t, double timeSeconds) {
    if (numNodes_ < 0) {
        numNodes_ = std::clamp(t.numNodes, 0, kTelemetryMaxNodes);
        numBands_ = std::clamp(t.numBands, 0, kTelemetryMaxBands);
        for (int n = 0; n < numNodes_; ++n) ids_.push_back(std::string(t.nodes[n].id) + "." + std::string(t.nodes[n].main.name));
    }
    if (seen_++ % stride_ != 0) return;
    if (points_.size() >= capacity_) {
        size_t keep = 0;
        for (size_t i = 0; i < points_.size(); i += 2) points_[keep++] = points_[i];
        points_.resize(keep);
        stride_ *= 2;
        if ((seen_ - 1) % stride_ != 0) return;
    }
    Point p;
    p.time = timeSeconds;
    for (int n = 0; n < numNodes_; ++n) p.node[n] = n < t.numNodes && t.nodes[n].main.numValues > 0 ? t.nodes[n].main.values[0] : 0.f;
    for (int b = 0; b < numBands_; ++b) p.band[b] = b < t.numBands ? t.bandEnergy[b] : 0.f;
    for (auto& v : p.node) if (!std::isfinite(v)) v = 0.f;
    for (auto& v : p.band) if (!std::isfinite(v)) v = 0.f;
    points_.push_back(p);
}

void writePlot(const juce::File& file, const std::string& name, const PlotSeries& series, const juce::String& title) {
    const int w = 1400, h = 900, margin = 60;
    juce::Image image(juce::Image::RGB, w, h, true, juce::SoftwareImageType());
    juce::Graphics g(image);
    g.fillAll(juce::Colour(0xff101418));
    g.setColour(juce::Colours::white);
    g.setFont(18.f);
    g.drawText(title, margin, 10, w - 2 * margin, 30, juce::Justification::left);
    const auto& rows = series.points();
    if (rows.size() >= 2) {
        const double t0 = rows.front().time, t1 = rows.back().time;
        auto xOf = [&](double t) { return margin + static_cast<float>((t - t0) / std::max(1e-9, t1 - t0)) * (w - 2 * margin); };
        // Top: one lane per node (first value of its main compartment, normalised per lane).
        const int numNodes = series.numNodes(), numBands = series.numBands();
        const int lanes = std::max(1, numNodes);
        const juce::Rectangle<int> top(margin, 50, w - 2 * margin, h / 2 - 60);
        const float laneH = static_cast<float>(top.getHeight()) / lanes;
        for (int n = 0; n < numNodes; ++n) {
            float lo = 1e30f, hi = -1e30f;
            for (const auto& r : rows) { lo = std::min(lo, r.node[n]); hi = std::max(hi, r.node[n]); }
            const float y0 = top.getY() + laneH * (n + 1) - 4, span = std::max(1e-9f, hi - lo);
            juce::Path path;
            for (size_t i = 0; i < rows.size(); ++i) {
                const float y = y0 - (rows[i].node[n] - lo) / span * (laneH - 12);
                if (i == 0) path.startNewSubPath(xOf(rows[i].time), y); else path.lineTo(xOf(rows[i].time), y);
            }
            g.setColour(juce::Colour::fromHSV(static_cast<float>(n) / lanes, 0.7f, 0.95f, 1.f));
            g.strokePath(path, juce::PathStrokeType(1.5f));
            g.setFont(13.f);
            g.drawText(juce::String(series.nodeId(n)) + " [" + juce::String(lo, 3) + ", " + juce::String(hi, 3) + "]",
                       top.getX() + 4, static_cast<int>(top.getY() + laneH * n), 500, 16, juce::Justification::left);
        }
        // Bottom: band spectrum over time (AudioIn bands, channel 0).
        const juce::Rectangle<int> bottom(margin, h / 2 + 20, w - 2 * margin, h / 2 - 70);
        const int bands = std::max(1, numBands);
        float lo = 1e30f, hi = -1e30f;
        for (const auto& r : rows)
            for (int b = 0; b < numBands; ++b) { lo = std::min(lo, r.band[b]); hi = std::max(hi, r.band[b]); }
        const float bandH = static_cast<float>(bottom.getHeight()) / bands;
        for (size_t i = 0; i + 1 < rows.size(); ++i) {
            const float x = xOf(rows[i].time), x2 = xOf(rows[i + 1].time);
            for (int b = 0; b < numBands; ++b) {
                const float v = (rows[i].band[b] - lo) / std::max(1e-9f, hi - lo);
                g.setColour(juce::Colour::fromHSV(0.7f - 0.7f * v, 0.9f, 0.2f + 0.8f * v, 1.f));
                g.fillRect(x, bottom.getBottom() - bandH * (b + 1), std::max(1.f, x2 - x), bandH);
            }
        }
        g.setColour(juce::Colours::white);
        g.setFont(14.f);
        g.drawText("band spectrum (low bands at the bottom), " + juce::String(numBands) + " bands",
                   bottom.getX(), bottom.getY() - 20, 600, 18, juce::Justification::left);
        g.drawText(juce::String(t0, 2) + " s", margin, h - 40, 100, 18, juce::Justification::left);
        g.drawText(juce::String(t1, 2) + " s", w - margin - 100, h - 40, 100, 18, juce::Justification::right);
    }
    if (file.isDirectory()) throw UsageError{"cannot write " + name + ": it is a directory"};
    juce::TemporaryFile temp(file);
    {
        juce::FileOutputStream out(temp.getFile());
        juce::PNGImageFormat png;
        if (!out.openedOk() || !png.writeImageToStream(image, out)) throw UsageError{"cannot write " + name};
        out.flush();
        if (out.getStatus().failed()) throw UsageError{"cannot write " + name};
    }
    if (!temp.overwriteTargetFileWithTemporary()) throw UsageError{"cannot write " + name};
}

TruePeakMeter::TruePeakMeter() {
    // h[k], k = 0..47, a 4x interpolation low-pass: sinc at a quarter of the oversampled rate
    // under a Hann window; phase p of output sample n uses h[p + 4 j] against x[n - j].
    const int n = kTaps * kPhases;
    const double centre = (n - 1) / 2.0;
    for (int k = 0; k < n; ++k) {
        const double t = (k - centre) / kPhases;
        const double sinc = t == 0.0 ? 1.0 : std::sin(juce::MathConstants<double>::pi * t) / (juce::MathConstants<double>::pi * t);
        const double w = 0.5 - 0.5 * std::cos(2.0 * juce::MathConstants<double>::pi * (k + 0.5) / n);
        coeff_[k % kPhases][k / kPhases] = static_cast<float>(sinc * w);
    }
}

void TruePeakMeter::add(float x) noexcept {
    hist_[pos_] = x;
    peak_ = std::max(peak_, std::abs(x));
    for (int p = 0; p < kPhases; ++p) {
        float acc = 0.f;
        for (int j = 0; j < kTaps; ++j) acc += coeff_[p][j] * hist_[(pos_ - j + kTaps) % kTaps];
        peak_ = std::max(peak_, std::abs(acc));
    }
    pos_ = (pos_ + 1) % kTaps;
}

float TruePeakMeter::finish() noexcept {
    for (int i = 0; i < kTaps; ++i) add(0.f);
    return peak_;
}

} // namespace graded::cli
