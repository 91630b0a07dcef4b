// SPDX-License-Identifier: GPL-3.0-or-later
#include "Theme.h"

namespace graded::gui {

juce::Colour kindColour(NodeKind kind) {
    switch (kind) {
        case NodeKind::RateCell: return juce::Colour(0xff5c6bc0);
        case NodeKind::GaussianErrorCell: return juce::Colour(0xffd81b60);
        case NodeKind::LaplacianErrorCell: return juce::Colour(0xff8e24aa);
        case NodeKind::BernoulliErrorCell: return juce::Colour(0xff00897b);
        case NodeKind::LeakyNoiseCell: return juce::Colour(0xff6d8b2f);
        case NodeKind::RewardErrorCell: return juce::Colour(0xffef6c00);
        case NodeKind::DenseSynapse: return juce::Colour(0xff9e9d24);
        case NodeKind::HebbianSynapse: return juce::Colour(0xffc0a000);
        case NodeKind::AudioIn:
        case NodeKind::AudioOut: return juce::Colour(0xff546e7a);
    }
    return colours::panelEdge;
}

void strokeLine(juce::Graphics& g, const juce::Path& path, float width, const float* dashes) {
    if (dashes == nullptr) {
        g.strokePath(path, juce::PathStrokeType(width));
        return;
    }
    juce::Path dashed;
    juce::PathStrokeType(width).createDashedStroke(dashed, path, dashes, 2);
    g.fillPath(dashed);
}

GradedLookAndFeel::GradedLookAndFeel() {
    using namespace juce;
    setColour(ResizableWindow::backgroundColourId, colours::background);
    setColour(Label::textColourId, colours::text);
    setColour(Slider::textBoxTextColourId, colours::text);
    setColour(Slider::textBoxOutlineColourId, colours::panelEdge);
    setColour(Slider::textBoxBackgroundColourId, colours::background);
    setColour(Slider::rotarySliderFillColourId, colours::accent);
    setColour(Slider::rotarySliderOutlineColourId, colours::panelEdge);
    setColour(Slider::trackColourId, colours::accent);
    setColour(Slider::backgroundColourId, colours::panelEdge);
    setColour(Slider::thumbColourId, colours::text);
    setColour(ComboBox::backgroundColourId, colours::background);
    setColour(ComboBox::textColourId, colours::text);
    setColour(ComboBox::outlineColourId, colours::panelEdge);
    setColour(ComboBox::arrowColourId, colours::textDim);
    setColour(PopupMenu::backgroundColourId, colours::panel);
    setColour(PopupMenu::textColourId, colours::text);
    setColour(PopupMenu::highlightedBackgroundColourId, colours::accent.withAlpha(0.3f));
    setColour(TextButton::buttonColourId, colours::panel);
    setColour(TextButton::buttonOnColourId, colours::accent.withAlpha(0.5f));
    setColour(TextButton::textColourOffId, colours::text);
    setColour(TextButton::textColourOnId, colours::text);
    setColour(TooltipWindow::backgroundColourId, colours::panel);
    setColour(TooltipWindow::textColourId, colours::text);
    setColour(TooltipWindow::outlineColourId, colours::panelEdge);
}

void GradedLookAndFeel::drawFocusOutline(juce::Graphics& g, juce::Component& c) {
    if (!c.hasKeyboardFocus(true)) return;
    g.setColour(colours::accent);
    g.drawRoundedRectangle(c.getLocalBounds().toFloat().reduced(1.0f), 4.0f, 2.0f);
}

void GradedLookAndFeel::drawRotarySlider(juce::Graphics& g, int x, int y, int w, int h, float pos,
                                         float start, float end, juce::Slider& s) {
    LookAndFeel_V4::drawRotarySlider(g, x, y, w, h, pos, start, end, s);
    drawFocusOutline(g, s);
}

void GradedLookAndFeel::drawLinearSlider(juce::Graphics& g, int x, int y, int w, int h, float pos,
                                         float min, float max, juce::Slider::SliderStyle style,
                                         juce::Slider& s) {
    LookAndFeel_V4::drawLinearSlider(g, x, y, w, h, pos, min, max, style, s);
    drawFocusOutline(g, s);
}

void GradedLookAndFeel::drawComboBox(juce::Graphics& g, int w, int h, bool down, int bx, int by,
                                     int bw, int bh, juce::ComboBox& box) {
    LookAndFeel_V4::drawComboBox(g, w, h, down, bx, by, bw, bh, box);
    drawFocusOutline(g, box);
}

void GradedLookAndFeel::drawButtonBackground(juce::Graphics& g, juce::Button& b,
                                             const juce::Colour& c, bool over, bool down) {
    LookAndFeel_V4::drawButtonBackground(g, b, c, over, down);
    drawFocusOutline(g, b);
}

} // namespace graded::gui
