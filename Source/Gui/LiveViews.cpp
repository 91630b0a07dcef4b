// SPDX-License-Identifier: GPL-3.0-or-later
#include "LiveViews.h"

#include <cmath>
#include <limits>

namespace graded::gui {
namespace {

float finiteOr0(float v) { return std::isfinite(v) ? v : 0.f; }

juce::Colour valueColour(float v, float scale) {
    const float m = juce::jlimit(0.0f, 1.0f, std::abs(v) / std::max(scale, 1e-9f));
    const auto hue = v >= 0 ? colours::positive : colours::negative;
    return colours::background.interpolatedWith(hue, 0.15f + 0.85f * m);
}

void drawPanel(juce::Graphics& g, juce::Component& c, const juce::String& title) {
    g.fillAll(colours::panel);
    g.setColour(colours::panelEdge);
    g.drawRect(c.getLocalBounds(), 1);
    g.setColour(colours::textDim);
    g.setFont(juce::Font(12.0f, juce::Font::bold));
    g.drawText(title, c.getLocalBounds().reduced(6, 2).removeFromTop(16), juce::Justification::centredLeft);
}

} // namespace

// ------------------------------------------------------------------------------------------
StripsView::StripsView() {
    setOpaque(true);
    setTitle("Compartments");
    setDescription("Live value of each node's main compartment");
}

void StripsView::setNodes(const juce::StringArray& ids, std::vector<Derived> derived) {
    ids_ = ids;
    derived_ = std::move(derived);
    clear();
}

void StripsView::update(const Telemetry& t) {
    // a snapshot from another patch (still queued when the patch changed) is not drawn
    for (int i = 0; i < t.numNodes && !ids_.isEmpty(); ++i)
        if (!ids_.contains(juce::String(t.nodes[i].id))) return;
    last_ = t;
    have_ = true;
    repaint();
}

void StripsView::clear() {
    have_ = false;
    last_.numNodes = 0;
    repaint();
}

juce::StringArray StripsView::rowLabels() const {
    juce::StringArray rows;
    if (!have_) return rows;
    for (int i = 0; i < last_.numNodes; ++i) {
        const auto& n = last_.nodes[i];
        bool replaced = false;
        for (const auto& d : derived_) replaced = replaced || d.replaces == juce::String(n.id);
        for (const TelemetrySeries* s : {&n.secondary, &n.main})
            if (!s->name.empty() && (s == &n.main || s->numValues > 0) && !(s == &n.main && replaced))
                rows.add(juce::String(n.id) + "." + juce::String(std::string(s->name)));
    }
    for (const auto& d : derived_) rows.add(d.label);
    return rows;
}

void StripsView::paint(juce::Graphics& g) {
    drawPanel(g, *this, "Compartments (channel 1)");
    if (!have_ || last_.numNodes == 0) return;
    int rows = 0;
    for (int i = 0; i < last_.numNodes; ++i) rows += last_.nodes[i].secondary.numValues > 0 ? 2 : 1;
    rows += int(derived_.size());
    auto replaced = [this](const juce::String& id) {
        for (const auto& d : derived_)
            if (d.replaces == id) return true;
        return false;
    };
    for (int i = 0; i < last_.numNodes; ++i)
        if (replaced(juce::String(last_.nodes[i].id))) --rows;
    auto area = getLocalBounds().reduced(6).withTrimmedTop(16);
    const int rowH = juce::jlimit(10, 26, area.getHeight() / std::max(1, rows));
    g.setFont(juce::Font(juce::jmin(12.0f, float(rowH) - 1.0f)));
    auto drawRow = [&](const juce::String& name, const float* values, int count) {
        auto row = area.removeFromTop(rowH);
        if (row.getHeight() < 8) return;
        auto label = row.removeFromLeft(std::min(150, row.getWidth() / 3));
        float peak = 0.f;
        for (int k = 0; k < count; ++k) peak = std::max(peak, std::abs(finiteOr0(values[k])));
        g.setColour(colours::text);
        g.drawFittedText(name, label.reduced(2, 0), juce::Justification::centredLeft, 1);
        auto value = row.removeFromRight(70);
        g.setColour(colours::textDim);
        g.drawText("|max| " + juce::String(peak, peak >= 100.f ? 0 : peak >= 10.f ? 1 : 2), value, juce::Justification::centredRight);
        if (count <= 0) return;
        const auto strip = row.reduced(2, 1).toFloat();
        const float w = strip.getWidth() / float(count);
        const float scale = std::max(peak, 1e-3f);
        for (int k = 0; k < count; ++k) {
            const float v = finiteOr0(values[k]);
            g.setColour(valueColour(v, scale));
            g.fillRect(juce::Rectangle<float>(strip.getX() + w * float(k), strip.getY(), std::max(1.0f, w - 1.0f), strip.getHeight()));
            if (v < 0 && w >= 7.0f) { // the sign as a shape too, not colour alone
                g.setColour(colours::text.withAlpha(0.8f));
                const float cx = strip.getX() + w * (float(k) + 0.5f);
                g.drawLine(cx - 2.5f, strip.getCentreY(), cx + 2.5f, strip.getCentreY(), 1.2f);
            }
        }
    };
    for (int i = 0; i < last_.numNodes; ++i) {
        const auto& n = last_.nodes[i];
        const juce::String id(n.id);
        for (const TelemetrySeries* s : {&n.secondary, &n.main})
            if (!s->name.empty() && (s == &n.main || s->numValues > 0) && !(s == &n.main && replaced(id)))
                drawRow(id + "." + juce::String(std::string(s->name)), s->values, s->numValues);
    }
    for (const auto& d : derived_)
        for (int i = 0; i < last_.numNodes; ++i)
            if (d.fromNode == juce::String(last_.nodes[i].id)) {
                const auto& m = last_.nodes[i].main;
                std::array<float, kTelemetryMaxValues> v{};
                const int count = std::min(m.numValues, kTelemetryMaxValues);
                for (int k = 0; k < count; ++k) v[size_t(k)] = d.gain * finiteOr0(m.values[k]) + d.bias;
                drawRow(d.label, v.data(), count);
            }
}

// ------------------------------------------------------------------------------------------
TracesView::TracesView() {
    setOpaque(true);
    setTitle("Traces");
    setDescription("Scrolling traces of the error cells' L and the reward cell's mu and rpe");
}

TracesView::Trace& TracesView::trace(const juce::String& name) {
    for (auto& t : traces_)
        if (t.name == name) return t;
    traces_.push_back({});
    traces_.back().name = name;
    return traces_.back();
}

float TracesView::latest(const juce::String& name) const noexcept {
    for (const auto& t : traces_)
        if (t.name == name && t.count > 0) return t.at(t.count - 1);
    return std::numeric_limits<float>::quiet_NaN();
}

void TracesView::setNodes(const juce::StringArray& ids, const juce::StringArray& constantByDesign) {
    ids_ = ids;
    constant_ = constantByDesign;
    clear();
}

juce::StringArray TracesView::names() const {
    juce::StringArray n;
    for (const auto& t : traces_) n.add(t.name);
    return n;
}

juce::String TracesView::note(int i) const {
    if (i < 0 || i >= int(traces_.size())) return {};
    const auto& t = traces_[size_t(i)];
    bool flat = t.count >= 30;
    for (int k = 1; k < t.count && flat; ++k) flat = t.at(k) == t.at(0);
    if (constant_.contains(t.name.upToLastOccurrenceOf(".", false, false)))
        return flat ? "constant by construction: counts mismatched units" : "counts mismatched units";
    return flat ? "constant" : "";
}

juce::String TracesView::legendText(int i) const {
    if (i < 0 || i >= int(traces_.size())) return {};
    const auto& t = traces_[size_t(i)];
    const float now = t.count > 0 ? t.at(t.count - 1) : 0.f;
    const auto n = note(i);
    return t.name + " " + juce::String(now, 3) + (n.isEmpty() ? juce::String() : " (" + n + ")");
}

void TracesView::clear() {
    traces_.clear();
    received_ = false;
    repaint();
}

void TracesView::update(const Telemetry& t) {
    // a snapshot from another patch (still queued when the patch changed) is not traced
    for (int i = 0; i < t.numNodes && !ids_.isEmpty(); ++i)
        if (!ids_.contains(juce::String(t.nodes[i].id))) return;
    received_ = true;
    for (int i = 0; i < t.numNodes; ++i) {
        const auto& n = t.nodes[i];
        const juce::String id(n.id);
        // what a node traces is in its spec: its scalar, and the mean of a main compartment
        // marked `traced` (RewardErrorCell: mu, rpe)
        if (!n.scalar.name.empty()) trace(id + "." + juce::String(std::string(n.scalar.name))).push(finiteOr0(n.scalar.value));
        if (n.main.traced) {
            float mean = 0.f;
            for (int k = 0; k < n.main.numValues; ++k) mean += finiteOr0(n.main.values[k]);
            trace(id + "." + juce::String(std::string(n.main.name))).push(n.main.numValues > 0 ? mean / float(n.main.numValues) : 0.f);
        }
    }
    repaint();
}

void TracesView::paint(juce::Graphics& g) {
    drawPanel(g, *this, "Traces (last 8 s)");
    auto area = getLocalBounds().reduced(6).withTrimmedTop(16);
    if (traces_.empty()) {
        g.setColour(colours::textDim);
        g.drawFittedText(received_ ? "This patch has no error or reward cell to trace"
                                   : "Waiting for audio (no processing yet)",
                         area, juce::Justification::centred, 2);
        return;
    }
    auto legend = area.removeFromRight(std::min(190, area.getWidth() / 3));
    const auto plot = area.reduced(2).toFloat();
    static const juce::Colour palette[] = {juce::Colour(0xffffb74d), juce::Colour(0xff4fc3f7),
                                           juce::Colour(0xffaed581), juce::Colour(0xfff48fb1),
                                           juce::Colour(0xffce93d8), juce::Colour(0xffe0e0e0)};
    static const float dashSets[][2] = {{0.f, 0.f}, {6.f, 3.f}, {2.f, 3.f}, {10.f, 4.f}, {4.f, 6.f}, {1.f, 2.f}};
    g.setColour(colours::panelEdge);
    g.drawHorizontalLine(int(plot.getCentreY()), plot.getX(), plot.getRight());
    g.setFont(juce::Font(12.0f));
    for (size_t ti = 0; ti < traces_.size(); ++ti) {
        const auto& t = traces_[ti];
        float lo = t.count > 0 ? t.at(0) : 0.f, hi = lo;
        for (int i = 0; i < t.count; ++i) {
            lo = std::min(lo, t.at(i));
            hi = std::max(hi, t.at(i));
        }
        const bool flat = hi - lo <= 0.f;
        const float range = std::max(hi - lo, 1e-6f);
        juce::Path p;
        for (int i = 0; i < t.count; ++i) {
            const float x = plot.getX() + plot.getWidth() * float(i + TracesView::kHistory - t.count) / float(TracesView::kHistory - 1);
            // a flat trace is drawn at its own height in the middle (it has no range)
            const float y = flat ? plot.getCentreY() + 3.0f * float(ti) : plot.getBottom() - plot.getHeight() * (t.at(i) - lo) / range;
            if (i == 0) p.startNewSubPath(x, y);
            else p.lineTo(x, y);
        }
        const auto colour = palette[ti % 6];
        g.setColour(colour);
        const float* dashes = ti % 6 == 0 ? nullptr : dashSets[ti % 6]; // the first is solid
        strokeLine(g, p, 1.5f, dashes);
        auto row = legend.removeFromTop(18);
        juce::Path sample;
        sample.startNewSubPath(float(row.getX()), float(row.getCentreY()));
        sample.lineTo(float(row.getX() + 22), float(row.getCentreY()));
        strokeLine(g, sample, 1.5f, dashes);
        g.setColour(colours::text);
        const float now = t.count > 0 ? t.at(t.count - 1) : 0.f;
        const auto why = note(int(ti));
        g.drawFittedText(t.name + " " + juce::String(now, 3) + (why.isEmpty() ? juce::String() : " *"),
                         row.withTrimmedLeft(26), juce::Justification::centredLeft, 1);
        if (why.isNotEmpty()) { // the note under the legend, where it has room
            g.setColour(colours::textDim);
            g.drawFittedText("* " + t.name + ": " + why, legend.removeFromTop(why.length() > 12 ? 44 : 16).withTrimmedLeft(26),
                             juce::Justification::topLeft, 3);
        }
    }
}

// ------------------------------------------------------------------------------------------
BandsView::BandsView() {
    setOpaque(true);
    setTitle("Bands");
    setDescription("Input band energies beside the cells' expectation");
}

void BandsView::setExpectationNode(const juce::String& nodeId, bool logits) {
    expectId_ = nodeId;
    logits_ = logits;
    haveExpect_ = false;
    repaint();
}

void BandsView::update(const Telemetry& t) {
    received_ = true;
    numBands_ = std::min(t.numBands, kTelemetryMaxBands);
    for (int k = 0; k < numBands_; ++k) bands_[size_t(k)] = finiteOr0(t.bandEnergy[k]);
    haveExpect_ = false;
    for (int i = 0; i < t.numNodes && numBands_ > 0; ++i) {
        const auto& n = t.nodes[i];
        if (expectId_.isNotEmpty() && expectId_ == juce::String(n.id) && n.main.numValues == numBands_) {
            for (int k = 0; k < numBands_; ++k) {
                const float v = finiteOr0(n.main.values[k]);
                expect_[size_t(k)] = logits_ ? 1.0f / (1.0f + std::exp(-v)) : v;
            }
            haveExpect_ = true;
            expectName_ = juce::String(n.id) + "." + juce::String(std::string(n.main.name));
            if (logits_) expectName_ = "P = sigmoid(" + expectName_ + "), right axis 0..1";
            break;
        }
    }
    repaint();
}

void BandsView::paint(juce::Graphics& g) {
    drawPanel(g, *this, "Input bands vs expectation");
    auto area = getLocalBounds().reduced(6).withTrimmedTop(16);
    if (numBands_ <= 0) {
        g.setColour(colours::textDim);
        g.drawFittedText(received_ ? "No band analysis in this patch" : "Waiting for audio (no processing yet)",
                         area, juce::Justification::centred, 1);
        return;
    }
    auto legend = area.removeFromBottom(16);
    const auto plot = area.reduced(2).toFloat();
    float hi = 1e-6f;
    for (int k = 0; k < numBands_; ++k) {
        hi = std::max(hi, bands_[size_t(k)]);
        if (haveExpect_ && !logits_) hi = std::max(hi, expect_[size_t(k)]);
    }
    const float w = plot.getWidth() / float(numBands_);
    for (int k = 0; k < numBands_; ++k) {
        const float h = plot.getHeight() * juce::jlimit(0.0f, 1.0f, bands_[size_t(k)] / hi);
        g.setColour(colours::accent.withAlpha(0.75f));
        g.fillRect(juce::Rectangle<float>(plot.getX() + w * float(k) + 1.0f, plot.getBottom() - h, std::max(1.0f, w - 2.0f), h));
    }
    if (haveExpect_) {
        juce::Path p;
        for (int k = 0; k < numBands_; ++k) {
            const float x = plot.getX() + w * (float(k) + 0.5f);
            const float y = plot.getBottom() - plot.getHeight() * juce::jlimit(0.0f, 1.0f, expect_[size_t(k)] / (logits_ ? 1.0f : hi));
            if (k == 0) p.startNewSubPath(x, y);
            else p.lineTo(x, y);
            g.setColour(colours::positive);
            g.fillEllipse(x - 3.0f, y - 3.0f, 6.0f, 6.0f);
        }
        g.strokePath(p, juce::PathStrokeType(2.0f));
        if (logits_) { // the probability's own axis
            g.setColour(colours::textDim);
            g.setFont(juce::Font(11.0f));
            g.drawText("P 1", juce::Rectangle<float>(plot.getRight() - 30, plot.getY(), 30, 12), juce::Justification::topRight);
            g.drawText("0", juce::Rectangle<float>(plot.getRight() - 30, plot.getBottom() - 12, 30, 12), juce::Justification::bottomRight);
        }
    }
    g.setFont(juce::Font(12.0f));
    g.setColour(colours::text);
    g.drawFittedText(this->legend(), legend, juce::Justification::centredLeft, 1);
}

juce::String BandsView::legend() const {
    return haveExpect_ ? "bars: input energy    line with dots: expectation (" + expectName_ + ")"
                       : juce::String("bars: input energy");
}

float BandsView::expectation(int k) const noexcept {
    return haveExpect_ && k >= 0 && k < numBands_ ? expect_[size_t(k)] : std::numeric_limits<float>::quiet_NaN();
}

// ------------------------------------------------------------------------------------------
MetersView::MetersView() {
    setOpaque(true);
    setTitle("Meters");
    setDescription("CPU share of the step budget and MIDI reward activity");
}

void MetersView::setCpu(float load) {
    cpu_ = finiteOr0(load);
    repaint();
}

void MetersView::setMidi(int events, float reward) {
    if (events != lastEvents_) {
        flash_ = 1.0f;
        lastEvents_ = events;
        reward_ = finiteOr0(reward);
    } else {
        flash_ = std::max(0.0f, flash_ - 0.08f);
    }
    repaint();
}

void MetersView::paint(juce::Graphics& g) {
    g.fillAll(colours::panel);
    g.setColour(colours::panelEdge);
    g.drawRect(getLocalBounds(), 1);
    auto area = getLocalBounds().reduced(6, 4);
    g.setFont(juce::Font(12.5f));
    auto cpuArea = area.removeFromLeft(area.getWidth() / 2).reduced(2, 0);
    g.setColour(colours::text);
    g.drawText("CPU " + juce::String(cpu_ * 100.0f, 1) + "% of step", cpuArea.removeFromLeft(130), juce::Justification::centredLeft);
    auto bar = cpuArea.reduced(0, 6).toFloat();
    g.setColour(colours::panelEdge);
    g.fillRect(bar);
    g.setColour(cpu_ > 0.7f ? colours::meterHot : colours::meterOk);
    g.fillRect(bar.withWidth(bar.getWidth() * juce::jlimit(0.0f, 1.0f, cpu_)));
    auto midi = area.reduced(2, 0);
    auto lamp = midi.removeFromLeft(16).withSizeKeepingCentre(12, 12).toFloat();
    g.setColour(colours::panelEdge.interpolatedWith(colours::positive, flash_));
    g.fillEllipse(lamp);
    g.setColour(colours::text);
    g.drawText(juce::String(flash_ > 0.f ? "MIDI reward " : "MIDI idle, last reward ") + juce::String(reward_, 2),
               midi.withTrimmedLeft(6), juce::Justification::centredLeft);
}

} // namespace graded::gui
