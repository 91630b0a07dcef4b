// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <Graph/Patch.h>

#include <juce_gui_basics/juce_gui_basics.h>

namespace graded::gui {

/** Colours chosen for contrast on a dark background (text >= 4.5:1). Meaning is never
    carried by colour alone: every coloured element also has a text label or a shape. */
namespace colours {
inline const juce::Colour background{0xff16181d};
inline const juce::Colour panel{0xff20232a};
inline const juce::Colour panelEdge{0xff343944};
inline const juce::Colour text{0xffe8eaed};
inline const juce::Colour textDim{0xffa9b0bc};
inline const juce::Colour accent{0xff4fc3f7};    // focus, selection
inline const juce::Colour positive{0xffffb74d};  // amber: positive values
inline const juce::Colour negative{0xff64b5f6};  // blue: negative values (plus a minus sign)
inline const juce::Colour wire{0xff7d8796};
inline const juce::Colour meterOk{0xff81c784};
inline const juce::Colour meterHot{0xffe57373};
} // namespace colours

/** Per-kind colour of a node's title bar (the kind is also written in the box). */
juce::Colour kindColour(NodeKind kind);

/** Strokes `path`, dashed with the two-entry `dashes` (on, off), or solid when null. */
void strokeLine(juce::Graphics& g, const juce::Path& path, float width, const float* dashes = nullptr);

/** Dark look with visible keyboard-focus outlines on every focusable control. */
class GradedLookAndFeel : public juce::LookAndFeel_V4 {
public:
    GradedLookAndFeel();
    void drawFocusOutline(juce::Graphics& g, juce::Component& c);
    void drawRotarySlider(juce::Graphics&, int x, int y, int w, int h, float pos, float start,
                          float end, juce::Slider&) override;
    void drawLinearSlider(juce::Graphics&, int x, int y, int w, int h, float pos, float min,
                          float max, juce::Slider::SliderStyle, juce::Slider&) override;
    void drawComboBox(juce::Graphics&, int w, int h, bool down, int bx, int by, int bw, int bh,
                      juce::ComboBox&) override;
    void drawButtonBackground(juce::Graphics&, juce::Button&, const juce::Colour&, bool over,
                              bool down) override;
};

} // namespace graded::gui
