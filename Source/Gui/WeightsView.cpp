// SPDX-License-Identifier: GPL-3.0-or-later
#include "WeightsView.h"

#include <cmath>

namespace graded::gui {

WeightsView::WeightsView() : last_(std::make_unique<WeightHeatFrame>()) {
    setTitle("Synapse weights");
    setDescription("Heat maps of each synapse's weights W, updated live");
    exportButton.setTooltip("Write each synapse's weights and biases as <id>.npz (ngclearn's save() layout) into a folder");
    importButton.setTooltip("Load a synapse's weights from an .npz written by ngclearn's save() (or by Export); "
                            "the file is checked (shape, finite values) before the engine takes it");
    addAndMakeVisible(exportButton);
    addAndMakeVisible(importButton);
}

void WeightsView::update(const WeightHeatFrame& frame) {
    *last_ = frame;
    have_ = true;
    ++frames_;
    repaint();
}

void WeightsView::resized() {
    auto top = getLocalBounds().removeFromTop(24).reduced(2);
    importButton.setBounds(top.removeFromRight(118));
    top.removeFromRight(4);
    exportButton.setBounds(top.removeFromRight(118));
}

void WeightsView::paint(juce::Graphics& g) {
    g.setColour(colours::panel);
    g.fillRoundedRectangle(getLocalBounds().toFloat(), 4.f);
    g.setColour(colours::panelEdge);
    g.drawRoundedRectangle(getLocalBounds().toFloat().reduced(0.5f), 4.f, 1.f);
    auto r = getLocalBounds().reduced(6);
    g.setColour(colours::text);
    g.setFont(juce::Font(13.f, juce::Font::bold));
    g.drawText("Weights", r.removeFromTop(18).withTrimmedRight(240), juce::Justification::centredLeft);
    r.removeFromTop(4);
    if (!have_ || last_->count == 0) {
        g.setColour(colours::textDim);
        g.setFont(juce::Font(12.f));
        g.drawText(have_ ? "No synapse in this patch" : "Waiting for audio...", r, juce::Justification::centred);
        return;
    }
    const int n = last_->count;
    const int w = r.getWidth() / n;
    for (int k = 0; k < n; ++k) {
        const auto& m = last_->maps[size_t(k)];
        auto cell = juce::Rectangle<int>(r.getX() + k * w, r.getY(), w, r.getHeight()).reduced(3, 0);
        auto label = cell.removeFromBottom(30);
        const float scale = std::max(std::fabs(m.lo), std::fabs(m.hi));
        // the map keeps W's aspect (rows: n_in, columns: n_out) within the cell
        const float aspect = float(m.cols) / float(std::max(1, m.rows));
        auto area = cell.toFloat();
        if (area.getWidth() / std::max(1.f, area.getHeight()) > aspect) area = area.withSizeKeepingCentre(area.getHeight() * aspect, area.getHeight());
        else area = area.withSizeKeepingCentre(area.getWidth(), area.getWidth() / aspect);
        const float cw = area.getWidth() / float(std::max(1, m.cols)), ch = area.getHeight() / float(std::max(1, m.rows));
        for (int i = 0; i < m.rows; ++i)
            for (int j = 0; j < m.cols; ++j) {
                const float v = m.v[size_t(i * m.cols + j)];
                const float a = scale > 0.f ? std::min(1.f, std::fabs(v) / scale) : 0.f;
                g.setColour((v >= 0.f ? colours::positive : colours::negative).withBrightness(0.12f + 0.88f * a).withSaturation(0.25f + 0.75f * a));
                g.fillRect(area.getX() + float(j) * cw, area.getY() + float(i) * ch, cw + 0.5f, ch + 0.5f);
            }
        g.setColour(colours::panelEdge);
        g.drawRect(area, 1.f);
        g.setColour(colours::text);
        g.setFont(juce::Font(12.f, juce::Font::bold));
        const bool shrunk = m.rows < m.nIn || m.cols < m.nOut;
        g.drawText(juce::String(m.id) + "  [" + juce::String(m.nIn) + " x " + juce::String(m.nOut) + "]" + (shrunk ? " (sampled)" : ""),
                   label.removeFromTop(15), juce::Justification::centred);
        g.setColour(colours::textDim);
        g.setFont(juce::Font(11.f));
        g.drawText("min " + juce::String(m.lo, 3) + "  max " + juce::String(m.hi, 3), label, juce::Justification::centred);
    }
}

} // namespace graded::gui
